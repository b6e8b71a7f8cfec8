"""Labelled data for evaluation: any CSV, and the Tempelhofer Feld proposals (JSON)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.text import join_fields

TRUE_VALUES = {"1", "true", "yes", "ja", "x"}


@dataclass(frozen=True)
class Dataset:
    texts: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]  # per text: its labels (exactly one unless multi-label)
    label_names: tuple[str, ...]
    multilabel: bool
    groups: tuple[str, ...] | None = None  # e.g. the author segment, to evaluate per group

    def subset(self, indices: Sequence[int]) -> Dataset:
        return Dataset(
            texts=tuple(self.texts[i] for i in indices),
            labels=tuple(self.labels[i] for i in indices),
            label_names=self.label_names,
            multilabel=self.multilabel,
            groups=tuple(self.groups[i] for i in indices) if self.groups else None,
        )


class DatasetError(ValueError):
    """The file does not hold what was asked for; the message says what is missing."""


def read_csv(
    path: Path,
    text_columns: Sequence[str],
    label_columns: Sequence[str],
    *,
    multilabel: bool,
    group_column: str | None = None,
) -> Dataset:
    """Multi-label: each label column holds 0/1 (true/yes/x count as 1). Otherwise exactly one
    label column holds the label itself; rows with an empty label are left out."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        header = reader.fieldnames or []
        missing = [
            c for c in [*text_columns, *label_columns, group_column] if c and c not in header
        ]
        if missing:
            raise DatasetError(f"{path} has no column(s) {', '.join(missing)}; it has {header}")
        if not multilabel and len(label_columns) != 1:
            raise DatasetError("give exactly one label column, or --multilabel with 0/1 columns")
        texts, labels, groups = [], [], []
        for row in reader:
            if multilabel:
                row_labels = tuple(
                    c for c in label_columns if (row[c] or "").strip().lower() in TRUE_VALUES
                )
            else:
                value = (row[label_columns[0]] or "").strip()
                if not value:
                    continue
                row_labels = (value,)
            texts.append(join_fields([row[c] for c in text_columns]))
            labels.append(row_labels)
            groups.append((row[group_column] or "").strip() if group_column else "")
    names = tuple(label_columns) if multilabel else tuple(sorted({r[0] for r in labels}))
    return Dataset(
        texts=tuple(texts),
        labels=tuple(labels),
        label_names=names,
        multilabel=multilabel,
        groups=tuple(groups) if group_column else None,
    )


def _comments(tree: dict[str, Any] | None) -> Iterator[str]:
    for comment in (tree or {}).values():
        if comment.get("text"):
            yield str(comment["text"])
        yield from _comments(comment.get("comments"))


def tempelhofer_rows(path: Path) -> list[dict[str, str]]:
    """The proposals of the Tempelhofer Feld consultation as flat rows: id, title, text,
    category (chosen by the author), tags, and the discussion's comments joined by blank
    lines. The JSON nests `instance -> tempelhofer-feld -> proposals -> {id: {...}}`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        proposals = data["instance"]["tempelhofer-feld"]["proposals"]
    except (KeyError, TypeError) as error:
        raise DatasetError(f"{path} is not the Tempelhofer Feld proposals file") from error
    return [
        {
            "id": str(key),
            "title": proposal.get("title") or "",
            "text": proposal.get("description") or "",
            "category": proposal.get("category") or "",
            "tags": ", ".join(proposal.get("tags") or []),
            "comments": "\n\n".join(_comments(proposal.get("comments"))),
        }
        for key, proposal in proposals.items()
    ]


def write_rows(rows: Sequence[dict[str, str]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
