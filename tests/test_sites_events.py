"""Sites and events of a process: the admin pages, the idea form's site, the queue's site
filter, the export's site column and filter, the dashboard's breakdown by site, the import's
site column, an event's public page before and after the event, a live session's place, and
statement counts and plans that do not grow with the rows."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    Contribution,
    ContributionStatus,
    Event,
    FocusGroupIdea,
    FocusGroupSession,
    Process,
    Role,
    Segment,
    Site,
    utcnow,
)
from participation.services import dashboard
from participation.services.errors import ValidationFailed
from participation.services.events import events, session_place, sites
from participation.services.events.events import EventForm
from participation.services.events.sites import SiteForm
from participation.services.importing import ImportOptions, Table, check_rows
from participation.settings import Settings
from tests.focus_group_helpers import add_session
from tests.helpers import (
    SLUG,
    Client,
    add_idea,
    add_process,
    add_staff,
    field_error,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
    valid_idea,
)
from tests.sql_statements import Run, recorded
from tests.test_query_plans import _faults, _plans
from tests.volume_rows import analyze

ZONE: Final = "Europe/Berlin"
ADMIN: Final = "admin@example.org"


@dataclass(frozen=True)
class TwoSites:
    process: Process
    cuxhaven: Site
    nordenham: Site


async def _two_sites(session: AsyncSession, process: Process) -> TwoSites:
    cux = await sites.add_site(session, process.id or 0, SiteForm("BBS Cuxhaven", "Cuxhaven"))
    nord = await sites.add_site(session, process.id or 0, SiteForm("BBS Nordenham"))
    return TwoSites(process, cux, nord)


@pytest.fixture
def two(settings: Settings, process: Process) -> TwoSites:
    return in_db(settings, lambda s: _two_sites(s, process))


async def _idea_at(
    session: AsyncSession,
    process: Process,
    site: Site | None,
    title: str,
    *,
    status: ContributionStatus = ContributionStatus.PENDING,
    segment: Segment = Segment.RESIDENT,
) -> Contribution:
    idea = await add_idea(session, process, title=title, status=status, segment=segment)
    idea.site_id = site.id if site else None
    session.add(idea)
    await session.commit()
    return idea


def _admin(client: Client, settings: Settings) -> Client:
    in_db(settings, lambda s: add_staff(s, ADMIN, Role.ADMIN))
    assert login(client, ADMIN).status_code == 303
    return client


# --- sites ------------------------------------------------------------------------------------


async def test_sites_are_added_renamed_and_removed_only_when_unused(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    pid = process.id or 0
    site = await sites.add_site(session, pid, SiteForm("BBS Cuxhaven", "Cuxhaven"))
    with pytest.raises(ValidationFailed) as same:
        await sites.add_site(session, pid, SiteForm("bbs cuxhaven"))
    assert same.value.errors["name"] == "Dieses Verfahren hat schon einen Standort dieses Namens."
    with pytest.raises(ValidationFailed) as empty:
        await sites.add_site(session, pid, SiteForm(""))
    assert "name" in empty.value.errors
    await sites.update_site(session, site, SiteForm("BBS Cuxhaven-Land", "Altenwalde"))
    assert [(s.name, s.place) for s in await sites.list_sites(session, pid)] == [
        ("BBS Cuxhaven-Land", "Altenwalde")
    ]
    await _idea_at(session, process, site, "Tablets für die Werkstatt")
    with pytest.raises(ValidationFailed) as used:
        await sites.remove_site(session, site)
    assert "1 Beiträge" in used.value.errors["site"]
    assert await session.get(Site, site.id) is not None  # kept, and so is its contribution
    spare = await sites.add_site(session, pid, SiteForm("BBS Brake"))
    await sites.remove_site(session, spare)
    assert [s.name for s in await sites.list_sites(session, pid)] == ["BBS Cuxhaven-Land"]


def test_admin_adds_renames_and_is_refused_removing_a_used_site(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)
    url = f"/admin/processes/{SLUG}/standorte"
    assert post_form(client, url, {"name": "BBS Cuxhaven", "place": "Cuxhaven"}).status_code == 303
    page = html(client.get(url).text)
    assert "BBS Cuxhaven" in text_of(page)
    again = post_form(client, url, {"name": "BBS Cuxhaven"})
    assert again.status_code == 422
    assert "schon einen Standort" in field_error(html(again.text), "name")
    site = in_db(settings, lambda s: _site_named(s, "BBS Cuxhaven"))
    renamed = post_form(client, f"{url}/{site.id}", {"name": "BBS Cuxhaven-Land", "place": ""})
    assert renamed.status_code == 303
    in_db(settings, lambda s: _idea_at(s, process, site, "Tablets für die Werkstatt"))
    refused = post_form(client, f"{url}/{site.id}/entfernen")
    assert refused.status_code == 422
    assert "kann nicht entfernt werden" in text_of(one(html(refused.text), "[role=alert]"))
    assert in_db(settings, lambda s: _site_named(s, "BBS Cuxhaven-Land")).id == site.id
    # Another process's site is not found under this one.
    assert (
        post_form(client, f"/admin/processes/{SLUG}/standorte/999999/entfernen").status_code == 404
    )


async def _site_named(session: AsyncSession, name: str) -> Site:
    return (await session.exec(select(Site).where(Site.name == name))).one()


# --- the idea form ----------------------------------------------------------------------------


def test_the_idea_form_offers_the_sites_and_stores_the_chosen_one(
    client: Client, settings: Settings, two: TwoSites
) -> None:
    page = html(client.get(f"/processes/{SLUG}").text)
    options = [text_of(o) for o in page.select("#site option")]
    assert options == ["Kein Standort", "BBS Cuxhaven (Cuxhaven)", "BBS Nordenham"]
    sent = post_form(client, f"/processes/{SLUG}/ideas", valid_idea(site=str(two.nordenham.id)))
    assert sent.status_code == 303, sent.text
    stored = in_db(settings, _ideas)
    assert [c.site_id for c in stored] == [two.nordenham.id]


def test_an_unknown_site_is_a_field_error_and_keeps_the_input(
    client: Client, settings: Settings, two: TwoSites
) -> None:
    other = in_db(settings, lambda s: _other_process_site(s))
    sent = post_form(client, f"/processes/{SLUG}/ideas", valid_idea(site=str(other.id)))
    assert sent.status_code == 422
    page = html(sent.text)
    assert field_error(page, "site") == "Bitte wählen Sie einen der Standorte oder keinen."
    assert one(page, "#title")["value"] == "Sichere Radwege zur Schule"
    assert in_db(settings, _ideas) == []


def test_a_process_without_sites_asks_for_none(client: Client, process: Process) -> None:
    assert html(client.get(f"/processes/{SLUG}").text).select("#site") == []


async def _ideas(session: AsyncSession) -> list[Contribution]:
    return list(await session.exec(select(Contribution).order_by(col(Contribution.id))))


async def _other_process_site(session: AsyncSession) -> Site:
    other = await add_process(session, slug="anderes-verfahren")
    return await sites.add_site(session, other.id or 0, SiteForm("BBS Brake"))


# --- the queue, the export, the dashboard -----------------------------------------------------


async def _spread(session: AsyncSession, two: TwoSites) -> None:
    await _idea_at(session, two.process, two.cuxhaven, "Werkstatt digital")
    await _idea_at(session, two.process, two.cuxhaven, "Azubi-App", segment=Segment.PUPIL)
    await _idea_at(session, two.process, two.nordenham, "Hafen-WLAN")
    await _idea_at(session, two.process, None, "Ohne Ort", status=ContributionStatus.PUBLISHED)


def _queue_titles(client: Client, query: str) -> list[str]:
    page = html(client.get(f"/moderation{query}").text)
    return sorted(text_of(h) for h in page.select(".queue h3"))


def test_the_queue_filters_and_counts_by_site(
    staff_client: Client, settings: Settings, two: TwoSites
) -> None:
    in_db(settings, lambda s: _spread(s, two))
    page = html(staff_client.get("/moderation").text)
    options = [text_of(o) for o in page.select("#queue-site option")]
    assert options == ["Alle Standorte (3)", "BBS Cuxhaven (2)", "BBS Nordenham (1)"]
    titles = _queue_titles(staff_client, f"?site={two.cuxhaven.id}")
    assert len(titles) == 2
    assert all("Hafen-WLAN" not in title for title in titles)
    narrowed = html(staff_client.get(f"/moderation?site={two.nordenham.id}").text)
    assert "Hafen-WLAN" in text_of(one(narrowed, ".queue"))
    assert "Werkstatt digital" not in text_of(one(narrowed, ".queue"))


def test_the_public_list_and_the_api_filter_by_site(
    client: Client, settings: Settings, two: TwoSites
) -> None:
    async def published(session: AsyncSession) -> None:
        for site, title in (
            (two.cuxhaven, "Werkstatt digital"),
            (two.nordenham, "Hafen-WLAN"),
            (None, "Ohne Ort"),
        ):
            await _idea_at(session, two.process, site, title, status=ContributionStatus.PUBLISHED)

    in_db(settings, published)
    ideas = f"/processes/{SLUG}/ideen"
    page = html(client.get(ideas).text)
    assert [text_of(o) for o in page.select("#site option")][1:] == [
        "BBS Cuxhaven",
        "BBS Nordenham",
    ]
    narrowed = html(client.get(f"{ideas}?site={two.nordenham.id}").text)
    assert [text_of(h3) for h3 in narrowed.select("#idea-items h3")] == ["Hafen-WLAN"]
    assert one(narrowed, "#site option[selected]")["value"] == str(two.nordenham.id)
    # Another process's site (or garbage) is not a choice: said at the filter, list unfiltered.
    other = in_db(settings, _other_process_site)
    refused = html(client.get(f"{ideas}?site={other.id}").text)
    assert len(refused.select("#idea-items h3")) == 3
    assert "Unbekannter Wert" in text_of(one(refused, "form.filters"))

    api = client.get(f"/api/v1/processes/{SLUG}/contributions", params={"site": two.cuxhaven.id})
    assert api.status_code == 200, api.text
    assert [(i["title"], i["site_id"]) for i in api.json()["items"]] == [
        ("Werkstatt digital", two.cuxhaven.id)
    ]
    assert client.get(f"/api/v1/processes/{SLUG}/contributions?site=x").status_code == 400


def test_the_queue_hides_the_site_filter_without_sites(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    in_db(settings, lambda s: add_idea(s, process, status=ContributionStatus.PENDING))
    assert html(staff_client.get("/moderation").text).select("#queue-site") == []


def _csv(client: Client, query: str = "") -> list[list[str]]:
    response = client.get(f"/admin/processes/{SLUG}/beitraege.csv{query}")
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_the_export_has_a_site_column_and_a_site_filter(
    staff_client: Client, settings: Settings, two: TwoSites
) -> None:
    in_db(settings, lambda s: _spread(s, two))
    header, *rows = _csv(staff_client)
    column = header.index("Standort")
    assert sorted(row[column] for row in rows) == [
        "",
        "BBS Cuxhaven",
        "BBS Cuxhaven",
        "BBS Nordenham",
    ]
    header, *rows = _csv(staff_client, f"?site={two.cuxhaven.id}")
    assert [row[column] for row in rows] == ["BBS Cuxhaven", "BBS Cuxhaven"]
    other = in_db(settings, _other_process_site)
    assert (
        staff_client.get(f"/admin/processes/{SLUG}/beitraege.csv?site={other.id}").status_code
        == 404
    )


async def test_the_dashboard_breaks_contributions_down_by_site(session: AsyncSession) -> None:
    process = await add_process(session)
    two = await _two_sites(session, process)
    await _spread(session, two)
    figure = await dashboard.sites(session, process, ZONE)
    assert figure.header[0] == "Standort"
    by_name = {row[0]: row[1:] for row in figure.rows}
    assert by_name["BBS Cuxhaven"][-1] == 2
    assert by_name["BBS Nordenham"][-1] == 1
    assert by_name["Kein Standort"][-1] == 1
    assert figure.total_row is not None
    assert figure.total_row[-1] == 4
    alone = await add_process(session, slug="ohne-standorte")
    assert (await dashboard.sites(session, alone, ZONE)).rows == []


def test_the_dashboard_page_shows_the_sites_figure(
    client: Client, settings: Settings, two: TwoSites
) -> None:
    in_db(settings, lambda s: _spread(s, two))
    _admin(client, settings)
    page = html(client.get(f"/admin/processes/{SLUG}/beteiligung").text)
    assert "Beiträge nach Standort und Segment" in text_of(one(page, "#figure-standorte-title"))


# --- the import -------------------------------------------------------------------------------


def test_the_import_maps_a_site_column_and_names_unknown_sites(two: TwoSites) -> None:
    table = Table(
        "werkstatt.csv",
        ["Text", "Standort"],
        [
            (2, {"Text": "Mehr Praktika in Betrieben", "Standort": "bbs cuxhaven "}),
            (3, {"Text": "Ein Makerspace", "Standort": ""}),
            (4, {"Text": "Schnelles WLAN", "Standort": "BBS Brake"}),
        ],
    )
    options = ImportOptions(mapping={"text": "Text", "site": "Standort"})
    plan = check_rows(table, [], options, utcnow(), [two.cuxhaven, two.nordenham])
    assert [(e.line, e.field) for e in plan.errors] == [(4, "site")]
    assert plan.errors[0].message == (
        "Unbekannter Standort BBS Brake. Die Standorte dieses Verfahrens: "
        "BBS Cuxhaven, BBS Nordenham."
    )
    assert [row.site_id for row in plan.rows] == [two.cuxhaven.id, None]
    none = check_rows(table, [], options, utcnow(), [])
    assert "hat noch keine Standorte" in none.errors[0].message


def test_the_import_stores_the_site(client: Client, settings: Settings, two: TwoSites) -> None:
    from participation.services.importing import guess_mapping, run_import

    table = Table(
        "werkstatt.csv",
        ["Text", "Standort"],
        [(2, {"Text": "Mehr Praktika in Betrieben", "Standort": "BBS Nordenham"})],
    )
    assert guess_mapping(table.header)["site"] == "Standort"

    async def run(session: AsyncSession) -> list[Contribution]:
        process = await session.get(Process, two.process.id)
        assert process is not None
        await run_import(
            session, process, table, ImportOptions(mapping=guess_mapping(table.header))
        )
        return await _ideas(session)

    assert [c.site_id for c in in_db(settings, run)] == [two.nordenham.id]


# --- events -----------------------------------------------------------------------------------


AGENDA: Final = "## Ablauf\n\n- 10:00 Begrüßung\n- 10:30 Thementische"


async def _event(session: AsyncSession, process: Process, day: datetime) -> Event:
    form = EventForm(
        title="Innovationskonferenz Riesa",
        day=day.date().isoformat(),
        start="10:00",
        place="Stadthalle Riesa",
        agenda=AGENDA,
        registration_url="https://anmeldung.example.org/riesa",
    )
    return await events.save_event(session, process.id or 0, None, form, ZONE)


async def _collected(session: AsyncSession, process: Process, event: Event, n: int) -> None:
    """A closed session of the event whose ideas became `n` published contributions and one
    that waits for moderation."""
    live = await add_session(session, process, code="RIESA2", title="Tisch 1", state="closed")
    live.event_id = event.id
    session.add(live)
    for k in range(n + 1):
        status = ContributionStatus.PUBLISHED if k < n else ContributionStatus.PENDING
        idea = await add_idea(
            session, process, title=f"Tischidee {k}", status=status, channel=Channel.WORKSHOP
        )
        session.add(
            FocusGroupIdea(session_id=live.id or 0, title=idea.title, contribution_id=idea.id)
        )
    await session.commit()


def test_event_form_messages(client: Client, settings: Settings, process: Process) -> None:
    _admin(client, settings)
    url = f"/admin/processes/{SLUG}/veranstaltungen/neu"
    sent = post_form(
        client,
        url,
        {"title": "", "day": "31.13.2027", "start": "25:00", "registration_url": "anmeldung"},
    )
    assert sent.status_code == 422
    page = html(sent.text)
    assert field_error(page, "title") == "Bitte geben Sie der Veranstaltung einen Titel."
    assert field_error(page, "day").startswith("Bitte geben Sie den Tag an")
    assert field_error(page, "start").startswith("Bitte geben Sie die Uhrzeit")
    assert "https://" in field_error(page, "registration_url")
    assert one(page, "#start")["value"] == "25:00"


def test_an_upcoming_event_shows_its_agenda_and_no_results_yet(
    client: Client, settings: Settings, process: Process
) -> None:
    event = in_db(settings, lambda s: _event(s, process, utcnow() + timedelta(days=20)))
    in_db(settings, lambda s: _collected(s, process, event, 2))
    home = html(client.get(f"/processes/{SLUG}").text)
    assert "Innovationskonferenz Riesa" in text_of(one(home, ".event-list"))
    assert home.select("#events-upcoming-title")
    assert not home.select("#events-past-title")
    page = html(client.get(f"/processes/{SLUG}/veranstaltungen/{event.id}").text)
    assert text_of(one(page, "h1")) == "Innovationskonferenz Riesa"
    assert "Thementische" in text_of(one(page, ".prose"))
    assert len(page.select(".prose li")) == 2  # the agenda's Markdown is rendered
    assert one(page, "a.button")["href"] == "https://anmeldung.example.org/riesa"
    assert "Nach der Veranstaltung" in text_of(one(page, "#collected"))
    assert "Tischidee" not in text_of(page)


def test_a_past_event_shows_what_its_sessions_collected_paged(
    client: Client, settings: Settings, process: Process
) -> None:
    event = in_db(settings, lambda s: _event(s, process, utcnow() - timedelta(days=3)))
    in_db(settings, lambda s: _collected(s, process, event, events.EVENT_PAGE_SIZE + 3))
    url = f"/processes/{SLUG}/veranstaltungen/{event.id}"
    page = html(client.get(url).text)
    collected = one(page, "#collected")
    assert "23 veröffentlichte Beiträge" in text_of(collected)
    assert len(collected.select(".idea-list li")) == events.EVENT_PAGE_SIZE
    assert "Tischidee 23" not in text_of(collected)  # still in moderation
    second = one(html(client.get(f"{url}?page=2").text), "#collected")
    assert len(second.select(".idea-list li")) == 3
    assert "Tisch 1" in text_of(page)
    home = html(client.get(f"/processes/{SLUG}").text)
    assert home.select("#events-past-title")
    assert client.get(f"/processes/{SLUG}/veranstaltungen/999999").status_code == 404


def test_admin_creates_edits_and_deletes_an_event(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)
    base = f"/admin/processes/{SLUG}/veranstaltungen"
    form = {
        "title": "Transferkonferenz",
        "day": "2027-05-31",
        "start": "09:30",
        "place": "Meißen",
        "agenda": AGENDA,
    }
    assert post_form(client, f"{base}/neu", form).status_code == 303
    event = in_db(settings, _only_event)
    assert event.starts_at == datetime(2027, 5, 31, 7, 30, tzinfo=UTC)
    edit = html(client.get(f"{base}/{event.id}").text)
    assert one(edit, "#start")["value"] == "09:30"
    assert (
        post_form(client, f"{base}/{event.id}", {**form, "title": "Transfertag"}).status_code == 303
    )
    assert in_db(settings, _only_event).title == "Transfertag"
    assert post_form(client, f"{base}/{event.id}/loeschen").status_code == 303
    assert client.get(f"{base}/{event.id}").status_code == 404


async def _only_event(session: AsyncSession) -> Event:
    return (await session.exec(select(Event))).one()


# --- a live session's place -------------------------------------------------------------------


def test_a_session_gets_its_site_and_event_and_passes_the_site_on(
    staff_client: Client, settings: Settings, two: TwoSites
) -> None:
    event = in_db(settings, lambda s: _event(s, two.process, utcnow() - timedelta(days=1)))
    in_db(settings, lambda s: _collected(s, two.process, event, 2))
    live = in_db(settings, _only_session)
    url = f"/focus-groups/{live.id}/ort"
    assert "Kein Standort" in text_of(html(staff_client.get(url).text))
    other = in_db(settings, _other_process_site)
    wrong = post_form(staff_client, url, {"site": str(other.id), "event": str(event.id)})
    assert wrong.status_code == 422
    assert (
        field_error(html(wrong.text), "site")
        == "Bitte wählen Sie einen der Standorte des Verfahrens."
    )
    sent = post_form(staff_client, url, {"site": str(two.cuxhaven.id), "event": str(event.id)})
    assert sent.status_code == 303
    saved = in_db(settings, _only_session)
    assert (saved.site_id, saved.event_id) == (two.cuxhaven.id, event.id)
    # The session is closed: its contributions carry the site now.
    assert {c.site_id for c in in_db(settings, _ideas)} == {two.cuxhaven.id}


async def test_copying_the_site_changes_only_the_sessions_contributions(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    two = await _two_sites(session, process)
    event = await _event(session, process, utcnow())
    await _collected(session, process, event, 1)
    bystander = await add_idea(session, process, title="Anderswo")
    live = (await session.exec(select(FocusGroupSession))).one()
    live.site_id = two.nordenham.id
    assert await session_place.copy_site_to_contributions(session, live) == 2
    await session.commit()
    rows = {c.title: c.site_id for c in await _ideas(session)}
    assert rows == {
        "Tischidee 0": two.nordenham.id,
        "Tischidee 1": two.nordenham.id,
        "Anderswo": None,
    }
    assert bystander.id is not None


async def _only_session(session: AsyncSession) -> FocusGroupSession:
    return (await session.exec(select(FocusGroupSession))).one()


# --- scale: statements and plans --------------------------------------------------------------


async def _volume(session: AsyncSession, process: Process, n: int) -> Event:
    two = await _two_sites(session, process)
    event = await _event(session, process, utcnow() - timedelta(days=2))
    live = await add_session(session, process, code="RIESA9", title="Tisch 9", state="closed")
    live.event_id = event.id
    session.add(live)
    await session.flush()
    statuses = (
        ContributionStatus.PENDING,
        ContributionStatus.PUBLISHED,
        ContributionStatus.REJECTED,
    )
    ideas = [
        Contribution(
            process_id=process.id or 0,
            title=f"Idee {k}",
            body="Mehr Praxis in der Ausbildung.",
            segment=Segment.PUPIL if k % 2 else Segment.FIRM,
            status=statuses[k % 3],
            published_at=utcnow(),
            site_id=(two.cuxhaven.id, two.nordenham.id, None)[k % 3 if k % 5 else 2],
        )
        for k in range(n)
    ]
    session.add_all(ideas)
    await session.flush()
    session.add_all(
        FocusGroupIdea(session_id=live.id or 0, title=c.title, contribution_id=c.id)
        for c in ideas[: n // 2]
    )
    await session.commit()
    return event


def _pages(event: Event, site_id: int) -> dict[str, str]:
    return {
        "queue by site": f"/moderation?site={site_id}",
        "event page": f"/processes/{SLUG}/veranstaltungen/{event.id}",
        "process page": f"/processes/{SLUG}",
        "dashboard": f"/admin/processes/{SLUG}/beteiligung",
        "export by site": f"/admin/processes/{SLUG}/beitraege.csv?site={site_id}",
    }


def _statements(client: Client, pages: dict[str, str]) -> dict[str, list[Run]]:
    found = {}
    for name, path in pages.items():
        with recorded() as statements:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        found[name] = [
            r for r in statements.runs if r.statement.lstrip().upper().startswith("SELECT")
        ]
    return found


def test_the_pages_run_as_many_statements_for_few_rows_as_for_many(
    client: Client, settings: Settings, process: Process
) -> None:
    event = in_db(settings, lambda s: _volume(s, process, 30))
    site_id = in_db(settings, lambda s: _site_named(s, "BBS Cuxhaven")).id or 0
    _admin(client, settings)
    few = {name: len(runs) for name, runs in _statements(client, _pages(event, site_id)).items()}

    async def more(session: AsyncSession) -> None:
        session.add_all(
            Contribution(
                process_id=process.id or 0,
                title=f"Nachtrag {k}",
                body="…",
                segment=Segment.RESIDENT,
                site_id=site_id,
            )
            for k in range(400)
        )
        await session.commit()

    in_db(settings, more)
    many = {name: len(runs) for name, runs in _statements(client, _pages(event, site_id)).items()}
    assert few == many


def test_the_site_and_event_statements_read_through_indexes(
    client: Client, settings: Settings, process: Process
) -> None:
    event = in_db(settings, lambda s: _volume(s, process, 1500))
    site_id = in_db(settings, lambda s: _site_named(s, "BBS Cuxhaven")).id or 0

    async def analysed() -> None:
        from participation.db import create_engine

        engine = create_engine(settings)
        try:
            await analyze(engine)
        finally:
            await engine.dispose()

    asyncio.run(analysed())
    _admin(client, settings)
    problems = []
    planned = set()
    for name, runs in _statements(client, _pages(event, site_id)).items():
        mine = [r for r in runs if "site" in r.statement or "event" in r.statement]
        planned |= {name} if mine else set()
        for run, plan in zip(mine, asyncio.run(_plans(settings, mine)), strict=True):
            if faults := _faults(run.statement, plan):
                problems.append(
                    f"{name}: {faults}\n  {' '.join(run.statement.split())[:300]}\n  {plan}"
                )
    assert not problems, "\n".join(problems)
    assert planned == set(_pages(event, site_id))


def test_closing_a_session_held_at_a_site_gives_its_ideas_the_site(
    staff_client: Client, settings: Settings, two: TwoSites
) -> None:
    async def open_session_with_a_card(session: AsyncSession) -> FocusGroupSession:
        live = await add_session(session, two.process)
        live.site_id = two.nordenham.id
        session.add(live)
        session.add(FocusGroupIdea(session_id=live.id or 0, title="Werkstatt am Abend offen"))
        await session.commit()
        return live

    live = in_db(settings, open_session_with_a_card)
    board = html(staff_client.get(f"/focus-groups/{live.id}").text)
    place = text_of(one(board, ".live-place"))
    assert "Standort: BBS Nordenham" in place
    assert "Keine Veranstaltung" in place
    assert one(board, ".live-place a")["href"] == f"/focus-groups/{live.id}/ort"

    assert post_form(staff_client, f"/focus-groups/{live.id}/close").status_code == 303
    [idea] = in_db(settings, _ideas)
    assert (idea.title, idea.site_id) == ("Werkstatt am Abend offen", two.nordenham.id)
