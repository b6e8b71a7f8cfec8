"""The extractive draft summary: German sentence boundaries, central sentences first, no
author twice, and each sentence keeping its source."""

from __future__ import annotations

from nlp.summary import Source, split_sentences, summarise


def test_sentences_end_at_full_stops_but_not_at_abbreviations_or_ordinals() -> None:
    text = (
        "Wir brauchen z. B. mehr Radwege bis zum 3. Mai. Das wäre gut!\n"
        "- Busse fahren bzw. halten öfter\n"
        "Dr. Meier schätzt ca. 5 Mio. Euro. Was meinen Sie?"
    )
    assert split_sentences(text) == [
        "Wir brauchen z. B. mehr Radwege bis zum 3. Mai.",
        "Das wäre gut!",
        "Busse fahren bzw. halten öfter",
        "Dr. Meier schätzt ca. 5 Mio. Euro.",
        "Was meinen Sie?",
    ]


BIKE = [
    "Der Radweg nach Kornbach fehlt, Kinder fahren auf der Landstraße zur Schule.",
    "Ein sicherer Radweg zwischen Auenbrück und Kornbach würde vielen Familien helfen.",
    "Wir wünschen uns einen durchgehenden Radweg entlang der Landstraße nach Kornbach.",
    "Der Radweg an der Landstraße sollte beleuchtet sein, damit Pendler sicher fahren.",
]
OFF_TOPIC = "Im Rathaus sollte es samstags eine Sprechstunde für Vereine und Ehrenamt geben."


def _sources() -> list[Source]:
    texts = [*BIKE, OFF_TOPIC]
    return [Source(id=100 + i, text=text, author=f"person-{i}") for i, text in enumerate(texts)]


def test_the_central_sentences_come_first_and_the_outlier_last_or_not_at_all() -> None:
    sentences = summarise(_sources(), size=3)
    assert len(sentences) == 3
    assert all("Radweg" in s.text for s in sentences)
    assert [s.score for s in sentences] == sorted((s.score for s in sentences), reverse=True)
    assert {s.source_id for s in sentences} <= {100, 101, 102, 103}


def test_no_author_speaks_twice() -> None:
    one_voice = [Source(id=i, text=text, author="same person") for i, text in enumerate(BIKE)]
    other = Source(id=9, text=OFF_TOPIC, author="someone else")
    sentences = summarise([*one_voice, other], size=5)
    assert len(sentences) == 2
    assert {s.source_id for s in sentences} & {9} == {9}


def test_fragments_and_empty_sources_give_no_sentence() -> None:
    assert summarise([Source(id=1, text="Radweg!", author=1)]) == []
    assert summarise([]) == []
