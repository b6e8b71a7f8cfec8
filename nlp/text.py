"""The German text pipeline: lemmas without stop words, compound parts, and a normalised text.

spaCy's blank German pipeline with the lookup lemmatizer (its table comes from
spacy-lookups-data when the pipeline is first built and is saved with it), so no trained
model is needed. Long nouns are split into their parts ("Breitbandausbau" -> breitband,
ausbau): German builds its words by compounding, and the parts are what people search for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import spacy
from compound_split import char_split
from spacy.lang.de.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokenizer import Tokenizer

# A compound is split only when its parts are long enough to mean something on their own and
# the splitter is reasonably sure (its score runs from about -2 to 1).
COMPOUND_MIN_LENGTH: Final = 10
COMPOUND_MIN_SCORE: Final = 0.3
_SEPARATORS: Final = str.maketrans({"-": " ", "/": " ", "_": " "})
WORD_CACHE_SIZE: Final = 200_000  # distinct words kept; a process rarely has more
# spaCy's German stop words: left out of the terms, and never given as a reason.
GERMAN_STOP_WORDS: Final = frozenset(STOP_WORDS)
EVIDENCE_MIN_LENGTH: Final = 3  # "Bus", "App" and "Weg" say something; "ab" and "zu" do not


@dataclass(frozen=True, slots=True)
class AnalysedText:
    """What the models read of one text."""

    normalised: str  # lowercased text followed by its terms, for character n-grams
    terms: tuple[str, ...]  # lowercased lemmas and compound parts, stop words left out


class GermanAnalyzer:
    """Turns German texts into `AnalysedText`s. Build it once per process; it is thread-safe
    for reading and keeps a cache of compound splits."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        lemmatizer = nlp.get_pipe("lemmatizer")
        assert isinstance(lemmatizer, Lemmatizer)
        self._lemmas = lemmatizer.lookups.get_table("lemma_lookup")
        assert isinstance(nlp.tokenizer, Tokenizer)
        self._tokenizer = nlp.tokenizer
        self._stop_words = GERMAN_STOP_WORDS
        self._compounds: dict[str, tuple[str, ...]] = {}
        self._word_terms: dict[str, tuple[str, ...]] = {}
        # A memory zone frees, on exit, every string interned meanwhile, other threads' too:
        # two threads analysing at once lose each other's strings (spaCy error E018).
        self._zone_lock = threading.Lock()

    @classmethod
    def create(cls) -> GermanAnalyzer:
        nlp = spacy.blank("de")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()  # loads the lookup table from spacy-lookups-data
        return cls(nlp)

    @classmethod
    def load(cls, path: Path) -> GermanAnalyzer:
        return cls(spacy.load(path))

    def save(self, path: Path) -> None:
        self.nlp.to_disk(path)

    def lemma(self, word: str) -> str:
        return str(self._lemmas.get(word, self._lemmas.get(word.lower(), word))).lower()

    def compound_parts(self, word: str) -> tuple[str, ...]:
        """The lemmatised parts of a long compound, recursively; () for other words."""
        if len(word) < COMPOUND_MIN_LENGTH:
            return ()
        cached = self._compounds.get(word)
        if cached is not None:
            return cached
        parts: list[str] = []
        splits = char_split.split_compound(word)
        if splits and splits[0][0] > COMPOUND_MIN_SCORE:
            for part in splits[0][1:]:
                parts.append(self.lemma(part))
                parts.extend(self.compound_parts(part))
        self._compounds[word] = result = tuple(parts)
        return result

    def word_terms(self, word: str) -> tuple[str, ...]:
        """The terms of one token: lemmas and compound parts of its pieces, none for stop
        words. Cached, since the same words recur across a process's contributions."""
        cached = self._word_terms.get(word)
        if cached is not None:
            return cached
        terms: list[str] = []
        for piece in word.translate(_SEPARATORS).split():
            if len(piece) < 2 or not piece.isalpha() or piece.lower() in self._stop_words:
                continue
            terms.append(self.lemma(piece))
            terms.extend(self.compound_parts(piece))
        if len(self._word_terms) >= WORD_CACHE_SIZE:
            self._word_terms.clear()
        self._word_terms[word] = result = tuple(terms)
        return result

    def terms(self, words: Iterable[str]) -> list[str]:
        return [term for word in words for term in self.word_terms(word)]

    def analyse(self, texts: Iterable[str], batch_size: int = 256) -> list[AnalysedText]:
        result: list[AnalysedText] = []
        # Only the tokenizer runs: lemmas come from the lookup table directly, per piece of a
        # hyphenated word too. memory_zone frees the strings spaCy interned for these texts.
        with self._zone_lock, self.nlp.memory_zone():
            for doc in self._tokenizer.pipe(texts, batch_size=batch_size):
                terms = self.terms(token.text for token in doc)
                result.append(
                    AnalysedText(
                        normalised=f"{doc.text.lower()} {' '.join(terms)}", terms=tuple(terms)
                    )
                )
        return result

    def analyse_one(self, text: str) -> AnalysedText:
        return self.analyse([text])[0]


_default: GermanAnalyzer | None = None
_default_lock = threading.Lock()


def default_analyzer(cache_dir: Path | None = None) -> GermanAnalyzer:
    """The process-wide analyzer, built once. With `cache_dir`, the pipeline (lookup table
    included) is loaded from there if saved before, and saved there if not."""
    global _default
    saved = cache_dir / "german-pipeline" if cache_dir else None
    with _default_lock:
        if _default is None:
            if saved is not None and (saved / "config.cfg").exists():
                _default = GermanAnalyzer.load(saved)
            else:
                _default = GermanAnalyzer.create()
        if saved is not None and not (saved / "config.cfg").exists():
            saved.parent.mkdir(parents=True, exist_ok=True)
            _default.save(saved)
        return _default


def is_evidence(word: str) -> bool:
    """Whether a (lowercased) word may be shown to moderators as a reason for a suggestion:
    letters only, at least EVIDENCE_MIN_LENGTH long, and no stop word. A linear model gives
    weight to "nicht" or "sollen" when they happen to occur with a theme in a few dozen
    examples, but they explain nothing to a reader."""
    return len(word) >= EVIDENCE_MIN_LENGTH and word.isalpha() and word not in GERMAN_STOP_WORDS


def join_fields(fields: Sequence[str | None]) -> str:
    """Title and body (and any other parts) as one text, the way every model reads them."""
    return ". ".join(part.strip() for part in fields if part and part.strip())
