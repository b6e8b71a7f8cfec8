"""Comments on ideas with one level of replies, moderated like ideas.

A comment is a `Contribution` of kind comment whose `parent_id` is the idea. A reply also
has `reply_to_id`: the top-level comment it answers. Replies to a reply answer the same top
comment, so threads never get deeper than one level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import ColumnElement, Integer, literal, tuple_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import parse_int
from participation.models import (
    Channel,
    CommentPage,
    CommentPublic,
    CommentThreadPublic,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ModerationMode,
    PhaseKind,
    Segment,
    UTCDateTime,
    utcnow,
)
from participation.services.contributions import PUBLIC_SEGMENTS
from participation.services.errors import ValidationFailed
from participation.services.processes import Page, ProcessOverview, contributions_page
from participation.services.triage.scoring import triage_new

COMMENT_MIN, COMMENT_MAX = 3, 2000
# Top-level comments (each with its replies) on one page of an idea: the page stays small
# however long the discussion gets; the rest are a page link away.
THREADS_PER_PAGE: Final = 30
COMMENT_FIELDS: Final = ("body", "segment", "consent")


@dataclass
class CommentForm:
    """What a person typed into a comment or reply form, kept verbatim for a failed submit."""

    body: str = ""
    segment: str = ""
    consent: bool = False
    reply_to: int | None = None  # the comment answered; None for a top-level comment
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> CommentForm:
        return cls(
            body=data.get("body", ""),
            segment=data.get("segment", ""),
            consent=data.get("consent", "") in {"on", "true", "1", "yes"},
            # A forged or garbled value makes a top-level comment: what was typed is kept.
            reply_to=parse_int(data.get("reply_to")),
        )


def comments_open(overview: ProcessOverview) -> bool:
    """Comments stay possible after the idea call's deadline (people keep discussing what
    was sent) until the results phase begins."""
    now = utcnow()
    return not any(p.kind is PhaseKind.RESULTS and p.starts_at <= now for p in overview.phases)


def _clean_body(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]
    return "\n".join(lines)


def validate_comment(form: CommentForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    body = _clean_body(form.body)
    if not body:
        errors["body"] = _("Please write your comment.")
    elif len(body) < COMMENT_MIN:
        errors["body"] = _("Please write at least %(n)d characters.") % {"n": COMMENT_MIN}
    elif len(body) > COMMENT_MAX:
        errors["body"] = _("Your text is %(length)d characters long; at most %(n)d fit.") % {
            "length": len(body),
            "n": COMMENT_MAX,
        }
    if form.segment not in {s.value for s in PUBLIC_SEGMENTS}:
        errors["segment"] = _("Please tell us who you are.")
    if not form.consent:
        errors["consent"] = _("Please agree to the processing of your contribution.")
    form.errors = errors
    return errors


async def _top_comment(
    session: AsyncSession, idea: Contribution, comment_id: int
) -> Contribution | None:
    """The top-level comment a reply belongs to: the comment itself, or the one it answers."""
    comment = await session.get(Contribution, comment_id)
    if (
        comment is None
        or comment.kind is not ContributionKind.COMMENT
        or comment.parent_id != idea.id
        or comment.status is not ContributionStatus.PUBLISHED
    ):
        return None
    if comment.reply_to_id is not None:
        return await session.get(Contribution, comment.reply_to_id)
    return comment


async def submit_comment(
    session: AsyncSession, overview: ProcessOverview, idea: Contribution, form: CommentForm
) -> Contribution:
    """Store a comment or reply on a published idea. Pending until approved under
    pre-moderation, published at once under post-moderation. Raises ValidationFailed."""
    if not comments_open(overview):
        raise ValidationFailed({"form": _("Comments are closed: the results are being published.")})
    if validate_comment(form):
        raise ValidationFailed(form.errors)
    reply_to_id: int | None = None
    if form.reply_to is not None:
        top = await _top_comment(session, idea, form.reply_to)
        if top is None:
            form.errors = {"form": _("The comment you wanted to answer is no longer shown.")}
            raise ValidationFailed(form.errors)
        reply_to_id = top.id
    now = utcnow()
    publish_at_once = overview.process.moderation_mode is ModerationMode.AFTER_PUBLISHING
    comment = Contribution(
        process_id=idea.process_id,
        kind=ContributionKind.COMMENT,
        parent_id=idea.id,
        reply_to_id=reply_to_id,
        body=_clean_body(form.body),
        segment=Segment(form.segment),
        channel=Channel.IDEA_CALL,
        status=ContributionStatus.PUBLISHED if publish_at_once else ContributionStatus.PENDING,
        consent_at=now,
        created_at=now,
        published_at=now if publish_at_once else None,
    )
    await triage_new(session, [comment], may_hold=True)
    session.add(comment)
    await session.commit()
    return comment


@dataclass(frozen=True)
class CommentThread:
    comment: Contribution
    replies: Sequence[Contribution]


def _published_comments(idea_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        col(Contribution.parent_id) == idea_id,
        col(Contribution.kind) == ContributionKind.COMMENT,
        col(Contribution.status) == ContributionStatus.PUBLISHED,
    )


async def comment_threads(
    session: AsyncSession, idea_id: int, page: int = 1, per_page: int = THREADS_PER_PAGE
) -> Page[CommentThread]:
    """Published top-level comments, oldest first, each with its published replies."""
    where = (*_published_comments(idea_id), col(Contribution.reply_to_id).is_(None))
    oldest_first = (col(Contribution.created_at), col(Contribution.id))
    top_page = await contributions_page(session, where, oldest_first, page, per_page)
    tops = top_page.items
    replies: dict[int, list[Contribution]] = {c.id or 0: [] for c in tops}
    if tops:
        rows = await session.exec(
            select(Contribution)
            .where(*_published_comments(idea_id), col(Contribution.reply_to_id).in_(list(replies)))
            .order_by(col(Contribution.created_at), col(Contribution.id))
        )
        for reply in rows:
            replies[reply.reply_to_id or 0].append(reply)
    return top_page.with_items([CommentThread(c, replies[c.id or 0]) for c in tops])


@dataclass(frozen=True)
class ThreadPlace:
    """Where a published comment is shown: its thread's top comment and that thread's page."""

    top_id: int
    page: int


async def thread_place(
    session: AsyncSession, idea_id: int, comment_id: int, per_page: int = THREADS_PER_PAGE
) -> ThreadPlace | None:
    """The page of the idea's comment threads that shows `comment_id` (a top-level comment
    or a reply), so a link to it lands; None if it is not a published comment of the idea.
    At most three statements, each a seek in the comments' index, however many there are."""
    comment = await session.get(Contribution, comment_id)
    if (
        comment is None
        or comment.kind is not ContributionKind.COMMENT
        or comment.parent_id != idea_id
        or comment.status is not ContributionStatus.PUBLISHED
    ):
        return None
    top = comment
    if comment.reply_to_id is not None:
        found = await session.get(Contribution, comment.reply_to_id)
        if found is None or found.status is not ContributionStatus.PUBLISHED:
            return None
        top = found
    earlier = (
        await session.exec(
            select(func.count())
            .select_from(Contribution)
            .where(
                *_published_comments(idea_id),
                col(Contribution.reply_to_id).is_(None),
                # Row values, typed as the columns so the time compares as it is stored.
                tuple_(col(Contribution.created_at), col(Contribution.id))
                < tuple_(literal(top.created_at, UTCDateTime()), literal(top.id, Integer())),
            )
        )
    ).one()
    return ThreadPlace(top_id=top.id or 0, page=earlier // per_page + 1)


def _public(comment: Contribution) -> CommentPublic:
    return CommentPublic(
        id=comment.id or 0,
        body=comment.body,
        segment=comment.segment,
        reply_to=comment.reply_to_id,
        created_at=comment.created_at,
        published_at=comment.published_at,
    )


async def public_comment_page(
    session: AsyncSession, process_id: int, idea_id: int, page: int, per_page: int
) -> CommentPage | None:
    """A page of a published idea's comment threads for the JSON API; None if the idea is not
    a published idea of the process."""
    idea = await session.get(Contribution, idea_id)
    if (
        idea is None
        or idea.process_id != process_id
        or idea.kind is not ContributionKind.IDEA
        or idea.status is not ContributionStatus.PUBLISHED
    ):
        return None
    threads = await comment_threads(session, idea_id, page, per_page)
    items = [
        CommentThreadPublic(comment=_public(t.comment), replies=[_public(r) for r in t.replies])
        for t in threads.items
    ]
    return CommentPage(items=items, page=threads.page, pages=threads.pages, total=threads.total)
