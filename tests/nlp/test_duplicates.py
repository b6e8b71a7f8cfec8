"""Similar ideas while writing and merge suggestions for moderators, on the demo content's
deliberate near-duplicates and on the real FreiRaum Ottensen suggestions."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

import nlp.duplicates
from nlp.duplicates import (
    CENTRE_SHRINK,
    DUPLICATE_THRESHOLD,
    IDF_POWER,
    SIMILAR_MIN_SCORE,
    DuplicatePair,
    Match,
    SimilarityIndex,
)
from nlp.text import AnalysedText, GermanAnalyzer
from nlp.vectors import lowered_text
from participation import demo_content

DEMO_TITLES = [item["title"] for item in demo_content.CONTRIBUTIONS]
# Ids unlike row numbers, so a mix-up shows.
DEMO_IDS = [1000 + 7 * row for row in range(len(DEMO_TITLES))]
RUFBUS = ("Rufbus per App buchen statt nur telefonisch", "Bus auf Bestellung übers Handy")
ZULASSUNG = (
    "Online-Termine bei der Kfz-Zulassungsstelle",
    "Zulassungen für Autohäuser planbar machen",
)
SCHOOL_WLAN = (
    "WLAN in der ganzen Schule, nicht nur im Lehrerzimmer",
    "Schul-WLAN für uns Schüler freigeben",
)
MARKTPLATZ_WLAN = ("Freies WLAN am Marktplatz Auenbrück", "WLAN Marktplatz")

OttensenData = tuple[list[str], list[tuple[str, ...]], list[str]]


def demo_id(title: str) -> int:
    return DEMO_IDS[DEMO_TITLES.index(title)]


@pytest.fixture(scope="module")
def demo_index(demo_docs: list[AnalysedText]) -> SimilarityIndex:
    return SimilarityIndex(demo_docs, DEMO_IDS)


@pytest.fixture(scope="module")
def ottensen_docs(analyzer: GermanAnalyzer, ottensen: OttensenData) -> list[AnalysedText]:
    return analyzer.analyse(ottensen[0])


@pytest.mark.parametrize("pair", [RUFBUS, ZULASSUNG, MARKTPLATZ_WLAN])
def test_near_duplicates_find_each_other_first(
    demo_index: SimilarityIndex, pair: tuple[str, str]
) -> None:
    first, second = demo_id(pair[0]), demo_id(pair[1])
    assert demo_index.similar_to(first)[0].id == second
    assert demo_index.similar_to(second)[0].id == first


def test_reworded_school_wlan_pair_is_among_the_similar_ideas(
    demo_index: SimilarityIndex,
) -> None:
    """Worded quite differently, the two pupils' WLAN ideas share few n-grams: measured
    0.082, the first one's best match and the second one's second (after a school-bus
    idea)."""
    first, second = demo_id(SCHOOL_WLAN[0]), demo_id(SCHOOL_WLAN[1])
    assert second in [match.id for match in demo_index.similar_to(first, k=2)]
    assert first in [match.id for match in demo_index.similar_to(second, k=2)]


@pytest.mark.parametrize("pair", [RUFBUS, ZULASSUNG])
def test_a_draft_finds_the_idea_it_repeats(
    demo_docs: list[AnalysedText], pair: tuple[str, str]
) -> None:
    """Either idea of a pair, written as a draft while the other is published."""
    for draft, published in (pair, pair[::-1]):
        rows = [row for row, title in enumerate(DEMO_TITLES) if title != draft]
        index = SimilarityIndex([demo_docs[row] for row in rows], [DEMO_IDS[row] for row in rows])
        matches = index.most_similar(demo_docs[DEMO_TITLES.index(draft)])
        assert matches[0].id == demo_id(published)


def test_short_drafts_find_related_ideas_and_unrelated_ones_find_none(
    demo_index: SimilarityIndex, analyzer: GermanAnalyzer
) -> None:
    drafts = {
        "Termin bei der Zulassungsstelle online buchen": ZULASSUNG[0],
        "Rufbus per App": RUFBUS[0],
        "WLAN für Schüler": SCHOOL_WLAN[1],
        "Ich wünsche mir einen Bus, den man per Handy bestellen kann, weil abends keiner ans "
        "Telefon geht.": RUFBUS[1],
    }
    for draft, title in drafts.items():
        matches = demo_index.most_similar(analyzer.analyse_one(draft))
        assert matches[0].id == demo_id(title), draft
    # No demo idea is about cycle paths: measured best score 0.046.
    assert demo_index.most_similar(analyzer.analyse_one("Mehr Radwege im Landkreis")) == []


def test_matches_are_sorted_rounded_and_limited(demo_index: SimilarityIndex) -> None:
    rufbus = demo_id(RUFBUS[0])
    matches = demo_index.similar_to(rufbus, k=10, min_score=-1.0)
    assert len(matches) == 10
    assert rufbus not in [match.id for match in matches]
    scores = [match.score for match in matches]
    assert scores == sorted(scores, reverse=True)
    assert all(score == round(score, 3) for score in scores)
    assert demo_index.similar_to(rufbus, k=0) == []
    assert all(m.score >= 0.1 for m in demo_index.similar_to(rufbus, k=10, min_score=0.1))


def test_duplicate_pairs_at_the_default_threshold(demo_index: SimilarityIndex) -> None:
    pairs = demo_index.duplicate_pairs()
    found = {(pair.a, pair.b) for pair in pairs}
    for first, second in (RUFBUS, ZULASSUNG, MARKTPLATZ_WLAN):
        a, b = sorted((demo_id(first), demo_id(second)))
        assert (a, b) in found
    # Measured: 11 of 1,176 pairs (the three above, the school WLAN pair, six on related
    # topics, one false).
    assert len(pairs) <= 14
    assert all(pair.a < pair.b and pair.score >= DUPLICATE_THRESHOLD for pair in pairs)
    assert [pair.score for pair in pairs] == sorted((pair.score for pair in pairs), reverse=True)
    a, b = sorted(map(demo_id, MARKTPLATZ_WLAN))
    assert pairs[0] == DuplicatePair(a=a, b=b, score=0.428)
    assert demo_index.duplicate_pairs(limit=2) == pairs[:2]


def centred_cosines(docs: list[AnalysedText]) -> np.ndarray:
    """The scores, computed the long way: dense TF-IDF rows, centred, cosine."""
    counts = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False)
    tf = counts.fit_transform([lowered_text(doc) for doc in docs]).toarray().astype(float)
    df = (tf > 0).sum(axis=0)
    idf = (np.log((1 + len(docs)) / (1 + df)) + 1) ** IDF_POWER
    rows = np.where(tf > 0, 1 + np.log(np.maximum(tf, 1)), 0) * idf
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    centred = rows - rows.sum(axis=0) / (len(docs) + CENTRE_SHRINK)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    return np.asarray(centred @ centred.T)


def test_duplicate_pairs_equal_a_brute_force_comparison(
    demo_docs: list[AnalysedText], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nlp.duplicates, "_BLOCK_ROWS", 7)  # many blocks, one cut mid-way
    index = SimilarityIndex(demo_docs, DEMO_IDS)
    similarity = centred_cosines(demo_docs)
    expected = {
        (DEMO_IDS[i], DEMO_IDS[j])
        for i in range(len(demo_docs))
        for j in range(i + 1, len(demo_docs))
        if similarity[i, j] >= 0.04
    }
    pairs = index.duplicate_pairs(threshold=0.04)
    assert len(pairs) > 20
    assert {(pair.a, pair.b) for pair in pairs} == expected
    for pair in pairs:
        i, j = DEMO_IDS.index(pair.a), DEMO_IDS.index(pair.b)
        assert pair.score == pytest.approx(similarity[i, j], abs=0.0006)


def test_centring_lets_two_alike_ideas_in_a_tiny_index_match(analyzer: GermanAnalyzer) -> None:
    """With two items the mean lies between them; shrunk towards zero it cannot make two
    alike ideas look opposed."""
    docs = analyzer.analyse(["Mehr Bänke im Stadtpark", "Mehr Sitzbänke im Stadtpark bitte"])
    pairs = SimilarityIndex(docs, [1, 2]).duplicate_pairs()
    assert [(pair.a, pair.b) for pair in pairs] == [(1, 2)]
    assert pairs[0].score > 0.4  # measured 0.482


def test_an_identical_text_scores_one(demo_docs: list[AnalysedText]) -> None:
    index = SimilarityIndex(demo_docs, DEMO_IDS)
    assert index.most_similar(demo_docs[3], k=1) == [Match(id=DEMO_IDS[3], score=1.0)]


def test_empty_and_invalid_indexes(analyzer: GermanAnalyzer) -> None:
    empty = SimilarityIndex([], [])
    assert len(empty) == 0
    assert empty.most_similar(analyzer.analyse_one("Mehr Bänke im Park")) == []
    assert empty.duplicate_pairs() == []
    with pytest.raises(KeyError):
        empty.similar_to(1)
    blank = SimilarityIndex(analyzer.analyse(["", " "]), [1, 2])
    assert 1 in blank
    assert blank.similar_to(1) == []
    assert blank.duplicate_pairs(threshold=0.0) == []

    docs = analyzer.analyse(["Mehr Bänke im Park", "Radweg an der Hauptstraße"])
    with pytest.raises(ValueError, match="2 texts but 1 ids"):
        SimilarityIndex(docs, [1])
    with pytest.raises(ValueError, match="unique"):
        SimilarityIndex(docs, [1, 1])


def test_the_index_pickles(demo_index: SimilarityIndex) -> None:
    copy = pickle.loads(pickle.dumps(demo_index))  # noqa: S301 (our own bytes)
    rufbus = demo_id(RUFBUS[0])
    assert copy.similar_to(rufbus) == demo_index.similar_to(rufbus)


def test_ottensen_scores(ottensen_docs: list[AnalysedText]) -> None:
    ids = list(range(len(ottensen_docs)))
    index = SimilarityIndex(ottensen_docs, ids)
    assert not index.approximate
    pairs = index.duplicate_pairs()
    # One topic, the same street names everywhere: measured 3,032 of 242,556 pairs (1.3 %).
    n_pairs = len(ids) * (len(ids) - 1) // 2
    assert 0 < len(pairs) < 0.02 * n_pairs
    assert pairs[0].score > 0.9  # a suggestion posted twice for two places
    # Nearly every suggestion has a similar one (measured 99.9 % at the default minimum).
    with_match = sum(bool(index.similar_to(id_, k=1)) for id_ in ids[:100])
    assert with_match >= 90


def test_the_candidate_stage_finds_what_exact_scoring_finds(
    ottensen_docs: list[AnalysedText],
) -> None:
    """Large indexes pick candidates in a dense low-rank copy; forced on here, a text finds
    itself and its best matches as exact scoring does."""
    ids = [10 * row for row in range(len(ottensen_docs))]
    index = SimilarityIndex(ottensen_docs, ids, approximate=True)
    assert index.approximate
    same = 0
    for row in range(0, len(ottensen_docs), 25):
        doc = ottensen_docs[row]
        found = index.most_similar(doc, k=3)
        exact = index.most_similar(doc, k=3, exact=True)
        assert found[0] == exact[0] == Match(id=ids[row], score=1.0)
        same += found == exact
        assert all(match.score >= SIMILAR_MIN_SCORE for match in found)
    assert same >= 0.8 * len(range(0, len(ottensen_docs), 25))


def test_each_items_best_partners_come_from_all_pairs(demo_index: SimilarityIndex) -> None:
    every = demo_index.duplicate_pairs(threshold=0.04)
    best = demo_index.duplicate_pairs(threshold=0.04, per_item=1)
    assert set(best) <= set(every)
    # Each item's best partner above the threshold is kept (it is the best of its side).
    for id_ in DEMO_IDS:
        mine = [p for p in every if id_ in (p.a, p.b)]
        if mine:
            assert max(mine, key=lambda p: (p.score, -p.a, -p.b)).score in {
                p.score for p in best if id_ in (p.a, p.b)
            }
    assert [p.score for p in best] == sorted((p.score for p in best), reverse=True)
    a, b = sorted(map(demo_id, MARKTPLATZ_WLAN))
    assert best[0] == DuplicatePair(a=a, b=b, score=0.428)


def test_best_pairs_through_the_low_rank_copy_match_exact_scoring(
    ottensen_docs: list[AnalysedText],
) -> None:
    """Forced through the candidate stage, the pairs found are scored exactly, and nearly
    all of the strongest exact pairs are found (Ottensen: 697 suggestions on one topic)."""
    ids = [10 * row for row in range(len(ottensen_docs))]
    index = SimilarityIndex(ottensen_docs, ids)
    exact = index.best_pairs(per_item=3, exact=True)
    found = index.best_pairs(per_item=3, exact=False)
    assert exact == index.duplicate_pairs(per_item=3)
    scores = {(p.a, p.b): p.score for p in exact}
    shared = [p for p in found if (p.a, p.b) in scores]
    assert all(p.score == scores[(p.a, p.b)] for p in shared)
    strongest = {(p.a, p.b) for p in exact[:200]}
    assert len(strongest & {(p.a, p.b) for p in found}) >= 0.9 * len(strongest)
    assert found[0].score > 0.9
