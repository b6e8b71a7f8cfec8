"""A process's criteria (participation/services/evaluation/criteria.py): the Werra-Meißner
preset, saving rows with their errors, ids kept so ratings stay with their criterion, and
a change after the first rating only when confirmed, logged with before and after."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import EvaluationAction, EvaluationEvent, EvaluationSetup, Role, utcnow
from participation.services.errors import ValidationFailed
from participation.services.evaluation import criteria
from participation.services.evaluation.criteria import CriterionRow, NeedsConfirmation
from tests.helpers import add_actor, add_process, in_locale


async def test_the_preset_gives_four_equal_criteria_on_a_scale_of_five_levels(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    admin = await add_actor(session, "admin@example.org", Role.ADMIN)
    assert process.id is not None
    made = await criteria.apply_preset(session, process.id, admin)
    assert [c.name for c in made] == [
        "Zeitnahe Umsetzbarkeit",
        "Hohe Nutzer*innenorientierung",
        "Förderung digitaler Teilhabe",
        "Nachhaltigkeit",
    ]
    assert {c.weight for c in made} == {1.0}
    setup = await criteria.setup_of(session, process.id)
    assert (setup.scale_min, setup.scale_max, len(setup.levels)) == (0, 4, 5)
    with pytest.raises(ValidationFailed):
        await criteria.apply_preset(session, process.id, admin)


async def test_rows_are_checked_and_kept_ones_keep_their_ids(session: AsyncSession) -> None:
    process = await add_process(session)
    admin = await add_actor(session, "admin@example.org", Role.ADMIN)
    assert process.id is not None
    with pytest.raises(ValidationFailed) as failed, in_locale("de"):
        await criteria.save_criteria(
            session,
            process.id,
            [CriterionRow(name="", description="ohne Namen"), CriterionRow(name="A", weight="0")],
            admin,
        )
    assert set(failed.value.errors) == {"0-name", "1-weight"}
    with pytest.raises(ValidationFailed) as empty:
        await criteria.save_criteria(session, process.id, [CriterionRow()], admin)
    assert set(empty.value.errors) == {"criteria"}

    first = await criteria.save_criteria(
        session,
        process.id,
        [CriterionRow(name=" Kosten ", weight="2,5"), CriterionRow(name="Wirkung")],
        admin,
    )
    assert [(c.name, c.weight) for c in first] == [("Kosten", 2.5), ("Wirkung", 1.0)]
    # Reordered, one renamed, one removed, one added.
    second = await criteria.save_criteria(
        session,
        process.id,
        [CriterionRow(id=str(first[1].id), name="Wirkung vor Ort"), CriterionRow(name="Neu")],
        admin,
    )
    assert second[0].id == first[1].id
    assert [c.name for c in await criteria.criteria_of(session, process.id)] == [
        "Wirkung vor Ort",
        "Neu",
    ]


async def test_after_the_first_rating_a_change_is_confirmed_and_logged(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    admin = await add_actor(session, "admin@example.org", Role.ADMIN)
    assert process.id is not None
    made = await criteria.apply_preset(session, process.id, admin)
    session.add(EvaluationSetup(process_id=process.id, first_rating_at=utcnow()))
    await session.commit()
    rows = [CriterionRow(id=str(c.id), name=c.name, weight="1") for c in made]
    rows[0] = CriterionRow(id=str(made[0].id), name=made[0].name, weight="3")
    with pytest.raises(NeedsConfirmation):
        await criteria.save_criteria(session, process.id, rows, admin)
    assert made[0].id is not None
    assert (await criteria.criteria_of(session, process.id))[0].weight == 1.0
    await criteria.save_criteria(session, process.id, rows, admin, confirmed=True)
    assert (await criteria.criteria_of(session, process.id))[0].weight == 3.0
    log = list(await session.exec(select(EvaluationEvent).order_by(col(EvaluationEvent.id))))
    assert [e.action for e in log] == [EvaluationAction.CRITERIA_CHANGED] * 2
    changed = log[-1].details
    assert [c["weight"] for c in changed["before"]] == [1.0] * 4
    assert [c["weight"] for c in changed["after"]] == [3.0, 1.0, 1.0, 1.0]
