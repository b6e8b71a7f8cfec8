"""The fast char n-gram TF-IDF: the same numbers as scikit-learn's, on small German texts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from nlp.text import GermanAnalyzer
from nlp.vectors import (
    CharNgramCounter,
    char_wb_ngrams,
    idf_weights,
    lowered_text,
    tfidf_of_one,
    tfidf_rows,
)

TEXTS = [
    "Mehr Fahrradstellplätze am Bahnhof, bitte!",
    "Tempo 30 vor der Schule: die Kinder queren hier.",
    "Seeeck und Kaffee: ein Café am See",
    "Bahnhof Altona: mehr Stellplätze für Lastenräder",
    "",
]


@pytest.mark.parametrize("word", ["a", "ab", "see", "Seeeck", "Fahrradstellplätze", "30"])
def test_ngrams_of_a_word_are_scikit_learns(word: str) -> None:
    reference = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False)
    assert char_wb_ngrams(word, (2, 5)) == reference.build_analyzer()(word)


def test_counts_equal_a_count_vectorizer_up_to_column_order() -> None:
    reference = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False)
    expected = reference.fit_transform(TEXTS).toarray()
    counter = CharNgramCounter()
    counts = counter.fit_counts(TEXTS)
    columns = [counter.vocabulary[gram] for gram in reference.get_feature_names_out()]
    assert counts.shape == expected.shape
    assert counts.dtype == np.float32
    assert np.array_equal(counts.toarray()[:, columns], expected)
    # New texts: only n-grams seen in fitting are counted.
    new = counter.counts(["Bahnhof Zoo", "xyz"])
    assert np.array_equal(
        new.toarray()[:, columns], reference.transform(["Bahnhof Zoo", "xyz"]).toarray()
    )
    assert new[1].nnz == 0


def test_tfidf_equals_scikit_learns_with_min_df() -> None:
    texts = TEXTS * 2 + ["Ein ganz anderer Text über Bäume im Park"]
    reference = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), lowercase=False, sublinear_tf=True, min_df=3
    )
    expected = reference.fit_transform(texts).toarray()
    counter = CharNgramCounter()
    counts = counter.fit_counts(texts)
    rows = tfidf_rows(counts, idf_weights(counts, min_df=3))
    columns = [counter.vocabulary[gram] for gram in reference.get_feature_names_out()]
    assert np.allclose(rows.toarray()[:, columns], expected, atol=1e-6)
    # The n-grams below min_df carry nothing.
    assert rows.nnz == np.count_nonzero(expected)


@pytest.mark.parametrize(
    "text",
    [
        "Seeeck: Kaffee am See, Kaffee am Bahnhof",  # repeated words and n-grams
        "Bahnhof Zoo und ein ganz neues Wort",  # n-grams the index never saw
        "xyz",  # nothing known
        "",
    ],
)
def test_one_query_text_gets_the_same_row_as_the_batch_path(text: str) -> None:
    texts = TEXTS * 2 + ["Ein ganz anderer Text über Bäume im Park"]
    counter = CharNgramCounter()
    counts = counter.fit_counts(texts)
    idf = idf_weights(counts, power=1.5, min_df=2)
    expected = tfidf_rows(counter.counts([text]), idf)
    columns, values = tfidf_of_one(counter.ngram_ids(text), idf)
    assert values.dtype == np.float32
    assert np.all(np.diff(columns) > 0)
    assert np.array_equal(columns, np.sort(expected.indices))
    order = np.argsort(expected.indices)
    assert np.allclose(values, expected.data[order], atol=1e-6)


def test_idf_power_favours_rare_ngrams() -> None:
    counts = CharNgramCounter().fit_counts(TEXTS)
    plain, strong = idf_weights(counts), idf_weights(counts, power=1.5)
    rare, common = int(np.argmax(plain)), int(np.argmin(plain))
    assert strong[rare] / strong[common] > plain[rare] / plain[common] > 1


def test_lowered_text_drops_the_appended_terms(analyzer: GermanAnalyzer) -> None:
    doc = analyzer.analyse_one("Mehr Fahrradstellplätze am Bahnhof")
    assert doc.terms
    assert lowered_text(doc).split() == ["mehr", "fahrradstellplätze", "am", "bahnhof"]
    empty = analyzer.analyse_one("")
    assert lowered_text(empty).strip() == ""


def test_empty_input() -> None:
    counter = CharNgramCounter()
    counts = counter.fit_counts([])
    assert counts.shape == (0, 0)
    assert tfidf_rows(counts, idf_weights(counts)).shape == (0, 0)
    assert counter.counts(["Bahnhof"]).nnz == 0
