"""A round's scores from the database and the priority groups they fill
(participation/services/evaluation/scores.py and groups.py): only submitted ratings count,
a conflict leaves its evaluator out, groups are checked as typed, the proposal stores each
profile's place and reports ties, a move needs a reason, and a new proposal keeps moves
unless asked to discard them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    ConflictOfInterest,
    Criterion,
    EvaluationAction,
    EvaluationEvent,
    EvaluationSetup,
    PlanEntry,
    Profile,
    ProfileStatus,
    Rating,
    Role,
    User,
    utcnow,
)
from participation.services.errors import ValidationFailed
from participation.services.evaluation import groups, rounds
from participation.services.evaluation.groups import GroupRow
from participation.services.evaluation.rounds import Assignment
from participation.services.evaluation.scores import round_scores
from tests.helpers import add_actor, add_process, in_locale
from tests.profile_rows import add_profile


@dataclass
class Round:
    process_id: int
    round_id: int
    admin: User
    profiles: list[Profile]  # A, B, C, D


async def _round(session: AsyncSession) -> Round:
    """Four ready profiles rated by two evaluators on two criteria (weights 2 and 1):
    A (4, 4) and (4, 4) -> 4.0; B (3, 3) -> 3.0; C (3, 3) -> 3.0; D (0, 4) and a draft."""
    process = await add_process(session)
    assert process.id is not None
    admin = await add_actor(session, "admin@example.org", Role.ADMIN)
    one = await add_actor(session, "eins@example.org", Role.EVALUATOR)
    two = await add_actor(session, "zwei@example.org", Role.EVALUATOR)
    session.add(EvaluationSetup(process_id=process.id, min_ratings=1))
    first = Criterion(process_id=process.id, name="Wirkung", weight=2.0, position=0)
    second = Criterion(process_id=process.id, name="Kosten", weight=1.0, position=1)
    session.add_all([first, second])
    profiles = [
        await add_profile(session, process, title=title, status=ProfileStatus.READY)
        for title in "ABCD"
    ]
    round_ = await rounds.open_round(
        session, process.id, "Runde", [Assignment(one.id or 0), Assignment(two.id or 0)], admin
    )
    now = utcnow()
    given = {
        "A": [(one, 4, 4), (two, 4, 4)],
        "B": [(one, 3, 3)],
        "C": [(two, 3, 3)],
        "D": [(one, 0, 4)],
    }
    for profile in profiles:
        for evaluator, a, b in given[profile.title]:
            for criterion, value in ((first, a), (second, b)):
                session.add(
                    Rating(
                        round_id=round_.id or 0,
                        profile_id=profile.id or 0,
                        evaluator_id=evaluator.id or 0,
                        criterion_id=criterion.id or 0,
                        value=value,
                        submitted_at=now,
                    )
                )
    # A draft of evaluator two for D: not counted.
    session.add(
        Rating(
            round_id=round_.id or 0,
            profile_id=profiles[3].id or 0,
            evaluator_id=two.id or 0,
            criterion_id=first.id or 0,
            value=4,
        )
    )
    # Evaluator one declares a conflict for A: their ratings of A are left out.
    session.add(
        ConflictOfInterest(
            round_id=round_.id or 0, profile_id=profiles[0].id or 0, evaluator_id=one.id or 0
        )
    )
    await session.commit()
    return Round(process.id, round_.id or 0, admin, profiles)


async def test_scores_count_submitted_ratings_and_leave_conflicts_out(
    session: AsyncSession,
) -> None:
    made = await _round(session)
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
    made = await _round(session)
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
