"""Shared fixtures for the NLP tests: one analyzer per test session, the demo content, and
the real participation data beside the repository (skipped where it is absent)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nlp.text import AnalysedText, GermanAnalyzer, join_fields
from participation import demo_content

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
OTTENSEN = SHARED_DATA / "freiraum-ottensen" / "contributions.csv"
TEMPELHOFER = SHARED_DATA / "tempelhofer-feld" / "proposals.json"


@pytest.fixture(scope="session")
def analyzer() -> GermanAnalyzer:
    return GermanAnalyzer.create()


@pytest.fixture(scope="session")
def demo_docs(analyzer: GermanAnalyzer) -> list[AnalysedText]:
    return analyzer.analyse(
        join_fields([item["title"], item["body"]]) for item in demo_content.CONTRIBUTIONS
    )


@pytest.fixture(scope="session")
def ottensen() -> tuple[list[str], list[tuple[str, ...]], list[str]]:
    """Texts, label sets and label names of FreiRaum Ottensen (697 contributions)."""
    if not OTTENSEN.exists():
        pytest.skip(f"shared data not found at {OTTENSEN}")
    with OTTENSEN.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    names = list(rows[0])[4:]
    texts = [join_fields([row["title"], row["text"]]) for row in rows]
    labels = [tuple(n for n in names if row[n] == "1") for row in rows]
    return texts, labels, names
