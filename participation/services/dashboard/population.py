"""The known population of firms the admin enters per process (by WZ section and size
class), and how the firms that took part compare with it.

A group is compared only with the groups whose population is known: its share of the
participating firms in those groups against its share of their firms. A ratio below
1/FACTOR marks it under-represented, above FACTOR over-represented. A group without a
number entered is shown but not compared; one entered as 0 has no share to compare with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import wz2008
from participation.i18n import _
from participation.models import KnownPopulation, PopulationDimension, utcnow
from participation.services.dashboard.counts import NOT_GIVEN
from participation.services.errors import ValidationFailed

FACTOR: Final = 1.5
FIRMS_MAX: Final = 10_000_000  # more firms than Germany has
# Whole numbers, with dots or spaces between thousands as people write them: 3744, 3.744.
_NUMBER: Final = re.compile(r"\d{1,3}(?:[. \u00a0\u202f]\d{3})+|\d+")


class Representation(StrEnum):
    UNDER = "under"
    FAIR = "fair"
    OVER = "over"


def keys_of(dimension: PopulationDimension) -> tuple[str, ...]:
    if dimension is PopulationDimension.SECTOR:
        return tuple(letter for letter, _name in wz2008.SECTIONS)
    return wz2008.SIZE_CLASSES


def field_name(dimension: PopulationDimension, key: str) -> str:
    return f"pop-{dimension.value}-{key}"


@dataclass
class PopulationForm:
    """The form's fields as typed (kept on an error), by field name, and the messages."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_stored(cls, stored: Mapping[PopulationDimension, Mapping[str, int]]) -> PopulationForm:
        return cls(
            values={
                field_name(dimension, key): str(n)
                for dimension, numbers in stored.items()
                for key, n in numbers.items()
            }
        )

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> PopulationForm:
        return cls(
            values={
                name: data.get(name, "").strip()
                for dimension in PopulationDimension
                for name in (field_name(dimension, key) for key in keys_of(dimension))
            }
        )

    def value(self, dimension: PopulationDimension, key: str) -> str:
        return self.values.get(field_name(dimension, key), "")


def parse_firms(text: str) -> int | None:
    """The number of firms typed, or None when it is not a whole number in range."""
    if not _NUMBER.fullmatch(text):
        return None
    number = int(re.sub(r"\D", "", text))
    return number if number <= FIRMS_MAX else None


def checked(form: PopulationForm) -> dict[PopulationDimension, dict[str, int]]:
    """The numbers of a sent form; an empty field means "not known". Raises ValidationFailed
    with a message per wrong field."""
    numbers: dict[PopulationDimension, dict[str, int]] = {d: {} for d in PopulationDimension}
    errors: dict[str, str] = {}
    for dimension in PopulationDimension:
        for key in keys_of(dimension):
            name = field_name(dimension, key)
            text = form.values.get(name, "")
            if not text:
                continue
            if (number := parse_firms(text)) is None:
                errors[name] = _(
                    "Enter the number of firms as a whole number, e.g. 3744 or 3.744, "
                    "or leave the field empty."
                )
            else:
                numbers[dimension][key] = number
    if errors:
        raise ValidationFailed(errors)
    return numbers


async def save_population(
    session: AsyncSession, process_id: int, form: PopulationForm
) -> dict[PopulationDimension, dict[str, int]]:
    """Replace the process's known population with the form's numbers (all or nothing)."""
    numbers = checked(form)
    await session.exec(delete(KnownPopulation).where(col(KnownPopulation.process_id) == process_id))
    now = utcnow()
    session.add_all(
        KnownPopulation(
            process_id=process_id, dimension=dimension, key=key, firms=n, updated_at=now
        )
        for dimension, by_key in numbers.items()
        for key, n in by_key.items()
    )
    await session.commit()
    return numbers


@dataclass(frozen=True)
class GroupComparison:
    key: str  # section letter or size class; "" for firms that gave none
    participants: int
    population: int | None  # None: not entered
    participant_share: float | None  # percent of the participants in compared groups
    population_share: float | None  # percent of the population entered
    reach: float | None  # participants per 100 firms of the population
    ratio: float | None
    representation: Representation | None


@dataclass(frozen=True)
class Comparison:
    dimension: PopulationDimension
    groups: Sequence[GroupComparison]
    participants: int  # every firm counted in a group, compared or not
    compared_participants: int
    population: int  # the sum entered

    @property
    def known(self) -> bool:
        return self.population > 0

    @property
    def under(self) -> list[GroupComparison]:
        return [g for g in self.groups if g.representation is Representation.UNDER]


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def compare(
    dimension: PopulationDimension, participants: Mapping[str, int], population: Mapping[str, int]
) -> Comparison:
    """Each group of the dimension with participants or a population entered, in the
    classification's order, firms without a known group last."""
    # A group outside the classification (typed by hand, or an older list) counts with the
    # firms that gave none.
    groups_known = set(keys_of(dimension))
    folded: dict[str, int] = {}
    for key, n in participants.items():
        group = key if key in groups_known else NOT_GIVEN
        folded[group] = folded.get(group, 0) + n
    participants = folded
    compared = sum(n for key, n in participants.items() if key in population)
    total_population = sum(population.values())
    groups = []
    for key in (*keys_of(dimension), NOT_GIVEN):
        n = participants.get(key, 0)
        known = population.get(key)
        if not n and known is None:
            continue
        participant_share = _percent(n, compared) if known is not None else None
        population_share = _percent(known, total_population) if known is not None else None
        ratio = None
        if known and compared:
            ratio = round((n / compared) / (known / total_population), 2)
        representation = None
        if ratio is not None:
            representation = (
                Representation.UNDER
                if ratio < 1 / FACTOR
                else Representation.OVER
                if ratio > FACTOR
                else Representation.FAIR
            )
        groups.append(
            GroupComparison(
                key=key,
                participants=n,
                population=known,
                participant_share=participant_share,
                population_share=population_share,
                reach=_percent(n, known) if known else None,
                ratio=ratio,
                representation=representation,
            )
        )
    return Comparison(
        dimension=dimension,
        groups=groups,
        participants=sum(participants.values()),
        compared_participants=compared,
        population=total_population,
    )
