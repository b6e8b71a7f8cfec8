"""Spam signals: ordinary German contributions score 0, each signal fires on its own with
the figure behind it, and several signals add up."""

from __future__ import annotations

import time

import pytest

from nlp.spam import SpamScore, spam_score


def codes(result: SpamScore) -> list[str]:
    return [signal.code for signal in result.reasons]


@pytest.mark.parametrize(
    "text",
    [
        "Der Bus 12 fährt abends nur noch stündlich, bitte den Takt verdichten.",
        "Der ÖPNV im Landkreis braucht WLAN in den Bussen und die KiTa mehr Personal.",
        "Mehr Infos im Bebauungsplan: https://www.stadt-musterstadt.de/plan",
        "Das kostet 100000 Euro, also rund 1.000.000 in zehn Jahren.",
        "Bitte!",
        "Kita, Kita, Kita: überall fehlen Plätze, und die Warteliste für die Kita wächst.",
    ],
)
def test_ordinary_contributions_score_zero(text: str) -> None:
    assert spam_score(text) == SpamScore(score=0.0, reasons=())


def test_many_links() -> None:
    two = spam_score("Siehe https://a.example und https://b.example")
    many = spam_score(" ".join(f"https://shop{i}.example" for i in range(6)))
    assert codes(two) == ["links"]
    assert two.reasons[0].figure == 2
    assert 0 < two.score < many.score
    assert many.reasons[0].figure == 6


def test_shouting_needs_enough_letters_and_mostly_capitals() -> None:
    shouting = spam_score("WIR FORDERN ENDLICH EINEN RADWEG NACH KORNBACH")
    assert codes(shouting) == ["shouting"]
    assert shouting.reasons[0].figure == 1.0
    assert shouting.score >= 0.8
    assert spam_score("JA, BITTE!").score == 0.0  # too short to judge
    # German nouns and abbreviations are capitalised without shouting.
    assert spam_score("Der ÖPNV und das WLAN im Bürgeramt Nord sind gut.").score == 0.0


def test_links_do_not_hide_shouting() -> None:
    result = spam_score("JETZT GÜNSTIG KAUFEN BEI UNS https://www.sehr-langer-shop-name.example")
    assert "shouting" in codes(result)


def test_repeated_characters() -> None:
    short = spam_score("Neeeeein, so nicht.")
    long = spam_score("Endlich!!!!!!!!!!!! Danke")
    assert codes(short) == codes(long) == ["repeated_characters"]
    assert short.reasons[0].figure == 5
    assert long.reasons[0].figure == 12
    assert short.score < long.score
    assert spam_score("Soooo nicht.").score == 0.0  # four in a row is emphasis


def test_repeated_words_in_a_row_and_one_dominant_word() -> None:
    in_a_row = spam_score("billig billig billig Uhren")
    assert codes(in_a_row) == ["repeated_words"]
    assert in_a_row.reasons[0].figure == 3
    dominant = spam_score(
        "Casino hier, Casino dort, Casino mit Bonus, Casino ohne Limit, Casino für alle, "
        "Casino jetzt, Casino heute, Casino sofort spielen"
    )
    assert codes(dominant) == ["repeated_words"]
    assert dominant.reasons[0].figure == 8 / 20


def test_signals_add_up_and_stay_below_one() -> None:
    text = "JETZT KAUFEN KAUFEN KAUFEN!!!!!!!!!! " + " ".join(
        f"http://x{i}.example" for i in range(5)
    )
    result = spam_score(text)
    assert set(codes(result)) == {"links", "shouting", "repeated_characters", "repeated_words"}
    assert [signal.value for signal in result.reasons] == sorted(
        (signal.value for signal in result.reasons), reverse=True
    )
    assert max(signal.value for signal in result.reasons) < result.score < 1.0


@pytest.mark.parametrize(
    "text",
    ["a" * 50_000, "wort " * 20_000, "!" * 50_000, "https://x.example " * 5_000],
)
def test_long_input_takes_linear_time(text: str) -> None:
    started = time.perf_counter()
    assert spam_score(text).score > 0
    assert time.perf_counter() - started < 1.0
