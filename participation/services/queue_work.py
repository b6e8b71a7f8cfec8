"""Working the queue together: giving an item to a colleague (or taking it back), internal
notes on any contribution, and decisions on many items at once.

- An assignment is no decision: it leaves the item's version alone, so nobody's open form
  goes stale because a colleague took the item on. It goes into the moderation log.
- A note is for staff only (never on a public page or the author's follow page) and goes
  into the log with its text; deleting the contribution clears it from the log with the
  other free texts (moderation_log.keep_events_of_deleted) and deletes the note.
- A bulk action takes each chosen item through the same service as the single action
  (services/moderation.py: state checks, log events, mails) with the version the page
  showed: an item that changed meanwhile is reported back and left as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import parse_int
from participation.models import (
    Contribution,
    InternalNote,
    ModerationAction,
    ModerationEvent,
    QueueAssignment,
    User,
    utcnow,
)
from participation.services import moderation
from participation.services.accounts.remit import EVERYWHERE, Scope, load_scope
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.services.queue_scope import may_moderate

NOTE_MAX: Final = 2000


def _name(user: User) -> str:
    return user.display_name or user.email


# --- assignment ---------------------------------------------------------------------------------


async def assign(
    session: AsyncSession, contribution_id: int, assignee_id: int | None, actor: User
) -> User | None:
    """Give the item to a colleague who may moderate (None: take it back); commits. Returns
    the assignee. Giving it to whoever has it already changes nothing and logs nothing."""
    contribution = await moderation.get_contribution(session, contribution_id)
    assignee = await _assignable(session, assignee_id)
    if assignee is not None and not (await load_scope(session, assignee)).allows_process(
        contribution.process_id
    ):
        raise ValidationFailed(
            {"assignee": _("%(name)s does not work in this process.") % {"name": _name(assignee)}}
        )
    current = await session.get(QueueAssignment, contribution_id)
    if (current.assignee_id if current else None) == (assignee.id if assignee else None):
        return assignee
    if assignee is None:
        await session.exec(
            delete(QueueAssignment).where(col(QueueAssignment.contribution_id) == contribution_id)
        )
    elif current is None:
        session.add(
            QueueAssignment(
                contribution_id=contribution_id,
                assignee_id=assignee.id or 0,
                assigned_by_id=actor.id,
            )
        )
    else:
        current.assignee_id = assignee.id or 0
        current.assigned_by_id = actor.id
        current.assigned_at = utcnow()
    session.add(
        _event(
            contribution,
            actor,
            ModerationAction.ASSIGN if assignee else ModerationAction.UNASSIGN,
            _name(assignee) if assignee else "",
        )
    )
    await session.commit()
    return assignee


async def _assignable(session: AsyncSession, assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return None
    user = await session.get(User, assignee_id)
    if user is None or not may_moderate(user):
        raise ValidationFailed({"assignee": _("Please choose a colleague who moderates.")})
    return user


def parse_assignee(value: str | None) -> int | None:
    """The colleague a form names ("" or "none": nobody); ValidationFailed if garbled."""
    text = (value or "").strip()
    if text in {"", "none"}:
        return None
    number = parse_int(text, minimum=1)
    if number is None:
        raise ValidationFailed({"assignee": _("Please choose a colleague who moderates.")})
    return number


# --- internal notes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    note: InternalNote
    author: str | None  # None once the account is gone


async def add_note(
    session: AsyncSession, contribution_id: int, author: User, text: str
) -> InternalNote:
    """A note for colleagues on any contribution; logged with its text. Commits."""
    contribution = await moderation.get_contribution(session, contribution_id)
    body = text.replace("\r\n", "\n").strip()
    if not body:
        raise ValidationFailed({"note": _("Please write the note.")})
    if len(body) > NOTE_MAX:
        raise ValidationFailed(
            {"note": _("Please use at most %(n)d characters.") % {"n": NOTE_MAX}}
        )
    note = InternalNote(contribution_id=contribution_id, author_id=author.id, body=body)
    session.add(note)
    session.add(_event(contribution, author, ModerationAction.NOTE, body))
    await session.commit()
    return note


async def notes_of(session: AsyncSession, contribution_id: int) -> list[Note]:
    """An item's notes, oldest first, with who wrote each."""
    rows = await session.exec(
        select(InternalNote, User)
        .outerjoin(User, col(User.id) == InternalNote.author_id)
        .where(InternalNote.contribution_id == contribution_id)
        .order_by(col(InternalNote.id))
    )
    return [Note(note, _name(user) if user else None) for note, user in rows]


def _event(
    contribution: Contribution, actor: User, action: ModerationAction, reason: str
) -> ModerationEvent:
    return ModerationEvent(
        contribution_id=contribution.id,
        actor_id=actor.id,
        action=action,
        from_status=contribution.status,
        to_status=contribution.status,
        reason=reason,
    )


# --- bulk actions -------------------------------------------------------------------------------

BulkAction = Literal["approve", "reject", "theme", "assign"]
BULK_ACTIONS: Final = frozenset({"approve", "reject", "theme", "assign"})


@dataclass
class BulkResult:
    """What a bulk action did: the items done, those that changed meanwhile (left as they
    are), and those the action does not fit (e.g. an action field of another process)."""

    done: list[Contribution] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)

    @property
    def chosen(self) -> int:
        return len(self.done) + len(self.stale) + len(self.refused)


def chosen_versions(data: Mapping[str, str], *, whole_page: bool) -> dict[int, int]:
    """The chosen items and the version each had on the page: checkboxes `c-<id>`, versions
    `v-<id>` (every item of the page has one; with `whole_page` all of them count)."""
    versions: dict[int, int] = {}
    for name, value in data.items():
        if not name.startswith("v-"):
            continue
        number = parse_int(name.removeprefix("v-"))
        version = parse_int(value)
        if number is None or version is None:
            continue
        if whole_page or data.get(f"c-{number}") == "on":
            versions[number] = version
    return versions


async def bulk(
    session: AsyncSession,
    action: str,
    versions: Mapping[int, int],
    actor: User,
    *,
    reason: str = "",
    theme: str = "",
    assignee: str = "",
    code: str | None = None,
    remit: Scope = EVERYWHERE,
) -> BulkResult:
    """One action on many items, each through the single action's rules; items outside the
    actor's remit are refused, not done. A rejection's `code` ("spam", "abuse") is kept for
    the spam classifier as a single rejection's is. Raises ValidationFailed (nothing done)
    for a missing reason, action field or colleague."""
    if action not in BULK_ACTIONS:
        raise ValidationFailed({"action": _("Please choose what to do with the chosen items.")})
    if not versions:
        raise ValidationFailed({"items": _("Please choose at least one contribution.")})
    step = await _step(
        session, action, actor, reason=reason, theme=theme, assignee=assignee, code=code
    )
    result = BulkResult()
    within = await _within(session, list(versions), remit)
    for contribution_id, version in sorted(versions.items()):
        if contribution_id not in within:
            result.refused.append(contribution_id)
            continue
        try:
            contribution = await moderation.get_contribution(session, contribution_id)
            if contribution.version != version:
                raise moderation.Stale()
            result.done.append(await step(contribution, version))
        except (moderation.Stale, NotFound):  # decided, edited or deleted meanwhile
            result.stale.append(contribution_id)
        except (Conflict, ValidationFailed):
            await session.rollback()
            result.refused.append(contribution_id)
    return result


async def _within(session: AsyncSession, ids: list[int], remit: Scope) -> set[int]:
    """Those of `ids` in the remit (all of them for a moderator without one)."""
    if remit.unrestricted:
        return set(ids)
    found = await session.exec(
        select(Contribution.id).where(col(Contribution.id).in_(ids), remit.contributions_in())
    )
    return {i for i in found.all() if i is not None}


Step = Callable[[Contribution, int], Awaitable[Contribution]]


async def _step(
    session: AsyncSession,
    action: str,
    actor: User,
    *,
    reason: str,
    theme: str,
    assignee: str,
    code: str | None,
) -> Step:
    """The single action for one item, its inputs checked once for all items."""
    if action == "reject":
        reason = reason.strip()
        if not reason:
            raise ValidationFailed({"reason": _("Please give a reason; the authors will see it.")})
        if len(reason) > moderation.REASON_MAX:
            raise ValidationFailed(
                {"reason": _("Please use at most %(n)d characters.") % {"n": moderation.REASON_MAX}}
            )
    if action == "theme" and parse_int(theme, minimum=1) is None:
        raise ValidationFailed({"theme": _("Please choose an action field.")})
    assignee_id = parse_assignee(assignee) if action == "assign" else None
    if action == "assign":
        await _assignable(session, assignee_id)

    async def step(contribution: Contribution, version: int) -> Contribution:
        cid = contribution.id or 0
        if action == "approve":
            return await moderation.approve(session, cid, actor, version=version)
        if action == "reject":
            return await moderation.reject(session, cid, actor, reason, version=version, code=code)
        if action == "theme":
            done, _theme, _source = await moderation.decide_theme(
                session, cid, theme, "confirm", actor
            )
            return done
        await assign(session, cid, assignee_id, actor)
        return contribution

    return step
