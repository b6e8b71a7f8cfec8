"""The spam classifier learns from a process's own decisions and needs enough of each."""

from __future__ import annotations

import pytest

from nlp.spam_model import MIN_EACH_CLASS, NotEnoughExamples, train_spam_classifier

SPAM = [f"Billige Kredite ohne Schufa sofort, Angebot {n} nur heute klicken" for n in range(25)]
HAM = [f"Ein sicherer Radweg zwischen Kornbach und Auenbrück für Schulkind {n}" for n in range(25)]


def test_it_separates_what_it_learned() -> None:
    model = train_spam_classifier(SPAM + HAM, [True] * len(SPAM) + [False] * len(HAM))
    spam, ham = model.probabilities(
        ["Kredite ohne Schufa, nur heute!", "Ein Radweg für die Schulkinder in Kornbach"]
    )
    assert spam > 0.6 > 0.4 > ham


def test_it_needs_enough_examples_of_each_class() -> None:
    few = MIN_EACH_CLASS - 1
    with pytest.raises(NotEnoughExamples):
        train_spam_classifier(SPAM[:few] + HAM, [True] * few + [False] * len(HAM))
