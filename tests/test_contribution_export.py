"""Exporting every contribution of a process as CSV and XLSX: each column filled from real
rows, the formula guard, no personal data, who may download it, and a statement count that
grows with pages, not rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    DuplicatePair,
    FocusGroupDot,
    FocusGroupIdea,
    ModerationAction,
    ModerationEvent,
    Process,
    Role,
    Segment,
    Support,
    ThemeSource,
    User,
)
from participation.services import contribution_export
from participation.services.accounts.remit import set_scope
from participation.services.contribution_export import export_header, export_pages, may_export
from participation.settings import Settings
from tests.cluster_rows import add_run
from tests.focus_group_helpers import add_member, add_session
from tests.helpers import (
    Client,
    add_actor,
    add_idea,
    add_staff,
    add_themes,
    de,
    in_db,
    in_locale,
    login,
)
from tests.profile_rows import add_profile
from tests.sql_statements import recorded

URL = "/admin/processes/radwege-auetal/beitraege"
CREATED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SECRET_MAIL = "geheim@example.org"
TOKEN_HASH = "f" * 64


@dataclass(frozen=True)
class Rows:
    idea: int  # the idea every column is about
    merged: int  # merged into it
    candidate: int  # an open duplicate candidate of it
    comments: tuple[int, int]
    risky: int  # texts a spreadsheet would run


async def _add_rows(session: AsyncSession, process: Process) -> Rows:
    themes = await add_themes(session, process)
    idea = await add_idea(session, process, title="Radweg nach Kornbach", created_at=CREATED)
    idea.segment = Segment.FIRM
    idea.organisation_name = "Tischlerei Holz"  # not exported: the survey export names it
    idea.organisation_sector = "C"
    idea.organisation_size = "10-49"
    idea.municipality = "Kornbach"
    idea.notify_email = SECRET_MAIL
    idea.follow_token_hash = TOKEN_HASH
    session.add(idea)
    await session.commit()
    assert idea.id is not None
    merged = await add_idea(
        session, process, title="Radweg Kornbach bitte", status=ContributionStatus.MERGED
    )
    merged.duplicate_of_id = idea.id
    candidate = await add_idea(session, process, title="Sicherer Radweg")
    comments = [
        await add_idea(
            session,
            process,
            title="",
            body=f"Kommentar {n}",
            kind=ContributionKind.COMMENT,
            parent_id=idea.id,
        )
        for n in (1, 2)
    ]
    risky = await add_idea(
        session,
        process,
        title="=cmd|' /C calc'!A0",
        body='+1; -2; @SUMME(A1)\n"zitiert"',
        channel=Channel.WORKSHOP,
    )
    # As an import could bring them: every other start a spreadsheet takes as a formula.
    risky.municipality = "@Kornbach"
    risky.organisation_sector = "-C"
    risky.organisation_size = "\t1-9"
    session.add_all(
        [
            risky,
            *(
                ContributionTheme(
                    contribution_id=idea.id,
                    theme_id=themes[slug].id or 0,
                    source=source,
                    score=score,
                )
                for slug, source, score in (
                    ("radwege", ThemeSource.CONFIRMED, 0.9),
                    ("schule", ThemeSource.SUGGESTED, 0.41),
                    ("oepnv", ThemeSource.SUGGESTED, 0.734),
                )
            ),
            merged,
            *(Support(contribution_id=idea.id, supporter_hash=f"{n:064d}") for n in range(3)),
            DuplicatePair(
                process_id=process.id or 0,
                first_id=idea.id,
                second_id=candidate.id or 0,
                score=0.87,
            ),
        ]
    )
    await session.commit()
    await add_run(session, process, [("Radweg · Kornbach", [idea, candidate])])
    fg_session = await add_session(session, process, title="BBS Auetal, Klasse 11b")
    member = await add_member(session, fg_session)
    other = await add_member(session, fg_session, "Blauwal")
    fg_idea = FocusGroupIdea(
        session_id=fg_session.id or 0, member_id=member.id, title="Radweg", contribution_id=idea.id
    )
    session.add(fg_idea)
    await session.flush()
    session.add_all(
        [
            FocusGroupDot(idea_id=fg_idea.id or 0, member_id=member.id or 0, dots=2),
            FocusGroupDot(idea_id=fg_idea.id or 0, member_id=other.id or 0, dots=1),
        ]
    )
    await add_profile(session, process, title="Radnetz Auetal", sources=[idea])
    mara = await add_actor(session, "mara@example.org")
    mara.display_name = "Mara Moderatorin"
    nameless = await add_actor(session, "ohne-name@example.org")
    decided = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def event(
        action: ModerationAction, actor: User, at: datetime, contribution_id: int | None = idea.id
    ) -> ModerationEvent:
        return ModerationEvent(
            contribution_id=contribution_id,
            actor_id=actor.id,
            action=action,
            from_status=ContributionStatus.PENDING,
            to_status=ContributionStatus.PUBLISHED,
            created_at=at,
        )

    session.add_all(
        [
            mara,
            event(ModerationAction.REJECT, nameless, decided - timedelta(hours=1)),
            event(ModerationAction.APPROVE, mara, decided),
            # Not a decision on the item: the approval stays the one shown.
            event(ModerationAction.CONFIRM_THEME, nameless, decided + timedelta(hours=1)),
            event(ModerationAction.HIDE, nameless, decided, risky.id),
        ]
    )
    await session.commit()
    return Rows(
        idea=idea.id,
        merged=merged.id or 0,
        candidate=candidate.id or 0,
        comments=(comments[0].id or 0, comments[1].id or 0),
        risky=risky.id or 0,
    )


@pytest.fixture
def rows(settings: Settings, process: Process) -> Rows:
    return in_db(settings, lambda s: _add_rows(s, process))


def _csv(client: Client) -> list[list[str]]:
    response = client.get(f"{URL}.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="beitraege-radwege-auetal.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    assert SECRET_MAIL.encode() not in response.content
    assert TOKEN_HASH.encode() not in response.content
    assert b"Tischlerei Holz" not in response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _header_de() -> list[str]:
    with in_locale("de"):
        return export_header()


def test_every_column_is_filled_from_the_rows(staff_client: Client, rows: Rows) -> None:
    table = _csv(staff_client)
    assert table[0] == _header_de()
    assert table[0][0] == de("Contribution ID")
    by_id = {row[0]: dict(zip(table[0], row, strict=True)) for row in table[1:]}
    assert list(by_id) == [
        str(i) for i in sorted([rows.idea, rows.merged, rows.candidate, *rows.comments, rows.risky])
    ]
    idea = list(by_id[str(rows.idea)].values())
    assert idea == [
        str(rows.idea),
        de("Idea"),
        "",
        de("Idea call"),
        de("Firm or organisation"),
        "C",
        "10-49",
        "Kornbach",
        "",  # no site
        "Radweg nach Kornbach",
        "Zwischen Auenbrück und Kornbach fehlt ein sicherer Radweg.",
        de("published"),
        "Radwege",
        "Bus und Bahn (0.73); Schulwege (0.41)",  # strongest first
        "Radweg · Kornbach",
        "3",
        "3",  # dots of two pupils
        "BBS Auetal, Klasse 11b",
        "2",
        "",
        str(rows.merged),
        f"{rows.candidate} (0.87)",
        "Radnetz Auetal",
        "2026-03-01 09:00",  # Berlin time
        de("approved"),  # the latest decision, not the earlier rejection or a theme change
        "Mara Moderatorin",
        "2026-03-02 10:00",
    ]
    merged = by_id[str(rows.merged)]
    assert merged[de("Merged into")] == str(rows.idea)
    assert merged[de("Status")] == de("merged with a similar idea")
    assert by_id[str(rows.candidate)][de("Possible duplicates (score)")] == f"{rows.idea} (0.87)"
    assert by_id[str(rows.candidate)][de("Cluster")] == "Radweg · Kornbach"
    comment = by_id[str(rows.comments[0])]
    assert comment[de("Kind")] == de("Comment")
    assert comment[de("Comment on")] == str(rows.idea)
    # Staff without a display name are named by their address, as in the moderation log.
    assert by_id[str(rows.risky)][de("Moderated by")] == "ohne-name@example.org"
    assert by_id[str(rows.risky)][de("Moderation decision")] == de("hidden")


def test_formulas_are_defused_and_separators_quoted(staff_client: Client, rows: Rows) -> None:
    table = _csv(staff_client)
    risky = next(row for row in table if row[0] == str(rows.risky))
    title, text = risky[9], risky[10]
    assert title == "'=cmd|' /C calc'!A0"
    assert text == '\'+1; -2; @SUMME(A1)\n"zitiert"'  # `;` and quotes survive the CSV
    assert risky[3] == de("Workshop")
    assert risky[5:8] == ["'-C", "'\t1-9", "'@Kornbach"]


def test_xlsx_has_the_same_table(staff_client: Client, rows: Rows) -> None:
    response = staff_client.get(f"{URL}.xlsx")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="beitraege-radwege-auetal.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    cells = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert cells == _csv(staff_client)
    assert SECRET_MAIL not in str(cells)


def test_headers_in_english_for_an_english_reader(staff_client: Client, rows: Rows) -> None:
    staff_client.cookies.set("lang", "en")
    table = _csv(staff_client)
    assert table[0][:3] == ["Contribution ID", "Kind", "Comment on"]
    assert table[1][1] in {"Idea", "Comment"}


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, process: Process) -> None:
    for extension in ("csv", "xlsx"):
        response = client.get(f"{URL}.{extension}", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.EVALUATOR, 403),
        (Role.EDITOR, 403),
        (Role.FACILITATOR, 403),
        (Role.MODERATOR, 200),
        (Role.ADMIN, 200),
    ],
)
def test_only_admins_and_moderators_may_download(
    client: Client, settings: Settings, process: Process, role: Role, status: int
) -> None:
    email = f"{role.value}@example.org"
    in_db(settings, lambda s: add_staff(s, email, role))
    assert login(client, email).status_code == 303
    for extension in ("csv", "xlsx"):
        assert client.get(f"{URL}.{extension}").status_code == status


def test_an_unknown_process_is_a_404(staff_client: Client) -> None:
    assert staff_client.get("/admin/processes/gibt-es-nicht/beitraege.csv").status_code == 404


def test_may_export_is_the_one_rule(process: Process) -> None:
    def user(role: Role) -> User:
        return User(email="x@example.org", password_hash="-", role=role)

    assert may_export(user(Role.ADMIN), process)
    assert may_export(user(Role.MODERATOR), process)
    assert not may_export(user(Role.EVALUATOR), process)
    assert not may_export(None, process)


def test_the_admin_page_links_both_files(
    client: Client, settings: Settings, process: Process
) -> None:
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    login(client, "admin@example.org")
    page = client.get("/admin/processes/radwege-auetal/edit").text
    assert f'href="{URL}.csv"' in page
    assert f'href="{URL}.xlsx"' in page


async def _statements(session: AsyncSession, process: Process, *, batch: int) -> int:
    with recorded() as statements:
        async for _rows in export_pages(session, process.id or 0, "Europe/Berlin", batch=batch):
            pass
    return len(statements.runs)


async def test_statements_grow_with_pages_not_rows(session: AsyncSession, process: Process) -> None:
    await _add_rows(session, process)
    existing = len(await _all_ids(session, process))
    counts = {}
    for total in (10, 50):
        for n in range(existing, total):
            await add_idea(session, process, title=f"Idee {n}")
        existing = total
        counts[total] = await _statements(session, process, batch=500)
    assert counts[10] == counts[50]
    # The latest run and the process's sites once, then eight per page (its own columns and
    # seven lookups); with 50 rows in pages of 20 there are three pages.
    assert counts[10] == 2 + 8
    assert await _statements(session, process, batch=20) == 2 + 3 * 8


async def _all_ids(session: AsyncSession, process: Process) -> list[int]:
    return [
        row[0]
        async for rows in export_pages(session, process.id or 0, "Europe/Berlin")
        for row in rows
        if isinstance(row[0], int)
    ]


def test_the_csv_is_streamed_page_by_page(
    staff_client: Client, rows: Rows, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With pages of two rows the file is the same, read in several pages."""
    pages: list[int] = []
    original = contribution_export._rows

    def counted(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        pages.append(len(result))
        return result

    monkeypatch.setattr(contribution_export, "BATCH", 2)
    monkeypatch.setattr(contribution_export, "_rows", counted)
    table = _csv(staff_client)
    assert len(table) == 1 + 6
    assert pages == [2, 2, 2]


def test_a_moderator_of_one_action_field_exports_its_contributions_only(
    client: Client, settings: Settings, process: Process
) -> None:
    async def rows(session: AsyncSession) -> int:
        field, other = list((await add_themes(session, process)).values())[:2]
        inside = await add_idea(session, process, title="Radweg am Fluss")
        outside = await add_idea(session, process, title="Bücherbus")
        moderator = await add_staff(session, "feld@example.org", Role.MODERATOR)
        assert field.id is not None
        assert other.id is not None
        assert inside.id is not None
        assert outside.id is not None
        session.add_all(
            [
                ContributionTheme(contribution_id=inside.id, theme_id=field.id),
                ContributionTheme(contribution_id=outside.id, theme_id=other.id),
            ]
        )
        await session.commit()
        assert process.id is not None
        await set_scope(session, moderator, {process.id: [field.id]})
        return inside.id

    inside = in_db(settings, rows)
    assert login(client, "feld@example.org").status_code == 303
    assert [row[0] for row in _csv(client)[1:]] == [str(inside)]
    sheet = load_workbook(io.BytesIO(client.get(f"{URL}.xlsx").content), read_only=True).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [inside]
