"""The moderation log: who did what to which item, when, from which state to which, and why.

It keeps the events of deleted items too (see ModerationEvent): they show the item's id and
"(deleted)" instead of a title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import case, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution, ModerationAction, ModerationEvent, User
from participation.services.accounts.remit import EVERYWHERE, Scope

THEME_ACTIONS: Final = frozenset(
    {ModerationAction.CONFIRM_THEME, ModerationAction.REMOVE_THEME, ModerationAction.ADD_THEME}
)


@dataclass(frozen=True)
class LogEntry:
    event: ModerationEvent
    actor_email: str | None
    contribution_title: str | None  # None once the contribution is deleted
    idea_title: str | None = None  # for a comment, the title of its idea

    @property
    def deleted(self) -> bool:
        return self.event.contribution_id is None

    @property
    def item_id(self) -> int | None:
        """The contribution's id, also after it was deleted (None if it went with its process)."""
        return self.event.contribution_id or self.event.deleted_contribution_id

    @property
    def by_author(self) -> bool:
        """The author changed the item (through the follow link), not a moderator."""
        return self.event.action is ModerationAction.AUTHOR_EDIT

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
    session: AsyncSession,
    *,
    contribution_id: int | None = None,
    limit: int = 100,
    scope: Scope = EVERYWHERE,
) -> Sequence[LogEntry]:
    """The newest events first, with who acted and on what. A limited moderator sees the
    events of the items in their scope (not those of deleted items)."""
    idea = aliased(Contribution)
    query = (
        select(ModerationEvent, User.email, Contribution.title, idea.title)
        .outerjoin(Contribution, col(Contribution.id) == ModerationEvent.contribution_id)
        .outerjoin(idea, col(idea.id) == Contribution.parent_id)
        .outerjoin(User, col(User.id) == ModerationEvent.actor_id)
        .order_by(col(ModerationEvent.created_at).desc(), col(ModerationEvent.id).desc())
        .limit(limit)
    )
    if contribution_id is not None:
        query = query.where(ModerationEvent.contribution_id == contribution_id)
    if not scope.unrestricted:
        query = query.where(scope.contributions_in())
    return [
        LogEntry(event, email, title, idea_title)
        for event, email, title, idea_title in await session.exec(query)
    ]


async def keep_events_of_deleted(session: AsyncSession, contribution_id: int) -> None:
    """Before a contribution is deleted (with the comments on it): its events keep its id
    and lose their free-text reasons, which may quote it or address its author; a theme
    decision keeps the theme's name. The caller deletes and commits."""
    going = select(Contribution.id).where(
        or_(col(Contribution.id) == contribution_id, col(Contribution.parent_id) == contribution_id)
    )
    await session.exec(
        update(ModerationEvent)
        .where(col(ModerationEvent.contribution_id).in_(going))
        .values(
            deleted_contribution_id=ModerationEvent.contribution_id,
            reason=case(
                (col(ModerationEvent.action).in_(list(THEME_ACTIONS)), ModerationEvent.reason),
                else_="",
            ),
        )
    )
