"""The fast transform gives scikit-learn's TF-IDF numbers for the tagger's vectorizers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.features import FastTransform, char_vectorizer, term_vectorizer
from nlp.text import AnalysedText, GermanAnalyzer


@pytest.mark.parametrize("make", [char_vectorizer, term_vectorizer])
def test_fast_transform_matches_scikit_learn(
    demo_docs: list[AnalysedText], analyzer: GermanAnalyzer, make: object
) -> None:
    vectorizer: TfidfVectorizer = make(len(demo_docs))  # type: ignore[operator]
    vectorizer.fit(demo_docs[: len(demo_docs) // 2])
    unseen = analyzer.analyse(
        ["Mehr Radwege und Fahrradbügel am Bahnhof!", "", "Xylophon Qwertz", "Radweg Radweg"]
    )
    docs = [*demo_docs, *unseen]
    fast = FastTransform(vectorizer)
    for _ in range(2):  # the second time from the word cache
        expected = vectorizer.transform(docs).toarray()
        got = fast(docs).toarray()
        assert got.shape == expected.shape
        assert np.allclose(got, expected, atol=1e-12)
    assert np.count_nonzero(got[: len(demo_docs)]) > len(demo_docs)  # not trivially empty
    assert np.count_nonzero(got[-3]) == 0  # the empty text has no features


def test_fast_transform_refuses_what_it_cannot_copy() -> None:
    with pytest.raises(ValueError, match="l2"):
        FastTransform(TfidfVectorizer(norm="l1").fit(["Radweg Bahnhof", "Bahnhof Schule"]))
    with pytest.raises(ValueError, match="analyzer"):
        FastTransform(TfidfVectorizer(analyzer="word").fit(["Radweg Bahnhof", "Bahnhof Schule"]))
