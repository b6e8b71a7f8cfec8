"""Public reports ("Melden") on ideas and comments, and how moderators resolve them.

Reports from one browser on one item count once (known, as for supports, only by the hash
of the browser id in its signed cookie). Moderators either dismiss an item's open reports or
hide the item; hiding goes through the moderation log and marks its reports as acted on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import N_, _
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    Process,
    Report,
    ReportReason,
    ReportStatus,
    User,
    utcnow,
)
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.errors import NotFound, ValidationFailed

NOTE_MAX: Final = 1000
# What a person reads for each reason, in the order the form offers them.
REASON_LABELS: Final[dict[ReportReason, str]] = {
    ReportReason.SPAM: N_("Spam or advertising"),
    ReportReason.OFFENSIVE: N_("Offensive"),
    ReportReason.PERSONAL_DATA: N_("Contains personal data"),
    ReportReason.OFF_TOPIC: N_("Does not belong here"),
}


def reason_label(reason: ReportReason) -> str:
    return _(REASON_LABELS[reason])


@dataclass
class ReportForm:
    reason: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> ReportForm:
        return cls(reason=data.get("reason", ""), note=data.get("note", ""))


def validate_report(form: ReportForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if form.reason not in {r.value for r in ReportReason}:
        errors["reason"] = _("Please choose a reason.")
    if len(form.note.strip()) > NOTE_MAX:
        errors["note"] = _("Please use at most %(n)d characters.") % {"n": NOTE_MAX}
    form.errors = errors
    return errors


@dataclass(frozen=True)
class Reportable:
    """A published idea or comment that the public may report, with the idea it belongs to."""

    contribution: Contribution
    idea: Contribution  # the contribution itself when it is an idea


async def reportable(session: AsyncSession, process_id: int, contribution_id: int) -> Reportable:
    """A published idea or comment of the process; NotFound for anything else."""
    contribution = await session.get(Contribution, contribution_id)
    if (
        contribution is None
        or contribution.process_id != process_id
        or contribution.status is not ContributionStatus.PUBLISHED
        or contribution.kind not in {ContributionKind.IDEA, ContributionKind.COMMENT}
    ):
        raise NotFound(_("This contribution does not exist."))
    if contribution.kind is ContributionKind.IDEA:
        return Reportable(contribution, contribution)
    idea = await session.get(Contribution, contribution.parent_id or 0)
    if idea is None or idea.status is not ContributionStatus.PUBLISHED:
        raise NotFound(_("This contribution does not exist."))
    return Reportable(contribution, idea)


async def submit_report(
    session: AsyncSession, contribution_id: int, form: ReportForm, reporter_hash: str
) -> bool:
    """Store a report. True if it is new; False if this browser reported the item before
    (it counts once, whatever became of the first report). Raises ValidationFailed."""
    if validate_report(form):
        raise ValidationFailed(form.errors)
    earlier = await session.exec(
        select(Report.id).where(
            Report.contribution_id == contribution_id, Report.reporter_hash == reporter_hash
        )
    )
    if earlier.first() is not None:
        return False
    session.add(
        Report(
            contribution_id=contribution_id,
            reason=ReportReason(form.reason),
            note=form.note.strip(),
            reporter_hash=reporter_hash,
            created_at=utcnow(),
        )
    )
    await session.commit()
    return True


@dataclass(frozen=True)
class ReportedItem:
    """An item with open reports, as the moderators' "Meldungen" page shows it."""

    contribution: Contribution
    process: Process
    idea: Contribution | None  # the idea a comment belongs to
    reasons: Sequence[tuple[ReportReason, int]]  # most frequent first
    notes: Sequence[str]
    count: int
    last_reported_at: datetime


async def open_reports(session: AsyncSession, scope: Scope = EVERYWHERE) -> list[ReportedItem]:
    """Items with open reports (in a limited moderator's scope), the most reported first."""
    rows = await session.exec(
        select(Report, Contribution, Process)
        .join(Contribution, col(Contribution.id) == Report.contribution_id)
        .join(Process, col(Process.id) == Contribution.process_id)
        .where(Report.status == ReportStatus.OPEN, scope.contributions_in())
        .order_by(col(Report.created_at))
    )
    grouped: dict[int, tuple[Contribution, Process, list[Report]]] = {}
    for report, contribution, process in rows:
        grouped.setdefault(report.contribution_id, (contribution, process, []))[2].append(report)
    idea_ids = {c.parent_id for c, _p, _r in grouped.values() if c.parent_id is not None}
    ideas = {
        i.id: i
        for i in await session.exec(select(Contribution).where(col(Contribution.id).in_(idea_ids)))
    }
    items = [
        ReportedItem(
            contribution=contribution,
            process=process,
            idea=ideas.get(contribution.parent_id) if contribution.parent_id else None,
            reasons=Counter(r.reason for r in reports).most_common(),
            notes=[r.note for r in reports if r.note],
            count=len(reports),
            last_reported_at=max(r.created_at for r in reports),
        )
        for contribution, process, reports in grouped.values()
    ]
    return sorted(items, key=lambda item: (-item.count, item.last_reported_at))


async def open_report_count(session: AsyncSession, contribution_id: int) -> int:
    rows = await session.exec(
        select(Report.id).where(
            Report.contribution_id == contribution_id, Report.status == ReportStatus.OPEN
        )
    )
    return len(rows.all())


async def resolve_reports(
    session: AsyncSession, contribution_id: int, actor: User, status: ReportStatus
) -> int:
    """Close an item's open reports (without committing); how many there were."""
    result = await session.exec(
        update(Report)
        .where(
            col(Report.contribution_id) == contribution_id,
            col(Report.status) == ReportStatus.OPEN,
        )
        .values(status=status, resolved_at=utcnow(), resolved_by_id=actor.id)
    )
    return int(result.rowcount or 0)


async def dismiss_reports(session: AsyncSession, contribution_id: int, actor: User) -> int:
    """The item stays as it is; its open reports are closed. How many were closed."""
    closed = await resolve_reports(session, contribution_id, actor, ReportStatus.DISMISSED)
    await session.commit()
    return closed
