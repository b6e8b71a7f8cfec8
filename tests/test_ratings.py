"""The evaluator's side of a rating round (participation/services/evaluation/ratings.py):
the sheet on the process's scale, drafts and submissions, others' ratings hidden until one's
own is in, the comparison with its disagreement flags, conflicts of interest, who may rate
when, progress, and the log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Criterion,
    EvaluationAction,
    EvaluationEvent,
    EvaluationSetup,
    Process,
    Profile,
    ProfileStatus,
    Rating,
    Role,
    User,
)
from participation.services.errors import NotFound, ValidationFailed
from participation.services.evaluation import ratings, rounds
from participation.services.evaluation.criteria import (
    CriterionRow,
    NeedsConfirmation,
    apply_preset,
    save_criteria,
)
from participation.services.evaluation.ratings import Entry, SheetState
from participation.services.evaluation.rounds import Assignment
from tests.helpers import add_actor, add_process, add_themes, in_locale
from tests.profile_rows import add_profile

MakeUser = Callable[[AsyncSession, str, Role], Awaitable[User]]


@dataclass
class Jury:
    process: Process
    round_id: int
    criteria: list[Criterion]
    wlan: Profile
    bus: Profile
    anna: User  # rates everything
    ben: User  # rates everything
    schools: User  # rates the "schule" action field only
    admin: User


async def make_jury(session: AsyncSession, make_user: MakeUser = add_actor) -> Jury:
    """A process with the preset's four criteria, two ready profiles and a round (users
    made with `make_user`: `add_staff` for those who sign in)."""
    process = await add_process(session)
    themes = await add_themes(session, process)
    admin = await make_user(session, "admin@example.org", Role.ADMIN)
    anna = await make_user(session, "anna@example.org", Role.EVALUATOR)
    ben = await make_user(session, "ben@example.org", Role.EVALUATOR)
    schools = await make_user(session, "schule@example.org", Role.EVALUATOR)
    assert process.id
    assert anna.id
    assert ben.id
    assert schools.id
    criteria = await apply_preset(session, process.id, admin)
    wlan = await add_profile(
        session, process, title="WLAN", status=ProfileStatus.READY, themes=[themes["schule"]]
    )
    bus = await add_profile(
        session, process, title="Rufbus", status=ProfileStatus.READY, themes=[themes["oepnv"]]
    )
    round_ = await rounds.open_round(
        session,
        process.id,
        "Bewertung",
        [Assignment(anna.id), Assignment(ben.id), Assignment(schools.id, themes["schule"].id)],
        admin,
        due_on=date(2099, 3, 31),
    )
    return Jury(process, round_.id or 0, criteria, wlan, bus, anna, ben, schools, admin)


def entries(jury: Jury, *values: int | None, reason: str = "") -> dict[int, Entry]:
    return {
        c.id or 0: Entry("" if v is None else str(v), reason if v is not None else "")
        for c, v in zip(jury.criteria, values, strict=False)
    }


async def test_the_sheet_shows_the_scale_with_the_criterion_s_own_words(
    session: AsyncSession,
) -> None:
    jury = await make_jury(session)
    first = jury.criteria[0]
    first.levels = ["gar nicht", "kaum", "teils", "meist", "sofort"]
    session.add(first)
    await session.commit()
    sheet = await ratings.sheet_of(session, jury.round_id, jury.wlan.id or 0, jury.anna)
    assert sheet.state is SheetState.OPEN
    assert [row.criterion.name for row in sheet.rows][:2] == [
        "Zeitnahe Umsetzbarkeit",
        "Hohe Nutzer*innenorientierung",
    ]
    assert [(lv.value, lv.description) for lv in sheet.rows[0].levels][::4] == [
        (0, "gar nicht"),
        (4, "sofort"),
    ]
    assert [lv.description for lv in sheet.rows[1].levels][::4] == [
        "trifft nicht zu",
        "trifft voll zu",
    ]
    assert all(row.value is None for row in sheet.rows)


async def test_a_partial_draft_then_a_submission(session: AsyncSession) -> None:
    jury = await make_jury(session)
    wlan = jury.wlan.id or 0
    assert (await session.get(EvaluationSetup, jury.process.id)) is None

    draft = await ratings.save_sheet(
        session, jury.round_id, wlan, jury.anna, entries(jury, 3, None, 4), submit=False
    )
    assert draft.state is SheetState.DRAFT
    assert [row.value for row in draft.rows] == [3, None, 4, None]
    setup = await session.get(EvaluationSetup, jury.process.id)
    assert setup is not None
    assert setup.first_rating_at is not None
    assert (setup.scale_min, setup.scale_max) == (0, 4)
    first = setup.first_rating_at

    # Clearing a value in a draft removes its rating.
    again = await ratings.save_sheet(
        session, jury.round_id, wlan, jury.anna, entries(jury, 3, None, None), submit=False
    )
    assert [row.value for row in again.rows] == [3, None, None, None]
    assert (await session.get(EvaluationSetup, jury.process.id)).first_rating_at == first  # type: ignore[union-attr]

    with pytest.raises(ValidationFailed) as missing:
        await ratings.save_sheet(
            session, jury.round_id, wlan, jury.anna, entries(jury, 3, None, 4), submit=True
        )
    assert set(missing.value.errors) == {
        f"value-{jury.criteria[1].id}",
        f"value-{jury.criteria[3].id}",
    }

    done = await ratings.save_sheet(
        session,
        jury.round_id,
        wlan,
        jury.anna,
        entries(jury, 3, 2, 4, 1, reason="Gut"),
        submit=True,
    )
    assert done.state is SheetState.SUBMITTED
    stored = list(
        await session.exec(select(Rating).where(col(Rating.evaluator_id) == jury.anna.id))
    )
    assert len(stored) == 4
    assert all(r.submitted_at is not None and r.justification == "Gut" for r in stored)
    # Others' ratings would now show: nobody else has submitted yet.
    assert done.compared
    assert [row.comparison.others for row in done.rows if row.comparison] == [[], [], [], []]

    # A changed submission is a submission again; a draft cannot withdraw it.
    changed = await ratings.save_sheet(
        session, jury.round_id, wlan, jury.anna, entries(jury, 4, 2, 4, 1), submit=False
    )
    assert changed.state is SheetState.SUBMITTED
    assert changed.rows[0].value == 4
    with pytest.raises(ValidationFailed):
        await ratings.save_sheet(
            session, jury.round_id, wlan, jury.anna, entries(jury, 4, None, 4, 1), submit=False
        )

    log = list(await session.exec(select(EvaluationEvent).order_by(col(EvaluationEvent.id))))
    rated = [
        e
        for e in log
        if e.action in (EvaluationAction.RATING_SAVED, EvaluationAction.RATING_SUBMITTED)
    ]
    assert [(e.action, e.actor_id, e.profile_id, e.round_id) for e in rated] == [
        (EvaluationAction.RATING_SAVED, jury.anna.id, wlan, jury.round_id),
        (EvaluationAction.RATING_SAVED, jury.anna.id, wlan, jury.round_id),
        (EvaluationAction.RATING_SUBMITTED, jury.anna.id, wlan, jury.round_id),
        (EvaluationAction.RATING_SUBMITTED, jury.anna.id, wlan, jury.round_id),
    ]
    ids = [str(c.id) for c in jury.criteria]
    assert rated[0].details["values"] == {ids[0]: 3, ids[2]: 4}
    assert rated[2].details == {
        "values": dict(zip(ids, [3, 2, 4, 1], strict=True)),
        "changed": False,
    }
    assert rated[3].details["changed"] is True

    # The criteria now need confirming before they change.
    with pytest.raises(NeedsConfirmation):
        await save_criteria(session, jury.process.id or 0, [CriterionRow(name="Neu")], jury.admin)


@pytest.mark.parametrize("typed", ["5", "-1", "drei", "2.5", "²"])
async def test_values_off_the_scale_are_refused(session: AsyncSession, typed: str) -> None:
    jury = await make_jury(session)
    with in_locale("de"), pytest.raises(ValidationFailed) as failed:
        await ratings.save_sheet(
            session,
            jury.round_id,
            jury.wlan.id or 0,
            jury.anna,
            {jury.criteria[0].id or 0: Entry(typed)},
            submit=False,
        )
    assert failed.value.errors == {
        f"value-{jury.criteria[0].id}": "Bitte wählen Sie eine Stufe von 0 bis 4."
    }
    assert list(await session.exec(select(Rating))) == []


async def test_a_reason_too_long_or_without_a_level_is_refused(session: AsyncSession) -> None:
    jury = await make_jury(session)
    first, second = (c.id or 0 for c in jury.criteria[:2])
    with pytest.raises(ValidationFailed) as failed:
        await ratings.save_sheet(
            session,
            jury.round_id,
            jury.wlan.id or 0,
            jury.anna,
            {
                first: Entry("2", "x" * (ratings.JUSTIFICATION_MAX + 1)),
                second: Entry("", "Ohne Stufe"),
            },
            submit=False,
        )
    assert set(failed.value.errors) == {f"justification-{first}", f"value-{second}"}
    # At the limit it is kept.
    sheet = await ratings.save_sheet(
        session,
        jury.round_id,
        jury.wlan.id or 0,
        jury.anna,
        {first: Entry("2", "x" * ratings.JUSTIFICATION_MAX)},
        submit=False,
    )
    assert len(sheet.rows[0].justification) == ratings.JUSTIFICATION_MAX


async def test_others_are_hidden_until_one_s_own_is_submitted(session: AsyncSession) -> None:
    jury = await make_jury(session)
    wlan = jury.wlan.id or 0
    await ratings.save_sheet(
        session,
        jury.round_id,
        wlan,
        jury.ben,
        entries(jury, 4, 4, 3, 2, reason="Dringend"),
        submit=True,
    )
    await ratings.save_sheet(
        session, jury.round_id, wlan, jury.schools, entries(jury, 0, 4), submit=False
    )
    # Anna has a draft only: nothing of the others.
    draft = await ratings.save_sheet(
        session, jury.round_id, wlan, jury.anna, entries(jury, 1, 3), submit=False
    )
    assert not draft.compared
    assert all(row.comparison is None for row in draft.rows)

    sheet = await ratings.save_sheet(
        session, jury.round_id, wlan, jury.anna, entries(jury, 1, 3, 3, 2), submit=True
    )
    assert sheet.compared
    first, second, third, _fourth = (row.comparison for row in sheet.rows)
    assert first is not None
    assert second is not None
    assert third is not None
    # Ben's submitted ratings; the other evaluator's draft stays hidden.
    assert [(o.name, o.value, o.justification) for o in first.others] == [("ben", 4, "Dringend")]
    assert first.mean == 2.5
    assert first.disagreement  # 1 and 4: three levels apart
    assert not second.disagreement  # 3 and 4
    assert third.mean == 3.0
    assert sheet.disagreements == 1
    # Ben sees Anna's now as well.
    ben = await ratings.sheet_of(session, jury.round_id, wlan, jury.ben)
    assert [o.name for o in ben.rows[0].comparison.others] == ["anna"]  # type: ignore[union-attr]


async def test_a_conflict_deletes_the_ratings_and_counts_as_done(session: AsyncSession) -> None:
    jury = await make_jury(session)
    wlan, bus = jury.wlan.id or 0, jury.bus.id or 0
    await ratings.save_sheet(
        session, jury.round_id, wlan, jury.anna, entries(jury, 2, 2), submit=False
    )
    await ratings.save_sheet(
        session, jury.round_id, bus, jury.anna, entries(jury, 1, 1, 1, 1), submit=True
    )
    assert [(p.assigned, p.done) for p in await ratings.my_rounds(session, jury.anna.id or 0)] == [
        (2, 1)
    ]
    with pytest.raises(ValidationFailed):
        await ratings.declare_conflict(session, jury.round_id, wlan, jury.anna, "x" * 501)

    conflict = await ratings.declare_conflict(
        session, jury.round_id, wlan, jury.anna, "  Mein Verein leitet es. "
    )
    assert conflict.note == "Mein Verein leitet es."
    assert await ratings.declare_conflict(session, jury.round_id, wlan, jury.anna) == conflict
    remaining = await session.exec(select(Rating).where(col(Rating.profile_id) == wlan))
    assert list(remaining) == []
    sheet = await ratings.sheet_of(session, jury.round_id, wlan, jury.anna)
    assert sheet.state is SheetState.CONFLICT
    assert not sheet.may_rate
    states = {
        e.profile.title: e.state
        for e in await ratings.my_profiles(session, jury.round_id, jury.anna.id or 0)
    }
    assert states == {"WLAN": SheetState.CONFLICT, "Rufbus": SheetState.SUBMITTED}
    assert [(p.assigned, p.done) for p in await ratings.my_rounds(session, jury.anna.id or 0)] == [
        (2, 2)
    ]
    with pytest.raises(ratings.ConflictDeclared):
        await ratings.save_sheet(
            session, jury.round_id, wlan, jury.anna, entries(jury, 2), submit=False
        )
    [event] = await session.exec(
        select(EvaluationEvent).where(
            col(EvaluationEvent.action) == EvaluationAction.CONFLICT_DECLARED
        )
    )
    assert event.details == {
        "note": "Mein Verein leitet es.",
        "deleted": {str(jury.criteria[0].id): 2, str(jury.criteria[1].id): 2},
    }
    assert (event.actor_id, event.profile_id) == (jury.anna.id, wlan)


async def test_only_assigned_evaluators_of_an_open_round_rate(session: AsyncSession) -> None:
    jury = await make_jury(session)
    wlan, bus = jury.wlan.id or 0, jury.bus.id or 0
    # Not in the round at all; or not for this action field.
    for user, profile_id in ((jury.admin, wlan), (jury.schools, bus)):
        with pytest.raises(NotFound):
            await ratings.sheet_of(session, jury.round_id, profile_id, user)
        with pytest.raises(NotFound):
            await ratings.save_sheet(
                session, jury.round_id, profile_id, user, entries(jury, 1), submit=False
            )
        with pytest.raises(NotFound):
            await ratings.declare_conflict(session, jury.round_id, profile_id, user)
    with pytest.raises(NotFound):
        await ratings.round_of_evaluator(session, jury.round_id, jury.admin.id or 0)
    assert [
        e.profile.title
        for e in await ratings.my_profiles(session, jury.round_id, jury.schools.id or 0)
    ] == ["WLAN"]

    await ratings.save_sheet(
        session, jury.round_id, wlan, jury.anna, entries(jury, 1), submit=False
    )
    await rounds.close_round(session, jury.round_id, jury.admin)
    with pytest.raises(ratings.RoundClosed):
        await ratings.save_sheet(
            session, jury.round_id, wlan, jury.anna, entries(jury, 2), submit=False
        )
    with pytest.raises(ratings.RoundClosed):
        await ratings.declare_conflict(session, jury.round_id, wlan, jury.anna)
    sheet = await ratings.sheet_of(session, jury.round_id, wlan, jury.anna)
    assert sheet.rows[0].value == 1
    assert not sheet.may_rate
    assert await ratings.my_rounds(session, jury.anna.id or 0) == []


def test_form_fields_become_entries() -> None:
    found = ratings.entries_from_form(
        {
            "value-3": "2",
            "justification-3": "weil",
            "justification-7": "nur Text",
            "value-x": "1",
            "note": "n",
            "_csrf_token": "t",
        }
    )
    assert found == {3: Entry("2", "weil"), 7: Entry("", "nur Text")}
