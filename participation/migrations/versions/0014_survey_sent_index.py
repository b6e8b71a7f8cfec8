"""an index for the stamp of a survey's sent responses

The survey results page keeps its counts between requests, keyed by a stamp of the survey's
sent responses: their number, the latest time one was sent and the highest id
(services/survey_results.py `sent_stamp`). (survey_id, submitted_at, id) serves that
statement from the index alone, without reading the responses or their answers.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 06:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_survey_response_sent", "survey_response", ["survey_id", "submitted_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_survey_response_sent", table_name="survey_response")
