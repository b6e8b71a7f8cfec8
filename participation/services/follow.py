"""The private follow link: what a person sees of their own contributions, and what they may
do with them (edit while still in moderation, delete, download everything).

One follow token belongs to one submission: the token's hash is unique on
`Contribution.follow_token_hash`, and a second submission gets a token of its own. The
page and the export are written for a list all the same, so grouping several submissions
under one link later needs no change here. Nothing about other people is ever shown.

When a moderator asks for changes, the item waits for its author (`awaiting_changes`, out
of the moderation queue). The author's edit makes it `pending` again, back in the queue; every
edit is logged (an `author_edit` event without actor) and counts as a new version, so a
moderator's page showing the old text is stale (services/moderation.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.labels import label
from participation.models import (
    IN_MODERATION,
    Contribution,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    Process,
    RedactedOriginal,
    Theme,
    ThemeSource,
    utcnow,
)
from participation.services import similar
from participation.services.contributions import (
    IdeaForm,
    _clean_body,
    _clean_line,
    check_field,
    hash_token,
)
from participation.services.errors import NotFound, ValidationFailed
from participation.services.evaluation.outcomes import Outcome, outcomes_of
from participation.services.mail import forget_address, forget_mails, mask_address
from participation.services.merging import kept_ideas
from participation.services.moderation_log import keep_events_of_deleted
from participation.services.profiles.notices import ProfileMention, published_profiles_of
from participation.services.triage.redaction import originals_of
from participation.services.triage.scoring import triage_new

# The fields a person may change afterwards. Who they are (segment, organisation) and the
# consent stay as given when sending.
EDIT_FIELDS: Final = ("title", "body", "municipality")
# Moderation events that decide an item's state; theme decisions are not shown to authors.
_DECISIONS: Final = (
    ModerationAction.APPROVE,
    ModerationAction.REJECT,
    ModerationAction.HIDE,
    ModerationAction.REQUEST_CHANGES,
    ModerationAction.MERGE,
)


@dataclass
class EditForm:
    """What the author typed into the edit form, kept verbatim for a re-render."""

    title: str = ""
    body: str = ""
    municipality: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> EditForm:
        return cls(
            title=data.get("title", ""),
            body=data.get("body", ""),
            municipality=data.get("municipality", ""),
        )

    @classmethod
    def of(cls, contribution: Contribution) -> EditForm:
        return cls(
            title=contribution.title,
            body=contribution.body,
            municipality=contribution.municipality or "",
        )


@dataclass(frozen=True)
class FollowedContribution:
    contribution: Contribution
    themes: list[str]  # confirmed action fields, by name
    last_decision: ModerationEvent | None
    # The published project profiles it went into (services/profiles/notices.py).
    profiles: Sequence[ProfileMention] = ()
    merged_into: Contribution | None = None  # the idea it was merged into, if merged
    # What became of it in the published plan (services/evaluation/outcomes.py); None
    # while the plan is not public.
    outcome: Outcome | None = None
    # What the author wrote, when a moderator published it with "[entfernt]"
    # (services/triage/redaction.py): for the author's eyes only.
    original: RedactedOriginal | None = None

    @property
    def changes_requested(self) -> bool:
        """A moderator asked for changes and the item waits for the author's edit."""
        return self.contribution.status is ContributionStatus.AWAITING_CHANGES

    @property
    def request(self) -> str:
        """What the moderator asked to change; "" if nothing is asked."""
        event = self.last_decision
        if not self.changes_requested or event is None:
            return ""
        return event.reason if event.action is ModerationAction.REQUEST_CHANGES else ""

    @property
    def editable(self) -> bool:
        """Only while still in moderation: a published text is what people supported."""
        return self.contribution.status in IN_MODERATION


@dataclass(frozen=True)
class FollowPage:
    process: Process
    items: list[FollowedContribution]

    @property
    def notify_address(self) -> str | None:
        """The address e-mails about these contributions go to, masked; None if none."""
        for followed in self.items:
            if followed.contribution.notify_email:
                return mask_address(followed.contribution.notify_email)
        return None

    def item(self, contribution_id: int) -> FollowedContribution:
        for followed in self.items:
            if followed.contribution.id == contribution_id:
                return followed
        raise NotFound(_("This contribution does not exist."))


def _valid_token(token: str) -> bool:
    return bool(token) and len(token) <= 100


async def _last_decisions(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, ModerationEvent]:
    events = await session.exec(
        select(ModerationEvent)
        .where(
            col(ModerationEvent.contribution_id).in_(list(contribution_ids)),
            col(ModerationEvent.action).in_(list(_DECISIONS)),
        )
        .order_by(col(ModerationEvent.created_at), col(ModerationEvent.id))
    )
    # The latest wins; every event here has its contribution (it was asked for by id).
    return {event.contribution_id or 0: event for event in events}


async def _confirmed_theme_names(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, list[str]]:
    rows = await session.exec(
        select(ContributionTheme.contribution_id, Theme.name)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(
            col(ContributionTheme.contribution_id).in_(list(contribution_ids)),
            ContributionTheme.source == ThemeSource.CONFIRMED,
        )
        .order_by(col(Theme.position), col(Theme.name))
    )
    names: dict[int, list[str]] = {}
    for contribution_id, name in rows:
        names.setdefault(contribution_id, []).append(name)
    return names


async def follow_page(session: AsyncSession, token: str) -> FollowPage | None:
    """Everything behind a follow token, or None for an unknown token."""
    if not _valid_token(token):
        return None
    rows = list(
        await session.exec(
            select(Contribution, Process)
            .join(Process, col(Process.id) == Contribution.process_id)
            .where(Contribution.follow_token_hash == hash_token(token))
            .order_by(col(Contribution.created_at), col(Contribution.id))
        )
    )
    if not rows:
        return None
    ids = [c.id for c, _p in rows if c.id is not None]
    decisions = await _last_decisions(session, ids)
    themes = await _confirmed_theme_names(session, ids)
    profiles = await published_profiles_of(session, ids)
    kept = await kept_ideas(session, [c for c, _p in rows])
    outcomes = await outcomes_of(session, ids)
    originals = await originals_of(session, ids)
    items = [
        FollowedContribution(
            c,
            themes.get(c.id or 0, []),
            decisions.get(c.id or 0),
            profiles=profiles.get(c.id or 0, []),
            merged_into=kept.get(c.id or 0),
            outcome=outcomes.get(c.id or 0),
            original=originals.get(c.id or 0),
        )
        for c, _p in rows
    ]
    return FollowPage(process=rows[0][1], items=items)


async def followed_item(
    session: AsyncSession, token: str, contribution_id: int
) -> tuple[FollowPage, FollowedContribution]:
    """One contribution behind a token; NotFound unless the token covers it."""
    page = await follow_page(session, token)
    if page is None:
        raise NotFound(_("This contribution does not exist."))
    return page, page.item(contribution_id)


def validate_edit(form: EditForm) -> dict[str, str]:
    """The idea form's rules for the fields that can be edited."""
    idea = IdeaForm(title=form.title, body=form.body, municipality=form.municipality)
    form.errors = {
        name: message for name in EDIT_FIELDS if (message := check_field(idea, name)) is not None
    }
    return form.errors


async def edit_contribution(
    session: AsyncSession, token: str, contribution_id: int, form: EditForm
) -> Contribution:
    """Save the author's changes. Raises NotFound for a foreign id, ValidationFailed with a
    message per field (or under "form" once the item is no longer in moderation)."""
    _page, followed = await followed_item(session, token, contribution_id)
    if not followed.editable:
        raise ValidationFailed(
            {
                "form": _("This contribution can no longer be changed: it is %(status)s.")
                % {"status": label(followed.contribution.status)}
            }
        )
    if validate_edit(form):
        raise ValidationFailed(form.errors)
    contribution = followed.contribution
    from_status, now = contribution.status, utcnow()
    # One conditional UPDATE: a moderator's decision in the meantime wins, and the edit is
    # refused rather than changing a text that was just published.
    result = await session.exec(
        update(Contribution)
        .where(
            col(Contribution.id) == contribution_id,
            col(Contribution.version) == contribution.version,
        )
        .values(
            # The same cleaning as on submission: what is stored looks the same either way.
            title=_clean_line(form.title),
            body=_clean_body(form.body),
            municipality=_clean_line(form.municipality) or None,
            updated_at=now,
            status=ContributionStatus.PENDING,  # back in the queue after a request
            version=contribution.version + 1,
        )
    )
    if result.rowcount != 1:
        await session.rollback()
        raise ValidationFailed(
            {"form": _("The moderation has just decided on this contribution. Please reload.")}
        )
    session.add(
        ModerationEvent(
            contribution_id=contribution_id,
            action=ModerationAction.AUTHOR_EDIT,
            from_status=from_status,
            to_status=ContributionStatus.PENDING,
            created_at=now,
        )
    )
    await session.commit()
    await session.refresh(contribution)
    # The new text is scored and searched for personal data again.
    await triage_new(session, [contribution])
    await session.commit()
    return contribution


async def delete_contribution(session: AsyncSession, token: str, contribution_id: int) -> str:
    """Delete a contribution for good; its themes, supports, reports and comments go with it
    (foreign keys with ON DELETE CASCADE). Its moderation events stay, without its text
    (see moderation_log.keep_events_of_deleted). Returns its title."""
    _page, followed = await followed_item(session, token, contribution_id)
    contribution = followed.contribution
    title, was_public = contribution.title, contribution.status is ContributionStatus.PUBLISHED
    # Its mails go with it: unsent ones must not go out, sent ones hold the address.
    await forget_mails(session, [contribution_id])
    await keep_events_of_deleted(session, contribution_id)
    await session.exec(delete(Contribution).where(col(Contribution.id) == contribution_id))
    await session.commit()
    if was_public:  # the similar-ideas index must not offer it any more
        similar.invalidate(contribution.process_id)
    return title


async def unsubscribe(session: AsyncSession, token: str) -> bool:
    """Stop e-mails about the contributions behind a token: forget the address, the consent
    and the language, and the mails (unsent ones must not go out). False for an unknown
    token."""
    page = await follow_page(session, token)
    if page is None:
        return False
    ids = [item.contribution.id for item in page.items if item.contribution.id is not None]
    await forget_address(session, ids)
    await session.commit()
    return True


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(page: FollowPage) -> dict[str, Any]:
    """Everything stored about the person's own contributions, as plain JSON data."""
    return {
        "process": {"slug": page.process.slug, "title": page.process.title},
        "exported_at": utcnow().isoformat(),
        "contributions": [
            {
                "id": c.id,
                "kind": c.kind.value,
                "title": c.title,
                "text": c.body,
                "segment": c.segment.value,
                "channel": c.channel.value,
                "municipality": c.municipality,
                "organisation": {
                    "name": c.organisation_name,
                    "sector": c.organisation_sector,
                    "size": c.organisation_size,
                }
                if c.organisation_name
                else None,
                "status": c.status.value,
                "status_text": label(c.status),
                "changes_requested": item.changes_requested,
                "reason": item.last_decision.reason
                if item.last_decision is not None
                and item.last_decision.action
                in {ModerationAction.REJECT, ModerationAction.REQUEST_CHANGES}
                else None,
                "themes": item.themes,
                # The author's own words, where the published text has "[entfernt]".
                "original": {"title": item.original.title, "text": item.original.body}
                if item.original is not None
                else None,
                "answer": c.answer or None,
                "answered_at": _iso(c.answered_at),
                "notify_email": c.notify_email,
                "notify_consent_at": _iso(c.notify_consent_at),
                "notify_locale": c.notify_locale,
                "consent_at": _iso(c.consent_at),
                "created_at": _iso(c.created_at),
                "published_at": _iso(c.published_at),
                "updated_at": _iso(c.updated_at),
            }
            for item in page.items
            for c in [item.contribution]
        ],
    }
