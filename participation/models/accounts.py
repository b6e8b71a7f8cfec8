"""Accounts: sign-in throttling (failed sign-ins per address typed, and the pause they lead
to) and the personal access tokens of the staff API."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from participation.models.base import timestamp_field


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
