"""Live sessions (the focus group of old, now for any audience and format): the
facilitator's sessions and board, joining with a code and a name, ideas and dots, and closing
(the ideas go to the moderation queue). The tables keep the focus-group names; see
participation/models/focus_groups.py.

Pupils give no personal data: a member is a pseudonym and the SHA-256 of a random token that
lives only in their browser's cookie. Other audiences may give their organisation when
joining (firms also a WZ 2008 section and size class), never an account or an address. Each
member has a budget of dots in all (the session's `dots_per_member`, 3 unless the facilitator
chose otherwise), gives at most three to one idea and, unless the facilitator allows it, none
to their own. Dots are counted with single conditional statements (the member's kept count,
then the idea's dots, in one transaction), so 60 members clicking at once can neither lose a
dot nor give more than their budget or an idea a fourth one.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import CursorResult, case, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import MAX_ID, parse_int
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    FocusGroupDot,
    FocusGroupIdea,
    FocusGroupMember,
    FocusGroupPrompt,
    FocusGroupSession,
    LiveAudience,
    LiveFormat,
    Process,
    Role,
    User,
    utcnow,
)
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.contributions import hash_token
from participation.services.errors import NotFound, ValidationFailed
from participation.services.live_prompts import (
    current_prompt,
    parse_prompts,
    prompt_in,
    prompts_of,
    source_label,
)
from participation.services.pseudonyms import (
    clean_pseudonym,
    free_alternative,
    pseudonym_error,
    pseudonym_key,
)
from participation.services.triage.scoring import triage_new
from participation.wz2008 import SECTION_NAMES, SIZE_CLASSES

# No 0/O, 1/I/L: a code read off a projector must not be mistyped.
CODE_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH: Final = 6
_CODE_ATTEMPTS: Final = 20
HOURS_MIN, HOURS_MAX, HOURS_DEFAULT = 1, 8, 2
SESSION_TITLE_MAX: Final = 200
IDEA_TITLE_MIN, IDEA_TITLE_MAX, IDEA_BODY_MAX = 3, 120, 1000
DOTS_PER_IDEA: Final = 3
DOTS_MIN, DOTS_MAX, DOTS_DEFAULT = 1, 10, 3  # dots per member, as the facilitator chooses
ORGANISATION_MAX: Final = 200
_CHECKED: Final = frozenset({"on", "true", "1", "yes"})
# /mitmachen is not under the write limit per address (a class shares one school address), so
# these caps keep one pupil, or one script, from flooding a session.
IDEAS_PER_MEMBER: Final = 20
MEMBERS_PER_SESSION: Final = 200
# Joins per client address and session. A class of about 35 joins from its school's one
# address, and some pupils join twice (another browser, a lost cookie, a name they did not
# like): 45 lets such a class in. A script that creates members to fill the session or to
# multiply its dots stops there; the facilitator removes the members it made.
JOINS_PER_ADDRESS: Final = 45
# Adults meet at a venue (a conference hall, a chamber's seminar room) whose one wifi carries
# a whole conference table of 60 and more: their sessions let more in from one address.
ADULT_JOINS_PER_ADDRESS: Final = 120
MEMBER_COOKIE: Final = "fg_member"


class SessionState(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    CLOSED = "closed"


def session_state(session: FocusGroupSession, now: datetime | None = None) -> SessionState:
    if session.closed_at is not None:
        return SessionState.CLOSED
    if session.expires_at <= (now or utcnow()):
        return SessionState.EXPIRED
    return SessionState.OPEN


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a pupil typed, as stored: upper case, without spaces or hyphens."""
    return "".join(c for c in text.upper() if not c.isspace() and c != "-")


def _may_see_all(user: User) -> bool:
    return user.role in {Role.ADMIN, Role.MODERATOR}


def rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount


# --- the facilitator's sessions ------------------------------------------------------------------


@dataclass
class SessionForm:
    process_id: str = ""
    title: str = ""
    audience: str = LiveAudience.PUPILS.value
    format: str = LiveFormat.FOCUS_GROUP.value
    prompts: str = ""  # one per line
    hours: str = str(HOURS_DEFAULT)
    dots: str = str(DOTS_DEFAULT)
    exclude_own: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> SessionForm:
        return cls(
            process_id=data.get("process_id", "").strip(),
            title=" ".join(data.get("title", "").split()),
            audience=data.get("audience", LiveAudience.PUPILS.value).strip(),
            format=data.get("format", LiveFormat.FOCUS_GROUP.value).strip(),
            prompts=data.get("prompts", "").strip(),
            hours=data.get("hours", "").strip(),
            dots=data.get("dots", str(DOTS_DEFAULT)).strip(),
            # The box allows dots on one's own ideas: unticked (sending nothing) is the default.
            exclude_own=data.get("allow_own", "") not in _CHECKED,
        )


@dataclass(frozen=True)
class SessionSummary:
    session: FocusGroupSession
    process_title: str
    state: SessionState
    members: int
    ideas: int


async def process_choices(db: AsyncSession, scope: Scope = EVERYWHERE) -> list[Process]:
    query = select(Process).where(scope.processes_in(Process.id)).order_by(col(Process.title))
    return list(await db.exec(query))


async def create_session(
    db: AsyncSession, form: SessionForm, facilitator: User
) -> FocusGroupSession:
    """A new session with a unique join code. Raises ValidationFailed (and fills form.errors)."""
    errors: dict[str, str] = {}
    process = None
    if (process_id := parse_int(form.process_id)) is not None:
        process = await db.get(Process, process_id)
    if process is None:
        errors["process_id"] = _("Please choose a process.")
    if not form.title:
        errors["title"] = _("Please give the session a title, e.g. the school and class.")
    elif len(form.title) > SESSION_TITLE_MAX:
        errors["title"] = _("The title may be at most %(max)d characters long.") % {
            "max": SESSION_TITLE_MAX
        }
    hours = parse_int(form.hours) or 0
    if not HOURS_MIN <= hours <= HOURS_MAX:
        errors["hours"] = _("Please choose between %(min)d and %(max)d hours.") % {
            "min": HOURS_MIN,
            "max": HOURS_MAX,
        }
    dots = parse_int(form.dots) or 0
    if not DOTS_MIN <= dots <= DOTS_MAX:
        errors["dots"] = _("Please choose between %(min)d and %(max)d dots.") % {
            "min": DOTS_MIN,
            "max": DOTS_MAX,
        }
    if form.audience not in {a.value for a in LiveAudience}:
        errors["audience"] = _("Please choose who takes part.")
    if form.format not in {f.value for f in LiveFormat}:
        errors["format"] = _("Please choose the format of the session.")
    prompts, prompt_error = parse_prompts(form.prompts)
    if prompt_error:
        errors["prompts"] = prompt_error
    if errors or process is None or process.id is None:
        form.errors = errors
        raise ValidationFailed(errors)
    # Plain values: a rollback below expires the loaded rows.
    process_id, facilitator_id, now = process.id, facilitator.id, utcnow()
    for _attempt in range(_CODE_ATTEMPTS):
        session = FocusGroupSession(
            process_id=process_id,
            title=form.title,
            join_code=new_join_code(),
            facilitator_id=facilitator_id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            dots_per_member=dots,
            audience=LiveAudience(form.audience),
            format=LiveFormat(form.format),
            exclude_own_ideas=form.exclude_own,
        )
        db.add(session)
        try:
            await db.flush()
        except IntegrityError:  # the code is taken: 31^6 codes, so another draw will do
            await db.rollback()
            continue
        assert session.id is not None
        db.add_all(
            FocusGroupPrompt(session_id=session.id, position=n, text=text)
            for n, text in enumerate(prompts)
        )
        await db.commit()
        return session
    raise RuntimeError("no free join code found")


async def list_sessions(
    db: AsyncSession, user: User, scope: Scope = EVERYWHERE
) -> list[SessionSummary]:
    """The user's sessions (moderators and admins: all in their scope), newest first, with
    their counts."""
    members = (
        select(func.count())
        .where(FocusGroupMember.session_id == FocusGroupSession.id)
        .scalar_subquery()
    )
    ideas = (
        select(func.count())
        .where(FocusGroupIdea.session_id == FocusGroupSession.id)
        .scalar_subquery()
    )
    query = (
        select(FocusGroupSession, Process.title, members, ideas)
        .join(Process, col(Process.id) == FocusGroupSession.process_id)
        .where(scope.processes_in(FocusGroupSession.process_id))
        .order_by(col(FocusGroupSession.created_at).desc(), col(FocusGroupSession.id).desc())
    )
    if not _may_see_all(user):
        query = query.where(FocusGroupSession.facilitator_id == user.id)
    now = utcnow()
    return [
        SessionSummary(s, title, session_state(s, now), n_members, n_ideas)
        for s, title, n_members, n_ideas in await db.exec(query)
    ]


async def session_for(db: AsyncSession, session_id: int, user: User) -> FocusGroupSession:
    """A session the user may run; NotFound for others' sessions too (they need not know)."""
    session = await db.get(FocusGroupSession, session_id) if session_id <= MAX_ID else None
    if session is None or not (_may_see_all(user) or session.facilitator_id == user.id):
        raise NotFound()
    return session


# --- ideas and the board ---------------------------------------------------------------------


@dataclass
class IdeaForm:
    title: str = ""
    body: str = ""
    # The facilitator's choice of prompt for a card or spoken input ("" for none); members'
    # ideas answer the prompt shown when they send them.
    prompt_id: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> IdeaForm:
        return cls(
            title=" ".join(data.get("title", "").split()),
            body=data.get("body", "").strip(),
            prompt_id=data.get("prompt_id", "").strip(),
        )


@dataclass(frozen=True)
class IdeaRow:
    idea: FocusGroupIdea
    pseudonym: str | None  # None: typed in from a paper card
    dots: int  # from everybody
    my_dots: int  # from the member looking at it
    own: bool = False  # the member looking at it wrote it


@dataclass(frozen=True)
class PromptGroup:
    """The ideas given to one prompt (prompt None: to none), for the board."""

    prompt: FocusGroupPrompt | None
    ideas: list[IdeaRow]
    current: bool = False


@dataclass(frozen=True)
class Board:
    session: FocusGroupSession
    state: SessionState
    members: int
    ideas: list[IdeaRow]
    prompts: list[FocusGroupPrompt] = field(default_factory=list)

    @property
    def dots(self) -> int:
        return sum(row.dots for row in self.ideas)

    @property
    def prompt(self) -> FocusGroupPrompt | None:
        """The prompt shown now; None in a session without prompts."""
        return current_prompt(self.session, self.prompts)

    def prompt_text(self, prompt_id: int | None) -> str:
        return next((p.text for p in self.prompts if p.id == prompt_id), "")

    @property
    def groups(self) -> list[PromptGroup]:
        """The ideas by prompt, in the prompts' order, each group in the board's order; the
        ideas without a prompt last (in a session without prompts: the only group)."""
        current = self.prompt
        by_prompt: dict[int | None, list[IdeaRow]] = {}
        for row in self.ideas:
            by_prompt.setdefault(row.idea.prompt_id, []).append(row)
        groups = [
            PromptGroup(p, by_prompt.get(p.id, []), current=p is current) for p in self.prompts
        ]
        if None in by_prompt or not self.prompts:
            groups.append(PromptGroup(None, by_prompt.get(None, [])))
        return groups

    @property
    def dots_left(self) -> int:
        """The dots the member looking at the board may still give."""
        return max(0, self.session.dots_per_member - sum(row.my_dots for row in self.ideas))


def session_must_be_open(session: FocusGroupSession) -> None:
    if session_state(session) is not SessionState.OPEN:
        raise ValidationFailed({"session": ended_message(session)})


def ended_message(session: FocusGroupSession) -> str:
    formal = session.audience.gives_organisation  # adults: "Sie", pupils: "du"
    if session.closed_at is not None:
        if formal:
            return _("This session has been closed. Thank you very much for your ideas!")
        return _("This session has been closed. Thank you for your ideas!")
    if formal:
        return _("This session has ended. Thank you very much for your ideas!")
    return _("This session has ended. Thank you for your ideas!")


async def add_idea(
    db: AsyncSession, session: FocusGroupSession, form: IdeaForm, member: FocusGroupMember | None
) -> FocusGroupIdea:
    """An idea from a member, or (member None) typed in by the facilitator from a paper card:
    the facilitator may still type in cards after the session expired, until closing it."""
    if member is not None or session.closed_at is not None:
        session_must_be_open(session)
    errors: dict[str, str] = {}
    if len(form.title) < IDEA_TITLE_MIN:
        errors["title"] = _("The title needs at least %(min)d characters.") % {
            "min": IDEA_TITLE_MIN
        }
    elif len(form.title) > IDEA_TITLE_MAX:
        errors["title"] = _("The title may be at most %(max)d characters long.") % {
            "max": IDEA_TITLE_MAX
        }
    if len(form.body) > IDEA_BODY_MAX:
        errors["body"] = _("The text may be at most %(max)d characters long.") % {
            "max": IDEA_BODY_MAX
        }
    prompt_id: int | None = None
    if member is not None:  # the prompt shown now
        shown = current_prompt(session, await prompts_of(db, session.id or 0))
        prompt_id = shown.id if shown else None
    elif form.prompt_id:
        chosen = await prompt_in(db, session, parse_int(form.prompt_id))
        if chosen is None:
            errors["prompt_id"] = _("Please choose one of the session's prompts.")
        else:
            prompt_id = chosen.id
    if member is not None and not errors:
        given = await db.exec(select(func.count()).where(FocusGroupIdea.member_id == member.id))
        if given.one() >= IDEAS_PER_MEMBER:
            if session.audience.gives_organisation:
                text = _(
                    "You have already added %(max)d ideas in this session. Thank you very "
                    "much! Please give your dots to the other ideas now."
                )
            else:
                text = _(
                    "You have already given %(max)d ideas in this session. Thank you! "
                    "Give dots to the others' ideas now."
                )
            errors["title"] = text % {"max": IDEAS_PER_MEMBER}
    if errors:
        form.errors = errors
        raise ValidationFailed(errors)
    assert session.id is not None
    idea = FocusGroupIdea(
        session_id=session.id,
        member_id=member.id if member else None,
        prompt_id=prompt_id,
        title=form.title,
        body=form.body,
        created_at=utcnow(),
    )
    db.add(idea)
    await db.commit()
    return idea


async def idea_rows(
    db: AsyncSession,
    session_id: int,
    member_id: int | None = None,
    *,
    by_dots: bool = False,
) -> list[IdeaRow]:
    """The session's ideas with their dots: newest first, or most dots first (the board)."""
    total = func.coalesce(func.sum(FocusGroupDot.dots), 0)
    mine = func.coalesce(
        func.sum(
            case((col(FocusGroupDot.member_id) == member_id, col(FocusGroupDot.dots)), else_=0)
        ),
        0,
    )
    query = (
        select(FocusGroupIdea, FocusGroupMember.pseudonym, total, mine)
        .outerjoin(FocusGroupMember, col(FocusGroupMember.id) == FocusGroupIdea.member_id)
        .outerjoin(FocusGroupDot, col(FocusGroupDot.idea_id) == FocusGroupIdea.id)
        .where(FocusGroupIdea.session_id == session_id)
        .group_by(col(FocusGroupIdea.id), col(FocusGroupMember.pseudonym))
    )
    newest = (col(FocusGroupIdea.created_at).desc(), col(FocusGroupIdea.id).desc())
    query = query.order_by(total.desc(), *newest) if by_dots else query.order_by(*newest)
    mine_only = member_id is not None
    return [
        IdeaRow(idea, pseudonym, int(dots), int(my), own=mine_only and idea.member_id == member_id)
        for idea, pseudonym, dots, my in await db.exec(query)
    ]


async def member_count(db: AsyncSession, session_id: int) -> int:
    return (
        await db.exec(
            select(func.count())
            .select_from(FocusGroupMember)
            .where(FocusGroupMember.session_id == session_id)
        )
    ).one()


async def board(
    db: AsyncSession,
    session: FocusGroupSession,
    member_id: int | None = None,
    *,
    by_dots: bool = False,
) -> Board:
    assert session.id is not None
    return Board(
        session=session,
        state=session_state(session),
        members=await member_count(db, session.id),
        ideas=await idea_rows(db, session.id, member_id, by_dots=by_dots),
        prompts=await prompts_of(db, session.id),
    )


# --- the facilitator's view of the members ----------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    member: FocusGroupMember
    ideas: int


async def members_of(db: AsyncSession, session_id: int) -> list[MemberRow]:
    """The session's pupils in the order they joined, with how many ideas each gave."""
    ideas = (
        select(func.count())
        .where(FocusGroupIdea.member_id == FocusGroupMember.id)
        .scalar_subquery()
    )
    query = (
        select(FocusGroupMember, ideas)
        .where(FocusGroupMember.session_id == session_id)
        .order_by(col(FocusGroupMember.joined_at), col(FocusGroupMember.id))
    )
    return [MemberRow(member, count) for member, count in await db.exec(query)]


async def member_in(
    db: AsyncSession, session: FocusGroupSession, member_id: int
) -> FocusGroupMember:
    member = await db.get(FocusGroupMember, member_id) if member_id <= MAX_ID else None
    if member is None or member.session_id != session.id:
        raise NotFound()
    return member


async def ideas_of_member(db: AsyncSession, member_id: int) -> list[FocusGroupIdea]:
    query = (
        select(FocusGroupIdea)
        .where(FocusGroupIdea.member_id == member_id)
        .order_by(col(FocusGroupIdea.created_at), col(FocusGroupIdea.id))
    )
    return list(await db.exec(query))


async def remove_member(db: AsyncSession, session: FocusGroupSession, member_id: int) -> str:
    """Remove a member (e.g. one a script made): their dots are taken back, their ideas and
    the dots others gave those ideas go too, and the others' kept counts are counted again
    from the dots that remain. Not after closing: the ideas are in moderation by then.
    Returns the member's pseudonym."""
    if session.closed_at is not None:
        message = _("The session is closed: its pupils and their ideas stay as they are.")
        raise ValidationFailed({"member": message})
    pseudonym = (await member_in(db, session, member_id)).pseudonym
    their_ideas = select(FocusGroupIdea.id).where(FocusGroupIdea.member_id == member_id)
    await db.exec(
        delete(FocusGroupDot).where(
            or_(
                col(FocusGroupDot.member_id) == member_id,
                col(FocusGroupDot.idea_id).in_(their_ideas),
            )
        )
    )
    await db.exec(delete(FocusGroupIdea).where(col(FocusGroupIdea.member_id) == member_id))
    await db.exec(delete(FocusGroupMember).where(col(FocusGroupMember.id) == member_id))
    given = (
        select(func.coalesce(func.sum(FocusGroupDot.dots), 0))
        .where(FocusGroupDot.member_id == FocusGroupMember.id)
        .scalar_subquery()
    )
    await db.exec(
        update(FocusGroupMember)
        .where(col(FocusGroupMember.session_id) == session.id)
        .values(dots_given=given)
    )
    await db.commit()
    return pseudonym


# --- closing ------------------------------------------------------------------------------------


async def close_session(db: AsyncSession, session: FocusGroupSession) -> list[int]:
    """Close the session and, in the same transaction, turn each idea into a pending
    contribution with its dots: the channel by the format (focus group or workshop), the
    audience's segment, the member's organisation, the session's site. The idea row keeps
    its prompt and the contribution's id (services/provenance.py shows both). Returns the
    new contributions' ids; closing a closed session returns [] and changes nothing."""
    assert session.id is not None
    now = utcnow()
    # Only one of two simultaneous closings gets the row: the other changes nothing.
    claimed = await db.exec(
        update(FocusGroupSession)
        .where(col(FocusGroupSession.id) == session.id, col(FocusGroupSession.closed_at).is_(None))
        .values(closed_at=now)
    )
    if rowcount(claimed) == 0:
        await db.rollback()
        await db.refresh(session)
        return []
    try:
        rows = await idea_rows(db, session.id)
        source = f"{source_label(session.format)} {session.title} ({session.join_code})"[:200]
        members = {
            m.id: m
            for m in await db.exec(
                select(FocusGroupMember).where(FocusGroupMember.session_id == session.id)
            )
        }
        created: list[tuple[FocusGroupIdea, Contribution]] = []
        for row in reversed(rows):  # oldest first, so the ids follow the session's order
            member = members.get(row.idea.member_id)
            contribution = Contribution(
                process_id=session.process_id,
                kind=ContributionKind.IDEA,
                title=row.idea.title,
                body=row.idea.body or row.idea.title,
                segment=session.audience.segment,
                channel=session.format.channel,
                organisation_name=member.organisation_name if member else None,
                organisation_sector=member.organisation_sector if member else None,
                organisation_size=member.organisation_size if member else None,
                site_id=session.site_id,  # where the session was held, if set
                # Pending whatever the process's mode: a live session's ideas are always
                # looked at first.
                status=ContributionStatus.PENDING,
                source_ref=source,
                imported_ratings={"dots": row.dots},
                created_at=row.idea.created_at,
            )
            created.append((row.idea, contribution))
        await triage_new(db, [c for _idea, c in created])
        db.add_all(c for _idea, c in created)
        await db.flush()
        for idea, contribution in created:
            idea.contribution_id = contribution.id
            db.add(idea)
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    await db.refresh(session)
    return [c.id for _idea, c in created if c.id is not None]


# --- pupils: joining ----------------------------------------------------------------------------


async def session_by_code(db: AsyncSession, code: str) -> FocusGroupSession | None:
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        return None
    query = select(FocusGroupSession).where(FocusGroupSession.join_code == normalised)
    return (await db.exec(query)).first()


def joins_per_address(session: FocusGroupSession) -> int:
    """How many members may join the session from one client address."""
    if session.audience is LiveAudience.PUPILS:
        return JOINS_PER_ADDRESS
    return ADULT_JOINS_PER_ADDRESS


def too_many_joins_message(session: FocusGroupSession) -> str:
    if session.audience is LiveAudience.PUPILS:
        return _(
            "Many pupils have joined this session from your network already. Please ask your "
            "group leader."
        )
    return _(
        "Many people have joined this session from your network already. Please ask the "
        "facilitator."
    )


def unknown_code_message() -> str:
    return _("We don't know this code. Please check it and try again.")


async def open_session_by_code(db: AsyncSession, code: str) -> FocusGroupSession:
    """The open session with this code; ValidationFailed with a message for the code field."""
    if not normalise_code(code):
        raise ValidationFailed({"code": _("Please enter the code your group leader shows you.")})
    session = await session_by_code(db, code)
    if session is None:
        raise ValidationFailed({"code": unknown_code_message()})
    if session_state(session) is not SessionState.OPEN:
        raise ValidationFailed({"code": ended_message(session)})
    return session


@dataclass
class JoinForm:
    pseudonym: str = ""
    # Not asked of pupils, optional for everyone else; section and size for firms only.
    organisation_name: str = ""
    organisation_sector: str = ""
    organisation_size: str = ""
    suggestion: str = ""  # a free name like the one that was taken
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> JoinForm:
        return cls(
            pseudonym=clean_pseudonym(data.get("pseudonym", "")),
            organisation_name=" ".join(data.get("organisation_name", "").split()),
            organisation_sector=data.get("organisation_sector", "").strip(),
            organisation_size=data.get("organisation_size", "").strip(),
        )

    def organisation_errors(self, audience: LiveAudience) -> dict[str, str]:
        """What is wrong with the organisation fields (ignored where not asked)."""
        errors: dict[str, str] = {}
        if not audience.gives_organisation:
            return errors
        if len(self.organisation_name) > ORGANISATION_MAX:
            errors["organisation_name"] = _("Please use at most %(n)d characters.") % {
                "n": ORGANISATION_MAX
            }
        if audience.gives_firm_details:
            if self.organisation_sector and self.organisation_sector not in SECTION_NAMES:
                errors["organisation_sector"] = _("Please choose a sector from the list.")
            if self.organisation_size and self.organisation_size not in SIZE_CLASSES:
                errors["organisation_size"] = _("Please choose a size class from the list.")
        return errors

    def organisation(self, audience: LiveAudience) -> tuple[str | None, str | None, str | None]:
        """The member's organisation, sector and size: None for pupils and what was not
        given (sector and size are kept for firms only)."""
        firm = audience.gives_firm_details
        given = audience.gives_organisation
        return (
            (self.organisation_name or None) if given else None,
            (self.organisation_sector or None) if firm else None,
            (self.organisation_size or None) if firm else None,
        )


async def _taken_keys(db: AsyncSession, session_id: int) -> set[str]:
    query = select(FocusGroupMember.pseudonym_key).where(FocusGroupMember.session_id == session_id)
    return set(await db.exec(query))


async def join(db: AsyncSession, session: FocusGroupSession, form: JoinForm) -> str:
    """Make the pupil a member under their pseudonym; returns the token for their cookie.
    Raises ValidationFailed (form.errors and, if the name is taken, form.suggestion set)."""
    session_must_be_open(session)
    assert session.id is not None
    errors = form.organisation_errors(session.audience)
    formal = session.audience.gives_organisation  # adults: "Sie", pupils: "du"
    if (error := pseudonym_error(form.pseudonym, formal=formal)) is not None:
        errors = {"pseudonym": error, **errors}
    if errors:
        form.errors = errors
        raise ValidationFailed(form.errors)
    if await member_count(db, session.id) >= MEMBERS_PER_SESSION:
        if formal:
            full = _("This session is full. Please ask the facilitator.")
        else:
            full = _("This session is full. Please ask your facilitator.")
        form.errors = {"pseudonym": full}
        raise ValidationFailed(form.errors)
    key = pseudonym_key(form.pseudonym)
    token = secrets.token_urlsafe(24)
    organisation, sector, size = form.organisation(session.audience)
    db.add(
        FocusGroupMember(
            session_id=session.id,
            pseudonym=form.pseudonym,
            pseudonym_key=key,
            token_hash=hash_token(token),
            joined_at=utcnow(),
            organisation_name=organisation,
            organisation_sector=sector,
            organisation_size=size,
        )
    )
    try:
        await db.commit()
    except IntegrityError:  # the unique (session, key) pair: somebody has this name
        await db.rollback()
        await db.refresh(session)  # the rollback expired it; the page shows it again
        form.suggestion = free_alternative(form.pseudonym, await _taken_keys(db, session.id))
        if formal:
            taken = _("Somebody in this session has this name already. How about “%(name)s”?")
        else:
            taken = _("Somebody in your group has this name already. How about “%(name)s”?")
        form.errors = {"pseudonym": taken % {"name": form.suggestion}}
        raise ValidationFailed(form.errors) from None
    return token


async def member_for(
    db: AsyncSession, session: FocusGroupSession, token: str | None
) -> FocusGroupMember | None:
    if not token or len(token) > 100:
        return None
    query = select(FocusGroupMember).where(
        FocusGroupMember.token_hash == hash_token(token),
        FocusGroupMember.session_id == session.id,
    )
    return (await db.exec(query)).first()
