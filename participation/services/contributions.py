"""Ideas from the public: the rules of the idea form, submission and the private follow link."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Final

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _, current_locale
from participation.inputs import parse_int
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ModerationAction,
    ModerationEvent,
    ModerationMode,
    Process,
    Segment,
    Site,
    utcnow,
)
from participation.services.errors import ValidationFailed
from participation.services.mail import MailEvent, mail_context, notify_author
from participation.services.processes import (
    ProcessOverview,
    PublishedIdea,
    confirmed_themes,
    ensure_accepting,
)
from participation.services.triage.scoring import triage_new
from participation.wz2008 import SECTION_NAMES, SECTIONS, SIZE_CLASSES

TITLE_MIN, TITLE_MAX = 5, 120
BODY_MIN, BODY_MAX = 20, 5000
MUNICIPALITY_MAX = 120
ORGANISATION_MAX = 200
EMAIL_MAX = 254
# Enough to catch typos; whether the address works only a sent message can tell.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_CHECKED = frozenset({"on", "true", "1", "yes"})
# Experts are added by staff (workshops, imports); the public form offers these four.
PUBLIC_SEGMENTS: Final = (Segment.RESIDENT, Segment.PUPIL, Segment.FIRM, Segment.OTHER)


@dataclass
class IdeaForm:
    """What a person typed into the idea form, kept verbatim so a failed submit loses nothing."""

    title: str = ""
    body: str = ""
    segment: str = ""
    municipality: str = ""
    # Asked of firms only (segment "firm"); ignored for everyone else.
    organisation_name: str = ""
    organisation_sector: str = ""  # a WZ 2008 section letter
    organisation_size: str = ""  # one of wz2008.SIZE_CLASSES
    # Optional, and stored only with its own consent.
    notify_email: str = ""
    notify_consent: bool = False
    consent: bool = False
    # The site the idea comes from (a site's id), offered when the process has sites.
    site: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_firm(self) -> bool:
        return self.segment == Segment.FIRM.value

    # The firm fields' choices, for the form's template.
    sector_choices: ClassVar = SECTIONS
    size_choices: ClassVar = SIZE_CLASSES

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> IdeaForm:
        def get(name: str) -> str:
            return str(data.get(name, ""))

        return cls(
            title=get("title"),
            body=get("body"),
            segment=get("segment"),
            municipality=get("municipality"),
            organisation_name=get("organisation_name"),
            organisation_sector=get("organisation_sector"),
            organisation_size=get("organisation_size"),
            notify_email=get("notify_email"),
            notify_consent=get("notify_consent") in _CHECKED,
            consent=get("consent") in _CHECKED,
            site=get("site").strip(),
        )


def _clean_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _clean_body(text: str) -> str:
    # Keep paragraphs, drop trailing spaces and runs of blank lines.
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _check_title(form: IdeaForm) -> str | None:
    title = _clean_line(form.title)
    if not title:
        return _("Please give your idea a title.")
    if len(title) < TITLE_MIN:
        return _("The title is too short: please use at least %(n)d characters.") % {"n": TITLE_MIN}
    if len(title) > TITLE_MAX:
        return _("The title is too long: please use at most %(n)d characters.") % {"n": TITLE_MAX}
    return None


def _check_body(form: IdeaForm) -> str | None:
    body = _clean_body(form.body)
    if not body:
        return _("Please describe your idea.")
    if len(body) < BODY_MIN:
        return _("Please describe your idea in at least %(n)d characters.") % {"n": BODY_MIN}
    if len(body) > BODY_MAX:
        return _("Your text is %(length)d characters long; at most %(n)d fit.") % {
            "length": len(body),
            "n": BODY_MAX,
        }
    return None


def _check_segment(form: IdeaForm) -> str | None:
    if form.segment not in {s.value for s in PUBLIC_SEGMENTS}:
        return _("Please tell us who you are.")
    return None


def _check_municipality(form: IdeaForm) -> str | None:
    municipality = _clean_line(form.municipality)
    if len(municipality) > MUNICIPALITY_MAX:
        return _("Please use at most %(n)d characters.") % {"n": MUNICIPALITY_MAX}
    if form.is_firm and not municipality:
        return _("Please name the municipality where your firm is based.")
    return None


def _check_organisation_name(form: IdeaForm) -> str | None:
    if not form.is_firm:
        return None
    name = _clean_line(form.organisation_name)
    if not name:
        return _("Please give the name of your firm or organisation.")
    if len(name) > ORGANISATION_MAX:
        return _("Please use at most %(n)d characters.") % {"n": ORGANISATION_MAX}
    return None


def _check_organisation_sector(form: IdeaForm) -> str | None:
    if form.is_firm and form.organisation_sector not in SECTION_NAMES:
        return _("Please choose the sector of your firm.")
    return None


def _check_organisation_size(form: IdeaForm) -> str | None:
    if form.is_firm and form.organisation_size not in SIZE_CLASSES:
        return _("Please choose how many people your firm employs.")
    return None


def _check_notify_email(form: IdeaForm) -> str | None:
    email = form.notify_email.strip()
    if email and (len(email) > EMAIL_MAX or not _EMAIL.match(email)):
        return _("Please check the e-mail address, e.g. name@example.org.")
    return None


def _check_notify_consent(form: IdeaForm) -> str | None:
    if form.notify_email.strip() and not form.notify_consent:
        return _("To receive e-mails, please tick this box; or leave the address out.")
    return None


def _check_consent(form: IdeaForm) -> str | None:
    if not form.consent:
        return _("Please agree to the processing of your contribution.")
    return None


def _check_site(form: IdeaForm) -> str | None:
    """Only the form of a site's id; whether it is one of the process's sites is read from
    the database when the idea is sent (`_chosen_site`)."""
    if form.site and parse_int(form.site, minimum=1) is None:
        return _("Please choose one of the sites, or none.")
    return None


_CHECKS: Final[dict[str, Callable[[IdeaForm], str | None]]] = {
    "title": _check_title,
    "body": _check_body,
    "segment": _check_segment,
    "municipality": _check_municipality,
    "site": _check_site,
    "organisation_name": _check_organisation_name,
    "organisation_sector": _check_organisation_sector,
    "organisation_size": _check_organisation_size,
    "notify_email": _check_notify_email,
    "notify_consent": _check_notify_consent,
    "consent": _check_consent,
}
IDEA_FIELDS: Final = tuple(_CHECKS)


def check_field(form: IdeaForm, name: str) -> str | None:
    """The message for one field, or None when it is fine. Used for the whole form and inline."""
    return _CHECKS[name](form)


def validate_idea(form: IdeaForm) -> dict[str, str]:
    errors = {name: msg for name in IDEA_FIELDS if (msg := check_field(form, name)) is not None}
    form.errors = errors
    return errors


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _chosen_site(session: AsyncSession, process_id: int, form: IdeaForm) -> int | None:
    """The chosen site's id; an unknown one (another process's, or garbled) is a field error."""
    if not form.site:
        return None
    site_id = parse_int(form.site, minimum=1)
    site = await session.get(Site, site_id) if site_id is not None else None
    if site is None or site.process_id != process_id:
        form.errors["site"] = _("Please choose one of the sites, or none.")
        return None
    return site_id


@dataclass(frozen=True)
class SubmittedIdea:
    contribution: Contribution
    follow_token: str  # shown once to the author, stored only as a hash


async def submit_idea(
    session: AsyncSession, overview: ProcessOverview, form: IdeaForm
) -> SubmittedIdea:
    """Store an idea from the public form. Raises ValidationFailed with a message per field."""
    # The deadline and the open channels, checked now (the page may have been open for hours).
    ensure_accepting(overview, utcnow())
    if mail_context(session) is None:
        # This site sends no e-mail: an address would be kept for nothing, so none is.
        form.notify_email, form.notify_consent = "", False
    process = overview.process
    assert process.id is not None
    validate_idea(form)
    site_id = await _chosen_site(session, process.id, form)
    if form.errors:
        raise ValidationFailed(form.errors)
    now = utcnow()
    publish_at_once = process.moderation_mode is ModerationMode.AFTER_PUBLISHING
    token = secrets.token_urlsafe(24)
    firm = form.is_firm
    notify = bool(form.notify_email.strip()) and form.notify_consent
    contribution = Contribution(
        process_id=process.id,
        kind=ContributionKind.IDEA,
        title=_clean_line(form.title),
        body=_clean_body(form.body),
        segment=Segment(form.segment),
        channel=Channel.IDEA_CALL,
        municipality=_clean_line(form.municipality) or None,
        site_id=site_id,
        organisation_name=_clean_line(form.organisation_name) if firm else None,
        organisation_sector=form.organisation_sector if firm else None,
        organisation_size=form.organisation_size if firm else None,
        notify_email=form.notify_email.strip() if notify else None,
        notify_consent_at=now if notify else None,
        notify_locale=current_locale.get() if notify else None,
        status=ContributionStatus.PUBLISHED if publish_at_once else ContributionStatus.PENDING,
        follow_token_hash=hash_token(token),
        consent_at=now,
        created_at=now,
        published_at=now if publish_at_once else None,
    )
    # Scored before it is stored; a high score waits for a moderator after all.
    await triage_new(session, [contribution], may_hold=True)
    session.add(contribution)
    await session.flush()  # the id, for the mail's link to the idea
    # The only moment the plain follow token exists: the first mail carries it.
    await notify_author(session, contribution, MailEvent.SUBMITTED, follow_token=token)
    await session.commit()
    return SubmittedIdea(contribution=contribution, follow_token=token)


@dataclass(frozen=True)
class FollowedIdea:
    """What the author sees behind the private follow link."""

    contribution: Contribution
    process: Process
    last_event: ModerationEvent | None


async def find_by_follow_token(session: AsyncSession, token: str) -> FollowedIdea | None:
    if not token or len(token) > 100:
        return None
    row = (
        await session.exec(
            select(Contribution, Process)
            .join(Process, col(Process.id) == Contribution.process_id)
            .where(Contribution.follow_token_hash == hash_token(token))
        )
    ).first()
    if row is None:
        return None
    contribution, process = row
    last_event = (
        await session.exec(
            select(ModerationEvent)
            .where(
                ModerationEvent.contribution_id == contribution.id,
                col(ModerationEvent.action).in_(
                    [ModerationAction.APPROVE, ModerationAction.REJECT]
                ),
            )
            .order_by(col(ModerationEvent.created_at).desc(), col(ModerationEvent.id).desc())
        )
    ).first()
    return FollowedIdea(contribution=contribution, process=process, last_event=last_event)


async def published_idea(
    session: AsyncSession, process_id: int, contribution_id: int
) -> PublishedIdea | None:
    """One published idea of a process with its confirmed themes; None for anything else."""
    contribution = (
        await session.exec(
            select(Contribution).where(
                Contribution.id == contribution_id,
                Contribution.process_id == process_id,
                Contribution.kind == ContributionKind.IDEA,
                Contribution.status == ContributionStatus.PUBLISHED,
            )
        )
    ).first()
    if contribution is None:
        return None
    themes = await confirmed_themes(session, [contribution_id])
    return PublishedIdea(contribution, themes.get(contribution_id, []))
