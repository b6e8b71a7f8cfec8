"""Sign-in throttling: failed sign-ins per address typed, and the pause they lead to."""

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
