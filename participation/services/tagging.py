"""Theme suggestions: which tagger a process uses, storing what it suggests, and retraining it
on the themes moderators confirmed.

A process's tagger is its trained model (`var/models/<slug>/themes.joblib`) when one is there
and loads, else a cold-start `KeywordTagger` built from the process's taxonomy. Retraining
keeps a trained model only if it beats the keywords under cross-validation on the same
confirmed contributions, and writes down both scores (`themes-training.json`). Loaded models
are kept per process by `nlp.persistence.load_model` (and loaded again when the file
changes); keyword taggers are kept per taxonomy. Everything CPU-bound (loading, analysing,
tagging, fitting) runs in a worker thread: the event loop only reads and writes rows.

Suggestions never touch a theme a moderator confirmed or rejected.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Final

import anyio.to_thread
from sqlalchemy import case, delete, exists, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.model_choice import Choice, TaggerComparison, compare_with_keywords
from nlp.persistence import SavedModel, data_hash, load_model, save_model
from nlp.tagging import (
    TAGGER_VERSION,
    KeywordTagger,
    Tagger,
    Tagging,
    ThemeSpec,
    train_tagger,
)
from nlp.text import GermanAnalyzer, default_analyzer, join_fields
from participation.i18n import N_, Deferred, _
from participation.models import (
    IN_MODERATION,
    Contribution,
    ContributionKind,
    ContributionTheme,
    Process,
    Theme,
    ThemeSource,
    utcnow,
)
from participation.services.errors import NotFound
from participation.services.processes import list_themes
from participation.services.themes import analysed_title, confirmed_themes_of

log = logging.getLogger("participation")

MODEL_FILE: Final = "themes.joblib"
REPORT_FILE: Final = "themes-training.json"  # the last training's comparison, see retrain()
# Below this nothing useful is learned; the keyword tagger serves until then.
MIN_TRAINING_ITEMS: Final = 20
MIN_TRAINING_THEMES: Final = 2
BATCH_SIZE: Final = 200  # contributions per worker-thread call and per transaction
_KEYWORD_CACHE_SIZE: Final = 64


def model_path(var_dir: Path, slug: str) -> Path:
    """Where the trained theme tagger of a process lives."""
    return var_dir / "models" / slug / MODEL_FILE


def analyzer(var_dir: Path) -> GermanAnalyzer:
    """The process-wide German analyzer; its pipeline is cached under var/nlp."""
    return default_analyzer(var_dir / "nlp")


def warm_analyzer(var_dir: Path) -> None:
    """Build the analyzer (saving its pipeline under var/nlp the first time) and run it once.
    Blocking: call it in a worker thread."""
    analyzer(var_dir).analyse_one("Breitbandausbau für die Schulen im Landkreis")


async def preload_analyzer(var_dir: Path) -> bool:
    """`warm_analyzer` in a worker thread, from the app's start, so the first similar-ideas
    panel or theme suggestion need not wait a second or two for it. Never raises: if it
    fails, the analyzer is built on first use as before. True when it is loaded."""
    try:
        # Cancelled at shutdown, the thread may finish on its own; nobody waits for it.
        await anyio.to_thread.run_sync(warm_analyzer, var_dir, abandon_on_cancel=True)
    except Exception:
        log.exception("Could not preload the German text analyzer; it loads on first use")
        return False
    log.info("German text analyzer loaded")
    return True


# --- choosing a tagger (blocking: call these in a worker thread) -------------------------------


@dataclass(frozen=True)
class ChosenTagger:
    tagger: Tagger
    version: str  # stored with every suggestion: "keywords:<taxonomy hash>" or "<model>:<data>"


_keyword_taggers: dict[str, KeywordTagger] = {}
_warned: set[tuple[Path, float]] = set()
_lock = threading.Lock()


def theme_specs(themes: Sequence[Theme]) -> list[ThemeSpec]:
    return [ThemeSpec(t.slug, t.name, t.description, tuple(t.keywords)) for t in themes]


def _taxonomy_hash(specs: Sequence[ThemeSpec]) -> str:
    text = json.dumps([[s.key, s.name, s.description, list(s.keywords)] for s in specs])
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def keyword_tagger(specs: Sequence[ThemeSpec], var_dir: Path) -> ChosenTagger:
    key = _taxonomy_hash(specs)
    with _lock:
        tagger = _keyword_taggers.get(key)
    if tagger is None:
        texts = [join_fields([s.name, s.description, " ".join(s.keywords)]) for s in specs]
        tagger = KeywordTagger(specs, analyzer(var_dir).analyse(texts))
        with _lock:
            if len(_keyword_taggers) >= _KEYWORD_CACHE_SIZE:
                _keyword_taggers.clear()
            _keyword_taggers[key] = tagger
    return ChosenTagger(tagger, f"keywords:{key}")


def _trained_model(var_dir: Path, slug: str) -> SavedModel | None:
    """The process's trained model, if there is one and it loads."""
    path = model_path(var_dir, slug)
    if not path.exists():
        return None
    try:
        return load_model(path)
    except Exception as error:  # other library versions, a damaged file: fall back
        _warn_once(path, error)
        return None


def choose_tagger(var_dir: Path, slug: str, specs: Sequence[ThemeSpec]) -> ChosenTagger:
    """The process's trained model if it loads, else the keyword tagger of its taxonomy."""
    saved = _trained_model(var_dir, slug)
    if saved is None:
        return keyword_tagger(specs, var_dir)
    name = saved.metadata.get("version") or "model"
    data = str(saved.metadata.get("data_hash") or "")[:10]
    return ChosenTagger(saved.model, f"{name}:{data}"[:64])


def _warn_once(path: Path, error: Exception) -> None:
    try:
        key = (path, path.stat().st_mtime)
    except OSError:  # removed meanwhile (a retraining chose the keywords): nothing to warn of
        return
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning("Theme model %s not used (%s); suggesting from keywords instead", path, error)


def _tag(
    var_dir: Path, slug: str, specs: Sequence[ThemeSpec], texts: Sequence[str]
) -> tuple[str, list[Tagging]]:
    chosen = choose_tagger(var_dir, slug, specs)
    return chosen.version, chosen.tagger.tag(analyzer(var_dir).analyse(texts))


# --- storing suggestions ------------------------------------------------------------------------


def _insert_for(session: AsyncSession) -> Callable[..., Any]:
    """INSERT with ON CONFLICT for the session's database (both know it, in their own dialect)."""
    bind = session.get_bind()
    return postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert


async def set_theme_rows(
    session: AsyncSession, rows: Sequence[dict[str, Any]], *, over_suggestions_only: bool
) -> None:
    """Insert contribution themes, or update the row already there. With
    `over_suggestions_only`, a row a moderator confirmed or rejected stays as it is, even if
    they decide while this runs. Does not commit."""
    if not rows:
        return
    insert = _insert_for(session)
    statement = insert(ContributionTheme).values(list(rows))
    columns = [name for name in rows[0] if name not in {"contribution_id", "theme_id"}]
    statement = statement.on_conflict_do_update(
        index_elements=["contribution_id", "theme_id"],
        set_={name: statement.excluded[name] for name in columns},
        where=(col(ContributionTheme.source) == ThemeSource.SUGGESTED)
        if over_suggestions_only
        else None,
    )
    await session.exec(statement)


async def _store(
    session: AsyncSession,
    contribution_ids: Sequence[int],
    taggings: Sequence[Tagging],
    version: str,
    theme_ids: dict[str, int],
) -> None:
    """Three statements per batch, whatever its size: the write lock is held briefly."""
    if not contribution_ids:
        return
    rows: list[dict[str, Any]] = []
    uncertainty: dict[int, float] = {}
    for contribution_id, tagging in zip(contribution_ids, taggings, strict=True):
        wanted = {theme_ids[s.theme]: s for s in tagging.suggestions if s.theme in theme_ids}
        rows += [
            {
                "contribution_id": contribution_id,
                "theme_id": theme_id,
                "source": ThemeSource.SUGGESTED.value,
                "score": suggestion.score,
                "model_version": version,
                "evidence": list(suggestion.words),
            }
            for theme_id, suggestion in wanted.items()
        ]
        uncertainty[contribution_id] = tagging.uncertainty
    # Earlier suggestions go, those still made come back just below; what a moderator
    # confirmed or rejected is not a suggestion and stays.
    await session.exec(
        delete(ContributionTheme).where(
            col(ContributionTheme.contribution_id).in_(list(contribution_ids)),
            col(ContributionTheme.source) == ThemeSource.SUGGESTED,
        )
    )
    await session.exec(
        update(Contribution)
        .where(col(Contribution.id).in_(list(uncertainty)))
        .values(theme_uncertainty=case(uncertainty, value=col(Contribution.id)))
    )
    await set_theme_rows(session, rows, over_suggestions_only=True)


async def suggest_themes(
    session: AsyncSession, var_dir: Path, process: Process, contribution_ids: Sequence[int]
) -> int:
    """Suggest themes for these contributions of `process` and store them (source
    "suggested", with score, model version and the words behind each); set each one's
    `theme_uncertainty`. Commits per batch; returns how many contributions were tagged.

    For new contributions (submission, import) and after retraining."""
    assert process.id is not None
    themes = await list_themes(session, process.id)
    if not themes or not contribution_ids:
        return 0
    specs = theme_specs(themes)
    theme_ids = {t.slug: t.id for t in themes if t.id is not None}
    tagged = 0
    for start in range(0, len(contribution_ids), BATCH_SIZE):
        batch = list(contribution_ids[start : start + BATCH_SIZE])
        found = list(
            await session.exec(
                select(Contribution.id, analysed_title(), Contribution.body)
                .where(col(Contribution.id).in_(batch), Contribution.process_id == process.id)
                .order_by(col(Contribution.id))
            )
        )
        if not found:
            continue
        ids = [row[0] for row in found if row[0] is not None]
        texts = [join_fields([title, body]) for _id, title, body in found]
        version, taggings = await anyio.to_thread.run_sync(
            partial(_tag, var_dir, process.slug, specs, texts)
        )
        await _store(session, ids, taggings, version, theme_ids)
        await session.commit()
        tagged += len(ids)
    return tagged


async def suggest_pending(session: AsyncSession, var_dir: Path, process: Process) -> int:
    """Suggest themes again for every contribution of a process still in moderation (after
    retraining)."""
    ids = list(
        await session.exec(
            select(Contribution.id)
            .where(
                Contribution.process_id == process.id,
                col(Contribution.status).in_(IN_MODERATION),
            )
            .order_by(col(Contribution.id))
        )
    )
    return await suggest_themes(session, var_dir, process, [i for i in ids if i is not None])


async def untagged(session: AsyncSession, limit: int) -> dict[int, list[int]]:
    """Up to `limit` contributions (ideas and survey answers) that never got suggestions
    although their process has action fields, as process id -> contribution ids: tagging
    sets `theme_uncertainty` on every contribution it looks at."""
    has_themes = exists().where(col(Theme.process_id) == col(Contribution.process_id))
    rows = await session.exec(
        select(Contribution.process_id, Contribution.id)
        .where(
            col(Contribution.theme_uncertainty).is_(None),
            col(Contribution.kind).in_([ContributionKind.IDEA, ContributionKind.SURVEY_ANSWER]),
            has_themes,
        )
        .order_by(col(Contribution.id))
        .limit(limit)
    )
    found: dict[int, list[int]] = {}
    for process_id, contribution_id in rows:
        if contribution_id is not None:
            found.setdefault(process_id, []).append(contribution_id)
    return found


# --- retraining ---------------------------------------------------------------------------------


class NotEnoughTrainingData(ValueError):
    """Too few confirmed themes to learn from; the keyword tagger keeps serving."""

    def __init__(self, items: int, themes: int) -> None:
        self.items = items
        self.themes = themes
        super().__init__(
            f"{items} contributions with confirmed themes ({themes} themes): confirm themes on "
            f"at least {MIN_TRAINING_ITEMS} contributions and {MIN_TRAINING_THEMES} themes first."
        )

    @property
    def reason(self) -> Deferred:
        """The same for people, translated where it is read."""
        return Deferred(
            N_(
                "Only %(items)d contributions have confirmed action fields (%(themes)d action "
                "fields). Confirm action fields on at least %(min_items)d contributions and "
                "%(min_themes)d action fields first."
            ),
            {
                "items": self.items,
                "themes": self.themes,
                "min_items": MIN_TRAINING_ITEMS,
                "min_themes": MIN_TRAINING_THEMES,
            },
        )


@dataclass(frozen=True)
class TrainingReport:
    """The last training of a process's tagger: what it learned from, how the trained model
    and the keywords scored on the same contributions, and so which of them suggests."""

    trained_at: datetime
    themes: int  # distinct confirmed themes among the items
    comparison: TaggerComparison
    data_hash: str  # of the texts and their confirmed themes
    taxonomy: str  # hash of the action fields' names, descriptions and keywords
    version: str  # TAGGER_VERSION of the training

    @property
    def items(self) -> int:
        return self.comparison.items

    def to_json(self) -> str:
        return json.dumps(
            {
                "trained_at": self.trained_at.isoformat(timespec="seconds"),
                "themes": self.themes,
                "comparison": self.comparison.as_dict(),
                "data_hash": self.data_hash,
                "taxonomy": self.taxonomy,
                "version": self.version,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> TrainingReport:
        data = json.loads(text)
        return cls(
            trained_at=datetime.fromisoformat(data["trained_at"]),
            themes=int(data["themes"]),
            comparison=TaggerComparison.from_dict(data["comparison"]),
            data_hash=str(data["data_hash"]),
            taxonomy=str(data["taxonomy"]),
            version=str(data["version"]),
        )


def report_path(var_dir: Path, slug: str) -> Path:
    return var_dir / "models" / slug / REPORT_FILE


def read_report(var_dir: Path, slug: str) -> TrainingReport | None:
    """The process's last training report; None if it never trained (or the file is
    unreadable: it is written again at the next training)."""
    try:
        return TrainingReport.from_json(report_path(var_dir, slug).read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class ModelStatus:
    """Which tagger makes a process's suggestions now, and why (for the analysis page)."""

    in_use: Choice  # "trained" while the trained model's file is there and loads
    report: TrainingReport | None  # None: never trained, or trained before models were compared


def model_status(var_dir: Path, slug: str) -> ModelStatus:
    """Blocking (it may load the model, as the next suggestion would): call it in a worker
    thread."""
    in_use: Choice = "keywords" if _trained_model(var_dir, slug) is None else "trained"
    return ModelStatus(in_use, read_report(var_dir, slug))


@dataclass(frozen=True)
class RetrainResult:
    path: Path  # where the trained model is saved while it is the one in use
    trained: bool  # False: the last training used exactly this data already
    report: TrainingReport
    suggested: int  # pending contributions whose suggestions were renewed

    @property
    def items(self) -> int:  # contributions with confirmed themes it learned from
        return self.report.items

    @property
    def themes(self) -> int:  # distinct themes among them
        return self.report.themes

    @property
    def in_use(self) -> Choice:
        return self.report.comparison.choice


def describe_choice(comparison: TaggerComparison) -> Deferred:
    """The comparison and its outcome in a sentence, translated where it is read (a job's
    summary keeps it for later readers)."""
    values: dict[str, int | str | float] = {
        "items": comparison.items,
        "trained": comparison.trained.micro_f1,
        "keywords": comparison.keywords.micro_f1,
    }
    if comparison.choice == "trained":
        return Deferred(
            N_(
                "Cross-validated on the same %(items)d contributions, the trained model scores "
                "%(trained)s (micro-F1, 0 to 1) and the keywords of the action fields "
                "%(keywords)s: the trained model makes the suggestions."
            ),
            values,
        )
    return Deferred(
        N_(
            "Cross-validated on the same %(items)d contributions, the trained model scores "
            "%(trained)s (micro-F1, 0 to 1) and the keywords of the action fields "
            "%(keywords)s: the trained model is not used, the keywords go on making the "
            "suggestions."
        ),
        values,
    )


_train_locks: dict[str, threading.Lock] = {}


def _up_to_date(var_dir: Path, slug: str, data: str, taxonomy: str) -> TrainingReport | None:
    """The last report, if it was made from this data and taxonomy by this tagger version
    and left the files as it chose them."""
    report = read_report(var_dir, slug)
    if report is None or (report.data_hash, report.taxonomy, report.version) != (
        data,
        taxonomy,
        TAGGER_VERSION,
    ):
        return None
    path = model_path(var_dir, slug)
    if report.comparison.choice == "keywords":
        return None if path.exists() else report
    try:
        saved = load_model(path).metadata
    except Exception as error:  # gone, outdated or damaged: train a new one
        log.info("Replacing theme model %s: %s", path, error)
        return None
    return report if saved.get("version") == TAGGER_VERSION else None


def _train_and_choose(
    var_dir: Path,
    slug: str,
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    theme_keys: Sequence[str],
    specs: Sequence[ThemeSpec],
    force: bool,
) -> tuple[bool, TrainingReport]:
    """Compare a trained model with the keywords on the confirmed contributions (see
    `nlp.model_choice`); save the model only if it wins, else remove an older one so that
    the keywords suggest. True when it trained (False: nothing changed since the last)."""
    path = model_path(var_dir, slug)
    digest = data_hash(texts, labels)
    taxonomy = _taxonomy_hash(specs)
    with _lock:
        train_lock = _train_locks.setdefault(slug, threading.Lock())
    with train_lock:  # two runs for one process would write the same files
        if not force and (previous := _up_to_date(var_dir, slug, digest, taxonomy)) is not None:
            return False, previous
        docs = analyzer(var_dir).analyse(texts)
        keywords = keyword_tagger(specs, var_dir).tagger
        assert isinstance(keywords, KeywordTagger)
        comparison = compare_with_keywords(docs, labels, theme_keys, keywords)
        if comparison.choice == "trained":
            tagger = train_tagger(docs, labels, multilabel=True, label_names=theme_keys)
            scores = {
                "training_items": len(texts),
                "threshold": tagger.threshold,
                "cross_validation": comparison.as_dict(),
            }
            save_model(tagger, path, data=digest, scores=scores)
        else:
            path.unlink(missing_ok=True)
            path.with_suffix(path.suffix + ".json").unlink(missing_ok=True)
        report = TrainingReport(
            trained_at=utcnow().replace(microsecond=0),  # as the report stores it
            themes=len({theme for row in labels for theme in row}),
            comparison=comparison,
            data_hash=digest,
            taxonomy=taxonomy,
            version=TAGGER_VERSION,
        )
        written = report_path(var_dir, slug).with_suffix(".partial")
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_text(report.to_json())
        written.replace(report_path(var_dir, slug))
    log.info("Theme tagger of %s: %s in use (%s)", slug, comparison.choice, comparison)
    return True, report


async def retrain(
    session: AsyncSession,
    var_dir: Path,
    slug: str,
    *,
    force: bool = False,
    resuggest: bool = True,
) -> RetrainResult:
    """Train a process's theme tagger on the themes moderators confirmed and keep it, under
    `var_dir/models/<slug>/`, only if it suggests better than the keywords of the action
    fields (cross-validated on the same contributions); the report of the comparison is
    saved beside it either way. With `resuggest`, renew the suggestions of the process's
    pending contributions with whichever is in use.

    Fitting runs in a worker thread (the comparison fits the model once per fold: seconds
    to minutes for thousands of items), so this may be awaited on the event loop, e.g. from
    a background job. Without `force` nothing is fitted again if the last training used the
    same data and taxonomy.

    Raises NotFound for an unknown process and NotEnoughTrainingData when fewer than
    MIN_TRAINING_ITEMS contributions or MIN_TRAINING_THEMES themes are confirmed.
    """
    process = (await session.exec(select(Process).where(Process.slug == slug))).first()
    if process is None or process.id is None:
        raise NotFound(_("This process does not exist."))
    data = await confirmed_themes_of(session, process.id)
    used = {theme for labels in data.labels for theme in labels}
    if len(data.labels) < MIN_TRAINING_ITEMS or len(used) < MIN_TRAINING_THEMES:
        raise NotEnoughTrainingData(len(data.labels), len(used))
    specs = theme_specs(await list_themes(session, process.id))
    texts = [join_fields([t, b]) for t, b in zip(data.titles, data.bodies, strict=True)]
    trained, report = await anyio.to_thread.run_sync(
        partial(_train_and_choose, var_dir, slug, texts, data.labels, data.theme_keys, specs, force)
    )
    suggested = await suggest_pending(session, var_dir, process) if resuggest else 0
    return RetrainResult(
        path=model_path(var_dir, slug), trained=trained, report=report, suggested=suggested
    )
