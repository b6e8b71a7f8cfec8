"""The tracking pages over HTTP: the staff page where the working group records progress,
status, milestones, values and notes (without JavaScript, mistakes at their fields), the
timeline on the public profile page (German first, English too), the lead organisations on
the process page, and the role matrix: an evaluator neither edits profiles nor moderates, an
editor tracks only the profiles they lead, a moderator records no tracking updates."""

from __future__ import annotations

import pytest
from bs4 import Tag
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Profile, ProfileStatus, ProfileUpdate, Theme
from participation.services import tracking
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    count,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)
from tests.sql_statements import recorded
from tests.tracking_rows import TrackingWorld, tracking_world


@pytest.fixture
def world(settings: Settings) -> TrackingWorld:
    return in_db(settings, lambda s: tracking_world(s, accounts=True))


def _page(world: TrackingWorld, profile: Profile | None = None) -> str:
    return f"/admin/steckbriefe/{(profile or world.profile).id}/umsetzung"


def _public(world: TrackingWorld) -> str:
    return f"/processes/{SLUG}/steckbriefe/{world.profile.id}"


def _as(client: Client, email: str) -> Client:
    assert login(client, email).status_code == 303
    return client


def _words(tag: Tag) -> str:
    """The text as read, without the spaces text_of puts between elements."""
    return " ".join(tag.get_text().split())


def _updates(settings: Settings) -> int:
    return in_db(settings, lambda s: count(s, ProfileUpdate))


def test_an_editor_records_progress_a_milestone_a_value_and_a_note(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    _as(client, world.editor.email)
    staff = html(client.get(f"/admin/steckbriefe/{world.profile.id}").text)
    assert one(staff, f"a[href='{_page(world)}']").get_text() == "Umsetzung melden"
    overview = html(client.get("/admin/steckbriefe").text)
    assert one(overview, f"table:has(#mine-caption) a[href='{_page(world)}']")

    page = html(client.get(_page(world)).text)
    assert text_of(one(page, "h1")) == "Umsetzung: Glasfaser für alle Schulen"
    steps = [
        ("fortschritt", {"progress-progress": "40", "progress-text": "Die Planung steht."}),
        (
            "meilensteine",
            {"milestone-title": "Ausschreibung", "milestone-planned_on": "2027-03-31"},
        ),
        (
            "werte",
            {
                "value-indicator": str(world.indicator.id),
                "value-value": "12,5",
                "value-measured_on": "30.06.2027",
                "value-note": "erste Zählung",
            },
        ),
        ("notizen", {"note-text": "Die **Bagger** rollen."}),
    ]
    for path, form in steps:
        response = post_form(client, f"{_page(world)}/{path}", form)
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith(_page(world) + "#")
    assert _updates(settings) == 4

    public = html(client.get(_public(world)).text)
    section = one(public, "#umsetzung")
    progress = one(section, "progress")
    assert (progress["value"], progress["max"]) == ("40", "100")
    assert one(section, "label[for='tracking-progress']").get_text() == "Fortschritt"
    assert "40 % erledigt" in text_of(section)
    assert "Ausschreibung geplant für 31. März 2027" in text_of(one(section, ".milestones"))
    measured = _words(one(section, "table:has(#measured-caption) tbody"))
    assert "Schulen mit Glasfaser 12 12,5 (gemessen am 30. Juni 2027)" in measured
    assert "40" in measured  # the target beside it
    entries = [text_of(li) for li in section.select(".tracking-timeline > li")]
    assert len(entries) == 4
    assert entries[0].endswith("Mitteilung der Arbeitsgruppe Die Bagger rollen.")  # newest first
    assert "„Schulen mit Glasfaser“ gemessen am 30. Juni 2027: 12,5" in entries[1]
    assert "Fortschritt: 40 %" in entries[3]
    assert one(section, ".tracking-timeline .prose strong").get_text() == "Bagger"


def test_the_public_timeline_in_english(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    async def record(session: AsyncSession) -> None:
        await tracking.record_progress(session, world.profile.id or 0, world.admin, 25)
        await tracking.record_value(
            session, world.profile.id or 0, world.indicator.id, world.admin, "1234,5", "2027-06-30"
        )

    in_db(settings, record)
    page = html(client.get(_public(world), headers={"Accept-Language": "en"}).text)
    section = one(page, "#umsetzung")
    assert text_of(one(section, "h2")) == "Implementation"
    assert "25 % done" in text_of(section)
    assert "“Schulen mit Glasfaser” measured on June 30, 2027: 1,234.5" in text_of(section)


def test_a_profile_without_updates_shows_no_empty_section(
    client: Client, world: TrackingWorld
) -> None:
    page = html(client.get(_public(world)).text)
    assert page.select("#umsetzung") == []


def test_mistakes_come_back_at_their_fields_with_what_was_typed(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    _as(client, world.editor.email)
    response = post_form(
        client,
        f"{_page(world)}/werte",
        {
            "value-indicator": str(world.indicator.id),
            "value-value": "zwölf",
            "value-measured_on": "2027-06-30",
        },
    )
    assert response.status_code == 422
    page = html(response.text)
    assert one(page, "#value-value")["aria-invalid"] == "true"
    assert one(page, "#value-value")["value"] == "zwölf"
    assert "Bitte geben Sie eine Zahl an, z. B. 12 oder 12,5." in text_of(
        one(page, "#value-value-error")
    )
    assert one(page, ".error-summary a[href='#value-value']")
    response = post_form(client, f"{_page(world)}/fortschritt", {"progress-progress": "120"})
    assert response.status_code == 422
    assert one(html(response.text), "#progress-progress")["value"] == "120"
    response = post_form(client, f"{_page(world)}/notizen", {"note-text": "  "})
    assert response.status_code == 422
    assert post_form(client, f"{_page(world)}/unbekannt", {}).status_code == 404
    assert _updates(settings) == 0


def test_milestones_are_reached_and_removed_without_javascript(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    _as(client, world.admin.email)
    form = {"milestone-title": "Ausschreibung", "milestone-planned_on": "31.03.2027"}
    assert post_form(client, f"{_page(world)}/meilensteine", form).status_code == 303
    page = html(client.get(_page(world)).text)
    row = one(page, "form.milestone-form")
    action = str(row["action"])
    prefix = str(row["id"])
    assert one(row, f"#{prefix}-planned_on")["value"] == "2027-03-31"
    reached = {f"{prefix}-reached_on": "2027-04-02", "action": "reached"}
    assert post_form(client, action, reached).status_code == 303
    public = html(client.get(_public(world)).text)
    assert "Ausschreibung erreicht am 2. April 2027 (geplant für 31. März 2027)" in _words(
        one(public, ".milestones")
    )
    assert post_form(client, action, {"action": "remove"}).status_code == 303
    assert post_form(client, action, {"action": "remove"}).status_code == 404
    assert _updates(settings) == 3


def test_status_moves_through_the_profiles_workflow(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    _as(client, world.editor.email)
    form = {"status-status": "in_implementation", "status-version": str(world.profile.version)}
    assert post_form(client, f"{_page(world)}/status", form).status_code == 303
    stored = in_db(settings, lambda s: s.get(Profile, world.profile.id))
    assert stored is not None
    assert stored.status is ProfileStatus.IN_IMPLEMENTATION
    # The same stale version again: someone saved meanwhile, nothing is lost silently.
    form["status-status"] = "completed"
    response = post_form(client, f"{_page(world)}/status", form)
    assert response.status_code == 303
    stored = in_db(settings, lambda s: s.get(Profile, world.profile.id))
    assert stored is not None
    assert stored.status is ProfileStatus.IN_IMPLEMENTATION
    # A draft cannot be chosen here.
    form = {"status-status": "draft", "status-version": str(stored.version)}
    assert post_form(client, f"{_page(world)}/status", form).status_code == 422


def test_a_profile_not_yet_public_has_no_forms(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    async def unpublish(session: AsyncSession) -> None:
        profile = await session.get(Profile, world.profile.id)
        assert profile is not None
        profile.status = ProfileStatus.WORKING_GROUP
        session.add(profile)
        await session.commit()

    in_db(settings, unpublish)
    _as(client, world.editor.email)
    page = html(client.get(_page(world)).text)
    assert page.select("form[action*='umsetzung']") == []
    assert "sobald der Steckbrief veröffentlicht ist" in text_of(page)


# --- who may do what ------------------------------------------------------------------------


def test_an_editor_tracks_only_the_profiles_they_lead(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    _as(client, world.editor.email)
    assert client.get(_page(world, world.other)).status_code == 403
    response = post_form(client, f"{_page(world, world.other)}/notizen", {"note-text": "Hallo"})
    assert response.status_code == 403
    # Their own profile's staff page links the tracking page; the other's does not.
    other = html(client.get(f"/admin/steckbriefe/{world.other.id}").text)
    assert other.select("a[href$='/umsetzung']") == []
    assert _updates(settings) == 0


@pytest.mark.parametrize("who", ["moderator", "evaluator", "stranger"])
def test_moderators_and_evaluators_record_no_tracking_updates(
    client: Client, settings: Settings, world: TrackingWorld, who: str
) -> None:
    _as(client, getattr(world, who).email)
    assert client.get(_page(world)).status_code == 403
    for path, form in (
        ("fortschritt", {"progress-progress": "10"}),
        ("notizen", {"note-text": "Hallo"}),
        ("meilensteine", {"milestone-title": "X"}),
    ):
        assert post_form(client, f"{_page(world)}/{path}", form).status_code == 403
    staff = html(client.get(f"/admin/steckbriefe/{world.profile.id}").text)
    assert staff.select("a[href$='/umsetzung']") == []
    assert _updates(settings) == 0


def test_an_evaluator_neither_edits_profiles_nor_moderates(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    _as(client, world.evaluator.email)
    profile = f"/admin/steckbriefe/{world.profile.id}"
    assert client.get(f"{profile}/edit").status_code == 403
    assert post_form(client, f"{profile}/edit", {"title": "Neu"}).status_code == 403
    status = {"status": "completed", "version": str(world.profile.version)}
    assert post_form(client, f"{profile}/status", status).status_code == 403
    assert post_form(client, f"{profile}/comments", {"body": "Hallo"}).status_code == 403
    queue = client.get("/moderation", follow_redirects=False)
    assert queue.status_code in {302, 303, 403}
    idea = f"/moderation/contributions/{world.idea.id}"
    assert post_form(client, f"{idea}/hide", {"reason": "x"}).status_code == 403
    assert post_form(client, f"{idea}/approve", {}).status_code == 403


def test_an_editor_edits_their_profile_but_not_another(
    client: Client, world: TrackingWorld
) -> None:
    _as(client, world.editor.email)
    assert client.get(f"/admin/steckbriefe/{world.profile.id}/edit").status_code == 200
    assert client.get(f"/admin/steckbriefe/{world.other.id}/edit").status_code == 403
    assert (
        post_form(client, f"/moderation/contributions/{world.idea.id}/approve", {}).status_code
        == 403
    )


# --- the process page and the statements per page ---------------------------------------------


def test_action_fields_show_their_lead_organisation(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    async def add(session: AsyncSession) -> None:
        session.add(
            Theme(
                process_id=world.process.id or 0,
                slug="breitband",
                name="Breitband",
                lead_organisation="Breitbandbüro des Landkreises",
            )
        )
        session.add(Theme(process_id=world.process.id or 0, slug="bus", name="Bus", position=1))
        await session.commit()

    in_db(settings, add)
    themes = one(html(client.get(f"/processes/{SLUG}").text), "ul.themes")
    items = [text_of(li) for li in themes.select("li")]
    assert "Breitband (Federführung: Breitbandbüro des Landkreises)" in items
    assert "Bus" in items


def test_pages_run_the_same_statements_however_long_the_timeline(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    async def updates(session: AsyncSession, n: int) -> None:
        for i in range(n):
            await tracking.add_note(session, world.profile.id or 0, world.admin, f"Notiz {i}")
            await tracking.add_milestone(session, world.profile.id or 0, world.admin, f"M {i}")
            await tracking.record_value(
                session, world.profile.id or 0, world.indicator.id, world.admin, i, "2027-01-01"
            )

    def statements(path: str) -> int:
        with recorded() as found:
            assert client.get(path).status_code == 200
        return len(found.runs)

    counts = []
    for n in (2, 40):
        in_db(settings, lambda s, n=n: updates(s, n))  # type: ignore[misc]
        public = statements(_public(world))  # as a visitor
        _as(client, world.admin.email)
        counts.append((public, statements(_page(world))))
        assert post_form(client, "/logout", {}).status_code in {302, 303}
    assert counts[0] == counts[1]
    assert counts[0][0] <= 12, counts  # the main pages' bound (tests/test_query_counts.py)


def test_the_tracking_page_in_english(client: Client, world: TrackingWorld) -> None:
    _as(client, world.editor.email)
    english = {"Accept-Language": "en"}
    page = html(client.get(_page(world), headers=english).text)
    assert text_of(one(page, "h1")) == "Implementation: Glasfaser für alle Schulen"
    assert (
        one(page, "label[for='progress-progress']").get_text() == "Progress in percent (0 to 100)"
    )
    response = post_form(
        client, f"{_page(world)}/fortschritt", {"progress-progress": "-5"}, headers=english
    )
    assert response.status_code == 422
    assert "Please give a whole number from 0 to 100." in text_of(html(response.text))


def test_the_profiles_own_status_form_writes_the_timeline_for_its_reporters(
    client: Client, settings: Settings, world: TrackingWorld
) -> None:
    """The editor moving the public profile on its staff page reports like on the tracking
    page; a moderator's move there stays a curator's step without a timeline entry."""
    _as(client, world.editor.email)
    form = {"status": "in_implementation", "version": str(world.profile.version)}
    response = post_form(client, f"/admin/steckbriefe/{world.profile.id}/status", form)
    assert response.status_code == 303
    assert _updates(settings) == 1
    assert post_form(client, "/logout", {}).status_code in {302, 303}
    _as(client, world.moderator.email)
    form = {"status": "completed", "version": str(world.profile.version + 1)}
    response = post_form(client, f"/admin/steckbriefe/{world.profile.id}/status", form)
    assert response.status_code == 303
    stored = in_db(settings, lambda s: s.get(Profile, world.profile.id))
    assert stored is not None
    assert stored.status is ProfileStatus.COMPLETED
    assert _updates(settings) == 1
