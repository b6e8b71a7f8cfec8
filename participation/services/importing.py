"""Importing contributions collected elsewhere (workshop cards, a survey's free-text answers,
an earlier platform) from a CSV or XLSX file.

Three steps, the same for the command line and the admin page: read the file into a table
(`read_table`), check every row against a column mapping (`plan_import`: a dry run lists
every row error with its line number), then store all rows in one transaction
(`run_import`). Any row error means nothing is imported.

Imported items are published at once: they were collected and looked at elsewhere (on a
workshop's pin board, in the survey tool). An admin can send them into the moderation
queue instead. Themes named in the file are confirmed (a person chose them); the tagger's
suggestions come afterwards, outside the import's transaction.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import IO, Final
from zoneinfo import ZoneInfo

import anyio
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.i18n import _
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Process,
    Segment,
    Site,
    Theme,
    ThemeSource,
    utcnow,
)
from participation.services import maintenance, similar
from participation.services.errors import ServiceError
from participation.services.processes import get_process
from participation.services.tagging import suggest_themes
from participation.services.triage.scoring import triage_new
from participation.settings import Settings

# The fields a row can fill, in the order the mapping form shows them.
IMPORT_FIELDS: Final = (
    *("title", "text", "segment", "channel", "municipality", "site", "themes", "created"),
)
# Channels an import may give its items: the online idea call is this platform itself.
IMPORT_CHANNELS: Final = (Channel.WORKSHOP, Channel.SURVEY, Channel.FOCUS_GROUP, Channel.IMPORT)
TITLE_MAX, TEXT_MAX, MUNICIPALITY_MAX = 200, 20_000, 120
MAX_ROWS: Final = 20_000
# Lines read at most, empty ones included (a file of empty lines would otherwise be read
# to its end), and columns.
MAX_LINES: Final = 5 * MAX_ROWS
MAX_COLUMNS: Final = 200
# What an XLSX file may unpack to: 20,000 rows of long texts stay well below it.
XLSX_MAX_UNPACKED: Final = 50_000_000
# A row element in a sheet's XML, with or without a namespace prefix.
_ROW_TAG: Final = re.compile(rb"<(?:\w+:)?row[\s>/]")

# Header names (lower case) that are taken for a field without asking.
_HEADER_GUESSES: Final[dict[str, tuple[str, ...]]] = {
    "title": ("title", "titel", "überschrift", "ueberschrift", "betreff"),
    "text": ("text", "body", "beschreibung", "beitrag", "idee", "inhalt", "description"),
    "segment": ("segment", "gruppe", "zielgruppe", "wer"),
    "channel": ("channel", "kanal", "quelle"),
    "municipality": ("municipality", "gemeinde", "ort", "kommune", "stadt"),
    "site": ("site", "standort", "schule"),
    "themes": ("themes", "themen", "thema", "handlungsfeld", "handlungsfelder", "kategorie"),
    "created": ("created", "created_at", "datum", "date", "erstellt", "eingang"),
}
# What people write in a segment or channel column, besides the stored values.
_SEGMENT_WORDS: Final[dict[str, Segment]] = {
    "einwohner": Segment.RESIDENT,
    "einwohnerin": Segment.RESIDENT,
    "bürger": Segment.RESIDENT,
    "bürgerin": Segment.RESIDENT,
    "schüler": Segment.PUPIL,
    "schülerin": Segment.PUPIL,
    "azubi": Segment.PUPIL,
    "auszubildende": Segment.PUPIL,
    "unternehmen": Segment.FIRM,
    "firma": Segment.FIRM,
    "experte": Segment.EXPERT,
    "expertin": Segment.EXPERT,
    "sonstige": Segment.OTHER,
    "andere": Segment.OTHER,
}
_CHANNEL_WORDS: Final[dict[str, Channel]] = {
    "umfrage": Channel.SURVEY,
    "befragung": Channel.SURVEY,
    "fokusgruppe": Channel.FOCUS_GROUP,
    "werkstatt": Channel.WORKSHOP,
    "focus group": Channel.FOCUS_GROUP,
}
_DATE_FORMATS: Final = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y")
_DATETIME_FORMATS: Final = (
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
)


class UnreadableFile(ServiceError):
    """The file cannot be read at all (not CSV/XLSX, empty, no header)."""


class ImportFailed(ServiceError):
    """Some rows break the rules; nothing was imported."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} row error(s)")
        self.errors = list(errors)


@dataclass(frozen=True)
class Table:
    """A file's rows as text, each with the line it came from (the header is line 1)."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class PlannedRow:
    line: int
    title: str
    body: str
    segment: Segment
    channel: Channel
    municipality: str | None
    theme_ids: tuple[int, ...]
    created_at: datetime
    site_id: int | None = None  # one of the process's sites (models/events.py)


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ImportOptions:
    """The choices the mapping form and the command line share."""

    mapping: dict[str, str]  # field -> column of the file ("" or missing: not in the file)
    channel: Channel = Channel.IMPORT  # for rows without a channel column
    segment: Segment = Segment.OTHER  # for rows without a segment column
    to_moderation: bool = False  # pending instead of published
    time_zone: str = "Europe/Berlin"  # for dates without a time zone


# --- reading ---------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    # Excel on German Windows saves CSV as cp1252; everything else is UTF-8 (maybe with BOM).
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return ";" if first.count(";") > first.count(",") else ","


def _table(name: str, raw_rows: Iterable[tuple[int, Sequence[str]]]) -> Table:
    """The rows as a table, read one at a time: reading stops as soon as the file has more
    than MAX_ROWS rows or MAX_LINES lines, so a huge file is refused before it is read."""
    lines = iter(raw_rows)
    first = next(lines, None)
    if first is None:
        raise UnreadableFile(_("The file is empty."))
    _line, header_cells = first
    header = [cell.strip() for cell in header_cells]
    if not any(header):
        raise UnreadableFile(_("The first row must name the columns."))
    rows: list[tuple[int, dict[str, str]]] = []
    for read, (line, cells) in enumerate(lines, start=2):
        if read > MAX_LINES:
            raise _too_many_lines()
        values = {
            column: (cells[i].strip() if i < len(cells) else "")
            for i, column in enumerate(header)
            if column
        }
        if any(values.values()):  # blank lines are no rows
            if len(rows) == MAX_ROWS:
                raise UnreadableFile(
                    _("The file has more than %(n)d rows. Please split it into smaller files.")
                    % {"n": MAX_ROWS}
                )
            rows.append((line, values))
    return Table(name=name, header=[h for h in header if h], rows=rows)


def read_csv(name: str, data: bytes) -> Table:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))

    def lines() -> Iterator[tuple[int, Sequence[str]]]:
        for cells in reader:
            # The line a row starts on, as a spreadsheet shows it (texts may span lines).
            yield reader.line_num - _extra_lines(cells), cells

    try:
        return _table(name, lines())
    except csv.Error as error:
        raise UnreadableFile(
            _("The file is not a readable CSV file: %(error)s") % {"error": error}
        ) from None


def _extra_lines(cells: Sequence[str]) -> int:
    return sum(cell.count("\n") for cell in cells)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _too_many_lines() -> UnreadableFile:
    return UnreadableFile(
        _(
            "The file has more than %(n)d lines, empty ones included. Please delete "
            "the empty lines or split the file."
        )
        % {"n": MAX_LINES}
    )


def _rows_in_sheet_over(part: IO[bytes], limit: int) -> bool:
    """Whether a sheet's XML holds more than `limit` row elements; stops counting there."""
    rows, carry = 0, b""
    while chunk := part.read(1 << 20):
        block = carry + chunk
        # A tag may be cut at the chunk's end: keep a short rest after the last "<".
        cut = block.rfind(b"<")
        cut = len(block) if cut < 0 or len(block) - cut > 64 else cut
        rows += len(_ROW_TAG.findall(block, 0, cut))
        if rows > limit:
            return True
        carry = block[cut:]
    return False


def _check_archive(data: bytes) -> None:
    """An XLSX file is a zip archive: a 1 MB upload can unpack to gigabytes, and millions of
    rows. The archive declares each member's size (Python's zipfile never unpacks more), so
    the sizes are checked before anything is opened. Then the sheets' rows are counted:
    openpyxl reads a whole sheet that lacks its dimension element before the first row."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip archive: openpyxl says what is wrong with it
    with archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > XLSX_MAX_UNPACKED:
            raise UnreadableFile(
                _(
                    "The file unpacks to more than %(mb)d MB, more than an import may hold. "
                    "Please split it into smaller files (at most %(rows)d rows each)."
                )
                % {"mb": XLSX_MAX_UNPACKED // 1_000_000, "rows": MAX_ROWS}
            )
        for member in members:
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                with archive.open(member) as part:
                    if _rows_in_sheet_over(part, MAX_LINES):
                        raise _too_many_lines()


def read_xlsx(name: str, data: bytes) -> Table:
    from openpyxl import load_workbook  # only imports need it

    _check_archive(data)
    try:
        # read_only streams the sheet row by row instead of building it in memory.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile(
            _("The file is not a readable XLSX file: %(error)s") % {"error": error}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        # The stored dimensions may claim a million rows and 16,384 columns (missing rows
        # and cells would be filled in up to them): ignore them, and read one column past
        # the last allowed to notice wider sheets.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)

        def lines() -> Iterator[tuple[int, Sequence[str]]]:
            for line, values in enumerate(rows, start=1):
                if len(values) > MAX_COLUMNS and values[MAX_COLUMNS] is not None:
                    raise UnreadableFile(
                        _("The file has more than %(n)d columns.") % {"n": MAX_COLUMNS}
                    )
                yield line, [_cell_text(v) for v in values]

        return _table(name, lines())
    except UnreadableFile:
        raise
    except Exception as error:  # a broken sheet shows only while it is read
        raise UnreadableFile(
            _("The file is not a readable XLSX file: %(error)s") % {"error": error}
        ) from None
    finally:
        workbook.close()


def read_table(name: str, data: bytes) -> Table:
    """A CSV or XLSX file (by its name's ending) as a table."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(name, data)
    if suffix in {".csv", ".txt"}:
        return read_csv(name, data)
    raise UnreadableFile(_("Please choose a CSV or XLSX file."))


async def parse_upload(name: str, data: bytes) -> Table:
    """`read_table` in a worker thread: parsing a large XLSX file takes seconds, which the
    event loop must not wait for."""
    return await anyio.to_thread.run_sync(read_table, name, data)


def guess_mapping(header: Sequence[str]) -> dict[str, str]:
    """For each field the column whose name says it holds that field, if any."""
    by_name = {column.strip().lower(): column for column in header}
    mapping: dict[str, str] = {}
    for name in IMPORT_FIELDS:
        for guess in (name, *_HEADER_GUESSES[name]):
            if guess in by_name:
                mapping[name] = by_name[guess]
                break
    return mapping


def parse_mapping(text: str) -> dict[str, str]:
    """`title=Titel,text=Beschreibung` -> {"title": "Titel", "text": "Beschreibung"}."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, column = part.partition("=")
        name = name.strip()
        if not sep or name not in IMPORT_FIELDS or not column.strip():
            raise UnreadableFile(
                _("Unknown mapping %(part)s: use FIELD=COLUMN with FIELD one of %(fields)s.")
                % {"part": part.strip(), "fields": ", ".join(IMPORT_FIELDS)}
            )
        mapping[name] = column.strip()
    return mapping


# --- checking --------------------------------------------------------------------------------


def _clean_line(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def parse_created(value: str, zone: ZoneInfo) -> datetime | None:
    """A date or date-time in German or ISO writing; None if it is neither. Times without a
    zone are local time; a date alone is noon (so it stays the same day in every zone)."""
    value = value.strip()
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return datetime.combine(day, time(12), tzinfo=zone).astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)


def _choice(value: str, enum_words: Mapping[str, object], values: Sequence[str]) -> object | None:
    key = value.strip().lower()
    if key in values:
        return key
    return enum_words.get(key)


def split_themes(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]


def _theme_index(themes: Sequence[Theme]) -> dict[str, int]:
    index: dict[str, int] = {}
    for theme in themes:
        assert theme.id is not None
        index[theme.slug.lower()] = theme.id
        index[theme.name.strip().lower()] = theme.id
    return index


def _unknown_site(value: str, sites: Sequence[Site]) -> str:
    """The message for a site name the process does not have, naming the ones it has."""
    if not sites:
        return _("Unknown site %(value)s: this process has no sites yet (add them first).") % {
            "value": value
        }
    return _("Unknown site %(value)s. The sites of this process: %(sites)s.") % {
        "value": value,
        "sites": ", ".join(site.name for site in sites),
    }


def check_rows(
    table: Table,
    themes: Sequence[Theme],
    options: ImportOptions,
    now: datetime,
    sites: Sequence[Site] = (),
) -> ImportPlan:
    """Every row against the rules: a plan of what would be stored, and every error with the
    line it is on. Stores nothing. A site column names the process's `sites` (case and outer
    spaces ignored)."""
    mapping = {k: v for k, v in options.mapping.items() if v}
    plan = ImportPlan()
    missing = [column for column in mapping.values() if column not in table.header]
    for column in missing:
        plan.errors.append(
            RowError(1, "mapping", _("The file has no column %(column)s.") % {"column": column})
        )
    if "text" not in mapping:
        plan.errors.append(RowError(1, "text", _("Please choose the column that holds the text.")))
    if plan.errors:
        return plan
    zone = ZoneInfo(options.time_zone)
    theme_ids = _theme_index(themes)
    site_ids = {site.name.strip().lower(): site.id for site in sites}
    segments = [s.value for s in Segment]
    channels = [c.value for c in IMPORT_CHANNELS]
    for line, values in table.rows:

        def cell(name: str, values: dict[str, str] = values) -> str:
            return values.get(mapping.get(name, ""), "")

        errors: list[RowError] = []
        title = _clean_line(cell("title"))
        if len(title) > TITLE_MAX:
            errors.append(
                RowError(
                    line,
                    "title",
                    _("The title is longer than %(n)d characters.") % {"n": TITLE_MAX},
                )
            )
        body = cell("text").replace("\r\n", "\n").strip()
        if not body:
            errors.append(RowError(line, "text", _("The text is empty.")))
        elif len(body) > TEXT_MAX:
            errors.append(
                RowError(
                    line, "text", _("The text is longer than %(n)d characters.") % {"n": TEXT_MAX}
                )
            )
        segment: Segment = options.segment
        if raw := cell("segment"):
            found = _choice(raw, _SEGMENT_WORDS, segments)
            if found is None:
                errors.append(
                    RowError(line, "segment", _("Unknown group %(value)s.") % {"value": raw})
                )
            else:
                segment = Segment(str(found))
        channel: Channel = options.channel
        if raw := cell("channel"):
            found = _choice(raw, _CHANNEL_WORDS, channels)
            if found is None:
                errors.append(
                    RowError(line, "channel", _("Unknown channel %(value)s.") % {"value": raw})
                )
            else:
                channel = Channel(str(found))
        municipality = _clean_line(cell("municipality"))
        if len(municipality) > MUNICIPALITY_MAX:
            errors.append(
                RowError(
                    line,
                    "municipality",
                    _("The municipality is longer than %(n)d characters.")
                    % {"n": MUNICIPALITY_MAX},
                )
            )
        site_id: int | None = None
        if raw := _clean_line(cell("site")):
            site_id = site_ids.get(raw.lower())
            if site_id is None:
                errors.append(RowError(line, "site", _unknown_site(raw, sites)))
        row_themes: list[int] = []
        for name in split_themes(cell("themes")):
            theme_id = theme_ids.get(name.lower())
            if theme_id is None:
                errors.append(
                    RowError(line, "themes", _("Unknown action field %(name)s.") % {"name": name})
                )
            elif theme_id not in row_themes:
                row_themes.append(theme_id)
        created = now
        if raw := cell("created"):
            parsed = parse_created(raw, zone)
            if parsed is None:
                errors.append(
                    RowError(
                        line,
                        "created",
                        _("%(value)s is not a date (e.g. 15.06.2026 or 15.06.2026 14:30).")
                        % {"value": raw},
                    )
                )
            else:
                created = parsed
        if errors:
            plan.errors += errors
            continue
        plan.rows.append(
            PlannedRow(
                line=line,
                title=title,
                body=body,
                segment=segment,
                channel=channel,
                municipality=municipality or None,
                theme_ids=tuple(row_themes),
                created_at=created,
                site_id=site_id,
            )
        )
    if not table.rows:
        plan.errors.append(RowError(1, "file", _("The file holds no rows below its header.")))
    return plan


async def _themes(session: AsyncSession, process_id: int) -> list[Theme]:
    return list(await session.exec(select(Theme).where(Theme.process_id == process_id)))


async def plan_import(
    session: AsyncSession, process: Process, table: Table, options: ImportOptions
) -> ImportPlan:
    assert process.id is not None
    sites = list(await session.exec(select(Site).where(Site.process_id == process.id)))
    return check_rows(table, await _themes(session, process.id), options, utcnow(), sites)


# --- storing ---------------------------------------------------------------------------------


async def run_import(
    session: AsyncSession, process: Process, table: Table, options: ImportOptions
) -> list[int]:
    """Check and store all rows in one transaction: any row error (ImportFailed) or any
    failure while storing leaves the database as it was. Returns the new contributions' ids."""
    plan = await plan_import(session, process, table, options)
    if plan.errors:
        raise ImportFailed(plan.errors)
    assert process.id is not None
    status = ContributionStatus.PENDING if options.to_moderation else ContributionStatus.PUBLISHED
    source = Path(table.name).name
    try:
        contributions = [
            Contribution(
                process_id=process.id,
                kind=ContributionKind.IDEA,
                title=row.title,
                body=row.body,
                segment=row.segment,
                channel=row.channel,
                municipality=row.municipality,
                site_id=row.site_id,
                status=status,
                source_ref=f"{source}:{row.line}"[-200:],
                created_at=row.created_at,
                published_at=row.created_at if status is ContributionStatus.PUBLISHED else None,
            )
            for row in plan.rows
        ]
        await triage_new(session, contributions)
        session.add_all(contributions)
        await session.flush()
        session.add_all(
            ContributionTheme(
                contribution_id=contribution.id or 0,
                theme_id=theme_id,
                source=ThemeSource.CONFIRMED,
            )
            for contribution, row in zip(contributions, plan.rows, strict=True)
            for theme_id in row.theme_ids
        )
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    await maintenance.after_bulk_load(session)
    if status is ContributionStatus.PUBLISHED:
        similar.invalidate(process.id)
    return [c.id for c in contributions if c.id is not None]


# --- the command line ------------------------------------------------------------------------


async def run_file_import(
    settings: Settings,
    slug: str,
    path: Path,
    mapping_text: str,
    *,
    dry_run: bool,
    channel: str,
    segment: str,
    to_moderation: bool,
    echo: Callable[[str], object],
) -> int:
    """`participation import`: check, then import and suggest themes. Returns the exit code
    (0 done, 1 row errors, 2 unusable input)."""
    try:
        table = await parse_upload(path.name, await anyio.Path(path).read_bytes())
        mapping = guess_mapping(table.header) | parse_mapping(mapping_text)
    except UnreadableFile as error:
        echo(str(error))
        return 2
    options = ImportOptions(
        mapping=mapping,
        channel=Channel(channel),
        segment=Segment(segment),
        to_moderation=to_moderation,
        time_zone=settings.time_zone,
    )
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            overview = await get_process(session, slug)
            if overview is None:
                echo(f"There is no process {slug!r}.")
                return 2
            process = overview.process
            echo("Columns: " + ", ".join(f"{k}={v}" for k, v in mapping.items()))
            plan = await plan_import(session, process, table, options)
            for row_error in plan.errors:
                echo(f"line {row_error.line} ({row_error.field}): {row_error.message}")
            if plan.errors:
                echo(f"{len(plan.errors)} error(s) in {table.name}; nothing imported.")
                return 1
            if dry_run:
                echo(f"{len(plan.rows)} rows are fine (dry run: nothing stored).")
                return 0
            ids = await run_import(session, process, table, options)
            echo(f"Imported {len(ids)} contributions into {slug}.")
            # After the commit: a failing tagger must not undo the import.
            try:
                tagged = await suggest_themes(session, settings.var_dir, process, ids)
                echo(f"Suggested action fields for {tagged} of them.")
            except Exception as error:  # the import stands; retraining suggests again
                echo(f"Could not suggest action fields: {error}")
            return 0
    finally:
        await engine.dispose()


# --- uploads kept between the admin page's steps ---------------------------------------------

_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,40}\.(csv|txt|xlsx)$")
UPLOAD_MAX_AGE_SECONDS: Final = 24 * 3600


def _upload_dir(var_dir: Path) -> Path:
    return var_dir / "imports"


async def save_upload(var_dir: Path, filename: str, data: bytes) -> str:
    """Keep an uploaded file under var/imports/ for the mapping and dry-run steps; returns
    its id. Uploads older than a day (abandoned imports) are removed on the way."""
    suffix = Path(filename).suffix.lower()
    if suffix not in {".csv", ".txt", ".xlsx"}:
        raise UnreadableFile(_("Please choose a CSV or XLSX file."))
    directory = anyio.Path(_upload_dir(var_dir))
    await directory.mkdir(parents=True, exist_ok=True)
    cutoff = utcnow().timestamp() - UPLOAD_MAX_AGE_SECONDS
    async for old in directory.iterdir():
        if (await old.stat()).st_mtime < cutoff:
            await old.unlink(missing_ok=True)
    upload_id = secrets.token_urlsafe(16) + suffix
    await (directory / upload_id).write_bytes(data)
    return upload_id


async def load_upload(var_dir: Path, upload_id: str) -> bytes | None:
    """The kept file, or None when the id is not one of ours or the file is gone."""
    if not _UPLOAD_ID.match(upload_id):
        return None
    path = anyio.Path(_upload_dir(var_dir) / upload_id)
    if not await path.exists():
        return None
    return await path.read_bytes()


async def discard_upload(var_dir: Path, upload_id: str) -> None:
    if _UPLOAD_ID.match(upload_id):
        await anyio.Path(_upload_dir(var_dir) / upload_id).unlink(missing_ok=True)
