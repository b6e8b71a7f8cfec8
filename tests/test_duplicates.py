"""Merge suggestions: the job stores each process's likely duplicates with the words they
share; /moderation/duplicates shows them side by side for moderators and admins only, merges
(without JavaScript and with htmx), remembers "kein Duplikat" across runs, and the queue
names an item's likely twin."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import TestClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.models import (
    AnalysisJob,
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    DuplicatePair,
    JobKind,
    JobStatus,
    Process,
    Role,
)
from participation.services import moderation
from participation.services.duplicates import compute_pairs, dismiss_pair, hints_for, pair_page
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    Client,
    add_actor,
    add_idea,
    add_process,
    add_staff,
    html,
    in_db,
    login,
    post_form,
    text_of,
)

WLAN = "Freies WLAN am Marktplatz"
WLAN_BODY = "Auf dem Marktplatz in Auenbrück sollte es kostenloses öffentliches WLAN geben."
OTHERS = [
    ("Radweg nach Kornbach", "Zwischen Auenbrück und Kornbach fehlt ein sicherer Radweg."),
    ("Bücherei länger offen", "Die Stadtbücherei sollte auch samstags nachmittags öffnen."),
    ("Mehr Bänke im Park", "Im Stadtpark fehlen Sitzbänke für ältere Menschen."),
    ("Schwimmbad sanieren", "Das Hallenbad braucht neue Duschen und eine Rampe."),
]


async def _process_with_twins(session: AsyncSession) -> tuple[Process, int, int]:
    """A process with two ideas that say the same (one pending, from a workshop) and others."""
    process = await add_process(session)
    first = await add_idea(session, process, title=WLAN, body=WLAN_BODY)
    second = await add_idea(
        session,
        process,
        title="WLAN auf dem Marktplatz",
        body="Kostenloses öffentliches WLAN auf dem Marktplatz in Auenbrück wäre gut.",
        status=ContributionStatus.PENDING,
        channel=Channel.WORKSHOP,
    )
    for title, body in OTHERS:
        await add_idea(session, process, title=title, body=body)
    # Comments are never paired.
    await add_idea(
        session, process, title="", body=WLAN_BODY, kind=ContributionKind.COMMENT,
        parent_id=first.id,
    )  # fmt: skip
    assert first.id is not None and second.id is not None  # noqa: PT018
    return process, first.id, second.id


async def _pairs(session: AsyncSession) -> list[DuplicatePair]:
    return list(
        await session.exec(
            select(DuplicatePair).order_by(col(DuplicatePair.score).desc()),
            execution_options={"populate_existing": True},
        )
    )


async def test_the_job_stores_the_twins_with_their_shared_words(
    session: AsyncSession, settings: Settings
) -> None:
    process, first, second = await _process_with_twins(session)
    assert process.id is not None
    run = await compute_pairs(session, settings.var_dir, process.id)
    assert run.items == 2 + len(OTHERS)  # not the comment
    pairs = await _pairs(session)
    assert (pairs[0].first_id, pairs[0].second_id) == (first, second)
    assert {"wlan", "marktplatz"} <= set(pairs[0].shared_words)
    hints = await hints_for(session, [first, second])
    assert hints[second].other_id == first
    assert hints[second].pair_id == pairs[0].id


async def test_kein_duplikat_is_remembered_across_runs(
    session: AsyncSession, settings: Settings
) -> None:
    process, first, second = await _process_with_twins(session)
    assert process.id is not None
    actor = await add_actor(session, "mod@example.org")
    await compute_pairs(session, settings.var_dir, process.id)
    pair = (await _pairs(session))[0]
    assert pair.id is not None
    await dismiss_pair(session, pair.id, actor)
    await compute_pairs(session, settings.var_dir, process.id)
    again = [p for p in await _pairs(session) if (p.first_id, p.second_id) == (first, second)]
    assert len(again) == 1
    assert again[0].dismissed_at is not None
    assert await hints_for(session, [first, second]) == {}


def _setup(settings: Settings, role: Role = Role.MODERATOR) -> tuple[int, int, int]:
    async def make(session: AsyncSession) -> tuple[int, int, int]:
        process, first, second = await _process_with_twins(session)
        assert process.id is not None
        await add_staff(session, "staff@example.org", role)
        await compute_pairs(session, settings.var_dir, process.id)
        pair = (await _pairs(session))[0]
        assert pair.id is not None
        return pair.id, first, second

    return in_db(settings, make)


def _contribution(settings: Settings, contribution_id: int) -> Contribution:
    async def read(session: AsyncSession) -> Contribution:
        found = await session.get(Contribution, contribution_id)
        assert found is not None
        return found

    return in_db(settings, read)


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.FACILITATOR])
def test_only_moderators_and_admins_see_or_merge_pairs(
    client: Client, settings: Settings, role: Role
) -> None:
    pair_id, first, second = _setup(settings, role)
    assert client.get("/moderation/duplicates", follow_redirects=False).status_code in {302, 303}
    assert login(client, "staff@example.org").status_code == 303
    assert client.get("/moderation/duplicates").status_code == 403
    merge = post_form(client, f"/moderation/duplicates/{pair_id}/merge", {"keep": str(first)})
    assert merge.status_code == 403
    assert _contribution(settings, second).status is ContributionStatus.PENDING


def test_an_admin_merges_without_javascript_and_undoes_it_from_the_log(
    client: Client, settings: Settings
) -> None:
    pair_id, first, second = _setup(settings, Role.ADMIN)
    assert login(client, "staff@example.org").status_code == 303
    page = html(client.get("/moderation/duplicates").text)
    article = page.select_one(f"#pair-{pair_id}")
    assert article is not None
    assert "wlan" in [text_of(m) for m in article.select("mark")]
    form = {
        "keep": str(first),
        f"version_{first}": "0",
        f"version_{second}": "0",
        "next": "/moderation/duplicates",
    }
    response = post_form(client, f"/moderation/duplicates/{pair_id}/merge", form)
    assert response.status_code == 303
    merged = _contribution(settings, second)
    assert merged.status is ContributionStatus.MERGED
    assert merged.duplicate_of_id == first
    # The kept idea's public page shows the merged text.
    idea = client.get(f"/processes/radwege-auetal/ideas/{first}")
    assert "Kostenloses öffentliches WLAN auf dem Marktplatz" in idea.text
    # The merged one's address leads there.
    gone = client.get(f"/processes/radwege-auetal/ideas/{second}", follow_redirects=False)
    assert gone.status_code == 302
    assert gone.headers["location"] == f"/processes/radwege-auetal/ideas/{first}"
    # The pair is gone from the list; the log offers to undo the merge.
    assert f"pair-{pair_id}" not in client.get("/moderation/duplicates").text
    log = html(client.get("/moderation/log").text)
    undo = log.select_one("form.undo-merge")
    assert undo is not None
    response = post_form(client, str(undo["action"]), {"next": "/moderation/log"})
    assert response.status_code == 303
    assert _contribution(settings, second).status is ContributionStatus.PENDING
    assert html(client.get("/moderation/log").text).select_one("form.undo-merge") is None


def test_a_stale_merge_is_refused_with_the_pair_as_it_is(
    client: Client, settings: Settings
) -> None:
    pair_id, first, second = _setup(settings)
    assert login(client, "staff@example.org").status_code == 303
    form = {"keep": str(first), f"version_{first}": "0", f"version_{second}": "7"}
    response = post_form(client, f"/moderation/duplicates/{pair_id}/merge", form)
    assert response.status_code == 409
    assert html(response.text).select_one(f"#pair-{pair_id} [role=alert]") is not None
    assert _contribution(settings, second).status is ContributionStatus.PENDING
    # htmx: the pair comes back in place with the message.
    response = post_form(client, f"/moderation/duplicates/{pair_id}/merge", form, headers=HTMX)
    assert response.status_code == 409
    assert response.text.lstrip().startswith("<article")


def test_htmx_replaces_the_pair_after_a_merge_or_kein_duplikat(
    client: Client, settings: Settings
) -> None:
    pair_id, _first, _second = _setup(settings)
    assert login(client, "staff@example.org").status_code == 303
    response = post_form(client, f"/moderation/duplicates/{pair_id}/dismiss", {}, headers=HTMX)
    assert response.status_code == 200
    assert f'id="pair-{pair_id}"' in response.text
    assert "pair--done" in response.text
    assert f"pair-{pair_id}" not in client.get("/moderation/duplicates").text
    skipped = client.get(f"/moderation/duplicates/{pair_id}/skip", headers=HTMX)
    assert "pair--done" in skipped.text


def test_the_queue_names_the_likely_twin_with_a_link_to_merge(
    client: Client, settings: Settings
) -> None:
    pair_id, first, second = _setup(settings)
    assert login(client, "staff@example.org").status_code == 303
    queue = html(client.get("/moderation").text)
    hint = queue.select_one(f"#item-{second} .duplicate-hint")
    assert hint is not None
    links = [str(a["href"]) for a in hint.select("a")]
    assert links == [f"/moderation/contributions/{first}", f"/moderation/duplicates/{pair_id}"]
    assert "0," in text_of(hint)  # the score as Germans write it
    one = client.get(f"/moderation/duplicates/{pair_id}")
    assert one.status_code == 200
    assert f"/moderation/duplicates/{pair_id}/merge" in one.text


def test_approving_an_idea_starts_the_duplicates_job(settings: Settings) -> None:
    _pair_id, _first, second = _setup(settings)
    app = create_app(replace(settings, duplicates_after_approval=True))
    with TestClient(app, base_url="http://testserver.local") as client:
        assert login(client, "staff@example.org").status_code == 303
        response = post_form(
            client,
            f"/moderation/contributions/{second}/approve",
            {"version": "0", "next": "/moderation"},
        )
        assert response.status_code == 303

        async def jobs(session: AsyncSession) -> list[tuple[JobKind, JobStatus]]:
            rows = await session.exec(select(AnalysisJob))
            return [(job.kind, job.status) for job in rows]

        client.blocking_portal.call(client.app.state.jobs.wait_idle)
        assert in_db(settings, jobs) == [(JobKind.DUPLICATES, JobStatus.DONE)]


async def test_rejecting_or_hiding_a_side_withdraws_its_pairs(
    session: AsyncSession, settings: Settings
) -> None:
    process, _first, second = await _process_with_twins(session)
    assert process.id is not None
    actor = await add_actor(session, "mod@example.org")
    await compute_pairs(session, settings.var_dir, process.id)
    assert second in await hints_for(session, [second])
    await moderation.reject(session, second, actor, "Doppelt.")
    assert not [p for p in await _pairs(session) if second in (p.first_id, p.second_id)]
    page = await pair_page(session, process_slug=process.slug)
    assert all(second not in (v.first.id, v.second.id) for v in page.pairs)
