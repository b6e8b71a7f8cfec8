"""Clustering: k in a range people can read, seeding with confirmed themes, c-TF-IDF names,
representatives, the map, placing new texts; on the demo content, a small labelled sample
and the real FreiRaum Ottensen suggestions."""

from __future__ import annotations

import math
import pickle
import re
from collections import Counter

import numpy as np
import pytest
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score

import nlp.clustering
from nlp.clustering import MIN_DOCS, Clustering, class_terms, cluster, k_bounds, k_candidates
from nlp.text import AnalysedText, GermanAnalyzer
from participation import demo_content

DEMO_TITLES = [item["title"] for item in demo_content.CONTRIBUTIONS]
NEAR_DUPLICATES = [
    ("Rufbus per App buchen statt nur telefonisch", "Bus auf Bestellung übers Handy"),
    ("Online-Termine bei der Kfz-Zulassungsstelle", "Zulassungen für Autohäuser planbar machen"),
    (
        "WLAN in der ganzen Schule, nicht nur im Lehrerzimmer",
        "Schul-WLAN für uns Schüler freigeben",
    ),
]
GERMAN_WORD = re.compile(r"[a-zäöüß]{2,}")

OttensenData = tuple[list[str], list[tuple[str, ...]], list[str]]


@pytest.fixture(scope="module")
def demo_clustering(demo_docs: list[AnalysedText]) -> Clustering:
    return cluster(demo_docs)


@pytest.fixture(scope="module")
def ottensen_docs(analyzer: GermanAnalyzer, ottensen: OttensenData) -> list[AnalysedText]:
    return analyzer.analyse(ottensen[0])


@pytest.fixture(scope="module")
def ottensen_clustering(ottensen_docs: list[AnalysedText]) -> Clustering:
    return cluster(ottensen_docs)


def assert_consistent(result: Clustering, docs: list[AnalysedText]) -> None:
    """What every clustering promises, whatever the data."""
    n = len(docs)
    assert len(result.labels) == n
    assert len(result.coordinates) == n
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in result.coordinates)
    assert result.k == len(result.clusters)
    assert set(result.labels) == set(range(result.k))
    sizes = [summary.size for summary in result.clusters]
    assert sizes == sorted(sizes, reverse=True)  # ids run by size
    assert sum(sizes) == n
    for summary in result.clusters:
        assert summary.size == result.labels.count(summary.id)
        assert summary.name == " · ".join(summary.top_terms[:3])
        assert 0 < len(summary.top_terms) <= 10
        assert 0 < len(summary.representatives) <= min(3, summary.size)
        assert len(set(summary.representatives)) == len(summary.representatives)
        assert all(result.labels[i] == summary.id for i in summary.representatives)


def test_the_k_range_grows_with_the_number_of_contributions() -> None:
    assert k_bounds(3) == (2, 2)
    assert k_bounds(37) == (3, 7)  # a small process: several groups, not 2
    assert k_bounds(80) == (4, 9)
    assert k_bounds(697) == (9, 18)
    assert k_bounds(10_000) == (22, 43)  # dozens
    assert k_bounds(100_000) == (46, 93)
    assert k_bounds(10_000_000) == (100, 100)  # never more than K_MAX
    lows, highs = zip(*(k_bounds(n) for n in range(3, 20_000, 97)), strict=True)
    assert list(lows) == sorted(lows)
    assert list(highs) == sorted(highs)
    # At least one group per seed theme.
    assert k_bounds(37, themes=9) == (9, 9)
    assert k_bounds(8, themes=9) == (7, 7)  # but never more groups than n - 1


def test_a_few_ks_of_the_range_are_tried() -> None:
    assert k_candidates(3, 7) == [3, 4, 6, 7]
    assert k_candidates(4, 6) == [4, 5, 6]
    assert k_candidates(22, 43) == [22, 29, 36, 43]
    assert k_candidates(2, 2) == [2]


@pytest.mark.parametrize("n", [0, 1, 2])
def test_fewer_than_three_texts_are_refused_clearly(analyzer: GermanAnalyzer, n: int) -> None:
    docs = analyzer.analyse(["Mehr Bänke im Park", "Radweg an der Hauptstraße"][:n])
    with pytest.raises(ValueError, match=f"at least {MIN_DOCS} texts, got {n}"):
        cluster(docs)


def test_a_bad_k_is_refused(demo_docs: list[AnalysedText]) -> None:
    with pytest.raises(ValueError, match="between 2 and"):
        cluster(demo_docs, k=1)
    with pytest.raises(ValueError, match="between 2 and 3 for 4 texts"):
        cluster(demo_docs[:4], k=4)
    with pytest.raises(ValueError, match="at least the 3 seed themes"):
        cluster(demo_docs, k=2, themes=[0, 1, 2] + [None] * (len(demo_docs) - 3))
    with pytest.raises(ValueError, match="themes has 2 entries"):
        cluster(demo_docs, themes=[0, 1])


def test_an_explicit_k_is_kept(demo_docs: list[AnalysedText]) -> None:
    result = cluster(demo_docs, k=9)
    assert result.k == 9
    assert_consistent(result, demo_docs)
    assert [k for k, _ in result.silhouettes] == [9]


@pytest.mark.filterwarnings("ignore")  # scikit-learn warns about the duplicate points
def test_identical_texts_are_refused(analyzer: GermanAnalyzer) -> None:
    with pytest.raises(ValueError, match="too alike"):
        cluster(analyzer.analyse(["Mehr Bänke im Park"] * 5))


def test_three_texts_are_enough(analyzer: GermanAnalyzer) -> None:
    docs = analyzer.analyse(
        ["Mehr Bänke im Park", "Radweg an der Hauptstraße", "Tempo 30 vor der Schule"]
    )
    result = cluster(docs)
    assert result.k == 2
    assert_consistent(result, docs)


def test_demo_content_clusters_by_topic(
    demo_clustering: Clustering, demo_docs: list[AnalysedText]
) -> None:
    assert_consistent(demo_clustering, demo_docs)
    low, high = demo_clustering.k_bounds
    assert (low, high) == k_bounds(len(demo_docs)) == (4, 7)
    assert low <= demo_clustering.k <= high
    assert demo_clustering.silhouette > 0
    # The silhouette alone is kept as information: the best of every k fitted, smaller ones
    # included.
    tried = dict(demo_clustering.silhouettes)
    assert {2, 3, 4, 7} <= set(tried)
    assert tried[demo_clustering.silhouette_k] == max(tried.values())
    # Measured: k = 7 of 4-7 (silhouette 0.025; 2 would have scored 0.014). The Rufbus and
    # the school WLAN pairs share a group each; the two car-registration ideas (one from
    # residents, one from car dealers) do not.
    labels = demo_clustering.labels
    for first, second in (NEAR_DUPLICATES[0], NEAR_DUPLICATES[2]):
        assert labels[DEMO_TITLES.index(first)] == labels[DEMO_TITLES.index(second)]
    # The Rufbus ideas' group (apps for getting about) says so.
    rufbus = demo_clustering.labels[DEMO_TITLES.index(NEAR_DUPLICATES[0][0])]
    assert "app" in demo_clustering.clusters[rufbus].name.split(" · ")


def test_same_input_and_seed_give_the_same_result(
    demo_clustering: Clustering, demo_docs: list[AnalysedText]
) -> None:
    again = cluster(demo_docs)
    assert again == demo_clustering  # labels, names, terms, representatives, coordinates
    other_seed = cluster(demo_docs, seed=1)
    assert_consistent(other_seed, demo_docs)


def test_the_model_places_texts_as_the_clustering_did(
    demo_clustering: Clustering, demo_docs: list[AnalysedText], analyzer: GermanAnalyzer
) -> None:
    model = pickle.loads(pickle.dumps(demo_clustering.model))  # noqa: S301 (our own bytes)
    assert tuple(model.assign(demo_docs)) == demo_clustering.labels
    placed = np.array(model.place(demo_docs))
    assert np.allclose(placed, np.array(demo_clustering.coordinates))
    assert model.assign([]) == []
    assert model.place([]) == []

    draft = analyzer.analyse_one("Ich möchte den Rufbus mit einer App auf dem Handy bestellen.")
    rufbus = demo_clustering.labels[DEMO_TITLES.index(NEAR_DUPLICATES[0][0])]
    assert model.assign([draft]) == [rufbus]


def test_class_terms_prefer_terms_of_one_class_and_skip_redundant_parts(
    analyzer: GermanAnalyzer,
) -> None:
    docs = analyzer.analyse(
        [
            "Fahrradstellplätze am Bahnhof, mehr Fahrradstellplätze",
            "Fahrradstellplätze an der Schule",
            "Bäume pflanzen im Park",
            "Mehr Bäume und Bänke im Park, auch an der Schule",
        ]
    )
    bikes, park = class_terms(docs, [0, 0, 1, 1], k=2)
    # Ties (in both texts of the class, in no other) go alphabetically.
    assert bikes[:2] == ("fahrrad", "fahrradstellplätze")
    assert park[:2] == ("baum", "park")
    # In both classes: weighed down to the end.
    assert bikes[-1] == park[-1] == "schule"
    # A part of a better-ranked compound adds nothing.
    assert "stell" not in bikes


def test_ottensen_clusters_are_stable_named_and_carry_signal(
    ottensen_clustering: Clustering,
    ottensen_docs: list[AnalysedText],
    ottensen: OttensenData,
) -> None:
    result = ottensen_clustering
    assert_consistent(result, ottensen_docs)
    low, high = result.k_bounds
    assert low <= result.k <= high
    assert result.silhouette > 0.03

    for summary in result.clusters:
        member_terms = Counter(
            term
            for i, label in enumerate(result.labels)
            if label == summary.id
            for term in ottensen_docs[i].terms
        )
        for term in summary.top_terms:
            assert GERMAN_WORD.fullmatch(term), term
            assert member_terms[term] > 0, term

    # Signal: clusters against each suggestion's most specific label (its rarest one),
    # compared with the same clusters shuffled. Measured with seeds 0-3: NMI 0.19-0.21
    # against 0.04-0.05 shuffled, AMI 0.15-0.17 against 0.00-0.02.
    _, label_sets, _ = ottensen
    frequency = Counter(label for labels in label_sets for label in labels)
    labelled = [i for i, labels in enumerate(label_sets) if labels]
    truth = [min(label_sets[i], key=lambda label: (frequency[label], label)) for i in labelled]
    predicted = np.array([result.labels[i] for i in labelled])
    nmi = normalized_mutual_info_score(truth, predicted)
    ami = adjusted_mutual_info_score(truth, predicted)
    rng = np.random.default_rng(0)
    shuffled = max(
        normalized_mutual_info_score(truth, rng.permutation(predicted)) for _ in range(20)
    )
    assert nmi > shuffled + 0.1, (nmi, shuffled)
    assert ami > 0.1, ami


def test_ottensen_clustering_is_deterministic(
    ottensen_clustering: Clustering, ottensen_docs: list[AnalysedText]
) -> None:
    again = cluster(ottensen_docs)
    assert again.labels == ottensen_clustering.labels
    assert [c.name for c in again.clusters] == [c.name for c in ottensen_clustering.clusters]
    assert again.coordinates == ottensen_clustering.coordinates
    assert again == ottensen_clustering


def test_large_inputs_are_fitted_on_a_sample_and_every_text_placed(
    ottensen_docs: list[AnalysedText], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above FIT_SAMPLE texts, LSA and KMeans see a fixed sample; the others are assigned by
    the model, so labels and map positions are the model's for every text."""
    monkeypatch.setattr(nlp.clustering, "FIT_SAMPLE", 300)
    result = cluster(ottensen_docs)
    assert_consistent(result, ottensen_docs)
    assert tuple(result.model.assign(ottensen_docs)) == result.labels
    assert np.allclose(np.array(result.model.place(ottensen_docs)), np.array(result.coordinates))
    assert cluster(ottensen_docs) == result  # the sample is fixed by the seed


TOPICS = {
    "bus": [
        "Der Bus fährt abends zu selten",
        "Mehr Busse am Wochenende",
        "Eine Buslinie zum Bahnhof",
        "Rufbus für die Dörfer",
        "Busfahrplan besser abstimmen",
        "Bushaltestelle mit Dach",
        "Günstigere Fahrkarten für den Bus",
        "Nachtbus am Samstag",
        "Schulbus öfter fahren lassen",
        "Busse sollen pünktlich kommen",
    ],
    "park": [
        "Mehr Bäume im Stadtpark",
        "Bänke und Bäume am Spielplatz",
        "Den Park abends beleuchten",
        "Blumenwiese statt Rasen im Park",
        "Obstbäume pflanzen",
        "Ein Teich im Park",
        "Schattige Bäume an der Wiese",
        "Der Park braucht Mülleimer",
        "Grillplatz im Park",
        "Alte Bäume im Park schützen",
    ],
    "wlan": [
        "WLAN in der ganzen Schule",
        "Schnelles Internet für das Rathaus",
        "Glasfaser für jedes Dorf",
        "Freies WLAN am Marktplatz",
        "Tablets und WLAN für die Klassen",
        "Das Internet ist zu langsam",
        "WLAN in der Bücherei",
        "Glasfaserausbau im Gewerbegebiet",
        "Internet im Jugendzentrum",
        "Mobilfunk und WLAN auf dem Land",
    ],
}


@pytest.fixture(scope="module")
def topic_docs(analyzer: GermanAnalyzer) -> tuple[list[AnalysedText], list[int]]:
    texts = [text for texts in TOPICS.values() for text in texts]
    truth = [topic for topic, texts in enumerate(TOPICS.values()) for _ in texts]
    return analyzer.analyse(texts), truth


def test_seeded_clustering_keeps_the_seeds_and_gathers_their_topics(
    topic_docs: tuple[list[AnalysedText], list[int]],
) -> None:
    """Two confirmed ideas per topic: each topic's group holds its seeds and draws in most
    of the topic's other ideas, with the default k and with k = 3."""
    docs, truth = topic_docs
    seeded = {0, 1, 10, 11, 20, 21}
    themes = [truth[i] if i in seeded else None for i in range(len(docs))]
    for k in (None, 3):
        result = cluster(docs, themes=themes, k=k)
        assert_consistent(result, docs)
        assert result.seeded == 6
        group_of = {s.theme: s.id for s in result.clusters if s.theme is not None}
        assert sorted(group_of) == [0, 1, 2]  # one group per theme, named by its index
        for i in seeded:
            assert result.labels[i] == group_of[truth[i]]
        others = [i for i in range(len(docs)) if i not in seeded]
        agree = sum(result.labels[i] == group_of[truth[i]] for i in others)
        # Measured: 17 of 24 with the default k (4: the two Glasfaser ideas form a group of
        # their own), 19 with k = 3.
        assert agree >= 16, (k, agree, result.labels)


def test_texts_all_seeded_are_grouped_inside_their_themes(
    topic_docs: tuple[list[AnalysedText], list[int]],
) -> None:
    """Every text confirmed (as in a process whose moderators sorted everything): the
    groups still come from k_bounds, and each lies inside one theme."""
    docs, truth = topic_docs
    for themes, k in ((truth, None), (truth, 5), ([0] * len(docs), None)):
        result = cluster(docs, themes=themes, k=k)
        assert_consistent(result, docs)
        low, high = result.k_bounds
        assert low <= result.k <= high if k is None else result.k == k
        for summary in result.clusters:
            assert summary.theme is not None
            members = [i for i, label in enumerate(result.labels) if label == summary.id]
            assert {themes[i] for i in members} == {summary.theme}
    assert k_bounds(len(docs), 3) == (3, 6)
    # Themes keep the caller's numbers, also where some are not used.
    result = cluster(docs, themes=[5 * t + 2 for t in truth], k=3)
    assert sorted(c.theme for c in result.clusters if c.theme is not None) == [2, 7, 12]


def test_seeded_clusters_place_new_texts_near_their_theme(
    topic_docs: tuple[list[AnalysedText], list[int]], analyzer: GermanAnalyzer
) -> None:
    docs, truth = topic_docs
    themes = [truth[i] if i % 10 < 3 else None for i in range(len(docs))]
    result = cluster(docs, themes=themes, k=3)
    model = pickle.loads(pickle.dumps(result.model))  # noqa: S301 (our own bytes)
    group_of = {s.theme: s.id for s in result.clusters if s.theme is not None}
    draft = analyzer.analyse_one("Bitte mehr Busse zum Bahnhof am Abend")
    assert model.assign([draft]) == [group_of[0]]


def test_confirmed_themes_make_ottensen_clusters_agree_better_with_the_annotators(
    ottensen_docs: list[AnalysedText], ottensen: OttensenData, ottensen_clustering: Clustering
) -> None:
    """A fifth of the labelled suggestions given as seeds (their first label): the other
    items agree better with the annotators than without seeds. Measured (seed 0): NMI on the
    unseeded items 0.123 against 0.092 without seeds."""
    _, label_sets, _ = ottensen
    labelled = [i for i, labels in enumerate(label_sets) if labels]
    names = sorted({label_sets[i][0] for i in labelled})
    truth = np.array([names.index(label_sets[i][0]) for i in labelled])
    docs = [ottensen_docs[i] for i in labelled]
    chosen = set(np.random.default_rng(0).permutation(len(docs))[: len(docs) // 5].tolist())
    themes = [int(truth[i]) if i in chosen else None for i in range(len(docs))]
    seeded = cluster(docs, themes=themes)
    plain = cluster(docs)
    others = np.array([i not in chosen for i in range(len(docs))])
    seeded_nmi = normalized_mutual_info_score(truth[others], np.array(seeded.labels)[others])
    plain_nmi = normalized_mutual_info_score(truth[others], np.array(plain.labels)[others])
    assert seeded_nmi > plain_nmi + 0.02, (seeded_nmi, plain_nmi)
