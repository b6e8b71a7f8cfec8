"""Storage limitation (DSGVO Art. 5(1)(e)): personal data a process holds is deleted
`RETENTION_DAYS` after its last phase ends.

What goes, for every process whose last phase ended more than `days` ago (a process without
phases never ends):
- the notification address of its contributions, with its language and consent time;
- the e-mails about its contributions (`OutgoingMail`: recipient and body);
- its surveys' invitations, used or not: whoever holds the mail-merge list could tell from a
  response's invitation who answered what. Responses and answers stay, cut loose first;
- its surveys' firm panels: the invitees with their addresses, their links' hashes and the
  mails to them (responses still being answered are cut loose first). The opt-outs stay:
  they are hashes, and the process must not mail an address that asked for no more;
- the originals of contributions a moderator published with "[entfernt]"
  (services/triage/redaction.py): the published, redacted text stays.

Independent of processes, sent e-mails (and those the sender gave up on) older than `days`
go too: the record of what was sent need not outlive the period.

Ideas, comments and survey answers are anonymous and stay. Every step is one set-based
UPDATE or DELETE, all in one transaction; running it again changes nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution, OutgoingMail, Phase, RedactedOriginal
from participation.models.survey_panel import SurveyInvitee, SurveyInviteeLink
from participation.models.surveys import Survey, SurveyInvitation, SurveyResponse
from participation.services.mail import NO_ADDRESS


@dataclass(frozen=True)
class PurgeReport:
    """What a purge deleted (or, in a dry run, would delete), by kind."""

    processes: int = 0  # processes past the period (their data is gone after the purge)
    addresses: int = 0  # contributions whose notification address was cleared
    mails: int = 0  # e-mails about contributions of those processes
    old_mails: int = 0  # further e-mails, sent (or given up) more than `days` ago
    invitations: int = 0  # survey invitations of those processes, used or not
    unlinked_responses: int = 0  # responses cut loose from a deleted invitation (kept)
    originals: int = 0  # originals of contributions published with "[entfernt]"
    invitees: int = 0  # firm panel addresses of those processes' surveys

    @property
    def changed(self) -> bool:
        """Whether anything was (or would be) deleted; `processes` alone changes nothing."""
        return any(getattr(self, f.name) for f in fields(self) if f.name != "processes")

    def lines(self) -> list[str]:
        """One line per kind, for the command line and the log."""
        return [
            f"Processes past the retention period: {self.processes}",
            f"Notification addresses: {self.addresses}",
            f"E-mails of those processes: {self.mails}",
            f"Older sent e-mails: {self.old_mails}",
            f"Survey invitations: {self.invitations}",
            f"Survey responses unlinked from their invitation (kept): {self.unlinked_responses}",
            f"Originals of redacted contributions: {self.originals}",
            f"Firm panel addresses: {self.invitees}",
        ]


def deletion_date(phase_ends: Iterable[datetime], days: int) -> datetime | None:
    """From when `purge` takes a process's personal data: `days` after its last phase ends;
    None for a process without phases (it never ends)."""
    ends = list(phase_ends)
    return max(ends) + timedelta(days=days) if ends else None


def _ended_processes(cutoff: datetime) -> Select[Any]:
    # A process ends with its last phase; one without phases is never matched.
    return (
        select(col(Phase.process_id))
        .group_by(col(Phase.process_id))
        .having(func.max(col(Phase.ends_at)) < cutoff)
    )


def _conditions(cutoff: datetime) -> dict[str, ColumnElement[bool]]:
    """The WHERE clause of each step; a dry run counts with the same ones."""
    ended = _ended_processes(cutoff)
    contributions = select(col(Contribution.id)).where(col(Contribution.process_id).in_(ended))
    invitations = select(col(SurveyInvitation.id)).where(
        col(SurveyInvitation.survey_id).in_(
            select(col(Survey.id)).where(col(Survey.process_id).in_(ended))
        )
    )
    invitees = select(col(SurveyInvitee.id)).where(col(SurveyInvitee.process_id).in_(ended))
    contribution_mail = col(OutgoingMail.contribution_id).in_(contributions)
    panel_mail = col(OutgoingMail.invitee_id).in_(invitees)
    return {
        "addresses": (
            col(Contribution.process_id).in_(ended)
            & or_(
                col(Contribution.notify_email).is_not(None),
                col(Contribution.notify_locale).is_not(None),
                col(Contribution.notify_consent_at).is_not(None),
            )
        ),
        "mails": contribution_mail | panel_mail,
        # Sent, or given up (no further attempt) and queued before the cutoff. Mails still
        # waiting to be sent stay. Excludes the rows `mails` counts, for the dry run.
        "old_mails": (
            or_(
                col(OutgoingMail.sent_at) < cutoff,
                col(OutgoingMail.sent_at).is_(None)
                & col(OutgoingMail.next_attempt_at).is_(None)
                & (col(OutgoingMail.created_at) < cutoff),
            )
            & or_(col(OutgoingMail.contribution_id).is_(None), ~contribution_mail)
            & or_(col(OutgoingMail.invitee_id).is_(None), ~panel_mail)
        ),
        "unlinked_responses": col(SurveyResponse.invitation_id).in_(invitations),
        "invitations": col(SurveyInvitation.id).in_(invitations),
        "originals": col(RedactedOriginal.contribution_id).in_(contributions),
        "invitee_links": col(SurveyInviteeLink.invitee_id).in_(invitees),
        "invitee_responses": col(SurveyResponse.invitee_id).in_(invitees),
        "invitees": col(SurveyInvitee.process_id).in_(ended),
    }


async def _count(session: AsyncSession, table: Any, where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(table).where(where)
    return int((await session.exec(query)).one())


async def purge(
    session: AsyncSession, now: datetime, days: int, *, dry_run: bool = False
) -> PurgeReport:
    """Delete the personal data past the retention period of `days` before `now`, in one
    transaction (committed here); with `dry_run`, only count what would go."""
    if days < 1:
        raise ValueError("days must be at least 1")
    cutoff = now - timedelta(days=days)
    where = _conditions(cutoff)
    processes = int(
        (
            await session.exec(
                select(func.count()).select_from(_ended_processes(cutoff).subquery())
            )
        ).one()
    )
    if dry_run:
        report = PurgeReport(
            processes=processes,
            addresses=await _count(session, Contribution, where["addresses"]),
            mails=await _count(session, OutgoingMail, where["mails"]),
            old_mails=await _count(session, OutgoingMail, where["old_mails"]),
            invitations=await _count(session, SurveyInvitation, where["invitations"]),
            unlinked_responses=await _count(session, SurveyResponse, where["unlinked_responses"]),
            originals=await _count(session, RedactedOriginal, where["originals"]),
            invitees=await _count(session, SurveyInvitee, where["invitees"]),
        )
        await session.rollback()
        return report
    try:
        steps = {
            "addresses": update(Contribution).where(where["addresses"]).values(**NO_ADDRESS),
            "mails": delete(OutgoingMail).where(where["mails"]),
            "old_mails": delete(OutgoingMail).where(where["old_mails"]),
            # The FK would set NULL itself; doing it first keeps responses whatever the
            # database's foreign-key settings.
            "unlinked_responses": update(SurveyResponse)
            .where(where["unlinked_responses"])
            .values(invitation_id=None),
            "invitations": delete(SurveyInvitation).where(where["invitations"]),
            "originals": delete(RedactedOriginal).where(where["originals"]),
            # After their mails ("mails"); links and open responses first, as above.
            "invitee_links": delete(SurveyInviteeLink).where(where["invitee_links"]),
            "invitee_responses": update(SurveyResponse)
            .where(where["invitee_responses"])
            .values(invitee_id=None),
            "invitees": delete(SurveyInvitee).where(where["invitees"]),
        }
        counts: dict[str, int] = {}
        for kind, statement in steps.items():
            result = await session.exec(statement.execution_options(synchronize_session=False))
            counts[kind] = int(result.rowcount)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    counts.pop("invitee_links")
    counts.pop("invitee_responses")
    return PurgeReport(processes=processes, **counts)
