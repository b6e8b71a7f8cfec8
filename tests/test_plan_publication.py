"""Publishing a plan (participation/services/evaluation/publication.py): refused while no
profile has a place, then every placed profile becomes public with a revision, the plan is
marked public and logged, taking it back hides the plan but keeps the profiles, and the
general answer is kept trimmed and logged when it changes."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    EvaluationAction,
    EvaluationEvent,
    Profile,
    ProfileRevision,
    ProfileStatus,
)
from participation.services.errors import ValidationFailed
from participation.services.evaluation import groups, publication
from tests.evaluation_rows import rated_round


async def _log(session: AsyncSession) -> list[EvaluationAction]:
    rows = await session.exec(select(EvaluationEvent).order_by(col(EvaluationEvent.id)))
    return [event.action for event in rows]


async def test_a_plan_without_places_is_not_published(session: AsyncSession) -> None:
    made = await rated_round(session)
    with pytest.raises(ValidationFailed) as refused:
        await publication.publish_plan(session, made.process_id, made.admin)
    assert "plan" in refused.value.errors
    assert not await publication.is_published(session, made.process_id)


async def test_publishing_makes_placed_profiles_public_and_is_logged(
    session: AsyncSession,
) -> None:
    made = await rated_round(session)
    await groups.apply_preset(session, made.process_id)
    await groups.propose(session, made.round_id, made.admin)
    state = await publication.publish_plan(session, made.process_id, made.admin)

    assert state.published
    assert state.placed == 4
    assert await publication.is_published(session, made.process_id)
    fresh = select(Profile).execution_options(populate_existing=True)
    statuses = {p.id: p.status for p in await session.exec(fresh)}
    assert set(statuses.values()) == {ProfileStatus.PUBLISHED}
    revisions = await session.exec(
        select(ProfileRevision.author_id, ProfileRevision.changed_fields).where(
            col(ProfileRevision.changed_fields).is_not(None)
        )
    )
    assert (made.admin.id, ["status"]) in [(a, list(f)) for a, f in revisions]
    assert (await _log(session))[-1] is EvaluationAction.PLAN_PUBLISHED

    withdrawn = await publication.withdraw_plan(session, made.process_id, made.admin)
    assert not withdrawn.published
    assert (await _log(session))[-1] is EvaluationAction.PLAN_WITHDRAWN
    still = {p.status for p in await session.exec(fresh)}
    assert still == {ProfileStatus.PUBLISHED}


async def test_the_general_answer_is_trimmed_checked_and_logged(session: AsyncSession) -> None:
    made = await rated_round(session)
    text = "  Alle Beiträge bleiben im Beteiligungsbericht dokumentiert.\r\n "
    setup = await publication.save_general_answer(session, made.process_id, text, made.admin)
    assert setup.general_answer == "Alle Beiträge bleiben im Beteiligungsbericht dokumentiert."
    await publication.save_general_answer(session, made.process_id, text, made.admin)
    assert (await _log(session)).count(EvaluationAction.GENERAL_ANSWER) == 1
    with pytest.raises(ValidationFailed):
        await publication.save_general_answer(session, made.process_id, "x" * 5001, made.admin)
