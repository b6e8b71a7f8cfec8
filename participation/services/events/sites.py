"""A process's sites (e.g. the vocational schools of an alliance): add, rename, remove.

A site that contributions or live sessions carry is not removed: the message says how many
do, so nothing loses its site without someone deciding it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import clean_text
from participation.models import Contribution, FocusGroupSession, Site
from participation.models.events import PLACE_MAX, SITE_NAME_MAX
from participation.services.errors import NotFound, ValidationFailed

SITES_MAX = 200  # a process's sites, shown as one list and one select


@dataclass
class SiteForm:
    name: str = ""
    place: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> SiteForm:
        return cls(
            name=" ".join(clean_text(str(data.get("name", ""))).split()),
            place=" ".join(clean_text(str(data.get("place", ""))).split()),
        )

    @classmethod
    def of(cls, site: Site) -> SiteForm:
        return cls(name=site.name, place=site.place)


async def list_sites(session: AsyncSession, process_id: int) -> list[Site]:
    """A process's sites by name (one statement, served by ix_site_process_id)."""
    return list(
        await session.exec(
            select(Site)
            .where(Site.process_id == process_id)
            .order_by(col(Site.name), col(Site.id))
            .limit(SITES_MAX)
        )
    )


async def get_site(session: AsyncSession, process_id: int, site_id: int) -> Site:
    site = await session.get(Site, site_id)
    if site is None or site.process_id != process_id:
        raise NotFound()
    return site


async def _check(
    session: AsyncSession, process_id: int, form: SiteForm, site_id: int | None
) -> None:
    errors: dict[str, str] = {}
    if not form.name:
        errors["name"] = _("Please give the site a name.")
    elif len(form.name) > SITE_NAME_MAX:
        errors["name"] = _("Please use at most %(n)d characters.") % {"n": SITE_NAME_MAX}
    else:
        same = await session.exec(
            select(Site.id).where(
                Site.process_id == process_id,
                func.lower(col(Site.name)) == form.name.lower(),
                col(Site.id) != (site_id or 0),
            )
        )
        if same.first() is not None:
            errors["name"] = _("This process has a site of that name already.")
    if len(form.place) > PLACE_MAX:
        errors["place"] = _("Please use at most %(n)d characters.") % {"n": PLACE_MAX}
    if site_id is None and not errors:
        count = (
            await session.exec(select(func.count()).where(Site.process_id == process_id))
        ).one()
        if count >= SITES_MAX:
            errors["name"] = _("A process can have at most %(n)d sites.") % {"n": SITES_MAX}
    form.errors = errors
    if errors:
        raise ValidationFailed(errors)


async def _commit(session: AsyncSession, form: SiteForm) -> None:
    try:
        await session.commit()
    except IntegrityError as exc:  # the same name added at the same moment
        await session.rollback()
        form.errors = {"name": _("This process has a site of that name already.")}
        raise ValidationFailed(form.errors) from exc


async def add_site(session: AsyncSession, process_id: int, form: SiteForm) -> Site:
    await _check(session, process_id, form, None)
    site = Site(process_id=process_id, name=form.name, place=form.place)
    session.add(site)
    await _commit(session, form)
    return site


async def update_site(session: AsyncSession, site: Site, form: SiteForm) -> Site:
    """Rename a site or change its place; what carries it keeps it."""
    await _check(session, site.process_id, form, site.id)
    site.name, site.place = form.name, form.place
    session.add(site)
    await _commit(session, form)
    return site


@dataclass(frozen=True)
class SiteUse:
    contributions: int
    sessions: int

    @property
    def in_use(self) -> bool:
        return bool(self.contributions or self.sessions)


async def site_use(session: AsyncSession, site_id: int) -> SiteUse:
    """What carries the site: two counts, each from an index on site_id."""
    contributions = (
        await session.exec(select(func.count()).where(Contribution.site_id == site_id))
    ).one()
    sessions = (
        await session.exec(select(func.count()).where(FocusGroupSession.site_id == site_id))
    ).one()
    return SiteUse(contributions, sessions)


async def remove_site(session: AsyncSession, site: Site) -> None:
    """Remove a site nothing carries; otherwise refuse with the counts (nothing is lost)."""
    use = await site_use(session, site.id or 0)
    if use.in_use:
        raise ValidationFailed(
            {
                "site": _(
                    "“%(name)s” cannot be removed: %(contributions)d contributions and "
                    "%(sessions)d live sessions carry this site. Rename it instead, or "
                    "leave it."
                )
                % {"name": site.name, "contributions": use.contributions, "sessions": use.sessions}
            }
        )
    await session.delete(site)
    try:
        await session.commit()
    except IntegrityError as exc:  # a contribution took the site meanwhile
        await session.rollback()
        raise ValidationFailed({"site": _("The site is in use now; it was kept.")}) from exc


def site_names(sites: Sequence[Site]) -> dict[int, str]:
    return {site.id or 0: site.name for site in sites}
