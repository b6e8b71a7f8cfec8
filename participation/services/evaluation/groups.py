"""Priority groups and the plan's entries.

A process defines its groups in order (by default the Werra-Meißner plan's: 8 "Premium+",
14 "Premium", the rest "Weitere Projektideen"). The proposal fills them from a round's
ranking (scoring.propose_groups) and stores each profile's place (`PlanEntry`); an admin then
moves a profile with a required reason. A new proposal keeps those moves unless asked to
discard them. Proposals and moves go into the evaluation log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import EvaluationAction, PlanEntry, PriorityGroup, User, utcnow
from participation.services.errors import NotFound, ValidationFailed
from participation.services.evaluation import scoring
from participation.services.evaluation.rounds import log_event
from participation.services.evaluation.scores import RoundScores, round_scores

NAME_MAX: Final = 120
PRESET: Final = (("Premium+", 8), ("Premium", 14), ("Weitere Projektideen", None))


async def groups_of(session: AsyncSession, process_id: int) -> list[PriorityGroup]:
    rows = await session.exec(
        select(PriorityGroup)
        .where(col(PriorityGroup.process_id) == process_id)
        .order_by(col(PriorityGroup.position), col(PriorityGroup.id))
    )
    return list(rows)


@dataclass(frozen=True)
class GroupRow:
    """A group as typed: a size, a lowest score, or neither (the rest)."""

    id: str = ""
    name: str = ""
    description: str = ""
    size: str = ""
    threshold: str = ""

    @property
    def blank(self) -> bool:
        return not any(v.strip() for v in (self.name, self.description, self.size, self.threshold))


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _check(rows: Sequence[GroupRow]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for index, row in enumerate(rows):
        if not row.name.strip():
            errors[f"{index}-name"] = _("Please give the group a name.")
        elif len(row.name.strip()) > NAME_MAX:
            errors[f"{index}-name"] = _("At most %(n)d characters, please.") % {"n": NAME_MAX}
        size, threshold = row.size.strip(), row.threshold.strip()
        if size and threshold:
            errors[f"{index}-size"] = _("Either a number of profiles or a lowest score.")
        elif size and not (size.isdigit() and int(size) > 0):
            errors[f"{index}-size"] = _("Please give the number of profiles as a whole number.")
        elif threshold and _number(threshold) is None:
            errors[f"{index}-threshold"] = _("Please give the lowest score as a number.")
        elif not size and not threshold and index != len(rows) - 1:
            errors[f"{index}-size"] = _("Only the last group can take the rest.")
    if not rows:
        errors["groups"] = _("Please give at least one group.")
    return errors


async def save_groups(
    session: AsyncSession, process_id: int, rows: Sequence[GroupRow]
) -> list[PriorityGroup]:
    """Replace the process's groups by the typed rows (blank ones dropped; kept ones keep
    their ids and so their profiles). ValidationFailed per row field ("0-size")."""
    filled = [row for row in rows if not row.blank]
    if errors := _check(filled):
        raise ValidationFailed(errors)
    existing = {g.id: g for g in await groups_of(session, process_id)}
    kept = []
    for position, row in enumerate(filled):
        group = existing.pop(int(row.id), None) if row.id.strip().isdigit() else None
        group = group or PriorityGroup(process_id=process_id, name="")
        group.position = position
        group.name = " ".join(row.name.split())
        group.description = row.description.strip()
        group.size = int(row.size) if row.size.strip() else None
        group.threshold = _number(row.threshold) if row.threshold.strip() else None
        session.add(group)
        kept.append(group)
    gone = [g.id for g in existing.values() if g.id is not None]
    if gone:  # their entries go with them: the next proposal places those profiles again
        await session.exec(delete(PriorityGroup).where(col(PriorityGroup.id).in_(gone)))
    # Not logged: defining groups changes no profile's place; the proposal that uses them is.
    await session.commit()
    return kept


async def apply_preset(session: AsyncSession, process_id: int) -> list[PriorityGroup]:
    rows = [GroupRow(name=name, size=str(size) if size else "") for name, size in PRESET]
    return await save_groups(session, process_id, rows)


def rules_of(groups: Sequence[PriorityGroup]) -> list[scoring.GroupRule]:
    return [scoring.GroupRule(g.id or 0, size=g.size, threshold=g.threshold) for g in groups]


@dataclass(frozen=True)
class ProposalResult:
    scores: RoundScores
    proposal: scoring.Proposal
    kept_moves: int  # profiles moved by hand before and left where they were


async def propose(
    session: AsyncSession, round_id: int, actor: User, *, discard_moves: bool = False
) -> ProposalResult:
    """Place the round's ranked profiles into the process's groups and store the places.
    Unranked profiles get no place (they are marked on the calibration view)."""
    scores = await round_scores(session, round_id)
    process_id = scores.round.process_id
    groups = await groups_of(session, process_id)
    if not groups:
        raise ValidationFailed({"groups": _("Please define the priority groups first.")})
    proposal = scoring.propose_groups(scores.ranked, rules_of(groups))
    entries = {
        e.profile_id: e
        for e in await session.exec(
            select(PlanEntry).where(col(PlanEntry.profile_id).in_(list(scores.profiles)))
        )
    }
    moved = {pid for pid, e in entries.items() if e.moved_by_id is not None and not discard_moves}
    placed = proposal.group_by_profile()
    for pid in scores.profiles:
        if pid in moved:
            continue
        entry = entries.get(pid)
        if pid not in placed:
            if entry is not None:
                await session.delete(entry)
            continue
        entry = entry or PlanEntry(profile_id=pid, group_id=placed[pid])
        entry.group_id = placed[pid]
        entry.score = scores.scores[pid].score
        entry.round_id = round_id
        entry.moved_by_id = None
        entry.reason = ""
        entry.placed_at = utcnow()
        session.add(entry)
    log_event(
        session,
        process_id,
        EvaluationAction.GROUPS_PROPOSED,
        actor,
        round_id=round_id,
        groups={str(g): len(ids) for g, ids in proposal.groups.items()},
        ties=[list(t.profile_ids) for t in proposal.ties],
        kept_moves=len(moved),
    )
    await session.commit()
    return ProposalResult(scores, proposal, len(moved))


async def move(
    session: AsyncSession, profile_id: int, group_id: int, reason: str, actor: User
) -> PlanEntry:
    """Put a placed profile into another group of its process; the reason is required."""
    entry = await session.get(PlanEntry, profile_id)
    group = await session.get(PriorityGroup, group_id)
    if entry is None:
        raise NotFound(_("This profile has no place in the plan yet."))
    current = await session.get(PriorityGroup, entry.group_id)
    if group is None or current is None or group.process_id != current.process_id:
        raise ValidationFailed({"group": _("Please choose a group of this process.")})
    text = reason.strip()
    if not text:
        raise ValidationFailed({"reason": _("Please give the reason for the move.")})
    log_event(
        session,
        group.process_id,
        EvaluationAction.GROUP_MOVED,
        actor,
        profile_id=profile_id,
        from_group=current.name,
        to_group=group.name,
        reason=text,
    )
    entry.group_id = group_id
    entry.moved_by_id = actor.id
    entry.reason = text
    entry.placed_at = utcnow()
    session.add(entry)
    await session.commit()
    return entry
