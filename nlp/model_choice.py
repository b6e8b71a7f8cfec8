"""Which tagger should suggest themes: the cold start (the taxonomy's keywords) or a model
trained on the themes moderators confirmed.

A trained model is not better just because it exists. On the demo's 49 ideas with confirmed
themes it scored micro-F1 0.39 under 5-fold cross-validation where the keywords scored 0.62
on the same ideas, and it tagged "Schul-App für Vertretungsplan" as mobility because of
"app" and "plan". So both are scored on the same items, the trained model under k-fold
cross-validation (it never scores an item it learned from) and the keyword tagger as it is
(it learned from none of them), and the trained model is used only when it scores higher.
Both are judged by what they suggest to a moderator: the themes `predict` gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

from sklearn.metrics import f1_score
from sklearn.model_selection import KFold

from nlp.evaluation import indicator
from nlp.tagging import KeywordTagger, train_tagger
from nlp.text import AnalysedText

COMPARISON_FOLDS: Final = 5
Choice = Literal["keywords", "trained"]


@dataclass(frozen=True, slots=True)
class TaggerScore:
    micro_f1: float
    macro_f1: float


@dataclass(frozen=True, slots=True)
class TaggerComparison:
    """The two taggers' scores on the same labelled items, and the one to use."""

    items: int
    folds: int
    trained: TaggerScore  # out of fold
    keywords: TaggerScore

    @property
    def choice(self) -> Choice:
        """The trained model only if it beats the keywords (micro-F1); on a tie the keywords
        stay, they need no training data to go stale."""
        return "trained" if self.trained.micro_f1 > self.keywords.micro_f1 else "keywords"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "choice": self.choice}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaggerComparison:
        return cls(
            items=int(data["items"]),
            folds=int(data["folds"]),
            trained=TaggerScore(**data["trained"]),
            keywords=TaggerScore(**data["keywords"]),
        )


def _score(
    truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], names: Sequence[str]
) -> TaggerScore:
    y, p = indicator(truth, names), indicator(predicted, names)
    return TaggerScore(
        micro_f1=round(float(f1_score(y, p, average="micro", zero_division=0)), 4),
        macro_f1=round(float(f1_score(y, p, average="macro", zero_division=0)), 4),
    )


def compare_with_keywords(
    docs: Sequence[AnalysedText],
    labels: Sequence[Sequence[str]],
    label_names: Sequence[str],
    keywords: KeywordTagger,
    *,
    folds: int = COMPARISON_FOLDS,
    seed: int = 0,
) -> TaggerComparison:
    """Score the multi-label trained tagger (k-fold cross-validation, `train_tagger` as the
    app trains it) and the keyword tagger on the same items and label sets. Costs `folds`
    trainings on (k-1)/k of the items each."""
    names = list(label_names)
    known = set(names)
    # A theme the keyword tagger knows but no longer in `label_names` counts as a miss.
    keyword_guesses = [tuple(t for t in row if t in known) for row in keywords.predict(docs)]
    folds = max(2, min(folds, len(docs)))
    out_of_fold: list[tuple[str, ...]] = [()] * len(docs)
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(list(docs)):
        tagger = train_tagger(
            [docs[i] for i in train],
            [labels[i] for i in train],
            multilabel=True,
            label_names=names,
            seed=seed,
        )
        for i, predicted in zip(test, tagger.predict([docs[i] for i in test]), strict=True):
            out_of_fold[i] = predicted
    return TaggerComparison(
        items=len(docs),
        folds=folds,
        trained=_score(labels, out_of_fold, names),
        keywords=_score(labels, keyword_guesses, names),
    )
