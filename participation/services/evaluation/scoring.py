"""The arithmetic of a rating round, free of the database: scores per profile, disagreement
flags, the proposed priority groups and how sensitive a profile's group is to the weights.

- A profile's score is the weighted mean over the criteria of the mean over its evaluators,
  on the criteria's shared scale. Evaluators who declared a conflict of interest for a
  profile are left out of everything about it.
- A profile is ranked only when every criterion has at least one rating and at least
  `min_ratings` evaluators rated it; the others are listed as unranked, never silently
  ranked on part of the picture.
- Two evaluators whose ratings of one criterion differ by DISAGREEMENT levels or more flag
  that criterion for the calibration meeting.
- Priority groups are filled in their order from the ranking: a group takes a number of
  profiles (8 Premium+, 14 Premium) or those at or above a score; the last takes the rest.
  Equal scores across a boundary are reported as a tie, for a person to decide; the
  proposal itself keeps the ranking's order (score, then the lower id first).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

DISAGREEMENT: Final = 2  # levels apart on one criterion
SENSITIVITY: Final = 0.2  # each weight moved by ±20 %
# Scores are compared at this many decimals: means of small integers summed in another
# order must not differ by a rounding error and so break a tie nobody could see.
PRECISION: Final = 9


def _level(score: float | None) -> float:
    return round(score or 0.0, PRECISION)


class RatingValue(NamedTuple):
    """One submitted rating (a tuple: a round of 8,000 ratings is read into these per page)."""

    profile_id: int
    evaluator_id: int
    criterion_id: int
    value: int


@dataclass(frozen=True)
class CriterionScore:
    mean: float
    spread: int  # highest minus lowest rating
    ratings: int

    @property
    def disagreement(self) -> bool:
        return self.spread >= DISAGREEMENT


@dataclass(frozen=True)
class ProfileScore:
    profile_id: int
    criteria: Mapping[int, CriterionScore]  # by criterion id; rated criteria only
    evaluators: int  # who rated it (at least one criterion), conflicts left out
    score: float | None  # None: not every criterion rated, or too few evaluators

    @property
    def ranked(self) -> bool:
        return self.score is not None

    @property
    def disagreements(self) -> list[int]:
        """The criteria (ids) to talk about: ratings DISAGREEMENT levels apart or more."""
        return [cid for cid, c in self.criteria.items() if c.disagreement]


def weighted(means: Mapping[int, float], weights: Mapping[int, float]) -> float | None:
    """The weighted mean of per-criterion means; None unless every weighted criterion has one
    (criteria weighted 0 count for nothing)."""
    total = sum(w for w in weights.values() if w > 0)
    if total <= 0 or any(cid not in means for cid, w in weights.items() if w > 0):
        return None
    return sum(means[cid] * w for cid, w in weights.items() if w > 0) / total


def score_profiles(
    profile_ids: Iterable[int],
    weights: Mapping[int, float],
    ratings: Iterable[RatingValue],
    conflicts: Iterable[tuple[int, int]] = (),
    min_ratings: int = 1,
) -> dict[int, ProfileScore]:
    """Every profile's score. `weights` by criterion id; `conflicts` are (profile id,
    evaluator id) pairs; ratings of unknown criteria or profiles are ignored."""
    ids = list(profile_ids)
    wanted = set(ids)
    excluded = set(conflicts)
    values: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    evaluators: dict[int, set[int]] = defaultdict(set)
    for r in ratings:
        if (
            r.profile_id not in wanted
            or r.criterion_id not in weights
            or (r.profile_id, r.evaluator_id) in excluded
        ):
            continue
        values[r.profile_id][r.criterion_id].append(r.value)
        evaluators[r.profile_id].add(r.evaluator_id)
    scores = {}
    for pid in ids:
        criteria = {
            cid: CriterionScore(sum(v) / len(v), max(v) - min(v), len(v))
            for cid, v in values[pid].items()
        }
        enough = len(evaluators[pid]) >= max(1, min_ratings)
        score = weighted({cid: c.mean for cid, c in criteria.items()}, weights)
        scores[pid] = ProfileScore(pid, criteria, len(evaluators[pid]), score if enough else None)
    return scores


def ranking(scores: Iterable[ProfileScore]) -> list[ProfileScore]:
    """The ranked profiles, best first; equal scores by id, so the order is repeatable."""
    ranked = [s for s in scores if s.score is not None]
    return sorted(ranked, key=lambda s: (-_level(s.score), s.profile_id))


@dataclass(frozen=True)
class GroupRule:
    """A priority group as the admin defines it: a size, a lowest score, or (neither) the
    rest. Groups are filled in their order."""

    group_id: int
    size: int | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class Tie:
    """Profiles with equal scores on both sides of a group boundary."""

    upper_group_id: int
    lower_group_id: int | None  # None: below the last group (unplaced)
    profile_ids: tuple[int, ...]
    score: float


@dataclass(frozen=True)
class Proposal:
    groups: Mapping[int, list[int]]  # group id -> profile ids, in ranking order
    ties: list[Tie] = field(default_factory=list)
    unplaced: list[int] = field(default_factory=list)  # ranked but in no group

    def group_by_profile(self) -> dict[int, int]:
        return {pid: group_id for group_id, ids in self.groups.items() for pid in ids}


def propose_groups(ranked: Sequence[ProfileScore], rules: Sequence[GroupRule]) -> Proposal:
    """Fill the groups in order from the ranking (see the module's docstring)."""
    groups: dict[int, list[int]] = {rule.group_id: [] for rule in rules}
    position = 0
    boundaries: list[tuple[int, int, int | None]] = []  # (index, upper group, lower group)
    for index, rule in enumerate(rules):
        if rule.size is not None:
            end = min(len(ranked), position + max(0, rule.size))
        elif rule.threshold is not None:
            end = position
            while end < len(ranked) and _level(ranked[end].score) >= _level(rule.threshold):
                end += 1
        else:
            end = len(ranked)
        groups[rule.group_id] = [s.profile_id for s in ranked[position:end]]
        lower = rules[index + 1].group_id if index + 1 < len(rules) else None
        boundaries.append((end, rule.group_id, lower))
        position = end
    return Proposal(
        groups=groups,
        ties=_ties(ranked, boundaries),
        unplaced=[s.profile_id for s in ranked[position:]],
    )


def _ties(
    ranked: Sequence[ProfileScore], boundaries: Sequence[tuple[int, int, int | None]]
) -> list[Tie]:
    ties = []
    for end, upper, lower in boundaries:
        if not 0 < end < len(ranked) or _level(ranked[end - 1].score) != _level(ranked[end].score):
            continue
        level = _level(ranked[end].score)
        tied = tuple(s.profile_id for s in ranked if _level(s.score) == level)
        ties.append(Tie(upper, lower, tied, level))
    return ties


def sensitive_profiles(
    scores: Mapping[int, ProfileScore],
    weights: Mapping[int, float],
    rules: Sequence[GroupRule],
    min_ratings: int = 1,
) -> dict[int, list[tuple[int, float]]]:
    """Which profiles change group when one criterion's weight moves by ±SENSITIVITY: per
    profile the (criterion id, factor) changes that move it. The per-criterion means stay,
    only their weighting changes."""
    base = propose_groups(ranking(scores.values()), rules).group_by_profile()
    moved: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for cid in weights:
        for factor in (1 - SENSITIVITY, 1 + SENSITIVITY):
            changed = {**weights, cid: weights[cid] * factor}
            rescored = [
                ProfileScore(
                    s.profile_id,
                    s.criteria,
                    s.evaluators,
                    weighted({k: c.mean for k, c in s.criteria.items()}, changed)
                    if s.evaluators >= max(1, min_ratings)
                    else None,
                )
                for s in scores.values()
            ]
            placed = propose_groups(ranking(rescored), rules).group_by_profile()
            for pid in scores:
                if placed.get(pid) != base.get(pid):
                    moved[pid].append((cid, factor))
    return dict(moved)
