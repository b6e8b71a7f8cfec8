"""A round's scores from the database and the priority groups they fill
(participation/services/evaluation/scores.py and groups.py): only submitted ratings count,
a conflict leaves its evaluator out, groups are checked as typed, the proposal stores each
profile's place and reports ties, a move needs a reason, and a new proposal keeps moves
unless asked to discard them."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    EvaluationAction,
    EvaluationEvent,
    PlanEntry,
)
from participation.services.errors import ValidationFailed
from participation.services.evaluation import groups
from participation.services.evaluation.groups import GroupRow
from participation.services.evaluation.scores import round_scores
from tests.evaluation_rows import rated_round
from tests.helpers import add_process, in_locale


async def test_scores_count_submitted_ratings_and_leave_conflicts_out(
    session: AsyncSession,
) -> None:
    made = await rated_round(session)
    result = await round_scores(session, made.round_id)
    a, b, c, d = (result.scores[p.id or 0] for p in made.profiles)
    assert (a.score, a.evaluators) == (4.0, 1)
    assert (b.score, c.score) == (3.0, 3.0)
    assert d.score == pytest.approx((2 * 0 + 1 * 4) / 3)
    assert d.evaluators == 1  # the draft does not count
    assert [s.profile_id for s in result.ranked] == [made.profiles[i].id for i in (0, 1, 2, 3)]


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([GroupRow(name="X", size="3", threshold="2")], "0-size"),
        ([GroupRow(name="X"), GroupRow(name="Y", size="3")], "0-size"),
        ([GroupRow(name="X", size="drei")], "0-size"),
        ([GroupRow(name="X", threshold="hoch")], "0-threshold"),
        ([GroupRow(size="3")], "0-name"),
        ([GroupRow()], "groups"),
    ],
)
async def test_groups_are_checked_as_typed(
    session: AsyncSession, rows: list[GroupRow], field: str
) -> None:
    process = await add_process(session)
    with pytest.raises(ValidationFailed) as failed, in_locale("de"):
        await groups.save_groups(session, process.id or 0, rows)
    assert field in failed.value.errors


async def test_the_proposal_places_profiles_reports_ties_and_keeps_moves(
    session: AsyncSession,
) -> None:
    made = await rated_round(session)
    premium_plus, premium, rest = await groups.save_groups(
        session,
        made.process_id,
        [
            GroupRow(name="Premium+", size="1"),
            GroupRow(name="Premium", size="1"),
            GroupRow(name="Weitere"),
        ],
    )
    a, b, c, d = (p.id or 0 for p in made.profiles)
    top, second, others = (g.id or 0 for g in (premium_plus, premium, rest))

    result = await groups.propose(session, made.round_id, made.admin)
    assert result.proposal.groups == {top: [a], second: [b], others: [c, d]}
    [tie] = result.proposal.ties  # B and C score 3.0 on both sides of Premium's boundary
    assert tie.profile_ids == (b, c)

    async def places() -> dict[int, int]:
        fresh = select(PlanEntry).execution_options(populate_existing=True)
        return {e.profile_id: e.group_id for e in await session.exec(fresh)}

    assert await places() == {a: top, b: second, c: others, d: others}

    with pytest.raises(ValidationFailed):
        await groups.move(session, c, second, "   ", made.admin)
    await groups.move(session, c, second, "Gleichstand: C ist zeitnah umsetzbar", made.admin)
    await groups.move(session, b, others, "Tausch mit C", made.admin)
    assert (await places())[c] == second

    kept = await groups.propose(session, made.round_id, made.admin)
    assert kept.kept_moves == 2
    assert (await places())[c] == second
    await groups.propose(session, made.round_id, made.admin, discard_moves=True)
    assert (await places())[c] == others

    log = [
        (e.action, e.details.get("reason"))
        for e in await session.exec(select(EvaluationEvent).order_by(col(EvaluationEvent.id)))
    ]
    assert log[-5:] == [
        (EvaluationAction.GROUPS_PROPOSED, None),
        (EvaluationAction.GROUP_MOVED, "Gleichstand: C ist zeitnah umsetzbar"),
        (EvaluationAction.GROUP_MOVED, "Tausch mit C"),
        (EvaluationAction.GROUPS_PROPOSED, None),
        (EvaluationAction.GROUPS_PROPOSED, None),
    ]


async def test_the_preset_groups_are_the_werra_meissner_plans(session: AsyncSession) -> None:
    process = await add_process(session)
    made = await groups.apply_preset(session, process.id or 0)
    assert [(g.name, g.size, g.threshold) for g in made] == [
        ("Premium+", 8, None),
        ("Premium", 14, None),
        ("Weitere Projektideen", None, None),
    ]
