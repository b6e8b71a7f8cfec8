"""A round's scores from the database: the submitted ratings (drafts do not count), the
declared conflicts and the process's criteria and minimum number of evaluators, put through
scoring.py. A fixed number of statements per round, whatever its size (200 profiles × 4
criteria × 10 evaluators are 8,000 rating rows, read in one statement).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    ConflictOfInterest,
    Criterion,
    EvaluationSetup,
    Profile,
    Rating,
    RatingRound,
    RoundProfile,
)
from participation.services.evaluation import scoring
from participation.services.evaluation.criteria import criteria_of, setup_of
from participation.services.evaluation.rounds import get_round


@dataclass(frozen=True)
class RoundScores:
    round: RatingRound
    setup: EvaluationSetup
    criteria: list[Criterion]
    profiles: dict[int, Profile]  # by id
    scores: dict[int, scoring.ProfileScore]  # by profile id

    @property
    def weights(self) -> dict[int, float]:
        return {c.id: c.weight for c in self.criteria if c.id is not None}

    @property
    def ranked(self) -> list[scoring.ProfileScore]:
        return scoring.ranking(self.scores.values())

    @property
    def unranked(self) -> list[scoring.ProfileScore]:
        """Profiles not ranked (a criterion without rating, too few evaluators), by title."""
        return sorted(
            (s for s in self.scores.values() if not s.ranked),
            key=lambda s: (self.profiles[s.profile_id].title, s.profile_id),
        )


async def round_scores(session: AsyncSession, round_id: int) -> RoundScores:
    """Every profile of the round with its score; NotFound for an unknown round."""
    round_ = await get_round(session, round_id)
    setup = await setup_of(session, round_.process_id)
    criteria = await criteria_of(session, round_.process_id)
    profiles = {
        p.id: p
        for p in await session.exec(
            select(Profile)
            .join(RoundProfile, col(RoundProfile.profile_id) == Profile.id)
            .where(col(RoundProfile.round_id) == round_id)
        )
        if p.id is not None
    }
    ratings = await session.exec(
        select(Rating.profile_id, Rating.evaluator_id, Rating.criterion_id, Rating.value).where(
            col(Rating.round_id) == round_id, col(Rating.submitted_at).is_not(None)
        )
    )
    conflicts = await session.exec(
        select(ConflictOfInterest.profile_id, ConflictOfInterest.evaluator_id).where(
            col(ConflictOfInterest.round_id) == round_id
        )
    )
    weights = {c.id: c.weight for c in criteria if c.id is not None}
    scores = scoring.score_profiles(
        profiles,
        weights,
        [scoring.RatingValue(*row) for row in ratings],
        conflicts=[(profile_id, evaluator_id) for profile_id, evaluator_id in conflicts],
        min_ratings=setup.min_ratings,
    )
    return RoundScores(round_, setup, criteria, profiles, scores)
