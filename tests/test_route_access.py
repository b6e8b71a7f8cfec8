"""Who may change what: every state-changing route of the app (POST, PUT, PATCH, DELETE), for
every role and for anonymous visitors.

The routes come from the app itself, so a route added later fails
`test_every_write_route_is_classified` until it is entered in WRITE_ROUTES with the people who
may use it. Each request carries a valid CSRF token, so a refusal is the guard's, not the
CSRF check's: those without the right are refused (401, 403 or sent to sign in), those with
it are not (their request reaches the handler, which may still find the form empty or the
row missing). Reading pages per role: tests/test_auth.py (the navigation).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import pytest
from httpx import Response
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.models import ContributionStatus, Profile, Role
from participation.settings import Settings
from tests.focus_group_helpers import CODE, add_member, add_session
from tests.helpers import (
    SLUG,
    Client,
    add_idea,
    add_process,
    add_staff,
    csrf_token,
    de,
    in_db,
    login,
)
from tests.survey_builders import add_survey

ANONYMOUS: Final = "anonymous"
ACTORS: Final = [ANONYMOUS, *(role.value for role in Role)]
WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Who may use a route: everybody, signed in or not ...
PUBLIC: Final = frozenset(ACTORS)
# ... or these roles (admins may do everything staff may).
ADMINS: Final = frozenset({Role.ADMIN.value})
MODERATORS: Final = ADMINS | {Role.MODERATOR.value}
ANALYSTS: Final = MODERATORS | {Role.EVALUATOR.value}
RATERS: Final = ADMINS | {Role.EVALUATOR.value}
FACILITATORS: Final = MODERATORS | {Role.FACILITATOR.value}
STAFF: Final = frozenset(role.value for role in Role)

WRITE_ROUTES: Final[dict[str, frozenset[str]]] = {
    # Residents: ideas, comments, supports, reports, their follow link, unsubscribing.
    "POST /processes/{slug:str}/ideas": PUBLIC,
    "POST /processes/{slug:str}/ideas/check/{field:str}": PUBLIC,
    # The idea form in plain language: its steps, and sending.
    "POST /processes/{slug:str}/einfach": PUBLIC,
    "POST /processes/{slug:str}/einfach/senden": PUBLIC,
    "POST /processes/{slug:str}/ideas/{idea_id:int}/comments": PUBLIC,
    "POST /processes/{slug:str}/ideas/{idea_id:int}/support": PUBLIC,
    "POST /processes/{slug:str}/ideas/{idea_id:int}/support/withdraw": PUBLIC,
    "POST /processes/{slug:str}/contributions/{contribution_id:int}/report": PUBLIC,
    "POST /follow/{token:str}/{contribution_id:int}/edit": PUBLIC,
    "POST /follow/{token:str}/{contribution_id:int}/delete": PUBLIC,
    "POST /follow/{token:str}/unsubscribe": PUBLIC,
    "POST /abbestellen/{token:str}": PUBLIC,
    "POST /abmelden/{token:str}": PUBLIC,
    "POST /api/v1/processes/{slug:str}/ideas": PUBLIC,
    "POST /api/processes/{slug:str}/ideas": PUBLIC,
    # Firms and residents answering a survey.
    "POST /processes/{slug:str}/umfragen/{survey_slug:str}": PUBLIC,
    "POST /umfrage/{token:str}": PUBLIC,
    # Pupils joining a focus group, their ideas and dots.
    "POST /mitmachen": PUBLIC,
    "POST /mitmachen/{code:str}": PUBLIC,
    "POST /mitmachen/{code:str}/ideen": PUBLIC,
    "POST /mitmachen/{code:str}/ideen/{idea_id:int}/punkte": PUBLIC,
    # Signing in and out; the second step, invitations and a forgotten password (each
    # checks its own pending sign-in or link).
    "POST /login": PUBLIC,
    "POST /logout": PUBLIC,
    "POST /login/code": PUBLIC,
    "POST /login/zwei-faktor": PUBLIC,
    "POST /einladung/{token:str}": PUBLIC,
    "POST /passwort-vergessen": PUBLIC,
    "POST /passwort-neu/{token:str}": PUBLIC,
    # Moderation.
    "POST /moderation/contributions/{contribution_id:int}/approve": MODERATORS,
    "POST /moderation/contributions/{contribution_id:int}/reject": MODERATORS,
    "POST /moderation/contributions/{contribution_id:int}/request-changes": MODERATORS,
    "POST /moderation/contributions/{contribution_id:int}/hide": MODERATORS,
    "POST /moderation/contributions/{contribution_id:int}/answer": MODERATORS,
    # Triage: publishing with "[entfernt]", the insult list.
    "POST /moderation/triage/contributions/{contribution_id:int}/publish-redacted": MODERATORS,
    "POST /moderation/triage/words": MODERATORS,
    "POST /moderation/triage/words/{word_id:int}/delete": MODERATORS,
    "POST /moderation/contributions/{contribution_id:int}/themes": MODERATORS,
    "POST /moderation/contributions/{contribution_id:int}/dismiss-reports": MODERATORS,
    "POST /moderation/contributions/{contribution_id:int}/assign": MODERATORS,
    "POST /moderation/contributions/{contribution_id:int}/notes": MODERATORS,
    "POST /moderation/bulk": MODERATORS,
    "POST /moderation/zusammenfassung": MODERATORS,
    "POST /moderation/duplicates/compute": MODERATORS,
    "POST /moderation/duplicates/{pair_id:int}/merge": MODERATORS,
    "POST /moderation/duplicates/{pair_id:int}/dismiss": MODERATORS,
    "POST /moderation/merges/{merge_id:int}/undo": MODERATORS,
    # Analysis: grouping is for everyone who reads the groups; retraining changes the
    # suggestions in the moderation queue.
    "POST /analysis/{slug:str}/cluster": ANALYSTS,
    "POST /analysis/{slug:str}/retrain": MODERATORS,
    # Rearranging the groups by hand (services/cluster_edits.py).
    "POST /analysis/{slug:str}/groups/{number:int}/rename": MODERATORS,
    "POST /analysis/{slug:str}/groups/{number:int}/merge": MODERATORS,
    "POST /analysis/{slug:str}/groups/{number:int}/split": MODERATORS,
    "POST /analysis/{slug:str}/groups/{number:int}/move": MODERATORS,
    # Focus-group sessions.
    "POST /focus-groups": FACILITATORS,
    "POST /focus-groups/{session_id:int}/ideas": FACILITATORS,
    "POST /focus-groups/{session_id:int}/close": FACILITATORS,
    "POST /focus-groups/{session_id:int}/prompt": FACILITATORS,
    "POST /focus-groups/{session_id:int}/prompts": FACILITATORS,
    "POST /focus-groups/{session_id:int}/members/{member_id:int}/remove": FACILITATORS,
    "POST /focus-groups/{session_id:int}/ort": FACILITATORS,
    # Process administration, import, survey building.
    "POST /admin/processes/new": ADMINS,
    "POST /admin/processes/{slug:str}/edit": ADMINS,
    # Sites and events of a process.
    "POST /admin/processes/{slug:str}/standorte": ADMINS,
    "POST /admin/processes/{slug:str}/standorte/{site_id:int}": ADMINS,
    "POST /admin/processes/{slug:str}/standorte/{site_id:int}/entfernen": ADMINS,
    "POST /admin/processes/{slug:str}/veranstaltungen/neu": ADMINS,
    "POST /admin/processes/{slug:str}/veranstaltungen/{event_id:int}": ADMINS,
    "POST /admin/processes/{slug:str}/veranstaltungen/{event_id:int}/loeschen": ADMINS,
    "POST /admin/processes/{slug:str}/import": ADMINS,
    "POST /admin/processes/{slug:str}/bewertung/gruppen": ADMINS,
    "POST /admin/processes/{slug:str}/bewertung/gruppen/vorlage": ADMINS,
    "POST /admin/processes/{slug:str}/bewertung/plan/veroeffentlichen": ADMINS,
    "POST /admin/processes/{slug:str}/bewertung/plan/zuruecknehmen": ADMINS,
    "POST /admin/processes/{slug:str}/bewertung/plan/antwort": ADMINS,
    "POST /admin/bewertung/runden/{round_id:int}/gruppen-vorschlagen": ADMINS,
    "POST /admin/bewertung/runden/{round_id:int}/steckbriefe/{profile_id:int}/verschieben": ADMINS,
    "POST /admin/processes/{slug:str}/import/check": ADMINS,
    "POST /admin/processes/{slug:str}/surveys": ADMINS,
    "POST /admin/surveys/{survey_id:int}": ADMINS,
    "POST /admin/surveys/{survey_id:int}/invitations": ADMINS,
    "POST /admin/surveys/{survey_id:int}/panel/list": ADMINS,
    "POST /admin/surveys/{survey_id:int}/panel/text": ADMINS,
    "POST /admin/surveys/{survey_id:int}/panel/send": ADMINS,
    "POST /admin/surveys/{survey_id:int}/panel/reminders": ADMINS,
    "POST /admin/surveys/{survey_id:int}/sections": ADMINS,
    "POST /admin/surveys/{survey_id:int}/sections/{section_id:int}": ADMINS,
    "POST /admin/surveys/{survey_id:int}/sections/{section_id:int}/move": ADMINS,
    "POST /admin/surveys/{survey_id:int}/sections/{section_id:int}/delete": ADMINS,
    "POST /admin/surveys/{survey_id:int}/questions/new": ADMINS,
    "POST /admin/surveys/{survey_id:int}/questions/{question_id:int}": ADMINS,
    "POST /admin/surveys/{survey_id:int}/questions/{question_id:int}/move": ADMINS,
    "POST /admin/surveys/{survey_id:int}/questions/{question_id:int}/delete": ADMINS,
    "POST /admin/surveys/{survey_id:int}/sections/{section_id:int}/condition": ADMINS,
    "POST /admin/surveys/{survey_id:int}/questions/{question_id:int}/condition": ADMINS,
    # Evaluation: criteria, rating rounds and closing them are the admin's.
    "POST /admin/processes/{slug:str}/bewertung/vorlage": ADMINS,
    "POST /admin/processes/{slug:str}/bewertung/kriterien": ADMINS,
    "POST /admin/processes/{slug:str}/bewertung/runden/neu": ADMINS,
    "POST /admin/bewertung/runden/{round_id:int}/close": ADMINS,
    # Project profiles: admins and moderators create and edit any; the others (editors above
    # all) only those whose working group they are in, which this profile has none of.
    "POST /admin/processes/{slug:str}/steckbriefe/new": MODERATORS,
    "POST /admin/steckbriefe/{profile_id:int}/edit": MODERATORS,
    "POST /admin/steckbriefe/{profile_id:int}/status": MODERATORS,
    "POST /admin/steckbriefe/{profile_id:int}/history/{version:int}/restore": MODERATORS,
    "POST /admin/steckbriefe/{profile_id:int}/sources": MODERATORS,
    "POST /admin/steckbriefe/{profile_id:int}/sources/remove": MODERATORS,
    "POST /admin/steckbriefe/{profile_id:int}/members": MODERATORS,
    "POST /admin/steckbriefe/{profile_id:int}/members/{user_id:int}/remove": MODERATORS,
    "POST /admin/steckbriefe/{profile_id:int}/comments": MODERATORS,
    # Reporting a profile's implementation: admins, and the editors of its working group
    # (tests/test_tracking_pages.py); the editor here is in no working group.
    "POST /admin/steckbriefe/{profile_id:int}/umsetzung/{form_path:str}": ADMINS,
    "POST /admin/steckbriefe/{profile_id:int}/umsetzung/meilenstein/{milestone_id:int}": ADMINS,
    "POST /admin/clusters/{cluster_id:int}/steckbrief": MODERATORS,
    # A selection: every staff member reaches it; what they may do with it (a new profile,
    # adding to one) is checked per profile (an empty selection is only told so).
    "POST /admin/processes/{slug:str}/steckbriefe/selection": STAFF,
    # Rating: evaluators and admins; a profile not assigned to them answers 404.
    "POST /bewertung/runden/{round_id:int}/steckbriefe/{profile_id:int}": RATERS,
    "POST /bewertung/runden/{round_id:int}/steckbriefe/{profile_id:int}/konflikt": RATERS,
    "POST /bewertung/runden/{round_id:int}/tabelle": RATERS,
    "POST /admin/bewertung/runden/{round_id:int}/bewertende/{user_id:int}/tabelle": ADMINS,
    # The staff API's writes take a personal access token, never a browser session: every
    # signed-in browser is refused (401). Who may write with a token:
    # tests/test_profiles_staff_api.py.
    "POST /api/v1/staff/processes/{slug:str}/profiles": frozenset(),
    "PUT /api/v1/staff/processes/{slug:str}/profiles/{profile_id:int}": frozenset(),
    "POST /api/v1/staff/processes/{slug:str}/profiles/{profile_id:int}/status": frozenset(),
    "POST /api/v1/staff/processes/{slug:str}/profiles/{profile_id:int}/sources": frozenset(),
    "POST /api/v1/staff/processes/{slug:str}/profiles/{profile_id:int}/sources/remove": (
        frozenset()
    ),
    "POST /api/v1/staff/processes/{slug:str}/merges": frozenset(),
    # Rating with a token (tests/test_ratings_staff_api.py).
    "PUT /api/v1/staff/rounds/{round_id:int}/profiles/{profile_id:int}": frozenset(),
    "POST /api/v1/staff/rounds/{round_id:int}/profiles/{profile_id:int}/conflict": frozenset(),
    # Personal access tokens for the staff API: every staff member their own.
    "POST /konto/tokens": STAFF,
    "POST /konto/tokens/{token_id:int}/revoke": STAFF,
    # Limiting a staff member to processes and action fields.
    "POST /admin/users/{user_id:int}/zustaendigkeit": ADMINS,
    # The known population of firms behind the participation dashboard.
    "POST /admin/processes/{slug:str}/beteiligung/grundgesamtheit": ADMINS,
    # One's own account: every staff member.
    "POST /konto/name": STAFF,
    "POST /konto/passwort": STAFF,
    "POST /konto/zwei-faktor": STAFF,
    "POST /konto/zwei-faktor/aus": STAFF,
    "POST /konto/zwei-faktor/codes": STAFF,
    # The user administration.
    "POST /admin/users": ADMINS,
    "POST /admin/users/{user_id:int}/einladung": ADMINS,
    "POST /admin/users/{user_id:int}/rolle": ADMINS,
    "POST /admin/users/{user_id:int}/deaktivieren": ADMINS,
    "POST /admin/users/{user_id:int}/reaktivieren": ADMINS,
}


def write_routes(app: Litestar) -> list[str]:
    """Every state-changing route of the app, as "METHOD /path/{param:type}"."""
    found = {
        f"{method} {route.path}"
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        for method in handler.http_methods & WRITE_METHODS
    }
    # Signing out last: it ends the session the requests after it would need.
    return sorted(found, key=lambda route: (route == "POST /logout", route))


def _app(tmp_path: Path) -> Litestar:
    """The app as configured for tests; it is not started, only its routes are read."""
    return create_app(
        Settings(
            var_dir=tmp_path,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}",
            secret_key="test-secret-" + "x" * 32,
        )
    )


def test_every_write_route_is_classified(tmp_path: Path) -> None:
    routes = set(write_routes(_app(tmp_path)))
    unclassified = sorted(routes - WRITE_ROUTES.keys())
    assert not unclassified, (
        "State-changing routes nobody has said who may use; add them to WRITE_ROUTES:\n"
        + "\n".join(unclassified)
    )
    gone = sorted(WRITE_ROUTES.keys() - routes)
    assert not gone, "WRITE_ROUTES lists routes the app no longer has:\n" + "\n".join(gone)


async def _path_params(session: AsyncSession) -> dict[str, str]:
    """Real rows for the routes' path parameters, so that requests let through reach real
    work: a process, a pending idea, a survey, a focus-group session."""
    process = await add_process(session)
    idea = await add_idea(session, process, status=ContributionStatus.PENDING)
    built = await add_survey(session, process)
    focus_group = await add_session(session, process)
    member = await add_member(session, focus_group)
    section = built.sections[0]
    question = next(iter(built.questions.values()))
    profile = Profile(process_id=process.id or 0, title="Glasfaser für alle Schulen")
    session.add(profile)
    await session.commit()
    return {
        "slug": SLUG,
        "field": "title",
        "idea_id": str(idea.id),
        "contribution_id": str(idea.id),
        "token": "kein-gueltiger-link",
        "survey_slug": built.survey.slug,
        "survey_id": str(built.id),
        "section_id": str(section.id),
        "question_id": str(question.id),
        "session_id": str(focus_group.id),
        "member_id": str(member.id),
        "code": CODE,
        "profile_id": str(profile.id),
        "version": "1",
        "user_id": "1",
        "cluster_id": "1",
        "number": "1",
        "token_id": "0",
        # No pair or merge yet: the handler answers 404 to those let through.
        "pair_id": "999999",
        "round_id": "999999",
        "milestone_id": "999999",
        "form_path": "notizen",
        "merge_id": "999999",
        "word_id": "999999",
        "site_id": "999999",
        "event_id": "999999",
    }


_PARAM = re.compile(r"\{(\w+):\w+\}")


def _url(path: str, params: dict[str, str]) -> str:
    return _PARAM.sub(lambda match: params[match.group(1)], path)


def refused(response: Response) -> bool:
    """Refused for want of the right: 401 (the API), 403 from a guard (not the CSRF check,
    which answers 403 too) or, for pages, sent to sign in."""
    if response.status_code == 403:
        assert de("The form has expired") not in response.text, "the CSRF token was refused"
        return True
    location = response.headers.get("location", "")
    return response.status_code == 401 or (
        response.is_redirect and location.startswith("/login?next=")
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_write_routes_refuse_whoever_lacks_the_right(
    client: Client, app: Litestar, settings: Settings, actor: str
) -> None:
    params = in_db(settings, _path_params)
    if actor != ANONYMOUS:
        in_db(settings, lambda s: add_staff(s, f"{actor}@example.org", Role(actor)))
        assert login(client, f"{actor}@example.org").status_code == 303
    token = csrf_token(client)

    wrong = []
    for route in write_routes(app):
        method, path = route.split(" ", 1)
        response = client.request(
            method,
            _url(path, params),
            data={"_csrf_token": token},
            headers={"x-csrftoken": token},
            follow_redirects=False,
        )
        may = actor in WRITE_ROUTES.get(route, frozenset())
        if refused(response) is may or response.status_code >= 500:
            answer = f"{response.status_code} {response.headers.get('location', '')}".strip()
            wrong.append(f"{route}: {answer}, but {actor} {'may' if may else 'may not'}")
    assert not wrong, "\n".join(wrong)
