"""Vectorizers over `AnalysedText`: character n-grams of the normalised text, and terms.

Character n-grams carry most of the signal for German (sub-word pieces of compounds and
inflected forms); measured on real participation data they beat word features clearly.
The functions here are module-level so fitted models stay picklable.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.text import AnalysedText


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
