"""The analyzer serves several worker threads at once (tagging after a submission, the
similar-ideas panel, clustering) without losing spaCy's strings."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from nlp.text import AnalysedText, GermanAnalyzer

WORDS = [
    "Glasfaser",
    "Breitbandausbau",
    "Homeoffice",
    "Schulweg",
    "Bürgerbüro",
    "Rufbus",
    "Marktplatz",
]


def test_threads_analysing_at_once_get_their_own_terms(analyzer: GermanAnalyzer) -> None:
    def work(seed: int) -> list[AnalysedText]:
        rng = random.Random(seed)
        # Words nobody used before, so each text interns new strings in its memory zone.
        texts = [
            " ".join(
                rng.choice(WORDS) + "".join(rng.choices("aeioulmnrst", k=8)) for _ in range(20)
            )
            for _ in range(100)
        ]
        return [analyzer.analyse_one(text) for text in texts]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(4)))
    assert [len(docs) for docs in results] == [100] * 4
    assert all(doc.terms for docs in results for doc in docs)
