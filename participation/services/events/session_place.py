"""Where a live session took place: its site and its event (both of its own process), and
the site carried onto the contributions its ideas became.

Closing a session calls `copy_site_to_contributions` so its contributions carry the
session's site like those typed in at that site.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import parse_int
from participation.models import Contribution, Event, FocusGroupIdea, FocusGroupSession, Site
from participation.services.errors import ValidationFailed


@dataclass
class PlaceForm:
    site: str = ""  # a site's id, "" for none
    event: str = ""  # an event's id, "" for none
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> PlaceForm:
        return cls(site=str(data.get("site", "")).strip(), event=str(data.get("event", "")).strip())

    @classmethod
    def of(cls, live: FocusGroupSession) -> PlaceForm:
        return cls(site=str(live.site_id or ""), event=str(live.event_id or ""))


async def set_place(session: AsyncSession, live: FocusGroupSession, form: PlaceForm) -> None:
    """Set a session's site and event; each must belong to the session's process. A session
    already closed passes a changed site on to its contributions at once."""
    errors: dict[str, str] = {}
    site_id = parse_int(form.site, minimum=1) if form.site else None
    event_id = parse_int(form.event, minimum=1) if form.event else None
    if form.site:
        site = await session.get(Site, site_id) if site_id else None
        if site is None or site.process_id != live.process_id:
            errors["site"] = _("Please choose one of the process's sites.")
    if form.event:
        event = await session.get(Event, event_id) if event_id else None
        if event is None or event.process_id != live.process_id:
            errors["event"] = _("Please choose one of the process's events.")
    form.errors = errors
    if errors:
        raise ValidationFailed(errors)
    live.site_id, live.event_id = site_id, event_id
    session.add(live)
    if live.closed_at is not None:
        await copy_site_to_contributions(session, live)
    await session.commit()


async def copy_site_to_contributions(session: AsyncSession, live: FocusGroupSession) -> int:
    """Give the contributions that the session's ideas became the session's site (one
    statement; the caller commits). Returns how many rows it changed."""
    ideas = select(FocusGroupIdea.contribution_id).where(
        FocusGroupIdea.session_id == live.id, col(FocusGroupIdea.contribution_id).is_not(None)
    )
    result = await session.exec(
        update(Contribution)
        .where(col(Contribution.id).in_(ideas))
        .values(site_id=live.site_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class Place:
    """Where a session is held, as its board names it."""

    site: Site | None
    event: Event | None


async def place_of(session: AsyncSession, live: FocusGroupSession) -> Place:
    site = await session.get(Site, live.site_id) if live.site_id else None
    event = await session.get(Event, live.event_id) if live.event_id else None
    return Place(site, event)


async def place_choices(session: AsyncSession, process_id: int) -> tuple[list[Site], list[Event]]:
    sites = await session.exec(
        select(Site).where(Site.process_id == process_id).order_by(col(Site.name))
    )
    events = await session.exec(
        select(Event)
        .where(Event.process_id == process_id)
        .order_by(col(Event.starts_at).desc())
        .limit(200)
    )
    return list(sites), list(events)
