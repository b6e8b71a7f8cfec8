"""The spam/abuse score and the personal data of new contributions.

Every place that creates contributions (the idea form, comments, survey answers, focus
groups, imports) passes them to `triage_new` before adding them to the session. It stores on
each: the score (0..1) and its reasons as codes with figures, whether it is flagged for the
queue (`FLAG_FROM`), the hash of its normalised text, and the personal data in its title and
text as spans. Signals combine like independent evidence (as in nlp/spam.py):

- nlp/spam.py: many links, shouting, repeated characters, repeated words;
- `repeated_text`: the same (or nearly the same: case, punctuation, digits and spacing
  aside) text already submitted in the process within `REPEAT_WINDOW`, found through the
  `ix_contribution_text_hash` index, one query per batch;
- `insults`: words of the insult list (nlp/insults.py) with the moderators' additions;
- `classifier`: the process's own classifier (services/triage/classifier.py), once trained.

In "after publishing" processes an idea or comment whose score reaches the hold-back
threshold (SPAM_HOLD_THRESHOLD) waits in the queue instead (`may_hold`).

Which contributions the triage may see is not a question here: it runs on what is being
stored. The queue's filters decide who sees the flags (services/moderation_queue.py).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.insults import InsultList
from nlp.personal_data import find_personal_data
from nlp.spam import spam_score
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    utcnow,
)
from participation.services.triage import classifier, insults

log = logging.getLogger("participation")

_CONTEXT_KEY: Final = "participation.triage"
# The queue's "possible spam" flag from this score on.
FLAG_FROM: Final = 0.5
DEFAULT_HOLD_THRESHOLD: Final = 0.7
REPEAT_WINDOW: Final = timedelta(days=7)
# Shorter normalised texts ("ja", "keine Angabe") repeat by nature and are not compared.
REPEAT_MIN_LETTERS: Final = 30
_NOT_LETTERS: Final = re.compile(r"[\W\d_]+")


@dataclass(frozen=True)
class TriageContext:
    """What triage needs from the settings: where trained classifiers live, and from which
    score an item is held back in "after publishing" processes."""

    var_dir: Path | None = None
    hold_threshold: float = DEFAULT_HOLD_THRESHOLD


def enable(sessionmaker: Any, context: TriageContext) -> None:
    """Give every session this sessionmaker makes the triage context (kept beside what
    others put in the sessions' `info`)."""
    info = dict(sessionmaker.kw.get("info") or {})
    info[_CONTEXT_KEY] = context
    sessionmaker.configure(info=info)


def use_var_dir(session: AsyncSession, var_dir: Path) -> None:
    """Let this session's triage use the trained classifiers under `var_dir` (jobs and
    commands, whose sessions were not made by the app's sessionmaker)."""
    session.info[_CONTEXT_KEY] = replace(context_of(session), var_dir=var_dir)


def context_of(session: AsyncSession) -> TriageContext:
    context = session.info.get(_CONTEXT_KEY)
    return context if isinstance(context, TriageContext) else TriageContext()


# --- the text -----------------------------------------------------------------------------


def scored_text(contribution: Contribution) -> str:
    """What is scored: an idea's title and text; a survey answer's text alone (its title
    is the question)."""
    if contribution.kind is ContributionKind.SURVEY_ANSWER or not contribution.title:
        return contribution.body
    return f"{contribution.title}\n{contribution.body}"


def text_hash(contribution: Contribution) -> str | None:
    """The hash of the lowercased letters of the text; None for texts too short to compare."""
    letters = _NOT_LETTERS.sub("", scored_text(contribution).lower())
    if len(letters) < REPEAT_MIN_LETTERS:
        return None
    return hashlib.sha256(letters.encode()).hexdigest()[:32]


def personal_data_spans(contribution: Contribution) -> list[dict[str, Any]]:
    """The personal data in the title (not a survey answer's: that is the question) and the
    text, as spans to store."""
    fields = [("body", contribution.body)]
    if contribution.kind is not ContributionKind.SURVEY_ANSWER and contribution.title:
        fields.insert(0, ("title", contribution.title))
    return [
        {"field": name, "start": span.start, "end": span.end, "kind": span.kind}
        for name, text in fields
        for span in find_personal_data(text)
    ]


# --- signals ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    value: float  # 0..1, its weight in the score
    figure: float  # what was measured, shown with the reason

    def stored(self) -> dict[str, Any]:
        figure = int(self.figure) if float(self.figure).is_integer() else self.figure
        return {"code": self.code, "figure": figure, "value": round(self.value, 3)}


def repeated_text_reason(earlier: int) -> Reason | None:
    """`earlier`: how often the text came in the window before this one."""
    if earlier < 1:
        return None
    return Reason("repeated_text", 0.5 if earlier == 1 else 0.8, earlier + 1)


def insults_reason(words: Sequence[str]) -> Reason | None:
    if not words:
        return None
    return Reason("insults", 0.75 if len(words) == 1 else 0.9, len(words))


def classifier_reason(probability: float | None) -> Reason | None:
    """The classifier adds evidence only when it leans to spam (above one half)."""
    if probability is None or probability <= 0.5:
        return None
    return Reason("classifier", round((probability - 0.5) * 2 * 0.9, 3), round(probability, 2))


def combine(reasons: Iterable[Reason]) -> tuple[float, list[Reason]]:
    """The score of independent pieces of evidence, and the reasons strongest first."""
    fired = sorted((r for r in reasons if r.value > 0), key=lambda r: -r.value)
    remaining = 1.0
    for reason in fired:
        remaining *= 1.0 - reason.value
    return round(1.0 - remaining, 3), fired


def rule_reasons(text: str, insult_list: InsultList) -> list[Reason]:
    """The reasons that need nothing but the text and the insult list."""
    reasons = [Reason(s.code, s.value, s.figure) for s in spam_score(text).reasons]
    found = insults_reason(insult_list.find(text))
    return [*reasons, found] if found else reasons


# --- the database -------------------------------------------------------------------------


async def earlier_copies(
    session: AsyncSession,
    process_id: int,
    hashes: Sequence[str],
    since: datetime,
    exclude: Sequence[int] = (),
    until: datetime | None = None,
) -> Counter[str]:
    """How many contributions of the process with each of these hashes came since `since`
    (and before `until`, if given): one query on the hash index."""
    if not hashes:
        return Counter()
    query = (
        select(Contribution.text_hash, func.count())
        .where(
            col(Contribution.process_id) == process_id,
            col(Contribution.text_hash).in_(sorted(set(hashes))),
            col(Contribution.created_at) >= since,
        )
        .group_by(col(Contribution.text_hash))
    )
    if exclude:
        query = query.where(col(Contribution.id).not_in(list(exclude)))
    if until is not None:
        query = query.where(col(Contribution.created_at) < until)
    return Counter({str(digest): int(n) for digest, n in await session.exec(query)})


async def triage_new(
    session: AsyncSession,
    contributions: Sequence[Contribution],
    *,
    may_hold: bool = False,
    rescoring: bool = False,
) -> None:
    """Score `contributions` (new ones of one process, not yet added to the session; or,
    `rescoring`, stored ones in the order they came) and store score, reasons, flag, hash
    and personal data on them. With `may_hold`, a published one whose score reaches the
    hold-back threshold is made pending (after-publishing processes: ideas and comments
    from the public). Rescoring compares with what came before the batch's first item."""
    if not contributions:
        return
    process_id = contributions[0].process_id
    context = context_of(session)
    first = min(c.created_at for c in contributions) if rescoring else utcnow()
    insult_list = await insults.insult_list_for(session, process_id)
    probabilities = await classifier.probabilities(
        context.var_dir, process_id, [scored_text(c) for c in contributions]
    )
    hashes = [text_hash(c) for c in contributions]
    earlier = await earlier_copies(
        session,
        process_id,
        [h for h in hashes if h is not None],
        first - REPEAT_WINDOW,
        exclude=[c.id for c in contributions if c.id is not None],
        until=first if rescoring else None,
    )
    seen_in_batch: Counter[str] = Counter()
    for contribution, digest, probability in zip(contributions, hashes, probabilities, strict=True):
        reasons = rule_reasons(scored_text(contribution), insult_list)
        if digest is not None:
            repeated = repeated_text_reason(earlier[digest] + seen_in_batch[digest])
            seen_in_batch[digest] += 1
            if repeated:
                reasons.append(repeated)
        found = classifier_reason(probability)
        if found:
            reasons.append(found)
        score, fired = combine(reasons)
        store_score(contribution, score, fired)
        contribution.text_hash = digest
        store_personal_data(contribution)
        if (
            may_hold
            and contribution.status is ContributionStatus.PUBLISHED
            and score >= context.hold_threshold
        ):
            contribution.status = ContributionStatus.PENDING
            contribution.published_at = None


def store_score(contribution: Contribution, score: float, reasons: Sequence[Reason]) -> None:
    contribution.spam_score = score
    contribution.spam_reasons = [r.stored() for r in reasons]
    contribution.spam_flagged = score >= FLAG_FROM


def store_personal_data(contribution: Contribution) -> None:
    spans = personal_data_spans(contribution)
    contribution.personal_data = spans or None
    contribution.has_personal_data = bool(spans)
