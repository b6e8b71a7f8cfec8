"""Vectorizers over `AnalysedText`: character n-grams of the normalised text, and terms.

Character n-grams carry most of the signal for German (sub-word pieces of compounds and
inflected forms); measured on real participation data they beat word features clearly.
The functions here are module-level so fitted models stay picklable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.text import AnalysedText
from nlp.vectors import known_ngram_columns, tfidf_of_one


def normalised_of(doc: AnalysedText) -> str:
    return doc.normalised


def terms_of(doc: AnalysedText) -> tuple[str, ...]:
    return doc.terms


def _min_df(n_docs: int) -> int:
    # Dropping terms seen once removes noise, but a handful of documents has few repeats.
    return 2 if n_docs >= 50 else 1


def char_vectorizer(n_docs: int) -> TfidfVectorizer:
    """TF-IDF over character 2-5-grams inside word boundaries, sublinear term frequency."""
    return TfidfVectorizer(
        preprocessor=normalised_of,
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=_min_df(n_docs),
        dtype=np.float64,
    )


def term_vectorizer(n_docs: int) -> TfidfVectorizer:
    """TF-IDF over lemmas and compound parts: coarser than n-grams, but readable words."""
    return TfidfVectorizer(
        analyzer=terms_of, sublinear_tf=True, min_df=_min_df(n_docs), dtype=np.float64
    )


class FastTransform:
    """A fitted TfidfVectorizer's `transform`, for a few texts at a time: the same numbers
    without scikit-learn's per-call checks, and with each word's character n-grams looked up
    once and kept (a process's words repeat). Used to tag one new contribution, where
    scikit-learn's transform took most of the time."""

    MAX_CACHED_WORDS: Final = 200_000

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.l2 = vectorizer.norm == "l2"
        if vectorizer.norm not in ("l2", None) or not vectorizer.use_idf:
            raise ValueError("only l2-normalised TF-IDF is supported")
        self._char_wb = vectorizer.analyzer == "char_wb"
        if not self._char_wb and not callable(vectorizer.analyzer):
            raise ValueError("only char_wb or a callable analyzer is supported")
        self._analyzer = vectorizer.analyzer
        self._preprocessor = vectorizer.preprocessor  # None: scikit-learn lowercases
        self._ngram_range: tuple[int, int] = vectorizer.ngram_range
        self._word_features: dict[str, NDArray[np.int64]] = {}

    def __call__(self, docs: Sequence[AnalysedText]) -> csr_matrix:
        indptr, indices, data = [0], [], []
        for doc in docs:
            columns, values = tfidf_of_one(
                self._features(doc), self.idf, sublinear=self.sublinear, l2=self.l2
            )
            indices.append(columns)
            data.append(values)
            indptr.append(indptr[-1] + len(columns))
        return csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64),
                np.asarray(indptr),
            ),
            shape=(len(docs), len(self.idf)),
        )

    def _features(self, doc: AnalysedText) -> NDArray[np.int64]:
        if not self._char_wb:
            ids = [self.vocabulary.get(token) for token in self._analyzer(doc)]
            return np.asarray([i for i in ids if i is not None], dtype=np.int64)
        text = self._preprocessor(doc) if self._preprocessor else str(doc).lower()
        parts = [self.word_features(word) for word in text.split()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def word_features(self, word: str) -> NDArray[np.int64]:
        """The feature indices of one word's character n-grams (char_wb only), cached."""
        found = self._word_features.get(word)
        if found is None:
            columns = known_ngram_columns(word, self.vocabulary, self._ngram_range)
            found = np.asarray(columns, dtype=np.int64)
            if len(self._word_features) >= self.MAX_CACHED_WORDS:
                self._word_features.clear()
            self._word_features[word] = found
        return found
