"""Similar and near-duplicate contributions: cosine similarity on character n-gram TF-IDF.

Two uses: while a resident writes, show the published ideas most like the draft ("maybe
support this one instead?"); and for moderators, pairs similar enough to merge. TF-IDF rows
are L2-normalised, so cosine similarity is a sparse dot product; no model to train.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.features import char_vectorizer
from nlp.text import AnalysedText

# Default thresholds, measured on these vectors (tests/nlp/test_duplicates.py checks them):
# - Demo data (49 ideas, 1,176 pairs; median pair 0.109, 99th percentile 0.222). The
#   deliberate near-duplicates score 0.313 (Rufbus per App / Bus auf Bestellung), 0.261
#   (Kfz-Zulassung online, resident / car dealer) and 0.199 (school WLAN, worded quite
#   differently: each finds the other second, after another WLAN or school-bus idea). The
#   two "WLAN am Marktplatz" ideas score 0.573. At 0.25: 5 pairs (0.4 %), these three and
#   internships / apprenticeships (0.272, related) and one false one (0.258, two ideas
#   from the same village and station).
# - FreiRaum Ottensen (697 real suggestions on street space in one district, 242,556
#   pairs; median 0.096, 99th percentile 0.236): one topic and the same street names
#   everywhere lift every score. At 0.25: 1,671 pairs (0.7 %); real duplicates appear down
#   to about 0.29 (two on parking in the Große Brunnenstraße: 0.288), reposts above 0.9.
#   A homogeneous process yields long lists: they come best first, and `limit` cuts them.
# - While typing: one-line drafts score 0.21-0.43 against the demo ideas they repeat (but
#   "Schul-WLAN" reaches "WLAN in der ganzen Schule" only at 0.148); a draft on a topic no
#   idea covers ("Mehr Radwege im Landkreis") at most 0.13. At 0.18, 73 % of demo ideas
#   and 99 % of Ottensen suggestions show at least one similar item, and the school WLAN
#   pair finds each other.
# The margins are thin (a reworded duplicate and two ideas on one topic score alike): word
# and n-gram overlap is all these vectors know.
DUPLICATE_THRESHOLD: Final = 0.25
SIMILAR_MIN_SCORE: Final = 0.18
# duplicate_pairs multiplies this many rows at a time: bounded memory for large indexes.
_BLOCK_ROWS: Final = 512

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Match:
    id: int
    score: float  # cosine similarity, rounded to 3 decimals


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    a: int  # the smaller id
    b: int
    score: float  # cosine similarity, rounded to 3 decimals


class SimilarityIndex:
    """Contributions as unit-length char TF-IDF rows, searchable by cosine similarity.

    Immutable once built, so one index can serve many threads; rebuild it when contributions
    change, in a worker thread (about a second for 2,000 long contributions, nearly all of it
    scikit-learn's n-gram counting). A query takes a few milliseconds. Picklable."""

    def __init__(self, docs: Sequence[AnalysedText], ids: Sequence[int]) -> None:
        if len(docs) != len(ids):
            raise ValueError(f"got {len(docs)} texts but {len(ids)} ids")
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique")
        self._ids: IntArray = np.asarray(ids, dtype=np.int64)
        self._row = {int(id_): row for row, id_ in enumerate(ids)}
        self._vectorizer: TfidfVectorizer | None = None
        self._matrix = sp.csr_matrix((len(ids), 0), dtype=np.float64)
        # Without any text (a process with no ideas yet) every query finds nothing.
        if any(doc.normalised.strip() for doc in docs):
            self._vectorizer = char_vectorizer(len(docs))
            self._matrix = sp.csr_matrix(self._vectorizer.fit_transform(docs), dtype=np.float64)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, id_: object) -> bool:
        return id_ in self._row

    def most_similar(
        self, doc: AnalysedText, k: int = 5, min_score: float = SIMILAR_MIN_SCORE
    ) -> list[Match]:
        """The k indexed items most like a text that is not in the index (a draft), best
        first, scoring at least `min_score`."""
        if self._vectorizer is None or k <= 0:
            return []
        query = self._vectorizer.transform([doc])
        return self._top(self._scores(query), k, min_score, exclude=None)

    def similar_to(self, id_: int, k: int = 5, min_score: float = SIMILAR_MIN_SCORE) -> list[Match]:
        """The k items most like an indexed item, itself left out. KeyError for unknown ids."""
        row = self._row[id_]
        if self._vectorizer is None or k <= 0:
            return []
        return self._top(self._scores(self._matrix[row]), k, min_score, exclude=row)

    def duplicate_pairs(
        self, threshold: float = DUPLICATE_THRESHOLD, limit: int | None = None
    ) -> list[DuplicatePair]:
        """Pairs scoring at least `threshold`, best first, at most `limit`: merge suggestions.

        A sparse matrix product in blocks of rows, keeping the upper triangle only; about a
        second for 2,000 long contributions, so run it in a worker thread."""
        if self._vectorizer is None:
            return []
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        scores: list[FloatArray] = []
        transposed = self._matrix.T.tocsr()
        for start in range(0, self._matrix.shape[0], _BLOCK_ROWS):
            block = (self._matrix[start : start + _BLOCK_ROWS] @ transposed).tocoo()
            row = block.row.astype(np.int64) + start
            col = block.col.astype(np.int64)
            keep = (col > row) & (block.data >= threshold)
            rows.append(row[keep])
            cols.append(col[keep])
            scores.append(np.asarray(block.data[keep], dtype=np.float64))
        first = self._ids[np.concatenate(rows)]
        second = self._ids[np.concatenate(cols)]
        score = np.concatenate(scores)
        a, b = np.minimum(first, second), np.maximum(first, second)
        order = np.lexsort((b, a, -score))[:limit]  # best first, then by ids: a stable list
        return [
            DuplicatePair(a=int(a[i]), b=int(b[i]), score=round(float(score[i]), 3)) for i in order
        ]

    def _scores(self, query: sp.spmatrix) -> FloatArray:
        # Against a dense query vector: five times faster than a sparse-sparse product here.
        dense = np.asarray(query.toarray(), dtype=np.float64).ravel()
        return np.asarray(self._matrix @ dense, dtype=np.float64)

    def _top(
        self, scores: FloatArray, k: int, min_score: float, exclude: int | None
    ) -> list[Match]:
        if exclude is not None:
            scores = scores.copy()
            scores[exclude] = -np.inf
        candidates = np.flatnonzero(scores >= min_score)
        if len(candidates) > k:  # partial sort: only the best k need ordering
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        order = candidates[np.lexsort((self._ids[candidates], -scores[candidates]))]
        return [Match(id=int(self._ids[i]), score=round(float(scores[i]), 3)) for i in order]
