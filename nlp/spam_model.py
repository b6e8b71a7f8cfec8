"""A small spam/abuse classifier trained on one process's own moderation decisions.

Character n-grams (2-5, within words, TF-IDF) and a logistic regression with balanced class
weights: robust to spelling games ("V1agra", "kaufen!!!") and small enough to fit in a second
on a few thousand texts. Positives are the contributions moderators rejected or hid as spam
or abuse; negatives the ones they let stand. Pure: texts and labels in, probabilities out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

MODEL_VERSION: Final = "spam-char-lr-1"
# Below this many examples of either class the rules serve alone.
MIN_EACH_CLASS: Final = 20


class NotEnoughExamples(ValueError):
    pass


class SpamClassifier:
    """The fitted pipeline; `probabilities` gives each text's probability of being spam."""

    version = MODEL_VERSION

    def __init__(self, pipeline: Pipeline, positives: int, negatives: int) -> None:
        self.pipeline = pipeline
        self.positives = positives
        self.negatives = negatives

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        spam_column = list(self.pipeline.classes_).index(True)
        return [float(row[spam_column]) for row in self.pipeline.predict_proba(list(texts))]


def train_spam_classifier(texts: Sequence[str], labels: Sequence[bool]) -> SpamClassifier:
    """Fit on `texts` (True: spam or abuse). Raises NotEnoughExamples below MIN_EACH_CLASS of
    either class."""
    positives = sum(1 for label in labels if label)
    negatives = len(labels) - positives
    if positives < MIN_EACH_CLASS or negatives < MIN_EACH_CLASS:
        raise NotEnoughExamples(f"{positives} spam, {negatives} accepted")
    pipeline = Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    sublinear_tf=True,
                    min_df=1,
                    max_features=50_000,
                ),
            ),
            ("model", LogisticRegression(C=4.0, class_weight="balanced", max_iter=1000)),
        ]
    )
    pipeline.fit(list(texts), [bool(label) for label in labels])
    return SpamClassifier(pipeline, positives, negatives)
