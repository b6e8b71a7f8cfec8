"""The volume data set: a database filled as a large consultation leaves it, for the load
benchmark (bench/load.py), the moderation-queue plans (bench/moderation_queue.py) and tests.

`fill_volume(engine, VolumeSpec(ideas=N, seed=S))` fills an empty, migrated database:
- process "volumen" (pre-moderation, idea call open, 12 action fields) with N published
  ideas resampled from the shared real corpora in ../shared/data (FreiRaum Ottensen,
  Tempelhofer Feld, Krefeld bewegen; every sentence kept with probability 0.8, some get a
  sentence of another text): segments, channels, municipalities and firm fields mixed,
  each with one or two confirmed action fields; a second, small process "nachbarschaft";
- about 3 published comments per idea (a third of them replies), one idea with 200;
- about 10 supports per idea (the kept counts `support_count`/`comment_count` are written
  with the rows while the counting triggers of migration 0011 are off, then checked);
- pending items, 5% of N: ideas, comments and survey answers, with suggested themes;
- a firm survey of 30 questions in 5 sections with 1,000 sent responses;
- focus-group sessions with members, ideas (closed sessions' ideas are contributions) and
  dots; reports; an approval in the moderation log for every published idea and comment;
- staff accounts with known passwords (`MODERATOR`, `ADMIN`) for signed-in benchmarks.

Everything is deterministic for a seed (times are relative to the start). Rows go in with
explicit ids in batches of executemany (Core inserts), so 100,000 ideas take minutes.

Usage: `python -m bench.volume --database-url URL --ideas N [--seed S]`: migrates the
database (it must be empty) and fills it; prints what it made as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.duplicates import sentences
from nlp.datasets import tempelhofer_rows
from participation.db import create_engine, upgrade_database
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    Phase,
    PhaseKind,
    Process,
    Report,
    ReportReason,
    Role,
    Segment,
    Support,
    Theme,
    ThemeSource,
    User,
    utcnow,
)
from participation.models.focus_groups import (
    FocusGroupDot,
    FocusGroupIdea,
    FocusGroupMember,
    FocusGroupSession,
)
from participation.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from participation.services.corpora import OTTENSEN_LABELS, slugify
from participation.settings import Settings
from participation.wz2008 import SECTIONS, SIZE_CLASSES

SHARED_DATA: Final = Path(__file__).resolve().parents[2] / "shared" / "data"
PROCESS_SLUG: Final = "volumen"
SECOND_PROCESS_SLUG: Final = "nachbarschaft"
SURVEY_SLUG: Final = "unternehmensbefragung"
BATCH: Final = 5000
# Every 20th pending idea waits for its author (a moderator asked for changes).
AWAITING_EVERY: Final = 20
# The kinds the theme tagger looks at (participation/services/tagging.py `untagged`).
_TAGGED_KINDS: Final = (ContributionKind.IDEA.value, ContributionKind.SURVEY_ANSWER.value)
# Changed whenever what a fill holds changes, so that the load benchmark fills again.
FILL_VERSION: Final = 2


@dataclass(frozen=True)
class StaffLogin:
    email: str
    password: str


MODERATOR: Final = StaffLogin("moderation@volumen.example", "Volumen-Moderation-2026")
ADMIN: Final = StaffLogin("admin@volumen.example", "Volumen-Verwaltung-2026")
MUNICIPALITIES: Final = (
    "Rinteln", "Bückeburg", "Stadthagen", "Obernkirchen", "Bad Nenndorf", "Rodenberg",
    "Auetal", "Hessisch Oldendorf", "Hameln", "Bad Eilsen", "Lindhorst", "Sachsenhagen",
    "Nienstädt", "Helpsen", "Lauenau", "Apelern", "Hagenburg", "Wunstorf", "Minden",
    "Porta Westfalica", "Vlotho", "Kalletal", "Extertal", "Barntrup",
)  # fmt: skip
# Shares of the published ideas: (segment, channel, weight).
MIX: Final = (
    (Segment.RESIDENT, Channel.IDEA_CALL, 50),
    (Segment.FIRM, Channel.IDEA_CALL, 12),
    (Segment.EXPERT, Channel.WORKSHOP, 8),
    (Segment.OTHER, Channel.IMPORT, 10),
    (Segment.PUPIL, Channel.FOCUS_GROUP, 15),
    (Segment.RESIDENT, Channel.WORKSHOP, 5),
)
# 30 questions in 5 sections: (kind, how many, options).
QUESTIONS: Final = (
    (QuestionKind.SINGLE_CHOICE, 8, 4),
    (QuestionKind.MULTIPLE_CHOICE, 6, 5),
    (QuestionKind.SCALE, 8, 0),
    (QuestionKind.FREE_TEXT, 4, 0),
    (QuestionKind.RANKING, 4, 4),
)
PSEUDONYMS: Final = ("Fuchs", "Dachs", "Eule", "Luchs", "Otter", "Biber", "Falke", "Igel")


@dataclass(frozen=True)
class VolumeSpec:
    ideas: int
    seed: int = 0
    comments_per_idea: float = 3.0
    supports_per_idea: float = 10.0
    pending_share: float = 0.05
    big_thread: int = 200  # comments on one idea
    survey_responses: int = 1000
    sessions: int = 0  # focus-group sessions; 0: one per 2,000 ideas, at least 2
    members_per_session: int = 25


@dataclass
class Volume:
    """What was filled: the addresses and logins a benchmark needs, and row counts."""

    ideas: int
    seed: int
    process_slug: str = PROCESS_SLUG
    second_process_slug: str = SECOND_PROCESS_SLUG
    big_thread_idea_id: int = 0
    survey_id: int = 0
    moderator: StaffLogin = MODERATOR
    admin: StaffLogin = ADMIN
    theme_slugs: list[str] = field(default_factory=list)
    municipality: str = MUNICIPALITIES[0]
    rows: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Volume:
        data = dict(data)
        data["moderator"] = StaffLogin(**data["moderator"])
        data["admin"] = StaffLogin(**data["admin"])
        return cls(**data)


# --- the texts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    title: str
    parts: tuple[str, ...]  # the sentences of the body
    labels: tuple[str, ...] = ()  # Ottensen action fields (German names)


def _sentence_documents(name: str) -> list[tuple[str, list[str]]]:
    """(title, body sentences) of each document of a one-sentence-per-row TSV."""
    docs: dict[str, list[tuple[int, str, str]]] = {}
    with (SHARED_DATA / name / "sentences.tsv").open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file, delimiter="\t"):
            docs.setdefault(row["document_id"], []).append(
                (int(row["sentence_nr"]), row.get("title/text", "text"), row["content"])
            )
    result = []
    for parts in docs.values():
        parts.sort()
        title = " ".join(text for _, kind, text in parts if kind == "title")
        body = [text for _, kind, text in parts if kind != "title"]
        result.append((title, body))
    return result


def load_sources() -> tuple[list[Source], list[list[str]]]:
    """Idea sources (title, sentences, labels) and comment texts (as sentences)."""
    ideas: list[Source] = []
    with (SHARED_DATA / "freiraum-ottensen" / "contributions.csv").open(
        newline="", encoding="utf-8"
    ) as file:
        for row in csv.DictReader(file):
            labels = tuple(name for key, name in OTTENSEN_LABELS.items() if row.get(key) == "1")
            parts = sentences(row["text"]) or [row["text"]]
            ideas.append(Source(row["title"], tuple(parts), labels))
    comments: list[list[str]] = []
    for proposal in tempelhofer_rows(SHARED_DATA / "tempelhofer-feld" / "proposals.json"):
        if proposal["text"].strip():
            parts = sentences(proposal["text"]) or [proposal["text"]]
            ideas.append(Source(proposal["title"], tuple(parts)))
        comments.extend(sentences(c) or [c] for c in proposal["comments"].split("\n\n") if c)
    for title, body in _sentence_documents("krefeld-bewegen"):
        if title and body:
            ideas.append(Source(title, tuple(body)))
    for _title, body in _sentence_documents("survey-bonn"):
        if body:
            comments.append(body)
    ideas = [s for s in ideas if s.title.strip() and any(p.strip() for p in s.parts)]
    return ideas, [c for c in comments if any(p.strip() for p in c)]


def _resampled(rng: random.Random, parts: Sequence[str], pool: Sequence[Any]) -> str:
    """A copy of a text: each sentence kept with probability 0.8, one in three gets a
    sentence of another text, so rows differ and the vocabulary grows with the volume."""
    kept = [p for p in parts if rng.random() < 0.8] or [rng.choice(parts)]
    if pool and rng.random() < 0.33:
        other = rng.choice(pool)
        kept.append(rng.choice(other.parts if isinstance(other, Source) else other))
    return " ".join(kept)[:4000]


# --- filling -----------------------------------------------------------------------------------


class _Ids:
    """Explicit primary keys per table, so relations are known before the rows go in."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        self.next[table] = self.next.get(table, 0) + 1
        return self.next[table]


class _Writer:
    """Rows per table, written in batches of executemany."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}
        self.tables: dict[str, sa.Table] = {}

    async def add(self, model: Any, row: dict[str, Any]) -> None:
        table: sa.Table = model.__table__
        self.tables[table.name] = table
        batch = self.rows.setdefault(table.name, [])
        batch.append(row)
        if len(batch) >= BATCH:
            await self.flush()

    async def flush(self) -> None:
        """Every table's waiting rows, in the order the tables first came: a row's parents
        (by foreign key) came earlier, so they are in the database first."""
        for table_name in list(self.rows):
            batch = self.rows.get(table_name) or []
            if batch:
                await self.conn.execute(sa.insert(self.tables[table_name]), batch)
                self.counts[table_name] = self.counts.get(table_name, 0) + len(batch)
                batch.clear()


# Triggers of migrations 0011 and 0013 that keep the counts: off while the rows (with their
# counts already right) go in, since a million single-row updates would take longer than
# the load. Each process's count of published ideas is counted once afterwards.
_COUNT_TRIGGERS_PG: Final = (
    ("support", "support_count"),
    ("contribution", "comment_count"),
    ("contribution", "process_idea_count_insert"),
    ("contribution", "process_idea_count_delete"),
    ("contribution", "process_idea_count_update"),
)
_PUBLISHED_IDEAS: Final = (
    "(SELECT count(*) FROM contribution WHERE contribution.process_id = process.id"
    " AND contribution.kind = 'idea' AND contribution.status = 'published')"
)
_COUNT_PUBLISHED: Final = sa.text(f"UPDATE process SET published_idea_count = {_PUBLISHED_IDEAS}")  # noqa: S608 - constants
_WRONG_PUBLISHED: Final = sa.text(
    f"SELECT count(*) FROM process WHERE published_idea_count <> {_PUBLISHED_IDEAS}"  # noqa: S608
)


async def _count_triggers_off(conn: AsyncConnection) -> list[str]:
    if conn.dialect.name == "postgresql":
        for table, trigger in _COUNT_TRIGGERS_PG:
            await conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        return []
    rows = await conn.execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            " AND (name LIKE 'support_count%' OR name LIKE 'comment_count%'"
            " OR name LIKE 'process_idea_count%')"
        )
    )
    saved = []
    for name, sql in rows.all():
        saved.append(sql)
        await conn.execute(sa.text(f"DROP TRIGGER {name}"))
    return saved


async def _count_triggers_on(conn: AsyncConnection, saved: list[str]) -> None:
    if conn.dialect.name == "postgresql":
        for table, trigger in _COUNT_TRIGGERS_PG:
            await conn.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
    for sql in saved:
        await conn.execute(sa.text(sql))
    await conn.execute(_COUNT_PUBLISHED)


async def wrong_counts(conn: AsyncConnection) -> dict[str, int]:
    """How many contributions' kept counts differ from their supports and published
    comments, and processes' from their published ideas (all 0 when the counts are right);
    one grouped query each."""
    supports = await conn.scalar(
        sa.text(
            "SELECT count(*) FROM contribution c LEFT JOIN (SELECT contribution_id,"
            " count(*) AS n FROM support GROUP BY contribution_id) s"
            " ON s.contribution_id = c.id WHERE c.support_count <> coalesce(s.n, 0)"
        )
    )
    comments = await conn.scalar(
        sa.text(
            "SELECT count(*) FROM contribution c LEFT JOIN (SELECT parent_id, count(*) AS n"
            " FROM contribution WHERE kind = 'comment' AND status = 'published'"
            " GROUP BY parent_id) k ON k.parent_id = c.id"
            " WHERE c.comment_count <> coalesce(k.n, 0)"
        )
    )
    processes = await conn.scalar(_WRONG_PUBLISHED)
    return {
        "support_count": int(supports or 0),
        "comment_count": int(comments or 0),
        "published_idea_count": int(processes or 0),
    }


def _token(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _spread(rng: random.Random, mean: float) -> int:
    """A count around `mean` (0 .. 2 * mean), so some items have none and some many."""
    return rng.randint(0, round(2 * mean))


class _Filler:
    def __init__(self, conn: AsyncConnection, spec: VolumeSpec) -> None:
        self.conn = conn
        self.spec = spec
        self.rng = random.Random(spec.seed)  # noqa: S311 - test data, not secrets
        self.now = utcnow().replace(microsecond=0)
        self.ids = _Ids()
        self.out = _Writer(conn)
        self.idea_sources, self.comment_sources = load_sources()
        self.theme_ids: dict[str, int] = {}
        self.pending: dict[str, int] = {}

    def ago(self, minutes: float) -> datetime:
        return self.now - timedelta(minutes=minutes)

    async def run(self) -> Volume:
        volume = Volume(ideas=self.spec.ideas, seed=self.spec.seed)
        moderator_id = await self.staff()
        process_id = await self.process(PROCESS_SLUG, "Digitale Region 2030", with_themes=True)
        second_id = await self.process(SECOND_PROCESS_SLUG, "Nachbarschaft gestalten")
        volume.theme_slugs = [slugify(name) for name in OTTENSEN_LABELS.values()]
        await self.out.flush()
        n_pending = round(self.spec.ideas * self.spec.pending_share)
        # Of the pending items: 60% ideas, 25% comments, 15% survey answers.
        pending_ideas = round(n_pending * 0.6)
        pending_comments = round(n_pending * 0.25)
        pending_answers = n_pending - pending_ideas - pending_comments
        ideas = await self.ideas(process_id, self.spec.ideas, moderator_id)
        await self.ideas(second_id, max(20, self.spec.ideas // 50), moderator_id, with_themes=False)
        await self.pending_ideas(process_id, pending_ideas)
        volume.big_thread_idea_id = ideas[0][0]
        await self.comments(process_id, ideas, pending_comments, moderator_id)
        volume.survey_id = await self.survey(process_id, pending_answers)
        await self.focus_groups(process_id, ideas)
        await self.reports(ideas)
        await self.out.flush()
        volume.rows = dict(sorted(self.out.counts.items()))
        volume.pending = self.pending
        return volume

    async def staff(self) -> int:
        moderator_id = self.ids("user_account")
        for user_id, login, role in (
            (moderator_id, MODERATOR, Role.MODERATOR),
            (self.ids("user_account"), ADMIN, Role.ADMIN),
        ):
            await self.out.add(
                User,
                {
                    "id": user_id,
                    "email": login.email,
                    "display_name": role.value.title(),
                    "password_hash": PasswordHasher().hash(login.password),
                    "role": role.value,
                    "is_active": True,
                    "created_at": self.ago(90 * 24 * 60),
                },
            )
        return moderator_id

    async def process(self, slug: str, title: str, *, with_themes: bool = False) -> int:
        process_id = self.ids("process")
        await self.out.add(
            Process,
            {
                "id": process_id,
                "slug": slug,
                "title": title,
                "summary": f"{title}: Ideen, Umfrage und Werkstätten",
                "description": "Sammeln, sichten, verdichten: der Beteiligungsprozess.",
                "moderation_mode": "before_publishing",
                "open_channels": [c.value for c in Channel],
                "created_at": self.ago(90 * 24 * 60),
            },
        )
        day = 24 * 60
        phases = (
            (PhaseKind.INFORMATION, "Information", 90 * day, 60 * day),
            (PhaseKind.IDEA_CALL, "Ideenaufruf", 60 * day, -60 * day),
            (PhaseKind.SCREENING, "Sichtung", -60 * day, -90 * day),
        )
        for position, (kind, phase_title, start, end) in enumerate(phases):
            await self.out.add(
                Phase,
                {
                    "id": self.ids("phase"),
                    "process_id": process_id,
                    "kind": kind.value,
                    "title": phase_title,
                    "description": "",
                    "starts_at": self.ago(start),
                    "ends_at": self.ago(end),
                    "position": position,
                },
            )
        if with_themes:
            for position, (key, name) in enumerate(OTTENSEN_LABELS.items()):
                theme_id = self.ids("theme")
                self.theme_ids[name] = theme_id
                await self.out.add(
                    Theme,
                    {
                        "id": theme_id,
                        "process_id": process_id,
                        "slug": slugify(name),
                        "name": name,
                        "description": f"Handlungsfeld {name}",
                        "keywords": [name, key],
                        "position": position,
                    },
                )
        return process_id

    def _author(self) -> dict[str, Any]:
        rng = self.rng
        segment, channel, _ = rng.choices(MIX, weights=[w for *_, w in MIX])[0]
        row: dict[str, Any] = {
            "segment": segment.value,
            "channel": channel.value,
            "municipality": rng.choice(MUNICIPALITIES) if rng.random() < 0.7 else None,
        }
        if segment is Segment.FIRM:
            row["organisation_name"] = f"Betrieb {rng.randrange(1, 900)} GmbH"
            row["organisation_sector"] = rng.choice(SECTIONS)[0]
            row["organisation_size"] = rng.choice(SIZE_CLASSES)
        return row

    def _contribution(self, process_id: int, **values: Any) -> dict[str, Any]:
        row: dict[str, Any] = {
            "process_id": process_id,
            "kind": ContributionKind.IDEA.value,
            "parent_id": None,
            "reply_to_id": None,
            "title": "",
            "segment": Segment.RESIDENT.value,
            "channel": Channel.IDEA_CALL.value,
            "municipality": None,
            "organisation_name": None,
            "organisation_sector": None,
            "organisation_size": None,
            "version": 1,
            "answer": "",
            "support_count": 0,
            "comment_count": 0,
            "theme_uncertainty": None,
            "follow_token_hash": None,
            "published_at": None,
        }
        row.update(values)
        if row["theme_uncertainty"] is None and row["kind"] in _TAGGED_KINDS:
            # A running process tagged each idea and answer as it came in; left untagged, the
            # app's sweep would tag thousands at its start, in the middle of the measurement.
            row["theme_uncertainty"] = round(self.rng.random(), 3)
        return row

    async def ideas(
        self, process_id: int, count: int, moderator_id: int, *, with_themes: bool = True
    ) -> list[tuple[int, datetime]]:
        """`count` published ideas with themes, supports and an approval each."""
        rng = self.rng
        made = []
        for n in range(count):
            source = rng.choice(self.idea_sources)
            idea_id = self.ids("contribution")
            created = self.ago(60 * 24 * 60 * (count - n) / count + 30)
            published = created + timedelta(minutes=rng.randint(5, 600))
            supports = _spread(rng, self.spec.supports_per_idea)
            await self.out.add(
                Contribution,
                self._contribution(
                    process_id,
                    id=idea_id,
                    title=source.title[:120],
                    body=_resampled(rng, source.parts, self.idea_sources),
                    status=ContributionStatus.PUBLISHED.value,
                    created_at=created,
                    published_at=min(published, self.now),
                    support_count=supports,
                    follow_token_hash=hashlib.sha256(_token(rng).encode()).hexdigest(),
                    **self._author(),
                ),
            )
            labels = source.labels or tuple(
                rng.sample(list(OTTENSEN_LABELS.values()), rng.randint(1, 2))
            )
            for name in labels if with_themes else ():
                if name in self.theme_ids:
                    await self.out.add(
                        ContributionTheme,
                        {
                            "contribution_id": idea_id,
                            "theme_id": self.theme_ids[name],
                            "source": ThemeSource.CONFIRMED.value,
                            "score": round(rng.random(), 3),
                        },
                    )
            for s in range(supports):
                await self.out.add(
                    Support,
                    {
                        "id": self.ids("support"),
                        "contribution_id": idea_id,
                        "supporter_hash": f"{idea_id:016x}{s:016x}{rng.getrandbits(128):032x}",
                        "created_at": published + timedelta(minutes=s + 1),
                    },
                )
            await self.event(idea_id, moderator_id, published)
            made.append((idea_id, published))
        return made

    async def event(self, contribution_id: int, actor_id: int, at: datetime) -> None:
        await self.out.add(
            ModerationEvent,
            {
                "id": self.ids("moderation_event"),
                "contribution_id": contribution_id,
                "actor_id": actor_id,
                "action": ModerationAction.APPROVE.value,
                "from_status": ContributionStatus.PENDING.value,
                "to_status": ContributionStatus.PUBLISHED.value,
                "reason": "",
                "created_at": at,
            },
        )

    async def suggested(self, contribution_id: int) -> None:
        """Two suggested themes, as the tagger leaves them on a waiting item."""
        for name in self.rng.sample(list(self.theme_ids), 2):
            await self.out.add(
                ContributionTheme,
                {
                    "contribution_id": contribution_id,
                    "theme_id": self.theme_ids[name],
                    "source": ThemeSource.SUGGESTED.value,
                    "score": round(self.rng.random(), 3),
                    "model_version": "volume",
                },
            )

    async def pending_ideas(self, process_id: int, count: int) -> None:
        rng = self.rng
        for n in range(count):
            source = rng.choice(self.idea_sources)
            idea_id = self.ids("contribution")
            await self.out.add(
                Contribution,
                self._contribution(
                    process_id,
                    id=idea_id,
                    title=source.title[:120],
                    body=_resampled(rng, source.parts, self.idea_sources),
                    status=(
                        ContributionStatus.AWAITING_CHANGES
                        if n % AWAITING_EVERY == AWAITING_EVERY - 1
                        else ContributionStatus.PENDING
                    ).value,
                    version=0,
                    theme_uncertainty=round(rng.random(), 3),
                    created_at=self.ago((count - n) * 3),
                    **self._author(),
                ),
            )
            await self.suggested(idea_id)
        self.pending["idea"] = count - count // AWAITING_EVERY
        self.pending["awaiting_changes"] = count // AWAITING_EVERY

    async def comments(
        self,
        process_id: int,
        ideas: list[tuple[int, datetime]],
        pending: int,
        moderator_id: int,
    ) -> None:
        """About `comments_per_idea` published comments per idea, a third of them replies;
        the first idea gets `big_thread`; `pending` more wait for review. The ideas'
        comment counts are set here, with the rows."""
        rng = self.rng
        counts: dict[int, int] = {}
        pending_at = set(rng.sample(range(len(ideas)), min(pending, len(ideas))))
        for index, (idea_id, published) in enumerate(ideas):
            wanted = (
                self.spec.big_thread if index == 0 else _spread(rng, self.spec.comments_per_idea)
            )
            tops: list[int] = []
            for n in range(wanted + (index in pending_at)):
                waiting = n == wanted  # the extra one
                comment_id = self.ids("contribution")
                reply_to = rng.choice(tops) if tops and rng.random() < 0.33 else None
                if reply_to is None:
                    tops.append(comment_id)
                at = min(published + timedelta(minutes=10 * (n + 1)), self.now)
                author = self._author()
                await self.out.add(
                    Contribution,
                    self._contribution(
                        process_id,
                        id=comment_id,
                        kind=ContributionKind.COMMENT.value,
                        parent_id=idea_id,
                        reply_to_id=reply_to,
                        body=_resampled(
                            rng, rng.choice(self.comment_sources), self.comment_sources
                        ),
                        segment=author["segment"],
                        municipality=author["municipality"],
                        status=(
                            ContributionStatus.PENDING if waiting else ContributionStatus.PUBLISHED
                        ).value,
                        version=0 if waiting else 1,
                        created_at=at,
                        published_at=None if waiting else at,
                    ),
                )
                if waiting:
                    await self.suggested(comment_id)
                else:
                    counts[idea_id] = counts.get(idea_id, 0) + 1
                    await self.event(comment_id, moderator_id, at)
        self.pending["comment"] = len(pending_at)
        await self.out.flush()
        table = Contribution.__table__  # type: ignore[attr-defined]
        update = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("idea"))
            .values(comment_count=sa.bindparam("n"))
        )
        rows = [{"idea": idea, "n": n} for idea, n in counts.items()]
        for start in range(0, len(rows), BATCH):
            await self.conn.execute(update, rows[start : start + BATCH])

    async def survey(self, process_id: int, pending_answers: int) -> int:
        """A firm survey of 30 questions; 1,000 sent responses. Its free-text answers are
        contributions (channel survey): the first `pending_answers` wait for review."""
        rng = self.rng
        survey_id = self.ids("survey")
        await self.out.add(
            Survey,
            {
                "id": survey_id,
                "process_id": process_id,
                "slug": SURVEY_SLUG,
                "title": "Unternehmensbefragung Digitalisierung",
                "intro": "Wie digital ist Ihr Betrieb?",
                "thanks": "Danke!",
                "segment": Segment.FIRM.value,
                "invitation_only": False,
                "opens_at": self.ago(50 * 24 * 60),
                "closes_at": self.ago(-50 * 24 * 60),
                "created_at": self.ago(55 * 24 * 60),
            },
        )
        questions: list[tuple[int, QuestionKind, list[int], str]] = []
        sections = [self.ids("survey_section") for _ in range(5)]
        for position, section_id in enumerate(sections):
            await self.out.add(
                SurveySection,
                {
                    "id": section_id,
                    "survey_id": survey_id,
                    "title": f"Teil {position + 1}",
                    "description": "",
                    "position": position,
                },
            )
        position = 0
        for kind, how_many, options in QUESTIONS:
            for n in range(how_many):
                question_id = self.ids("survey_question")
                text = f"Frage {position + 1}: {kind.value} {n + 1}"
                await self.out.add(
                    SurveyQuestion,
                    {
                        "id": question_id,
                        "survey_id": survey_id,
                        "section_id": sections[position % 5],
                        "kind": kind.value,
                        "text": text,
                        "help_text": "",
                        "required": False,
                        "position": position,
                        "scale_low_label": "gar nicht" if kind is QuestionKind.SCALE else "",
                        "scale_high_label": "sehr" if kind is QuestionKind.SCALE else "",
                    },
                )
                option_ids = [self.ids("survey_option") for _ in range(options)]
                for o, option_id in enumerate(option_ids):
                    await self.out.add(
                        SurveyOption,
                        {
                            "id": option_id,
                            "question_id": question_id,
                            "label": f"Antwort {o + 1}",
                            "position": o,
                        },
                    )
                questions.append((question_id, kind, option_ids, text))
                position += 1
        waiting = pending_answers
        for r in range(self.spec.survey_responses):
            response_id = self.ids("survey_response")
            sent = self.ago(40 * 24 * 60 * (1 - r / self.spec.survey_responses) + 60)
            firm = {
                "organisation_name": f"Betrieb {r} GmbH",
                "organisation_sector": rng.choice(SECTIONS)[0],
                "organisation_size": rng.choice(SIZE_CLASSES),
                "municipality": rng.choice(MUNICIPALITIES),
            }
            await self.out.add(
                SurveyResponse,
                {
                    "id": response_id,
                    "survey_id": survey_id,
                    "invitation_id": None,
                    "resume_token_hash": hashlib.sha256(_token(rng).encode()).hexdigest(),
                    "segment": Segment.FIRM.value,
                    "current_page": 5,
                    "started_at": sent - timedelta(minutes=15),
                    "submitted_at": sent,
                    **firm,
                },
            )
            for question_id, kind, option_ids, text in questions:
                for row in self._answers(kind, option_ids):
                    if row.get("text"):
                        contribution_id = self.ids("contribution")
                        status = ContributionStatus.PENDING
                        if waiting <= 0:
                            status = ContributionStatus.PUBLISHED
                        waiting -= 1
                        await self.out.add(
                            Contribution,
                            self._contribution(
                                process_id,
                                id=contribution_id,
                                kind=ContributionKind.SURVEY_ANSWER.value,
                                title=text,
                                body=row["text"],
                                segment=Segment.FIRM.value,
                                channel=Channel.SURVEY.value,
                                status=status.value,
                                source_ref=f"Umfrage {SURVEY_SLUG}, Antwort {response_id}",
                                created_at=sent,
                                published_at=None if status is ContributionStatus.PENDING else sent,
                                **firm,
                            ),
                        )
                        row["contribution_id"] = contribution_id
                        if status is ContributionStatus.PENDING:
                            await self.suggested(contribution_id)
                    await self.out.add(
                        SurveyAnswer,
                        {
                            "id": self.ids("survey_answer"),
                            "response_id": response_id,
                            "question_id": question_id,
                            "option_id": None,
                            "number": None,
                            "text": None,
                            "contribution_id": None,
                        }
                        | row,
                    )
        self.pending["survey_answer"] = min(pending_answers, pending_answers - waiting)
        return survey_id

    def _answers(self, kind: QuestionKind, options: list[int]) -> Iterator[dict[str, Any]]:
        rng = self.rng
        if rng.random() < 0.1:
            return  # skipped
        if kind is QuestionKind.SINGLE_CHOICE:
            yield {"option_id": rng.choice(options)}
        elif kind is QuestionKind.MULTIPLE_CHOICE:
            for option_id in rng.sample(options, rng.randint(1, 3)):
                yield {"option_id": option_id}
        elif kind is QuestionKind.SCALE:
            yield {"number": rng.randint(1, 5)}
        elif kind is QuestionKind.RANKING:
            for rank, option_id in enumerate(rng.sample(options, len(options)), start=1):
                yield {"option_id": option_id, "number": rank}
        elif rng.random() < 0.5:
            yield {"text": _resampled(rng, rng.choice(self.comment_sources), ())}

    async def focus_groups(self, process_id: int, ideas: list[tuple[int, datetime]]) -> None:
        """Sessions with pupils: the closed ones' ideas are published ideas of the focus-group
        channel; each member gives three dots to ideas that are not their own."""
        rng = self.rng
        sessions = self.spec.sessions or max(2, self.spec.ideas // 2000)
        linkable = iter(ideas[1:])
        for s in range(sessions):
            session_id = self.ids("focus_group_session")
            closed = s < sessions - 1  # the last one is still open
            started = self.ago((sessions - s) * 24 * 60)
            await self.out.add(
                FocusGroupSession,
                {
                    "id": session_id,
                    "process_id": process_id,
                    "title": f"BBS Klasse {s + 1}",
                    "join_code": f"V{s:05d}"[-6:],
                    "facilitator_id": 1,
                    "created_at": started,
                    "expires_at": self.ago(-24 * 60) if not closed else started,
                    "closed_at": started + timedelta(hours=2) if closed else None,
                    "dots_per_member": 3,
                },
            )
            members = []
            for m in range(self.spec.members_per_session):
                member_id = self.ids("focus_group_member")
                members.append(member_id)
                name = f"{PSEUDONYMS[m % len(PSEUDONYMS)]} {m + 1}"
                await self.out.add(
                    FocusGroupMember,
                    {
                        "id": member_id,
                        "session_id": session_id,
                        "pseudonym": name,
                        "pseudonym_key": name.lower(),
                        "token_hash": hashlib.sha256(_token(rng).encode()).hexdigest(),
                        "joined_at": started,
                        "dots_given": 3,
                    },
                )
            session_ideas: list[tuple[int, int]] = []
            for m, member_id in enumerate(members):
                source = rng.choice(self.idea_sources)
                idea_id = self.ids("focus_group_idea")
                linked = next(linkable, None) if closed else None
                session_ideas.append((idea_id, member_id))
                await self.out.add(
                    FocusGroupIdea,
                    {
                        "id": idea_id,
                        "session_id": session_id,
                        "member_id": member_id if m % 5 else None,  # some from paper cards
                        "title": source.title[:120],
                        "body": " ".join(source.parts)[:1000],
                        "created_at": started + timedelta(minutes=m),
                        "contribution_id": linked[0] if linked else None,
                    },
                )
            for member_id in members:
                others = [i for i, author in session_ideas if author != member_id]
                for idea_id in rng.sample(others, 3):
                    await self.out.add(
                        FocusGroupDot, {"idea_id": idea_id, "member_id": member_id, "dots": 1}
                    )

    async def reports(self, ideas: list[tuple[int, datetime]]) -> None:
        """Reports on 1% of the ideas, most of them still open."""
        rng = self.rng
        reasons = list(ReportReason)
        for idea_id, published in rng.sample(ideas, max(1, len(ideas) // 100)):
            await self.out.add(
                Report,
                {
                    "id": self.ids("report"),
                    "contribution_id": idea_id,
                    "reason": rng.choice(reasons).value,
                    "note": "Bitte prüfen.",
                    "reporter_hash": _token(rng),
                    "status": "open" if rng.random() < 0.8 else "dismissed",
                    "created_at": published + timedelta(hours=1),
                },
            )


async def _after_load(engine: AsyncEngine, tables: Sequence[str]) -> None:
    """PostgreSQL: move the id sequences past the explicit ids. Both: fresh statistics (and
    on PostgreSQL the visibility map index-only scans need), as autovacuum would leave."""
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "postgresql":
            for table in tables:
                await autocommit.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                        f" (SELECT max(id) FROM {table}))"
                    )
                )
            await autocommit.execute(sa.text("VACUUM ANALYZE"))
        else:
            await autocommit.execute(sa.text("ANALYZE"))
            await autocommit.execute(sa.text("PRAGMA optimize"))


async def fill_volume(engine: AsyncEngine, spec: VolumeSpec) -> Volume:
    """Fill an empty, migrated database (see the module docstring); refuses one with
    processes in it. The kept counts are checked afterwards: a wrong one raises."""
    started = time.perf_counter()
    async with engine.begin() as conn:
        if await conn.scalar(sa.text("SELECT count(*) FROM process")):
            raise RuntimeError("the database has processes already: give it an empty one")
        saved = await _count_triggers_off(conn)
        filler = _Filler(conn, spec)
        volume = await filler.run()
        await _count_triggers_on(conn, saved)
        wrong = await wrong_counts(conn)
        if any(wrong.values()):
            raise RuntimeError(f"kept counts wrong after the load: {wrong}")
    with_ids = [name for name, n in filler.ids.next.items() if n]
    await _after_load(engine, with_ids)
    volume.seconds = round(time.perf_counter() - started, 1)
    return volume


def build(database_url: str, spec: VolumeSpec) -> Volume:
    """Migrate the database at `database_url` and fill it (a blocking call for scripts)."""
    upgrade_database(database_url)

    async def run() -> Volume:
        settings = Settings.from_env()
        engine = create_engine(_with_url(settings, database_url))
        try:
            return await fill_volume(engine, spec)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _with_url(settings: Settings, url: str) -> Settings:
    from dataclasses import replace

    return replace(settings, database_url=url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--ideas", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    made = build(args.database_url, VolumeSpec(ideas=args.ideas, seed=args.seed))
    print(json.dumps(made.to_json(), indent=2))
