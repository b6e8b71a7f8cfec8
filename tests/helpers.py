"""Helpers shared by the test modules: database rows, signing in, forms, HTML and translations.

Route tests are synchronous (the TestClient runs the app in its own event loop), so rows for
them are made with `in_db`, which opens its own engine under `asyncio.run`. Service tests are
`async def` and call the `add_*` coroutines with the `session` fixture directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bs4 import BeautifulSoup, Tag
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.i18n import current_locale, translations_for
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    ModerationEvent,
    ModerationMode,
    Phase,
    PhaseKind,
    Process,
    Role,
    Segment,
    Theme,
    User,
    utcnow,
)
from participation.services.contributions import hash_token
from participation.services.users import create_user
from participation.settings import Settings

T = TypeVar("T")
Client = TestClient[Litestar]

PASSWORD = "correct horse battery staple"
SLUG = "radwege-auetal"
HTMX = {"HX-Request": "true"}


# --- translations ----------------------------------------------------------------------------


def de(message: str) -> str:
    """The German text of a message id, as the app shows it (the id itself while untranslated).

    Assertions built on it check the German wording once the catalogue has it.
    """
    return translations_for("de").ugettext(message)


@contextmanager
def in_locale(code: str) -> Iterator[None]:
    """gettext in another language meanwhile, as for a reader who chose it."""
    token = current_locale.set(code)
    try:
        yield
    finally:
        current_locale.reset(token)


def german(message: str) -> str:
    """Like `de`, for messages the German catalogue already translates: fails if it does not."""
    text = de(message)
    assert text != message, f"no German translation for {message!r}"
    return text


# --- database rows ---------------------------------------------------------------------------


def in_db(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` with a session of its own engine, outside any running event loop."""

    async def run() -> T:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def add_process(
    session: AsyncSession,
    *,
    slug: str = SLUG,
    title: str = "Radwege im Auetal",
    mode: ModerationMode = ModerationMode.BEFORE_PUBLISHING,
    call: str = "open",
) -> Process:
    """A process with an idea-call phase that is `open` (now), `closed` (past) or `future`."""
    now = utcnow()
    day = timedelta(days=1)
    starts, ends = {
        "open": (now - day, now + 30 * day),
        "closed": (now - 30 * day, now - day),
        "future": (now + day, now + 30 * day),
    }[call]
    process = Process(
        slug=slug,
        title=title,
        summary="Wo fehlen Radwege?",
        description="Sagen Sie uns, wo Sie sicher Rad fahren möchten.",
        moderation_mode=mode,
    )
    session.add(process)
    await session.flush()
    assert process.id is not None
    session.add(
        Phase(
            process_id=process.id,
            kind=PhaseKind.IDEA_CALL,
            title="Ideenaufruf",
            starts_at=starts,
            ends_at=ends,
        )
    )
    await session.commit()
    return process


async def add_idea(
    session: AsyncSession,
    process: Process,
    *,
    title: str = "Radweg nach Kornbach",
    body: str = "Zwischen Auenbrück und Kornbach fehlt ein sicherer Radweg.",
    status: ContributionStatus = ContributionStatus.PUBLISHED,
    segment: Segment = Segment.RESIDENT,
    created_at: datetime | None = None,
    follow_token: str | None = None,
    kind: ContributionKind = ContributionKind.IDEA,
    channel: Channel = Channel.IDEA_CALL,
    parent_id: int | None = None,
    imported_ratings: dict[str, int] | None = None,
) -> Contribution:
    """A contribution, by default a published idea from the idea call."""
    assert process.id is not None
    created = created_at or utcnow()
    contribution = Contribution(
        process_id=process.id,
        kind=kind,
        parent_id=parent_id,
        title=title,
        body=body,
        segment=segment,
        channel=channel,
        imported_ratings=imported_ratings,
        status=status,
        created_at=created,
        consent_at=created,
        published_at=created if status is ContributionStatus.PUBLISHED else None,
        follow_token_hash=hash_token(follow_token) if follow_token else None,
    )
    session.add(contribution)
    await session.commit()
    return contribution


def stored_idea(settings: Settings, process: Process, **kwargs: Any) -> Contribution:
    """`add_idea` in a session of its own, for tests that work through the web client."""
    return in_db(settings, lambda s: add_idea(s, process, **kwargs))


# A small taxonomy for the test process: (slug, name, keywords).
THEMES = (
    ("radwege", "Radwege", ["radweg", "fahrrad", "radfahren"]),
    ("schule", "Schulwege", ["schule", "schulweg", "kinder"]),
    ("oepnv", "Bus und Bahn", ["bus", "bahn", "haltestelle"]),
)


async def add_themes(
    session: AsyncSession,
    process: Process,
    taxonomy: Sequence[tuple[str, str, list[str]]] = THEMES,
) -> dict[str, Theme]:
    """A taxonomy, (slug, name, keywords) per theme, on a process; the themes by slug."""
    assert process.id is not None
    themes = {
        slug: Theme(process_id=process.id, slug=slug, name=name, keywords=keywords, position=i)
        for i, (slug, name, keywords) in enumerate(taxonomy)
    }
    session.add_all(themes.values())
    await session.commit()
    return themes


async def theme_rows(
    session: AsyncSession, contribution_id: int | None
) -> dict[str, ContributionTheme]:
    """The themes on a contribution, by theme slug."""
    rows = await session.exec(
        select(ContributionTheme, Theme.slug)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(ContributionTheme.contribution_id == contribution_id)
    )
    return {slug: row for row, slug in rows}


async def add_staff(
    session: AsyncSession, email: str, role: Role = Role.MODERATOR, *, active: bool = True
) -> User:
    user = await create_user(session, email=email, password=PASSWORD, role=role)
    if not active:
        user.is_active = False
        session.add(user)
        await session.commit()
    return user


async def add_actor(session: AsyncSession, email: str, role: Role = Role.MODERATOR) -> User:
    """A staff row for service tests that never sign in (skips the deliberately slow hash)."""
    user = User(email=email, password_hash="-", role=role)
    session.add(user)
    await session.commit()
    return user


async def count(session: AsyncSession, model: type[Any]) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def contributions(session: AsyncSession) -> list[Contribution]:
    return list(await session.exec(select(Contribution).order_by(col(Contribution.id))))


async def events(session: AsyncSession) -> list[ModerationEvent]:
    return list(await session.exec(select(ModerationEvent).order_by(col(ModerationEvent.id))))


async def by_follow_token(session: AsyncSession, token: str) -> Contribution:
    query = select(Contribution).where(Contribution.follow_token_hash == hash_token(token))
    return (await session.exec(query)).one()


# --- HTTP ------------------------------------------------------------------------------------


def csrf_token(client: Client) -> str:
    """The CSRF token of this client, fetched with a GET if it has none yet."""
    if "csrftoken" not in client.cookies:
        client.get("/login")
    return str(client.cookies["csrftoken"])


def post_form(
    client: Client,
    url: str,
    data: Mapping[str, str] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """POST a form the way a browser does: with the CSRF field, without following redirects."""
    form = {**(data or {}), "_csrf_token": csrf_token(client)}
    return client.post(url, data=form, headers=dict(headers or {}), follow_redirects=False)


def login(client: Client, email: str, password: str = PASSWORD, next_: str = "") -> Response:
    return post_form(client, "/login", {"email": email, "password": password, "next": next_})


def valid_idea(**overrides: str) -> dict[str, str]:
    form = {
        "title": "Sichere Radwege zur Schule",
        "body": "Viele Kinder fahren mit dem Rad zur Schule, aber es gibt kaum sichere Wege.",
        "segment": "resident",
        "municipality": "Kornbach",
        "consent": "on",
    }
    form.update(overrides)
    return form


def follow_token_from(response: Response) -> str:
    """The private token from the redirect after a successful submission."""
    location = response.headers["location"]
    assert location.startswith("/follow/"), location
    assert location.endswith("?submitted=1"), location
    return location.removeprefix("/follow/").removesuffix("?submitted=1")


# --- HTML ------------------------------------------------------------------------------------


def html(text: str) -> BeautifulSoup:
    """A page or fragment, parsed with the standard library's parser (no html/body added)."""
    return BeautifulSoup(text, "html.parser")


def one(page: Tag, selector: str) -> Tag:
    """The only element matching a CSS selector: fails unless there is exactly one."""
    found = page.select(selector)
    assert len(found) == 1, f"expected one element {selector!r}, found {len(found)}"
    return found[0]


def first_match(page: Tag, selector: str) -> Tag:
    """The first element matching a CSS selector: fails if there is none."""
    found = page.select_one(selector)
    assert found is not None, f"no element {selector!r}"
    return found


def text_of(tag: Tag) -> str:
    """The text inside, whitespace collapsed; elements count as word breaks."""
    return " ".join(tag.get_text(" ").split())


def attr(tag: Tag, name: str) -> str:
    """A single-valued attribute (`class` and `rel` are lists: see `Tag.get_attribute_list`)."""
    value = tag[name]
    assert isinstance(value, str), f"{name} has several values: {value!r}"
    return value


def field_error(page: Tag, name: str) -> str:
    """The text of the error paragraph tied to a form field (`<name>-error`)."""
    return text_of(one(page, f"#{name}-error"))


def idea_titles(page: Tag) -> list[str]:
    """The titles of the ideas listed on a process page, in order."""
    return [text_of(h3) for h3 in one(page, "#ideas").select("h3")]


def suggestions_done(client: Client) -> None:
    """Wait until the app has tagged the contributions queued so far: theme suggestions run
    after the answer has gone out (participation/suggestion_queue.py)."""
    client.blocking_portal.call(client.app.state.suggestions.drained)
