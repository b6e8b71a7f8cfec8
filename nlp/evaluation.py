"""Evaluation of the platform's own tagger and clustering on any labelled data.

The numbers come from the same code the app uses (`train_tagger`, `cluster`), under k-fold
cross-validation; `participation nlp evaluate` prints them as JSON.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    adjusted_rand_score,
    f1_score,
    normalized_mutual_info_score,
)
from sklearn.model_selection import KFold, StratifiedKFold

from nlp.clustering import Clustering, cluster
from nlp.datasets import Dataset
from nlp.tagging import SupervisedTagger, review_priority, train_tagger
from nlp.text import AnalysedText, GermanAnalyzer

Metrics = dict[str, Any]
# The share of items whose labels a seeded clustering is given, as confirmed themes.
SEED_SHARE = 0.2


def indicator(labels: Sequence[Sequence[str]], names: Sequence[str]) -> np.ndarray:
    """Label sets as a 0/1 matrix, one column per name in `names`."""
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(labels), len(names)), dtype=np.int64)
    for row, row_labels in enumerate(labels):
        for label in row_labels:
            matrix[row, index[label]] = 1
    return matrix


def scores(
    truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], dataset: Dataset
) -> Metrics:
    """Accuracy (exact match of the label set), micro- and macro-F1, F1 per label."""
    names = dataset.label_names
    if dataset.multilabel:
        y, p = indicator(truth, names), indicator(predicted, names)
        per_label = f1_score(y, p, average=None, zero_division=0)
        return {
            "accuracy": round(float(accuracy_score(y, p)), 4),
            "micro_f1": round(float(f1_score(y, p, average="micro", zero_division=0)), 4),
            "macro_f1": round(float(f1_score(y, p, average="macro", zero_division=0)), 4),
            "f1_per_label": {n: round(float(v), 4) for n, v in zip(names, per_label, strict=True)},
        }
    y_true = [row[0] for row in truth]
    y_pred = [row[0] for row in predicted]
    per_label = f1_score(y_true, y_pred, labels=list(names), average=None, zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "micro_f1": round(float(f1_score(y_true, y_pred, average="micro", zero_division=0)), 4),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=list(names), average="macro", zero_division=0)),
            4,
        ),
        "f1_per_label": {n: round(float(v), 4) for n, v in zip(names, per_label, strict=True)},
    }


def _splits(dataset: Dataset, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    n = len(dataset.texts)
    if dataset.multilabel:
        return list(KFold(folds, shuffle=True, random_state=seed).split(np.zeros(n)))
    y = [row[0] for row in dataset.labels]
    return list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(n), y))


def _train(
    docs: Sequence[AnalysedText], dataset: Dataset, idx: Sequence[int], seed: int
) -> SupervisedTagger:
    return train_tagger(
        [docs[i] for i in idx],
        [dataset.labels[i] for i in idx],
        multilabel=dataset.multilabel,
        label_names=dataset.label_names if dataset.multilabel else None,
        seed=seed,
    )


def cross_validate(
    docs: Sequence[AnalysedText], dataset: Dataset, folds: int, seed: int
) -> tuple[Metrics, list[tuple[str, ...]]]:
    predicted: list[tuple[str, ...]] = [()] * len(docs)
    for train, test in _splits(dataset, folds, seed):
        tagger = _train(docs, dataset, train.tolist(), seed)
        for i, labels in zip(test, tagger.predict([docs[i] for i in test]), strict=True):
            predicted[i] = labels
    metrics = {"folds": folds, **scores(dataset.labels, predicted, dataset)}
    # The supervised tagger's predictions on the clustering's own measure (first label, NMI
    # and ARI): a ceiling for how far groups found without labels can agree with them.
    keep = [i for i, labels in enumerate(dataset.labels) if labels]
    metrics["first_label"] = _agreement(
        [dataset.labels[i][0] for i in keep],
        [predicted[i][0] if predicted[i] else "" for i in keep],
    )
    return metrics, predicted


def repeated_cross_validation(
    docs: Sequence[AnalysedText],
    dataset: Dataset,
    folds: int,
    first: Metrics,
    repeats: int,
    seed: int = 0,
    on_progress: Callable[[str], None] | None = None,
) -> Metrics:
    """The same cross-validation under `repeats` shuffles (seeds `seed`, `seed` + 1, ...;
    `first` is the result for `seed`, already computed), with mean and standard deviation.
    On a few hundred items one shuffle's macro-F1 moves by about 0.01 from the next:
    compare models on the mean."""
    runs = [first]
    for i in range(1, repeats):
        runs.append(cross_validate(docs, dataset, folds, seed + i)[0])
        if on_progress:
            on_progress(f"cross-validation: shuffle {i + 1} of {repeats} done")
    metrics = ("accuracy", "micro_f1", "macro_f1")
    return {
        "repeats": repeats,
        "runs": [{"seed": seed + i, **{m: run[m] for m in metrics}} for i, run in enumerate(runs)],
        "mean": {m: round(float(np.mean([run[m] for run in runs])), 4) for m in metrics},
        "std": {m: round(float(np.std([run[m] for run in runs])), 4) for m in metrics},
    }


def per_group(dataset: Dataset, predicted: Sequence[tuple[str, ...]]) -> Metrics:
    assert dataset.groups is not None
    result: Metrics = {}
    for group in sorted(set(dataset.groups)):
        idx = [i for i, g in enumerate(dataset.groups) if g == group]
        part = dataset.subset(idx)
        result[group or "(none)"] = {
            "items": len(idx),
            **scores(part.labels, [predicted[i] for i in idx], part),
        }
    return result


def learning_curve(
    docs: Sequence[AnalysedText],
    dataset: Dataset,
    sizes: Sequence[int],
    seeds: int,
    on_progress: Callable[[str], None] | None = None,
) -> Metrics:
    """Macro- and micro-F1 on a held-out fifth after training on `size` items, the items
    chosen at random or by active learning (`review_priority` first, in batches),
    averaged over `seeds` random splits."""
    n = len(docs)
    pool_size = n - n // 5
    usable = [s for s in sizes if s <= pool_size]
    runs: dict[str, list[list[Metrics]]] = {"random": [], "active": []}
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        order = rng.permutation(n)
        test, pool = order[: n // 5].tolist(), order[n // 5 :].tolist()
        runs["random"].append(
            [_trained_scores(docs, dataset, pool[:size], test, seed) for size in usable]
        )
        chosen = pool[: usable[0]]
        active = [_trained_scores(docs, dataset, chosen, test, seed)]
        for size in usable[1:]:
            while len(chosen) < size:
                step = max(1, math.ceil((size - len(chosen)) / 2))
                chosen = chosen + _review_next(docs, dataset, chosen, pool, step, seed)
            active.append(_trained_scores(docs, dataset, chosen, test, seed))
        runs["active"].append(active)
        if on_progress:
            on_progress(f"learning curve: seed {seed + 1} of {seeds} done")
    return {
        "sizes": usable,
        "seeds": seeds,
        "test_items": n // 5,
        **{
            strategy: {
                metric: [
                    round(float(np.mean([run[k][metric] for run in results])), 4)
                    for k in range(len(usable))
                ]
                for metric in ("micro_f1", "macro_f1")
            }
            for strategy, results in runs.items()
        },
    }


def _trained_scores(
    docs: Sequence[AnalysedText],
    dataset: Dataset,
    train: Sequence[int],
    test: Sequence[int],
    seed: int,
) -> Metrics:
    tagger = _train(docs, dataset, train, seed)
    predicted = tagger.predict([docs[i] for i in test])
    return scores([dataset.labels[i] for i in test], predicted, dataset)


def _review_next(
    docs: Sequence[AnalysedText],
    dataset: Dataset,
    chosen: Sequence[int],
    pool: Sequence[int],
    count: int,
    seed: int,
) -> list[int]:
    taken = set(chosen)
    candidates = [i for i in pool if i not in taken]
    tagger = _train(docs, dataset, chosen, seed)
    priority = review_priority(tagger, [docs[i] for i in candidates])
    best = np.argsort(-priority, kind="stable")[:count]
    return [candidates[int(i)] for i in best]


def clustering_agreement(
    docs: Sequence[AnalysedText], dataset: Dataset, seed: int, seed_share: float = SEED_SHARE
) -> Metrics:
    """How far clusters agree with the labels (NMI, ARI), each item's class being its first
    label (in the label columns' order); items without labels are left out. For multi-label
    data the whole label set as a class is reported too (`label_set`: many rare
    combinations, which lifts NMI).

    Twice: without any labels (the top-level figures), and `seeded`, as a process whose
    moderators have confirmed the themes of a random `seed_share` of the items (their first
    label given as the seed theme). Seeded items stay in their theme's groups, so agreement
    over all items flatters; `unseeded_items` is measured on the others alone. The groups
    inside one theme are a second level a reader opens; `theme_level` measures the first
    (each group counted as its theme, groups without a theme as themselves)."""
    keep = [i for i, labels in enumerate(dataset.labels) if labels]
    kept = [docs[i] for i in keep]
    reference = [dataset.labels[i][0] for i in keep]
    result = cluster(kept, seed=seed)
    metrics: Metrics = {
        "items": len(keep),
        "reference": "first label",
        **_k_choice(result),
        **_agreement(reference, result.labels),
    }
    if dataset.multilabel:
        metrics["label_set"] = _agreement(
            ["|".join(sorted(dataset.labels[i])) for i in keep], result.labels
        )
    if seed_share > 0:
        metrics["seeded"] = seeded_agreement(kept, reference, dataset.label_names, seed, seed_share)
    return metrics


def seeded_agreement(
    docs: Sequence[AnalysedText],
    reference: Sequence[str],
    label_names: Sequence[str],
    seed: int,
    seed_share: float,
) -> Metrics:
    """Clusters seeded with the reference class of a random `seed_share` of the items."""
    n = len(docs)
    chosen = np.random.default_rng(seed).permutation(n)[: round(seed_share * n)]
    is_seed = np.zeros(n, dtype=bool)
    is_seed[chosen] = True
    index = {name: i for i, name in enumerate(label_names)}
    themes = [index[reference[i]] if is_seed[i] else None for i in range(n)]
    result = cluster(docs, themes=themes, seed=seed)
    labels = np.asarray(result.labels)
    # The top level of the groups: a group inside a theme counts as the theme, a group of
    # its own (no theme) stays itself.
    top = np.asarray(
        [
            len(label_names) + c.id if c.theme is None else c.theme
            for c in (result.clusters[label] for label in result.labels)
        ]
    )
    truth = np.asarray(reference)
    others = ~is_seed
    return {
        "seed_share": seed_share,
        "seeds": int(is_seed.sum()),
        "seed_themes": len({reference[i] for i in chosen}),
        **_k_choice(result),
        "all_items": _agreement(truth.tolist(), labels.tolist()),
        "unseeded_items": {
            "items": int(others.sum()),
            **_agreement(truth[others].tolist(), labels[others].tolist()),
        },
        "theme_level": {
            "groups": len(set(top.tolist())),
            "all_items": _agreement(truth.tolist(), top.tolist()),
            "unseeded_items": _agreement(truth[others].tolist(), top[others].tolist()),
        },
    }


def _k_choice(result: Clustering) -> Metrics:
    return {
        "k": result.k,
        "k_bounds": list(result.k_bounds),
        "silhouette": round(float(result.silhouette), 4),
        "silhouette_k": result.silhouette_k,
    }


def _agreement(reference: Sequence[str], labels: Sequence[int] | Sequence[str]) -> Metrics:
    return {
        "nmi": round(float(normalized_mutual_info_score(reference, labels)), 4),
        "ari": round(float(adjusted_rand_score(reference, labels)), 4),
    }


def evaluate(
    dataset: Dataset,
    analyzer: GermanAnalyzer,
    *,
    folds: int = 5,
    curve_sizes: Sequence[int] = (),
    seeds: int = 5,
    repeats: int = 1,
    seed: int = 0,
    seed_share: float = SEED_SHARE,
    clustering_only: bool = False,
    on_progress: Callable[[str], None] | None = None,
) -> Metrics:
    say = on_progress or (lambda _message: None)
    timings: dict[str, float] = {}
    with warnings.catch_warnings():
        # Tiny learning-curve samples trip scikit-learn's "class has only one member" notes.
        warnings.simplefilter("ignore", UserWarning)
        started = time.perf_counter()
        docs = analyzer.analyse(dataset.texts)
        timings["analyse_per_second"] = round(len(docs) / (time.perf_counter() - started))
        say(f"analysed {len(docs)} texts")
        report: Metrics = {
            "data": {
                "items": len(docs),
                "labels": list(dataset.label_names),
                "multilabel": dataset.multilabel,
                "items_without_label": sum(1 for labels in dataset.labels if not labels),
            },
        }
        if not clustering_only:
            report.update(
                _evaluate_tagger(docs, dataset, folds, curve_sizes, seeds, repeats, seed, say)
            )
            timings.update(report.pop("tagger_timings"))
        started = time.perf_counter()
        report["clustering"] = clustering_agreement(docs, dataset, seed, seed_share)
        timings["clustering_seconds"] = round(time.perf_counter() - started, 2)
        say("clustering done")
    report["timings"] = timings
    return report


def _evaluate_tagger(
    docs: Sequence[AnalysedText],
    dataset: Dataset,
    folds: int,
    curve_sizes: Sequence[int],
    seeds: int,
    repeats: int,
    seed: int,
    say: Callable[[str], None],
) -> Metrics:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    cv, predicted = cross_validate(docs, dataset, folds, seed)
    timings["cross_validation_seconds"] = round(time.perf_counter() - started, 2)
    say("cross-validation done")
    report: Metrics = {"cross_validation": cv}
    if repeats > 1:
        started = time.perf_counter()
        report["repeated_cross_validation"] = repeated_cross_validation(
            docs, dataset, folds, cv, repeats, seed, say
        )
        timings["repeated_cross_validation_seconds"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    tagger = _train(docs, dataset, list(range(len(docs))), seed)
    timings["train_all_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    tagger.tag(docs[:200])
    per_item = (time.perf_counter() - started) / min(200, len(docs))
    timings["tag_with_explanation_ms_per_item"] = round(per_item * 1000, 2)
    report["model"] = tagger.version
    if dataset.groups is not None:
        report["per_group"] = per_group(dataset, predicted)
    if curve_sizes:
        started = time.perf_counter()
        report["learning_curve"] = learning_curve(docs, dataset, curve_sizes, seeds, say)
        timings["learning_curve_seconds"] = round(time.perf_counter() - started, 2)
    report["tagger_timings"] = timings
    return report
