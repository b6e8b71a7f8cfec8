"""Similar and near-duplicate contributions: centred cosine on character n-gram TF-IDF.

Two uses: while a resident writes, show the published ideas most like the draft ("maybe
support this one instead?"); and for moderators, pairs similar enough to merge. No model to
train. Rows are char_wb 2-5-gram TF-IDF of the lowercased text (sublinear tf, idf ** 1.5,
fitted on the indexed items, every n-gram kept), unit length; the score is the cosine of the
rows after subtracting their mean. Measured with `python -m bench.duplicates` (the first half
of a Tempelhofer Feld proposal looks for its second half among all second halves), each step
adding top-5 hits: plain char TF-IDF, min_df 2, 56.5 %; the text without the appended
terms and every n-gram kept, 59.5 %; idf ** 1.5, 62.5 %; centring, 68.1 % (73.2 % where the
title counts as the first sentence, against 66.3 % for the plain baseline). Centring helps
most: long texts near the mean otherwise come up for every query ("hubs"). A block of
lemmas and compound parts, BM25, LSA and pseudo-relevance feedback did not help reliably.

Large indexes (see `EXACT_MAX_ENTRIES`) pick candidates with a dense low-rank copy and score
only those exactly; `python -m bench.scale` measures build time, latency and how many of the
exact top 5 survive.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from sklearn.utils.extmath import randomized_svd
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from nlp.text import AnalysedText, is_evidence
from nlp.vectors import CharNgramCounter, idf_weights, lowered_text, tfidf_of_one, tfidf_rows

# Default thresholds, measured on these scores (tests/nlp/test_duplicates.py checks them).
# Centring puts the typical pair near 0, so the figures are lower than plain cosines.
# - Demo data (49 ideas, 1,176 pairs; median pair -0.023, 99th percentile 0.076). The
#   deliberate near-duplicates score 0.428 (the two "WLAN am Marktplatz" ideas), 0.155
#   (Rufbus per App / Bus auf Bestellung), 0.090 (Kfz-Zulassung online, resident / car
#   dealer) and 0.082 (school WLAN, worded quite differently: the second finds the first
#   second, after "Kein Netz im Schulbus"); each pair but that one finds each other first. At
#   0.08: 11 pairs (0.9 %), these four, six on related topics (two bus apps, telemedicine,
#   building permits, apprenticeships, school network) and one false one (0.112).
# - FreiRaum Ottensen (697 real suggestions on street space in one district, 242,556
#   pairs; median -0.006, 99th percentile 0.088): one topic and the same street names
#   everywhere. At 0.08: 3,032 pairs (1.3 %), mostly the same street or the same measure
#   (two on parking in the Große Brunnenstraße: 0.138), reposts at 1.0. A homogeneous process
#   yields long lists: they come best first, and `limit` cuts them.
# - While typing: one-line drafts score 0.26-0.30 against the demo ideas they repeat (but
#   "Schul-WLAN" reaches "WLAN in der ganzen Schule" only at 0.043); a draft on a topic no
#   idea covers ("Mehr Radwege im Landkreis") at most 0.046. At 0.06, 55 % of demo ideas and
#   99.9 % of Ottensen suggestions show at least one similar item.
# The margins are thin (a reworded duplicate and two ideas on one topic score alike): word
# and n-gram overlap is all these vectors know.
DUPLICATE_THRESHOLD: Final = 0.08
SIMILAR_MIN_SCORE: Final = 0.06
# Rare n-grams weigh more than in plain TF-IDF: idf ** 1.5 (measured with the benchmark:
# 1.0 and 2.0 both find fewer second halves).
IDF_POWER: Final = 1.5
# The mean is taken as if this many more, empty, items were indexed: with a handful of items
# the mean is mostly those items themselves, and two alike ideas would lose to it.
CENTRE_SHRINK: Final = 10.0
# Up to this many stored entries a query scores every item exactly (a few milliseconds);
# above it, a dense low-rank copy picks candidates and only those are scored exactly.
EXACT_MAX_ENTRIES: Final = 4_000_000
DENSE_DIMENSIONS: Final = 96
DENSE_SAMPLE: Final = 20_000  # rows the low-rank basis is fitted on
CANDIDATES: Final = 300
# duplicate_pairs multiplies this many rows at a time: bounded memory for large indexes.
_BLOCK_ROWS: Final = 512
# best_pairs: above this many items, each item's partners are picked among the
# PAIR_CANDIDATES nearest in the dense low-rank copy and only those are scored exactly (the
# exact all-pairs product took 26 s for 10,000 texts on an idle machine, minutes on a busy one).
EXACT_PAIRS_MAX: Final = 3000
PAIR_CANDIDATES: Final = 40
_DENSE_BLOCK_CELLS: Final = 16_000_000  # approximate scores held at once (64 MB of float32)
_EXACT_PAIR_CHUNK: Final = 20_000  # candidate pairs scored exactly at once

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Match:
    id: int
    score: float  # centred cosine similarity, rounded to 3 decimals


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    a: int  # the smaller id
    b: int
    score: float  # centred cosine similarity, rounded to 3 decimals


class SimilarityIndex:
    """Contributions as unit-length char n-gram TF-IDF rows, searchable by centred cosine.

    Immutable once built, so one index can serve many threads; rebuild it when contributions
    change, in a worker thread (`python -m bench.scale` measured 4.5 s for 10,000 texts,
    14 s and 600 MB of arrays for 100,000; a query then takes 5 and 9 ms at p95). Picklable.
    `approximate` forces (True) or forbids (False) the dense candidate stage; by default it
    is used when the index holds more than `EXACT_MAX_ENTRIES` n-gram entries."""

    def __init__(
        self, docs: Sequence[AnalysedText], ids: Sequence[int], *, approximate: bool | None = None
    ) -> None:
        if len(docs) != len(ids):
            raise ValueError(f"got {len(docs)} texts but {len(ids)} ids")
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique")
        self._ids: IntArray = np.asarray(ids, dtype=np.int64)
        self._row = {int(id_): row for row, id_ in enumerate(ids)}
        self._counter = CharNgramCounter()
        counts = self._counter.fit_counts([lowered_text(doc) for doc in docs])
        self._idf = idf_weights(counts, IDF_POWER)
        self._matrix = tfidf_rows(counts, self._idf)
        n = len(ids)
        # Centring: hubs, long texts near the mean that come up for every query, lose their
        # pull (Suzuki et al., "Centering similarity measures to reduce hubs", 2013).
        total = np.asarray(self._matrix.sum(axis=0), dtype=np.float32).ravel()
        self._mean: Float32Array = total / np.float32(n + CENTRE_SHRINK) if n else total
        self._mean_square = float(self._mean @ self._mean)
        self._offsets: Float32Array = np.asarray(self._matrix @ self._mean, dtype=np.float32)
        self._lengths = self._centred_lengths(self._offsets, np.diff(self._matrix.indptr) > 0)
        self._basis: Float32Array | None = None
        self._dense: Float32Array | None = None
        if approximate is None:
            approximate = self._matrix.nnz > EXACT_MAX_ENTRIES
        if approximate and n > DENSE_DIMENSIONS:
            self._fit_dense()

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, id_: object) -> bool:
        return id_ in self._row

    @property
    def approximate(self) -> bool:
        """Whether queries go through the dense candidate stage."""
        return self._dense is not None

    @property
    def nbytes(self) -> int:
        """Memory of the arrays (the n-gram vocabulary, a dict, comes on top)."""
        arrays = [self._matrix.data, self._matrix.indices, self._matrix.indptr, self._idf]
        arrays += [self._mean, self._offsets, self._lengths, self._ids]
        arrays += [a for a in (self._basis, self._dense) if a is not None]
        return sum(a.nbytes for a in arrays)

    def most_similar(
        self,
        doc: AnalysedText,
        k: int = 5,
        min_score: float = SIMILAR_MIN_SCORE,
        *,
        exact: bool = False,
    ) -> list[Match]:
        """The k indexed items most like a text that is not in the index (a draft), best
        first, scoring at least `min_score`. `exact` scores every item even in a large index
        (slower; to check the candidate stage)."""
        if k <= 0:
            return []
        columns, values = tfidf_of_one(self._counter.ngram_ids(lowered_text(doc)), self._idf)
        return self._search(columns, values, k, min_score, exclude=None, exact=exact)

    def similar_to(self, id_: int, k: int = 5, min_score: float = SIMILAR_MIN_SCORE) -> list[Match]:
        """The k items most like an indexed item, itself left out. KeyError for unknown ids."""
        row = self._row[id_]
        if k <= 0:
            return []
        start, end = self._matrix.indptr[row], self._matrix.indptr[row + 1]
        columns = self._matrix.indices[start:end]
        return self._search(columns, self._matrix.data[start:end], k, min_score, exclude=row)

    def duplicate_pairs(
        self,
        threshold: float = DUPLICATE_THRESHOLD,
        limit: int | None = None,
        *,
        per_item: int | None = None,
    ) -> list[DuplicatePair]:
        """Pairs scoring at least `threshold`, best first, at most `limit`: merge suggestions.
        `per_item` keeps only each item's best partners (a pair stays if it is among the best
        of either side): a homogeneous process of 10,000 has hundreds of thousands of pairs
        above the threshold, and a moderator needs each item's likeliest twin.

        A sparse matrix product in blocks of rows; it grows with the square of the index
        (about a second for 2,000 long contributions, 26 s for 10,000, 44 s with `per_item`),
        so run it in a worker thread or job; `best_pairs` is faster on large indexes. Only
        pairs sharing an n-gram are scored; any two German sentences share some ("en ",
        " di"), and two texts sharing none would score at most the mean's squared length over
        their centred lengths (measured 0.067 / 0.93² for the demo)."""
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        scores: list[FloatArray] = []
        transposed = self._matrix.T.tocsr()
        for start in range(0, self._matrix.shape[0], _BLOCK_ROWS):
            block = (self._matrix[start : start + _BLOCK_ROWS] @ transposed).tocoo()
            row = block.row.astype(np.int64) + start
            col = block.col.astype(np.int64)
            # Both triangles when each item's best count, else the upper one is enough.
            wanted = col != row if per_item is not None else col > row
            row, col = row[wanted], col[wanted]
            score = self._centred(block.data[wanted], row, col)
            keep = np.flatnonzero(score >= threshold)
            if per_item is not None:
                keep = keep[_best_per_row(row[keep], score[keep], per_item)]
            rows.append(row[keep])
            cols.append(col[keep])
            scores.append(score[keep])
        if not rows:
            return []
        first = self._ids[np.concatenate(rows)]
        second = self._ids[np.concatenate(cols)]
        score = np.concatenate(scores)
        a, b = np.minimum(first, second), np.maximum(first, second)
        if per_item is not None:  # a pair found from both sides once
            _, unique = np.unique(np.stack([a, b]), axis=1, return_index=True)
            a, b, score = a[unique], b[unique], score[unique]
        order = np.lexsort((b, a, -score))[:limit]  # best first, then by ids: a stable list
        return [
            DuplicatePair(a=int(a[i]), b=int(b[i]), score=round(float(score[i]), 3)) for i in order
        ]

    def best_pairs(
        self,
        threshold: float = DUPLICATE_THRESHOLD,
        per_item: int = 3,
        limit: int | None = None,
        *,
        candidates: int = PAIR_CANDIDATES,
        exact: bool | None = None,
    ) -> list[DuplicatePair]:
        """Each item's best `per_item` partners scoring at least `threshold` (a pair stays if
        it is among the best of either side), best first, at most `limit`.

        Up to EXACT_PAIRS_MAX items (or with `exact`) every pair is scored (duplicate_pairs).
        Above, the dense low-rank copy (fitted now if the index has none) picks each item's
        `candidates` nearest, and only those pairs are scored exactly: the scores are exact,
        a partner the low-rank copy ranks below `candidates` is missed."""
        n = len(self)
        if exact is None:
            exact = n <= max(EXACT_PAIRS_MAX, DENSE_DIMENSIONS)
        if exact:
            return self.duplicate_pairs(threshold, limit, per_item=per_item)
        if self._dense is None:
            self._fit_dense()
        assert self._dense is not None
        first, second = self._candidate_rows(min(candidates, n - 1))
        dots = np.concatenate(
            [
                self._row_dots(
                    first[start : start + _EXACT_PAIR_CHUNK],
                    second[start : start + _EXACT_PAIR_CHUNK],
                )
                for start in range(0, len(first), _EXACT_PAIR_CHUNK)
            ]
        )
        score = self._centred(dots, first, second)
        keep = np.flatnonzero(score >= threshold)
        keep = keep[_best_per_row(first[keep], score[keep], per_item)]
        a = np.minimum(self._ids[first[keep]], self._ids[second[keep]])
        b = np.maximum(self._ids[first[keep]], self._ids[second[keep]])
        score = score[keep]
        _, unique = np.unique(np.stack([a, b]), axis=1, return_index=True)
        a, b, score = a[unique], b[unique], score[unique]
        order = np.lexsort((b, a, -score))[:limit]
        return [
            DuplicatePair(a=int(a[i]), b=int(b[i]), score=round(float(score[i]), 3)) for i in order
        ]

    def _candidate_rows(self, count: int) -> tuple[IntArray, IntArray]:
        """For every row, the `count` other rows the dense copy scores highest: (rows, others)."""
        assert self._dense is not None
        n = len(self)
        lengths = np.maximum(self._lengths, 1e-6)
        block = max(1, _DENSE_BLOCK_CELLS // n)
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        with threadpool_limits(limits=1):  # see _fit_dense: busy servers
            for start in range(0, n, block):
                end = min(n, start + block)
                approximate = self._dense[start:end] @ self._dense.T
                approximate -= self._offsets[start:end, None]
                approximate -= self._offsets[None, :]
                approximate += np.float32(self._mean_square)
                approximate /= lengths[start:end, None] * lengths[None, :]
                approximate[np.arange(end - start), np.arange(start, end)] = -np.inf
                best = np.argpartition(-approximate, count - 1, axis=1)[:, :count]
                rows.append(np.repeat(np.arange(start, end, dtype=np.int64), count))
                cols.append(best.ravel().astype(np.int64))
        return np.concatenate(rows), np.concatenate(cols)

    def _row_dots(self, first: IntArray, second: IntArray) -> FloatArray:
        """Exact dot products of the rows `first[i]` and `second[i]`."""
        product = self._matrix[first].multiply(self._matrix[second])
        return np.asarray(product.sum(axis=1), dtype=np.float64).ravel()

    # --- scoring -----------------------------------------------------------------------------

    def _centred_lengths(
        self, offsets: Float32Array, filled: npt.NDArray[np.bool_]
    ) -> Float32Array:
        # |x - m| for unit-length x: sqrt(1 - 2 x.m + m.m); 0 marks an empty text.
        squares = 1.0 - 2.0 * offsets + np.float32(self._mean_square)
        return np.where(filled, np.sqrt(np.maximum(squares, 1e-12)), 0.0).astype(np.float32)

    def _centred(self, dots: npt.ArrayLike, rows: IntArray, cols: IntArray) -> FloatArray:
        """Centred cosines of indexed rows from their plain dot products."""
        numerator = np.asarray(dots, dtype=np.float64) - self._offsets[rows] - self._offsets[cols]
        return (numerator + self._mean_square) / (self._lengths[rows] * self._lengths[cols])

    def _search(
        self,
        columns: npt.NDArray[np.int32] | IntArray,
        values: Float32Array,
        k: int,
        min_score: float,
        *,
        exclude: int | None,
        exact: bool = False,
    ) -> list[Match]:
        """The best k for a unit-length query row given as its columns and values."""
        if values.size == 0:
            return []  # an empty text, or nothing the index has seen
        dense = np.zeros(self._matrix.shape[1], dtype=np.float32)
        dense[columns] = values
        offset = float(values @ self._mean[columns])
        length = float(np.sqrt(max(1.0 - 2.0 * offset + self._mean_square, 1e-12)))
        rows: IntArray
        if self._dense is None or exact:
            rows = np.arange(self._matrix.shape[0])
            dots = np.asarray(self._matrix @ dense, dtype=np.float64)
        else:
            rows = self._candidates(columns, values, offset, max(CANDIDATES, 2 * k))
            dots = np.asarray(self._matrix[rows] @ dense, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = (dots - offset - self._offsets[rows] + self._mean_square) / (
                length * self._lengths[rows]
            )
        scores[self._lengths[rows] == 0] = -np.inf  # empty texts match nothing
        if exclude is not None:
            scores[rows == exclude] = -np.inf
        keep = np.flatnonzero(scores >= min_score)
        if len(keep) > k:  # partial sort: only the best k need ordering
            keep = keep[np.argpartition(-scores[keep], k - 1)[:k]]
        ids = self._ids[rows[keep]]
        order = np.lexsort((ids, -scores[keep]))
        return [Match(id=int(ids[i]), score=round(float(scores[keep][i]), 3)) for i in order]

    # --- the dense candidate stage ------------------------------------------------------------

    def _fit_dense(self) -> None:
        """A rank-DENSE_DIMENSIONS basis of the rows (latent semantic analysis), fitted on a
        fixed sample; each row's coordinates in it approximate its dot products."""
        n = self._matrix.shape[0]
        rng = np.random.default_rng(0)
        sample = np.sort(rng.choice(n, size=min(n, DENSE_SAMPLE), replace=False))
        with threadpool_limits(limits=1):  # see nlp.clustering: busy servers
            _, _, components = randomized_svd(
                self._matrix[sample], DENSE_DIMENSIONS, n_iter=4, random_state=0
            )
            self._basis = np.ascontiguousarray(components.T, dtype=np.float32)
            self._dense = np.asarray(self._matrix @ self._basis, dtype=np.float32)

    def _candidates(
        self,
        columns: npt.NDArray[np.int32] | IntArray,
        values: Float32Array,
        offset: float,
        count: int,
    ) -> IntArray:
        assert self._basis is not None
        assert self._dense is not None
        # einsum, not BLAS: BLAS threads fighting over a busy server's cores made this
        # matrix-vector product ten times slower.
        coordinates = np.einsum("i,ij->j", values, self._basis[columns])
        approximate = np.einsum("ij,j->i", self._dense, coordinates)
        scores = (approximate - offset - self._offsets + self._mean_square) / np.maximum(
            self._lengths, 1e-6
        )
        if count >= len(scores):
            return np.arange(len(scores))
        return np.sort(np.argpartition(-scores, count - 1)[:count]).astype(np.int64)


def _best_per_row(rows: IntArray, scores: FloatArray, n: int) -> IntArray:
    """Positions of the `n` best scores of each row (rows and scores side by side)."""
    order = np.lexsort((-scores, rows))
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return np.sort(order[rank < n]).astype(np.int64)


def shared_terms(
    first: AnalysedText, second: AnalysedText, weights: dict[str, float], limit: int = 8
) -> list[str]:
    """The words two texts share that say something (see `is_evidence`), the heaviest first
    (`weights`: e.g. the inverse of how many texts of the process use the word), at most
    `limit`: shown to moderators as why two texts were paired."""
    common = {t for t in first.terms if is_evidence(t)} & set(second.terms)
    return sorted(common, key=lambda t: (-weights.get(t, 0.0), t))[:limit]


def term_weights(docs: Sequence[AnalysedText]) -> dict[str, float]:
    """Each term's inverse document frequency over `docs` (log(n / df)), for `shared_terms`."""
    frequency: Counter[str] = Counter()
    for doc in docs:
        frequency.update(set(doc.terms))
    n = len(docs)
    return {term: math.log(n / df) for term, df in frequency.items()}
