"""The moderation queue, the themes moderators confirm or correct, and the moderation log.

Every state change goes through `_transition`, which writes the event in the same
transaction and only succeeds if the item is still in the state the moderator saw:
two moderators acting on one idea cannot overwrite each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from sqlalchemy import update
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import parse_int
from participation.labels import label
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    Process,
    ReportStatus,
    Theme,
    ThemeSource,
    User,
    utcnow,
)
from participation.services import similar
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.services.mail import MailEvent, notify_author
from participation.services.processes import list_themes
from participation.services.reports import ReportedItem, open_reports, resolve_reports
from participation.services.tagging import set_theme_rows

REASON_MAX: Final = 1000

# action -> (states it may start from, state it leads to)
TRANSITIONS: Final[
    dict[ModerationAction, tuple[frozenset[ContributionStatus], ContributionStatus]]
] = {
    ModerationAction.APPROVE: (
        frozenset(
            {ContributionStatus.PENDING, ContributionStatus.REJECTED, ContributionStatus.HIDDEN}
        ),
        ContributionStatus.PUBLISHED,
    ),
    ModerationAction.REJECT: (
        frozenset({ContributionStatus.PENDING, ContributionStatus.PUBLISHED}),
        ContributionStatus.REJECTED,
    ),
    # Under post-moderation moderators take published items (often reported ones) down.
    ModerationAction.HIDE: (
        frozenset({ContributionStatus.PENDING, ContributionStatus.PUBLISHED}),
        ContributionStatus.HIDDEN,
    ),
    # The item stays in the queue; its author sees the request behind the follow link and
    # may change the text there (see services/follow.py).
    ModerationAction.REQUEST_CHANGES: (
        frozenset({ContributionStatus.PENDING}),
        ContributionStatus.PENDING,
    ),
}
ANSWER_MAX: Final = 5000
# What the author of an idea is told about each decision (if they asked for e-mail).
AUTHOR_MAILS: Final[dict[ModerationAction, MailEvent]] = {
    ModerationAction.APPROVE: MailEvent.PUBLISHED,
    ModerationAction.REJECT: MailEvent.REJECTED,
    ModerationAction.HIDE: MailEvent.HIDDEN,
    ModerationAction.REQUEST_CHANGES: MailEvent.CHANGES_REQUESTED,
}


@dataclass(frozen=True)
class ItemTheme:
    """A theme on a contribution as moderators see it: suggested, confirmed or rejected."""

    theme: Theme
    source: ThemeSource
    score: float | None  # the tagger's, 0..1; None for themes a moderator added
    evidence: tuple[str, ...]  # the words that drove the suggestion


@dataclass(frozen=True)
class QueueItem:
    contribution: Contribution
    process: Process
    themes: Sequence[ItemTheme] = ()
    taxonomy: Sequence[Theme] = field(default=())  # the process's themes, for adding one
    idea: Contribution | None = None  # the idea a comment is about

    @property
    def is_comment(self) -> bool:
        return self.contribution.kind is ContributionKind.COMMENT

    @property
    def suggested(self) -> list[ItemTheme]:
        """Suggestions still waiting for a decision, likeliest first."""
        waiting = [t for t in self.themes if t.source is ThemeSource.SUGGESTED]
        return sorted(waiting, key=lambda t: -(t.score or 0))

    @property
    def confirmed(self) -> list[ItemTheme]:
        return [t for t in self.themes if t.source is ThemeSource.CONFIRMED]

    @property
    def addable(self) -> list[Theme]:
        """Themes a moderator may still add: all but those confirmed already."""
        taken = {t.theme.id for t in self.confirmed}
        return [t for t in self.taxonomy if t.id not in taken]


# "oldest": first come, first served. "informative": the items the tagger is least sure
# about first, so each decision teaches the next model most (active learning).
QueueOrder = Literal["oldest", "informative"]


async def item_themes(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, list[ItemTheme]]:
    if not contribution_ids:
        return {}
    rows = await session.exec(
        select(ContributionTheme, Theme)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(col(ContributionTheme.contribution_id).in_(contribution_ids))
        .order_by(col(Theme.position))
    )
    by_contribution: dict[int, list[ItemTheme]] = {}
    for row, theme in rows:
        item = ItemTheme(theme, row.source, row.score, tuple(row.evidence or ()))
        by_contribution.setdefault(row.contribution_id, []).append(item)
    return by_contribution


async def _with_themes(
    session: AsyncSession, pairs: Sequence[tuple[Contribution, Process]]
) -> list[QueueItem]:
    themes = await item_themes(session, [c.id for c, _ in pairs if c.id is not None])
    taxonomies: dict[int, list[Theme]] = {}
    for _contribution, process in pairs:
        if process.id is not None and process.id not in taxonomies:
            taxonomies[process.id] = await list_themes(session, process.id)
    ideas = await _ideas_of(session, [c for c, _ in pairs])
    return [
        QueueItem(
            c,
            p,
            themes.get(c.id or 0, []),
            taxonomies.get(p.id or 0, []),
            ideas.get(c.parent_id) if c.parent_id is not None else None,
        )
        for c, p in pairs
    ]


async def _ideas_of(
    session: AsyncSession, contributions: Sequence[Contribution]
) -> dict[int, Contribution]:
    """The ideas that comments among `contributions` are about, by id."""
    ids = {c.parent_id for c in contributions if c.parent_id is not None}
    if not ids:
        return {}
    rows = await session.exec(select(Contribution).where(col(Contribution.id).in_(ids)))
    return {c.id: c for c in rows if c.id is not None}


async def pending_queue(
    session: AsyncSession, limit: int = 50, order: QueueOrder = "oldest"
) -> tuple[list[QueueItem], int]:
    """Pending ideas and comments with their themes, oldest first or most informative first,
    and how many there are."""
    where = (
        Contribution.status == ContributionStatus.PENDING,
        col(Contribution.kind).in_([ContributionKind.IDEA, ContributionKind.COMMENT]),
    )
    total = (await session.exec(select(func.count()).select_from(Contribution).where(*where))).one()
    oldest = (col(Contribution.created_at), col(Contribution.id))
    ordering = (
        (col(Contribution.theme_uncertainty).desc().nulls_last(), *oldest)
        if order == "informative"
        else oldest
    )
    rows = await session.exec(
        select(Contribution, Process)
        .join(Process, col(Process.id) == Contribution.process_id)
        .where(*where)
        .order_by(*ordering)
        .limit(limit)
    )
    return await _with_themes(session, list(rows)), total


async def queue_item(session: AsyncSession, contribution_id: int) -> QueueItem:
    """One contribution as the queue shows it, with its themes."""
    contribution = await get_contribution(session, contribution_id)
    process = await session.get(Process, contribution.process_id)
    assert process is not None
    return (await _with_themes(session, [(contribution, process)]))[0]


async def get_contribution(session: AsyncSession, contribution_id: int) -> Contribution:
    contribution = await session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFound(_("This contribution does not exist."))
    return contribution


async def _transition(
    session: AsyncSession,
    contribution_id: int,
    action: ModerationAction,
    actor: User,
    reason: str = "",
) -> Contribution:
    contribution = await get_contribution(session, contribution_id)
    allowed_from, to_status = TRANSITIONS[action]
    from_status = contribution.status
    if from_status not in allowed_from:
        raise Conflict(
            _("This contribution is already %(status)s.") % {"status": label(from_status)}
        )
    now = utcnow()
    values: dict[str, object] = {"status": to_status}
    if to_status is ContributionStatus.PUBLISHED and contribution.published_at is None:
        values["published_at"] = now
    result = await session.exec(
        update(Contribution)
        .where(col(Contribution.id) == contribution_id, col(Contribution.status) == from_status)
        .values(**values)
    )
    if result.rowcount != 1:
        await session.rollback()
        raise Conflict(_("Someone else has just handled this contribution."))
    if to_status in {ContributionStatus.HIDDEN, ContributionStatus.REJECTED}:
        # Taking an item down settles the public reports about it.
        await resolve_reports(session, contribution_id, actor, ReportStatus.ACTED)
    session.add(
        ModerationEvent(
            contribution_id=contribution_id,
            actor_id=actor.id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            created_at=now,
        )
    )
    contribution.status = to_status  # as the UPDATE above left it, for the mail's text
    await notify_author(session, contribution, AUTHOR_MAILS[action], reason=reason)
    await session.commit()
    await session.refresh(contribution)
    if (
        ContributionStatus.PUBLISHED in {from_status, to_status}
        and contribution.kind is ContributionKind.IDEA
    ):
        similar.invalidate(contribution.process_id)
    return contribution


async def approve(session: AsyncSession, contribution_id: int, actor: User) -> Contribution:
    return await _transition(session, contribution_id, ModerationAction.APPROVE, actor)


async def reject(
    session: AsyncSession, contribution_id: int, actor: User, reason: str
) -> Contribution:
    """Reject with a reason; the author sees the reason behind their follow link."""
    reason = _required_reason(reason)
    return await _transition(session, contribution_id, ModerationAction.REJECT, actor, reason)


async def request_changes(
    session: AsyncSession, contribution_id: int, actor: User, reason: str
) -> Contribution:
    """Ask the author of a pending item to change it, saying what; it stays pending."""
    reason = _required_reason(reason)
    return await _transition(
        session, contribution_id, ModerationAction.REQUEST_CHANGES, actor, reason
    )


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": _("Please give a reason; the author will see it.")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            {"reason": _("Please use at most %(n)d characters.") % {"n": REASON_MAX}}
        )
    return reason


async def hide(
    session: AsyncSession, contribution_id: int, actor: User, reason: str = ""
) -> Contribution:
    """Take a published (or pending) idea or comment off the public pages; its open reports
    count as acted on."""
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            {"reason": _("Please use at most %(n)d characters.") % {"n": REASON_MAX}}
        )
    return await _transition(session, contribution_id, ModerationAction.HIDE, actor, reason)


async def set_answer(
    session: AsyncSession, contribution_id: int, actor: User, text: str
) -> Contribution:
    """Write, change or (with an empty text) remove the moderators' public answer to an idea.
    Every change goes into the moderation log with the answer as it now reads."""
    contribution = await get_contribution(session, contribution_id)
    if contribution.kind is not ContributionKind.IDEA:
        raise ValidationFailed({"answer": _("Only ideas get an answer.")})
    text = text.replace("\r\n", "\n").strip()
    if len(text) > ANSWER_MAX:
        raise ValidationFailed(
            {"answer": _("Please use at most %(n)d characters.") % {"n": ANSWER_MAX}}
        )
    if text == contribution.answer:
        return contribution
    now = utcnow()
    contribution.answer = text
    contribution.answered_at = now if text else None
    session.add(contribution)
    session.add(
        ModerationEvent(
            contribution_id=contribution_id,
            actor_id=actor.id,
            action=ModerationAction.ANSWER,
            from_status=contribution.status,
            to_status=contribution.status,
            reason=text,
            created_at=now,
        )
    )
    if text:  # a removed answer is not news worth a mail
        await notify_author(session, contribution, MailEvent.ANSWERED)
    await session.commit()
    await session.refresh(contribution)
    return contribution


@dataclass(frozen=True)
class ModeratedItem:
    """One idea or comment on its own moderation page: what it is, its reports, its log."""

    contribution: Contribution
    process: Process
    idea: Contribution | None  # the idea a comment is about
    reports: ReportedItem | None  # its open reports, if any
    log: Sequence[LogEntry]

    @property
    def is_comment(self) -> bool:
        return self.contribution.kind is ContributionKind.COMMENT


async def moderated_item(session: AsyncSession, contribution_id: int) -> ModeratedItem:
    contribution = await get_contribution(session, contribution_id)
    process = await session.get(Process, contribution.process_id)
    assert process is not None
    idea = (
        await session.get(Contribution, contribution.parent_id)
        if contribution.parent_id is not None
        else None
    )
    reported = [r for r in await open_reports(session) if r.contribution.id == contribution_id]
    return ModeratedItem(
        contribution=contribution,
        process=process,
        idea=idea,
        reports=reported[0] if reported else None,
        log=await moderation_log(session, contribution_id=contribution_id),
    )


ThemeDecision = Literal["confirm", "reject"]
_SOURCES: Final[dict[str, ThemeSource]] = {
    "confirm": ThemeSource.CONFIRMED,
    "reject": ThemeSource.REJECTED,
}


THEME_ACTIONS: Final = frozenset(
    {ModerationAction.CONFIRM_THEME, ModerationAction.REMOVE_THEME, ModerationAction.ADD_THEME}
)


def _theme_action(before: ThemeSource | None, after: ThemeSource) -> ModerationAction:
    if after is ThemeSource.REJECTED:
        return ModerationAction.REMOVE_THEME
    if before is ThemeSource.SUGGESTED:
        return ModerationAction.CONFIRM_THEME
    return ModerationAction.ADD_THEME  # not suggested, or removed before


async def decide_theme(
    session: AsyncSession,
    contribution_id: int,
    theme_id: str | int,
    decision: str,
    actor: User,
) -> tuple[Contribution, Theme, ThemeSource]:
    """Confirm or reject a theme on a contribution: a suggestion, one confirmed before (to
    take it back), or one the moderator adds. Confirmed themes are what the tagger learns
    from next time. Each change goes into the moderation log with the theme's name; a
    decision that changes nothing (a form sent twice) is not logged again."""
    contribution = await get_contribution(session, contribution_id)
    source = _SOURCES.get(decision)
    if source is None:
        raise ValidationFailed(
            {"decision": _("Please choose to confirm or remove the action field.")}
        )
    number = parse_int(str(theme_id)) or 0
    theme = await session.get(Theme, number) if number else None
    if theme is None or theme.process_id != contribution.process_id:
        raise ValidationFailed({"theme": _("Please choose an action field of this process.")})
    assert theme.id is not None
    stored = (
        await session.exec(
            select(ContributionTheme.source).where(
                ContributionTheme.contribution_id == contribution_id,
                ContributionTheme.theme_id == theme.id,
            )
        )
    ).first()
    before = ThemeSource(stored) if stored is not None else None
    if before is source:
        return contribution, theme, source
    await set_theme_rows(
        session,
        [{"contribution_id": contribution_id, "theme_id": theme.id, "source": source.value}],
        over_suggestions_only=False,
    )
    session.add(
        ModerationEvent(
            contribution_id=contribution_id,
            actor_id=actor.id,
            action=_theme_action(before, source),
            from_status=contribution.status,
            to_status=contribution.status,
            reason=theme.name,
        )
    )
    await session.commit()
    return contribution, theme, source


@dataclass(frozen=True)
class LogEntry:
    event: ModerationEvent
    actor_email: str | None
    contribution_title: str
    idea_title: str | None = None  # for a comment, the title of its idea

    @property
    def theme_name(self) -> str | None:
        """The action field a theme decision was about; None for other events."""
        return self.event.reason if self.event.action in THEME_ACTIONS else None

    @property
    def reason(self) -> str:
        """Why the moderator decided; "" for theme decisions (their reason is the theme)."""
        return "" if self.theme_name is not None else self.event.reason

    @property
    def status_changed(self) -> bool:
        return self.event.from_status != self.event.to_status


async def moderation_log(
    session: AsyncSession, *, contribution_id: int | None = None, limit: int = 100
) -> Sequence[LogEntry]:
    """The newest events first, with who acted and on what."""
    idea = aliased(Contribution)
    query = (
        select(ModerationEvent, User.email, Contribution.title, idea.title)
        .join(Contribution, col(Contribution.id) == ModerationEvent.contribution_id)
        .outerjoin(idea, col(idea.id) == Contribution.parent_id)
        .outerjoin(User, col(User.id) == ModerationEvent.actor_id)
        .order_by(col(ModerationEvent.created_at).desc(), col(ModerationEvent.id).desc())
        .limit(limit)
    )
    if contribution_id is not None:
        query = query.where(ModerationEvent.contribution_id == contribution_id)
    return [
        LogEntry(event, email, title, idea_title)
        for event, email, title, idea_title in await session.exec(query)
    ]
