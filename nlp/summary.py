"""An extractive draft summary of many contributions: a few of their own sentences, the
most central ones, for a person to rewrite.

Local and explainable, no language model: every sentence of the sources is a character
n-gram TF-IDF vector (the representation that works best on German participation text, see
`nlp/features.py`); a sentence's centrality is its cosine similarity to the mean of all of
them. Sentences are then picked by maximal marginal relevance (central, but not saying what
an already picked one says), never two from the same author, and each keeps the id of the
contribution it came from so the draft can link to it.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

# Sentences people can read on their own: not a fragment, not a whole paragraph.
MIN_CHARS: Final = 30
MAX_CHARS: Final = 320
MIN_WORDS: Final = 5
# Relevance against redundancy when picking the next sentence (1.0: relevance only).
MMR_LAMBDA: Final = 0.7
# Sources read at most (a cluster of thousands says it in its first few hundred too).
MAX_SOURCES: Final = 1_500

# Abbreviations after which a full stop does not end a German sentence.
_ABBREVIATIONS: Final = frozenset(
    {
        "z.b",
        "bzw",
        "ca",
        "nr",
        "usw",
        "d.h",
        "u.a",
        "evtl",
        "ggf",
        "inkl",
        "str",
        "bspw",
        "vgl",
        "etc",
        "o.ä",
        "sog",
        "ggü",
        "jhd",
        "mio",
        "mrd",
        "tel",
        "abs",
        "dr",
        "prof",
        "dipl.-ing",
        "z.t",
        "u.u",
    }
)
_BOUNDARY: Final = re.compile(r"(?<=[.!?…])[\"»«“”')\]]*\s+(?=[\"„»«(\[]?[A-ZÄÖÜ0-9])")


@dataclass(frozen=True)
class Source:
    """A contribution's text; `author` says who wrote it (contributions of one author share
    it), so no author speaks twice in a summary."""

    id: int
    text: str
    author: Hashable


@dataclass(frozen=True)
class Sentence:
    text: str
    source_id: int
    score: float  # cosine similarity to the centre of all sentences, 0..1


def split_sentences(text: str) -> list[str]:
    """German sentences of a text; line breaks end a sentence too (lists, bullet points)."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip(" \t-*•")
        if not line:
            continue
        start = 0
        for match in _BOUNDARY.finditer(line):
            candidate = line[start : match.start()].strip()
            last_word = candidate.rsplit(maxsplit=1)[-1].lower().rstrip(".") if candidate else ""
            # "z. B." splits into "z." and "B.": look at the last two words as well.
            last_two = "".join(candidate.lower().split()[-2:]).rstrip(".")
            # A single letter with a full stop is part of one ("z. B.", "d. h.", "A. Müller").
            if last_word in _ABBREVIATIONS or last_two in _ABBREVIATIONS or len(last_word) == 1:
                continue
            if re.fullmatch(r"\d+\.", candidate.rsplit(maxsplit=1)[-1] if candidate else ""):
                continue  # "am 3. Mai", "die 10. Klasse"
            sentences.append(candidate)
            start = match.end()
        rest = line[start:].strip()
        if rest:
            sentences.append(rest)
    return sentences


def _readable(sentence: str) -> bool:
    return MIN_CHARS <= len(sentence) <= MAX_CHARS and len(sentence.split()) >= MIN_WORDS


def summarise(sources: Sequence[Source], size: int = 5) -> list[Sentence]:
    """Up to `size` central sentences of the sources, most central first, from different
    authors. Fewer when the sources have fewer readable sentences or authors."""
    candidates: list[tuple[str, Source]] = []
    for source in sources[:MAX_SOURCES]:
        for sentence in split_sentences(source.text):
            if _readable(sentence):
                candidates.append((sentence, source))
    if not candidates or size < 1:
        return []
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), lowercase=True, sublinear_tf=True, min_df=1
    )
    vectors = normalize(vectorizer.fit_transform([text for text, _s in candidates]))
    centre = np.asarray(vectors.mean(axis=0)).ravel()
    norm = float(np.linalg.norm(centre))
    if norm == 0.0:
        return []
    relevance = np.asarray(vectors @ (centre / norm)).ravel()
    # Each sentence's highest similarity to a picked one, updated after every pick: memory
    # grows with the number of sentences, not with its square.
    redundancy = np.zeros(len(candidates))
    eligible = np.ones(len(candidates), dtype=bool)
    picked: list[int] = []
    while eligible.any() and len(picked) < size:
        value = MMR_LAMBDA * relevance - (1 - MMR_LAMBDA) * redundancy
        best = int(np.argmax(np.where(eligible, value, -np.inf)))
        picked.append(best)
        author = candidates[best][1].author
        eligible &= np.array([source.author != author for _t, source in candidates])
        redundancy = np.maximum(redundancy, np.asarray(vectors @ vectors[best].T.toarray()).ravel())
    picked.sort(key=lambda i: -relevance[i])
    return [
        Sentence(candidates[i][0], candidates[i][1].id, round(float(relevance[i]), 4))
        for i in picked
    ]
