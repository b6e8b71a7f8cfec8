"""Saving a process's criteria and scale together (criteria.save_setup): the scale's checks,
nothing saved when either part is wrong, no change no log, and after the first rating only
when confirmed, the scale logged before and after; and the log's lines in words."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    EvaluationAction,
    EvaluationEvent,
    EvaluationSetup,
    Role,
    utcnow,
)
from participation.services.errors import ValidationFailed
from participation.services.evaluation import administration, criteria
from participation.services.evaluation.criteria import CriterionRow, NeedsConfirmation, ScaleInput
from tests.evaluation_rows import rated_round
from tests.helpers import add_actor, add_process, in_locale

ROWS = [CriterionRow(name="Wirkung", weight="2"), CriterionRow(name="Kosten")]
SCALE = ScaleInput("2", ("nein", "teils", "ja"), "3")


async def _log(session: AsyncSession) -> list[EvaluationEvent]:
    return list(await session.exec(select(EvaluationEvent).order_by(col(EvaluationEvent.id))))


async def test_the_scale_is_checked_with_the_rows_and_nothing_is_saved(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    admin = await add_actor(session, "admin@example.org", Role.ADMIN)
    assert process.id is not None
    bad = ScaleInput("11", ("a", "", "c"), "0")
    with pytest.raises(ValidationFailed) as failed, in_locale("de"):
        await criteria.save_setup(
            session, process.id, [CriterionRow(name="", description="x")], bad, admin
        )
    assert set(failed.value.errors) == {"0-name", "scale_max", "level-1", "min_ratings"}
    assert failed.value.errors["scale_max"] == "Bitte geben Sie eine ganze Zahl von 2 bis 10 an."
    # A top level of 3 wants four descriptions.
    with pytest.raises(ValidationFailed) as short:
        await criteria.save_setup(session, process.id, ROWS, ScaleInput("3", ("a", "b")), admin)
    assert set(short.value.errors) == {"level-2", "level-3"}
    assert await criteria.criteria_of(session, process.id) == []
    assert await session.get(EvaluationSetup, process.id) is None


async def test_saved_once_then_unchanged_then_only_when_confirmed(session: AsyncSession) -> None:
    process = await add_process(session)
    admin = await add_actor(session, "admin@example.org", Role.ADMIN)
    assert process.id is not None
    assert await criteria.save_setup(session, process.id, ROWS, SCALE, admin)
    setup = await criteria.setup_of(session, process.id)
    assert (setup.scale_min, setup.scale_max, setup.levels, setup.min_ratings) == (
        0,
        2,
        ["nein", "teils", "ja"],
        3,
    )
    stored = await criteria.criteria_of(session, process.id)
    assert [(c.name, c.weight) for c in stored] == [("Wirkung", 2.0), ("Kosten", 1.0)]
    kept = [CriterionRow(str(c.id), c.name, c.description, str(c.weight)) for c in stored]
    logged = len(await _log(session))
    assert logged == 2  # the scale and the criteria
    assert not await criteria.save_setup(session, process.id, kept, SCALE, admin)
    assert len(await _log(session)) == logged

    setup.first_rating_at = utcnow()
    session.add(setup)
    await session.commit()
    wider = ScaleInput("4", ("0", "1", "2", "3", "4"), "3")
    with pytest.raises(NeedsConfirmation):
        await criteria.save_setup(session, process.id, kept, wider, admin)
    assert (await criteria.setup_of(session, process.id)).scale_max == 2
    assert await criteria.save_setup(session, process.id, kept, wider, admin, confirmed=True)
    assert (await criteria.setup_of(session, process.id)).scale_max == 4
    assert [c.id for c in await criteria.criteria_of(session, process.id)] == [c.id for c in stored]
    last = (await _log(session))[-1]
    assert last.action is EvaluationAction.CRITERIA_CHANGED
    assert (
        last.details["scale_before"]["scale_max"],
        last.details["scale_after"]["scale_max"],
    ) == (
        2,
        4,
    )
    with in_locale("de"):
        assert administration.describe(last) == [
            "Skala: 0–2 → 0–4",
            "Beschreibungen der Stufen geändert",
        ]


async def test_the_log_says_what_changed_in_words(session: AsyncSession) -> None:
    event = EvaluationEvent(
        process_id=1,
        action=EvaluationAction.CRITERIA_CHANGED,
        details={
            "before": [
                {"id": 1, "name": "A", "weight": 1.0},
                {"id": 2, "name": "B", "weight": 1.0},
            ],
            "after": [
                {"id": 1, "name": "A neu", "weight": 1.5},
                {"id": 3, "name": "C", "weight": 2.0},
            ],
        },
    )
    with in_locale("de"):
        assert administration.describe(event) == [
            "Umbenannt: „A“ → „A neu“",
            "Gewicht von „A neu“: 1 → 1,5",
            "Neu: „C“, Gewicht 2",
            "Entfernt: „B“",
        ]
    opened = EvaluationEvent(
        process_id=1,
        action=EvaluationAction.ROUND_OPENED,
        details={"title": "R", "profiles": 1, "evaluators": [4, 5], "extra": "x"},
    )
    with in_locale("de"):
        assert administration.describe(opened) == ["1 Steckbrief", "2 Bewertende", "extra: x"]


async def test_the_scale_cannot_end_below_a_saved_rating(session: AsyncSession) -> None:
    made = await rated_round(session)  # ratings up to 4 on a 0-4 scale
    stored = await criteria.criteria_of(session, made.process_id)
    kept = [CriterionRow(str(c.id), c.name, c.description, str(c.weight)) for c in stored]
    narrower = ScaleInput("3", ("0", "1", "2", "3"), "1")
    with pytest.raises(ValidationFailed) as failed, in_locale("de"):
        await criteria.save_setup(
            session, made.process_id, kept, narrower, made.admin, confirmed=True
        )
    assert failed.value.errors == {
        "scale_max": "Es wurden Bewertungen bis Stufe 4 gespeichert: "
        "Die Skala kann nicht darunter enden."
    }
    assert (await criteria.setup_of(session, made.process_id)).scale_max == 4
