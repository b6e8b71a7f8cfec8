"""NLP at scale: preprocessing throughput, the latency of tagging one new contribution and
finding its similar ones, and clustering, on corpora of 10,000 and 100,000 contributions.

The corpora are the shared real data (FreiRaum Ottensen suggestions, Tempelhofer Feld
proposals and comments, Krefeld contributions and Bonn survey answers, about 4,100 texts)
resampled with replacement to size. Each copy is perturbed so that rows are not identical
and the vocabulary grows with the corpus as real text does: every sentence is kept with
probability 0.8 (at least one), half the copies get one sentence of another random text
appended, and one word in each copy gets two neighbouring letters swapped (a typo).

Clustering runs in a child process (spawned, so it starts without this process's memory);
its peak resident memory is the child's own high-water mark (VmHWM), interpreter, libraries
and the documents included; `before_clustering_megabytes` says how much of it they are.

Usage: `python -m bench.scale [--sizes 10000 100000] [--queries 200] [--json PATH]`.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import pickle
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Final, TextIO

import numpy as np

from bench.duplicates import sentences
from nlp.clustering import cluster
from nlp.datasets import tempelhofer_rows
from nlp.duplicates import SimilarityIndex
from nlp.tagging import SupervisedTagger, train_tagger
from nlp.text import AnalysedText, GermanAnalyzer, join_fields

SHARED_DATA: Final = Path(__file__).resolve().parents[2] / "shared" / "data"
SIZES: Final = (10_000, 100_000)
QUERIES: Final = 200
WARM_UP: Final = 20
SEED: Final = 0
LATENCY_TARGET_MS: Final = 20.0
CLUSTER_TARGET_SECONDS: Final = 60.0
CLUSTER_TARGET_BYTES: Final = 2 * 1024**3


def _sentence_table(name: str) -> list[list[str]]:
    """The sentences of each document of a one-sentence-per-row TSV, in order."""
    documents: dict[str, list[tuple[int, str]]] = defaultdict(list)
    with (SHARED_DATA / name / "sentences.tsv").open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file, delimiter="\t"):
            documents[row["document_id"]].append((int(row["sentence_nr"]), row["content"]))
    return [[text for _, text in sorted(parts)] for parts in documents.values()]


def source_texts() -> tuple[list[str], list[tuple[str, ...]]]:
    """Every shared text, and the theme labels of the first ones (FreiRaum Ottensen) for
    training a tagger."""
    with (SHARED_DATA / "freiraum-ottensen" / "contributions.csv").open(
        newline="", encoding="utf-8"
    ) as file:
        rows = list(csv.DictReader(file))
    names = list(rows[0])[4:]
    texts = [join_fields([row["title"], row["text"]]) for row in rows]
    labels = [tuple(n for n in names if row[n] == "1") for row in rows]
    for proposal in tempelhofer_rows(SHARED_DATA / "tempelhofer-feld" / "proposals.json"):
        texts.append(join_fields([proposal["title"], proposal["text"]]))
        texts.extend(c for c in proposal["comments"].split("\n\n") if c.strip())
    for name in ("krefeld-bewegen", "survey-bonn"):
        texts.extend(" ".join(parts) for parts in _sentence_table(name))
    return texts, labels


def resample(texts: Sequence[str], size: int, seed: int = SEED) -> list[str]:
    """`size` perturbed copies of random texts (see the module docstring); deterministic."""
    rng = random.Random(seed)  # noqa: S311 (sampling, not secrets)
    split = [sentences(text) or [text] for text in texts]
    result = []
    for _ in range(size):
        parts = rng.choice(split)
        kept = [part for part in parts if rng.random() < 0.8] or [rng.choice(parts)]
        if rng.random() < 0.5:
            kept.append(rng.choice(rng.choice(split)))
        words = " ".join(kept).split()
        typo = rng.randrange(len(words))
        word = words[typo]
        if len(word) > 3:
            at = rng.randrange(len(word) - 1)
            words[typo] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        result.append(" ".join(words))
    return result


def _percentile_ms(seconds: Sequence[float], q: float) -> float:
    return round(float(np.percentile(seconds, q)) * 1000, 2)


def measure_preprocessing(analyzer: GermanAnalyzer, texts: Sequence[str]) -> dict[str, float]:
    analyzer.analyse(texts[:100])  # warm up (the word cache starts empty in production too)
    started = time.perf_counter()
    analyzer.analyse(texts)
    seconds = time.perf_counter() - started
    return {
        "texts": len(texts),
        "seconds": round(seconds, 2),
        "per_second": round(len(texts) / seconds),
    }


def measure_queries(
    analyzer: GermanAnalyzer,
    tagger: SupervisedTagger,
    docs: Sequence[AnalysedText],
    new_texts: Sequence[str],
) -> dict[str, object]:
    """Build the index, then time analyse + tag + most_similar for each new text."""
    started = time.perf_counter()
    index = SimilarityIndex(docs, list(range(len(docs))))
    build_seconds = time.perf_counter() - started
    for text in new_texts[:WARM_UP]:
        doc = analyzer.analyse_one(text)
        tagger.tag([doc])
        index.most_similar(doc, 5)
    steps: dict[str, list[float]] = {"analyse": [], "tag": [], "similar": [], "total": []}
    recall: list[float] = []
    ratio: list[float] = []
    for text in new_texts[WARM_UP:]:
        t0 = time.perf_counter()
        doc = analyzer.analyse_one(text)
        t1 = time.perf_counter()
        tagger.tag([doc])
        t2 = time.perf_counter()
        found = index.most_similar(doc, 5, min_score=-np.inf)
        t3 = time.perf_counter()
        steps["analyse"].append(t1 - t0)
        steps["tag"].append(t2 - t1)
        steps["similar"].append(t3 - t2)
        steps["total"].append(t3 - t0)
        if index.approximate:  # how many of the exact top 5 the candidate stage kept
            exact = index.most_similar(doc, 5, min_score=-np.inf, exact=True)
            best = {m.id for m in exact}
            recall.append(len(best & {m.id for m in found}) / len(best))
            # Resampled copies tie: a miss may be as good as the item it replaced.
            ratio.append(sum(m.score for m in found) / sum(m.score for m in exact))
    result: dict[str, object] = {
        "index_build_seconds": round(build_seconds, 1),
        "index_megabytes": round(index.nbytes / 1024**2),
        "approximate": index.approximate,
        "queries": len(steps["total"]),
    }
    for step, seconds in steps.items():
        result[f"{step}_p50_ms"] = _percentile_ms(seconds, 50)
        result[f"{step}_p95_ms"] = _percentile_ms(seconds, 95)
    if recall:
        result["recall_at_5_vs_exact"] = round(float(np.mean(recall)), 3)
        result["score_ratio_vs_exact"] = round(float(np.mean(ratio)), 4)
    return result


def _peak_rss() -> int:
    """This process's peak resident memory in bytes. Linux's VmHWM, not ru_maxrss: a child
    started by fork and exec keeps in ru_maxrss the parent's size at the fork."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB elsewhere
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def _cluster_child(path: str, queue: multiprocessing.Queue[dict[str, object]]) -> None:
    with open(path, "rb") as file:
        docs = pickle.load(file)  # noqa: S301 (written by the parent just now)
    loaded = _peak_rss()  # the interpreter, the libraries and the documents
    started = time.perf_counter()
    result = cluster(docs)
    seconds = time.perf_counter() - started
    peak = _peak_rss()
    queue.put(
        {
            "seconds": round(seconds, 1),
            "peak_megabytes": round(peak / 1024**2),
            "before_clustering_megabytes": round(loaded / 1024**2),
            "k": result.k,
            "k_bounds": list(result.k_bounds),
            "silhouette": round(result.silhouette, 3),
            "silhouette_k": result.silhouette_k,
        }
    )


def measure_clustering(docs: Sequence[AnalysedText]) -> dict[str, object]:
    """`cluster(docs)` in a fresh spawned process: its time and its peak memory, which
    includes the interpreter, the libraries and the documents themselves."""
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[dict[str, object]] = context.Queue()
    with tempfile.NamedTemporaryFile(suffix=".pickle") as file:
        pickle.dump(list(docs), file)
        file.flush()
        child = context.Process(target=_cluster_child, args=(file.name, queue))
        child.start()
        result = queue.get()
        child.join()
    return result


def measure(sizes: Sequence[int] = SIZES, queries: int = QUERIES) -> dict[str, object]:
    if not (SHARED_DATA / "freiraum-ottensen" / "contributions.csv").exists():
        return {"skipped": f"shared data not found at {SHARED_DATA}"}
    texts, labels = source_texts()
    analyzer = GermanAnalyzer.create()
    tagger = train_tagger(analyzer.analyse(texts[: len(labels)]), labels, multilabel=True)
    new_texts = resample(texts, queries + WARM_UP, seed=SEED + 1)
    report: dict[str, object] = {"source_texts": len(texts), "sizes": {}}
    for size in sizes:
        corpus = resample(texts, size)
        preprocessing = measure_preprocessing(analyzer, corpus)
        docs = analyzer.analyse(corpus)
        row: dict[str, object] = {"preprocessing": preprocessing}
        row["query"] = measure_queries(analyzer, tagger, docs, new_texts)
        row["clustering"] = measure_clustering(docs)
        report["sizes"][str(size)] = row  # type: ignore[index]
        print_row(size, row, file=sys.stderr)  # progress: a full run takes minutes
    return report


def print_row(size: int, row: dict[str, object], file: TextIO | None = None) -> None:
    pre, query, clustering = row["preprocessing"], row["query"], row["clustering"]
    assert isinstance(pre, dict)
    assert isinstance(query, dict)
    assert isinstance(clustering, dict)
    print(
        f"{size:>8,} {pre['per_second']:>9,}/s {query['index_build_seconds']:>7.1f} s"
        f" {query['index_megabytes']:>6} MB {query['analyse_p95_ms']:>8.2f}"
        f" {query['tag_p95_ms']:>7.2f} {query['similar_p95_ms']:>8.2f}"
        f" {query['total_p95_ms']:>8.2f} {query.get('recall_at_5_vs_exact', '-'):>6}"
        f" {clustering['seconds']:>7.1f} s {clustering['peak_megabytes']:>6} MB"
        f" {clustering['k']:>3} {_k_range(clustering):>7} {clustering.get('silhouette_k', '-'):>5}",
        file=file or sys.stdout,  # looked up now: `python -m bench` redirects stdout
    )


def _k_range(clustering: dict[str, object]) -> str:
    bounds = clustering.get("k_bounds")
    return f"{bounds[0]}-{bounds[1]}" if isinstance(bounds, list) else "-"


# k: the groups chosen (from the range people can read, by silhouette within it);
# silh. k: what the silhouette alone would have chosen among the ks fitted.
HEADER: Final = (
    f"{'':>8} {'analyse':>11} {'index':>9} {'index':>9} {'---------- p95 ms ----------':>35}"
    f" {'recall':>6} {'cluster':>9} {'cluster':>9} {'':>3} {'k':>7} {'silh.':>5}\n"
    f"{'texts':>8} {'texts/s':>11} {'build':>9} {'memory':>9} {'analyse':>8} {'tag':>7}"
    f" {'similar':>8} {'total':>8} {'vs exact':>6} {'time':>9} {'peak RSS':>9} {'k':>3}"
    f" {'range':>7} {'k':>5}"
)


def print_table(report: dict[str, object]) -> None:
    if "skipped" in report:
        print(f"scale: {report['skipped']}")
        return
    print(
        f"NLP at scale ({report['source_texts']} shared texts resampled; targets: p95 total"
        f" < {LATENCY_TARGET_MS:.0f} ms, clustering < {CLUSTER_TARGET_SECONDS:.0f} s and"
        f" < {CLUSTER_TARGET_BYTES / 1024**3:.0f} GiB at 100,000)"
    )
    print(HEADER)
    sizes = report["sizes"]
    assert isinstance(sizes, dict)
    for size, row in sizes.items():
        print_row(int(size), row)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--queries", type=int, default=QUERIES)
    parser.add_argument("--json", type=Path, default=Path("var/bench/nlp-scale.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    result = measure(args.sizes, args.queries)
    result["seconds"] = round(time.perf_counter() - started)
    print_table(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
