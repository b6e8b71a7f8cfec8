"""Accounts: sign-in throttling (failed sign-ins per address typed, and the pause they lead
to), the personal access tokens of the staff API, invitation and password-reset links,
recovery codes for two-factor sign-in, and the account log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from participation.models.base import enum_column, timestamp_field


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins for one e-mail address as typed, whether an account has it or not (so
    the pause tells nobody which addresses exist). Keyed by the SHA-256 of the normalised
    address: no address is stored in clear. A successful sign-in deletes the row."""

    __tablename__ = "sign_in_throttle"

    address_hash: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    # The first failure of the current window; old rows are deleted by this index.
    window_started_at: datetime = timestamp_field(index=True)
    locked_until: datetime | None = timestamp_field(nullable=True)


class PersonalAccessToken(SQLModel, table=True):
    """A token a staff member gives a script or another tool to use the staff API in their
    name and with their role. Only its SHA-256 hash is stored; the token is shown once."""

    __tablename__ = "personal_access_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)  # what the person called it, e.g. "Tabellenabgleich"
    token_hash: str = Field(max_length=64, unique=True, index=True)
    # The token's first characters, so a person can tell their tokens apart in the list.
    prefix: str = Field(max_length=12)
    created_at: datetime = timestamp_field()
    last_used_at: datetime | None = timestamp_field(nullable=True)
    revoked_at: datetime | None = timestamp_field(nullable=True)


class LinkPurpose(StrEnum):
    INVITATION = "invitation"  # valid 7 days: the invited person sets name and password
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose; valid 1 hour


class AccountLink(SQLModel, table=True):
    """A single-use link sent to a person: only the SHA-256 of its token is stored. A link
    is spent when used, and void when a newer one of the same purpose is made."""

    __tablename__ = "account_link"
    __table_args__ = (sa.Index("ix_account_link_user_purpose", "user_id", "purpose", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    purpose: LinkPurpose = Field(sa_type=enum_column(LinkPurpose))
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    # Set when used or voided; a link with it set never works again.
    spent_at: datetime | None = timestamp_field(nullable=True)


class RecoveryCode(SQLModel, table=True):
    """One of the ten codes that sign in instead of an authenticator code, each once."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = timestamp_field(nullable=True)


class AccountEventKind(StrEnum):
    INVITED = "invited"
    INVITATION_RENEWED = "invitation_renewed"
    JOINED = "joined"
    ROLE_CHANGED = "role_changed"
    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"
    PASSWORD_RESET = "password_reset"  # noqa: S105
    PASSWORD_CHANGED = "password_changed"  # noqa: S105
    NAME_CHANGED = "name_changed"
    TOTP_ENABLED = "totp_enabled"
    TOTP_DISABLED = "totp_disabled"
    RECOVERY_CODE_USED = "recovery_code_used"
    LOCKED = "locked"
    REMIT_CHANGED = "remit_changed"  # limited to processes and action fields, or freed


class AccountEvent(SQLModel, table=True):
    """The account log: every change to an account, who made it (None: the person
    themselves or the system) and when. Admins read it on the user's page."""

    __tablename__ = "account_event"
    __table_args__ = (sa.Index("ix_account_event_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    actor_id: int | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    kind: AccountEventKind = Field(sa_type=enum_column(AccountEventKind))
    # E.g. "moderator → admin" for a role change; never a password or a code.
    detail: str = Field(default="", max_length=300)
    created_at: datetime = timestamp_field()
