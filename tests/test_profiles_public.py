"""Project profiles in public: the list with its filters, one profile with its breakdown and
sources, the PDF, the process page's short list, the follow page's notice and the mails
to authors, and the staff export. Drafts and other unpublished statuses never show."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import zlib
from dataclasses import replace
from typing import Final

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    OrganisationKind,
    OrganisationRole,
    OutgoingMail,
    Process,
    Profile,
    ProfileStatus,
    Role,
    Segment,
    utcnow,
)
from participation.services.mail import MailContext, enable
from participation.services.profiles import breakdown, notices
from participation.settings import Settings
from tests.helpers import (
    Client,
    add_idea,
    add_process,
    add_staff,
    add_themes,
    german,
    html,
    in_db,
    login,
    one,
    text_of,
)
from tests.profile_rows import add_profile, set_status
from tests.sql_statements import recorded

SLUG: Final = "radwege-auetal"
BASE: Final = f"/processes/{SLUG}/steckbriefe"
NOT_PUBLIC: Final = (
    ProfileStatus.DRAFT,
    ProfileStatus.WORKING_GROUP,
    ProfileStatus.READY,
    ProfileStatus.DROPPED,
)


async def _mixed_sources(session: AsyncSession, process: Process) -> list[Contribution]:
    """Two published ideas (a resident's from the idea call, a pupil's from a focus group),
    and what has no public page: a pending idea, a rejected one, a hidden one, a survey
    answer of a firm and a firm's idea from a workshop that waits."""
    made = []
    for title, status, segment, channel, kind in [
        ("Radweg nach Kornbach", ContributionStatus.PUBLISHED, Segment.RESIDENT,
         Channel.IDEA_CALL, ContributionKind.IDEA),
        ("Sichere Schulwege", ContributionStatus.PUBLISHED, Segment.PUPIL,
         Channel.FOCUS_GROUP, ContributionKind.IDEA),
        ("Q1 wartet", ContributionStatus.PENDING, Segment.RESIDENT,
         Channel.IDEA_CALL, ContributionKind.IDEA),
        ("Q2 abgelehnt", ContributionStatus.REJECTED, Segment.RESIDENT,
         Channel.IDEA_CALL, ContributionKind.IDEA),
        ("Q3 versteckt", ContributionStatus.HIDDEN, Segment.EXPERT,
         Channel.IDEA_CALL, ContributionKind.IDEA),
        ("Q4 Umfrage", ContributionStatus.PUBLISHED, Segment.FIRM,
         Channel.SURVEY, ContributionKind.SURVEY_ANSWER),
        ("Q5 Werkstatt", ContributionStatus.PENDING, Segment.FIRM,
         Channel.WORKSHOP, ContributionKind.IDEA),
    ]:  # fmt: skip
        made.append(
            await add_idea(
                session,
                process,
                title=title,
                status=status,
                segment=segment,
                channel=channel,
                kind=kind,
            )
        )
    made[5].organisation_sector, made[5].organisation_size = "C", "10-49"
    made[6].organisation_sector = "J"
    session.add_all(made[5:])
    await session.commit()
    return made


async def _setup(session: AsyncSession) -> tuple[Process, Profile, list[Contribution]]:
    process = await add_process(session)
    themes = await add_themes(session, process)
    sources = await _mixed_sources(session, process)
    profile = await add_profile(
        session,
        process,
        sources=sources,
        themes=[themes["radwege"], themes["schule"]],
        summary="Ein **sicheres** Netz. <script>alert(1)</script>",
        goal="[Plan](javascript:alert(1)) und [Karte](https://example.org/karte)",
        cost_min=50_000,
        cost_max=120_000,
        funding="Förderprogramm Radverkehr",
        indicators=[("Schulen mit Radweg", "12", "40")],
        organisations=[
            ("Landkreis Auetal", OrganisationKind.ADMINISTRATION, OrganisationRole.LEAD),
            ("Radhaus GmbH", OrganisationKind.FIRM, OrganisationRole.PARTNER),
        ],
    )
    return process, profile, sources


@pytest.fixture
def setup(settings: Settings) -> tuple[Process, Profile, list[Contribution]]:
    return in_db(settings, _setup)


# --- the breakdown ---------------------------------------------------------------------------


async def test_breakdown_counts_every_source_by_segment_channel_and_firm(
    session: AsyncSession,
) -> None:
    _process, profile, _sources = await _setup(session)
    assert profile.id is not None
    counts = await breakdown.source_breakdown(session, profile.id)

    assert counts.total == 7
    assert counts.public == 2  # the two published ideas; the survey answer has no page
    assert counts.hidden == 5
    assert dict(counts.by_segment) == {
        Segment.RESIDENT: 3, Segment.PUPIL: 1, Segment.FIRM: 2, Segment.EXPERT: 1,
        Segment.OTHER: 0,
    }  # fmt: skip
    assert dict(counts.by_channel)[Channel.IDEA_CALL] == 4
    assert dict(counts.by_channel)[Channel.SURVEY] == 1
    assert counts.channels == [
        Channel.IDEA_CALL, Channel.SURVEY, Channel.FOCUS_GROUP, Channel.WORKSHOP,
    ]  # fmt: skip
    matrix = {segment: list(row) for segment, row in counts.matrix}
    assert matrix[Segment.FIRM] == [0, 1, 0, 1]
    assert matrix[Segment.RESIDENT] == [3, 0, 0, 0]
    assert Segment.OTHER not in matrix
    assert counts.firm_sectors == [("C", 1), ("J", 1)]
    assert counts.firm_sizes == [("10-49", 1), ("", 1)]


async def test_breakdown_of_many_sources_is_two_statements(session: AsyncSession) -> None:
    process = await add_process(session)
    ideas = [await add_idea(session, process, title=f"Idee {i}") for i in range(60)]
    few = await add_profile(session, process, title="Wenige", sources=ideas[:3])
    many = await add_profile(session, process, title="Viele", sources=ideas)
    for profile, expected in ((few, 3), (many, 60)):
        with recorded() as statements:
            counts = await breakdown.source_breakdown(session, profile.id or 0)
        assert counts.total == counts.public == expected
        assert len(statements.runs) == 2


# --- the profile's page ----------------------------------------------------------------------


def test_profile_page_shows_fields_breakdown_and_only_published_sources(
    client: Client, setup: tuple[Process, Profile, list[Contribution]]
) -> None:
    _process, profile, sources = setup
    response = client.get(f"{BASE}/{profile.id}")
    assert response.status_code == 200
    page = html(response.text)
    assert text_of(one(page, "h1")) == "Glasfaser für alle Schulen"
    # Markdown, safely: bold rendered, HTML escaped, a javascript: link left as text.
    summary = one(page, "#profile-summary + .prose")
    assert summary.find("strong") is not None
    assert page.find("script", string=re.compile("alert")) is None
    assert "&lt;script&gt;" in response.text
    goal = one(page, "#profile-goal + .prose")
    assert [a["href"] for a in goal.find_all("a")] == ["https://example.org/karte"]
    facts = text_of(one(page, ".profile-facts"))
    assert "Radwege, Schulwege" in facts
    assert "50.000 € – 120.000 €" in facts
    assert german("Short term (1-2 years)") in facts
    organisations = text_of(one(page, ".profile-organisations"))
    assert "Landkreis Auetal" in organisations
    assert "Radhaus GmbH" in organisations
    assert "Schulen mit Radweg" in text_of(one(page, "#profile-indicators + .table-scroll"))

    # "Auf Grundlage von 7 Beiträgen", with the table of segment × channel.
    assert text_of(one(page, "#breakdown-title")) == "Auf Grundlage von 7 Beiträgen"
    assert len(page.select("svg.bar-chart title")) == 2
    table = one(page, ".breakdown-table")
    assert text_of(one(table, "tfoot")).endswith("7")
    # Only the published ideas are links; the others are counted, never named.
    links = page.select("#profile-sources a[href^='/processes/']")
    assert [a["href"] for a in links] == [
        f"/processes/{SLUG}/ideas/{sources[0].id}",
        f"/processes/{SLUG}/ideas/{sources[1].id}",
    ]
    assert re.search(r"\bQ[1-5] ", response.text) is None


@pytest.mark.parametrize("status", NOT_PUBLIC)
def test_unpublished_profiles_are_404_by_page_and_pdf_and_never_listed(
    client: Client, settings: Settings, status: ProfileStatus
) -> None:
    async def make(session: AsyncSession) -> Profile:
        process = await add_process(session)
        return await add_profile(session, process, title="Geheimer Entwurf", status=status)

    draft = in_db(settings, make)
    assert client.get(f"{BASE}/{draft.id}").status_code == 404
    assert client.get(f"{BASE}/{draft.id}/pdf").status_code == 404
    assert "Geheimer Entwurf" not in client.get(BASE).text
    assert "Geheimer Entwurf" not in client.get(f"/processes/{SLUG}").text


def test_a_profile_of_another_process_is_404(client: Client, settings: Settings) -> None:
    async def make(session: AsyncSession) -> Profile:
        await add_process(session)
        other = await add_process(session, slug="anderes", title="Anderes Verfahren")
        return await add_profile(session, other)

    profile = in_db(settings, make)
    assert client.get(f"{BASE}/{profile.id}").status_code == 404
    assert client.get(f"/processes/anderes/steckbriefe/{profile.id}").status_code == 200


def test_sources_are_paged_and_the_page_runs_the_same_statements_for_500(
    client: Client, settings: Settings
) -> None:
    async def make(session: AsyncSession) -> tuple[Profile, Profile]:
        process = await add_process(session)
        now = utcnow()
        ideas = [
            Contribution(
                process_id=process.id or 0,
                title=f"Idee {i:03d}",
                body="Text",
                segment=Segment.RESIDENT,
                status=ContributionStatus.PUBLISHED,
                created_at=now,
                published_at=now,
            )
            for i in range(500)
        ]
        session.add_all(ideas)
        await session.commit()
        small = await add_profile(session, process, title="Klein", sources=ideas[:5])
        large = await add_profile(session, process, title="Groß", sources=ideas)
        return small, large

    small, large = in_db(settings, make)
    counts = []
    for profile in (small, large):
        with recorded() as statements:
            response = client.get(f"{BASE}/{profile.id}")
        assert response.status_code == 200
        counts.append(len(statements.runs))
    assert counts[0] == counts[1]
    assert counts[1] <= 10, counts

    page = html(client.get(f"{BASE}/{large.id}?page=25").text)
    links = page.select("#profile-sources .profile-links a")
    assert len(links) == 20
    assert text_of(links[-1]) == "Idee 499"
    assert "(500)" in text_of(one(page, "#sources-title"))
    # htmx asks for the sources alone.
    partial = client.get(
        f"{BASE}/{large.id}?page=2", headers={"HX-Request": "true", "HX-Target": "profile-sources"}
    )
    assert partial.text.lstrip().startswith("<section")
    assert "<html" not in partial.text


# --- the list and the process page -----------------------------------------------------------


def test_list_filters_by_action_field_and_horizon_in_the_url(
    client: Client, settings: Settings
) -> None:
    async def make(session: AsyncSession) -> None:
        from participation.models import Horizon

        process = await add_process(session)
        themes = await add_themes(session, process)
        await add_profile(session, process, title="Radschnellweg", themes=[themes["radwege"]])
        await add_profile(
            session, process, title="Schulbus", themes=[themes["oepnv"]], horizon=Horizon.LONG
        )
        await add_profile(session, process, title="Entwurf", status=ProfileStatus.DRAFT)

    in_db(settings, make)
    page = html(client.get(BASE).text)
    assert [text_of(h) for h in page.select(".profile-card h3")] == ["Radschnellweg", "Schulbus"]
    assert "(1)" in text_of(one(page, "#theme option[value='radwege']"))
    assert "(0)" in text_of(one(page, "#theme option[value='schule']"))

    page = html(client.get(f"{BASE}?theme=oepnv").text)
    assert [text_of(h) for h in page.select(".profile-card h3")] == ["Schulbus"]
    page = html(client.get(f"{BASE}?horizon=short").text)
    assert [text_of(h) for h in page.select(".profile-card h3")] == ["Radschnellweg"]

    # An unknown value: a message at the field, the rest of the list as without it.
    response = client.get(f"{BASE}?horizon=morgen")
    assert response.status_code == 200
    assert "morgen" in text_of(one(html(response.text), "#horizon-error"))

    partial = client.get(
        f"{BASE}?theme=radwege", headers={"HX-Request": "true", "HX-Target": "profile-results"}
    )
    assert "Radschnellweg" in partial.text
    assert "Schulbus" not in partial.text
    assert "<html" not in partial.text


def test_process_page_lists_published_profiles_and_links_to_all(
    client: Client, settings: Settings
) -> None:
    async def make(session: AsyncSession) -> None:
        process = await add_process(session)
        for i in range(7):
            await add_profile(session, process, title=f"Steckbrief {i}")

    in_db(settings, make)
    page = html(client.get(f"/processes/{SLUG}").text)
    assert "(7)" in text_of(one(page, "#profiles-title"))
    assert len(page.select("#profiles-title ~ .profile-links li")) == 5
    assert page.select_one(f"#profiles-title ~ .more-link a[href='{BASE}']") is not None


# --- PDF -------------------------------------------------------------------------------------


def _pdf_title(pdf: bytes) -> str:
    """The document title in a PDF's Info (WeasyPrint puts it in a compressed object stream,
    as UTF-16 hex)."""
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        found = re.search(rb"/Title\s*<feff([0-9a-fA-F]+)>", data)
        if found:
            return bytes.fromhex(found.group(1).decode()).decode("utf-16-be")
    raise AssertionError("no title in the PDF")


def test_pdf_is_a_one_page_pdf_with_the_title(
    client: Client, setup: tuple[Process, Profile, list[Contribution]]
) -> None:
    _process, profile, _sources = setup
    response = client.get(f"{BASE}/{profile.id}/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert _pdf_title(pdf).startswith("Glasfaser für alle Schulen")
    assert len(re.findall(rb"/Type\s*/Page\b", _inflated(pdf))) == 1


def _inflated(pdf: bytes) -> bytes:
    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


async def test_the_same_sheet_is_rendered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from participation.services.profiles import sheet

    rendered: list[str] = []

    def write(html: str) -> bytes:
        rendered.append(html)
        return b"%PDF-" + html.encode()

    monkeypatch.setattr(sheet, "_write_pdf", write)
    first = await sheet.render_pdf("<p>Blatt A</p>")
    assert await sheet.render_pdf("<p>Blatt A</p>") == first
    await sheet.render_pdf("<p>Blatt B</p>")
    assert rendered == ["<p>Blatt A</p>", "<p>Blatt B</p>"]


def test_pdf_fetches_nothing_remote() -> None:
    from participation.services.profiles.sheet import (
        STYLESHEETS,
        RemoteResourceRefused,
        local_only_fetcher,
    )

    fetcher = local_only_fetcher()
    for url in (
        "https://fonts.example.org/a.woff2",
        "http://10.0.0.1/",
        "file:///etc/passwd",
        STYLESHEETS[0].as_uri() + "/../../../../etc/passwd",
    ):
        with pytest.raises(RemoteResourceRefused):
            fetcher.fetch(url)
    assert fetcher.fetch(STYLESHEETS[1].as_uri()).read().startswith(b"/*")


# --- the follow page and the mails -----------------------------------------------------------


def test_follow_page_names_the_published_profile_while_it_is_public(
    client: Client, settings: Settings
) -> None:
    async def make(session: AsyncSession) -> Profile:
        process = await add_process(session)
        idea = await add_idea(session, process, follow_token="folge-mir")
        return await add_profile(session, process, title="Radnetz", sources=[idea])

    profile = in_db(settings, make)
    page = html(client.get("/follow/folge-mir").text)
    notice = one(page, ".followed .notice")
    assert text_of(notice).startswith("Ihre Idee ist in den Steckbrief „Radnetz“ eingeflossen.")
    assert one(notice, "a")["href"] == f"{BASE}/{profile.id}"

    in_db(settings, lambda s: set_status(s, profile, ProfileStatus.DRAFT))
    assert "Radnetz" not in client.get("/follow/folge-mir").text


async def test_authors_get_one_mail_per_profile_never_twice(settings: Settings) -> None:
    settings = replace(settings, base_url="https://beteiligung.example")
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    enable(sessions, MailContext(settings))
    try:
        async with sessions() as session:
            process = await add_process(session)
            ideas = [await add_idea(session, process, title=f"Idee {i}") for i in range(4)]
            # Two ideas from one address, one without consent, one without an address.
            for idea, address, consent in [
                (ideas[0], "a@example.org", True),
                (ideas[1], "A@example.org", True),
                (ideas[2], "c@example.org", False),
            ]:
                idea.notify_email = address
                idea.notify_consent_at = utcnow() if consent else None
                idea.notify_locale = "de"
            session.add_all(ideas)
            await session.commit()
            profile = await add_profile(
                session, process, title="Radnetz", sources=ideas, status=ProfileStatus.READY
            )
            assert await notices.on_published(session, profile) == 0  # not public yet
            profile = await set_status(session, profile, ProfileStatus.PUBLISHED)
            assert await notices.on_published(session, profile) == 1
            await session.commit()
            mails = list(await session.exec(select(OutgoingMail)))
            assert [m.recipient for m in mails] == ["a@example.org"]
            assert "„Radnetz“" in mails[0].body
            assert f"https://beteiligung.example{BASE}/{profile.id}\n" in mails[0].body

            # Taken back and published again: nothing new.
            profile = await set_status(session, profile, ProfileStatus.WORKING_GROUP)
            profile = await set_status(session, profile, ProfileStatus.PUBLISHED)
            assert await notices.on_published(session, profile) == 0
            await session.commit()
            count = len(list(await session.exec(select(OutgoingMail.id))))
            assert count == 1
    finally:
        await engine.dispose()


# --- the export ------------------------------------------------------------------------------


def test_export_csv_and_xlsx_hold_profiles_sources_and_indicators(
    client: Client, settings: Settings, setup: tuple[Process, Profile, list[Contribution]]
) -> None:
    _process, profile, sources = setup

    async def more(session: AsyncSession) -> None:
        process = (await session.exec(select(Process))).one()
        await add_profile(
            session, process, title="=Entwurf ohne Quellen", status=ProfileStatus.DRAFT
        )
        await add_staff(session, "mod@example.org", Role.MODERATOR)
        await add_staff(session, "eval@example.org", Role.EVALUATOR)

    in_db(settings, more)
    url = f"/admin/processes/{SLUG}/steckbriefe/export"
    assert client.get(f"{url}.csv", follow_redirects=False).status_code in (302, 303, 401)
    assert login(client, "eval@example.org").status_code == 303
    assert client.get(f"{url}.csv").status_code == 403
    client.cookies.clear()
    assert login(client, "mod@example.org").status_code == 303

    response = client.get(f"{url}.csv")
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, lines = rows[0], rows[1:]
    assert header[:2] == ["Steckbrief-ID", "Titel"]
    assert header[16] == "Beitrags-ID"
    assert len(lines) == 8  # seven sources, and the draft without sources on a line of its own
    by_source = {line[16]: line for line in lines[:7]}
    assert set(by_source) == {str(s.id) for s in sources}
    assert any("Q4 Umfrage" in line for line in lines)
    assert lines[-1][1] == "'=Entwurf ohne Quellen"  # defused: no formula in Excel

    response = client.get(f"{url}.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.sheetnames) == 3
    profiles, source_sheet, indicators = (list(book[n].values) for n in book.sheetnames)
    assert len(profiles) == 3  # header and two profiles
    assert len(source_sheet) == 8
    assert {row[1] for row in source_sheet[1:]} == {s.id for s in sources}
    assert {row[0] for row in source_sheet[1:]} == {profile.id}
    assert indicators[1][:5] == (profile.id, "Schulen mit Radweg", None, "12", "40")


def test_export_reads_sources_in_batches(settings: Settings) -> None:
    async def run(session: AsyncSession) -> list[int]:
        from participation.services.profiles import export

        process = await add_process(session)
        ideas = [await add_idea(session, process, title=f"Idee {i}") for i in range(5)]
        await add_profile(session, process, title="A", sources=ideas[:3])
        await add_profile(session, process, title="B", sources=ideas)
        found = await export.profile_export(session, process.id or 0, "Europe/Berlin", batch=2)
        return [len(batch) async for batch in found.source_batches]

    assert in_db(settings, run) == [2, 2, 2, 2]


async def test_sources_of_an_unpublished_kind_are_only_counted(session: AsyncSession) -> None:
    process = await add_process(session)
    comment = await add_idea(session, process, kind=ContributionKind.COMMENT, title="Kommentar")
    profile = await add_profile(session, process, sources=[comment])
    counts = await breakdown.source_breakdown(session, profile.id or 0)
    assert (counts.total, counts.public) == (1, 0)
    rows = await session.exec(select(Contribution.id).where(col(Contribution.id) == comment.id))
    assert rows.one() == comment.id


# --- query plans -----------------------------------------------------------------------------


def test_profile_pages_read_through_indexes(client: Client, settings: Settings) -> None:
    """The profile's page, its sources' pages, the list, the API and a follow page read the
    sources through profile_source's keys, never all contributions (tests/test_query_plans.py
    has the checks)."""
    from tests.test_query_plans import _faults, _plans
    from tests.volume_rows import analyze, fill_volume

    async def fill() -> tuple[str, int]:
        engine = create_engine(settings)
        try:
            volume = await fill_volume(engine, 2000)
            async with create_sessionmaker(engine)() as session:
                process = await session.get(Process, volume.process_id)
                assert process is not None
                rows = await session.exec(
                    select(Contribution)
                    .where(Contribution.process_id == volume.process_id)
                    .order_by(col(Contribution.id))
                    .limit(600)
                )
                profile = await add_profile(session, process, sources=list(rows))
            await analyze(engine)
        finally:
            await engine.dispose()
        return volume.slug, profile.id or 0

    slug, profile_id = asyncio.run(fill())
    base = f"/processes/{slug}/steckbriefe"
    paths = [
        f"{base}/{profile_id}",
        f"{base}/{profile_id}?page=20",
        base,
        f"/api/v1/processes/{slug}/profiles/{profile_id}",
    ]
    problems = []
    for path in paths:
        with recorded() as statements:
            assert client.get(path).status_code == 200, path
        runs = [r for r in statements.runs if r.statement.lstrip().upper().startswith("SELECT")]
        for run, plan in zip(runs, asyncio.run(_plans(settings, runs)), strict=True):
            if faults := _faults(run.statement, plan):
                problems.append(f"{path}: {faults}\n  {run.statement[:300]}\n  {plan}")
    assert not problems, "\n".join(problems)
