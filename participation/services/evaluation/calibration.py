"""The calibration view of a round, for the meeting where evaluators and the admin settle the
groups: one row per profile with its score, per-criterion means and spreads, disagreement
flags, action field, horizon, lead organisation, its place in the plan and whether a ±20 %
change of one weight would move it to another group; the score distribution with the
groups' boundaries; the ties.

A fixed number of statements per round (its scores, the groups, the plan's entries, the
profiles' primary action fields and lead organisations); sorting happens here, on the few
hundred rows a round has.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Criterion,
    Horizon,
    OrganisationRole,
    PlanEntry,
    PriorityGroup,
    Profile,
    ProfileOrganisation,
    ProfileTheme,
    Theme,
)
from participation.services.evaluation import scoring
from participation.services.evaluation.groups import groups_of, rules_of
from participation.services.evaluation.scores import RoundScores, round_scores

SORTS: Final = ("rank", "title", "spread", "flags", "field", "horizon", "lead", "group")
HORIZON_ORDER: Final = {h: i for i, h in enumerate(Horizon)}
BIN_WIDTH: Final = 0.5  # of the scale, for the distribution


@dataclass(frozen=True)
class Row:
    profile: Profile
    score: scoring.ProfileScore
    rank: int | None  # 1 is the best; None: not ranked
    field: str  # the primary action field's name, "" without one
    lead: str  # the lead organisation's name, "" without one
    group: PriorityGroup | None  # its place in the plan
    moved_reason: str  # why it was moved there by hand, "" when proposed
    sensitive: Sequence[tuple[Criterion, float]]  # weights whose ±20 % moves it

    @property
    def spread(self) -> int:
        return max((c.spread for c in self.score.criteria.values()), default=0)


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    boundaries: Sequence[str]  # names of the groups whose lowest score falls in this bin


@dataclass(frozen=True)
class Calibration:
    scores: RoundScores
    groups: list[PriorityGroup]
    rows: list[Row]
    ties: list[scoring.Tie]
    bins: list[Bin]

    @property
    def flagged(self) -> int:
        return sum(1 for row in self.rows if row.score.disagreements)


async def calibration(session: AsyncSession, round_id: int, sort: str = "rank") -> Calibration:
    scores = await round_scores(session, round_id)
    groups = await groups_of(session, scores.round.process_id)
    ids = list(scores.profiles)
    fields = dict(
        (
            await session.exec(
                select(ProfileTheme.profile_id, Theme.name)
                .join(Theme, col(Theme.id) == ProfileTheme.theme_id)
                .where(col(ProfileTheme.profile_id).in_(ids), col(ProfileTheme.is_primary))
            )
        ).all()
    )
    leads: dict[int, str] = {}
    for profile_id, name in await session.exec(
        select(ProfileOrganisation.profile_id, ProfileOrganisation.name)
        .where(
            col(ProfileOrganisation.profile_id).in_(ids),
            col(ProfileOrganisation.role) == OrganisationRole.LEAD,
        )
        .order_by(col(ProfileOrganisation.position))
    ):
        leads.setdefault(profile_id, name)
    entries = {
        e.profile_id: e
        for e in await session.exec(select(PlanEntry).where(col(PlanEntry.profile_id).in_(ids)))
    }
    by_id = {g.id: g for g in groups}
    criteria = {c.id: c for c in scores.criteria}
    ranked = scores.ranked
    rank = {s.profile_id: index + 1 for index, s in enumerate(ranked)}
    rules = rules_of(groups)
    sensitive = (
        scoring.sensitive_profiles(scores.scores, scores.weights, rules, scores.setup.min_ratings)
        if rules
        else {}
    )
    rows = [
        Row(
            profile=scores.profiles[pid],
            score=score,
            rank=rank.get(pid),
            field=fields.get(pid, ""),
            lead=leads.get(pid, ""),
            group=by_id.get(entries[pid].group_id) if pid in entries else None,
            moved_reason=entries[pid].reason if pid in entries else "",
            sensitive=[(criteria[cid], factor) for cid, factor in sensitive.get(pid, [])],
        )
        for pid, score in scores.scores.items()
    ]
    proposal = scoring.propose_groups(ranked, rules) if rules else None
    return Calibration(
        scores=scores,
        groups=groups,
        rows=sort_rows(rows, sort, groups),
        ties=proposal.ties if proposal else [],
        bins=distribution(scores, groups),
    )


def sort_rows(rows: Sequence[Row], sort: str, groups: Sequence[PriorityGroup]) -> list[Row]:
    """Unranked rows last whatever the order, so nobody mistakes them for the bottom."""
    order = {g.id: i for i, g in enumerate(groups)}
    keys: dict[str, Callable[[Row], tuple[Any, ...]]] = {
        "title": lambda r: (r.profile.title.casefold(),),
        "spread": lambda r: (-r.spread, r.rank or 0),
        "flags": lambda r: (-len(r.score.disagreements), r.rank or 0),
        "field": lambda r: (r.field == "", r.field.casefold(), r.rank or 0),
        "horizon": lambda r: (
            HORIZON_ORDER.get(r.profile.horizon, len(HORIZON_ORDER))
            if r.profile.horizon
            else len(HORIZON_ORDER),
            r.rank or 0,
        ),
        "lead": lambda r: (r.lead == "", r.lead.casefold(), r.rank or 0),
        "group": lambda r: (order.get(r.group.id if r.group else None, len(order)), r.rank or 0),
    }
    key = keys.get(sort, _by_rank)
    return sorted(rows, key=lambda r: (r.rank is None, *key(r), r.profile.id or 0))


def _by_rank(row: Row) -> tuple[Any, ...]:
    return (row.rank or 0,)


def distribution(scores: RoundScores, groups: Sequence[PriorityGroup]) -> list[Bin]:
    """Ranked profiles per BIN_WIDTH of the scale, with the lowest score of each group that
    the proposal would fill marked in its bin (sizes become scores through the ranking)."""
    low, high = scores.setup.scale_min, scores.setup.scale_max
    count = max(1, math.ceil((high - low) / BIN_WIDTH))
    counts = [0] * count
    for s in scores.ranked:
        index = min(count - 1, int(((s.score or 0.0) - low) / BIN_WIDTH))
        counts[max(0, index)] += 1
    marks: dict[int, list[str]] = {}
    proposal = scoring.propose_groups(scores.ranked, rules_of(groups)) if groups else None
    for group in groups[:-1] if proposal else []:
        members = proposal.groups.get(group.id or 0, []) if proposal else []
        if members:
            lowest = scores.scores[members[-1]].score or 0.0
            index = min(count - 1, max(0, int((lowest - low) / BIN_WIDTH)))
            marks.setdefault(index, []).append(group.name)
    return [
        Bin(low + i * BIN_WIDTH, min(high, low + (i + 1) * BIN_WIDTH), counts[i], marks.get(i, []))
        for i in range(count)
    ]
