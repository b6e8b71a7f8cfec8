"""The volume data set (bench/volume.py) at a small size on both databases, and the load
benchmark's reading of wrk's output (bench/load.py)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.load import parse_wrk, scenarios
from bench.volume import SHARED_DATA, Volume, VolumeSpec, fill_volume, wrong_counts
from participation.db import create_engine, upgrade_database
from participation.settings import Settings

pytestmark = pytest.mark.skipif(
    not (SHARED_DATA / "freiraum-ottensen" / "contributions.csv").exists(),
    reason=f"shared data not found at {SHARED_DATA}",
)
FIXTURES = Path(__file__).parent / "fixtures"
SPEC = VolumeSpec(ideas=300, seed=7, big_thread=60, survey_responses=40, sessions=3)


async def _scalar(conn: AsyncConnection, sql: str, **params: object) -> int:
    return int(await conn.scalar(sa.text(sql), params) or 0)


async def _fill(settings: Settings) -> Volume:
    engine = create_engine(settings)
    try:
        return await fill_volume(engine, SPEC)
    finally:
        await engine.dispose()


def test_volume_has_the_rows_and_relations_asked_for(settings: Settings) -> None:
    asyncio.run(_check_volume(settings))


async def _check_volume(settings: Settings) -> None:
    volume = await _fill(settings)
    engine = create_engine(settings)
    async with engine.begin() as conn:
        published = await _scalar(
            conn,
            "SELECT count(*) FROM contribution c JOIN process p ON p.id = c.process_id"
            " WHERE p.slug = :s AND c.kind = 'idea' AND c.status = 'published'",
            s=volume.process_slug,
        )
        assert published == SPEC.ideas
        # 5% of N wait for review: ideas (some of them for their authors), comments and
        # survey answers, each with suggested themes as the tagger leaves them.
        assert sum(volume.pending.values()) == round(SPEC.ideas * SPEC.pending_share)
        waiting = await _scalar(
            conn,
            "SELECT count(*) FROM contribution WHERE status IN ('pending', 'awaiting_changes')",
        )
        assert waiting == sum(volume.pending.values())
        assert all(volume.pending[kind] > 0 for kind in ("idea", "comment", "survey_answer"))
        unsuggested = await _scalar(
            conn,
            "SELECT count(*) FROM contribution c WHERE c.status = 'pending' AND NOT EXISTS"
            " (SELECT 1 FROM contribution_theme t WHERE t.contribution_id = c.id"
            " AND t.source = 'suggested')",
        )
        assert unsuggested == 0
        # The kept counts agree with the rows, and the triggers keep them afterwards.
        assert await wrong_counts(conn) == {
            "support_count": 0,
            "comment_count": 0,
            "published_idea_count": 0,
        }
        supports = await _scalar(conn, "SELECT count(*) FROM support")
        assert 5 * SPEC.ideas < supports < 15 * SPEC.ideas
        assert await _scalar(conn, "SELECT sum(support_count) FROM contribution") == supports
        big = volume.big_thread_idea_id
        assert (
            await _scalar(conn, "SELECT comment_count FROM contribution WHERE id = :i", i=big)
            == SPEC.big_thread
        )
        comments = await _scalar(
            conn,
            "SELECT count(*) FROM contribution WHERE kind = 'comment' AND status = 'published'",
        )
        assert 2 * SPEC.ideas < comments - SPEC.big_thread < 4 * SPEC.ideas
        # A reply answers a top comment of the same idea.
        replies = await _scalar(
            conn, "SELECT count(*) FROM contribution WHERE reply_to_id IS NOT NULL"
        )
        assert replies > 0
        assert not await _scalar(
            conn,
            "SELECT count(*) FROM contribution r JOIN contribution t ON t.id = r.reply_to_id"
            " WHERE t.parent_id <> r.parent_id OR t.reply_to_id IS NOT NULL",
        )
        # Segments, channels, municipalities and firm fields are mixed.
        assert await _scalar(conn, "SELECT count(DISTINCT segment) FROM contribution") == 5
        assert await _scalar(conn, "SELECT count(DISTINCT channel) FROM contribution") == 5
        assert await _scalar(conn, "SELECT count(DISTINCT municipality) FROM contribution") > 10
        assert not await _scalar(
            conn,
            "SELECT count(*) FROM contribution WHERE segment = 'firm' AND kind <> 'comment'"
            " AND (organisation_sector IS NULL OR organisation_size IS NULL)",
        )
        # The survey: 30 questions, the responses asked for, free texts as contributions.
        assert (
            await _scalar(
                conn,
                "SELECT count(*) FROM survey_question WHERE survey_id = :s",
                s=volume.survey_id,
            )
            == 30
        )
        assert await _scalar(conn, "SELECT count(*) FROM survey_response") == SPEC.survey_responses
        assert await _scalar(
            conn,
            "SELECT count(*) FROM survey_answer a JOIN contribution c ON c.id = a.contribution_id"
            " WHERE c.kind = 'survey_answer' AND c.body = a.text",
        ) == await _scalar(conn, "SELECT count(*) FROM survey_answer WHERE text IS NOT NULL")
        # Focus groups: three dots per member, none on an own idea.
        assert await _scalar(conn, "SELECT count(*) FROM focus_group_session") == SPEC.sessions
        assert not await _scalar(
            conn,
            "SELECT count(*) FROM focus_group_dot d JOIN focus_group_idea i ON i.id = d.idea_id"
            " WHERE i.member_id = d.member_id",
        )
        assert await _scalar(conn, "SELECT max(n) FROM (SELECT sum(dots) AS n"
                             " FROM focus_group_dot GROUP BY member_id) x") == 3  # fmt: skip
        assert await _scalar(conn, "SELECT count(*) FROM report") > 0
        assert await _scalar(conn, "SELECT count(*) FROM moderation_event") >= SPEC.ideas
        # Rows added the ordinary way after the load get fresh ids and move the counts.
        await conn.execute(
            sa.text(
                "INSERT INTO support (contribution_id, supporter_hash, created_at)"
                " VALUES (:i, 'after-the-load', CURRENT_TIMESTAMP)"
            ),
            {"i": big},
        )
        assert await wrong_counts(conn) == {
            "support_count": 0,
            "comment_count": 0,
            "published_idea_count": 0,
        }
        stored_hash = await conn.scalar(
            sa.text("SELECT password_hash FROM user_account WHERE email = :e"),
            {"e": volume.moderator.email},
        )
    await engine.dispose()
    assert PasswordHasher().verify(str(stored_hash), volume.moderator.password)


async def _digest(url: str) -> str:
    engine = create_engine(Settings(var_dir=Path(), database_url=url, secret_key="x" * 32))
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT id, kind, status, parent_id, reply_to_id, title, body, segment,"
                " support_count, comment_count FROM contribution ORDER BY id"
            )
        )
        digest = hashlib.sha256(repr(rows.all()).encode()).hexdigest()
    await engine.dispose()
    return digest


async def _fill_file(url: str) -> str:
    engine = create_engine(Settings(var_dir=Path(), database_url=url, secret_key="x" * 32))
    await fill_volume(engine, VolumeSpec(ideas=50, seed=3, big_thread=10, survey_responses=5))
    await engine.dispose()
    return await _digest(url)


def test_volume_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        url = f"sqlite+aiosqlite:///{tmp_path / name}.sqlite3"
        upgrade_database(url)
        digests.append(asyncio.run(_fill_file(url)))
    assert digests[0] == digests[1]


def test_wrk_output_is_read() -> None:
    hello = parse_wrk((FIXTURES / "wrk_hello.txt").read_text())
    assert hello["requests"] == 26413
    assert hello["requests_per_second"] == 8488.76
    assert hello["p50_ms"] == 10.93
    assert hello["p99_ms"] == 42.08
    assert hello["non_2xx_3xx"] == 0
    assert hello["status"]["2xx"] == 26413
    missing = parse_wrk((FIXTURES / "wrk_not_found.txt").read_text())
    assert missing["non_2xx_3xx"] == missing["requests"] == 11192
    assert missing["status"]["4xx"] == 11192
    assert missing["status"]["5xx"] == 0


def test_wrk_units_and_socket_errors_are_read() -> None:
    """wrk prints latencies in us, ms or s, and socket errors only when there were any."""
    output = (
        "  Latency Distribution\n     50%  812.00us\n     75%    1.50ms\n     90%    1.20s\n"
        "     99%    2.00m\n  120 requests in 10.01s, 1.00MB read\n"
        "  Socket errors: connect 0, read 2, write 0, timeout 7\n"
        "  Non-2xx or 3xx responses: 5\nRequests/sec:     11.99\n"
    )
    result = parse_wrk(output)
    assert (result["p50_ms"], result["p75_ms"], result["p90_ms"]) == (0.812, 1.5, 1200.0)
    assert result["p99_ms"] == 120_000.0
    assert result["socket_errors"] == {"connect": 0, "read": 2, "write": 0, "timeout": 7}
    assert result["non_2xx_3xx"] == 5
    assert "status" not in result


def test_scenarios_cover_the_issue() -> None:
    volume = Volume(ideas=10, seed=0, big_thread_idea_id=5, survey_id=2, theme_slugs=list("abc"))
    names = {s.name for s in scenarios(volume)}
    for name in ("home", "ideas page 500", "ideas search", "moderation queue", "healthz",
                 "submit (form)", "submit (API)", "survey results", "analysis page"):  # fmt: skip
        assert name in names
    assert {s.path for s in scenarios(volume) if s.signed_in} == {
        "/moderation/",
        "/analysis/volumen",
        "/analysis/volumen/groups/1",
        "/moderation/duplicates?process=volumen",
        "/surveys/2/results",
        # The staff workbench (issue 21).
        "/moderation?spam=1",
        "/moderation?personal=1",
        "/admin/processes/volumen/beteiligung",
        "/moderation/triage/words",
        "/konto",
    }
    # With the bench profile, its staff pages too.
    assert {s.path for s in scenarios(volume, profile_id=7) if s.signed_in} >= {
        "/admin/steckbriefe/7",
        "/admin/processes/volumen/steckbriefe",
    }
