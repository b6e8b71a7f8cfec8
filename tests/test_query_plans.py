"""The query plans of every statement the main pages run, on a process with a few thousand
contributions (tests/volume_rows.py): none may read the contribution, support or theme
tables from end to end, nor count per listed row with a correlated subquery. A page served
this way stays fast at 100,000 contributions, where such a plan took 16 s (issue 18).

SQLite: EXPLAIN QUERY PLAN after ANALYZE. PostgreSQL: EXPLAIN with `enable_seqscan` off, so
a sequential scan is shown only where no index can serve the statement (at a few thousand
rows the planner would rightly prefer one that it avoids at 100,000).
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine
from participation.models import Contribution, DataLicence, Process, Role, Segment
from participation.settings import Settings
from tests.helpers import Client, add_staff, in_db, login
from tests.sql_statements import Run, recorded
from tests.survey_data import FIRST_SENT, add_response, add_survey, add_survey_data
from tests.volume_rows import Volume, analyze, fill_volume, public_pages, staff_pages

IDEAS: Final = 2000
# The tables that grow with the contributions.
_LARGE: Final = ("contribution", "support", "contribution_theme", "moderation_event", "report")
_SQLITE_SCAN: Final = re.compile(rf"\bSCAN ({'|'.join(_LARGE)})\b")
_PG_SCAN: Final = re.compile(rf"Seq Scan on ({'|'.join(_LARGE)})\b")
# A subquery run once per row of the outer query (e.g. counting each idea's comments).
_SQLITE_CORRELATED: Final = "CORRELATED SCALAR SUBQUERY"
_PG_SUBPLAN: Final = re.compile(r"^\s*SubPlan (\d+)", re.MULTILINE)
# The municipality choices skip through an index with one correlated seek per name.
_SKIP_SCAN: Final = "WITH RECURSIVE found"


def _filled(settings: Settings) -> Volume:
    async def fill() -> Volume:
        engine = create_engine(settings)
        try:
            return await fill_volume(engine, IDEAS)
        finally:
            await engine.dispose()

    return asyncio.run(fill())


def _page_statements(client: Client, volume: Volume) -> dict[str, list[Run]]:
    """The SELECT statements each main page runs, by the page's name."""
    by_page: dict[str, list[Run]] = {}
    pages = list(public_pages(volume).items())
    for signed_in, group in ((False, pages), (True, list(staff_pages(volume).items()))):
        if signed_in:
            assert login(client, "admin@example.org").status_code == 303
        for name, path in group:
            with recorded() as statements:
                response = client.get(path)
            assert response.status_code == 200, (name, response.status_code)
            by_page[name] = [
                run for run in statements.runs if run.statement.lstrip().upper()[:6] in _READS
            ]
    return by_page


_READS: Final = ("SELECT", "WITH R")


async def _plans(settings: Settings, runs: list[Run]) -> list[str]:
    engine = create_engine(settings)
    plans = []
    try:
        async with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if not sqlite:
                await conn.execute(text("SET enable_seqscan = off"))
            for run in runs:
                explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
                result = await conn.exec_driver_sql(explain + run.statement, run.parameters)
                rows: list[Any] = list(result)
                if sqlite:  # (id, parent, notused, detail)
                    plans.append("\n".join(str(row[3]) for row in rows))
                else:
                    plans.append("\n".join(str(row[0]) for row in rows))
    finally:
        await engine.dispose()
    return plans


def _faults(statement: str, plan: str) -> list[str]:
    faults = [f"reads all of {m[1]}" for m in _SQLITE_SCAN.finditer(plan)]
    faults += [f"reads all of {m[1]}" for m in _PG_SCAN.finditer(plan)]
    if _SKIP_SCAN not in statement and (_SQLITE_CORRELATED in plan or _pg_correlated(plan)):
        faults.append("runs a subquery per row")
    return faults


def _pg_correlated(plan: str) -> bool:
    """A subplan run per row: one that is not hashed (a hashed one, "(hashed SubPlan 1)"
    where it is used, runs once; PostgreSQL prints its header as "SubPlan 1" too)."""
    return any(f"hashed SubPlan {number}" not in plan for number in _PG_SUBPLAN.findall(plan))


def test_main_pages_read_through_indexes(client: Client, settings: Settings) -> None:
    volume = _filled(settings)
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    by_page = _page_statements(client, volume)
    problems = []
    for name, runs in by_page.items():
        plans = asyncio.run(_plans(settings, runs))
        for run, plan in zip(runs, plans, strict=True):
            if faults := _faults(run.statement, plan):
                statement = " ".join(run.statement.split())[:300]
                problems.append(f"{name}: {', '.join(faults)}\n  {statement}\n  {plan}")
    assert not problems, "\n".join(problems)
    # The ideas list's three statements at least were planned.
    assert len(by_page["ideas default"]) >= 3


def test_a_full_scan_is_found() -> None:
    """The checks above see what they look for, in both databases' words."""
    assert _faults("SELECT …", "SCAN contribution") == ["reads all of contribution"]
    assert _faults("SELECT …", "SCAN contribution USING INDEX ix_x") == [
        "reads all of contribution"
    ]
    assert _faults("SELECT …", "SEARCH contribution USING INDEX ix_x (process_id=?)") == []
    assert _faults("SELECT …", "  ->  Seq Scan on support  (cost=0.00..1.00)") == [
        "reads all of support"
    ]
    assert _faults("SELECT …", "SCAN contribution_fts VIRTUAL TABLE INDEX 0:M1") == []
    assert _faults("SELECT …", "CORRELATED SCALAR SUBQUERY 1") == ["runs a subquery per row"]
    assert _faults("SELECT …", "  SubPlan 1\n    ->  Aggregate") == ["runs a subquery per row"]
    assert _faults("SELECT …", "  Filter: (NOT (hashed SubPlan 1))") == []


def test_the_survey_results_stamp_reads_one_index(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    """The results page checks its kept counts against a stamp of the sent responses: that
    statement is served by (survey_id, submitted_at, id) alone, on both databases."""

    async def fill(session: AsyncSession) -> int:
        data = await add_survey_data(session, process)
        # The process's other surveys hold most responses, as a district's several do.
        others = [await add_survey(session, process, slug=f"umfrage-{k}") for k in range(4)]
        for n in range(800):
            survey = data.survey if n % 8 == 0 else others[n % 4]
            sent = FIRST_SENT + timedelta(minutes=n) if n % 3 else None
            await add_response(
                session, survey, sent_at=sent, segment=Segment.RESIDENT, token=f"v{n}"
            )
        await session.commit()
        return data.survey.id or 0

    survey_id = in_db(settings, fill)
    asyncio.run(_analyze(settings))
    with recorded() as statements:
        assert staff_client.get(f"/surveys/{survey_id}/results").status_code == 200
    stamps = [
        run
        for run in statements.runs
        if "max(survey_response.submitted_at)" in run.statement.lower()
    ]
    assert len(stamps) == 1
    [plan] = asyncio.run(_plans(settings, stamps))
    assert "ix_survey_response_sent" in plan, plan
    assert "Seq Scan" not in plan, plan
    # SQLite reads the index alone; PostgreSQL seeks both columns in it.
    assert "COVERING INDEX" in plan or "Index Cond: ((survey_id = " in plan, plan


async def _analyze(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        await analyze(engine)
    finally:
        await engine.dispose()


def test_the_open_data_stamp_reads_indexes(
    client: Client, settings: Settings, process: Process
) -> None:
    """A download checks its kept ZIP against a stamp (services/open_data.content_stamp): one
    statement of maxima and counts, each along a key or index, on both databases."""

    async def licensed(session: AsyncSession) -> None:
        for n in range(300):
            session.add(
                Contribution(
                    process_id=process.id or 0,
                    title=f"Idee {n}",
                    body="…",
                    segment=Segment.RESIDENT,
                )
            )
        stored = await session.get(Process, process.id)
        assert stored is not None
        stored.data_licence = DataLicence.CC0_1_0
        session.add(stored)
        await session.commit()

    in_db(settings, licensed)
    asyncio.run(_analyze(settings))
    with recorded() as statements:
        assert client.get(f"/processes/{process.slug}/offene-daten.zip").status_code == 200
    stamps = [run for run in statements.runs if "max(moderation_event.id)" in run.statement]
    assert len(stamps) == 1
    [plan] = asyncio.run(_plans(settings, stamps))
    assert _faults(stamps[0].statement, plan) == [], plan
