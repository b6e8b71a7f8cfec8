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
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import Criterion, EvaluationAction, EvaluationSetup, User
from participation.services.errors import ServiceError, ValidationFailed
from participation.services.evaluation.rounds import log_event

NAME_MAX: Final = 200
WEIGHT_MAX: Final = 100.0
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
        criterion = existing.pop(int(row.id), None) if row.id.strip().isdigit() else None
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
