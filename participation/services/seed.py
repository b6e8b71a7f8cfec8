"""The demo process that a fresh installation shows, seeded once into an empty database."""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import demo_content as demo
from participation import demo_plan, demo_profiles
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    ModerationMode,
    Phase,
    PhaseKind,
    Process,
    Profile,
    QuestionKind,
    Role,
    Segment,
    Support,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    Theme,
    ThemeSource,
    User,
    utcnow,
)
from participation.services import seed_plan
from participation.services.contributions import hash_token
from participation.services.profiles import editing, working_group
from participation.services.users import add_user

DEMO_MODERATOR_EMAIL = "moderation@demo.invalid"
DEMO_ADMIN_EMAIL = "admin@demo.invalid"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str


@dataclass(frozen=True)
class DemoLogins:
    """The demo's staff accounts: a moderator, and an admin who sees every part of the app.
    Their passwords are random and exist nowhere else."""

    moderator: DemoLogin
    admin: DemoLogin | None  # None in a login file from before the demo had an admin
    jurors: tuple[DemoLogin, ...] = ()  # the evaluators who rated the demo's profiles


async def database_is_empty(session: AsyncSession) -> bool:
    return (await session.exec(select(func.count()).select_from(Process))).one() == 0


async def seed_demo(
    session: AsyncSession, now: datetime | None = None, *, with_plan: bool = True
) -> DemoLogins | None:
    """Create the demo process, a demo moderator, a demo admin and two jurors, only into a
    database without processes; with its evaluation up to the published plan, or
    (`with_plan=False`) with its profiles ready for a round that is still to be held.

    Returns their logins, or None when there was something already and nothing was seeded.
    """
    if not await database_is_empty(session):
        return None
    now = now or utcnow()
    day = timedelta(days=1)
    spec = demo.PROCESS
    process = Process(
        slug=spec["slug"],
        title=spec["title"],
        summary=spec["summary"],
        description=spec["description"],
        plain_description=spec["plain_description"],
        moderation_mode=ModerationMode(spec["moderation_mode"]),
        created_at=now + spec["phases"][0]["starts_in_days"] * day,
    )
    session.add(process)
    await session.flush()
    assert process.id is not None
    for position, phase in enumerate(spec["phases"]):
        session.add(
            Phase(
                process_id=process.id,
                kind=PhaseKind(phase["kind"]),
                title=phase["title"],
                description=phase["description"],
                starts_at=now + phase["starts_in_days"] * day,
                ends_at=now + phase["ends_in_days"] * day,
                position=position,
            )
        )
    themes: dict[str, Theme] = {}
    for position, theme in enumerate(demo.THEMES):
        themes[theme["slug"]] = Theme(
            process_id=process.id,
            slug=theme["slug"],
            name=theme["name"],
            description=theme["description"],
            keywords=theme["keywords"],
            lead_organisation=theme["lead_organisation"],
            position=position,
        )
        session.add(themes[theme["slug"]])
    logins = DemoLogins(
        moderator=DemoLogin(DEMO_MODERATOR_EMAIL, secrets.token_urlsafe(12)),
        admin=DemoLogin(DEMO_ADMIN_EMAIL, secrets.token_urlsafe(12)),
        jurors=tuple(
            DemoLogin(juror["email"], secrets.token_urlsafe(12)) for juror in demo_plan.JURORS
        ),
    )
    moderator = await add_user(
        session,
        email=logins.moderator.email,
        password=logins.moderator.password,
        role=Role.MODERATOR,
        display_name="Demo-Moderation",
    )
    assert logins.admin is not None
    admin = await add_user(
        session,
        email=logins.admin.email,
        password=logins.admin.password,
        role=Role.ADMIN,
        display_name="Demo-Administration",
    )
    published: dict[str, Contribution] = {}
    # Spread the hours so the ideas do not all carry the same time of day.
    for index, item in enumerate(demo.CONTRIBUTIONS):
        created = now - item["days_ago"] * day - timedelta(hours=(index * 7) % 11, minutes=index)
        status = ContributionStatus(item["status"])
        organisation = item.get("organisation")
        contribution = Contribution(
            process_id=process.id,
            title=item["title"],
            body=item["body"],
            segment=Segment(item["segment"]),
            channel=Channel(item["channel"]),
            municipality=item["municipality"],
            organisation_name=organisation["name"] if organisation else None,
            organisation_sector=organisation["sector"] if organisation else None,
            organisation_size=organisation["size_class"] if organisation else None,
            status=status,
            consent_at=created,
            created_at=created,
            published_at=created + timedelta(hours=5)
            if status is ContributionStatus.PUBLISHED
            else None,
        )
        session.add(contribution)
        await session.flush()
        assert contribution.id is not None
        if status is ContributionStatus.PUBLISHED:
            published[item["title"]] = contribution
        for slug in item["themes"]:
            theme_id = themes[slug].id
            assert theme_id is not None
            session.add(
                ContributionTheme(
                    contribution_id=contribution.id,
                    theme_id=theme_id,
                    source=ThemeSource.CONFIRMED,
                )
            )
        if status is not ContributionStatus.PENDING:
            approve = status is ContributionStatus.PUBLISHED
            session.add(
                ModerationEvent(
                    contribution_id=contribution.id,
                    actor_id=moderator.id,
                    action=ModerationAction.APPROVE if approve else ModerationAction.REJECT,
                    from_status=ContributionStatus.PENDING,
                    to_status=status,
                    reason=item.get("reject_reason", ""),
                    created_at=created + timedelta(hours=5),
                )
            )
    await _seed_comments(session, published, moderator, now)
    _seed_supports(session, published)
    call = next(p for p in spec["phases"] if p["kind"] == PhaseKind.IDEA_CALL.value)
    await _seed_survey(
        session, process.id, now + call["starts_in_days"] * day, now + call["ends_in_days"] * day
    )
    await session.commit()
    profiles = await _seed_profiles(session, process.id, themes, published, moderator)
    jurors = await seed_plan.seed_jurors(session, logins.jurors)
    await seed_plan.seed_focus_group(session, process.id, published, moderator, now)
    if with_plan:
        await seed_plan.seed_plan(session, process.id, profiles, jurors, admin, now)
    return logins


async def _seed_profiles(
    session: AsyncSession,
    process_id: int,
    themes: dict[str, Theme],
    published: dict[str, Contribution],
    moderator: User,
) -> dict[str, Profile]:
    """The demo's project profiles, each built from demo contributions, in several states,
    by title."""
    profiles: dict[str, Profile] = {}
    for spec in demo_profiles.PROFILES:
        primary, *further = [themes[slug].id for slug in spec["themes"]]
        snapshot = {
            **{
                name: spec[name]
                for name in ("title", "summary", "problem", "goal", "measures", "funding")
            },
            "target_segments": spec["target_segments"],
            "target_groups": spec["target_groups"],
            "primary_theme": primary,
            "further_themes": sorted(t for t in further if t is not None),
            "horizon": spec["horizon"],
            "cost_min": spec["cost_min"],
            "cost_max": spec["cost_max"],
            "organisations": [dict(org) for org in spec["organisations"]],
            "indicators": [dict(indicator) for indicator in spec["indicators"]],
            "status": spec["status"],
        }
        sources = [published[title].id for title in spec["sources"]]
        profile = await editing.create_profile(
            session, process_id, snapshot, moderator, [s for s in sources if s is not None]
        )
        if spec["working_group"] and profile.id is not None and moderator.id is not None:
            await working_group.add_member(session, profile.id, moderator.id, moderator)
        profiles[spec["title"]] = profile
    return profiles


async def _seed_comments(
    session: AsyncSession, ideas: dict[str, Contribution], moderator: User, now: datetime
) -> None:
    """The demo's comments and replies, published with their moderation events. The ideas'
    kept comment counts follow by trigger (migration 0011)."""

    async def add(
        idea: Contribution, body: str, segment: str, days_ago: int, reply_to: int | None
    ) -> int:
        created = now - timedelta(days=days_ago, hours=2)
        comment = Contribution(
            process_id=idea.process_id,
            kind=ContributionKind.COMMENT,
            parent_id=idea.id,
            reply_to_id=reply_to,
            body=body,
            segment=Segment(segment),
            channel=Channel.IDEA_CALL,
            status=ContributionStatus.PUBLISHED,
            consent_at=created,
            created_at=created,
            published_at=created + timedelta(hours=1),
        )
        session.add(comment)
        await session.flush()
        assert comment.id is not None
        session.add(
            ModerationEvent(
                contribution_id=comment.id,
                actor_id=moderator.id,
                action=ModerationAction.APPROVE,
                from_status=ContributionStatus.PENDING,
                to_status=ContributionStatus.PUBLISHED,
                created_at=created + timedelta(hours=1),
            )
        )
        return comment.id

    for item in demo.COMMENTS:
        idea = ideas[item["idea"]]
        top = await add(idea, item["body"], item["segment"], item["days_ago"], None)
        for reply in item.get("replies", []):
            await add(idea, reply["body"], reply["segment"], reply["days_ago"], top)


# How many browsers support each published idea: a few popular ones, many with a handful.
_DEMO_SUPPORTS = (0, 0, 1, 1, 2, 2, 3, 4, 5, 7, 9, 12, 17, 24)


def _seed_supports(session: AsyncSession, ideas: dict[str, Contribution]) -> None:
    """Supports from made-up browsers, the same on every installation. The ideas' kept
    support counts follow by trigger (migration 0011)."""
    rng = random.Random(2031)  # noqa: S311 - the same demo everywhere, not a secret
    for idea in ideas.values():
        assert idea.id is not None
        for number in range(rng.choice(_DEMO_SUPPORTS)):
            supporter = hashlib.sha256(f"demo-{idea.id}-{number}".encode()).hexdigest()
            session.add(Support(contribution_id=idea.id, supporter_hash=supporter))


# The demo survey for firms: every kind of question, open while the idea call runs.
# (section title, [(kind, text, required, options or the scale's two ends)])
DEMO_SURVEY_SLUG = "betriebe-digital"
_DEMO_SURVEY: list[tuple[str, list[tuple[QuestionKind, str, bool, list[str]]]]] = [
    (
        "Ihr Betrieb heute",
        [
            (
                QuestionKind.SINGLE_CHOICE,
                "Wie schnell ist der Internetanschluss Ihres Betriebs?",
                True,
                ["unter 50 Mbit/s", "50 bis 250 Mbit/s", "über 250 Mbit/s", "weiß nicht"],
            ),
            (
                QuestionKind.MULTIPLE_CHOICE,
                "Welche digitalen Werkzeuge nutzen Sie schon?",
                False,
                ["E-Rechnung", "Online-Terminbuchung", "Cloud-Speicher", "Videokonferenzen"],
            ),
            (
                QuestionKind.SCALE,
                "Wie wichtig ist schnelles Internet für Ihr Geschäft?",
                True,
                ["unwichtig", "sehr wichtig"],
            ),
        ],
    ),
    (
        "Was der Landkreis tun sollte",
        [
            (
                QuestionKind.RANKING,
                "Was sollte der Landkreis zuerst angehen?",
                True,
                ["Glasfaser in Gewerbegebieten", "Digitale Verwaltung", "Weiterbildung"],
            ),
            (
                QuestionKind.FREE_TEXT,
                "Was würde Ihrem Betrieb bei der Digitalisierung am meisten helfen?",
                False,
                [],
            ),
        ],
    ),
]


async def _seed_survey(
    session: AsyncSession, process_id: int, opens_at: datetime, closes_at: datetime
) -> None:
    survey = Survey(
        process_id=process_id,
        slug=DEMO_SURVEY_SLUG,
        title="Befragung der Betriebe: Wie digital ist Ihr Betrieb?",
        intro=(
            "Der Landkreis möchte wissen, was Betriebe für die Digitalisierung brauchen, "
            "**bevor** er die Digitalstrategie beschließt."
        ),
        thanks="Vielen Dank! Die Ergebnisse fließen in die Digitalstrategie ein.",
        segment=Segment.FIRM,
        opens_at=opens_at,
        closes_at=closes_at,
        created_at=opens_at,
    )
    session.add(survey)
    await session.flush()
    assert survey.id is not None
    asked: list[tuple[SurveyQuestion, list[int]]] = []
    for section_position, (title, questions) in enumerate(_DEMO_SURVEY):
        section = SurveySection(survey_id=survey.id, title=title, position=section_position)
        session.add(section)
        await session.flush()
        assert section.id is not None
        for position, (kind, text, required, choices) in enumerate(questions):
            scale = kind is QuestionKind.SCALE
            question = SurveyQuestion(
                survey_id=survey.id,
                section_id=section.id,
                kind=kind,
                text=text,
                required=required,
                position=position,
                scale_low_label=choices[0] if scale else "",
                scale_high_label=choices[1] if scale else "",
            )
            session.add(question)
            await session.flush()
            assert question.id is not None
            options = [
                SurveyOption(question_id=question.id, label=label, position=i)
                for i, label in enumerate(choices if not scale else [])
            ]
            session.add_all(options)
            await session.flush()
            asked.append((question, [o.id for o in options if o.id is not None]))
    await _seed_survey_responses(session, survey.id, asked, opens_at)


# Enough sent responses that the demo's results page has something to show.
_DEMO_RESPONSES = 48
_DEMO_SECTORS = ["C", "F", "G", "I", "J", "M", "Q"]  # WZ 2008 sections common in a district
_DEMO_SIZES = ["1-9", "1-9", "10-49", "10-49", "50-249", "250+"]


def _demo_answers(
    rng: random.Random, response_id: int, question: SurveyQuestion, option_ids: list[int]
) -> list[SurveyAnswer]:
    """Plausible answers to one question; free texts stay empty (they would become
    contributions waiting for moderation)."""
    assert question.id is not None
    answer = partial(SurveyAnswer, response_id=response_id, question_id=question.id)
    if question.kind is QuestionKind.SINGLE_CHOICE:
        return [answer(option_id=rng.choice(option_ids))]
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        return [answer(option_id=o) for o in rng.sample(option_ids, rng.randint(1, 3))]
    if question.kind is QuestionKind.SCALE:
        return [answer(number=rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 6, 5])[0])]
    if question.kind is QuestionKind.RANKING:
        order = rng.sample(option_ids, len(option_ids))
        return [answer(option_id=o, number=rank) for rank, o in enumerate(order, start=1)]
    return []


async def _seed_survey_responses(
    session: AsyncSession,
    survey_id: int,
    asked: list[tuple[SurveyQuestion, list[int]]],
    opens_at: datetime,
) -> None:
    rng = random.Random(2030)  # noqa: S311 - the same demo on every installation, not a secret
    for number in range(_DEMO_RESPONSES):
        sent_at = opens_at + timedelta(hours=3 + number * 5)
        response = SurveyResponse(
            survey_id=survey_id,
            resume_token_hash=hash_token(secrets.token_urlsafe(24)),
            segment=Segment.FIRM,
            organisation_name=f"Demo-Betrieb {number + 1}",
            organisation_sector=rng.choice(_DEMO_SECTORS),
            organisation_size=rng.choice(_DEMO_SIZES),
            municipality=rng.choice(demo.MUNICIPALITIES),
            current_page=len(_DEMO_SURVEY) + 1,
            started_at=sent_at - timedelta(minutes=4),
            updated_at=sent_at,
            submitted_at=sent_at,
        )
        session.add(response)
        await session.flush()
        assert response.id is not None
        for question, option_ids in asked:
            session.add_all(_demo_answers(rng, response.id, question, option_ids))
