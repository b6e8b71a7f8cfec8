"""Rows and steps the focus-group tests share: sessions, members, ideas, a facilitator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from httpx import Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    FocusGroupDot,
    FocusGroupIdea,
    FocusGroupMember,
    FocusGroupSession,
    LiveAudience,
    Process,
    Role,
    User,
    utcnow,
)
from participation.settings import Settings
from tests.helpers import Client, add_staff, in_db, login, post_form

CODE = "K7P2QX"
FACILITATOR = "leitung@example.org"


async def add_session(
    session: AsyncSession,
    process: Process,
    facilitator: User | None = None,
    *,
    code: str = CODE,
    title: str = "BBS Auetal, Klasse 11b",
    state: str = "open",
    audience: LiveAudience = LiveAudience.PUPILS,
) -> FocusGroupSession:
    """A session that is `open`, `expired` (its time is up) or `closed`."""
    assert process.id is not None
    now = utcnow()
    row = FocusGroupSession(
        process_id=process.id,
        title=title,
        join_code=code,
        facilitator_id=facilitator.id if facilitator else None,
        created_at=now - timedelta(hours=3),
        expires_at=now - timedelta(minutes=1) if state == "expired" else now + timedelta(hours=2),
        closed_at=now if state == "closed" else None,
        audience=audience,
    )
    session.add(row)
    await session.commit()
    return row


async def add_member(
    session: AsyncSession, fg_session: FocusGroupSession, pseudonym: str = "Eisvogel"
) -> FocusGroupMember:
    """A pupil who has joined `fg_session` under `pseudonym`."""
    assert fg_session.id is not None
    member = FocusGroupMember(
        session_id=fg_session.id,
        pseudonym=pseudonym,
        pseudonym_key=pseudonym.casefold(),
        token_hash=f"{fg_session.id}-{pseudonym}".encode().hex()[:64],
    )
    session.add(member)
    await session.commit()
    return member


def stored_session(
    settings: Settings, process: Process, facilitator: User | None = None, **kwargs: Any
) -> FocusGroupSession:
    return in_db(settings, lambda s: add_session(s, process, facilitator, **kwargs))


def facilitator_client(
    client: Client, settings: Settings, email: str = FACILITATOR, role: Role = Role.FACILITATOR
) -> User:
    """Sign the client in as a new staff user with `role` (a facilitator by default)."""
    user = in_db(settings, lambda s: add_staff(s, email, role))
    response = login(client, email)
    assert response.status_code == 303, response.text
    return user


def join(client: Client, name: str, code: str = CODE) -> Response:
    """Choose a pseudonym in a session (the client needs no sign-in)."""
    return post_form(client, f"/mitmachen/{code}", {"pseudonym": name})


@dataclass(frozen=True)
class Rows:
    """Every focus-group row, by table: for checking what was (not) stored."""

    sessions: list[FocusGroupSession]
    members: list[FocusGroupMember]
    ideas: list[FocusGroupIdea]
    dots: list[FocusGroupDot]


async def all_rows(session: AsyncSession) -> Rows:
    return Rows(
        sessions=list(await session.exec(select(FocusGroupSession))),
        members=list(await session.exec(select(FocusGroupMember))),
        ideas=list(await session.exec(select(FocusGroupIdea).order_by(col(FocusGroupIdea.id)))),
        dots=list(await session.exec(select(FocusGroupDot))),
    )


def rows(settings: Settings) -> Rows:
    return in_db(settings, all_rows)
