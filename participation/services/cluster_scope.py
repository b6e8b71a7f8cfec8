"""Which contributions a clustering run groups: its scope.

A moderator may narrow a run to some channels, some author segments and one action field
(a contribution is in when that theme is confirmed or suggested for it); nothing chosen
means everything, as before scopes existed. The scope travels in the job's params
(`to_json`), is applied in the run's feed query (`conditions`) and is stored on the run,
with the action field's name as it was, so the page can say what was grouped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import parse_int
from participation.labels import label
from participation.models import (
    Channel,
    Contribution,
    ContributionTheme,
    Segment,
    Theme,
    ThemeSource,
)
from participation.services.errors import ValidationFailed

# A theme counts for the action-field filter when a moderator confirmed it or the tagger
# suggested it (rejected ones do not).
SCOPE_SOURCES = (ThemeSource.CONFIRMED, ThemeSource.SUGGESTED)


@dataclass(frozen=True)
class Scope:
    channels: tuple[Channel, ...] = ()
    segments: tuple[Segment, ...] = ()
    theme_id: int | None = None
    theme_name: str = ""  # the action field's name when the run was made

    @property
    def empty(self) -> bool:
        return not (self.channels or self.segments or self.theme_id is not None)

    def to_json(self) -> dict[str, Any] | None:
        """For the job's params and the run's `scope` column; None for everything."""
        if self.empty:
            return None
        data: dict[str, Any] = {}
        if self.channels:
            data["channels"] = [c.value for c in self.channels]
        if self.segments:
            data["segments"] = [s.value for s in self.segments]
        if self.theme_id is not None:
            data["theme"] = {"id": self.theme_id, "name": self.theme_name}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Scope:
        """Read back what `to_json` wrote; values that are not (or no longer) known drop out."""
        if not isinstance(data, Mapping):
            return cls()
        channels = {c.value for c in Channel}
        segments = {s.value for s in Segment}
        theme = data.get("theme")
        theme_id = theme.get("id") if isinstance(theme, Mapping) else None
        return cls(
            channels=tuple(Channel(c) for c in data.get("channels") or () if c in channels),
            segments=tuple(Segment(s) for s in data.get("segments") or () if s in segments),
            theme_id=theme_id if isinstance(theme_id, int) else None,
            theme_name=str(theme.get("name") or "") if isinstance(theme, Mapping) else "",
        )

    def conditions(self) -> tuple[Any, ...]:
        """WHERE conditions on Contribution for the feed and its count. The action field is
        a subquery read from ix_contribution_theme_confirmed (theme_id, source, ...)."""
        found: list[Any] = []
        if self.channels:
            found.append(col(Contribution.channel).in_(self.channels))
        if self.segments:
            found.append(col(Contribution.segment).in_(self.segments))
        if self.theme_id is not None:
            found.append(
                col(Contribution.id).in_(
                    select(ContributionTheme.contribution_id).where(
                        ContributionTheme.theme_id == self.theme_id,
                        col(ContributionTheme.source).in_(SCOPE_SOURCES),
                    )
                )
            )
        return tuple(found)

    def describe(self) -> str:
        """In the current locale: "channel Survey, segment Firm, action field X"; "" for all."""
        parts = []
        if self.channels:
            names = " / ".join(label(c) for c in self.channels)
            parts.append(_("channel %(names)s") % {"names": names})
        if self.segments:
            names = " / ".join(label(s) for s in self.segments)
            parts.append(_("segment %(names)s") % {"names": names})
        if self.theme_id is not None:
            parts.append(_("action field %(name)s") % {"name": self.theme_name or "?"})
        return ", ".join(parts)


async def process_theme(session: AsyncSession, process_id: int, theme_id: int) -> Theme | None:
    """The theme if it is one of this process's action fields; None for any other id."""
    theme = await session.get(Theme, theme_id)
    return theme if theme is not None and theme.process_id == process_id else None


async def parse_scope(session: AsyncSession, process_id: int, form: Mapping[str, str]) -> Scope:
    """The scope chosen on the analysis page's form: checkboxes `channel-<value>` and
    `segment-<value>`, and `theme` (an action field's id, empty for all).

    Raises ValidationFailed naming the field when a value is not one the form offers."""
    channels: list[Channel] = []
    segments: list[Segment] = []
    for key, value in form.items():
        if key.startswith("channel-") and value == "on":
            name = key.removeprefix("channel-")
            if name not in {c.value for c in Channel}:
                raise ValidationFailed({"channels": _("Please choose channels from the list.")})
            channels.append(Channel(name))
        elif key.startswith("segment-") and value == "on":
            name = key.removeprefix("segment-")
            if name not in {s.value for s in Segment}:
                raise ValidationFailed({"segments": _("Please choose segments from the list.")})
            segments.append(Segment(name))
    typed = (form.get("theme") or "").strip()
    theme = None
    if typed:
        theme_id = parse_int(typed, minimum=1)
        theme = await process_theme(session, process_id, theme_id) if theme_id else None
        if theme is None:
            raise ValidationFailed(
                {"theme": _("Please choose one of this process's action fields.")}
            )
    # In the enums' order, whatever order the form sent them in: equal scopes look equal.
    return Scope(
        channels=tuple(c for c in Channel if c in channels),
        segments=tuple(s for s in Segment if s in segments),
        theme_id=theme.id if theme else None,
        theme_name=theme.name if theme else "",
    )
