"""The spam classifier of a process: trained on its moderators' decisions once there are
enough of them, retrained in the background (the `retrain_spam` job), used by the scoring.

Positives are contributions rejected with the kind "spam" or "abuse" (the reject form's
`reason_code`); negatives the published ones (approved, or left standing after
publishing). Below `MIN_EACH_CLASS` (nlp/spam_model.py: 20) of either there is no model and
the rules score alone. The model lives at `var/models/spam/<process id>.joblib` with its
metadata (nlp/persistence.py); after training, the process's waiting items are scored again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import anyio.to_thread
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.persistence import ModelOutdated, data_hash, load_model, save_model
from nlp.spam_model import MIN_EACH_CLASS as MIN_EACH_CLASS
from nlp.spam_model import SpamClassifier, train_spam_classifier
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    JobKind,
    ModerationAction,
    ModerationEvent,
)

log = logging.getLogger("participation")

# The kinds of rejection the classifier learns as spam ("" or None: another reason).
SPAM_CODES: Final = ("spam", "abuse")
# Negatives beyond this many (the newest) add little and slow the training.
MAX_NEGATIVES: Final = 5000


def reason_code(value: str) -> str | None:
    """A rejection's kind from a form: one of SPAM_CODES, else None (another reason)."""
    return value if value in SPAM_CODES else None


def model_path(var_dir: Path, process_id: int) -> Path:
    return var_dir / "models" / "spam" / f"{process_id}.joblib"


def _load(path: Path) -> SpamClassifier | None:
    if not path.exists():
        return None
    try:
        model = load_model(path).model
    except (ModelOutdated, OSError, ValueError) as error:
        log.warning("Spam classifier %s not used: %s", path, error)
        return None
    return model if isinstance(model, SpamClassifier) else None


def _predict(path: Path, texts: Sequence[str]) -> list[float | None]:
    model = _load(path)
    if model is None:
        return [None] * len(texts)
    return list(model.probabilities(texts))


async def probabilities(
    var_dir: Path | None, process_id: int, texts: Sequence[str]
) -> list[float | None]:
    """The classifier's probability of spam for each text; None where there is no model."""
    if var_dir is None or not model_path(var_dir, process_id).exists():
        return [None] * len(texts)
    return await anyio.to_thread.run_sync(_predict, model_path(var_dir, process_id), texts)


def _text(title: str, body: str, kind: str) -> str:
    return body if kind == ContributionKind.SURVEY_ANSWER or not title else f"{title}\n{body}"


def _spam_rejections(process_id: int) -> Any:
    return select(col(ModerationEvent.contribution_id)).where(
        col(ModerationEvent.action) == ModerationAction.REJECT,
        col(ModerationEvent.reason_code).in_(SPAM_CODES),
        col(ModerationEvent.contribution_id).in_(
            select(col(Contribution.id)).where(
                col(Contribution.process_id) == process_id,
                col(Contribution.status) == ContributionStatus.REJECTED,
            )
        ),
    )


@dataclass(frozen=True)
class Examples:
    spam: int
    accepted: int

    @property
    def enough(self) -> bool:
        return self.spam >= MIN_EACH_CLASS and self.accepted >= MIN_EACH_CLASS


async def example_counts(session: AsyncSession, process_id: int) -> Examples:
    spam = (
        await session.exec(
            select(func.count(func.distinct(col(ModerationEvent.contribution_id)))).where(
                col(ModerationEvent.contribution_id).in_(_spam_rejections(process_id))
            )
        )
    ).one()
    accepted = (
        await session.exec(
            select(func.count()).where(
                col(Contribution.process_id) == process_id,
                col(Contribution.status) == ContributionStatus.PUBLISHED,
            )
        )
    ).one()
    return Examples(int(spam), int(accepted))


async def training_data(session: AsyncSession, process_id: int) -> tuple[list[str], list[bool]]:
    columns = (Contribution.title, Contribution.body, Contribution.kind)
    spam = list(
        await session.exec(
            select(*columns)
            .where(col(Contribution.id).in_(_spam_rejections(process_id)))
            .order_by(col(Contribution.id))
        )
    )
    accepted = list(
        await session.exec(
            select(*columns)
            .where(
                col(Contribution.process_id) == process_id,
                col(Contribution.status) == ContributionStatus.PUBLISHED,
            )
            .order_by(col(Contribution.id).desc())
            .limit(MAX_NEGATIVES)
        )
    )
    texts = [_text(t, b, k) for t, b, k in (*spam, *accepted)]
    return texts, [True] * len(spam) + [False] * len(accepted)


class NotEnough(Exception):
    def __init__(self, examples: Examples) -> None:
        super().__init__(f"{examples.spam} spam, {examples.accepted} accepted")
        self.examples = examples


@dataclass(frozen=True)
class Retrained:
    trained: bool  # False: the data had not changed since the last model
    examples: Examples
    rescored: int


def _fit_and_save(path: Path, texts: list[str], labels: list[bool], digest: str) -> None:
    model = train_spam_classifier(texts, labels)
    save_model(
        model,
        path,
        data=digest,
        scores={"spam": model.positives, "accepted": model.negatives},
    )


def _current_hash(path: Path) -> str | None:
    metadata = path.with_suffix(path.suffix + ".json")
    if not path.exists() or not metadata.exists():
        return None
    return str(json.loads(metadata.read_text()).get("data_hash"))


async def retrain(session: AsyncSession, var_dir: Path, process_id: int) -> Retrained:
    """Train the process's classifier (in a worker thread) and score its waiting items
    again. Raises NotEnough when there are too few decisions of either kind."""
    # Imported here: scoring uses this module.
    from participation.services.triage.rescore import rescore_waiting
    from participation.services.triage.scoring import use_var_dir

    examples = await example_counts(session, process_id)
    if not examples.enough:
        raise NotEnough(examples)
    texts, labels = await training_data(session, process_id)
    digest = data_hash(texts, [["spam"] if label else [] for label in labels])
    path = model_path(var_dir, process_id)
    trained = _current_hash(path) != digest
    if trained:
        await anyio.to_thread.run_sync(partial(_fit_and_save, path, texts, labels, digest))
    use_var_dir(session, var_dir)
    rescored = await rescore_waiting(session, process_id) if trained else 0
    return Retrained(trained, examples, rescored)


async def after_rejection(
    state: Any, session: AsyncSession, contribution: Contribution, code: str | None
) -> bool:
    """After a rejection as spam or abuse: retrain in the background once there are enough
    decisions (one job per process at a time). True when a job was queued."""
    if code not in SPAM_CODES:
        return False
    if not (await example_counts(session, contribution.process_id)).enough:
        return False
    _job, created = await state.jobs.submit(
        session, contribution.process_id, JobKind.RETRAIN_SPAM, None
    )
    return bool(created)
