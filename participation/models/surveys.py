"""Surveys inside a process: sections of questions, invitation links, and the responses.

An answer is stored as one row per value (`SurveyAnswer`), so results are counted by the
database: a single choice is one row with its option, a multiple choice one row per chosen
option, a ranking one row per option with its rank in `number`, a 1-5 scale one row with the
number, a free text one row with the text. Options are rows of their own, so reordering or
renaming them keeps the answers given so far.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from participation.models.base import UTCDateTime, enum_column, timestamp_field
from participation.models.core import Segment


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"  # 1-5 with labelled ends
    FREE_TEXT = "free_text"
    RANKING = "ranking"


class Survey(SQLModel, table=True):
    """A questionnaire of a process, e.g. for the district's firms.

    It takes answers between `opens_at` and `closes_at`; without `opens_at` it is a draft
    that only admins see (in the preview). With `invitation_only` it answers only through
    single-use invitation links; otherwise its open link works for anyone.
    """

    __table_args__ = (sa.UniqueConstraint("process_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    slug: str = Field(max_length=80)
    title: str = Field(max_length=200)
    intro: str = Field(default="", sa_type=sa.Text)  # Markdown, shown on the first page
    thanks: str = Field(default="", sa_type=sa.Text)  # shown after sending
    # When set, every response has this segment and the survey does not ask; when empty,
    # the respondent chooses. Firm details are asked whenever the segment is "firm".
    segment: Segment | None = Field(default=None, sa_type=enum_column(Segment), nullable=True)
    invitation_only: bool = False
    # Invited responses are cut loose from their invitee once sent (services/survey_panel.py);
    # off, they keep it and the organisation's name, and respondents are told before they start.
    anonymous: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    # The firm panel's invitation mail as the admin wrote it; empty: the default text.
    panel_subject: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    panel_body: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    opens_at: datetime | None = timestamp_field(nullable=True)
    closes_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field()
    updated_at: datetime | None = timestamp_field(nullable=True)


class SurveySection(SQLModel, table=True):
    """A page of a survey: respondents answer one section at a time, and it is saved."""

    __tablename__ = "survey_section"

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    position: int = 0


class SurveyQuestion(SQLModel, table=True):
    __tablename__ = "survey_question"

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    section_id: int = Field(foreign_key="survey_section.id", index=True, ondelete="CASCADE")
    kind: QuestionKind = Field(sa_type=enum_column(QuestionKind))
    text: str = Field(max_length=500)
    help_text: str = Field(default="", max_length=1000)
    required: bool = False
    position: int = 0
    # The 1-5 scale's labelled ends, e.g. "gar nicht wichtig" .. "sehr wichtig".
    scale_low_label: str = Field(default="", max_length=100)
    scale_high_label: str = Field(default="", max_length=100)


class SurveyOption(SQLModel, table=True):
    """A choice of a single-choice, multiple-choice or ranking question."""

    __tablename__ = "survey_option"

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="survey_question.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=300)
    position: int = 0


class SurveyCondition(SQLModel, table=True):
    """Show a section or a question (exactly one of the two) only when an earlier answer
    matches: one of `option_ids` chosen at a single- or multiple-choice question, or a scale
    value from `low` to `high`. The rules are in services/survey_logic.py."""

    __tablename__ = "survey_condition"
    __table_args__ = (sa.UniqueConstraint("section_id"), sa.UniqueConstraint("question_id"))

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    section_id: int | None = Field(
        default=None, foreign_key="survey_section.id", ondelete="CASCADE"
    )
    question_id: int | None = Field(
        default=None, foreign_key="survey_question.id", ondelete="CASCADE"
    )
    # The earlier question whose answer decides; deleting it deletes the condition.
    source_question_id: int = Field(
        foreign_key="survey_question.id", index=True, ondelete="CASCADE"
    )
    option_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    low: int | None = None
    high: int | None = None


class SurveyInvitation(SQLModel, table=True):
    """A single-use link for one respondent, made in batches for a mail merge.

    The token is kept as it is (not hashed) so that the admin can download the unused links
    again; it grants nothing but answering this survey once.
    """

    __tablename__ = "survey_invitation"

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True, index=True)
    batch: int = 1  # which "generate N" made it, for downloading one batch again
    created_at: datetime = timestamp_field()
    # Set when the response made with it is sent; the link then cannot answer again.
    used_at: datetime | None = timestamp_field(nullable=True)


class SurveyResponse(SQLModel, table=True):
    """One respondent's answers, saved page by page until sent.

    The respondent comes back through the same link: an invitation link finds its response
    by `invitation_id`, an open-link response by the SHA-256 hash of its resume token.
    """

    __tablename__ = "survey_response"
    # The results page's stamp of the sent responses reads this index alone (migration 0014;
    # tests/test_query_plans.py checks the plan).
    __table_args__ = (sa.Index("ix_survey_response_sent", "survey_id", "submitted_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    invitation_id: int | None = Field(
        default=None, foreign_key="survey_invitation.id", unique=True, ondelete="SET NULL"
    )
    # The firm panel's invitee while the response is being answered; cut (NULL) when it is
    # sent, unless the survey is not anonymous.
    invitee_id: int | None = Field(
        default=None, foreign_key="survey_invitee.id", unique=True, ondelete="SET NULL"
    )
    resume_token_hash: str = Field(max_length=64, unique=True, index=True)
    segment: Segment | None = Field(default=None, sa_type=enum_column(Segment), nullable=True)
    organisation_name: str | None = Field(default=None, max_length=200)
    organisation_sector: str | None = Field(default=None, max_length=120)  # WZ 2008 section
    organisation_size: str | None = Field(default=None, max_length=20)
    municipality: str | None = Field(default=None, max_length=120)
    # The next section to answer (0 is the page about the respondent, 1 the first section).
    current_page: int = 0
    started_at: datetime = timestamp_field()
    updated_at: datetime | None = timestamp_field(nullable=True)
    submitted_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, nullable=True, index=True
    )


class SurveyAnswer(SQLModel, table=True):
    """One value of one answer (see the module's docstring for what each kind stores)."""

    __tablename__ = "survey_answer"

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="survey_response.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="survey_question.id", index=True, ondelete="CASCADE")
    option_id: int | None = Field(default=None, foreign_key="survey_option.id", ondelete="CASCADE")
    number: int | None = None  # the scale value, or the option's rank (1 is first)
    text: str | None = Field(default=None, sa_type=sa.Text)
    # The moderation item a free-text answer became when the response was sent.
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", index=True, ondelete="SET NULL"
    )
