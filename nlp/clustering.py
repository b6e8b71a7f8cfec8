"""Group contributions into themes nobody defined in advance, name the groups, draw a map.

Character n-gram TF-IDF -> TruncatedSVD (latent semantic analysis) -> unit length ->
KMeans, with k chosen by the silhouette score. Groups are named by class-based TF-IDF over
the readable terms (lemmas and compound parts), as BERTopic does, and shown with the
contributions nearest to their centre. A fitted `ClusterModel` places new contributions into
the same groups and onto the same map.

KMeans, not HDBSCAN: measured on the 697 FreiRaum Ottensen suggestions (same LSA vectors),
HDBSCAN called 50-100 % of them noise (min_cluster_size 5: 2 clusters, 351 noise; 10: 2
clusters, 581 noise; 20: everything noise) and found nothing at all in the 49 demo ideas,
while KMeans gives every contribution a group; HDBSCAN also cannot place new items.

Fitting runs on one thread (see `_fit_lock`): on a busy two-core server, OpenMP and BLAS
threads waiting on each other made KMeans 10-100 times slower (30 s instead of 0.2 s for
Ottensen, k = 2..12), and these data sets are small enough for one core.

Above `FIT_SAMPLE` documents the LSA basis and the KMeans centres are fitted on a fixed random
sample, and every document is then placed as `ClusterModel.assign` places new ones: at most
a dozen groups do not need more than 10,000 texts to be found, and so 100,000 stay within a
minute and 2 GiB (`python -m bench.scale` measures it). The n-grams are counted once per
distinct word (`nlp.vectors`): the same TF-IDF as `nlp.features.char_vectorizer` (a test
checks it), three times faster, in float32.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import Normalizer
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from nlp.features import char_vectorizer, terms_of
from nlp.text import AnalysedText
from nlp.vectors import CharNgramCounter, Float32Array, idf_weights, tfidf_rows

MIN_DOCS: Final = 3  # the silhouette needs at least two groups and one more document
LSA_COMPONENTS: Final = 100
NAME_TERMS: Final = 3
TOP_TERMS: Final = 10
REPRESENTATIVES: Final = 3
# The silhouette costs O(n²): above this many documents it is estimated on a fixed sample.
SILHOUETTE_SAMPLE: Final = 3000
# Above this many documents, LSA and KMeans are fitted on a sample of this size.
FIT_SAMPLE: Final = 10_000

FloatArray = npt.NDArray[np.float64]

# threadpool_limits changes process-wide state; one fit at a time keeps save/restore paired.
_fit_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ClusterModel:
    """The fitted pipeline: places new documents into the clusters and onto the map.

    Plain scikit-learn objects, arrays and a dict of n-grams, so it pickles; like any pickle,
    load it only with the same library versions."""

    counter: CharNgramCounter
    idf: Float32Array  # 0 for the n-grams below min_df
    svd: TruncatedSVD
    normalizer: Normalizer
    kmeans: KMeans
    projection: PCA  # the 2-D map
    label_of: tuple[int, ...]  # KMeans label -> cluster id (ids run by size, largest first)

    def vectors(self, docs: Sequence[AnalysedText]) -> FloatArray:
        """Unit-length LSA vectors, the space the clusters live in."""
        return _lsa(self.svd, self.normalizer, tfidf_rows(_counts(self.counter, docs), self.idf))

    def assign(self, docs: Sequence[AnalysedText]) -> list[int]:
        """The cluster id of each document."""
        if not docs:
            return []
        raw = self.kmeans.predict(self.vectors(docs))
        return [self.label_of[int(label)] for label in raw]

    def place(self, docs: Sequence[AnalysedText]) -> list[tuple[float, float]]:
        """Map coordinates of each document."""
        if not docs:
            return []
        return _points(self.projection.transform(self.vectors(docs)))


@dataclass(frozen=True, slots=True)
class ClusterSummary:
    id: int  # 0 is the largest cluster
    size: int
    name: str  # the top three terms, "radweg · fahrrad · straße"
    top_terms: tuple[str, ...]
    representatives: tuple[int, ...]  # indices of the documents nearest to the centre


@dataclass(frozen=True, slots=True)
class Clustering:
    labels: tuple[int, ...]  # cluster id per document, in input order
    k: int
    silhouette: float  # cosine silhouette of the chosen k; text rarely gets above 0.1
    clusters: tuple[ClusterSummary, ...]  # by id
    coordinates: tuple[tuple[float, float], ...]  # map position per document
    model: ClusterModel = field(compare=False, repr=False)


def k_range(n_docs: int, k_min: int = 2, k_max: int = 12) -> range:
    """The ks tried: from k_min up to about sqrt(n/2), never above k_max or n - 1.

    The silhouette of text clusters creeps up with k (smaller clusters are a little tighter),
    so the upper bound matters: sqrt(n/2) allows 5 groups for 50 ideas and hits the cap of 12
    from about 250 on, a number of groups a person can still take in. Where the data have
    little structure the silhouette favours 2 (Tempelhofer Feld proposals: 0.00-0.05 for
    every k, 0.03 at k = 2): pass a larger k_min when a map needs more groups."""
    upper = min(k_max, n_docs - 1, max(k_min, math.ceil(math.sqrt(n_docs / 2))))
    return range(k_min, upper + 1)


def cluster(
    docs: Sequence[AnalysedText], *, k_min: int = 2, k_max: int = 12, seed: int = 0
) -> Clustering:
    """Cluster the documents; deterministic for the same input and seed.

    Raises ValueError for fewer than `MIN_DOCS` documents, for texts too short or too alike
    to tell apart, and for a bad k range: a group of two needs no map, and the caller knows
    best what to show instead. CPU-bound (about a second for 700 contributions): run it in a
    worker thread, not on the event loop."""
    n = len(docs)
    if n < MIN_DOCS:
        raise ValueError(f"clustering needs at least {MIN_DOCS} texts, got {n}")
    if k_min < 2 or k_max < k_min:
        raise ValueError(f"need 2 <= k_min <= k_max, got k_min={k_min}, k_max={k_max}")
    if not k_range(n, k_min, k_max):
        raise ValueError(f"{k_min} clusters need at least {k_min + 1} texts, got {n}")
    with _fit_lock, threadpool_limits(limits=1):
        return _cluster(docs, k_min=k_min, k_max=k_max, seed=seed)


def _counts(counter: CharNgramCounter, docs: Sequence[AnalysedText]) -> sp.csr_matrix:
    return counter.counts([doc.normalised for doc in docs])


def _lsa(svd: TruncatedSVD, normalizer: Normalizer, tfidf: sp.csr_matrix) -> FloatArray:
    return np.asarray(normalizer.transform(svd.transform(tfidf)), dtype=np.float64)


def _cluster(docs: Sequence[AnalysedText], *, k_min: int, k_max: int, seed: int) -> Clustering:
    n = len(docs)
    counter = CharNgramCounter()
    counts = counter.fit_counts([doc.normalised for doc in docs])
    # The same features as the tagger's char_vectorizer, min_df rule included.
    idf = idf_weights(counts, min_df=int(char_vectorizer(n).min_df))
    tfidf = tfidf_rows(counts, idf)
    del counts  # tfidf_rows weighted it in place
    fitted = np.arange(n)
    if n > FIT_SAMPLE:
        fitted = np.sort(np.random.default_rng(seed).choice(n, FIT_SAMPLE, replace=False))
    n_components = min(LSA_COMPONENTS, int(np.count_nonzero(idf)) - 1, len(fitted) - 1)
    if n_components < 2:
        raise ValueError("the texts are too short to be clustered")
    svd = TruncatedSVD(n_components=n_components, random_state=seed).fit(tfidf[fitted])
    normalizer = Normalizer()
    vectors = _lsa(svd, normalizer, tfidf)
    del tfidf
    sample_vectors = vectors[fitted]

    best: tuple[float, KMeans] | None = None
    sample = SILHOUETTE_SAMPLE if len(fitted) > SILHOUETTE_SAMPLE else None
    for k in k_range(n, k_min, k_max):
        kmeans = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(sample_vectors)
        if len(np.unique(kmeans.labels_)) != k:  # fewer distinct texts than clusters
            continue
        score = float(
            silhouette_score(
                sample_vectors,
                kmeans.labels_,
                metric="cosine",
                sample_size=sample,
                random_state=seed,
            )
        )
        if best is None or score > best[0]:  # ties keep the smaller k
            best = (score, kmeans)
    if best is None:
        raise ValueError("the texts are too alike to be clustered")
    silhouette, kmeans = best

    # Renumber by size (largest first, ties by KMeans label) so ids read the same every run.
    raw = np.asarray(kmeans.labels_ if n == len(fitted) else kmeans.predict(vectors), np.int64)
    sizes = np.bincount(raw, minlength=kmeans.n_clusters)
    order = sorted(range(kmeans.n_clusters), key=lambda label: (-int(sizes[label]), label))
    label_of = [0] * kmeans.n_clusters
    for new, old in enumerate(order):
        label_of[old] = new
    labels = np.asarray(label_of, dtype=np.int64)[raw]
    centres = np.asarray(kmeans.cluster_centers_, dtype=np.float64)[order]

    projection = PCA(n_components=2, svd_solver="full").fit(sample_vectors)
    model = ClusterModel(
        counter=counter,
        idf=idf,
        svd=svd,
        normalizer=normalizer,
        kmeans=kmeans,
        projection=projection,
        label_of=tuple(label_of),
    )
    terms = class_terms(docs, labels, len(order), TOP_TERMS)
    summaries = tuple(
        ClusterSummary(
            id=cluster_id,
            size=int(np.count_nonzero(labels == cluster_id)),
            name=" · ".join(terms[cluster_id][:NAME_TERMS]),
            top_terms=terms[cluster_id],
            representatives=_nearest(vectors, labels, cluster_id, centres[cluster_id]),
        )
        for cluster_id in range(len(order))
    )
    return Clustering(
        labels=tuple(int(label) for label in labels),
        k=len(order),
        silhouette=silhouette,
        clusters=summaries,
        coordinates=tuple(_points(projection.transform(vectors))),
        model=model,
    )


def class_terms(
    docs: Sequence[AnalysedText], labels: npt.ArrayLike, k: int, top: int = TOP_TERMS
) -> list[tuple[str, ...]]:
    """The `top` terms of each class by class-based TF-IDF (BERTopic's c-TF-IDF).

    weight(t, c) = tf(t, c) / words(c) * log(1 + mean words per class / tf(t, all classes)):
    frequent in this class, rare overall. Terms are lemmas and compound parts, so names are
    readable words rather than n-grams. A compound and its parts tend to rank together, so a
    term inside a better-ranked one ("stell" after "stellplatz") or only a linking letter or
    two longer ("geschwindigkeits" after "geschwindigkeit") is skipped; a compound after its
    parts stays ("bus", then "rufbus"): it is more specific. Ties go alphabetically, for
    stable names."""
    counter = CountVectorizer(analyzer=terms_of)
    try:
        counts = sp.csr_matrix(counter.fit_transform(docs), dtype=np.float64)
    except ValueError:  # no terms at all (only stop words, digits, punctuation)
        return [() for _ in range(k)]
    label_array = np.asarray(labels, dtype=np.int64)
    membership = sp.csr_matrix(
        (np.ones(len(label_array)), (label_array, np.arange(len(label_array)))),
        shape=(k, len(label_array)),
    )
    per_class = np.asarray((membership @ counts).todense(), dtype=np.float64)  # k x terms
    words = per_class.sum(axis=1, keepdims=True)
    overall = per_class.sum(axis=0)
    idf = np.log(1.0 + words.mean() / np.maximum(overall, 1.0))
    weights = per_class / np.maximum(words, 1.0) * idf
    vocabulary = counter.get_feature_names_out()
    result: list[tuple[str, ...]] = []
    for row in weights:
        present = np.flatnonzero(row > 0)
        # lexsort: the last key is primary -> by weight descending, then by term.
        ranked = present[np.lexsort((vocabulary[present], -row[present]))]
        chosen: list[str] = []
        for index in ranked:
            term = str(vocabulary[index])
            if not any(_redundant(term, other) for other in chosen):
                chosen.append(term)
                if len(chosen) == top:
                    break
        result.append(tuple(chosen))
    return result


def _redundant(term: str, better: str) -> bool:
    return term in better or (term.startswith(better) and len(term) - len(better) <= 2)


def _nearest(
    vectors: FloatArray, labels: npt.NDArray[np.int64], cluster_id: int, centre: FloatArray
) -> tuple[int, ...]:
    members = np.flatnonzero(labels == cluster_id)
    distances = np.linalg.norm(vectors[members] - centre, axis=1)
    ranked = members[np.argsort(distances, kind="stable")]
    return tuple(int(i) for i in ranked[:REPRESENTATIVES])


def _points(coordinates: FloatArray) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in coordinates]
