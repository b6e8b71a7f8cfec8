"""Throughput of the German text pipeline and of tagging, on one core.

Uses FreiRaum Ottensen from the shared data when it lies beside the repository, else the
demo ideas, repeated to a few thousand texts.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from nlp.tagging import train_tagger
from nlp.text import GermanAnalyzer, join_fields
from participation import demo_content

OTTENSEN = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "freiraum-ottensen"
    / "contributions.csv"
)


def _texts() -> tuple[str, list[str], list[tuple[str, ...]]]:
    if OTTENSEN.exists():
        with OTTENSEN.open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        names = list(rows[0])[4:]
        texts = [join_fields([r["title"], r["text"]]) for r in rows]
        return "FreiRaum Ottensen", texts, [tuple(n for n in names if r[n] == "1") for r in rows]
    items = demo_content.CONTRIBUTIONS
    texts = [join_fields([i["title"], i["body"]]) for i in items]
    return "demo ideas", texts, [tuple(i["themes"]) for i in items]


def measure() -> dict[str, object]:
    source, texts, labels = _texts()
    repeated = (texts * (3000 // len(texts) + 1))[:3000]
    analyzer = GermanAnalyzer.create()
    analyzer.analyse(texts[:50])  # warm up
    started = time.perf_counter()
    docs = analyzer.analyse(repeated)
    analyse_rate = len(docs) / (time.perf_counter() - started)
    started = time.perf_counter()
    tagger = train_tagger(docs[: len(texts)], labels, multilabel=True)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    tagger.probabilities(docs)
    tag_rate = len(docs) / (time.perf_counter() - started)
    return {
        "source": source,
        "texts": len(repeated),
        "mean_characters": round(sum(map(len, repeated)) / len(repeated)),
        "analyse_per_second": round(analyse_rate),
        "train_seconds": round(train_seconds, 2),
        "tag_per_second": round(tag_rate),
    }
