"""Moderation decisions: approve, reject with a reason, ask the author for changes, hide, the
public answer, and the action fields moderators confirm or correct. The queue that offers
them is in moderation_queue.py, the log in moderation_log.py.

Every decision names the version of the item the moderator's page showed
(`Contribution.version`). It is written with a conditional UPDATE on that version, together
with its event, in one transaction: a decision on an item that changed since (another
moderator decided, the author edited it) raises `Stale` and changes nothing, so two
moderators cannot overwrite each other. A theme decision names the theme's state as shown.
"""

from __future__ import annotations

from typing import Final, Literal

from sqlalchemy import update
from sqlmodel import col, select
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
    ReportStatus,
    Theme,
    ThemeSource,
    User,
    utcnow,
)
from participation.services import similar
from participation.services.duplicates import forget_open_pairs
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.services.mail import MailEvent, notify_author
from participation.services.reports import resolve_reports
from participation.services.tagging import set_theme_rows

REASON_MAX: Final = 1000
ANSWER_MAX: Final = 5000

_IN_QUEUE: Final = frozenset({ContributionStatus.PENDING, ContributionStatus.AWAITING_CHANGES})
# action -> (states it may start from, state it leads to)
TRANSITIONS: Final[
    dict[ModerationAction, tuple[frozenset[ContributionStatus], ContributionStatus]]
] = {
    ModerationAction.APPROVE: (
        _IN_QUEUE | {ContributionStatus.REJECTED, ContributionStatus.HIDDEN},
        ContributionStatus.PUBLISHED,
    ),
    ModerationAction.REJECT: (
        _IN_QUEUE | {ContributionStatus.PUBLISHED},
        ContributionStatus.REJECTED,
    ),
    # Under post-moderation moderators take published items (often reported ones) down.
    ModerationAction.HIDE: (
        _IN_QUEUE | {ContributionStatus.PUBLISHED},
        ContributionStatus.HIDDEN,
    ),
    # Out of the queue until the author edits it behind the follow link (services/follow.py).
    ModerationAction.REQUEST_CHANGES: (
        frozenset({ContributionStatus.PENDING}),
        ContributionStatus.AWAITING_CHANGES,
    ),
}
# What the author of an idea is told about each decision (if they asked for e-mail).
AUTHOR_MAILS: Final[dict[ModerationAction, MailEvent]] = {
    ModerationAction.APPROVE: MailEvent.PUBLISHED,
    ModerationAction.REJECT: MailEvent.REJECTED,
    ModerationAction.HIDE: MailEvent.HIDDEN,
    ModerationAction.REQUEST_CHANGES: MailEvent.CHANGES_REQUESTED,
}


class Stale(Conflict):
    """The item changed since the moderator's page showed it; nothing was changed."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "This contribution has changed since your page showed it. Nothing was saved: "
                "see what changed below and decide again."
            )
        )


def may_ask_for_changes(contribution: Contribution) -> bool:
    """Only an idea whose author has a follow link can be changed by its author."""
    return (
        contribution.kind is ContributionKind.IDEA
        and contribution.follow_token_hash is not None
        and contribution.status is ContributionStatus.PENDING
    )


async def get_contribution(session: AsyncSession, contribution_id: int) -> Contribution:
    contribution = await session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFound(_("This contribution does not exist."))
    return contribution


def _check_version(contribution: Contribution, version: int | None) -> None:
    """`version` is what the moderator's form showed; None skips the check (commands, seeds)."""
    if version is not None and version != contribution.version:
        raise Stale()


async def _claim(session: AsyncSession, contribution: Contribution, **values: object) -> None:
    """Write `values` and the next version only if nobody changed the item meanwhile."""
    result = await session.exec(
        update(Contribution)
        .where(
            col(Contribution.id) == contribution.id,
            col(Contribution.version) == contribution.version,
        )
        .values(version=contribution.version + 1, **values)
    )
    if result.rowcount != 1:
        await session.rollback()
        raise Stale()


async def _transition(
    session: AsyncSession,
    contribution_id: int,
    action: ModerationAction,
    actor: User,
    reason: str,
    version: int | None,
    code: str | None = None,
) -> Contribution:
    contribution = await get_contribution(session, contribution_id)
    _check_version(contribution, version)
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
    await _claim(session, contribution, **values)
    if to_status in {ContributionStatus.HIDDEN, ContributionStatus.REJECTED}:
        # Taking an item down settles the public reports about it, and it is nobody's
        # likely duplicate any more (the next run of the duplicates job finds it again if
        # it comes back).
        await resolve_reports(session, contribution_id, actor, ReportStatus.ACTED)
        await forget_open_pairs(session, contribution_id)
    session.add(
        ModerationEvent(
            contribution_id=contribution_id,
            actor_id=actor.id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            reason_code=code,
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


async def approve(
    session: AsyncSession, contribution_id: int, actor: User, *, version: int | None = None
) -> Contribution:
    """Publish: an idea or comment appears on the public pages; a survey answer counts in
    the analysis."""
    return await _transition(session, contribution_id, ModerationAction.APPROVE, actor, "", version)


async def reject(
    session: AsyncSession,
    contribution_id: int,
    actor: User,
    reason: str,
    *,
    version: int | None = None,
    code: str | None = None,
) -> Contribution:
    """Reject with a reason; the author sees the reason behind their follow link. `code`
    says what kind of rejection it was ("spam", "abuse"), for the spam classifier."""
    reason = _required_reason(reason)
    return await _transition(
        session, contribution_id, ModerationAction.REJECT, actor, reason, version, code
    )


async def request_changes(
    session: AsyncSession,
    contribution_id: int,
    actor: User,
    reason: str,
    *,
    version: int | None = None,
) -> Contribution:
    """Ask the author of a pending idea to change it, saying what: it waits for them, out of
    the queue, until they edit it behind their follow link."""
    reason = _required_reason(reason)
    contribution = await get_contribution(session, contribution_id)
    if not may_ask_for_changes(contribution) and contribution.status is ContributionStatus.PENDING:
        raise ValidationFailed(
            {
                "reason": _(
                    "Nobody could read this request: only ideas sent with a private follow "
                    "link can be changed by their authors. Approve or reject it."
                )
            }
        )
    return await _transition(
        session, contribution_id, ModerationAction.REQUEST_CHANGES, actor, reason, version
    )


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": _("Please give a reason; the author will see it.")})
    return _short_enough(reason)


def _short_enough(reason: str) -> str:
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            {"reason": _("Please use at most %(n)d characters.") % {"n": REASON_MAX}}
        )
    return reason


async def hide(
    session: AsyncSession,
    contribution_id: int,
    actor: User,
    reason: str = "",
    *,
    version: int | None = None,
) -> Contribution:
    """Take a published (or pending) idea or comment off the public pages; its open reports
    count as acted on."""
    reason = _short_enough(reason.strip())
    return await _transition(
        session, contribution_id, ModerationAction.HIDE, actor, reason, version
    )


async def set_answer(
    session: AsyncSession,
    contribution_id: int,
    actor: User,
    text: str,
    *,
    version: int | None = None,
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
    _check_version(contribution, version)
    if text == contribution.answer:
        return contribution
    now = utcnow()
    await _claim(session, contribution, answer=text, answered_at=now if text else None)
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
    contribution.answer = text  # as the UPDATE above left it, for the mail's text
    if text:  # a removed answer is not news worth a mail
        await notify_author(session, contribution, MailEvent.ANSWERED)
    await session.commit()
    await session.refresh(contribution)
    return contribution


# --- action fields -------------------------------------------------------------------------------

ThemeDecision = Literal["confirm", "reject"]
_SOURCES: Final[dict[str, ThemeSource]] = {
    "confirm": ThemeSource.CONFIRMED,
    "reject": ThemeSource.REJECTED,
}
# The state of a theme on an item as a form names it ("none": not on the item).
NOT_ON_ITEM: Final = "none"
THEME_STATES: Final = frozenset({*(s.value for s in ThemeSource), NOT_ON_ITEM})


def theme_state(source: ThemeSource | None) -> str:
    return source.value if source is not None else NOT_ON_ITEM


def _theme_state_text(source: ThemeSource | None) -> str:
    return {
        ThemeSource.SUGGESTED: _("suggested"),
        ThemeSource.CONFIRMED: _("confirmed"),
        ThemeSource.REJECTED: _("removed"),
        None: _("not on the contribution"),
    }[source]


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
    *,
    seen: str | None = None,
) -> tuple[Contribution, Theme, ThemeSource]:
    """Confirm or reject a theme on a contribution: a suggestion, one confirmed before (to
    take it back), or one the moderator adds. Confirmed themes are what the tagger learns
    from next time. Each change goes into the moderation log with the theme's name; a
    decision that changes nothing (a form sent twice) is not logged again.

    `seen` is the theme's state on the moderator's page (see `theme_state`); if another
    moderator changed it since, the decision raises Stale. Adding from the list names none."""
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
    if seen is not None and seen != theme_state(before):
        raise Stale(
            _("The action field “%(theme)s” was changed meanwhile: it is %(state)s now.")
            % {"theme": theme.name, "state": _theme_state_text(before)}
        )
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
