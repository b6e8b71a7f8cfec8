"""Every contribution of a process as a table for staff working offline: CSV (for German
Excel: UTF-8 with BOM, `;`) streamed page by page, or XLSX (openpyxl, write-only) written in
a worker thread.

One row per contribution (ideas, comments, survey answers) with what the analysis made of
it: themes, the latest clustering's group, focus-group dots, merges and duplicate
candidates, the profiles it feeds and the moderation decision. Contributions are read in
pages by id (keyset); each page's other columns come from a fixed number of queries over
the page's ids, so memory stays flat and the statement count grows with pages, not rows.

Personal data stays out: no notification addresses, follow tokens or organisation names,
only what the survey export gives too (segment, WZ section, size class, municipality).
Cells a spreadsheet would run as formulas are defused as in the survey export.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import anyio.to_thread
from openpyxl import Workbook
from sqlalchemy import func, true
from sqlalchemy.orm import load_only
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import SessionMaker
from participation.i18n import N_, _, gettext
from participation.labels import label
from participation.models import (
    Channel,
    Cluster,
    ClusterMember,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    DuplicatePair,
    FocusGroupDot,
    FocusGroupIdea,
    FocusGroupSession,
    ModerationAction,
    ModerationEvent,
    Process,
    Profile,
    ProfileSource,
    Role,
    Segment,
    Site,
    Theme,
    ThemeSource,
    User,
)
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.clusters import latest_run
from participation.services.spreadsheet_cells import Cell, csv_lines, xlsx_cell

BATCH: Final = 500
# Roles that may download a process's contributions. Scoped roles (limited to processes or
# action fields) will narrow this in `may_export`, the only place that decides it.
EXPORTERS: Final = frozenset({Role.ADMIN, Role.MODERATOR})
# The moderation actions that decide a contribution's fate; the latest one is exported.
DECISIONS: Final = (ModerationAction.APPROVE, ModerationAction.REJECT, ModerationAction.HIDE)
KINDS: Final = {
    ContributionKind.IDEA: N_("Idea"),
    ContributionKind.COMMENT: N_("Comment"),
    ContributionKind.SURVEY_ANSWER: N_("Survey answer"),
}


def may_export(user: User | None, process: Process) -> bool:
    """Whether `user` may download every contribution of `process`."""
    del process  # every process for now; scoped roles will look at it
    return user is not None and user.role in EXPORTERS


def export_header() -> list[str]:
    return [
        _("Contribution ID"),
        _("Kind"),
        _("Comment on"),
        _("Channel"),
        _("Segment"),
        _("Sector (WZ 2008)"),
        _("Size class"),
        _("Municipality"),
        _("Site"),
        _("Title"),
        _("Text"),
        _("Status"),
        _("Confirmed action fields"),
        _("Suggested action fields (score)"),
        _("Cluster"),
        _("Supports"),
        _("Focus-group dots"),
        _("Focus-group session"),
        _("Comments"),
        _("Merged into"),
        _("Merged here"),
        _("Possible duplicates (score)"),
        _("Profiles"),
        _("Created"),
        _("Moderation decision"),
        _("Moderated by"),
        _("Moderated at"),
    ]


@dataclass(frozen=True)
class _Labels:
    """The enums' labels in the reader's language, looked up once per export."""

    kinds: dict[str, str]
    channels: dict[str, str]
    segments: dict[str, str]
    statuses: dict[str, str]
    actions: dict[str, str]

    @classmethod
    def now(cls) -> _Labels:
        return cls(
            kinds={kind.value: gettext(text) for kind, text in KINDS.items()},
            channels={c.value: label(c) for c in Channel},
            segments={s.value: label(s) for s in Segment},
            statuses={s.value: label(s) for s in ContributionStatus},
            actions={a.value: label(a) for a in DECISIONS},
        )


@dataclass
class _Extras:
    """What one page's contributions have beyond their own columns, by contribution id."""

    confirmed: dict[int, list[str]]
    suggested: dict[int, list[str]]
    cluster: dict[int, str]
    dots: dict[int, int]
    sessions: dict[int, list[str]]
    merged_here: dict[int, list[int]]
    duplicates: dict[int, list[str]]
    profiles: dict[int, list[str]]
    decision: dict[int, tuple[str, str, datetime]]  # action, by whom, when


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""


def _score(value: float) -> str:
    return f"{value:.2f}"


def _listed(values: Sequence[object]) -> str:
    return "; ".join(str(v) for v in values)


# The contribution's own columns read: no notification address, token or organisation name.
_OWN_COLUMNS: Final = (
    "id",
    "kind",
    "parent_id",
    "channel",
    "segment",
    "organisation_sector",
    "organisation_size",
    "municipality",
    "site_id",
    "title",
    "body",
    "status",
    "support_count",
    "comment_count",
    "duplicate_of_id",
    "created_at",
)
# Only these are loaded; touching another attribute raises instead of reading it.
_OWN: Final = load_only(*(getattr(Contribution, n) for n in _OWN_COLUMNS), raiseload=True)


async def _themes(session: AsyncSession, ids: list[int], extras: _Extras) -> None:
    rows = await session.exec(
        select(
            ContributionTheme.contribution_id,
            ContributionTheme.source,
            ContributionTheme.score,
            Theme.name,
        )
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(
            col(ContributionTheme.contribution_id).in_(ids),
            col(ContributionTheme.source) != ThemeSource.REJECTED,
        )
        .order_by(col(Theme.position), col(Theme.id))
    )
    suggested: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for contribution_id, source, score, name in rows:
        if source == ThemeSource.CONFIRMED:
            extras.confirmed[contribution_id].append(name)
        else:
            shown = f"{name} ({_score(score)})" if score is not None else name
            suggested[contribution_id].append((score or 0.0, shown))
    # The strongest suggestion first, as the moderation queue shows them.
    for contribution_id, found in suggested.items():
        found.sort(key=lambda pair: -pair[0])
        extras.suggested[contribution_id] = [text for _score_, text in found]


async def _clusters(
    session: AsyncSession, ids: list[int], run_id: int | None, extras: _Extras
) -> None:
    if run_id is None:
        return
    rows = await session.exec(
        select(ClusterMember.contribution_id, Cluster.name)
        .join(Cluster, col(Cluster.id) == ClusterMember.cluster_id)
        .where(ClusterMember.run_id == run_id, col(ClusterMember.contribution_id).in_(ids))
    )
    extras.cluster.update(rows.all())


async def _focus_groups(session: AsyncSession, ids: list[int], extras: _Extras) -> None:
    dots = func.coalesce(func.sum(FocusGroupDot.dots), 0)
    rows = await session.exec(
        select(FocusGroupIdea.contribution_id, FocusGroupSession.title, dots)
        .join(FocusGroupSession, col(FocusGroupSession.id) == FocusGroupIdea.session_id)
        .outerjoin(FocusGroupDot, col(FocusGroupDot.idea_id) == FocusGroupIdea.id)
        .where(col(FocusGroupIdea.contribution_id).in_(ids))
        .group_by(col(FocusGroupIdea.id), col(FocusGroupIdea.contribution_id))
        .group_by(col(FocusGroupSession.title))
        .order_by(col(FocusGroupIdea.id))
    )
    for contribution_id, title, given in rows:
        if contribution_id is None:
            continue
        extras.dots[contribution_id] = extras.dots.get(contribution_id, 0) + int(given)
        if title not in extras.sessions[contribution_id]:
            extras.sessions[contribution_id].append(title)


async def _merges(session: AsyncSession, ids: list[int], extras: _Extras) -> None:
    """The contributions merged into this page's, and the open duplicate candidates."""
    merged = await session.exec(
        select(Contribution.duplicate_of_id, Contribution.id)
        .where(col(Contribution.duplicate_of_id).in_(ids))
        .order_by(col(Contribution.id))
    )
    for kept_id, merged_id in merged:
        if kept_id is not None and merged_id is not None:
            extras.merged_here[kept_id].append(merged_id)
    pairs = await session.exec(
        select(DuplicatePair.first_id, DuplicatePair.second_id, DuplicatePair.score)
        .where(
            col(DuplicatePair.dismissed_at).is_(None),
            col(DuplicatePair.first_id).in_(ids) | col(DuplicatePair.second_id).in_(ids),
        )
        .order_by(col(DuplicatePair.score).desc(), col(DuplicatePair.id))
    )
    page = set(ids)
    for first, second, score in pairs:
        for one, other in ((first, second), (second, first)):
            if one in page:
                extras.duplicates[one].append(f"{other} ({_score(score)})")


async def _profiles(session: AsyncSession, ids: list[int], extras: _Extras) -> None:
    rows = await session.exec(
        select(ProfileSource.contribution_id, Profile.title)
        .join(Profile, col(Profile.id) == ProfileSource.profile_id)
        .where(col(ProfileSource.contribution_id).in_(ids))
        .order_by(col(Profile.title), col(Profile.id))
    )
    for contribution_id, title in rows:
        extras.profiles[contribution_id].append(title)


async def _decisions(session: AsyncSession, ids: list[int], extras: _Extras) -> None:
    rows = await session.exec(
        select(
            ModerationEvent.contribution_id,
            ModerationEvent.action,
            ModerationEvent.created_at,
            # Staff are named as the moderation log names them when they have no name.
            func.coalesce(func.nullif(col(User.display_name), ""), col(User.email)),
        )
        .outerjoin(User, col(User.id) == ModerationEvent.actor_id)
        .where(
            col(ModerationEvent.contribution_id).in_(ids),
            col(ModerationEvent.action).in_(DECISIONS),
        )
        .order_by(col(ModerationEvent.id))
    )
    for contribution_id, action, created_at, actor in rows:
        if contribution_id is not None:  # the later one wins: the decision that holds
            extras.decision[contribution_id] = (action, actor or "", created_at)


async def _extras(session: AsyncSession, ids: list[int], run_id: int | None) -> _Extras:
    extras = _Extras(
        confirmed=defaultdict(list),
        suggested={},
        cluster={},
        dots={},
        sessions=defaultdict(list),
        merged_here=defaultdict(list),
        duplicates=defaultdict(list),
        profiles=defaultdict(list),
        decision={},
    )
    await _themes(session, ids, extras)
    await _clusters(session, ids, run_id, extras)
    await _focus_groups(session, ids, extras)
    await _merges(session, ids, extras)
    await _profiles(session, ids, extras)
    await _decisions(session, ids, extras)
    return extras


def _rows(
    own: Sequence[Contribution],
    extras: _Extras,
    labels: _Labels,
    zone: ZoneInfo,
    sites: Mapping[int, str],
) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for c in own:
        cid = c.id or 0
        action, actor, decided_at = extras.decision.get(cid, ("", "", None))
        rows.append(
            [
                cid,
                labels.kinds.get(c.kind, c.kind),
                c.parent_id,
                labels.channels.get(c.channel, c.channel),
                labels.segments.get(c.segment, c.segment),
                c.organisation_sector or "",
                c.organisation_size or "",
                c.municipality or "",
                sites.get(c.site_id or 0, ""),
                c.title,
                c.body,
                labels.statuses.get(c.status, c.status),
                _listed(extras.confirmed.get(cid, [])),
                _listed(extras.suggested.get(cid, [])),
                extras.cluster.get(cid, ""),
                c.support_count,
                extras.dots.get(cid),
                _listed(extras.sessions.get(cid, [])),
                c.comment_count,
                c.duplicate_of_id,
                _listed(extras.merged_here.get(cid, [])),
                _listed(extras.duplicates.get(cid, [])),
                _listed(extras.profiles.get(cid, [])),
                _when(c.created_at, zone),
                labels.actions.get(action, action),
                actor,
                _when(decided_at, zone),
            ]
        )
    return rows


async def export_pages(
    session: AsyncSession,
    process_id: int,
    time_zone: str,
    *,
    batch: int | None = None,
    labels: _Labels | None = None,
    scope: Scope = EVERYWHERE,
    site_id: int | None = None,
) -> AsyncIterator[list[list[Cell]]]:
    """The process's contributions by id (those of a limited member's action fields; those
    of one site when `site_id` is given), `batch` rows at a time: two statements to find
    the latest clustering and the sites' names, then at most eight per page whatever the
    page holds."""
    in_scope = scope.contributions_in() if scope.fields_in(process_id) else true()
    of_site = Contribution.site_id == site_id if site_id is not None else true()
    sites = {
        site.id or 0: site.name
        for site in await session.exec(select(Site).where(Site.process_id == process_id))
    }
    size = batch or BATCH
    labels = labels or _Labels.now()
    zone = ZoneInfo(time_zone)
    run = await latest_run(session, process_id)
    run_id = run.id if run is not None else None
    last_id = 0
    while True:
        own = list(
            await session.exec(
                select(Contribution)
                .options(_OWN)
                # Kept counts fresh, also when the session holds the rows from before.
                .execution_options(populate_existing=True)
                .where(
                    Contribution.process_id == process_id,
                    col(Contribution.id) > last_id,
                    in_scope,
                    of_site,
                )
                .order_by(col(Contribution.id))
                .limit(size)
            )
        )
        if not own:
            return
        ids = [c.id or 0 for c in own]
        yield _rows(own, await _extras(session, ids, run_id), labels, zone, sites)
        if len(own) < size:
            return
        last_id = ids[-1]


def csv_stream(
    sessionmaker: SessionMaker,
    process_id: int,
    time_zone: str,
    *,
    batch: int | None = None,
    scope: Scope = EVERYWHERE,
    site_id: int | None = None,
) -> AsyncIterator[bytes]:
    """The CSV file piece by piece: BOM and header, then a page at a time, each written in a
    worker thread. It reads with a session of its own, opened when the first page is asked
    for: the request's session is closed once the handler returns, before the body is sent.
    Header and labels are translated now, in the reader's language."""
    header = export_header()
    labels = _Labels.now()

    async def chunks() -> AsyncIterator[bytes]:
        yield ("\ufeff" + csv_lines([header])).encode("utf-8")
        async with sessionmaker() as session:
            pages = export_pages(
                session,
                process_id,
                time_zone,
                batch=batch,
                labels=labels,
                scope=scope,
                site_id=site_id,
            )
            async for rows in pages:
                yield (await anyio.to_thread.run_sync(csv_lines, rows)).encode("utf-8")

    return chunks()


def _append(sheet: Any, rows: Sequence[Sequence[Cell]]) -> None:
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def write_xlsx(pages: AsyncIterator[list[list[Cell]]]) -> bytes:
    """The workbook of one sheet. Write-only: each page goes to openpyxl's temporary file in
    a worker thread as it is read, so the rows are never all in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Contributions")[:31])
    sheet.append([xlsx_cell(h) for h in export_header()])
    async for rows in pages:
        await anyio.to_thread.run_sync(_append, sheet, rows)
    return await anyio.to_thread.run_sync(_saved, workbook)
