"""What became of contributions once a process's plan is published: the public project
profiles each went into, with the priority group each profile has in the plan; or, for an
idea that went into no profile, the process's general answer (`EvaluationSetup.general_answer`).

Read at request time from the profiles' sources, the plan's entries and the setup (no copy to
keep in step): taking the plan back hides every outcome again, and a profile taken back from
the public drops out of them at once.

A merged idea (services/merging.py) shares the outcome of the idea it was merged into: its
supports and comments count there, and a profile built from the kept idea rests on its words
too. Its own sources count as well. Chains (the kept idea merged again) are followed up to
`MERGE_HOPS` steps, one statement per step.

Authors who gave an address and consented get one mail per contribution when the plan is
published (`notify_outcomes`, called by publication.publish_plan in its transaction). The
outbox is the record of what was sent: every such mail has the plan's address on a line of
its own, so publishing again after taking the plan back sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    Contribution,
    ContributionKind,
    ContributionStatus,
    EvaluationSetup,
    OutgoingMail,
    PlanEntry,
    PriorityGroup,
    Process,
    Profile,
    ProfileSource,
)
from participation.services.mail import MailEvent, mail_context, notify_author
from participation.services.profiles.notices import profile_path

MERGE_HOPS: Final = 5
# Ids per statement: far below the bind-parameter limits of SQLite and asyncpg.
BATCH: Final = 1000
# Who hears the general answer: ideas that are or were public, or still wait for the
# moderation. A rejected or hidden idea has had its reason from the moderation already.
_ANSWERED: Final = frozenset(
    {
        ContributionStatus.PUBLISHED,
        ContributionStatus.MERGED,
        ContributionStatus.PENDING,
        ContributionStatus.AWAITING_CHANGES,
    }
)


def plan_path(slug: str) -> str:
    return f"/processes/{slug}/plan"


@dataclass(frozen=True)
class ProfileOutcome:
    """A public profile a contribution went into, with its group in the published plan."""

    profile_id: int
    title: str
    process_slug: str
    group: str | None  # None: the profile has no place in the plan
    group_position: int | None = None

    @property
    def path(self) -> str:
        return profile_path(self.process_slug, self.profile_id)


@dataclass(frozen=True)
class Outcome:
    process_slug: str
    profiles: tuple[ProfileOutcome, ...] = ()
    # The process's answer for ideas in no profile ("" when it went into one, or none is
    # written yet); Markdown.
    general_answer: str = ""
    # The idea this one was merged into, whose outcome it shares (None: its own).
    via_id: int | None = None

    @property
    def in_profiles(self) -> bool:
        return bool(self.profiles)

    @property
    def plan_path(self) -> str:
        return plan_path(self.process_slug)


@dataclass(frozen=True)
class _Row:
    id: int
    process_id: int
    kind: ContributionKind
    status: ContributionStatus
    duplicate_of_id: int | None


def _batches(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield list(ids[start : start + BATCH])


async def _rows(session: AsyncSession, ids: Iterable[int]) -> dict[int, _Row]:
    found = await session.exec(select(Contribution).where(col(Contribution.id).in_(list(ids))))
    return {
        c.id: _Row(c.id, c.process_id, c.kind, c.status, c.duplicate_of_id)
        for c in found
        if c.id is not None
    }


async def _merge_targets(session: AsyncSession, rows: dict[int, _Row]) -> dict[int, list[int]]:
    """For each merged contribution, the ideas up its chain of merges (nearest first)."""
    chains: dict[int, list[int]] = {}
    known = dict(rows)
    tips = {
        r.id: r.duplicate_of_id
        for r in rows.values()
        if r.status is ContributionStatus.MERGED and r.duplicate_of_id is not None
    }
    for _hop in range(MERGE_HOPS):
        if not tips:
            break
        missing = {t for t in tips.values() if t not in known}
        if missing:
            known.update(await _rows(session, missing))
        following: dict[int, int] = {}
        for start, tip in tips.items():
            if tip not in known or tip == start or tip in chains.get(start, []):
                continue
            chains.setdefault(start, []).append(tip)
            target = known[tip]
            if target.status is ContributionStatus.MERGED and target.duplicate_of_id is not None:
                following[start] = target.duplicate_of_id
        tips = following
    return chains


async def _profiles(
    session: AsyncSession, ids: Iterable[int], slug_of: dict[int, str]
) -> dict[int, list[ProfileOutcome]]:
    """The public profiles of published plans these contributions are sources of, by
    contribution id, with each profile's group (if placed). A profile's sources are of its
    own process (services/profiles/sources.py): `slug_of` names it by contribution id."""
    rows = await session.exec(
        select(ProfileSource.contribution_id, Profile.id, Profile.title, PriorityGroup)
        .join(Profile, col(Profile.id) == ProfileSource.profile_id)
        .join(EvaluationSetup, col(EvaluationSetup.process_id) == Profile.process_id)
        .outerjoin(PlanEntry, col(PlanEntry.profile_id) == Profile.id)
        .outerjoin(PriorityGroup, col(PriorityGroup.id) == PlanEntry.group_id)
        .where(
            col(ProfileSource.contribution_id).in_(list(ids)),
            col(Profile.status).in_(sorted(PUBLIC_PROFILE_STATUSES)),
            col(EvaluationSetup.plan_published_at).is_not(None),
        )
    )
    found: dict[int, list[ProfileOutcome]] = {}
    for contribution_id, profile_id, title, group in rows:
        found.setdefault(contribution_id, []).append(
            ProfileOutcome(
                profile_id or 0,
                title,
                slug_of.get(contribution_id, ""),
                group.name if group is not None else None,
                group.position if group is not None else None,
            )
        )
    return found


def _ordered(profiles: Iterable[ProfileOutcome]) -> tuple[ProfileOutcome, ...]:
    unique = {p.profile_id: p for p in profiles}
    return tuple(
        sorted(
            unique.values(),
            key=lambda p: (
                p.group_position is None,
                p.group_position or 0,
                p.title.casefold(),
                p.profile_id,
            ),
        )
    )


async def _published_setups(
    session: AsyncSession, process_ids: Iterable[int]
) -> dict[int, tuple[str, str]]:
    """process id -> (slug, general answer) for the processes whose plan is public."""
    rows = await session.exec(
        select(EvaluationSetup.process_id, Process.slug, EvaluationSetup.general_answer)
        .join(Process, col(Process.id) == EvaluationSetup.process_id)
        .where(
            col(EvaluationSetup.process_id).in_(list(process_ids)),
            col(EvaluationSetup.plan_published_at).is_not(None),
        )
    )
    return {process_id: (slug, answer) for process_id, slug, answer in rows}


async def _outcomes_batch(session: AsyncSession, ids: list[int]) -> dict[int, Outcome]:
    rows = await _rows(session, ids)
    setups = await _published_setups(session, {r.process_id for r in rows.values()})
    rows = {
        i: r
        for i, r in rows.items()
        if r.process_id in setups and r.kind is not ContributionKind.COMMENT
    }
    if not rows:
        return {}
    chains = await _merge_targets(session, rows)
    wanted = set(rows) | {target for chain in chains.values() for target in chain}
    slug_of = {
        target: setups[row.process_id][0]
        for row in rows.values()
        for target in (row.id, *chains.get(row.id, []))
    }
    profiles = await _profiles(session, wanted, slug_of)
    outcomes: dict[int, Outcome] = {}
    for row in rows.values():
        slug, answer = setups[row.process_id]
        chain = chains.get(row.id, [])
        own = profiles.get(row.id, [])
        inherited = [p for target in chain for p in profiles.get(target, [])]
        if own or inherited:
            via = chain[0] if inherited and not own else None
            outcomes[row.id] = Outcome(slug, _ordered([*own, *inherited]), via_id=via)
        elif row.kind is ContributionKind.IDEA and row.status in _ANSWERED:
            outcomes[row.id] = Outcome(slug, general_answer=answer)
    return outcomes


async def outcomes_of(session: AsyncSession, contribution_ids: Sequence[int]) -> dict[int, Outcome]:
    """What became of these contributions, by id; those of processes whose plan is not
    public (and comments, rejected and hidden ideas in no profile) are left out. A fixed
    number of statements per thousand ids (more only for chains of merges)."""
    outcomes: dict[int, Outcome] = {}
    for batch in _batches(sorted(set(contribution_ids))):
        outcomes.update(await _outcomes_batch(session, batch))
    return outcomes


async def outcome_of(session: AsyncSession, contribution: Contribution) -> Outcome | None:
    """One contribution's outcome, for its page: a single statement while its process's plan
    is not public (the usual case, on a page many people open)."""
    setup = await session.get(EvaluationSetup, contribution.process_id)
    if setup is None or setup.plan_published_at is None or contribution.id is None:
        return None
    return (await outcomes_of(session, [contribution.id])).get(contribution.id)


async def notify_outcomes(session: AsyncSession, process_id: int) -> int:
    """Queue the mail "what became of your idea" for every idea of the process whose author
    consented and has not had it yet; the caller commits (with the plan's publication, whose
    `plan_published_at` must be set in this session). Returns how many mails were queued
    (0 when sending is off)."""
    context = mail_context(session)
    if context is None:
        return 0
    process = await session.get(Process, process_id)
    assert process is not None
    path = plan_path(process.slug)
    ids = list(
        await session.exec(
            select(Contribution.id)
            .where(
                col(Contribution.process_id) == process_id,
                col(Contribution.kind) == ContributionKind.IDEA,
                col(Contribution.notify_email).is_not(None),
                col(Contribution.notify_consent_at).is_not(None),
            )
            .order_by(col(Contribution.id))
        )
    )
    queued = 0
    for batch in _batches([i for i in ids if i is not None]):
        outcomes = await outcomes_of(session, batch)
        # Each mail names the plan's address on a line of its own: that line marks it.
        already = set(
            await session.exec(
                select(OutgoingMail.contribution_id).where(
                    col(OutgoingMail.contribution_id).in_(batch),
                    col(OutgoingMail.body).contains(f"{path}\n"),
                )
            )
        )
        due = [i for i in batch if i in outcomes and i not in already]
        if not due:
            continue
        authors = await session.exec(
            select(Contribution).where(col(Contribution.id).in_(due)).order_by(col(Contribution.id))
        )
        for contribution in authors:
            outcome = outcomes[contribution.id or 0]
            extra = {
                "profiles": [
                    {"title": p.title, "group": p.group or "", "url": context.base_url + p.path}
                    for p in outcome.profiles
                ],
                "general_answer": outcome.general_answer,
                "plan_url": context.base_url + path,
            }
            if await notify_author(session, contribution, MailEvent.PLAN_OUTCOME, extra=extra):
                queued += 1
    return queued
