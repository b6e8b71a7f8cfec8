"""What the admin's evaluation pages read: a process's rating rounds with each evaluator's
progress, one round's profiles, the choices for a new round, and the evaluation log in words.

Every function runs a fixed number of statements, however many rounds, profiles and ratings
there are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from babel.numbers import format_decimal
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import N_, _, gettext, ngettext, number_locale
from participation.models import (
    EvaluationAction,
    EvaluationEvent,
    Profile,
    ProfileStatus,
    ProfileTheme,
    Rating,
    RatingRound,
    RoundEvaluator,
    RoundProfile,
    Theme,
    User,
)
from participation.services.evaluation.rounds import RATERS
from participation.services.processes import Page

LOG_PAGE_SIZE: Final = 50


def person(user: User | None) -> str:
    """How staff are named on these pages: their chosen name, else their address."""
    if user is None:
        return ""
    return user.display_name or user.email


@dataclass
class EvaluatorProgress:
    user: User
    themes: list[str]  # the action fields they rate; empty: all of the round's profiles
    assigned: int = 0
    submitted: int = 0


@dataclass
class RoundSummary:
    round: RatingRound
    profiles: int = 0
    evaluators: list[EvaluatorProgress] = field(default_factory=list)


async def round_summaries(
    session: AsyncSession, rounds: Sequence[RatingRound]
) -> list[RoundSummary]:
    """The rounds with their number of profiles and each evaluator's "12 von 40": four
    statements for any number of rounds."""
    ids = [r.id for r in rounds if r.id is not None]
    summaries = {r.id: RoundSummary(r) for r in rounds}
    if not ids:
        return []
    counts = await session.exec(
        select(RoundProfile.round_id, func.count())
        .where(col(RoundProfile.round_id).in_(ids))
        .group_by(col(RoundProfile.round_id))
    )
    for round_id, number in counts:
        summaries[round_id].profiles = int(number)
    assignments = await session.exec(
        select(RoundEvaluator, User, Theme.name)
        .join(User, col(User.id) == RoundEvaluator.user_id)
        .outerjoin(Theme, col(Theme.id) == RoundEvaluator.theme_id)
        .where(col(RoundEvaluator.round_id).in_(ids))
        .order_by(col(User.display_name), col(User.email), col(Theme.position))
    )
    found: dict[tuple[int, int], EvaluatorProgress] = {}
    for assignment, user, theme_name in assignments:
        key = (assignment.round_id, assignment.user_id)
        if key not in found:
            found[key] = EvaluatorProgress(user, [])
            summaries[assignment.round_id].evaluators.append(found[key])
        found[key].themes.append(theme_name or "")
    for progress in found.values():  # assigned without an action field: all of them
        progress.themes = [] if "" in progress.themes else progress.themes
    # The profiles each evaluator rates: all of the round's, or those of their action fields.
    by_theme = sa.exists(
        select(ProfileTheme.profile_id).where(
            col(ProfileTheme.profile_id) == RoundProfile.profile_id,
            col(ProfileTheme.theme_id) == RoundEvaluator.theme_id,
        )
    )
    assigned = await session.exec(
        select(
            RoundEvaluator.round_id,
            RoundEvaluator.user_id,
            func.count(sa.distinct(col(RoundProfile.profile_id))),
        )
        .join(RoundProfile, col(RoundProfile.round_id) == RoundEvaluator.round_id)
        .where(
            col(RoundEvaluator.round_id).in_(ids),
            sa.or_(col(RoundEvaluator.theme_id).is_(None), by_theme),
        )
        .group_by(col(RoundEvaluator.round_id), col(RoundEvaluator.user_id))
    )
    for round_id, user_id, number in assigned:
        if (round_id, user_id) in found:
            found[(round_id, user_id)].assigned = int(number)
    submitted = await session.exec(
        select(
            Rating.round_id, Rating.evaluator_id, func.count(sa.distinct(col(Rating.profile_id)))
        )
        .where(col(Rating.round_id).in_(ids), col(Rating.submitted_at).is_not(None))
        .group_by(col(Rating.round_id), col(Rating.evaluator_id))
    )
    for round_id, user_id, number in submitted:
        if (round_id, user_id) in found:
            found[(round_id, user_id)].submitted = int(number)
    return [summaries[r.id] for r in rounds]


async def rounds_of_process(session: AsyncSession, process_id: int) -> list[RoundSummary]:
    """The process's rounds, open ones first, newest first."""
    rounds = await session.exec(
        select(RatingRound)
        .where(col(RatingRound.process_id) == process_id)
        .order_by(col(RatingRound.status).desc(), col(RatingRound.id).desc())
    )
    return await round_summaries(session, list(rounds))


@dataclass(frozen=True)
class RoundProfileRow:
    profile: Profile
    theme: str  # the primary action field, "" if none
    submitted: int  # evaluators who submitted their rating of it


async def profiles_of_round(session: AsyncSession, round_id: int) -> list[RoundProfileRow]:
    """The round's profiles by title, with their primary action field and how many
    evaluators have submitted their rating: two statements."""
    rows = await session.exec(
        select(Profile, Theme.name)
        .join(RoundProfile, col(RoundProfile.profile_id) == Profile.id)
        .outerjoin(
            ProfileTheme,
            sa.and_(
                col(ProfileTheme.profile_id) == Profile.id, col(ProfileTheme.is_primary).is_(True)
            ),
        )
        .outerjoin(Theme, col(Theme.id) == ProfileTheme.theme_id)
        .where(col(RoundProfile.round_id) == round_id)
        .order_by(col(Profile.title), col(Profile.id))
    )
    counts = dict(
        (
            await session.exec(
                select(Rating.profile_id, func.count(sa.distinct(col(Rating.evaluator_id))))
                .where(col(Rating.round_id) == round_id, col(Rating.submitted_at).is_not(None))
                .group_by(col(Rating.profile_id))
            )
        ).all()
    )
    return [
        RoundProfileRow(profile, theme or "", int(counts.get(profile.id or 0, 0)))
        for profile, theme in rows
    ]


async def profiles_by_status(
    session: AsyncSession, process_id: int
) -> list[tuple[ProfileStatus, list[Profile]]]:
    """The process's profiles a round can take (all but dropped ones), by status in the order
    of their way, each group by title."""
    rows = await session.exec(
        select(Profile)
        .where(col(Profile.process_id) == process_id, col(Profile.status) != ProfileStatus.DROPPED)
        .order_by(col(Profile.title), col(Profile.id))
    )
    groups: dict[ProfileStatus, list[Profile]] = {s: [] for s in ProfileStatus}
    for profile in rows:
        groups[profile.status].append(profile)
    return [(status, found) for status, found in groups.items() if found]


async def raters(session: AsyncSession) -> list[User]:
    """Active evaluators and admins: who may sit on a round."""
    rows = await session.exec(
        select(User)
        .where(col(User.is_active).is_(True), col(User.role).in_(sorted(RATERS)))
        .order_by(col(User.display_name), col(User.email))
    )
    return list(rows)


# --- the log --------------------------------------------------------------------------------

ACTION_LABELS: Final = {
    EvaluationAction.CRITERIA_CHANGED: N_("Criteria changed"),
    EvaluationAction.ROUND_OPENED: N_("Round opened"),
    EvaluationAction.ROUND_CLOSED: N_("Round closed"),
    EvaluationAction.RATING_SAVED: N_("Rating saved as a draft"),
    EvaluationAction.RATING_SUBMITTED: N_("Rating submitted"),
    EvaluationAction.RATINGS_IMPORTED: N_("Ratings imported"),
    EvaluationAction.CONFLICT_DECLARED: N_("Conflict of interest declared"),
    EvaluationAction.GROUPS_PROPOSED: N_("Priority groups proposed"),
    EvaluationAction.GROUP_MOVED: N_("Profile moved to another group"),
    EvaluationAction.PLAN_PUBLISHED: N_("Plan published"),
}


@dataclass(frozen=True)
class LogLine:
    event: EvaluationEvent
    actor: str  # "" when the account is gone
    round_title: str | None
    profile_title: str | None
    details: list[str]

    @property
    def action(self) -> str:
        return gettext(ACTION_LABELS.get(self.event.action, self.event.action.value))


def decimal_text(value: Any) -> str:
    """A weight as people write it: 2 rather than 2.0, 1,5 in German."""
    if not isinstance(value, int | float):
        return str(value)
    return format_decimal(value, format="0.##", locale=number_locale())


def _criteria_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    old = {c.get("id"): c for c in before}
    lines = []
    for criterion in after:
        was = old.pop(criterion.get("id"), None)
        name = str(criterion.get("name", ""))
        if was is None:
            lines.append(
                _("Added: “%(name)s”, weight %(weight)s")
                % {"name": name, "weight": decimal_text(criterion.get("weight"))}
            )
            continue
        if was.get("name") != name:
            lines.append(
                _("Renamed: “%(old)s” → “%(new)s”") % {"old": was.get("name"), "new": name}
            )
        if was.get("weight") != criterion.get("weight"):
            lines.append(
                _("Weight of “%(name)s”: %(old)s → %(new)s")
                % {
                    "name": name,
                    "old": decimal_text(was.get("weight")),
                    "new": decimal_text(criterion.get("weight")),
                }
            )
    lines += [_("Removed: “%(name)s”") % {"name": c.get("name")} for c in old.values()]
    return lines


def _scale_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    lines = []
    if (before.get("scale_min"), before.get("scale_max")) != (
        after.get("scale_min"),
        after.get("scale_max"),
    ):
        lines.append(
            _("Scale: %(old)s → %(new)s")
            % {
                "old": f"{before.get('scale_min')}–{before.get('scale_max')}",
                "new": f"{after.get('scale_min')}–{after.get('scale_max')}",
            }
        )
    if before.get("levels") != after.get("levels"):
        lines.append(_("Descriptions of the levels changed"))
    if before.get("min_ratings") != after.get("min_ratings"):
        lines.append(
            _("Ratings needed per profile: %(old)s → %(new)s")
            % {"old": before.get("min_ratings"), "new": after.get("min_ratings")}
        )
    return lines


def describe(event: EvaluationEvent) -> list[str]:
    """The event's details in words; keys this page does not know are shown as they are."""
    details = dict(event.details)
    lines: list[str] = []
    if isinstance(details.get("before"), list) and isinstance(details.get("after"), list):
        lines += _criteria_changes(details.pop("before"), details.pop("after"))
    if isinstance(details.get("scale_before"), dict) and isinstance(
        details.get("scale_after"), dict
    ):
        lines += _scale_changes(details.pop("scale_before"), details.pop("scale_after"))
    if event.action is EvaluationAction.ROUND_OPENED:
        details.pop("title", None)  # the round's title is shown beside
        if isinstance(profiles := details.pop("profiles", None), int):
            lines.append(
                ngettext("%(num)d profile", "%(num)d profiles", profiles) % {"num": profiles}
            )
        if isinstance(evaluators := details.pop("evaluators", None), list):
            lines.append(
                ngettext("%(num)d evaluator", "%(num)d evaluators", len(evaluators))
                % {"num": len(evaluators)}
            )
    lines += [f"{key}: {value}" for key, value in details.items()]
    return lines


async def evaluation_log(session: AsyncSession, process_id: int, page: int) -> Page[LogLine]:
    """One page of the process's evaluation log, newest first: two statements."""
    where = col(EvaluationEvent.process_id) == process_id
    total = (
        await session.exec(select(func.count()).select_from(EvaluationEvent).where(where))
    ).one()
    pages = max(1, math.ceil(total / LOG_PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = await session.exec(
        select(EvaluationEvent, User, RatingRound.title, Profile.title)
        .outerjoin(User, col(User.id) == EvaluationEvent.actor_id)
        .outerjoin(RatingRound, col(RatingRound.id) == EvaluationEvent.round_id)
        .outerjoin(Profile, col(Profile.id) == EvaluationEvent.profile_id)
        .where(where)
        .order_by(col(EvaluationEvent.id).desc())
        .offset((page - 1) * LOG_PAGE_SIZE)
        .limit(LOG_PAGE_SIZE)
    )
    lines = [
        LogLine(event, person(user), round_title, profile_title, describe(event))
        for event, user, round_title, profile_title in rows
    ]
    return Page(items=lines, page=page, pages=pages, total=total)
