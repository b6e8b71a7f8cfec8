"""Publishing with "[entfernt]": the personal data found in a contribution's title and text
is replaced in the stored text itself, so every public reader (pages, API, open data,
search, similar ideas) gets the redacted text without changes of its own. What the author
wrote is kept in `RedactedOriginal`, shown only behind their follow link and in their own
data download, and deleted with the process's other personal data after the retention
period (services/retention.py). The decision goes into the moderation log with the kinds
removed, never the removed text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.personal_data import DEFAULT_REPLACEMENT, KINDS, Span, redact
from participation.i18n import _
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ModerationAction,
    ModerationEvent,
    RedactedOriginal,
    User,
    utcnow,
)
from participation.services import similar
from participation.services.errors import Conflict, ValidationFailed
from participation.services.mail import MailEvent, notify_author
from participation.services.moderation import Stale, get_contribution
from participation.services.triage.view import kind_label

REPLACEMENT: Final = DEFAULT_REPLACEMENT
# From where a moderator may publish with "[entfernt]": the queue, or a published item
# whose personal data was noticed late.
REDACTABLE: Final = frozenset(
    {
        ContributionStatus.PENDING,
        ContributionStatus.AWAITING_CHANGES,
        ContributionStatus.PUBLISHED,
    }
)


def _redacted(text: str, spans: Sequence[dict[str, Any]], field: str) -> str:
    found = [
        Span(int(s["start"]), int(s["end"]), s["kind"], text[int(s["start"]) : int(s["end"])])
        for s in spans
        if s.get("field") == field and s.get("kind") in KINDS and int(s["end"]) <= len(text)
    ]
    return redact(text, found, REPLACEMENT) if found else text


async def publish_redacted(
    session: AsyncSession, contribution_id: int, actor: User, *, version: int | None = None
) -> Contribution:
    """Publish the contribution with its personal data replaced by "[entfernt]". Raises
    NotFound, Stale (the item changed since the moderator's page showed it), Conflict (not
    in a state to publish) or ValidationFailed (no personal data found in it)."""
    contribution = await get_contribution(session, contribution_id)
    if version is not None and version != contribution.version:
        raise Stale()
    if contribution.status not in REDACTABLE:
        raise Conflict(_("This contribution cannot be published from its current state."))
    spans = list(contribution.personal_data or [])
    if not spans:
        raise ValidationFailed({"redact": _("No personal data was found in this contribution.")})
    # Read before the UPDATE: it changes the session's copy of the row as well.
    original_title, original_body = contribution.title, contribution.body
    from_status, now = contribution.status, utcnow()
    values: dict[str, Any] = {
        "title": _redacted(contribution.title, spans, "title"),
        "body": _redacted(contribution.body, spans, "body"),
        "status": ContributionStatus.PUBLISHED,
        "personal_data": None,
        "has_personal_data": False,
        "updated_at": now,
        "version": contribution.version + 1,
    }
    if contribution.published_at is None:
        values["published_at"] = now
    result = await session.exec(
        update(Contribution)
        .where(
            col(Contribution.id) == contribution_id,
            col(Contribution.version) == contribution.version,
        )
        .values(**values)
    )
    if result.rowcount != 1:
        await session.rollback()
        raise Stale()
    # The first original is the author's own words: a second redaction keeps it.
    if await session.get(RedactedOriginal, contribution_id) is None:
        session.add(
            RedactedOriginal(
                contribution_id=contribution_id,
                title=original_title,
                body=original_body,
                spans=spans,
                redacted_at=now,
                redacted_by_id=actor.id,
            )
        )
    kinds = ", ".join(dict.fromkeys(kind_label(str(s.get("kind"))) for s in spans))
    session.add(
        ModerationEvent(
            contribution_id=contribution_id,
            actor_id=actor.id,
            action=ModerationAction.PUBLISH_REDACTED,
            from_status=from_status,
            to_status=ContributionStatus.PUBLISHED,
            reason=_("Removed: %(kinds)s") % {"kinds": kinds},
            created_at=now,
        )
    )
    await session.flush()
    await session.refresh(contribution)
    if from_status is not ContributionStatus.PUBLISHED:
        await notify_author(session, contribution, MailEvent.PUBLISHED)
    await session.commit()
    await session.refresh(contribution)
    if contribution.kind is ContributionKind.IDEA:
        similar.invalidate(contribution.process_id)
    return contribution


async def originals_of(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, RedactedOriginal]:
    """The kept originals of these contributions (for their author's follow page)."""
    if not contribution_ids:
        return {}
    rows = await session.exec(
        select(RedactedOriginal).where(
            col(RedactedOriginal.contribution_id).in_(list(contribution_ids))
        )
    )
    return {row.contribution_id: row for row in rows}
