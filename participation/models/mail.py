"""The outbox: e-mails to residents, written in the same transaction as the event that causes
them and sent later by `participation.mail_sender`, so nothing is lost while the mail
server is down. A row is kept after sending (or giving up) as the record of what was sent;
the private follow link in a submission mail is blanked out once it is sent."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from participation.models.base import timestamp_field


class OutgoingMail(SQLModel, table=True):
    __tablename__ = "outgoing_mail"

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=sa.Text)
    # The contribution the mail is about. Unsubscribing or deleting it through the follow
    # link deletes its mails (services/follow.py); other deletions (a whole process) keep
    # the log of what was sent.
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", index=True, ondelete="SET NULL"
    )
    # The firm panel's invitee a survey invitation or reminder went to: opting out or the
    # retention purge deletes their mails (services/survey_panel.py, services/retention.py).
    invitee_id: int | None = Field(
        default=None, foreign_key="survey_invitee.id", index=True, ondelete="SET NULL"
    )
    created_at: datetime = timestamp_field()
    sent_at: datetime | None = timestamp_field(nullable=True)
    attempts: int = 0
    # When the sender may try (again); NULL once sent or given up. Indexed: the sender's
    # query "what is due" reads only this column.
    next_attempt_at: datetime | None = timestamp_field(nullable=True, index=True)
    last_error: str = Field(default="", sa_type=sa.Text)
