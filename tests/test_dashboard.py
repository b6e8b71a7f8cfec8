"""The participation dashboard: every figure counted from real rows (channels over time by
the local day, segment × channel, action field × segment, municipalities, survey response
rates, firms against the known population), the population form, the CSV files, who may
see it, and a statement count that stays the same whatever the process holds."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    ContributionKind,
    ContributionTheme,
    KnownPopulation,
    PopulationDimension,
    Process,
    Role,
    Segment,
    SurveyInvitation,
    ThemeSource,
)
from participation.services import dashboard
from participation.services.dashboard import counts, kept, periods, population
from participation.services.dashboard.kept import FigureCache, KeptFigures
from participation.services.dashboard.population import (
    Representation,
    compare,
    parse_firms,
)
from participation.settings import Settings
from tests.helpers import (
    Client,
    add_idea,
    add_process,
    add_staff,
    add_themes,
    csrf_token,
    field_error,
    html,
    in_db,
    login,
    one,
    text_of,
)
from tests.sql_statements import recorded
from tests.survey_data import add_response, add_survey

SLUG = "radwege-auetal"
URL = f"/admin/processes/{SLUG}/beteiligung"
ZONE = "Europe/Berlin"
MARCH = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PUPILS = "Schülerin, Schüler oder Auszubildende"


@dataclass(frozen=True)
class Rows:
    process: Process


async def _contribution(
    session: AsyncSession,
    process: Process,
    when: datetime,
    *,
    segment: Segment = Segment.RESIDENT,
    channel: Channel = Channel.IDEA_CALL,
    kind: ContributionKind = ContributionKind.IDEA,
    municipality: str | None = None,
    sector: str | None = None,
    size: str | None = None,
    name: str | None = None,
) -> int:
    idea = await add_idea(
        session, process, created_at=when, segment=segment, channel=channel, kind=kind
    )
    idea.municipality = municipality
    idea.organisation_sector = sector
    idea.organisation_size = size
    idea.organisation_name = name
    session.add(idea)
    await session.commit()
    return idea.id or 0


async def _fill(session: AsyncSession, process: Process) -> None:
    """Six contributions over five days, two surveys, three firms (one named twice)."""
    themes = await add_themes(session, process)
    a = await _contribution(session, process, MARCH, municipality="Kornbach")
    # 23:30 UTC is 00:30 on the next day in Berlin.
    await _contribution(
        session, process, MARCH.replace(hour=23, minute=30), municipality="Kornbach"
    )
    c = await _contribution(
        session,
        process,
        MARCH + timedelta(days=3),
        segment=Segment.PUPIL,
        channel=Channel.FOCUS_GROUP,
    )
    await _contribution(
        session,
        process,
        MARCH + timedelta(days=3),
        kind=ContributionKind.COMMENT,
        municipality="=Auenbrück",
    )
    await _contribution(
        session,
        process,
        MARCH + timedelta(days=4),
        segment=Segment.FIRM,
        channel=Channel.SURVEY,
        kind=ContributionKind.SURVEY_ANSWER,
        municipality="Auenbrück",
        sector="C",
        size="10-49",
        name="Tischlerei Holz",
    )
    await _contribution(
        session,
        process,
        MARCH + timedelta(days=4),
        segment=Segment.FIRM,
        sector="C",
        size="10-49",
        name="Tischlerei Holz",
    )
    session.add_all(
        [
            ContributionTheme(
                contribution_id=a, theme_id=themes["radwege"].id or 0, source=ThemeSource.CONFIRMED
            ),
            ContributionTheme(
                contribution_id=a, theme_id=themes["oepnv"].id or 0, source=ThemeSource.SUGGESTED
            ),
            ContributionTheme(
                contribution_id=c, theme_id=themes["radwege"].id or 0, source=ThemeSource.CONFIRMED
            ),
            ContributionTheme(
                contribution_id=c, theme_id=themes["schule"].id or 0, source=ThemeSource.CONFIRMED
            ),
        ]
    )
    invited = await add_survey(session, process)
    invited.invitation_only = True
    invited.title = "Betriebsbefragung"
    for n in range(4):
        session.add(
            SurveyInvitation(
                survey_id=invited.id or 0,
                token=f"einladung-{n}",
                used_at=MARCH if n < 2 else None,
            )
        )
    sent = MARCH + timedelta(days=1)
    # The same firm as the idea above, in other letters: counted once.
    await add_response(
        session,
        invited,
        sent_at=sent,
        segment=Segment.FIRM,
        sector="C",
        size="10-49",
        name=" tischlerei HOLZ ",
        token="r1",
    )
    await add_response(
        session, invited, sent_at=sent, segment=Segment.FIRM, sector="F", size="1-9", token="r2"
    )
    await add_response(session, invited, sent_at=None, segment=Segment.FIRM, token="r3")
    open_survey = await add_survey(session, process, slug="offen")
    open_survey.title = "=Offene Umfrage"
    await add_response(session, open_survey, sent_at=sent, segment=Segment.RESIDENT, token="r4")
    await add_response(session, open_survey, sent_at=None, segment=Segment.RESIDENT, token="r5")
    await session.commit()


@pytest.fixture
def rows(settings: Settings, process: Process) -> Rows:
    in_db(settings, lambda s: _fill(s, process))
    return Rows(process)


def _admin(client: Client, settings: Settings) -> Client:
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    assert login(client, "admin@example.org").status_code == 303
    return client


def _csv(client: Client, key: str) -> list[list[str]]:
    response = client.get(f"{URL}/{key}.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert f"beteiligung-{SLUG}-{key}.csv" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


# --- figures -----------------------------------------------------------------------------


def test_contributions_per_local_day_and_channel(staff_client: Client, rows: Rows) -> None:
    table = _csv(staff_client, "zeitverlauf")
    assert table[0] == ["Zeitraum", "Ideenaufruf", "Umfrage", "Fokusgruppe", "Gesamt"]
    assert table[1:] == [
        ["02.03.2026", "1", "0", "0", "1"],
        ["03.03.2026", "1", "0", "0", "1"],  # 23:30 UTC counts for the next day here
        ["04.03.2026", "0", "0", "0", "0"],  # a quiet day is a zero, not a gap
        ["05.03.2026", "1", "0", "1", "2"],
        ["06.03.2026", "1", "1", "0", "2"],
        ["Gesamt", "4", "1", "1", "6"],
    ]


def test_segments_by_channel(staff_client: Client, rows: Rows) -> None:
    assert _csv(staff_client, "segmente") == [
        ["Gruppe", "Ideenaufruf", "Umfrage", "Fokusgruppe", "Gesamt"],
        ["Einwohnerin oder Einwohner", "3", "0", "0", "3"],
        [PUPILS, "0", "0", "1", "1"],
        ["Unternehmen oder Organisation", "1", "1", "0", "2"],
        ["Gesamt", "4", "1", "1", "6"],
    ]


def test_action_fields_by_segment_count_confirmed_themes_only(
    staff_client: Client, rows: Rows
) -> None:
    assert _csv(staff_client, "handlungsfelder") == [
        [
            "Handlungsfeld",
            "Einwohnerin oder Einwohner",
            "Schülerin, Schüler oder Auszubildende",
            "Gesamt",
        ],
        ["Radwege", "1", "1", "2"],
        ["Schulwege", "0", "1", "1"],
        ["Bus und Bahn", "0", "0", "0"],  # only suggested: not counted
    ]


def test_municipalities_most_first_with_formulas_defused(staff_client: Client, rows: Rows) -> None:
    table = _csv(staff_client, "gemeinden")
    assert table[0] == ["Gemeinde", "Beiträge"]
    # Most first; on a tie, places before "not given".
    assert table[1:3] == [["Kornbach", "2"], ["nicht angegeben", "2"]]
    assert sorted(table[3:]) == [["'=Auenbrück", "1"], ["Auenbrück", "1"]]


def test_survey_response_rates(staff_client: Client, rows: Rows) -> None:
    table = _csv(staff_client, "umfragen")
    assert table[1] == ["Betriebsbefragung", "4", "2", "3", "2", "50", "66,7"]
    # No invitations: no response rate; the survey's title is defused.
    assert table[2] == ["'=Offene Umfrage", "", "", "2", "1", "", "50"]


def test_firms_against_the_population(staff_client: Client, settings: Settings, rows: Rows) -> None:
    async def known(session: AsyncSession) -> None:
        process_id = rows.process.id or 0
        for dimension, key, firms in (
            (PopulationDimension.SECTOR, "C", 100),
            (PopulationDimension.SECTOR, "F", 900),
            (PopulationDimension.SECTOR, "G", 0),
            (PopulationDimension.SIZE, "1-9", 500),
        ):
            session.add(
                KnownPopulation(process_id=process_id, dimension=dimension, key=key, firms=firms)
            )
        await session.commit()

    in_db(settings, known)
    sectors = _csv(staff_client, "branchen")
    assert sectors[0][:3] == ["Gruppe", "Teilnehmende Unternehmen", "Unternehmen insgesamt"]
    by_group = {row[0][:1]: row[1:] for row in sectors[1:]}
    # The Tischlerei answered the survey and sent an idea: one firm.
    assert by_group["C"] == ["1", "100", "50", "10", "1", "5", "überrepräsentiert"]
    assert by_group["F"] == ["1", "900", "50", "90", "0,1", "0,56", "unterrepräsentiert"]
    assert by_group["G"] == ["0", "0", "0", "0", "", "", ""]  # entered as 0: nothing to compare
    sizes = {row[0]: row[1:] for row in _csv(staff_client, "groessenklassen")[1:]}
    assert sizes["1-9 Beschäftigte"][:3] == ["1", "500", "100"]
    assert sizes["10-49 Beschäftigte"] == ["1", "", "", "", "", "", ""]  # not entered

    page = html(staff_client.get(URL).text)
    assert "F – Baugewerbe" in text_of(one(page, "#under-represented"))
    under = page.select("#figure-branchen-caption ~ tbody tr.representation--under th")
    assert [text_of(th) for th in under] == ["F – Baugewerbe"]


def test_the_page_shows_every_figure_with_chart_table_and_download(
    staff_client: Client, rows: Rows
) -> None:
    response = staff_client.get(URL)
    assert response.status_code == 200, response.text
    page = html(response.text)
    # The sites' figure shows for a process with sites only (tests/test_sites_events.py).
    for key in dashboard.BUILDERS.keys() - {"standorte"}:
        section = one(page, f"#figure-{key}-title").parent
        assert section is not None
        assert one(section, f'a[href="{URL}/{key}.csv"]')
        if key not in ("branchen", "groessenklassen"):  # no population: no ratio to draw
            assert one(section, "svg.bar-chart")
        assert section.select("tbody tr")
    # Without a population the firms are listed, not compared.
    assert "No population" not in response.text
    assert "Es wurde noch keine Grundgesamtheit eingetragen" in response.text
    assert not page.select("#under-represented")


def test_an_empty_process_says_so(staff_client: Client, process: Process) -> None:
    response = staff_client.get(URL)
    assert response.status_code == 200
    page = html(response.text)
    section = one(page, "#figure-zeitverlauf-title").parent
    assert section is not None
    assert "Es ist noch kein Beitrag eingegangen." in text_of(section)
    assert not page.select("svg.bar-chart")


# --- the known population -----------------------------------------------------------------


def test_representation_rules() -> None:
    dimension = PopulationDimension.SIZE
    # Nobody took part in a known group: under-represented, ratio 0.
    found = compare(dimension, {"1-9": 4, "250+": 0}, {"1-9": 400, "250+": 100})
    by_key = {g.key: g for g in found.groups}
    assert by_key["250+"].ratio == 0
    assert by_key["250+"].representation is Representation.UNDER
    assert by_key["1-9"].ratio == 1.25
    assert by_key["1-9"].representation is Representation.FAIR
    assert by_key["1-9"].reach == 1.0
    # A group without a population is listed but not compared, and not in the shares.
    found = compare(dimension, {"1-9": 4, "10-49": 6, "": 3}, {"1-9": 400})
    by_key = {g.key: g for g in found.groups}
    assert by_key["1-9"].participant_share == 100.0
    assert by_key["1-9"].ratio == 1.0
    assert by_key["10-49"].ratio is None
    assert by_key["10-49"].population is None
    assert by_key[""].representation is None
    assert [g.key for g in found.groups] == ["1-9", "10-49", ""]
    # A group outside the classification counts as not given.
    found = compare(dimension, {"Handwerk": 2, "": 1}, {"1-9": 10})
    assert [(g.key, g.participants) for g in found.groups] == [("1-9", 0), ("", 3)]
    # Nothing entered: nothing compared.
    found = compare(dimension, {"1-9": 4}, {})
    assert not found.known
    assert all(g.ratio is None for g in found.groups)
    # Every known group at 0: no ratio (no division by zero), participants still counted.
    found = compare(dimension, {"1-9": 2}, {"1-9": 0, "10-49": 0})
    assert [g.ratio for g in found.groups] == [None, None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3744", 3744), ("3.744", 3744), ("3 744", 3744), ("1.000.000", 1_000_000), ("0", 0)],
)
def test_numbers_as_people_write_them(text: str, expected: int) -> None:
    assert parse_firms(text) == expected


@pytest.mark.parametrize("text", ["-3", "3,5", "3.74", "drei", "1e5", "99999999999", "3..744"])
def test_wrong_numbers_are_refused(text: str) -> None:
    assert parse_firms(text) is None


def test_the_admin_enters_the_population(client: Client, settings: Settings, rows: Rows) -> None:
    _admin(client, settings)
    form_url = f"{URL}/grundgesamtheit"
    page = html(client.get(form_url).text)
    assert one(page, "#pop-sector-F")
    data = {"_csrf_token": csrf_token(client), "pop-sector-F": "3.744", "pop-size-1-9": "x1"}
    response = client.post(form_url, data=data)
    # A wrong field: the message next to it, everything typed kept, nothing saved.
    assert response.status_code == 422
    page = html(response.text)
    assert "ganze Zahl" in field_error(page, "pop-size-1-9")
    assert one(page, "#pop-sector-F").get("value") == "3.744"
    assert one(page, "#pop-size-1-9").get("value") == "x1"
    assert one(page, "#pop-size-1-9").get("aria-invalid") == "true"
    assert in_db(settings, _population) == []

    data["pop-size-1-9"] = "120"
    response = client.post(form_url, data=data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"{URL}#firms-title"
    assert in_db(settings, _population) == [("sector", "F", 3744), ("size", "1-9", 120)]
    # The form shows what is stored; an emptied field forgets its number.
    assert one(html(client.get(form_url).text), "#pop-sector-F").get("value") == "3744"
    data["pop-sector-F"] = ""
    client.post(form_url, data=data)
    assert in_db(settings, _population) == [("size", "1-9", 120)]


async def _population(session: AsyncSession) -> list[tuple[str, str, int]]:
    found = await session.exec(
        select(KnownPopulation.dimension, KnownPopulation.key, KnownPopulation.firms).order_by(
            KnownPopulation.dimension, KnownPopulation.key
        )
    )
    return [(str(d), k, n) for d, k, n in found]


# --- who may see it ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, process: Process) -> None:
    for path in (URL, f"{URL}/segmente.csv", f"{URL}/grundgesamtheit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("role", "page", "population"),
    [
        (Role.ADMIN, 200, 200),
        (Role.MODERATOR, 200, 403),
        (Role.EVALUATOR, 403, 403),
        (Role.FACILITATOR, 403, 403),
        (Role.EDITOR, 403, 403),
    ],
)
def test_who_may_see_and_enter(
    client: Client,
    settings: Settings,
    process: Process,
    role: Role,
    page: int,
    population: int,
) -> None:
    email = f"{role.value}@example.org"
    in_db(settings, lambda s: add_staff(s, email, role))
    assert login(client, email).status_code == 303
    assert client.get(URL).status_code == page
    assert client.get(f"{URL}/segmente.csv").status_code == page
    assert client.get(f"{URL}/grundgesamtheit").status_code == population
    data = {"_csrf_token": csrf_token(client), "pop-sector-A": "5"}
    assert client.post(f"{URL}/grundgesamtheit", data=data, follow_redirects=False).status_code in (
        {303} if population == 200 else {403}
    )


def test_unknown_process_and_figure_are_404(staff_client: Client, process: Process) -> None:
    assert staff_client.get("/admin/processes/gibt-es-nicht/beteiligung").status_code == 404
    assert staff_client.get(f"{URL}/gibt-es-nicht.csv").status_code == 404
    assert staff_client.get(f"{URL}/segmente").status_code == 404


def test_the_staff_pages_link_the_dashboard(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)
    assert f'href="{URL}"' in client.get("/admin/processes").text
    assert f'href="{URL}"' in client.get(f"/admin/processes/{SLUG}/edit").text
    assert f'href="{URL}"' in client.get(f"/moderation?process={SLUG}").text
    assert f'href="{URL}"' not in client.get("/moderation").text


# --- days, weeks, months --------------------------------------------------------------------


async def test_the_local_day_is_right_across_summer_time(
    session: AsyncSession, process: Process
) -> None:
    instants = [
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # 00:30 CET on the 29th
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # 01:59 CET
        datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # 00:30 CEST on the 30th
        datetime(2026, 4, 11, 21, 59, tzinfo=UTC),  # 23:59 CEST on the 11th
    ]
    for when in instants:
        await add_idea(session, process, created_at=when)
    granularity, spans, rows = await counts.by_period_and_channel(session, process.id or 0, ZONE)
    assert granularity is periods.Granularity.DAY
    found = {spans[n].start: count for n, _channel, count in rows}
    expected: dict[date, int] = {}
    for when in instants:
        day = when.astimezone(ZoneInfo(ZONE)).date()
        expected[day] = expected.get(day, 0) + 1
    assert found == expected
    assert spans[0].start == date(2026, 3, 29)
    assert spans[-1].start == date(2026, 4, 11)


async def test_weeks_for_a_longer_process(session: AsyncSession, process: Process) -> None:
    # Sunday 23:30 in Berlin is still the week before; an hour later it is the next one.
    sunday = datetime(2026, 10, 25, 22, 30, tzinfo=UTC)
    for when in (datetime(2026, 9, 1, 8, tzinfo=UTC), sunday, sunday + timedelta(hours=1)):
        await add_idea(session, process, created_at=when)
    granularity, spans, rows = await counts.by_period_and_channel(session, process.id or 0, ZONE)
    assert granularity is periods.Granularity.WEEK
    found = {spans[n].start: count for n, _channel, count in rows}
    assert found == {date(2026, 8, 31): 1, date(2026, 10, 19): 1, date(2026, 10, 26): 1}
    assert len(spans) == 9  # the quiet weeks between included


async def test_no_contribution_no_periods(session: AsyncSession, process: Process) -> None:
    assert await counts.by_period_and_channel(session, process.id or 0, ZONE) == (
        periods.Granularity.DAY,
        [],
        [],
    )


def test_periods_by_the_span() -> None:
    granularity, spans = periods.periods(date(2026, 3, 4), date(2026, 3, 6))
    assert granularity is periods.Granularity.DAY
    assert len(spans) == 3
    granularity, spans = periods.periods(date(2026, 3, 4), date(2026, 6, 30))
    assert granularity is periods.Granularity.WEEK
    assert spans[0].start == date(2026, 3, 2)  # the Monday
    assert spans[0].label == "KW 10/2026 (02.03.–08.03.2026)"
    granularity, spans = periods.periods(date(2024, 1, 15), date(2026, 6, 30))
    assert granularity is periods.Granularity.MONTH
    assert spans[0].label == "01/2024"
    assert len(spans) == 30
    # A day's instants follow summer time: 23 hours on the day the clocks go forward.
    start, end = periods.Period(date(2026, 3, 29), date(2026, 3, 29), "").instants(ZoneInfo(ZONE))
    assert (start, end) == (
        datetime(2026, 3, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 29, 22, tzinfo=UTC),
    )


# --- volume ---------------------------------------------------------------------------------


def test_statements_do_not_grow_with_the_process(
    staff_client: Client, settings: Settings, rows: Rows
) -> None:
    def statements() -> int:
        with recorded() as found:
            assert staff_client.get(URL).status_code == 200
        return len(found.runs)

    before = statements()

    async def more(session: AsyncSession) -> None:
        for n in range(120):
            await _contribution(
                session,
                rows.process,
                MARCH - timedelta(days=n),
                segment=list(Segment)[n % 5],
                channel=list(Channel)[n % 5],
                municipality=f"Ort {n % 40}",
                sector="ABCDEFGH"[n % 8],
                size="1-9",
                name=f"Firma {n}",
            )

    in_db(settings, more)
    assert statements() == before  # counted again: the newest contribution changed
    assert before <= 18  # with the kept figures' stamp (services/dashboard/kept.py)
    # Opened again with nothing new, the figures are taken from those kept: no contribution
    # is read.
    with recorded() as again:
        assert staff_client.get(URL).status_code == 200
    assert len(again.runs) < before
    assert not [r for r in again.runs if "GROUP BY" in r.statement.upper()]


# --- the kept figures ---------------------------------------------------------------------------


async def test_kept_figures_are_counted_again_after_a_new_contribution_or_a_minute(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    cache = FigureCache()
    builds: list[int] = []
    clock = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]

    async def build() -> dict[str, Any]:
        builds.append(len(builds))
        return {"zeitverlauf": len(builds)}

    async def figures() -> KeptFigures:
        return await cache.figures(session, process, "Europe/Berlin", build, lambda: clock[0])

    first = await figures()
    assert (await figures()) is first  # nothing changed: kept
    await add_idea(session, process, title="Neu")
    assert (await figures()).figures == {"zeitverlauf": 2}  # a new contribution: counted
    clock[0] += kept.MAX_AGE - timedelta(seconds=1)
    assert len(builds) == 2
    await figures()
    assert len(builds) == 2
    clock[0] += timedelta(seconds=1)  # a minute since it was counted
    later = await figures()
    assert len(builds) == 3
    assert later.counted_at == clock[0]
    # Entering the known population changes the stamp too.
    await population.save_population(
        session,
        process.id or 0,
        population.PopulationForm.from_form(
            {population.field_name(PopulationDimension.SECTOR, "C"): "12"}
        ),
    )
    await figures()
    assert len(builds) == 4


async def test_requests_for_the_same_figures_wait_for_one_count(session: AsyncSession) -> None:
    process = await add_process(session)
    cache = FigureCache()
    builds = 0

    async def build() -> dict[str, Any]:
        nonlocal builds
        builds += 1
        await asyncio.sleep(0.05)
        return {}

    found = await asyncio.gather(
        *(cache.figures(session, process, "Europe/Berlin", build) for _ in range(5))
    )
    assert builds == 1
    assert all(f is found[0] for f in found)
