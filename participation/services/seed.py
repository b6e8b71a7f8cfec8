"""The demo process that a fresh installation shows, seeded once into an empty database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import demo_content as demo
from participation.models import (
    Channel,
    Contribution,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    ModerationMode,
    Phase,
    PhaseKind,
    Process,
    Role,
    Segment,
    Theme,
    ThemeSource,
    utcnow,
)
from participation.services.users import add_user

DEMO_MODERATOR_EMAIL = "moderation@demo.invalid"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str


async def database_is_empty(session: AsyncSession) -> bool:
    return (await session.exec(select(func.count()).select_from(Process))).one() == 0


async def seed_demo(session: AsyncSession, now: datetime | None = None) -> DemoLogin | None:
    """Create the demo process and a demo moderator, only into a database without processes.

    Returns the moderator's login (the password is random and exists nowhere else),
    or None when there was something already and nothing was seeded.
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
    password = secrets.token_urlsafe(12)
    moderator = await add_user(
        session,
        email=DEMO_MODERATOR_EMAIL,
        password=password,
        role=Role.MODERATOR,
        display_name="Demo-Moderation",
    )
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
    await session.commit()
    return DemoLogin(email=DEMO_MODERATOR_EMAIL, password=password)
