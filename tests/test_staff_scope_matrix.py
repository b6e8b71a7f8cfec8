"""Scoped roles across every staff route: each role × {no scope, this process, another
process, an action field of this process} × every route whose path names a row of a process.

The routes come from the app, so a staff route added later is walked too; a path parameter
that names a process's row but has no resolver in services/accounts/remit.py fails
`test_every_path_parameter_is_scoped_or_known`. Lists and counts narrowed to the scope:
tests/test_staff_scope.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.auth import RoleGuard
from participation.models import (
    Cluster,
    ClusterRun,
    InsultWord,
    Process,
    ProfileMilestone,
    RatingRound,
    Role,
    StaffScope,
    Theme,
    User,
)
from participation.services.accounts.remit import SCOPED_PARAMETERS, WHOLE_PROCESS
from participation.services.tokens import create_token
from participation.settings import Settings
from participation.token_auth import StaffApiGuard
from tests.helpers import SLUG, Client, add_process, add_staff, csrf_token, de, in_db, login
from tests.site_rows import Site, build_site

SCOPED_ROLES: Final = [Role.MODERATOR, Role.EVALUATOR, Role.FACILITATOR, Role.EDITOR]
# Path parameters that never name a process's row on their own: they stand beside one that
# does (a session's member, a survey's question, a profile's version), or are the user's own
# (a token), or an admin's (a user), or no row at all (a form field, a language).
UNSCOPED_PARAMETERS: Final = frozenset(
    {
        "member_id",
        "question_id",
        "section_id",
        "version",
        "number",
        "form_path",
        "field",
        "token_id",
        "user_id",
        "token",
        "code",
        "survey_slug",
        "figure_file",
    }
)
OTHER_SLUG: Final = "anderer-kreis"
_PARAM: Final = re.compile(r"\{(\w+):\w+\}")


def _staff_roles(handler: Any) -> frozenset[Role] | None:
    """The roles a staff route's guard admits; None for a route without a role guard."""
    for guard in handler.resolve_guards():
        if isinstance(guard, StaffApiGuard):
            return guard.roles.roles
        if isinstance(guard, RoleGuard):
            return guard.roles
    return None


@dataclass(frozen=True)
class StaffRoute:
    method: str
    path: str
    roles: frozenset[Role]
    whole_process: bool = False  # declared for those whose remit holds all of the process


def staff_routes(app: Litestar) -> list[StaffRoute]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            roles = _staff_roles(handler)
            if roles is None:
                continue
            for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                whole = bool(handler.opt.get(WHOLE_PROCESS))
                found.append(StaffRoute(method, route.path, roles, whole))
    return sorted(found, key=lambda r: (r.path, r.method))


def test_every_path_parameter_is_scoped_or_known(app: Litestar) -> None:
    """A new path parameter must either find its process (a resolver) or be listed above."""
    names = {name for route in staff_routes(app) for name in _PARAM.findall(route.path)}
    unknown = sorted(names - SCOPED_PARAMETERS - UNSCOPED_PARAMETERS)
    assert not unknown, "add a resolver to services/accounts/remit.py for: " + ", ".join(unknown)


async def _more_rows(session: AsyncSession, site: Site) -> dict[str, str]:
    """The rows build_site has no row for: a rating round, a milestone, a clustering, an
    insult word of the process."""
    process_id = site.process.id
    assert process_id is not None
    round_ = RatingRound(process_id=process_id, title="Erste Runde")
    milestone = ProfileMilestone(profile_id=site.profile_id, title="Ausschreibung")
    run = ClusterRun(process_id=process_id, items=2, k=1, silhouette=0.1)
    word = InsultWord(process_id=process_id, word="Trottel")
    session.add_all([round_, milestone, run, word])
    await session.flush()
    assert run.id is not None
    cluster = Cluster(run_id=run.id, position=0, name="Radwege", size=2)
    session.add(cluster)
    await session.commit()
    return {
        "round_id": str(round_.id),
        "milestone_id": str(milestone.id),
        "cluster_id": str(cluster.id),
        "word_id": str(word.id),
    }


async def _scoped_user(session: AsyncSession, email: str, role: Role, slug: str | None) -> User:
    user = await add_staff(session, email, role)
    if slug is not None:
        process = (await session.exec(select(Process).where(Process.slug == slug))).one()
        assert user.id is not None
        assert process.id is not None
        session.add(StaffScope(user_id=user.id, process_id=process.id))
        await session.commit()
    return user


def _fill(site: Site, path: str, extra: dict[str, str]) -> str:
    # No merge exists: a route naming one answers 404 and is left out of the refusals.
    return _PARAM.sub(lambda m: extra.get(m[1]) or site.fill(f"{{{m[1]}:x}}"), path)


@pytest.fixture
def matrix_site(client: Client, settings: Settings) -> tuple[Site, dict[str, str]]:
    site = build_site(client, settings)
    extra = in_db(settings, lambda s: _more_rows(s, site))
    in_db(settings, lambda s: add_process(s, slug=OTHER_SLUG, title="Digitaler Landkreis"))
    return site, extra


def _request(client: Client, route: StaffRoute, url: str, bearer: str | None) -> Any:
    token = csrf_token(client)
    headers = {"x-csrftoken": token}
    if bearer is not None and route.path.startswith("/api/") and route.method != "GET":
        headers["authorization"] = f"Bearer {bearer}"
    return client.request(
        route.method,
        url,
        data={"_csrf_token": token} if route.method != "GET" else None,
        headers=headers,
        follow_redirects=False,
    )


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda role: role.value)
def test_a_role_limited_to_another_process_is_refused_on_every_route_of_this_one(
    client: Client,
    app: Litestar,
    settings: Settings,
    matrix_site: tuple[Site, dict[str, str]],
    role: Role,
) -> None:
    site, extra = matrix_site
    email = f"{role.value}@example.org"
    user = in_db(settings, lambda s: _scoped_user(s, email, role, OTHER_SLUG))
    bearer = in_db(settings, lambda s: create_token(s, user, "Skript")).token
    assert login(client, email).status_code == 303

    checked, wrong = 0, []
    for route in staff_routes(app):
        names = set(_PARAM.findall(route.path))
        if role not in route.roles or not names & SCOPED_PARAMETERS - {"merge_id"}:
            continue
        response = _request(client, route, _fill(site, route.path, extra), bearer)
        checked += 1
        if response.status_code != 403 or (
            not route.path.startswith("/api/") and de("Outside your remit") not in response.text
        ):
            wrong.append(f"{route.method} {route.path}: {response.status_code}")
    assert checked >= 10
    assert not wrong, "\n".join(wrong)


def _statuses(
    client: Client,
    emails: tuple[str, ...],
    pages: list[StaffRoute],
    site: Site,
    extra: dict[str, str],
) -> dict[str, dict[str, int]]:
    """Per user, the status each page answers them with, by the route's path."""
    answers: dict[str, dict[str, int]] = {}
    for email in emails:
        client.cookies.clear()
        assert login(client, email).status_code == 303
        answers[email] = {
            route.path: client.get(
                _fill(site, route.path, extra), follow_redirects=False
            ).status_code
            for route in pages
        }
    return answers


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda role: role.value)
def test_a_role_limited_to_this_process_reads_every_page_as_an_unlimited_one(
    app: Litestar,
    settings: Settings,
    client: Client,
    matrix_site: tuple[Site, dict[str, str]],
    role: Role,
) -> None:
    site, extra = matrix_site
    unlimited = f"{role.value}-alle@example.org"
    limited = f"{role.value}-hier@example.org"
    in_db(settings, lambda s: _scoped_user(s, unlimited, role, None))
    in_db(settings, lambda s: _scoped_user(s, limited, role, SLUG))
    pages = [
        route
        for route in staff_routes(app)
        if route.method == "GET" and role in route.roles and "{" in route.path
    ]
    answers = _statuses(client, (unlimited, limited), pages, site, extra)
    differ = [
        f"{path}: {answers[unlimited][path]} unlimited, {answers[limited][path]} limited"
        for path in answers[unlimited]
        if answers[unlimited][path] != answers[limited][path]
    ]
    assert len(pages) >= 5
    assert not differ, "\n".join(differ)


# Path parameters naming a row that belongs to action fields (through its themes): a user
# limited to a field the row does not carry is refused. The others name the process as a
# whole (a round, a session, a survey, a clustering) and are open to every remit in it.
FIELD_ROWS: Final = frozenset(
    {"contribution_id", "idea_id", "profile_id", "milestone_id", "pair_id", "merge_id"}
)


async def _field_limited_user(session: AsyncSession, email: str, role: Role) -> User:
    """A user limited to a new action field of the site's process, one no row carries."""
    user = await add_staff(session, email, role)
    process = (await session.exec(select(Process).where(Process.slug == SLUG))).one()
    theme = Theme(process_id=process.id or 0, slug="neu", name="Neues Feld", position=99)
    session.add(theme)
    await session.flush()
    session.add(StaffScope(user_id=user.id or 0, process_id=process.id or 0, theme_id=theme.id))
    await session.commit()
    return user


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda role: role.value)
def test_a_role_limited_to_an_action_field_reads_only_its_rows_and_no_whole_process_page(
    app: Litestar,
    settings: Settings,
    client: Client,
    matrix_site: tuple[Site, dict[str, str]],
    role: Role,
) -> None:
    site, extra = matrix_site
    unlimited = f"{role.value}-alle@example.org"
    limited = f"{role.value}-feld@example.org"
    in_db(settings, lambda s: _scoped_user(s, unlimited, role, None))
    in_db(settings, lambda s: _field_limited_user(s, limited, role))
    pages = [
        route
        for route in staff_routes(app)
        if route.method == "GET"
        and role in route.roles
        and set(_PARAM.findall(route.path)) & SCOPED_PARAMETERS
    ]
    answers = _statuses(client, (unlimited, limited), pages, site, extra)
    wrong = []
    for route in pages:
        got, unlimited_got = answers[limited][route.path], answers[unlimited][route.path]
        refused = route.whole_process or bool(set(_PARAM.findall(route.path)) & FIELD_ROWS)
        # A refused route may be refused before the handler finds nothing behind a number.
        allowed = {403} | ({404} if unlimited_got == 404 else set()) if refused else {unlimited_got}
        if got not in allowed:
            wrong.append(f"{route.path}: {got} limited, {unlimited_got} unlimited")
    assert len(pages) >= 5
    assert not wrong, "\n".join(wrong)
