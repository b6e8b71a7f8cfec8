"""Merging a contribution into a near-duplicate keeps everything and can be undone exactly:
supports combined without counting a browser twice, comments moved with their counts, the
log, the pointer to the kept idea; a stale page or a second merge is refused."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionMerge,
    ContributionStatus,
    ModerationAction,
    Process,
    Support,
    User,
    utcnow,
)
from participation.services.errors import Conflict, ValidationFailed
from participation.services.follow import follow_page
from participation.services.merging import merge_contributions, merged_into, undo_merge
from participation.services.moderation import Stale
from tests.helpers import add_actor, add_idea, add_process, events

TOKEN = "follow-token-of-the-merged-author"


async def _fresh(session: AsyncSession, contribution_id: int) -> Contribution:
    found = await session.get(Contribution, contribution_id, populate_existing=True)
    assert found is not None
    return found


async def _supports(session: AsyncSession, idea: Contribution, *hashes: str) -> None:
    assert idea.id is not None
    for hash_ in hashes:
        session.add(Support(contribution_id=idea.id, supporter_hash=hash_, created_at=utcnow()))
    await session.commit()


async def _comment(
    session: AsyncSession, process: Process, idea: Contribution, reply_to: int | None = None
) -> Contribution:
    comment = await add_idea(
        session,
        process,
        title="",
        body="Ein Kommentar",
        kind=ContributionKind.COMMENT,
        parent_id=idea.id,
    )
    if reply_to is not None:
        comment.reply_to_id = reply_to
        session.add(comment)
        await session.commit()
    return comment


async def _state(session: AsyncSession, *ids: int) -> list[tuple[object, ...]]:
    """What a merge may change, as stored: status, pointer, kept counts, comments, supports."""
    rows: list[tuple[object, ...]] = []
    for id_ in ids:
        c = await _fresh(session, id_)
        comments = list(
            await session.exec(
                select(Contribution.id).where(col(Contribution.parent_id) == id_).order_by("id")
            )
        )
        supports = list(
            await session.exec(
                select(Support.supporter_hash).where(Support.contribution_id == id_).order_by("id")
            )
        )
        rows.append(
            (c.status, c.duplicate_of_id, c.support_count, c.comment_count, comments, supports)
        )
    return rows


@pytest.fixture
async def setup(session: AsyncSession) -> tuple[Process, Contribution, Contribution, User]:
    process = await add_process(session)
    keep = await add_idea(session, process, title="WLAN am Marktplatz")
    merged = await add_idea(
        session,
        process,
        title="Freies WLAN auf dem Marktplatz",
        status=ContributionStatus.PENDING,
        follow_token=TOKEN,
    )
    actor = await add_actor(session, "mod@example.org")
    return process, keep, merged, actor


async def test_merge_combines_supports_once_per_browser_and_moves_comments(
    session: AsyncSession, setup: tuple[Process, Contribution, Contribution, User]
) -> None:
    process, keep, merged, actor = setup
    assert keep.id is not None
    assert merged.id is not None
    await _supports(session, keep, "a", "b")
    await _supports(session, merged, "b", "c", "d")  # "b" supported both
    top = await _comment(session, process, merged)
    reply = await _comment(session, process, merged, reply_to=top.id)

    record = await merge_contributions(
        session,
        keep_id=keep.id,
        merged_id=merged.id,
        actor=actor,
        keep_version=keep.version,
        merged_version=merged.version,
    )

    kept, gone = await _fresh(session, keep.id), await _fresh(session, merged.id)
    assert kept.support_count == 4  # a, b, c, d: b once
    assert kept.comment_count == 2
    assert gone.status is ContributionStatus.MERGED
    assert gone.duplicate_of_id == keep.id
    assert gone.body == merged.body  # the text stays
    assert gone.support_count == 3  # its own supports stay with it
    assert record.moved_comment_ids == [top.id, reply.id]
    assert len(record.copied_support_ids) == 2
    assert record.double_supports == 1
    hashes = await session.exec(
        select(Support.supporter_hash).where(Support.contribution_id == keep.id)
    )
    assert sorted(hashes) == ["a", "b", "c", "d"]
    merge_event = (await events(session))[-1]
    assert merge_event.action is ModerationAction.MERGE
    assert merge_event.contribution_id == merged.id
    assert merge_event.from_status is ContributionStatus.PENDING
    assert record.event_id == merge_event.id
    shown = await merged_into(session, keep.id)
    assert shown.count == 1
    assert shown.shown[0].id == merged.id


async def test_undo_restores_the_state_exactly(
    session: AsyncSession, setup: tuple[Process, Contribution, Contribution, User]
) -> None:
    process, keep, merged, actor = setup
    assert keep.id is not None
    assert merged.id is not None
    await _supports(session, keep, "a", "b")
    await _supports(session, merged, "b", "c")
    await _comment(session, process, keep)
    top = await _comment(session, process, merged)
    before = await _state(session, keep.id, merged.id)

    record = await merge_contributions(session, keep_id=keep.id, merged_id=merged.id, actor=actor)
    # Meanwhile someone answers a moved comment on the kept idea's page.
    late_reply = await _comment(session, process, keep, reply_to=top.id)
    assert record.id is not None
    await undo_merge(session, merge_id=record.id, actor=actor)

    after = await _state(session, keep.id, merged.id)
    assert late_reply.id is not None
    # The late reply follows its thread back; otherwise everything is as before.
    kept_before, merged_before = before
    assert after[0] == kept_before
    merged_after = list(after[1])
    assert merged_after[4] == [*merged_before[4], late_reply.id]  # type: ignore[misc]
    assert merged_after[3] == merged_before[3] + 1  # type: ignore[operator]
    assert [merged_after[i] for i in (0, 1, 2, 5)] == [merged_before[i] for i in (0, 1, 2, 5)]
    actions = [e.action for e in await events(session)]
    assert actions[-2:] == [ModerationAction.MERGE, ModerationAction.UNDO_MERGE]
    stored = await session.get(ContributionMerge, record.id, populate_existing=True)
    assert stored is not None
    assert stored.undone_at is not None
    with pytest.raises(Conflict):
        await undo_merge(session, merge_id=record.id, actor=actor)


async def test_a_stale_version_is_refused_and_changes_nothing(
    session: AsyncSession, setup: tuple[Process, Contribution, Contribution, User]
) -> None:
    _process, keep, merged, actor = setup
    assert keep.id is not None
    assert merged.id is not None
    before = await _state(session, keep.id, merged.id)
    for versions in ((keep.version, merged.version - 1), (keep.version + 1, merged.version)):
        with pytest.raises(Stale):
            await merge_contributions(
                session,
                keep_id=keep.id,
                merged_id=merged.id,
                actor=actor,
                keep_version=versions[0],
                merged_version=versions[1],
            )
    assert await _state(session, keep.id, merged.id) == before
    assert (await session.exec(select(ContributionMerge))).first() is None


async def test_merged_ones_cannot_be_merged_again_nor_comments_merged(
    session: AsyncSession, setup: tuple[Process, Contribution, Contribution, User]
) -> None:
    process, keep, merged, actor = setup
    assert keep.id is not None
    assert merged.id is not None
    await merge_contributions(session, keep_id=keep.id, merged_id=merged.id, actor=actor)
    with pytest.raises(Conflict):
        await merge_contributions(session, keep_id=keep.id, merged_id=merged.id, actor=actor)
    with pytest.raises(Conflict):  # a merged one cannot stay either
        await merge_contributions(session, keep_id=merged.id, merged_id=keep.id, actor=actor)
    comment = await _comment(session, process, keep)
    assert comment.id is not None
    with pytest.raises(ValidationFailed):
        await merge_contributions(session, keep_id=keep.id, merged_id=comment.id, actor=actor)
    with pytest.raises(ValidationFailed):
        await merge_contributions(session, keep_id=keep.id, merged_id=keep.id, actor=actor)


async def test_the_authors_follow_page_names_the_kept_idea(
    session: AsyncSession, setup: tuple[Process, Contribution, Contribution, User]
) -> None:
    _process, keep, merged, actor = setup
    assert keep.id is not None
    assert merged.id is not None
    await merge_contributions(session, keep_id=keep.id, merged_id=merged.id, actor=actor)
    page = await follow_page(session, TOKEN)
    assert page is not None
    followed = page.item(merged.id)
    assert followed.merged_into is not None
    assert followed.merged_into.id == keep.id
    assert followed.last_decision is not None
    assert followed.last_decision.action is ModerationAction.MERGE


async def test_a_chain_of_merges_is_undone_from_the_last(
    session: AsyncSession, setup: tuple[Process, Contribution, Contribution, User]
) -> None:
    process, keep, merged, actor = setup
    last = await add_idea(session, process, title="WLAN für alle Plätze")
    assert keep.id is not None
    assert merged.id is not None
    assert last.id is not None
    await _comment(session, process, merged)
    before = await _state(session, keep.id, merged.id, last.id)
    first = await merge_contributions(session, keep_id=keep.id, merged_id=merged.id, actor=actor)
    second = await merge_contributions(session, keep_id=last.id, merged_id=keep.id, actor=actor)
    assert first.id is not None
    assert second.id is not None
    with pytest.raises(Conflict):
        await undo_merge(session, merge_id=first.id, actor=actor)
    await undo_merge(session, merge_id=second.id, actor=actor)
    await undo_merge(session, merge_id=first.id, actor=actor)
    assert await _state(session, keep.id, merged.id, last.id) == before
