"""Which processes and action fields a staff member works in (models/scopes.py), asked in one
place by every staff page, API endpoint, export and count.

Two halves:
- `Scope` answers "may this user see that?" for one item, and gives SQL conditions that
  narrow a list or a count to the user's scope (`contributions_in`, `processes_in`,
  `profiles_in`).
- `check_route` is called by the role guards (auth.py) on every staff route: it finds the
  process (and action fields) behind the route's path parameters — a process slug, a
  contribution, a profile, a round, a session, a duplicate pair, … — and refuses what lies
  outside the scope. A new path parameter that names a process's row needs a resolver in
  `_RESOLVERS`; tests/test_staff_scope_matrix.py walks every route and fails without one.

An item belongs to an action field through its themes: a contribution through every theme it
carries that a moderator has not rejected (suggested ones too, so new items reach the field's
moderators before anyone confirmed a theme), a profile through its action fields. A user
limited to action fields of a process still opens the process's pages; what they list is
narrowed to those fields. Pages that count or group all of a process (the analysis, survey
results, the dashboard) declare `WHOLE_PROCESS` and are for those whose remit holds all of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from sqlalchemy import ColumnElement, delete, false, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import SessionMaker
from participation.i18n import _
from participation.models import (
    AccountEventKind,
    Cluster,
    ClusterRun,
    Contribution,
    ContributionMerge,
    ContributionTheme,
    DuplicatePair,
    Event,
    FocusGroupSession,
    InsultWord,
    Process,
    Profile,
    ProfileMilestone,
    ProfileTheme,
    RatingRound,
    Role,
    Site,
    StaffScope,
    Survey,
    Theme,
    ThemeSource,
    User,
)
from participation.services.accounts.log import record
from participation.services.errors import ValidationFailed


@dataclass(frozen=True)
class Scope:
    """None: every process. Otherwise each process the user works in, with the action fields
    they are limited to there (empty: the whole process)."""

    limits: Mapping[int, frozenset[int]] | None = None
    _fields: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields = frozenset().union(*self.limits.values()) if self.limits else frozenset()
        object.__setattr__(self, "_fields", fields)

    @property
    def unrestricted(self) -> bool:
        return self.limits is None

    def process_ids(self) -> frozenset[int] | None:
        """The processes the user works in (wholly or in some fields); None for every one."""
        return None if self.limits is None else frozenset(self.limits)

    def allows_process(self, process_id: int) -> bool:
        return self.limits is None or process_id in self.limits

    def fields_in(self, process_id: int) -> frozenset[int] | None:
        """The action fields the user is limited to in a process; None for all of them."""
        if self.limits is None:
            return None
        return self.limits.get(process_id, frozenset()) or None

    def holds_whole(self, process_id: int) -> bool:
        """Whether the user works in all of a process (not only in some of its fields)."""
        return self.allows_process(process_id) and self.fields_in(process_id) is None

    def allows(self, process_id: int, theme_ids: Collection[int]) -> bool:
        """Whether an item of `process_id` with these action fields is in the scope."""
        if self.limits is None:
            return True
        if process_id not in self.limits:
            return False
        fields = self.limits[process_id]
        return not fields or not fields.isdisjoint(theme_ids)

    # --- SQL conditions for lists and counts --------------------------------------------

    def processes_in(self, process_column: Any) -> ColumnElement[bool]:
        """Rows of the processes the user works in (process-level lists)."""
        if self.limits is None:
            return true()
        return col(process_column).in_(sorted(self.limits)) if self.limits else false()

    def _narrow(self, process_column: Any, id_column: Any, tagged: Any) -> ColumnElement[bool]:
        """Rows of the processes the user works in wholly, or among `tagged` (the ids of rows
        carrying one of the user's action fields)."""
        if self.limits is None:
            return true()
        conditions: list[ColumnElement[bool]] = []
        if whole := sorted(pid for pid, fields in self.limits.items() if not fields):
            conditions.append(col(process_column).in_(whole))
        if self._fields:
            conditions.append(col(id_column).in_(tagged))
        return or_(*conditions) if conditions else false()

    def contributions_in(self) -> ColumnElement[bool]:
        """Contributions in the scope: of a whole process, or carrying one of the fields."""
        tagged = select(ContributionTheme.contribution_id).where(
            col(ContributionTheme.theme_id).in_(sorted(self._fields)),
            ContributionTheme.source != ThemeSource.REJECTED,
        )
        return self._narrow(Contribution.process_id, Contribution.id, tagged)

    def profiles_in(self) -> ColumnElement[bool]:
        """Profiles in the scope: of a whole process, or in one of the fields."""
        tagged = select(ProfileTheme.profile_id).where(
            col(ProfileTheme.theme_id).in_(sorted(self._fields))
        )
        return self._narrow(Profile.process_id, Profile.id, tagged)


EVERYWHERE: Final = Scope()


async def load_scope(session: AsyncSession, user: User) -> Scope:
    """The user's scope: every process for admins and for users without scope rows."""
    if user.role is Role.ADMIN:
        return EVERYWHERE
    rows = (
        await session.exec(
            select(StaffScope.process_id, StaffScope.theme_id).where(StaffScope.user_id == user.id)
        )
    ).all()
    if not rows:
        return EVERYWHERE
    limits: dict[int, set[int]] = {}
    whole: set[int] = set()
    for process_id, theme_id in rows:
        limits.setdefault(process_id, set())
        if theme_id is None:
            whole.add(process_id)
        else:
            limits[process_id].add(theme_id)
    return Scope({pid: frozenset() if pid in whole else frozenset(t) for pid, t in limits.items()})


# --- the route check ----------------------------------------------------------------------

_SCOPE_KEY: Final = "staff_scope"
# The refusal's detail: the error page (errors.py) explains it in the reader's language.
OUTSIDE_SCOPE: Final = "Outside the processes and action fields you work in"
# A route handler's (or controller's) `opt` key: its pages count or group all of a process
# (the analysis, survey results), so they are for those whose remit holds the whole process,
# not for a colleague limited to some of its action fields.
WHOLE_PROCESS: Final = "whole_process"
# What a resolver finds for a path parameter: the process and the action fields of the row
# (None: the process as a whole, e.g. a rating round), or None when no such row exists (the
# handler then answers 404 as before).
Found = tuple[int, Collection[int] | None] | None
Resolver = Callable[[AsyncSession, Any], Awaitable[Found]]


async def _contribution_fields(session: AsyncSession, contribution_ids: list[int]) -> set[int]:
    rows = await session.exec(
        select(ContributionTheme.theme_id).where(
            col(ContributionTheme.contribution_id).in_(contribution_ids),
            ContributionTheme.source != ThemeSource.REJECTED,
        )
    )
    return set(rows.all())


async def _process_by_slug(session: AsyncSession, slug: str) -> Found:
    found = (await session.exec(select(Process.id).where(Process.slug == slug))).first()
    return None if found is None else (found, None)


async def _contribution(session: AsyncSession, contribution_id: int) -> Found:
    process_id = (
        await session.exec(
            select(Contribution.process_id).where(Contribution.id == contribution_id)
        )
    ).first()
    if process_id is None:
        return None
    return process_id, await _contribution_fields(session, [contribution_id])


async def _profile(session: AsyncSession, profile_id: int) -> Found:
    process_id = (
        await session.exec(select(Profile.process_id).where(Profile.id == profile_id))
    ).first()
    if process_id is None:
        return None
    fields = await session.exec(
        select(ProfileTheme.theme_id).where(ProfileTheme.profile_id == profile_id)
    )
    return process_id, set(fields.all())


async def _milestone(session: AsyncSession, milestone_id: int) -> Found:
    profile_id = (
        await session.exec(
            select(ProfileMilestone.profile_id).where(ProfileMilestone.id == milestone_id)
        )
    ).first()
    return None if profile_id is None else await _profile(session, profile_id)


async def _pair(session: AsyncSession, pair_id: int) -> Found:
    pair = await session.get(DuplicatePair, pair_id)
    if pair is None:
        return None
    # A merge changes both ideas: both must be in the scope, so the narrower of the two
    # decides (a field-limited user needs a field on each).
    first = await _contribution_fields(session, [pair.first_id])
    second = await _contribution_fields(session, [pair.second_id])
    return pair.process_id, first & second if first and second else set()


async def _merge(session: AsyncSession, merge_id: int) -> Found:
    merge = await session.get(ContributionMerge, merge_id)
    if merge is None:
        return None
    return merge.process_id, await _contribution_fields(session, [merge.kept_id])


def _process_of(model: Any) -> Resolver:
    async def resolve(session: AsyncSession, row_id: int) -> Found:
        found = (await session.exec(select(model.process_id).where(model.id == row_id))).first()
        return None if found is None else (found, None)

    return resolve


async def _cluster(session: AsyncSession, cluster_id: int) -> Found:
    found = (
        await session.exec(
            select(ClusterRun.process_id)
            .join(Cluster, col(Cluster.run_id) == ClusterRun.id)
            .where(Cluster.id == cluster_id)
        )
    ).first()
    return None if found is None else (found, None)


async def _word(session: AsyncSession, word_id: int) -> Found:
    word = await session.get(InsultWord, word_id)
    if word is None:
        return None
    # A word for all processes: only staff without a remit (no process id is 0).
    return (word.process_id or 0), None


# Path parameters that name a row of a process. Parameters not listed here (a member of a
# session, a question of a survey, a profile's version, a token of one's own) are always
# beside one that is.
_RESOLVERS: Final[dict[str, Resolver]] = {
    "slug": _process_by_slug,
    "contribution_id": _contribution,
    "idea_id": _contribution,
    "profile_id": _profile,
    "milestone_id": _milestone,
    "pair_id": _pair,
    "merge_id": _merge,
    "cluster_id": _cluster,
    "round_id": _process_of(RatingRound),
    "session_id": _process_of(FocusGroupSession),
    "survey_id": _process_of(Survey),
    "word_id": _word,
    "site_id": _process_of(Site),
    "event_id": _process_of(Event),
}
SCOPED_PARAMETERS: Final = frozenset(_RESOLVERS)


async def scope_of(connection: ASGIConnection[Any, Any, Any, Any], user: User) -> Scope:
    """The signed-in user's scope, loaded once per request."""
    state = connection.scope.setdefault("state", {})
    cached = state.get(_SCOPE_KEY)
    if isinstance(cached, Scope):
        return cached
    sessionmaker: SessionMaker = connection.app.state.sessionmaker
    async with sessionmaker() as session:
        scope = await load_scope(session, user)
    state[_SCOPE_KEY] = scope
    return scope


async def check_route(connection: ASGIConnection[Any, Any, Any, Any], user: User) -> None:
    """Refuses a staff route whose path names a row outside the user's scope."""
    if user.role is Role.ADMIN:
        return
    scope = await scope_of(connection, user)
    if scope.unrestricted:
        return
    wanted = [(name, value) for name, value in connection.path_params.items() if name in _RESOLVERS]
    if not wanted:
        return
    whole = bool(connection.route_handler.opt.get(WHOLE_PROCESS))
    sessionmaker: SessionMaker = connection.app.state.sessionmaker
    async with sessionmaker() as session:
        for name, value in wanted:
            found = await _RESOLVERS[name](session, value)
            if found is None:
                continue  # no such row: the handler answers 404
            process_id, fields = found
            if whole:
                allowed = scope.holds_whole(process_id)
            elif fields is None:
                allowed = scope.allows_process(process_id)
            else:
                allowed = scope.allows(process_id, fields)
            if not allowed:
                raise PermissionDeniedException(OUTSIDE_SCOPE)


# --- setting and showing a scope ------------------------------------------------------------


@dataclass(frozen=True)
class ScopeLine:
    """One process of a user's scope as people read it: the process and its fields."""

    process: Process
    fields: list[Theme]  # empty: the whole process


async def describe_scope(session: AsyncSession, user_id: int) -> list[ScopeLine]:
    """The user's scope by process title; empty for a user who works everywhere."""
    rows = (
        await session.exec(
            select(Process, Theme)
            .join(StaffScope, col(StaffScope.process_id) == Process.id)
            .outerjoin(Theme, col(Theme.id) == StaffScope.theme_id)
            .where(StaffScope.user_id == user_id)
            .order_by(col(Process.title), col(Theme.position))
        )
    ).all()
    lines: dict[int, ScopeLine] = {}
    for process, theme in rows:
        line = lines.setdefault(process.id or 0, ScopeLine(process, []))
        if theme is not None:
            line.fields.append(theme)
    return list(lines.values())


async def set_scope(
    session: AsyncSession,
    user: User,
    limits: Mapping[int, Collection[int]],
    *,
    actor: User | None = None,
) -> None:
    """Replaces the user's scope with `limits` (a process id and the ids of the action fields
    the user is limited to there, none for the whole process); an empty mapping lifts every
    limit. Admins are never limited. Raises ValidationFailed for a field of another process.
    The account log keeps the new remit in words."""
    if limits and user.role is Role.ADMIN:
        raise ValidationFailed({"scope": _("Administrators work in every process.")})
    wanted = {theme_id for fields in limits.values() for theme_id in fields}
    found = dict(
        (
            await session.exec(
                select(Theme.id, Theme.process_id).where(col(Theme.id).in_(sorted(wanted)))
            )
        ).all()
    )
    for process_id, fields in limits.items():
        if any(found.get(theme_id) != process_id for theme_id in fields):
            raise ValidationFailed(
                {"scope": _("An action field does not belong to the process it was given for.")}
            )
    await session.exec(delete(StaffScope).where(col(StaffScope.user_id) == user.id))
    assert user.id is not None
    session.add_all(
        StaffScope(user_id=user.id, process_id=process_id, theme_id=theme_id)
        for process_id, fields in limits.items()
        for theme_id in ([*sorted(fields)] if fields else [None])
    )
    await session.flush()
    record(
        session,
        user,
        AccountEventKind.REMIT_CHANGED,
        actor=actor,
        detail=await _in_words(session, user),
    )
    await session.commit()


async def _in_words(session: AsyncSession, user: User) -> str:
    """The remit as the account log keeps it, e.g. "ITAS: Mobilität, Bildung; Werra"."""
    lines = await describe_scope(session, user.id or 0)
    if not lines:
        return _("every process")
    return "; ".join(
        line.process.title + (": " + ", ".join(t.name for t in line.fields) if line.fields else "")
        for line in lines
    )


async def limits_from_slugs(session: AsyncSession, entries: Collection[str]) -> dict[int, set[int]]:
    """Limits written as "process-slug" or "process-slug:field-slug,field-slug" (the command
    line's form). Raises ValidationFailed naming an unknown process or field."""
    limits: dict[int, set[int]] = {}
    for entry in entries:
        slug, _sep, fields = entry.partition(":")
        process = (await session.exec(select(Process).where(Process.slug == slug.strip()))).first()
        if process is None or process.id is None:
            raise ValidationFailed(
                {"scope": _("No process with the slug %(slug)s.") % {"slug": slug}}
            )
        themes = {
            t.slug: t.id
            for t in await session.exec(select(Theme).where(Theme.process_id == process.id))
        }
        chosen = limits.setdefault(process.id, set())
        for field_slug in filter(None, (f.strip() for f in fields.split(","))):
            if (theme_id := themes.get(field_slug)) is None:
                raise ValidationFailed(
                    {"scope": _("The process has no action field %(slug)s.") % {"slug": field_slug}}
                )
            chosen.add(theme_id)
    return limits


# --- the administrator's form ---------------------------------------------------------------

ScopeMode = Literal["none", "all", "fields"]
_MODES: Final[dict[str, ScopeMode]] = {"all": "all", "fields": "fields"}


@dataclass
class ScopeChoice:
    """One process on the scope form: whether the user works in it (not, wholly, in some
    fields) and which fields are ticked."""

    process: Process
    themes: list[Theme]
    mode: ScopeMode = "none"
    chosen: set[int] = field(default_factory=set)


async def scope_choices(session: AsyncSession, user_id: int) -> list[ScopeChoice]:
    """Every process with its action fields, filled with the user's scope (two statements)."""
    processes = (await session.exec(select(Process).order_by(col(Process.title)))).all()
    themes = (await session.exec(select(Theme).order_by(col(Theme.position)))).all()
    choices = {p.id: ScopeChoice(p, [t for t in themes if t.process_id == p.id]) for p in processes}
    for line in await describe_scope(session, user_id):
        choice = choices[line.process.id]
        choice.mode = "fields" if line.fields else "all"
        choice.chosen = {t.id for t in line.fields if t.id is not None}
    return list(choices.values())


def read_scope_form(data: Mapping[str, str], choices: list[ScopeChoice]) -> dict[int, set[int]]:
    """The limits the form asks for, and `choices` updated to show what was sent. Raises
    ValidationFailed (keyed `process-<id>`) where "only these fields" has none ticked."""
    limits: dict[int, set[int]] = {}
    errors: dict[str, str] = {}
    for choice in choices:
        process_id = choice.process.id or 0
        choice.mode = _MODES.get(data.get(f"process-{process_id}", ""), "none")
        choice.chosen = {
            t.id for t in choice.themes if t.id is not None and data.get(f"field-{t.id}") == "on"
        }
        if choice.mode == "all":
            limits[process_id] = set()
        elif choice.mode == "fields":
            if not choice.chosen:
                errors[f"process-{process_id}"] = _("Please tick at least one action field.")
            limits[process_id] = choice.chosen
    if errors:
        raise ValidationFailed(errors)
    return limits
