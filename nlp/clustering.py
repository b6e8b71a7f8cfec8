"""Group contributions into themes nobody defined in advance, name the groups, draw a map.

Character n-gram TF-IDF -> TruncatedSVD (latent semantic analysis) -> unit length ->
KMeans. The number of groups is for the person reading them: the silhouette alone picks 2
on sparse text, for 37 ideas as for 100,000 (kept as information, `silhouette_k`), so k is
chosen within a range that grows with the contributions (`k_bounds`), or given.

Where moderators have confirmed themes, those seed the groups (`cluster(themes=...)`):
every theme owns at least one group and its documents stay inside its groups (Basu,
Banerjee and Mooney's constrained KMeans, 2002, with groups inside themes, so that a theme
confirmed on thousands of documents still splits into readable groups), and a logistic
regression trained on them adds its theme probabilities to every vector, so that
unconfirmed documents that read like a theme join it. Measured with `participation nlp
evaluate` (first label as the class, a random fifth of the items given as seeds), on the
other items: NMI 0.122 / ARI 0.047 on FreiRaum Ottensen (0.089 / 0.025 unseeded) and
0.078 / 0.074 on Tempelhofer Feld (0.106 / 0.012 unseeded, at twice the groups; a
supervised classifier trained on four fifths reaches only NMI 0.116 there).

Groups are named by class-based TF-IDF over
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
sample, and every document is then placed as `ClusterModel.assign` places new ones: a
hundred groups do not need more than 10,000 texts to be found, and so 100,000 stay within a
minute and 2 GiB (`python -m bench.scale` measures it: 43 s for k = 77 of 46-93). The
n-grams are counted once per distinct word (`nlp.vectors`): the same TF-IDF as
`nlp.features.char_vectorizer` (a test checks it), three times faster, in float32.
"""

from __future__ import annotations

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
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import Normalizer
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from nlp.features import char_vectorizer, terms_of
from nlp.text import AnalysedText
from nlp.vectors import CharNgramCounter, Float32Array, idf_weights, tfidf_rows

MIN_DOCS: Final = 3  # two groups and one more document
LSA_COMPONENTS: Final = 100
NAME_TERMS: Final = 3
TOP_TERMS: Final = 10
REPRESENTATIVES: Final = 3
# The silhouette costs O(n²): above this many documents it is estimated on a fixed sample.
SILHOUETTE_SAMPLE: Final = 3000
# Above this many documents, LSA and KMeans are fitted on a sample of this size.
FIT_SAMPLE: Final = 10_000
# Never more groups than this, however many contributions: past it a list stops being read.
K_MAX: Final = 100
# At most this many ks of the reader's range are fitted to pick the default one.
K_CANDIDATES: Final = 4
# The smaller ks also fitted, for the silhouette-only choice shown as information (2 to 12
# was the whole range before; on sparse text the silhouette mostly picks 2 there).
SILHOUETTE_LADDER: Final = (2, 3, 4, 6, 8, 12)
# KMeans restarts: fewer on large samples, where one fit of dozens of groups costs seconds.
N_INIT_SMALL: Final = 10
N_INIT_LARGE: Final = 3
LARGE_SAMPLE: Final = 2000
# Weight of the theme probabilities beside the unit-length LSA vector (see `_with_themes`).
THEME_WEIGHT: Final = 1.0
THEME_C: Final = 4.0  # regularisation of the seed themes' classifier (scikit-learn's C)
SEEDED_MAX_ITER: Final = 100

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

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
    centres: FloatArray  # k x dimensions, row i is cluster id i
    projection: PCA  # the 2-D map
    # Trained on the seeded documents' themes; its probabilities join the LSA vectors.
    themes: LogisticRegression | None = None

    def vectors(self, docs: Sequence[AnalysedText]) -> FloatArray:
        """The vectors the clusters live in: unit-length LSA, with the seed themes'
        probabilities beside it when the clustering was seeded."""
        tfidf = tfidf_rows(_counts(self.counter, docs), self.idf)
        return _with_themes(_lsa(self.svd, self.normalizer, tfidf), self.themes, tfidf)

    def assign(self, docs: Sequence[AnalysedText]) -> list[int]:
        """The cluster id of each document: the nearest centre."""
        if not docs:
            return []
        return [int(label) for label in _nearest_centre(self.vectors(docs), self.centres)]

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
    theme: int | None = None  # the seed theme (the caller's index) whose group this is


@dataclass(frozen=True, slots=True)
class Clustering:
    labels: tuple[int, ...]  # cluster id per document, in input order
    k: int
    silhouette: float  # cosine silhouette of the chosen k; text rarely gets above 0.1
    clusters: tuple[ClusterSummary, ...]  # by id
    coordinates: tuple[tuple[float, float], ...]  # map position per document
    model: ClusterModel = field(compare=False, repr=False)
    # The range the default k was chosen from (see `k_bounds`); an explicit k may lie outside.
    k_bounds: tuple[int, int] = (2, 2)
    # (k, silhouette) of every k fitted, by k; only the chosen one for an explicit k.
    silhouettes: tuple[tuple[int, float], ...] = ()
    seeded: int = 0  # documents whose group was fixed by their confirmed theme

    @property
    def silhouette_k(self) -> int:
        """The k the silhouette alone would choose among the ks fitted (ties: the smaller);
        on sparse text mostly 2, too few groups to read: information, not the default."""
        return max(self.silhouettes, key=lambda pair: (pair[1], -pair[0]), default=(self.k,))[0]


def k_bounds(n_docs: int, themes: int = 0) -> tuple[int, int]:
    """The range the default k is chosen from: about n^(1/3) to 2 n^(1/3) groups.

    A person can read a few groups of a few dozen ideas and a few dozen groups of ten
    thousand, but not two groups of either (what the silhouette alone picks on sparse text)
    nor hundreds: 37 ideas get 3-7 groups, 80 get 4-9, 700 get 9-18, 10,000 get 22-43 and
    100,000 get 46-93 (never above K_MAX, never more than n - 1). With seed themes, at least
    one group per theme."""
    root = n_docs ** (1 / 3)
    upper = max(2, themes, round(2 * root))
    lower = max(2, themes, round(root))
    upper = min(upper, K_MAX, n_docs - 1)
    return min(lower, upper), upper


def k_candidates(lower: int, upper: int) -> list[int]:
    """At most K_CANDIDATES ks spread evenly over lower..upper, both ends included."""
    count = min(K_CANDIDATES, upper - lower + 1)
    return sorted({round(k) for k in np.linspace(lower, upper, count)})


def cluster(
    docs: Sequence[AnalysedText],
    *,
    k: int | None = None,
    themes: Sequence[int | None] | None = None,
    seed: int = 0,
) -> Clustering:
    """Cluster the documents; deterministic for the same input and seed.

    `k`: the number of groups; by default the best silhouette among a few ks of `k_bounds`.
    `themes`: per document the index of its confirmed theme, or None: each theme becomes a
    group its documents stay in (seeded, constrained KMeans), and a classifier trained on
    them pulls similar documents towards it; more groups may form beside them.

    Raises ValueError for fewer than `MIN_DOCS` documents, for texts too short or too alike
    to tell apart, and for a k the documents cannot fill: a group of two needs no map, and
    the caller knows best what to show instead. CPU-bound (about a second for 700
    contributions): run it in a worker thread, not on the event loop."""
    n = len(docs)
    if n < MIN_DOCS:
        raise ValueError(f"clustering needs at least {MIN_DOCS} texts, got {n}")
    fixed, used = _fixed_themes(themes, n)
    n_themes = int(fixed.max()) + 1 if fixed.size and fixed.max() >= 0 else 0
    if k is not None and not 2 <= k < n:
        raise ValueError(f"k must be between 2 and {n - 1} for {n} texts, got {k}")
    if k is not None and k < n_themes:
        raise ValueError(f"k must be at least the {n_themes} seed themes, got {k}")
    with _fit_lock, threadpool_limits(limits=1):
        return _cluster(docs, k=k, fixed=fixed, theme_ids=used, seed=seed)


def _fixed_themes(themes: Sequence[int | None] | None, n: int) -> tuple[IntArray, IntArray]:
    """Per document its theme renumbered 0.. in order of index (-1 for none), and the
    caller's index of each renumbered theme."""
    if themes is None:
        return np.full(n, -1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if len(themes) != n:
        raise ValueError(f"themes has {len(themes)} entries for {n} texts")
    raw = np.asarray([-1 if t is None else int(t) for t in themes], dtype=np.int64)
    used = np.unique(raw[raw >= 0])
    fixed = np.full(n, -1, dtype=np.int64)
    fixed[raw >= 0] = np.searchsorted(used, raw[raw >= 0])
    return fixed, used


def _counts(counter: CharNgramCounter, docs: Sequence[AnalysedText]) -> sp.csr_matrix:
    return counter.counts([doc.normalised for doc in docs])


def _lsa(svd: TruncatedSVD, normalizer: Normalizer, tfidf: sp.csr_matrix) -> FloatArray:
    return np.asarray(normalizer.transform(svd.transform(tfidf)), dtype=np.float64)


def _with_themes(
    lsa: FloatArray, themes: LogisticRegression | None, tfidf: sp.csr_matrix
) -> FloatArray:
    """LSA vectors with THEME_WEIGHT times the seed themes' probabilities beside them, scaled
    to unit length: documents the confirmed ones suggest for the same theme move closer
    together, so groups follow the moderators' themes where those say something, and the
    text's own structure elsewhere."""
    if themes is None:
        return lsa
    probabilities = np.asarray(themes.predict_proba(tfidf), dtype=np.float64)
    joined = np.hstack([lsa, THEME_WEIGHT * probabilities])
    return np.asarray(joined / np.linalg.norm(joined, axis=1, keepdims=True), dtype=np.float64)


def _nearest_centre(vectors: FloatArray, centres: FloatArray) -> IntArray:
    # argmin |x - c|² = argmin (|c|² - 2 x·c); |x|² is the same for every centre.
    return np.asarray(
        np.argmin((centres * centres).sum(axis=1) - 2.0 * vectors @ centres.T, axis=1),
        dtype=np.int64,
    )


def _cluster(
    docs: Sequence[AnalysedText],
    *,
    k: int | None,
    fixed: IntArray,
    theme_ids: IntArray,
    seed: int,
) -> Clustering:
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
    themes = _theme_classifier(tfidf, fixed, seed)
    vectors = _with_themes(_lsa(svd, normalizer, tfidf), themes, tfidf)
    del tfidf
    n_themes = int(fixed.max()) + 1 if fixed.max() >= 0 else 0
    bounds = k_bounds(n, n_themes)

    if k is None:
        tried = sorted(
            {*k_candidates(*bounds), *(k for k in SILHOUETTE_LADDER if n_themes <= k < bounds[0])}
        )
    else:
        tried = [k]
    fits: dict[int, tuple[float, IntArray, FloatArray, IntArray]] = {}
    sample = SILHOUETTE_SAMPLE if len(fitted) > SILHOUETTE_SAMPLE else None
    for candidate in tried:
        if candidate >= len(fitted):
            continue
        raw, centres, owners = _fit(vectors, fitted, fixed, candidate, seed)
        found = np.unique(raw[fitted])
        if len(found) < 2:
            continue
        if len(found) < candidate:  # fewer distinct texts than clusters
            if k is None:
                continue
            raise ValueError(f"the texts are too alike for {k} groups")
        score = float(
            silhouette_score(
                vectors[fitted],
                raw[fitted],
                metric="cosine",
                sample_size=sample,
                random_state=seed,
            )
        )
        fits[candidate] = (score, raw, centres, owners)
    in_range = [c for c in fits if k is not None or bounds[0] <= c <= bounds[1]]
    if not in_range:
        raise ValueError("the texts are too alike to be clustered")
    chosen = max(in_range, key=lambda c: (fits[c][0], -c))  # ties keep the smaller k
    silhouette, raw, raw_centres, owners = fits[chosen]

    # Renumber by size (largest first, ties by raw label) so ids read the same every run.
    sizes = np.bincount(raw, minlength=chosen)
    order = sorted(range(chosen), key=lambda label: (-int(sizes[label]), label))
    label_of = np.zeros(chosen, dtype=np.int64)
    for new, old in enumerate(order):
        label_of[old] = new
    labels = label_of[raw]
    centres = raw_centres[order]

    projection = PCA(n_components=2, svd_solver="full").fit(vectors[fitted])
    model = ClusterModel(
        counter=counter,
        idf=idf,
        svd=svd,
        normalizer=normalizer,
        centres=centres,
        projection=projection,
        themes=themes,
    )
    terms = class_terms(docs, labels, chosen, TOP_TERMS)
    summaries = tuple(
        ClusterSummary(
            id=cluster_id,
            size=int(np.count_nonzero(labels == cluster_id)),
            name=" · ".join(terms[cluster_id][:NAME_TERMS]),
            top_terms=terms[cluster_id],
            representatives=_nearest(vectors, labels, cluster_id, centres[cluster_id]),
            theme=_theme_of(owners[order[cluster_id]], theme_ids),
        )
        for cluster_id in range(chosen)
    )
    return Clustering(
        labels=tuple(int(label) for label in labels),
        k=chosen,
        silhouette=silhouette,
        clusters=summaries,
        coordinates=tuple(_points(projection.transform(vectors))),
        model=model,
        k_bounds=bounds,
        silhouettes=tuple((c, round(fits[c][0], 6)) for c in sorted(fits)),
        seeded=int(np.count_nonzero(fixed >= 0)),
    )


def _theme_of(owner: np.int64, theme_ids: IntArray) -> int | None:
    return None if owner < 0 else int(theme_ids[owner])


def _theme_classifier(
    tfidf: sp.csr_matrix, fixed: IntArray, seed: int
) -> LogisticRegression | None:
    """A classifier of the seed themes on the seeded documents' TF-IDF; None without two."""
    seeded = np.flatnonzero(fixed >= 0)
    if len(np.unique(fixed[seeded])) < 2:
        return None
    return LogisticRegression(
        C=THEME_C, class_weight="balanced", max_iter=1000, random_state=seed
    ).fit(tfidf[seeded], fixed[seeded])


def _fit(
    vectors: FloatArray, fitted: IntArray, fixed: IntArray, k: int, seed: int
) -> tuple[IntArray, FloatArray, IntArray]:
    """Raw labels of every document, the k centres and each centre's theme (-1 for none),
    fitted on `fitted`'s documents.

    Without seeds: KMeans. With seeds (Basu et al.'s constrained KMeans, with groups inside
    themes): every theme owns at least one group, larger themes and the documents without a
    theme more (`_owners`); a seeded document only ever joins a group of its own theme, a
    free one the nearest group of any. So a theme confirmed on thousands of documents still
    splits into groups a person can read, and each of them stays inside the theme."""
    if not np.any(fixed >= 0):
        kmeans = KMeans(n_clusters=k, n_init=_n_init(len(fitted)), random_state=seed)
        kmeans.fit(vectors[fitted])
        centres = np.asarray(kmeans.cluster_centers_, dtype=np.float64)
        raw = np.asarray(kmeans.labels_, dtype=np.int64)
        if len(fitted) < len(vectors):
            raw = _nearest_centre(vectors, centres)
        return raw, centres, np.full(k, -1, dtype=np.int64)
    owners = _owners(k, fixed)
    centres = _seeded_kmeans(vectors[fitted], fixed[fitted], owners, seed)
    return _constrained_nearest(vectors, centres, owners, fixed), centres, owners


def _n_init(n: int) -> int:
    return N_INIT_SMALL if n <= LARGE_SAMPLE else N_INIT_LARGE


def _owners(k: int, fixed: IntArray) -> IntArray:
    """The theme of each of k groups (-1: a group for documents without a theme): one per
    theme, the rest shared out by D'Hondt's highest averages over the themes' sizes and
    the number of free documents, never more groups than a pool has documents."""
    n_themes = int(fixed.max()) + 1
    pools = np.append(np.bincount(fixed[fixed >= 0], minlength=n_themes), np.sum(fixed < 0))
    groups = np.append(np.ones(n_themes, dtype=np.int64), 0)
    for _ in range(k - n_themes):
        score = np.where(groups < pools, pools / (groups + 1), -1.0)
        groups[int(np.argmax(score))] += 1
    return np.repeat(np.append(np.arange(n_themes), -1), groups).astype(np.int64)


def _constrained_nearest(
    vectors: FloatArray, centres: FloatArray, owners: IntArray, fixed: IntArray
) -> IntArray:
    """The nearest centre of each document among those it may join."""
    distance = (centres * centres).sum(axis=1) - 2.0 * vectors @ centres.T
    barred = (fixed[:, None] >= 0) & (owners[None, :] != fixed[:, None])
    distance[barred] = np.inf
    return np.asarray(np.argmin(distance, axis=1), dtype=np.int64)


def _seeded_kmeans(sample: FloatArray, fixed: IntArray, owners: IntArray, seed: int) -> FloatArray:
    rng = np.random.default_rng(seed)
    k = len(owners)
    best: tuple[float, FloatArray] | None = None
    for _ in range(_n_init(len(sample))):
        centres = _seeded_start(sample, fixed, owners, rng)
        labels = np.full(len(sample), -1, dtype=np.int64)
        for _iteration in range(SEEDED_MAX_ITER):
            new = _constrained_nearest(sample, centres, owners, fixed)
            if np.array_equal(new, labels):
                break
            labels = new
            for group in range(k):
                members = sample[labels == group]
                if len(members):  # an empty group keeps its centre
                    centres[group] = members.mean(axis=0)
        inertia = float(((sample - centres[labels]) ** 2).sum())
        if best is None or inertia < best[0]:
            best = (inertia, centres.copy())
    assert best is not None
    return best[1]


def _seeded_start(
    sample: FloatArray, fixed: IntArray, owners: IntArray, rng: np.random.Generator
) -> FloatArray:
    """Starting centres: a theme with one group starts at its documents' mean, one with
    more by k-means++ among its documents; the free groups by k-means++ among the free
    documents, away from the themes' centres."""
    centres = np.zeros((len(owners), sample.shape[1]))
    for theme in np.unique(owners[owners >= 0]):
        slots = np.flatnonzero(owners == theme)
        members = sample[fixed == theme]
        if len(members) == 0:  # a theme seeded only outside the sample: its free neighbours
            members = sample
        if len(slots) == 1:
            centres[slots[0]] = members.mean(axis=0)
        else:
            centres[slots] = _plus_plus(members, centres[:0], len(slots), rng)
    slots = np.flatnonzero(owners < 0)
    if len(slots):
        placed = centres[owners >= 0]
        centres[slots] = _plus_plus(sample[fixed < 0], placed, len(slots), rng)
    return centres


def _plus_plus(
    candidates: FloatArray, existing: FloatArray, count: int, rng: np.random.Generator
) -> FloatArray:
    """`count` starting centres drawn from `candidates`, each with probability proportional
    to its squared distance from the nearest centre so far (k-means++)."""
    chosen: list[FloatArray] = []
    if len(existing):
        distance = np.maximum(
            (candidates * candidates).sum(axis=1)
            + ((existing * existing).sum(axis=1) - 2.0 * candidates @ existing.T).min(axis=1),
            0.0,
        )
    else:
        distance = np.ones(len(candidates))
    for _ in range(count):
        total = distance.sum()
        if total > 0:
            index = int(rng.choice(len(candidates), p=distance / total))
        else:
            index = int(rng.integers(len(candidates)))
        chosen.append(candidates[index])
        distance = np.minimum(distance, ((candidates - candidates[index]) ** 2).sum(axis=1))
    return np.vstack(chosen)


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
