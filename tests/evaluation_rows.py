"""A rated round for tests of scores, groups and the calibration view."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    ConflictOfInterest,
    Criterion,
    EvaluationSetup,
    Profile,
    ProfileStatus,
    Rating,
    Role,
    User,
    utcnow,
)
from participation.services.evaluation import rounds
from participation.services.evaluation.rounds import Assignment
from tests.helpers import add_actor, add_process
from tests.profile_rows import add_profile


@dataclass
class Round:
    process_id: int
    round_id: int
    admin: User
    profiles: list[Profile]  # A, B, C, D
    evaluators: list[User]
    criteria: list[Criterion]


async def rated_round(session: AsyncSession) -> Round:
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
    return Round(process.id, round_.id or 0, admin, profiles, [one, two], [first, second])
