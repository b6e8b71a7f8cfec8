"""Duplicate retrieval on the Tempelhofer Feld proposals: does half an idea find the rest?

Each proposal with at least two sentences is split into a first half (the title and the
first ceil(n/2) sentences) and a second half (the other sentences). Every first half searches
all second halves; a hit is the proposal's own second half among the top 5. The issue asks
for >= 70 %; a plain character n-gram TF-IDF baseline, measured here in the same way, gets
about 65 %. Our `SimilarityIndex` is built on the second halves just as the web app builds
it on the published ideas, and queried through `most_similar` with no minimum score.

Usage: `python -m bench.duplicates [--json PATH]` (about 10 seconds).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.datasets import tempelhofer_rows
from nlp.duplicates import SimilarityIndex
from nlp.text import default_analyzer, join_fields

TEMPELHOFER: Final = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "tempelhofer-feld" / "proposals.json"
)
TOP: Final = 5
TARGET: Final = 0.70

# A sentence ends at . ! ? (or a run of them) before whitespace and a capital, digit or
# quote, or at a line break; not after a common abbreviation or a one-letter initial, and
# not after a one- or two-digit number ("am 1. Mai", "im 19. Jahrhundert").
_ABBREVIATIONS: Final = frozenset(
    {"bzw", "ca", "usw", "etc", "evtl", "ggf", "inkl", "incl", "insb", "vgl", "bspw", "zb"}
    | {"zt", "dh", "ua", "uä", "sog", "str", "nr", "abs", "tel", "dr", "prof", "mio", "mrd"}
)
_BOUNDARY: Final = re.compile(r"[.!?…]+[\"'»«“”)]*(?=\s+[\"'»«„“(]*[A-ZÄÖÜ0-9])|\n")
_LAST_WORD: Final = re.compile(r"([\wäöüß.]+)[.!?…]+[\"'»«“”)]*$")


def sentences(text: str) -> list[str]:
    """A simple German-aware sentence splitter, good enough to halve a proposal."""
    result: list[str] = []
    start = 0
    ends = [match.end() for match in _BOUNDARY.finditer(text)]
    for end in [*ends, len(text)]:
        candidate = text[start:end].strip()
        last = _LAST_WORD.search(candidate)
        word = last.group(1).replace(".", "").lower() if last else ""
        if end < len(text) and (
            word in _ABBREVIATIONS or len(word) == 1 or (word.isdigit() and len(word) <= 2)
        ):
            continue  # "z. B.", "Nr.", "J. Müller", "am 1. Mai": not an end
        if candidate:
            result.append(candidate)
        start = end
    return result


def halves(rows: Sequence[dict[str, str]], *, titled: bool) -> tuple[list[str], list[str]]:
    """First halves (with the title) and second halves of the proposals with >= 2 sentences.

    titled=False: the description's sentences are halved and the title goes before the first
    half (the rule as the benchmark was specified). titled=True: the title counts as the
    first sentence; on this reading the plain baseline scores the 65 % the issue quotes."""
    first: list[str] = []
    second: list[str] = []
    for row in rows:
        if titled:
            parts = sentences(join_fields([row["title"], row["text"]]))
        else:
            parts = sentences(row["text"])
        if len(parts) < 2:
            continue
        cut = math.ceil(len(parts) / 2)
        head = " ".join(parts[:cut])
        first.append(head if titled else join_fields([row["title"], head]))
        second.append(" ".join(parts[cut:]))
    return first, second


def baseline_ranks(queries: Sequence[str], corpus: Sequence[str]) -> list[int]:
    """Char_wb 2-5-gram TF-IDF on the lowercased raw text, sublinear tf, min_df 2, fitted on
    the searched corpus (the second halves); cosine similarity."""
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
    )
    matrix = vectorizer.fit_transform(corpus)
    scores = (vectorizer.transform(queries) @ matrix.T).toarray()
    return [_rank(row, i) for i, row in enumerate(scores)]


def index_ranks(queries: Sequence[str], corpus: Sequence[str]) -> list[int]:
    """The rank `SimilarityIndex.most_similar` gives each query's own second half."""
    analyzer = default_analyzer()
    index = SimilarityIndex(analyzer.analyse(corpus), list(range(len(corpus))))
    ranks = []
    for i, query in enumerate(analyzer.analyse(queries)):
        found = [m.id for m in index.most_similar(query, k=len(corpus), min_score=-np.inf)]
        ranks.append(found.index(i) + 1 if i in found else len(corpus) + 1)
    return ranks


def _rank(scores: np.ndarray, target: int) -> int:
    # Ties count against the target: a rank is only as good as the items it strictly beats.
    return int(np.count_nonzero(scores >= scores[target]))


def _summary(ranks: Sequence[int], seconds: float) -> dict[str, float]:
    array = np.asarray(ranks)
    return {
        "top1": round(float(np.mean(array <= 1)), 3),
        f"top{TOP}": round(float(np.mean(array <= TOP)), 3),
        "mrr": round(float(np.mean(1.0 / array)), 3),
        "seconds": round(seconds, 2),
    }


SPLITS: Final = {"title + halved description": False, "title as first sentence": True}


def measure(path: Path = TEMPELHOFER) -> dict[str, object]:
    if not path.exists():
        return {"skipped": f"shared data not found at {path}"}
    rows = tempelhofer_rows(path)
    methods: dict[str, Callable[[Sequence[str], Sequence[str]], list[int]]] = {
        "baseline": baseline_ranks,
        "ours": index_ranks,
    }
    result: dict[str, object] = {"target_top5": TARGET}
    for split, titled in SPLITS.items():
        queries, corpus = halves(rows, titled=titled)
        found: dict[str, object] = {"proposals": len(queries)}
        for name, ranks_of in methods.items():
            started = time.perf_counter()
            ranks = ranks_of(queries, corpus)
            found[name] = _summary(ranks, time.perf_counter() - started)
        result[split] = found
    return result


def print_table(result: dict[str, object]) -> None:
    if "skipped" in result:
        print(f"duplicates: {result['skipped']}")
        return
    print(f"Duplicate retrieval, Tempelhofer Feld (target: top-5 >= {TARGET:.0%})")
    print(f"{'split':<29}{'n':>5} {'method':<10}{'top-1':>8}{'top-5':>8}{'MRR':>8}{'seconds':>9}")
    for split in SPLITS:
        found = result[split]
        assert isinstance(found, dict)
        for name in ("baseline", "ours"):
            row = found[name]
            print(
                f"{split:<29}{found['proposals']:>5} {name:<10}{row['top1']:>8.1%}"
                f"{row['top5']:>8.1%}{row['mrr']:>8.3f}{row['seconds']:>9.2f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    report = measure()
    print_table(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
