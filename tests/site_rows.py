"""Rows for every page of the app, and its routes: for tests that open every page or post to
every route (tests/test_input_hygiene.py, tests/test_private_pages.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from litestar import Litestar
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    DuplicatePair,
    Process,
    Role,
)
from participation.models.surveys import QuestionKind
from participation.services.mail import unsubscribe_token
from participation.settings import Settings
from tests.focus_group_helpers import CODE, add_member, stored_session
from tests.helpers import SLUG, Client, add_process, add_staff, in_db, stored_idea
from tests.profile_rows import add_profile
from tests.survey_builders import BuiltSurvey, start, stored_survey

ADMIN = "admin@example.org"
FOLLOW_TOKEN = "folge-link-0123456789abcdefghij"
UNSUBSCRIBE_ADDRESS = "anna@example.org"


@dataclass
class Site:
    """The rows every page needs, and how to fill a route's path parameters."""

    process: Process
    idea_id: int  # published, with a comment and an address for e-mails
    pending_id: int  # in moderation, under FOLLOW_TOKEN
    comment_id: int
    survey: BuiltSurvey
    survey_token: str
    session_id: int
    member_id: int  # a pupil in that session
    unsubscribe: str
    profile_id: int  # a published project profile built from the published idea
    pair_id: int  # the idea and the pending one, suggested as likely duplicates

    def fill(self, template: str) -> str:
        """A route's path with every parameter set to a row that exists."""

        def value(match: re.Match[str]) -> str:
            name = match[1]
            by_name: dict[str, object] = {
                "slug": SLUG,
                "survey_slug": self.survey.survey.slug,
                "survey_id": self.survey.id,
                "section_id": self.survey.sections[0].id,
                "question_id": self.survey.questions[QuestionKind.FREE_TEXT].id,
                "session_id": self.session_id,
                "member_id": self.member_id,
                "number": 0,
                "field": "title",
                "idea_id": self.idea_id,
                "contribution_id": self.idea_id,
                "profile_id": self.profile_id,
                "token_id": 0,
                "pair_id": self.pair_id,
                "merge_id": 999_999,  # none yet: the handler answers 404
                "cluster_id": 999_999,  # no clustering run: 404
                "round_id": 999_999,  # no rating round: 404
                "milestone_id": 999_999,  # no milestone: 404
                "form_path": "notizen",  # the tracking page's note form
                "user_id": 999_999,
                "word_id": 999_999,  # no insult word added: 404
                "site_id": 999_999,  # no site: 404
                "event_id": 999_999,  # no event: 404
                "version": 1,
                "figure_file": "segmente.csv",  # a CSV file of the participation dashboard
            }
            if template.startswith("/follow/"):
                by_name.update(token=FOLLOW_TOKEN, contribution_id=self.pending_id)
            elif template.startswith("/umfrage/"):
                by_name["token"] = self.survey_token
            elif template.startswith("/abbestellen/"):
                by_name["token"] = self.unsubscribe
            elif template.startswith("/abmelden/"):
                by_name["token"] = "unbekannter-link-0123456789"  # the "link invalid" page
            elif template.startswith(("/einladung/", "/passwort-neu/")):
                by_name["token"] = "abgelaufener-link-0123456789"  # the "link invalid" page
            elif template.startswith("/mitmachen/"):
                by_name["code"] = CODE
            elif template.startswith("/lang/"):
                by_name["code"] = "de"
            elif template.startswith("/moderation/"):
                by_name["contribution_id"] = self.pending_id
            return str(by_name[name])

        return re.sub(r"\{(\w+):\w+\}", value, template)


def build_site(client: Client, settings: Settings) -> Site:
    process = in_db(settings, add_process)
    in_db(settings, lambda s: add_staff(s, ADMIN, Role.ADMIN))
    idea = stored_idea(settings, process)
    pending = stored_idea(
        settings,
        process,
        title="Busse am Abend",
        status=ContributionStatus.PENDING,
        follow_token=FOLLOW_TOKEN,
    )
    assert idea.id is not None
    assert pending.id is not None

    async def comment_and_address(session: AsyncSession) -> int:
        stored = await session.get(Contribution, idea.id)
        assert stored is not None
        stored.notify_email = UNSUBSCRIBE_ADDRESS
        comment = Contribution(
            process_id=stored.process_id,
            kind=ContributionKind.COMMENT,
            parent_id=idea.id,
            body="Gute Idee, das brauchen wir.",
            segment=stored.segment,
            channel=stored.channel,
            status=ContributionStatus.PUBLISHED,
        )
        session.add_all([stored, comment])
        await session.commit()
        assert comment.id is not None
        return comment.id

    comment_id = in_db(settings, comment_and_address)
    built = stored_survey(settings, process)
    fg_session = stored_session(settings, process)
    assert fg_session.id is not None
    member = in_db(settings, lambda s: add_member(s, fg_session))
    assert member.id is not None
    profile = in_db(settings, lambda s: add_profile(s, process, sources=[idea]))
    assert profile.id is not None

    twins = sorted((idea.id, pending.id))

    async def pair(session: AsyncSession) -> int:
        assert process.id is not None
        row = DuplicatePair(
            process_id=process.id,
            first_id=twins[0],
            second_id=twins[1],
            score=0.5,
            shared_words=["radweg"],
        )
        session.add(row)
        await session.commit()
        assert row.id is not None
        return row.id

    return Site(
        process=process,
        idea_id=idea.id,
        pending_id=pending.id,
        comment_id=comment_id,
        survey=built,
        survey_token=start(client, process, built),
        session_id=fg_session.id,
        member_id=member.id,
        unsubscribe=unsubscribe_token(settings, idea.id, UNSUBSCRIBE_ADDRESS),
        profile_id=profile.id,
        pair_id=in_db(settings, pair),
    )


def routes(app: Litestar, method: str) -> list[str]:
    """The path templates of the app's routes for `method`, e.g. "/follow/{token:str}"."""
    return sorted(
        {
            route.path
            for route in app.routes
            for handler in getattr(route, "route_handlers", [])
            if method in handler.http_methods and not route.path.startswith(("/static", "/schema"))
        }
    )


def route_of(templates: list[str], path: str) -> str | None:
    for template in templates:
        pattern = re.sub(r"\{\w+:int\}", r"\\d+", re.sub(r"\{\w+:str\}", "[^/]+", template))
        if re.fullmatch(pattern, path.split("?")[0]):
            return template
    return None
