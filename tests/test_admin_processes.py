"""Process administration: who may open it, creating and editing a process with its phases,
action fields, moderation mode and channels; the rows without JavaScript; safe Markdown."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    ContributionTheme,
    ModerationMode,
    Phase,
    PhaseKind,
    Process,
    Role,
    Theme,
    ThemeSource,
)
from participation.services import processes
from participation.services.errors import ValidationFailed
from participation.services.markdown import render_markdown
from participation.services.processes import ProcessForm, slugify
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    add_staff,
    add_themes,
    attr,
    de,
    field_error,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)

NEW = "/admin/processes/new"


def edit_url(slug: str = SLUG) -> str:
    return f"/admin/processes/{slug}/edit"


@pytest.fixture
def admin_client(client: Client, settings: Settings) -> Client:
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    assert login(client, "admin@example.org").status_code == 303
    return client


def new_process_form(**overrides: str) -> dict[str, str]:
    form = {
        "title": "Grüne Städte im Auetal",
        "slug": "",
        "summary": "Wie wird das Auetal grüner?",
        "description": "Sagen Sie uns **Ihre** Ideen.",
        "moderation_mode": "before_publishing",
        "channel-idea_call": "on",
        "phases-0-id": "",
        "phases-0-kind": "idea_call",
        "phases-0-title": "Ideen sammeln",
        "phases-0-description": "",
        "phases-0-starts_on": "2026-05-01",
        "phases-0-ends_on": "2026-06-15",
        "phases-1-id": "",
        "phases-1-kind": "screening",
        "phases-1-title": "Auswertung",
        "phases-1-description": "",
        "phases-1-starts_on": "2026-06-16",
        "phases-1-ends_on": "2026-07-31",
        "themes-0-id": "",
        "themes-0-name": "Stadtgrün",
        "themes-0-description": "Bäume und Parks",
        "themes-0-keywords": "Baum,  Park , ,Wiese",
        "themes-0-lead_organisation": "Umweltamt",
        "action": "save",
    }
    form.update(overrides)
    return form


async def stored(session: AsyncSession, slug: str) -> tuple[Process, list[Phase], list[Theme]]:
    found = await processes.get_process_for_edit(session, slug)
    assert found is not None
    return found


# --- who may open it -------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get("/admin/processes", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_moderators_may_not_administer_processes(staff_client: Client) -> None:
    assert staff_client.get("/admin/processes").status_code == 403
    assert post_form(staff_client, NEW, new_process_form()).status_code == 403
    page = html(staff_client.get("/").text)
    assert page.select_one('a[href="/admin/processes"]') is None


def test_admins_see_the_administration_in_nav_and_home(
    admin_client: Client, process: Process
) -> None:
    page = html(admin_client.get("/").text)
    assert len(page.select('a[href="/admin/processes"]')) == 2  # nav and home page
    listing = html(admin_client.get("/admin/processes").text)
    assert one(listing, "h1").get_text() == de("Process administration")
    assert listing.select_one(f'a[href="{edit_url()}"]') is not None


# --- creating ----------------------------------------------------------------------------------


def test_slugify_speaks_german() -> None:
    assert slugify("Grüne Städte & Straßen 2030!") == "gruene-staedte-strassen-2030"
    assert slugify("  ") == ""


def test_create_a_process_with_phases_and_themes(admin_client: Client, settings: Settings) -> None:
    response = post_form(admin_client, NEW, new_process_form())
    assert response.status_code == 303, response.text
    assert response.headers["location"] == edit_url("gruene-staedte-im-auetal")

    process, phases, themes = in_db(settings, lambda s: stored(s, "gruene-staedte-im-auetal"))
    assert process.title == "Grüne Städte im Auetal"
    assert process.moderation_mode is ModerationMode.BEFORE_PUBLISHING
    assert process.open_channels == [Channel.IDEA_CALL.value]
    assert process.updated_at is not None
    assert [(p.kind, p.title, p.position) for p in phases] == [
        (PhaseKind.IDEA_CALL, "Ideen sammeln", 0),
        (PhaseKind.SCREENING, "Auswertung", 1),
    ]
    # The last day is included, in local time (Berlin: UTC+2 in summer).
    assert phases[0].ends_at.isoformat() == "2026-06-15T21:59:59+00:00"
    assert phases[0].starts_at.isoformat() == "2026-04-30T22:00:00+00:00"
    assert [(t.name, t.slug, t.keywords, t.lead_organisation) for t in themes] == [
        ("Stadtgrün", "stadtgruen", ["Baum", "Park", "Wiese"], "Umweltamt")
    ]

    edit = html(admin_client.get(edit_url("gruene-staedte-im-auetal")).text)
    assert attr(one(edit, "#phases-0-ends_on"), "value") == "2026-06-15"
    assert attr(one(edit, "#themes-0-keywords"), "value") == "Baum, Park, Wiese"
    # The admin learns from when the daily purge takes the process's personal data.
    deleted_from = max(p.ends_at for p in phases) + timedelta(days=settings.retention_days)
    day = format_date(deleted_from.astimezone(ZoneInfo(settings.time_zone)), "long", locale="de")
    assert text_of(one(edit, "#retention-note")) == (
        f"Personenbezogene Daten dieses Verfahrens (E-Mail-Adressen der Einreichenden, "
        f"E-Mails, Einladungslinks zu Umfragen) werden ab dem {day} gelöscht, "
        f"{settings.retention_days} Tage nach dem Ende seiner letzten Phase."
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Please give the process a title."),
        ({"slug": "Nicht gültig!"}, "slug", None),
        (
            {"moderation_mode": "whenever"},
            "moderation_mode",
            "Please choose when ideas are published.",
        ),
        ({"phases-1-title": " "}, "phases-1-title", "Please give the phase a title."),
        ({"phases-0-starts_on": "1. Mai"}, "phases-0-starts_on", None),
        ({"phases-0-ends_on": "2026-02-30"}, "phases-0-ends_on", None),
        (
            {"phases-1-ends_on": "2026-06-01"},
            "phases-1-ends_on",
            "The phase must end on or after its first day.",
        ),
        ({"themes-0-name": ""}, "themes-0-name", "Please give the action field a name."),
    ],
)
def test_bad_input_gets_a_message_at_the_field_and_keeps_the_input(
    admin_client: Client,
    settings: Settings,
    overrides: dict[str, str],
    field: str,
    message: str | None,
) -> None:
    response = post_form(admin_client, NEW, new_process_form(**overrides))
    assert response.status_code == 422
    page = html(response.text)
    if message:
        assert field_error(page, field) == de(message)
    else:
        assert field_error(page, field)
    if field != "moderation_mode":  # radios: the message sits in their fieldset
        assert attr(one(page, f"#{field}"), "aria-invalid") == "true"
    assert page.select_one(".error-summary") is not None
    # Everything typed is still there.
    assert attr(one(page, "#summary"), "value") == "Wie wird das Auetal grüner?"
    assert attr(one(page, "#themes-0-lead_organisation"), "value") == "Umweltamt"
    assert in_db(settings, lambda s: processes.list_processes(s)) == []


def test_idea_calls_may_not_overlap(admin_client: Client) -> None:
    form = new_process_form(**{"phases-1-kind": "idea_call", "phases-1-starts_on": "2026-06-15"})
    response = post_form(admin_client, NEW, form)
    assert response.status_code == 422
    assert "Ideen sammeln" in field_error(html(response.text), "phases-1-starts_on")


def test_the_slug_must_be_unique(admin_client: Client, process: Process) -> None:
    response = post_form(admin_client, NEW, new_process_form(slug=SLUG))
    assert response.status_code == 422
    assert field_error(html(response.text), "slug") == de(
        "Another process already uses this address; please choose another."
    )


# --- rows without JavaScript -------------------------------------------------------------------


def test_add_remove_and_move_rows_keep_all_input(admin_client: Client, settings: Settings) -> None:
    response = post_form(admin_client, NEW, new_process_form(action="phase-add"))
    assert response.status_code == 200
    page = html(response.text)
    assert len(page.select(".admin-row")) == 4  # three phases, one theme
    assert attr(one(page, "#phases-1-title"), "value") == "Auswertung"
    assert page.select_one("#phases-2-title") is not None
    assert attr(one(page, "#title"), "value") == "Grüne Städte im Auetal"

    moved = html(post_form(admin_client, NEW, new_process_form(action="phase-up-1")).text)
    assert attr(one(moved, "#phases-0-title"), "value") == "Auswertung"
    assert attr(one(moved, "#phases-1-title"), "value") == "Ideen sammeln"

    removed = html(post_form(admin_client, NEW, new_process_form(action="theme-remove-0")).text)
    assert removed.select_one("#themes-0-name") is None
    added = html(post_form(admin_client, NEW, new_process_form(action="theme-add")).text)
    assert attr(one(added, "#themes-1-name"), "value") == ""
    # None of this saved anything.
    assert in_db(settings, lambda s: processes.list_processes(s)) == []


# --- editing -----------------------------------------------------------------------------------


def test_edit_changes_fields_phases_themes_and_channels(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    in_db(settings, lambda s: add_themes(s, process))
    page = html(admin_client.get(edit_url()).text)
    form = {
        str(attr(tag, "name")): str(tag.get("value", ""))
        for tag in page.select("form.admin-form input")
        if tag.get("name") and tag.get("type") not in {"checkbox", "radio", "submit"}
    }
    form.update(
        {
            "title": "Radwege und Fußwege",
            "moderation_mode": "after_publishing",
            "channel-workshop": "on",
            "phases-0-kind": "idea_call",
            "phases-0-description": "",
            "themes-2-name": "ÖPNV",
            "themes-2-keywords": "bus, bahn",
            "themes-0-description": "",
            "themes-1-description": "",
            "themes-2-description": "",
            "action": "save",
        }
    )
    before = in_db(settings, lambda s: stored(s, SLUG))[0].updated_at
    response = post_form(admin_client, edit_url(), form)
    assert response.status_code == 303, response.text
    saved, phases, themes = in_db(settings, lambda s: stored(s, SLUG))
    assert saved.title == "Radwege und Fußwege"
    assert saved.moderation_mode is ModerationMode.AFTER_PUBLISHING
    assert saved.open_channels == [Channel.WORKSHOP.value]  # idea call unticked
    assert saved.updated_at is not None
    assert saved.updated_at != before
    assert len(phases) == 1
    assert [t.name for t in themes] == ["Radwege", "Schulwege", "ÖPNV"]
    assert themes[2].slug == "oepnv"  # a kept theme keeps its slug
    assert themes[2].keywords == ["bus", "bahn"]
    public = html(admin_client.get(f"/processes/{SLUG}").text)
    assert public.select_one("#idea-call-closed") is not None  # the channel is closed
    flash = html(admin_client.get(edit_url()).text)
    assert flash.select_one(".flash--success") is None  # shown once, after the redirect


# --- removing a theme that contributions carry -----------------------------------------------


async def _carrying_themes(session: AsyncSession) -> Process:
    process = await add_process(session)
    themes = await add_themes(session, process)
    for n in range(3):
        idea = await add_idea(session, process, title=f"Radweg Nummer {n}")
        assert idea.id is not None
        assert themes["radwege"].id is not None
        session.add(
            ContributionTheme(
                contribution_id=idea.id,
                theme_id=themes["radwege"].id,
                source=ThemeSource.CONFIRMED,
            )
        )
    await session.commit()
    return process


async def test_removing_a_carried_theme_needs_a_confirmation(session: AsyncSession) -> None:
    process = await _carrying_themes(session)
    actor = await add_actor(session, "admin@example.org", Role.ADMIN)
    found = await stored(session, SLUG)
    form = processes.form_for(*found, "Europe/Berlin")
    form.themes = [t for t in form.themes if t.name != "Radwege"]

    with pytest.raises(ValidationFailed) as failed:
        await processes.save_process(session, process, form, actor)
    assert "themes" in failed.value.errors
    [pending] = form.pending_removals
    assert (pending.name, pending.contributions) == ("Radwege", 3)
    assert len((await stored(session, SLUG))[2]) == 3  # nothing removed yet

    form.confirmed_removals = {pending.theme_id}
    await processes.save_process(session, process, form, actor)
    assert [t.name for t in (await stored(session, SLUG))[2]] == ["Schulwege", "Bus und Bahn"]
    rows = await session.exec(select(ContributionTheme))
    assert list(rows) == []


def _edit_form_without_first_theme(client: Client) -> tuple[dict[str, str], str]:
    """The edit form's fields as the page fills them, with the first action field's row
    taken out (as the "remove" button does); also that theme's id."""
    page = html(client.get(edit_url()).text)
    form = {
        str(attr(tag, "name")): str(tag.get("value", ""))
        for tag in page.select("form.admin-form input")
        if tag.get("name") and tag.get("type") not in {"checkbox", "radio", "submit"}
    }
    form.update({"moderation_mode": "before_publishing", "channel-idea_call": "on"})
    theme_id = form["themes-0-id"]
    for key in [k for k in form if k.startswith("themes-0-")]:
        del form[key]
    return form, theme_id


def test_the_confirmation_says_how_many_contributions_carry_it(
    admin_client: Client, settings: Settings
) -> None:
    in_db(settings, _carrying_themes)
    form, theme_id = _edit_form_without_first_theme(admin_client)
    response = post_form(admin_client, edit_url(), {**form, "action": "save"})
    assert response.status_code == 422
    asked = html(response.text)
    box = one(asked, f"#confirm-remove-{theme_id}")
    label = text_of(one(asked, f'label[for="confirm-remove-{theme_id}"]'))
    assert "Radwege" in label
    assert "3" in label
    assert box.get("checked") is None

    confirmed = post_form(
        admin_client, edit_url(), {**form, f"confirm-remove-{theme_id}": "on", "action": "save"}
    )
    assert confirmed.status_code == 303


async def test_a_theme_nobody_carries_is_removed_at_once(session: AsyncSession) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    actor = await add_actor(session, "admin@example.org", Role.ADMIN)
    form = processes.form_for(*(await stored(session, SLUG)), "Europe/Berlin")
    form.themes = form.themes[1:]
    await processes.save_process(session, process, form, actor)
    assert [t.name for t in (await stored(session, SLUG))[2]] == ["Schulwege", "Bus und Bahn"]


async def test_phase_ids_of_another_process_are_not_taken_over(session: AsyncSession) -> None:
    other = await add_process(session, slug="anderes-verfahren")
    process = await add_process(session)
    actor = await add_actor(session, "admin@example.org", Role.ADMIN)
    other_phase = (await stored(session, other.slug))[1][0]
    form = processes.form_for(*(await stored(session, SLUG)), "Europe/Berlin")
    form.phases[0].id = str(other_phase.id)
    await processes.save_process(session, process, form, actor)
    phases = list(await session.exec(select(Phase).order_by(col(Phase.id))))
    assert sum(p.process_id == other.id for p in phases) == 1
    assert sum(p.process_id == process.id for p in phases) == 1


def test_unknown_process_is_404(admin_client: Client) -> None:
    assert admin_client.get(edit_url("gibt-es-nicht")).status_code == 404


def test_new_form_renders(admin_client: Client) -> None:
    page = html(admin_client.get(NEW).text)
    assert one(page, "#phases-0-kind").select_one("option[selected]") is not None
    assert attr(one(page, "#channel-idea_call"), "checked") == ""


# --- Markdown ----------------------------------------------------------------------------------


def test_markdown_escapes_html_and_drops_unsafe_links() -> None:
    out = str(
        render_markdown(
            "# Titel\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) "
            "[y](JAVASCRIPT:alert(1)) [e](javascript&#58;alert(1)) [d](data:text/html,x) "
            "[ok](https://example.org) [mail](mailto:a@example.org) [here](/processes)"
        )
    )
    assert "<script" not in out
    assert "&lt;script&gt;" in out
    assert 'href="javascript' not in out.lower()
    assert 'href="data:' not in out
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in out
    assert '<a href="mailto:a@example.org">mail</a>' in out
    assert '<a href="/processes">here</a>' in out
    assert "<h3>Titel</h3>" in out  # under the page's h2


def test_public_page_renders_the_description_safely(client: Client, settings: Settings) -> None:
    async def make(session: AsyncSession) -> None:
        process = await add_process(session)
        process.description = (
            "Mehr **Radwege**.\n\n<script>alert(1)</script> [klick](javascript:alert(1))"
        )
        session.add(process)
        await session.commit()

    in_db(settings, make)
    page = html(client.get(f"/processes/{SLUG}").text)
    prose = one(page, ".prose")
    assert prose.select_one("strong") is not None
    assert prose.select_one("script") is None
    assert "<script>alert(1)</script>" in text_of(prose)  # shown as text
    assert all(
        not str(a.get("href", "")).lower().startswith("javascript") for a in prose.select("a")
    )


def test_days_as_date_inputs_send_them_or_as_people_type_them() -> None:
    assert processes.parse_day("2026-06-15") == processes.parse_day("15.6.2026")
    assert processes.parse_day("31.02.2026") is None
    assert processes.parse_day("") is None


def test_a_one_day_phase_is_fine() -> None:
    form = ProcessForm.new()
    form.title = "Test"
    form.phases[0].title = "Ideen"
    form.phases[0].starts_on = "2026-01-10"
    form.phases[0].ends_on = "2026-01-10"  # one day is fine
    assert processes.validate_process_form(form) == {}
    assert form.slug == "test"


def test_keep_puts_a_removed_theme_back(admin_client: Client, settings: Settings) -> None:
    in_db(settings, _carrying_themes)
    form, theme_id = _edit_form_without_first_theme(admin_client)
    kept = post_form(admin_client, edit_url(), {**form, "action": f"theme-keep-{theme_id}"})
    assert kept.status_code == 200
    names = [attr(tag, "value") for tag in html(kept.text).select('input[id$="-name"]')]
    assert sorted(names) == ["Bus und Bahn", "Radwege", "Schulwege"]


async def test_a_save_over_someone_elses_newer_change_is_stopped_once(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    actor = await add_actor(session, "admin@example.org", Role.ADMIN)
    mine = processes.form_for(*(await stored(session, SLUG)), "Europe/Berlin")
    theirs = processes.form_for(*(await stored(session, SLUG)), "Europe/Berlin")
    theirs.title = "Ihr Titel"
    await processes.save_process(session, process, theirs, actor)

    mine.title = "Mein Titel"
    with pytest.raises(ValidationFailed) as failed:
        await processes.save_process(session, process, mine, actor)
    assert "form" in failed.value.errors
    assert (await stored(session, SLUG))[0].title == "Ihr Titel"
    await processes.save_process(session, process, mine, actor)  # the second time, knowingly
    assert (await stored(session, SLUG))[0].title == "Mein Titel"
