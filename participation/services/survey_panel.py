"""The firm panel of a survey: the uploaded list of addresses (with a report of every row
not taken and why), the response rate by WZ section and size class, and opting out.

The list's columns are found by their header names (address, organisation, WZ section, size
class); a row is refused, and shown with what it held, for a bad address, a second copy of
an address (in the file or already on the list), an address that opted out of the process's
survey mails, or a section or size class that is not one of WZ 2008's. Mailing the list is
in services/panel_mail.py; the links and anonymity in services/panel_links.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import delete, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import OutgoingMail, Process, utcnow
from participation.models.survey_panel import PanelOptOut, SurveyInvitee
from participation.models.surveys import Survey
from participation.services.contributions import EMAIL_MAX
from participation.services.importing import Table, UnreadableFile
from participation.services.panel_links import address_hash, invitee_for_token
from participation.wz2008 import SECTION_NAMES, SIZE_CLASSES, section_name

ORGANISATION_MAX: Final = 200
_EMAIL: Final = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s.,;<>]+$")
# Header names (lower case, without spaces, dashes and dots) that name each column.
_HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "address": ("email", "mail", "emailadresse", "adresse", "address", "mailadresse"),
    "organisation": (
        "organisation",
        "organization",
        "firma",
        "unternehmen",
        "betrieb",
        "name",
        "firmenname",
    ),
    "section": (
        "wz",
        "wz2008",
        "wzabschnitt",
        "abschnitt",
        "section",
        "wirtschaftszweig",
        "branche",
        "sector",
    ),
    "size": (
        "größe",
        "groesse",
        "größenklasse",
        "groessenklasse",
        "size",
        "sizeclass",
        "beschäftigte",
        "mitarbeitende",
        "employees",
    ),
}
# Size classes as spreadsheets tend to write them.
_SIZE_WORDS: Final[dict[str, str]] = {size.replace("-", ""): size for size in SIZE_CLASSES} | {
    "250undmehr": "250+",
    "ab250": "250+",
    "über250": "250+",
}


def _key(text: str) -> str:
    return re.sub(r"[\s\-_.–]", "", text.strip().lower())


def columns_of(header: Sequence[str]) -> dict[str, str]:
    """Which column of the file holds which field; UnreadableFile without an address one."""
    found: dict[str, str] = {}
    for column in header:
        key = _key(column)
        for name, words in _HEADERS.items():
            if name not in found and key in words:
                found[name] = column
    if "address" not in found:
        raise UnreadableFile(
            _("The file needs a column with the e-mail addresses, named e.g. “E-Mail”.")
        )
    return found


def parse_section(text: str) -> str | None:
    """A WZ 2008 section letter from "C", "c" or "C – Verarbeitendes Gewerbe"; None when the
    cell is not one."""
    letter = text.strip()[:1].upper()
    rest = text.strip()[1:].strip()
    if letter in SECTION_NAMES and (not rest or rest[0] in "-–—:. "):
        return letter
    return None


def parse_size(text: str) -> str | None:
    return _SIZE_WORDS.get(_key(text).replace("–", ""))


@dataclass(frozen=True)
class RejectedRow:
    """A row not taken, with everything it held, so nothing typed is lost."""

    line: int
    address: str
    organisation: str
    section: str
    size: str
    reason: str


@dataclass(frozen=True)
class UploadReport:
    added: int
    rejected: Sequence[RejectedRow]

    @property
    def rows(self) -> int:
        return self.added + len(self.rejected)


async def add_list(session: AsyncSession, survey: Survey, table: Table) -> UploadReport:
    """Add the file's rows to the survey's panel (committed); the report says which rows were
    refused and why."""
    assert survey.id is not None
    columns = columns_of(table.header)
    known = set(
        await session.exec(
            select(SurveyInvitee.address_hash).where(SurveyInvitee.survey_id == survey.id)
        )
    )
    opted_out = set(
        await session.exec(
            select(PanelOptOut.address_hash).where(PanelOptOut.process_id == survey.process_id)
        )
    )
    first_line: dict[str, int] = {}
    rejected: list[RejectedRow] = []
    added: list[SurveyInvitee] = []
    now = utcnow()
    for line, cells in table.rows:
        values = {name: cells.get(column, "").strip() for name, column in columns.items()}
        address = values.get("address", "")
        organisation = " ".join(values.get("organisation", "").split())
        section_text, size_text = values.get("section", ""), values.get("size", "")
        hashed = address_hash(address)
        section = parse_section(section_text) if section_text else None
        size = parse_size(size_text) if size_text else None
        reason: str | None = None
        if not address or len(address) > EMAIL_MAX or not _EMAIL.match(address):
            reason = _("Not a valid e-mail address.")
        elif hashed in first_line:
            reason = _("The address is in the file twice (first in line %(line)d).") % {
                "line": first_line[hashed]
            }
        elif hashed in known:
            reason = _("The address is already on this survey's list.")
        elif hashed in opted_out:
            reason = _("This address has opted out of the survey mails of this process.")
        elif section_text and section is None:
            reason = _("Not a WZ 2008 section: please use a letter from A to U.")
        elif size_text and size is None:
            reason = _("Not a size class: please use %(classes)s.") % {
                "classes": ", ".join(SIZE_CLASSES)
            }
        elif len(organisation) > ORGANISATION_MAX:
            reason = _("The organisation's name is longer than %(n)d characters.") % {
                "n": ORGANISATION_MAX
            }
        if hashed not in first_line and address:
            first_line[hashed] = line
        if reason is not None:
            rejected.append(
                RejectedRow(line, address, organisation, section_text, size_text, reason)
            )
            continue
        added.append(
            SurveyInvitee(
                survey_id=survey.id,
                process_id=survey.process_id,
                address=address,
                address_hash=hashed,
                organisation=organisation,
                wz_section=section,
                size_class=size,
                line=line,
                created_at=now,
            )
        )
    session.add_all(added)
    await session.commit()
    return UploadReport(added=len(added), rejected=rejected)


# --- the response rate --------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    """Counts of one WZ section or size class (`key` None: not given in the list)."""

    key: str | None
    label: str
    listed: int
    invited: int
    started: int
    answered: int
    opted_out: int

    @property
    def rate(self) -> int | None:
        """Sent responses per invitee, in percent; None before anyone was invited."""
        return round(100 * self.answered / self.invited) if self.invited else None


@dataclass(frozen=True)
class PanelRates:
    total: RateRow
    by_section: Sequence[RateRow]
    by_size: Sequence[RateRow]


def _counts() -> tuple[sa.ColumnElement[Any], ...]:
    def flag(column: Any) -> sa.ColumnElement[Any]:
        return func.coalesce(func.sum(sa.case((column, 1), else_=0)), 0)

    return (
        func.count(),
        func.count(col(SurveyInvitee.invited_at)),
        flag(col(SurveyInvitee.started)),
        flag(col(SurveyInvitee.answered)),
        flag(col(SurveyInvitee.opted_out)),
    )


def _row(key: str | None, label: str, counts: Sequence[Any]) -> RateRow:
    listed, invited, started, answered, opted_out = (int(n or 0) for n in counts)
    return RateRow(key, label, listed, invited, started, answered, opted_out)


async def response_rates(session: AsyncSession, survey_id: int) -> PanelRates:
    """Listed, invited, started and sent, in total, by WZ section and by size class: three
    GROUP BY queries on the survey's indexes, whatever the list's length."""
    where = col(SurveyInvitee.survey_id) == survey_id
    rows: dict[str, list[RateRow]] = {}
    for name, column, label in (
        ("section", col(SurveyInvitee.wz_section), _section_label),
        ("size", col(SurveyInvitee.size_class), _size_label),
    ):
        query: Any = select(column, *_counts()).where(where).group_by(column)
        found: Any = await session.exec(query)
        rows[name] = [_row(row[0], label(row[0]), row[1:]) for row in found]
        # In the letters' and classes' order; not given in the list last.
        order = SIZE_CLASSES if name == "size" else tuple(SECTION_NAMES)
        rows[name].sort(key=lambda row: order.index(row.key) if row.key in order else len(order))
    totals: Any = select(*_counts()).where(where)
    total: Any = (await session.exec(totals)).one()
    return PanelRates(
        total=_row(None, _("All"), total),
        by_section=rows["section"],
        by_size=rows["size"],
    )


def _section_label(key: str | None) -> str:
    return f"{key} – {section_name(key)}" if key else _("not given")


def _size_label(key: str | None) -> str:
    return key or _("not given")


# --- opting out --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptOutTarget:
    """What an opt-out link stops: the survey mails of this process to its address."""

    invitee: SurveyInvitee
    process_title: str


async def opt_out_target(session: AsyncSession, token: str) -> OptOutTarget | None:
    if not token or len(token) > 100:
        return None
    invitee = await invitee_for_token(session, token)
    if invitee is None:
        return None
    process = await session.get(Process, invitee.process_id)
    assert process is not None
    return OptOutTarget(invitee, process.title)


async def opt_out(session: AsyncSession, invitee: SurveyInvitee) -> None:
    """No more survey mails from the process to this address (committed): its hash is kept
    as the opt-out; the address itself and the mails to it, sent or not, go from every
    survey of the process."""
    hashed = invitee.address_hash
    exists = (
        await session.exec(
            select(PanelOptOut.id).where(
                PanelOptOut.process_id == invitee.process_id, PanelOptOut.address_hash == hashed
            )
        )
    ).first()
    if exists is None:
        session.add(PanelOptOut(process_id=invitee.process_id, address_hash=hashed))
    same = select(col(SurveyInvitee.id)).where(
        col(SurveyInvitee.process_id) == invitee.process_id,
        col(SurveyInvitee.address_hash) == hashed,
    )
    await session.exec(delete(OutgoingMail).where(col(OutgoingMail.invitee_id).in_(same)))
    await session.exec(
        update(SurveyInvitee)
        .where(col(SurveyInvitee.id).in_(same))
        .values(address=None, opted_out=True)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
