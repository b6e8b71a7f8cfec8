"""A published plan for tests of the public plan: the rated round of tests/evaluation_rows.py
(A 4.0, B 3.0, C 3.0, D 1.33) in three groups (Premium+ takes one, Premium one, the rest the
others), with action fields, lead organisations, sources from several segments and channels
(one shared by two profiles), an indicator with values entered out of order, and progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    EvaluationSetup,
    IndicatorValue,
    OrganisationKind,
    OrganisationRole,
    PriorityGroup,
    Process,
    ProfileIndicator,
    ProfileOrganisation,
    ProfileSource,
    ProfileStatus,
    ProfileTheme,
    Segment,
    Theme,
)
from participation.services.evaluation import groups, publication
from participation.services.evaluation.criteria import SCALE_LEVELS
from participation.services.evaluation.groups import GroupRow
from tests.evaluation_rows import Round, rated_round
from tests.helpers import add_idea, add_themes


@dataclass
class PublishedPlan:
    made: Round
    process: Process
    groups: list[PriorityGroup]  # Premium+, Premium, Weitere
    themes: dict[str, Theme]
    indicator_id: int  # A's, latest value 14 on 2026-06-01


async def published_plan(session: AsyncSession, *, publish: bool = True) -> PublishedPlan:
    made = await rated_round(session)
    process = await session.get(Process, made.process_id)
    assert process is not None
    setup = await session.get(EvaluationSetup, made.process_id)
    assert setup is not None
    setup.levels = list(SCALE_LEVELS)
    session.add(setup)
    themes = await add_themes(session, process)
    themes["radwege"].lead_organisation = "Landkreis Auetal"
    session.add(themes["radwege"])
    a, b, c, _d = (p.id or 0 for p in made.profiles)
    session.add_all(
        [
            ProfileTheme(profile_id=a, theme_id=themes["radwege"].id or 0, is_primary=True),
            ProfileTheme(profile_id=a, theme_id=themes["schule"].id or 0),
            ProfileTheme(profile_id=b, theme_id=themes["radwege"].id or 0, is_primary=True),
            ProfileTheme(profile_id=c, theme_id=themes["schule"].id or 0, is_primary=True),
            ProfileOrganisation(
                profile_id=a, name="Stadtwerke", kind=OrganisationKind.FIRM,
                role=OrganisationRole.LEAD,
            ),
            ProfileOrganisation(
                profile_id=a, name="Grundschule", kind=OrganisationKind.SCHOOL,
                role=OrganisationRole.PARTNER, position=1,
            ),
            ProfileOrganisation(
                profile_id=b, name="=Radverein", kind=OrganisationKind.ASSOCIATION,
                role=OrganisationRole.LEAD,
            ),
        ]
    )  # fmt: skip
    resident = await add_idea(session, process, title="Radweg")
    pupil = await add_idea(
        session, process, title="Schulweg", segment=Segment.PUPIL, channel=Channel.FOCUS_GROUP
    )
    firm = await add_idea(
        session, process, title="Pendeln", segment=Segment.FIRM, channel=Channel.SURVEY
    )
    pupil_two = await add_idea(
        session, process, title="Busse", segment=Segment.PUPIL, channel=Channel.FOCUS_GROUP
    )
    for profile_id, contribution in (
        (a, resident),
        (a, pupil),
        (b, resident),  # shared: counted once in the plan
        (b, firm),
        (c, pupil_two),
    ):
        session.add(ProfileSource(profile_id=profile_id, contribution_id=contribution.id or 0))
    await session.commit()
    made_groups = await groups.save_groups(
        session,
        made.process_id,
        [
            GroupRow(name="Premium+", size="1", description="Die **wichtigsten** Projekte"),
            GroupRow(name="Premium", size="1"),
            GroupRow(name="Weitere Projektideen"),
        ],
    )
    await groups.propose(session, made.round_id, made.admin)
    if publish:  # then what became of two of them since
        await publication.publish_plan(session, made.process_id, made.admin)
        for profile, status, progress in (
            (made.profiles[0], ProfileStatus.IN_IMPLEMENTATION, 40),
            (made.profiles[1], ProfileStatus.COMPLETED, 100),
        ):
            await session.refresh(profile)
            profile.status = status
            profile.progress = progress
            session.add(profile)
        await session.commit()
    # Indicators after publishing: saving a profile (its status too) writes its indicators
    # anew, and their values with them.
    indicator = ProfileIndicator(
        profile_id=a, name="Kilometer Radweg", unit="km", baseline="10", target="25"
    )
    session.add(indicator)
    session.add(ProfileIndicator(profile_id=c, name="Sichere Schulwege", target="12"))
    await session.flush()
    for value, day in (
        (10.0, date(2026, 1, 1)),
        (14.0, date(2026, 6, 1)),
        (12.0, date(2026, 3, 1)),
    ):
        session.add(IndicatorValue(indicator_id=indicator.id or 0, value=value, measured_on=day))
    await session.commit()
    return PublishedPlan(made, process, made_groups, themes, indicator.id or 0)
