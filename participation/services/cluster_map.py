"""The map of a clustering run: each contribution's place in 2-D, drawn as an SVG on the
analysis page (templates/pages/analysis/detail.html).

The map draws an even sample of the run's members; each point is a link to its contribution
on its group's page, named by its title (or, for a survey answer, its first words), read in
one statement for the sampled ids only. The group numbers sit at their members' mean place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Cluster, ClusterMember, ClusterRun, Contribution
from participation.services.themes import analysed_title

# The map draws at most this many points (a fixed, even sample): a browser stays quick with
# a thousand or two SVG links, not with a hundred thousand. Each point is a link named by its
# contribution's title, about 240 bytes: at 10,000 contributions 1,500 points make a page of
# 360 KB (63 KB gzipped), where 3,000 made 690 KB.
MAP_POINTS: Final = 1500
# A point's name (its link's accessible name and tooltip) is cut at this many characters;
# survey answers, whose title is their question, are named by their first words.
MAP_TITLE_CHARS: Final = 80
MAP_WIDTH: Final = 640
MAP_HEIGHT: Final = 400
MAP_MARGIN: Final = 16
# Distinct colours for the clusters (kept in app.css as .cluster-c0 … .cluster-c11).
COLOURS: Final = 12


@dataclass(frozen=True)
class MapPoint:
    x: float  # in the SVG's coordinates
    y: float
    colour: int
    number: int = 0  # its group's number, as people see it
    contribution_id: int = 0
    title: str = ""  # the link's name: the contribution's title, or its first words


@dataclass(frozen=True)
class MapLabel:
    x: float
    y: float
    number: int


@dataclass(frozen=True)
class ClusterMap:
    width: int
    height: int
    points: Sequence[MapPoint]
    labels: Sequence[MapLabel]  # each cluster's number at its members' mean position
    total: int  # members of the run; more than len(points) when the map shows a sample


async def read_map(
    session: AsyncSession, run: ClusterRun, clusters: Sequence[Cluster]
) -> ClusterMap:
    """The run's map: every member's place, a sample of them drawn as named links."""
    position = {c.id: c.position for c in clusters}
    rows = await session.exec(
        select(
            ClusterMember.cluster_id,
            ClusterMember.x,
            ClusterMember.y,
            ClusterMember.contribution_id,
        )
        .where(ClusterMember.run_id == run.id)
        .order_by(col(ClusterMember.contribution_id))
    )
    members = [(position[cluster_id], x, y, i) for cluster_id, x, y, i in rows]
    # Labels from every member; points (and so titles) from an even sample of them.
    step = max(1, math.ceil(len(members) / MAP_POINTS))
    titles = await map_titles(session, [member[3] for member in members[::step]])
    return layout_map(members, step=step, titles=titles)


async def map_titles(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    """The names of the map's points: one statement for at most MAP_POINTS ids (well below
    the bound-parameter limits of SQLite and PostgreSQL)."""
    if not ids:
        return {}
    rows = await session.exec(
        select(
            Contribution.id,
            analysed_title(),
            func.substr(col(Contribution.body), 1, 2 * MAP_TITLE_CHARS),
        ).where(col(Contribution.id).in_(ids))
    )
    return {id_: point_title(title, body or "") for id_, title, body in rows if id_ is not None}


def point_title(title: str, body: str) -> str:
    """The title, or for an item without one (a survey answer) the first words of its body;
    cut at a word boundary before MAP_TITLE_CHARS."""
    text = " ".join((title.strip() or body).split())
    if len(text) <= MAP_TITLE_CHARS:
        return text
    cut = text[: MAP_TITLE_CHARS - 1].rsplit(" ", 1)[0]
    return f"{cut}…"


def layout_map(
    members: Sequence[tuple[int, float, float, int]],
    *,
    step: int = 1,
    titles: Mapping[int, str] | None = None,
) -> ClusterMap:
    """Scale (cluster position, x, y, contribution id) into the SVG box, keeping the aspect
    ratio; every step-th member becomes a point, named by `titles`."""
    titles = titles or {}
    if not members:
        return ClusterMap(MAP_WIDTH, MAP_HEIGHT, (), (), 0)
    xs = [member[1] for member in members]
    ys = [member[2] for member in members]
    min_x, min_y = min(xs), min(ys)
    span = max(max(xs) - min_x, max(ys) - min_y) or 1.0
    scale = min(MAP_WIDTH - 2 * MAP_MARGIN, MAP_HEIGHT - 2 * MAP_MARGIN) / span
    # Centre the cloud in the box.
    offset_x = (MAP_WIDTH - (max(xs) - min_x) * scale) / 2
    offset_y = (MAP_HEIGHT - (max(ys) - min_y) * scale) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        # SVG's y axis points down; flip it so "up" on the map is up in the projection.
        return (
            round(offset_x + (x - min_x) * scale, 1),
            round(MAP_HEIGHT - offset_y - (y - min_y) * scale, 1),
        )

    points = [
        MapPoint(*at(x, y), cluster % COLOURS, cluster + 1, id_, titles.get(id_, ""))
        for cluster, x, y, id_ in members[::step]
    ]
    sums: dict[int, tuple[float, float, int]] = {}
    for cluster, x, y, _id in members:
        sx, sy, n = sums.get(cluster, (0.0, 0.0, 0))
        sums[cluster] = (sx + x, sy + y, n + 1)
    labels = [
        MapLabel(*at(sx / n, sy / n), number=cluster + 1)
        for cluster, (sx, sy, n) in sorted(sums.items())
    ]
    return ClusterMap(MAP_WIDTH, MAP_HEIGHT, points, labels, len(members))
