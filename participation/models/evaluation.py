"""Evaluating project profiles: criteria with weights and a scale, rating rounds with their
evaluators, ratings (drafts until submitted) and declared conflicts of interest, and the
priority groups the ranking is cut into.

The arithmetic lives in participation/services/evaluation/scoring.py; these tables hold only
what people entered, so every score can be recomputed and explained.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from participation.models.base import enum_column, timestamp_field


class EvaluationSetup(SQLModel, table=True):
    """A process's scale, shared by its criteria so that their weighted mean means something
    (0-4 by default: "0 = trifft nicht zu … 4 = trifft voll zu"), and how many evaluators a
    profile needs before it is ranked."""

    __tablename__ = "evaluation_setup"

    process_id: int = Field(foreign_key="process.id", primary_key=True, ondelete="CASCADE")
    scale_min: int = 0
    scale_max: int = 4
    # One description per level, lowest first.
    levels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    min_ratings: int = 2
    # Set when the first rating is saved: from then on a change of the criteria asks for
    # confirmation and is logged.
    first_rating_at: datetime | None = timestamp_field(nullable=True)
    # The answer for every contribution that went into no profile, shown on its follow page
    # and its public page once the plan is published (why, and where it remains on record);
    # Markdown, written by an admin.
    general_answer: str = Field(default="", sa_type=sa.Text)
    # The plan (its groups and entries) is public from this moment; NULL: not (or no longer)
    # published (services/evaluation/publication.py).
    plan_published_at: datetime | None = timestamp_field(nullable=True)
    plan_published_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )


class Criterion(SQLModel, table=True):
    """A criterion profiles are rated against, e.g. "Zeitnahe Umsetzbarkeit"."""

    __table_args__ = (sa.Index("ix_criterion_process", "process_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", ondelete="CASCADE")
    position: int = 0
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    weight: float = 1.0
    # What each level means for this criterion, lowest first; empty: the setup's levels.
    levels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RatingRound(SQLModel, table=True):
    """A round in which evaluators rate a set of profiles against the process's criteria."""

    __tablename__ = "rating_round"
    __table_args__ = (sa.Index("ix_rating_round_process", "process_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    status: RoundStatus = Field(default=RoundStatus.OPEN, sa_type=enum_column(RoundStatus))
    due_on: date | None = None
    created_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = timestamp_field()
    closed_at: datetime | None = timestamp_field(nullable=True)


class RoundProfile(SQLModel, table=True):
    """A profile rated in a round."""

    __tablename__ = "round_profile"

    round_id: int = Field(foreign_key="rating_round.id", primary_key=True, ondelete="CASCADE")
    profile_id: int = Field(
        foreign_key="profile.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class RoundEvaluator(SQLModel, table=True):
    """An evaluator of a round: for all of its profiles, or for those of one action field."""

    __tablename__ = "round_evaluator"
    __table_args__ = (sa.UniqueConstraint("round_id", "user_id", "theme_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rating_round.id", ondelete="CASCADE")
    # Indexed on its own: an evaluator's page lists their rounds.
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    theme_id: int | None = Field(default=None, foreign_key="theme.id", ondelete="CASCADE")


class Rating(SQLModel, table=True):
    """One evaluator's rating of one profile on one criterion, with an optional reason. A
    draft until `submitted_at`: others' ratings stay hidden from an evaluator until they have
    submitted their own for that profile."""

    __table_args__ = (
        sa.UniqueConstraint("round_id", "profile_id", "evaluator_id", "criterion_id"),
        # A round's scores read all its ratings; an evaluator's progress reads theirs.
        sa.Index("ix_rating_round_evaluator", "round_id", "evaluator_id", "profile_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rating_round.id", ondelete="CASCADE")
    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE")
    evaluator_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    criterion_id: int = Field(foreign_key="criterion.id", ondelete="CASCADE")
    value: int
    justification: str = Field(default="", sa_type=sa.Text)
    updated_at: datetime = timestamp_field()
    submitted_at: datetime | None = timestamp_field(nullable=True)


class ConflictOfInterest(SQLModel, table=True):
    """An evaluator's declared conflict for a profile (e.g. their organisation leads it): they
    are left out of its score."""

    __tablename__ = "conflict_of_interest"

    round_id: int = Field(foreign_key="rating_round.id", primary_key=True, ondelete="CASCADE")
    profile_id: int = Field(foreign_key="profile.id", primary_key=True, ondelete="CASCADE")
    evaluator_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    note: str = Field(default="", max_length=500)
    declared_at: datetime = timestamp_field()


class PriorityGroup(SQLModel, table=True):
    """A named, ordered group of the plan ("Premium+", "Premium", "Weitere Projektideen"):
    a number of profiles, those at or above a score, or (neither) the rest."""

    __tablename__ = "priority_group"
    __table_args__ = (sa.Index("ix_priority_group_process", "process_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", ondelete="CASCADE")
    position: int = 0
    name: str = Field(max_length=120)
    description: str = Field(default="", sa_type=sa.Text)
    size: int | None = None
    threshold: float | None = None


class PlanEntry(SQLModel, table=True):
    """A profile's place in the plan: its group, as proposed from the ranking or as moved
    by an admin with a reason (logged)."""

    __tablename__ = "plan_entry"

    profile_id: int = Field(foreign_key="profile.id", primary_key=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="priority_group.id", index=True, ondelete="CASCADE")
    # The round whose ranking placed it: the published plan shows that round's scores.
    round_id: int | None = Field(default=None, foreign_key="rating_round.id", ondelete="SET NULL")
    score: float | None = None  # when it was placed, for the published plan
    moved_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    reason: str = Field(default="", sa_type=sa.Text)  # required when moved by hand
    placed_at: datetime = timestamp_field()


class EvaluationAction(StrEnum):
    CRITERIA_CHANGED = "criteria_changed"  # a criterion added, changed or removed, weights too
    ROUND_OPENED = "round_opened"
    ROUND_CLOSED = "round_closed"
    RATING_SAVED = "rating_saved"  # a draft
    RATING_SUBMITTED = "rating_submitted"
    RATINGS_IMPORTED = "ratings_imported"  # a filled spreadsheet
    CONFLICT_DECLARED = "conflict_declared"
    GROUPS_PROPOSED = "groups_proposed"
    GROUP_MOVED = "group_moved"  # a profile moved to another group by hand, with a reason
    PLAN_PUBLISHED = "plan_published"
    PLAN_WITHDRAWN = "plan_withdrawn"  # taken back from the public
    GENERAL_ANSWER = "general_answer"  # the answer for contributions in no profile changed


class EvaluationEvent(SQLModel, table=True):
    """One line of a process's evaluation log: who did what, when, and the details (old and
    new weights, the values rated, a move's reason). Rows are only added."""

    __tablename__ = "evaluation_event"
    __table_args__ = (sa.Index("ix_evaluation_event_process", "process_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", ondelete="CASCADE")
    round_id: int | None = Field(default=None, foreign_key="rating_round.id", ondelete="SET NULL")
    profile_id: int | None = Field(default=None, foreign_key="profile.id", ondelete="SET NULL")
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    action: EvaluationAction = Field(sa_type=enum_column(EvaluationAction))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = timestamp_field()
