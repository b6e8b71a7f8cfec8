"""A plan with ideas behind its profiles, for tests of what became of contributions
(services/evaluation/outcomes.py): the rated round's four profiles A-D placed in groups, and
ideas that went into them, into none, or were merged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    PlanEntry,
    Process,
    ProfileSource,
    utcnow,
)
from participation.services.evaluation import groups, publication
from tests.evaluation_rows import Round, rated_round
from tests.helpers import add_idea

GENERAL_ANSWER = "Alle Beiträge bleiben im **Beteiligungsbericht** dokumentiert."


@dataclass
class Plan:
    made: Round
    process: Process
    in_a: Contribution  # a source of A (Premium+)
    in_two: Contribution  # a source of A (Premium+) and D (Premium)
    in_none: Contribution  # in no profile
    merged: Contribution  # merged into in_a
    rejected: Contribution  # rejected, in no profile
    comment: Contribution  # a comment on in_a


async def plan_with_ideas(session: AsyncSession, *, publish: bool = True) -> Plan:
    made = await rated_round(session)
    process = await session.get(Process, made.process_id)
    assert process is not None
    in_a = await add_idea(session, process, title="Glasfaser ins Dorf", follow_token="folge-a")
    in_two = await add_idea(session, process, title="WLAN in Bussen", follow_token="folge-b")
    in_none = await add_idea(session, process, title="Ein Kino", follow_token="folge-c")
    merged = await add_idea(
        session,
        process,
        title="Schnelles Netz",
        status=ContributionStatus.MERGED,
        follow_token="folge-d",
    )
    rejected = await add_idea(
        session,
        process,
        title="Unsinn",
        status=ContributionStatus.REJECTED,
        follow_token="folge-e",
    )
    comment = await add_idea(
        session, process, title="", kind=ContributionKind.COMMENT, parent_id=in_a.id
    )
    merged.duplicate_of_id = in_a.id
    session.add(merged)
    a, _b, _c, d = made.profiles
    session.add_all(
        [
            ProfileSource(profile_id=a.id or 0, contribution_id=in_a.id or 0),
            ProfileSource(profile_id=a.id or 0, contribution_id=in_two.id or 0),
            ProfileSource(profile_id=d.id or 0, contribution_id=in_two.id or 0),
        ]
    )
    await session.commit()
    await groups.apply_preset(session, made.process_id)
    await groups.propose(session, made.round_id, made.admin)
    placed = await groups.groups_of(session, made.process_id)
    # D one group down: the ideas' profiles are in different groups.
    await session.exec(
        update(PlanEntry)
        .where(col(PlanEntry.profile_id) == d.id)
        .values(group_id=placed[1].id, placed_at=utcnow())
    )
    await session.commit()
    await publication.save_general_answer(session, made.process_id, GENERAL_ANSWER, made.admin)
    if publish:
        await publication.publish_plan(session, made.process_id, made.admin)
    return Plan(made, process, in_a, in_two, in_none, merged, rejected, comment)
