"""Rating rounds (participation/services/evaluation/rounds.py): which profiles a round takes,
who may rate, which profiles each evaluator is assigned (all, or an action field's),
closing, progress, and the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Criterion,
    EvaluationAction,
    EvaluationEvent,
    ProfileStatus,
    Rating,
    Role,
    RoundStatus,
    utcnow,
)
from participation.services.errors import ValidationFailed
from participation.services.evaluation import rounds
from participation.services.evaluation.rounds import Assignment
from tests.helpers import add_actor, add_process, add_themes, in_locale
from tests.profile_rows import add_profile


async def test_a_round_takes_the_ready_profiles_and_assigns_by_action_field(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    themes = await add_themes(session, process)
    admin = await add_actor(session, "admin@example.org", Role.ADMIN)
    everything = await add_actor(session, "jury@example.org", Role.EVALUATOR)
    schools = await add_actor(session, "schule@example.org", Role.EVALUATOR)
    wlan = await add_profile(
        session, process, title="WLAN", status=ProfileStatus.READY, themes=[themes["schule"]]
    )
    bus = await add_profile(
        session, process, title="Rufbus", status=ProfileStatus.READY, themes=[themes["oepnv"]]
    )
    await add_profile(session, process, title="Entwurf", status=ProfileStatus.DRAFT)
    assert process.id
    assert admin.id
    assert everything.id
    assert schools.id

    round_ = await rounds.open_round(
        session,
        process.id,
        "  Bewertung   2027 ",
        [Assignment(everything.id), Assignment(schools.id, themes["schule"].id)],
        admin,
        due_on=utcnow().date() + timedelta(days=14),
    )
    assert round_.id
    assert round_.title == "Bewertung 2027"
    assert [p.title for p in await rounds.assigned_profiles(session, round_.id, everything.id)] == [
        "Rufbus",
        "WLAN",
    ]
    assert [p.id for p in await rounds.assigned_profiles(session, round_.id, schools.id)] == [
        wlan.id
    ]
    assert await rounds.assigned_profiles(session, round_.id, admin.id) == []

    # Progress: the profiles submitted by the evaluator, drafts not counted.
    session.add(
        Rating(
            round_id=round_.id,
            profile_id=bus.id or 0,
            evaluator_id=everything.id,
            criterion_id=await _criterion(session, process.id),
            value=3,
            submitted_at=utcnow(),
        )
    )
    await session.commit()
    [progress] = await rounds.rounds_of(session, everything.id)
    assert (progress.assigned, progress.submitted) == (2, 1)
    assert [(p.assigned, p.submitted) for p in await rounds.rounds_of(session, schools.id)] == [
        (1, 0)
    ]

    closed = await rounds.close_round(session, round_.id, admin)
    assert closed.status is RoundStatus.CLOSED
    assert await rounds.close_round(session, round_.id, admin) == closed
    assert await rounds.rounds_of(session, everything.id) == []  # closed rounds drop out
    log = list(await session.exec(select(EvaluationEvent).order_by(col(EvaluationEvent.id))))
    assert [(e.action, e.actor_id) for e in log] == [
        (EvaluationAction.ROUND_OPENED, admin.id),
        (EvaluationAction.ROUND_CLOSED, admin.id),
    ]
    assert log[0].details["profiles"] == 2


async def _criterion(session: AsyncSession, process_id: int) -> int:
    criterion = Criterion(process_id=process_id, name="Nachhaltigkeit")
    session.add(criterion)
    await session.commit()
    return criterion.id or 0


async def test_chosen_profiles_of_the_process_only(session: AsyncSession) -> None:
    process = await add_process(session)
    other = await add_process(session, slug="anderes")
    admin = await add_actor(session, "admin@example.org", Role.ADMIN)
    jury = await add_actor(session, "jury@example.org", Role.EVALUATOR)
    draft = await add_profile(session, process, title="Entwurf", status=ProfileStatus.DRAFT)
    dropped = await add_profile(session, process, title="Weg", status=ProfileStatus.DROPPED)
    foreign = await add_profile(session, other, title="Fremd", status=ProfileStatus.READY)
    assert process.id
    assert jury.id
    round_ = await rounds.open_round(
        session,
        process.id,
        "Auswahl",
        [Assignment(jury.id)],
        admin,
        profile_ids=[draft.id or 0, dropped.id or 0, foreign.id or 0],
    )
    assert [p.id for p in await rounds.assigned_profiles(session, round_.id or 0, jury.id)] == [
        draft.id
    ]


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("title", "title", "Titel"),
        ("nothing ready", "profiles", "bereit zur Bewertung"),
        ("moderator", "evaluators", "Nur aktive"),
        ("inactive", "evaluators", "Nur aktive"),
        ("foreign theme", "evaluators", "Handlungsfelder dieses Verfahrens"),
        ("no one", "evaluators", "mindestens eine"),
        ("past", "due_on", "Vergangenheit"),
    ],
)
async def test_a_round_that_cannot_be_opened_says_why(
    session: AsyncSession, case: str, field: str, message: str
) -> None:
    process = await add_process(session)
    other = await add_process(session, slug="anderes")
    foreign = (await add_themes(session, other))["schule"]
    admin = await add_actor(session, "admin@example.org", Role.ADMIN)
    jury = await add_actor(session, "jury@example.org", Role.EVALUATOR)
    if case != "nothing ready":
        await add_profile(session, process, status=ProfileStatus.READY)
    assert process.id
    assert jury.id
    assignment = Assignment(jury.id)
    if case == "moderator":
        assignment = Assignment((await add_actor(session, "mod@example.org")).id or 0)
    elif case == "inactive":
        jury.is_active = False
        session.add(jury)
        await session.commit()
    elif case == "foreign theme":
        assignment = Assignment(jury.id, foreign.id)
    due = utcnow().date() - timedelta(days=1) if case == "past" else None
    with pytest.raises(ValidationFailed) as failed, in_locale("de"):
        await rounds.open_round(
            session,
            process.id,
            "" if case == "title" else "Runde",
            [] if case == "no one" else [assignment],
            admin,
            due_on=due,
        )
    assert message in str(failed.value.errors[field])
