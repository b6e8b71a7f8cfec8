"""A process's criteria and their shared scale.

The preset is the Werra-Meißner Digitalisierungsplan's: four criteria of equal weight on a
scale from 0 ("trifft nicht zu") to 4 ("trifft voll zu"). Criteria can be changed freely
until the first rating of the process is saved; after that a change must be confirmed and
is logged with the criteria before and after, since it changes every score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import parse_int
from participation.models import Criterion, EvaluationAction, EvaluationSetup, Rating, User
from participation.services.errors import ServiceError, ValidationFailed
from participation.services.evaluation.rounds import log_event

NAME_MAX: Final = 200
WEIGHT_MAX: Final = 100.0
# The scale runs from 0 to a top level between these; each level has a description.
SCALE_TOP_MIN: Final = 2
SCALE_TOP_MAX: Final = 10
LEVEL_MAX: Final = 200
MIN_RATINGS_MAX: Final = 50
SCALE_LEVELS: Final = (
    "trifft nicht zu",
    "trifft kaum zu",
    "trifft teilweise zu",
    "trifft überwiegend zu",
    "trifft voll zu",
)
PRESET: Final = (
    ("Zeitnahe Umsetzbarkeit", "Das Projekt kann in den nächsten ein bis zwei Jahren beginnen."),
    ("Hohe Nutzer*innenorientierung", "Es löst ein Problem, das die Menschen vor Ort haben."),
    ("Förderung digitaler Teilhabe", "Es bringt mehr Menschen die digitale Welt nahe."),
    ("Nachhaltigkeit", "Es wirkt über die Förderung hinaus und schont Ressourcen."),
)


class NeedsConfirmation(ServiceError):
    """Ratings exist: the change would alter every score, so it must be confirmed."""


async def setup_of(session: AsyncSession, process_id: int) -> EvaluationSetup:
    """The process's scale; the default (0-4, two evaluators per profile) until one is saved."""
    found = await session.get(EvaluationSetup, process_id)
    return found or EvaluationSetup(process_id=process_id, levels=list(SCALE_LEVELS))


async def criteria_of(session: AsyncSession, process_id: int) -> list[Criterion]:
    rows = await session.exec(
        select(Criterion)
        .where(col(Criterion.process_id) == process_id)
        .order_by(col(Criterion.position), col(Criterion.id))
    )
    return list(rows)


@dataclass(frozen=True)
class CriterionRow:
    """One criterion as typed into the form; `id` empty for a new one."""

    id: str = ""
    name: str = ""
    description: str = ""
    weight: str = "1"

    @property
    def blank(self) -> bool:
        return not (self.name.strip() or self.description.strip())


def _weight(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if 0 < value <= WEIGHT_MAX else None


def check_rows(filled: Sequence[CriterionRow]) -> dict[str, str]:
    """A message per wrong field of the filled rows ("0-name"), "criteria" when there are none."""
    errors: dict[str, str] = {}
    for index, row in enumerate(filled):
        if not row.name.strip():
            errors[f"{index}-name"] = _("Please give the criterion a name.")
        elif len(row.name.strip()) > NAME_MAX:
            errors[f"{index}-name"] = _("At most %(n)d characters, please.") % {"n": NAME_MAX}
        if _weight(row.weight) is None:
            errors[f"{index}-weight"] = _(
                "Please give the weight as a number above 0 and at most %(max)d."
            ) % {"max": int(WEIGHT_MAX)}
    if not filled:
        errors["criteria"] = _("Please give at least one criterion.")
    return errors


async def save_criteria(
    session: AsyncSession,
    process_id: int,
    rows: Sequence[CriterionRow],
    actor: User,
    *,
    confirmed: bool = False,
) -> list[Criterion]:
    """Replace the process's criteria by the typed rows (blank rows dropped, kept ones keep
    their ids so their ratings stay theirs). Raises ValidationFailed with a message per row
    field ("0-name"), NeedsConfirmation once ratings exist and `confirmed` is not set."""
    filled = [row for row in rows if not row.blank]
    errors = check_rows(filled)
    if errors:
        raise ValidationFailed(errors)
    existing = {c.id: c for c in await criteria_of(session, process_id)}
    setup = await session.get(EvaluationSetup, process_id)
    if setup is not None and setup.first_rating_at is not None and not confirmed:
        raise NeedsConfirmation(
            _("Ratings have been saved: changing the criteria changes every score.")
        )
    before = [_snapshot(c) for c in existing.values()]
    kept: list[Criterion] = []
    for position, row in enumerate(filled):
        criterion = existing.pop(parse_int(row.id), None)
        criterion = criterion or Criterion(process_id=process_id, name="")
        criterion.position = position
        criterion.name = " ".join(row.name.split())
        criterion.description = row.description.strip()
        criterion.weight = _weight(row.weight) or 1.0
        session.add(criterion)
        kept.append(criterion)
    gone = [c.id for c in existing.values() if c.id is not None]
    if gone:  # their ratings go with them (ON DELETE CASCADE)
        await session.exec(delete(Criterion).where(col(Criterion.id).in_(gone)))
    await session.flush()
    log_event(
        session,
        process_id,
        EvaluationAction.CRITERIA_CHANGED,
        actor,
        before=before,
        after=[_snapshot(c) for c in kept],
    )
    await session.commit()
    return kept


def _snapshot(criterion: Criterion) -> dict[str, Any]:
    return {"id": criterion.id, "name": criterion.name, "weight": criterion.weight}


async def apply_preset(session: AsyncSession, process_id: int, actor: User) -> list[Criterion]:
    """The four Werra-Meißner criteria, equal weights, for a process without criteria."""
    if await criteria_of(session, process_id):
        raise ValidationFailed({"criteria": _("This process has criteria already.")})
    rows = [CriterionRow(name=name, description=text) for name, text in PRESET]
    return await save_criteria(session, process_id, rows, actor)


@dataclass(frozen=True)
class ScaleInput:
    """The scale as typed into the form: the top level, a description per level (lowest
    first) and how many evaluators a profile needs before it is ranked."""

    scale_max: str = "4"
    levels: Sequence[str] = ()
    min_ratings: str = "2"


def check_scale(scale: ScaleInput) -> tuple[dict[str, str], dict[str, Any]]:
    """The messages per wrong field ("scale_max", "level-2", "min_ratings") and the values."""
    errors: dict[str, str] = {}
    top = parse_int(scale.scale_max, SCALE_TOP_MIN, SCALE_TOP_MAX)
    if top is None:
        errors["scale_max"] = _("Please give a whole number from %(min)d to %(max)d.") % {
            "min": SCALE_TOP_MIN,
            "max": SCALE_TOP_MAX,
        }
    levels = [" ".join(text.split()) for text in scale.levels]
    for index in range((top if top is not None else len(levels) - 1) + 1):
        text = levels[index] if index < len(levels) else ""
        if not text:
            errors[f"level-{index}"] = _("Please describe this level.")
        elif len(text) > LEVEL_MAX:
            errors[f"level-{index}"] = _("At most %(n)d characters, please.") % {"n": LEVEL_MAX}
    needed = parse_int(scale.min_ratings, 1, MIN_RATINGS_MAX)
    if needed is None:
        errors["min_ratings"] = _("Please give a whole number from %(min)d to %(max)d.") % {
            "min": 1,
            "max": MIN_RATINGS_MAX,
        }
    values = {
        "scale_min": 0,
        "scale_max": top,
        "levels": levels[: (top or 0) + 1],
        "min_ratings": needed,
    }
    return errors, values


async def _highest_rating(session: AsyncSession, process_id: int) -> int | None:
    """The highest level any rating of the process's criteria was given."""
    found = await session.exec(
        select(func.max(Rating.value))
        .join(Criterion, col(Criterion.id) == Rating.criterion_id)
        .where(col(Criterion.process_id) == process_id)
    )
    return found.one()


def _scale_snapshot(setup: EvaluationSetup) -> dict[str, Any]:
    return {
        "scale_min": setup.scale_min,
        "scale_max": setup.scale_max,
        "levels": list(setup.levels),
        "min_ratings": setup.min_ratings,
    }


def _rows_snapshot(rows: Sequence[CriterionRow]) -> list[tuple[Any, ...]]:
    """The rows as they would be stored, to tell whether a save changes anything."""
    return [
        (parse_int(r.id), " ".join(r.name.split()), r.description.strip(), _weight(r.weight))
        for r in rows
    ]


async def save_setup(
    session: AsyncSession,
    process_id: int,
    rows: Sequence[CriterionRow],
    scale: ScaleInput,
    actor: User,
    *,
    confirmed: bool = False,
) -> bool:
    """Save the criteria and the scale in one go; False when nothing changed. Raises
    ValidationFailed with the messages of both (row fields as "0-name" by the filled rows'
    order), NeedsConfirmation when ratings exist, something changes and `confirmed` is not
    set. A change of the scale is logged with the scale before and after."""
    filled = [row for row in rows if not row.blank]
    scale_errors, values = check_scale(scale)
    errors = check_rows(filled) | scale_errors
    highest = await _highest_rating(session, process_id)
    if "scale_max" not in errors and highest is not None and values["scale_max"] < highest:
        # A stored rating above the new top would fall outside the scale it was given on.
        errors["scale_max"] = _(
            "Ratings up to level %(n)d have been saved: the scale cannot end below it."
        ) % {"n": highest}
    if errors:
        raise ValidationFailed(errors)
    setup = await setup_of(session, process_id)
    stored = await criteria_of(session, process_id)
    before = _scale_snapshot(setup)
    scale_changed = before != values
    criteria_changed = _rows_snapshot(filled) != [
        (c.id, c.name, c.description, c.weight) for c in stored
    ]
    if not (scale_changed or criteria_changed):
        return False
    if setup.first_rating_at is not None and not confirmed:
        raise NeedsConfirmation(
            _("Ratings have been saved: changing the criteria or the scale changes every score.")
        )
    if scale_changed:
        for name, value in values.items():
            setattr(setup, name, value)
        session.add(setup)
        log_event(
            session,
            process_id,
            EvaluationAction.CRITERIA_CHANGED,
            actor,
            scale_before=before,
            scale_after=values,
        )
    if criteria_changed:  # commits the scale with them
        await save_criteria(session, process_id, filled, actor, confirmed=True)
    else:
        await session.commit()
    return True
