"""The sign-in lock of an account: FAILURES_BEFORE_LOCK failed sign-ins (wrong passwords and
wrong two-factor codes alike) within FAILURE_WINDOW lock the account for LOCK_DURATION, also
for the right password. Kept on the account's row besides the pause per typed address
(services/users.py), so changing the spelling or the address does not get round it; each
failure is counted by one UPDATE, so simultaneous guesses cannot slip past the limit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import and_, case, literal, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import AccountEventKind, User, UTCDateTime
from participation.services.accounts.log import record

FAILURES_BEFORE_LOCK: Final = 10
FAILURE_WINDOW: Final = timedelta(minutes=15)
LOCK_DURATION: Final = timedelta(minutes=15)


def locked_until(user: User, now: datetime) -> datetime | None:
    """The end of the account's lock, or None if it is not locked."""
    if user.locked_until is None or user.locked_until <= now:
        return None
    return user.locked_until


async def count_failure(session: AsyncSession, user: User, now: datetime) -> datetime | None:
    """Count one failure and commit; the lock's end if this failure started one (then it is
    logged). A window older than FAILURE_WINDOW starts again at one."""
    table = User.__table__  # type: ignore[attr-defined]
    started = table.c.failures_started_at
    window_over = or_(started.is_(None), started <= now - FAILURE_WINDOW)
    locks_now = and_(~window_over, table.c.failed_sign_ins + 1 == FAILURES_BEFORE_LOCK)
    stamp, lock_end = literal(now, UTCDateTime()), literal(now + LOCK_DURATION, UTCDateTime())
    statement = (
        update(table)
        .where(table.c.id == user.id)
        .values(
            failed_sign_ins=case((window_over, 1), else_=table.c.failed_sign_ins + 1),
            failures_started_at=case((window_over, stamp), else_=started),
            locked_until=case((locks_now, lock_end), else_=table.c.locked_until),
        )
        .returning(table.c.failed_sign_ins, table.c.locked_until)
    )
    failures, until = (await session.exec(statement)).one()
    # The row is written; the loaded object learns it without becoming dirty.
    set_committed_value(user, "failed_sign_ins", failures)
    set_committed_value(user, "locked_until", until)
    started_now = failures == FAILURES_BEFORE_LOCK and until is not None and until > now
    if started_now:
        record(session, user, AccountEventKind.LOCKED, detail=until.isoformat(timespec="minutes"))
    await session.commit()
    return until if started_now else None


def clear_failures(user: User) -> None:
    """After a complete sign-in (the caller adds and commits the user)."""
    user.failed_sign_ins = 0
    user.failures_started_at = None
    user.locked_until = None
