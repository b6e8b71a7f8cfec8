"""Personal data in German contribution texts: e-mail addresses, phone numbers, IBANs, street
addresses with a house number, and names after a form of address ("Frau Schmidt").

Local rules, no model: each kind is a regular expression plus the checks that keep ordinary
participation text out (dates, years, postcodes, amounts, "Tempo 30 auf der Hauptstraße",
"die Frau am Schalter"). IBANs must pass their country's length and the mod-97 checksum.
Detectors run in a fixed order (IBAN, e-mail, phone, address, name) and each one sees the
text with the earlier finds masked, so the digits of an IBAN are never also a phone number.

What it does not find: names without a form of address ("Anna Schmidt meint ..."), streets
written without a number, postcodes and towns on their own, and anything lowercased that
should be capitalised ("frau schmidt"). It is a first pass for moderators, not a guarantee.

Measured on a synthetic annotated set of German contributions:
`python -m nlp.personal_data tests/nlp/data/personal_data.jsonl` prints precision and
recall per kind (tests/nlp/test_personal_data.py keeps them from falling). On 2,760 real
contributions (FreiRaum Ottensen, Krefeld, Bonn, Tempelhofer Feld) it found 23 spans, 19 of
them right by hand; the wrong ones were a numbered list after a street ("über die
Hafelsstraße 2. Viele Kinder ..."), a misspelt role and a name with a capitalised "Van".
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

Kind = Literal["iban", "email", "phone", "address", "name"]
# Detection order and, where spans of different kinds overlap, which kind wins.
KINDS: Final[tuple[Kind, ...]] = ("iban", "email", "phone", "address", "name")
DEFAULT_REPLACEMENT: Final = "[entfernt]"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: Kind
    text: str


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- IBAN --------------------------------------------------------------------------------

# Lengths of the IBAN per country (SWIFT IBAN registry); other country codes are not IBANs.
IBAN_LENGTHS: Final[dict[str, int]] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

# Country code and check digits, then up to 32 letters or digits, single spaces allowed
# (printed IBANs come in groups of four). The right length is found by the checksum.
_IBAN_START: Final = re.compile(r"(?<![\w])([A-Z]{2})(\d{2})(?=[ ]?[A-Z0-9])")
_IBAN_BODY: Final = re.compile(r"(?:[ ]?[A-Z0-9]){1,32}")


def iban_is_valid(candidate: str) -> bool:
    """Country length and the ISO 13616 mod-97 check (spaces ignored)."""
    compact = candidate.replace(" ", "").upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    if not rearranged.isalnum() or not rearranged.isascii():
        return False
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _find_ibans(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    position = 0
    while match := _IBAN_START.search(text, position):
        body = _IBAN_BODY.match(text, match.end())
        hit = None
        if body is not None and match.group(1) in IBAN_LENGTHS:
            # The longest prefix of the run that is a valid IBAN and ends at a word end.
            for end in range(body.end(), match.end(), -1):
                if text[end - 1] == " " or (end < len(text) and text[end].isalnum()):
                    continue
                if iban_is_valid(text[match.start() : end]):
                    hit = (match.start(), end)
                    break
        if hit is None:
            position = match.start() + 1
        else:
            found.append(hit)
            position = hit[1]
    return found


# --- E-mail ------------------------------------------------------------------------------

_EMAIL: Final = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-])?"
    r"(?:@|[ ]?\(at\)[ ]?|[ ]?\[at\][ ]?)[A-Za-z0-9äöüÄÖÜ](?:[A-Za-z0-9äöüÄÖÜ-]*[A-Za-z0-9äöüÄÖÜ])?"
    r"(?:\.[A-Za-z0-9äöüÄÖÜ](?:[A-Za-z0-9äöüÄÖÜ-]*[A-Za-z0-9äöüÄÖÜ])?)*\.[A-Za-z]{2,24}(?!\w)"
)


# --- Phone -------------------------------------------------------------------------------

# Between digit groups: a space, or a slash or hyphen with optional spaces around it.
_SEP: Final = r"(?:[ \u00a0]?[/\-–][ \u00a0]?|[ \u00a0])"
_PHONE: Final = re.compile(
    rf"""
    (?<![\w+/.,:-])
    (?:
        # international: +49 30 1234567, +49 (0)171 1234567, 0049 89 123456
        # (each later group starts with a separator, so there is one way to split the digits)
        (?P<intl>(?:\+|00)[1-9]\d{{0,2}}(?:[ \u00a0]?\(0\))?{_SEP}?\d+(?:{_SEP}\d+)*)
      | # area code in brackets: (030) 123 456 78
        (?P<bracket>\(0[1-9]\d{{1,4}}\)[ \u00a0]?\d{{2,}}(?:{_SEP}\d{{2,}})*(?:-\d{{1,4}})?)
      | # area code of 3 to 6 digits, then groups: 030 1234567, 06151/12345-0, 0171-123 45 67
        (?P<national>0[1-9]\d{{1,4}}{_SEP}\d{{2,}}(?:{_SEP}\d{{2,}})*(?:-\d{{1,4}})?)
      | # written without separators: 01711234567, 0301234567
        (?P<compact>0[1-9]\d{{8,11}})
    )
    (?!\w)(?![.,/\-]\d)
    """,
    re.VERBOSE,
)
# Numbers that look like phone numbers after these words are file or case numbers.
_NOT_PHONE_BEFORE: Final = re.compile(
    r"(?:\bAz\.?|Aktenzeichen|Drucksache|Vorlage|Vorgangsnummer|Kundennummer|Rechnungsnummer|"
    r"Steuernummer|Ticketnummer|Flurstück|Konto(?:nummer|-Nr\.|-Nummer)?|Kto\.|BLZ|"
    r"(?<![\w.-])Nr\.)\s*:?\s*$",
    re.IGNORECASE,
)


def _find_phones(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _PHONE.finditer(text):
        digits = sum(char.isdigit() for char in match.group())
        if match.group("intl") is not None:
            # Without the 00 or +: country code and number, 9 to 15 digits.
            national = digits - 2 if match.group().startswith("00") else digits
            if not 9 <= national <= 15:
                continue
        elif not 7 <= digits <= 13:
            continue
        if _NOT_PHONE_BEFORE.search(
            text, max(0, match.start() - 30), match.start()
        ) or _followed_by_unit(text, match.end()):
            # A file number, or an amount ("+150 000 000 Euro").
            continue
        found.append((match.start(), match.end()))
    return found


# --- Street address ----------------------------------------------------------------------

_UPPER: Final = "A-ZÄÖÜ"
_LOWER: Final = "a-zäöüß"
_SUFFIXES: Final = (
    "straße|strasse|str\\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad|stieg|"
    "promenade|zeile|markt"
)
# A capitalised word, possibly hyphenated ("Karl-Marx-", "Dr.-Otto-").
_WORD: Final = rf"[{_UPPER}][{_LOWER}]+"
_HYPHENATED: Final = rf"(?:(?:{_WORD}|Dr\.|St\.)-)*"
_HOUSE_NUMBER: Final = r"[1-9]\d{0,2}(?:[a-zA-Z])?(?:[ ]?[-–/][ ]?[1-9]\d{0,2}[a-zA-Z]?)?"
_NUMBER_END: Final = r"(?!\w)(?![.,]\d)"

# "Hauptstraße 12", "Bahnhofstr. 5", "Karl-Marx-Straße 7-9", "Lindenweg 3a".
_STREET_ONE_WORD: Final = re.compile(
    rf"(?<![\w-])(?P<street>{_HYPHENATED}[{_UPPER}][{_LOWER}]*(?:{_SUFFIXES})"
    rf"|{_HYPHENATED}[{_UPPER}][{_LOWER}]+-(?:Straße|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer))"
    rf"[ \u00a0]?(?P<number>{_HOUSE_NUMBER}){_NUMBER_END}"
)
# "Berliner Straße 5", "Alter Markt 3", "Neuer Weg 12".
_STREET_NOUNS: Final = (
    "Straße", "Strasse", "Str.", "Weg", "Platz", "Allee", "Gasse", "Ring", "Damm", "Ufer",
    "Chaussee", "Steig", "Markt", "Promenade",
)  # fmt: skip
_STREET_TWO_WORDS: Final = re.compile(
    rf"(?<![\w-])(?P<adjective>{_WORD})[ ](?P<street>{'|'.join(map(re.escape, _STREET_NOUNS))})"
    rf"[ \u00a0]?(?P<number>{_HOUSE_NUMBER}){_NUMBER_END}"
)
# "Am Markt 3", "An der Alten Mühle 2", "Zum Sportplatz 5", "Im Winkel 4".
_STREET_PREPOSITION: Final = re.compile(
    rf"(?<![\w-])(?P<preposition>(?:[Aa]m|[Ii]m|[Zz]um|[Zz]ur|[Bb]eim|[Aa]n der|[Aa]n den|"
    rf"[Aa]uf der|[Aa]uf dem|[Aa]uf den|[Ii]n der|[Ii]n den|[Uu]nter den|[Hh]inter der|"
    rf"[Hh]inter dem|[Vv]or dem))[ ](?P<street>(?:{_WORD}[ ])?{_HYPHENATED}{_WORD})"
    rf"[ \u00a0]?(?P<number>{_HOUSE_NUMBER}){_NUMBER_END}"
)
# Road numbers and common nouns that end like a street ("Bundesstraße 27", "Radweg 3").
_ROADS: Final = _words(
    """bundesstraße landesstraße kreisstraße staatsstraße landstraße autobahn bundesautobahn"""
)
_NOT_STREETS: Final = _ROADS | _words(
    """umgehungsstraße ortsumgehung hauptverkehrsstraße durchgangsstraße einbahnstraße spielstraße
    fahrradstraße radweg fußweg gehweg schulweg radschnellweg wanderweg rundweg
    feldweg umweg heimweg arbeitsweg spazierweg waldweg zufahrtsweg rettungsweg fluchtweg
    spielplatz parkplatz sportplatz arbeitsplatz stellplatz kitaplatz bolzplatz
    abstellplatz ausbildungsplatz studienplatz betreuungsplatz schulplatz sitzplatz
    stehplatz wochenmarkt arbeitsmarkt wohnungsmarkt flohmarkt supermarkt weihnachtsmarkt
    bauernmarkt biomarkt getränkemarkt baumarkt bahnsteig anstieg einstieg ausstieg umstieg
    aufstieg"""
)
_MONTHS: Final = _words(
    """januar februar märz april mai juni juli august september oktober november dezember"""
)
# Words after "am", "im", "in der" ... that are times, ranks or rooms, not street names.
_NOT_STREET_AFTER_PREPOSITION: Final = _MONTHS | _words(
    """montag dienstag mittwoch donnerstag freitag samstag sonntag wochenende feiertag
    jahr jahre monat woche tag tage quartal halbjahr schuljahr stunde minute morgen abend
    mittag vormittag nachmittag frühjahr frühling sommer herbst winter ende anfang beginn
    schnitt durchschnitt beispiel moment prinzip vergleich rahmen zuge grunde jahrgang
    klasse klassen stufe jahrgangsstufe linie buslinie zone gruppe runde phase kapitel
    seite nummer raum zimmer halle gleis haus abschnitt bauabschnitt etappe bus tram
    bahn zug haltestelle tempo punkt paragraph paragraf artikel absatz antrag bereich
    bezirk ortsteil stadtteil level stock stockwerk obergeschoss erdgeschoss geschoss
    block bauteil gebäude saal sitzung tagesordnungspunkt platz rang team modul
    stadium schritt teil band heft folge ausgabe version fall budget haushalt topf
    spiel verein verfahren landkreis kreis ort dorf stadt gemeinde umkreis radius
    umfang alter wert höhe betrag gesamtwert mittel maximum minimum hangar terminal tor
    gate pavillon container"""
)
# After the number these words make it a quantity ("Hauptstraße 30 km/h", "im Bus 3 Mal").
_UNITS: Final = _words(
    """km km/h m meter metern kilometer kilometern cm mm min minute minuten std stunde
    stunden h sek sekunden tag tage tagen woche wochen monat monate monaten jahr jahre
    jahren prozent % euro eur € mio tsd mrd uhr mal grad kg t tonnen liter l ha qm m²
    autos busse bäume häuser wohnungen personen kinder leute menschen plätze parkplätze
    stellplätze haushalte familien schüler schülerinnen anwohner einwohner fahrzeuge"""
)
# Capitalised words before "Straße" that do not name it ("Die Straße 5 ...", "Jede Straße").
_NOT_ADJECTIVES: Final = _words(
    """der die das den dem des ein eine einer einem einen jede jeder jedes diese dieser
    dieses welche welcher keine keiner meine unsere unserer ihre eure deine seine andere
    jene manche viele alle beide solche nächste erste zweite dritte letzte ganze selbe
    gleiche eigene neben über unter vor hinter auf an in bis ab"""
)
_NEXT_WORD: Final = re.compile(r"[ \u00a0]*([^\s,;:!?()]*)")


def _followed_by_unit(text: str, end: int) -> bool:
    next_word = _NEXT_WORD.match(text, end)
    word = next_word.group(1).rstrip(".").lower() if next_word else ""
    return word in _UNITS or word.startswith(("km/", "%", "€"))


_AFTER_FULL_STOP: Final = re.compile(r"\.[ \u00a0]+([^\W\d_]+)")


def _date_or_list_item(text: str, end: int, *, list_item: bool) -> bool:
    """A full stop after the number and then a month ("am 22. September"), or, with
    `list_item`, any capitalised word ("zum Ortskern 4. Ausbau der Buslinien")."""
    after = _AFTER_FULL_STOP.match(text, end)
    if after is None:
        return False
    word = after.group(1)
    return word.lower() in _MONTHS or (list_item and word[:1].isupper())


def _next_word_capitalised(text: str, end: int) -> bool:
    next_word = _NEXT_WORD.match(text, end)
    return bool(next_word and next_word.group(1)[:1].isupper())


def _is_one_word_street(word: str) -> bool:
    return bool(_STREET_ONE_WORD.match(word + " 1")) and word.lower() not in _NOT_STREETS


def _not_a_house_number(text: str, end: int, *, list_item: bool) -> bool:
    return _followed_by_unit(text, end) or _date_or_list_item(text, end, list_item=list_item)


def _find_addresses(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _STREET_ONE_WORD.finditer(text):
        last = re.split(r"[- ]", match.group("street"))[-1].lower()
        if last in _NOT_STREETS or _not_a_house_number(text, match.end(), list_item=False):
            continue
        found.append((match.start(), match.end()))
    for match in _STREET_TWO_WORDS.finditer(text):
        if match.group("adjective").lower() in _NOT_ADJECTIVES:
            continue
        if _not_a_house_number(text, match.end(), list_item=False):
            continue
        found.append((match.start(), match.end()))
    for match in _STREET_PREPOSITION.finditer(text):
        words = match.group("street").split(" ")
        lowered = [word.lower() for word in words]
        if (
            lowered[-1] in _NOT_STREET_AFTER_PREPOSITION
            or lowered[-1].endswith(("nummer", "route", "linie", "zone", "klasse"))
            or any(word in _ROADS or word in _NOT_ADJECTIVES for word in lowered)
            or any(_is_one_word_street(word) for word in words)
            or words[-1] in _STREET_NOUNS
        ):
            # Times, rooms and road numbers ("auf der Bundesstraße 224"), an article
            # ("zur Schule Der 22. September"), and "in der Hauptstraße 12" or "in der
            # Berliner Straße 5", which the rules above find without the preposition.
            continue
        # "im Stadtteil 3 Schulen": a count, not a house number.
        if _not_a_house_number(text, match.end(), list_item=True) or _next_word_capitalised(
            text, match.end()
        ):
            continue
        found.append((match.start(), match.end()))
    return found


# --- Names after a form of address -------------------------------------------------------

_FORM_OF_ADDRESS: Final = re.compile(r"(?<![\w.])(?:Herrn?|Frau|Hr\.|Fr\.|Dr\.|Prof\.)")
# Titles between the form of address and the name ("Frau Dr. med. Schulz").
_TITLE: Final = re.compile(r"[ \u00a0]*(?:Dr\.|Prof\.|med\.|rer\.|nat\.|Dipl\.-Ing\.|h\.c\.)")
_NAME_WORD: Final = re.compile(
    r"[ \u00a0]+((?:von der|von dem|von|van der|van|de|zu|vom)[ ])?"
    r"([^\W\d_][^\W\d_'’]*(?:['’-][^\W\d_]+)*)"
)
# Capitalised words after "Frau"/"Herr" that are roles or pronouns, not names; a role is
# skipped and the name may follow ("Frau Bürgermeisterin Schulz").
_ROLES: Final = _words(
    """bürgermeister bürgermeisterin oberbürgermeister oberbürgermeisterin
    bezirksbürgermeister bezirksbürgermeisterin minister ministerin präsident präsidentin
    pfarrer pfarrerin stadtrat stadträtin landrat landrätin vorsitzende vorsitzender
    direktor direktorin rektor rektorin schulleiter schulleiterin doktor professor
    professorin kollege kollegin nachbar nachbarin abgeordnete abgeordneter dezernent
    dezernentin amtsleiter amtsleiterin ortsvorsteher ortsvorsteherin beigeordnete
    beigeordneter senator senatorin kanzler kanzlerin lehrer lehrerin hausmeister
    hausmeisterin stadtbaurat stadtbaurätin baudezernent baudezernentin sachbearbeiter
    sachbearbeiterin kämmerer kämmerin sekretär sekretärin architekt architektin"""
)
# Compounds ending like this are roles too ("Staatssekretär", "Landesbeauftragte").
_ROLE_ENDINGS: Final = (
    "sekretär", "sekretärin", "minister", "ministerin", "präsident", "präsidentin",
    "direktor", "direktorin", "vorsteher", "vorsteherin", "beauftragte", "beauftragter",
    "referent", "referentin", "dezernent", "dezernentin", "senator", "senatorin",
    "architekt", "architektin", "leiter", "leiterin",
)  # fmt: skip
_NOT_NAMES: Final = _words(
    """frau herr herrn sie ihr ihnen ihre ihrer du dich dir ich wir und oder aber doch mit ohne für
    bescheid recht zeit dank danke glück auskunft grüße unterstützung anfang mitte ende
    morgen vormittag mittag nachmittag abend"""
)
_NOUN_ENDINGS: Final = ("ung", "heit", "keit", "schaft", "tion", "ität", "ismus", "nis")
# A second capitalised word is part of the name only after a first name ("Frau Anna
# Schmidt"); otherwise it is the next noun ("Herrn Meier Bescheid geben").
FIRST_NAMES: Final = _words(
    """anna anne annika antje astrid barbara bärbel beate bettina birgit brigitte carla
    carolin charlotte christa christiane christina claudia clara dagmar daniela doris
    dorothea elena elisabeth elke ella emilia emma erika eva franziska frieda gabriele
    gisela greta gudrun hannah hanna heike helga ilse ingrid irene jana jasmin johanna
    julia karin katharina katja kerstin klara laura lea lena lina lisa luisa maria marie
    marina marion marlene martina melanie mia michaela monika nadine nicole nina petra
    renate rita ronja rosemarie ruth sabine sandra sara sarah silke simone sofia sophie
    stefanie susanne svenja tanja ulrike ursula ute vanessa vera waltraud yvonne
    alexander andreas anton arne axel bernd björn carsten christian christoph daniel
    david dennis detlef dieter dirk elias emil erik felix finn florian frank friedrich
    georg gerhard günter hans harald heinz helmut henrik holger horst ingo jan jens
    joachim jochen johannes jonas jörg josef jürgen kai karl klaus konstantin kurt lars
    leon lukas manfred marcel marco mario markus martin matthias max maximilian michael
    moritz niklas nils noah olaf oliver patrick paul peter philipp rainer ralf reinhard
    rené robert roland rolf sebastian simon stefan stephan sven theo thomas thorsten
    tim tobias tom torsten ulrich uwe volker walter werner wilhelm wolfgang
    ahmet ali aylin ayşe can deniz elif emre fatma hakan leyla mehmet murat yusuf zeynep
    agnieszka katarzyna krzysztof piotr tomasz olga irina natalia sergej dmitri
    mohammed mohammad fatima omar karim amira layla"""
)


_PLACES_NAMED_AFTER_PEOPLE: Final = _words(
    """Platz Straße Str. Weg Allee Ring Gasse Ufer Damm Brücke Park Schule Gymnasium
    Realschule Gesamtschule Grundschule Stiftung Haus Halle Preis"""
)


def _is_role(lowered: str) -> bool:
    return lowered in _ROLES or any(
        lowered.endswith(ending) and len(lowered) > len(ending) for ending in _ROLE_ENDINGS
    )


def _is_name_word(word: str) -> bool:
    lowered = word.lower()
    return (
        word[:1].isupper()
        and len(word) > 1
        and lowered not in _NOT_NAMES
        and not _is_role(lowered)
        and not lowered.endswith(_NOUN_ENDINGS)
    )


def _find_names(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _FORM_OF_ADDRESS.finditer(text):
        position = match.end()
        while title := _TITLE.match(text, position):
            if title.end() == position:
                break
            position = title.end()
        word = _NAME_WORD.match(text, position)
        while word is not None and word.group(1) is None and _is_role(word.group(2).lower()):
            position = word.end()
            word = _NAME_WORD.match(text, position)
        if word is None or not _is_name_word(word.group(2)):
            continue
        start, end = word.start(1) if word.group(1) else word.start(2), word.end()
        first_parts = word.group(2).lower().replace("’", "-").split("-")
        if word.group(1) is None and all(part in FIRST_NAMES for part in first_parts):
            second = _NAME_WORD.match(text, end)
            if second is not None and _is_name_word(second.group(2)):
                end = second.end()
        after = _NAME_WORD.match(text, end)
        if after is not None and after.group(2) in _PLACES_NAMED_AFTER_PEOPLE:
            # "Dr. Hirschfelder Platz", "Frau Holle Schule": a place, not a person.
            continue
        found.append((start, end))
    return found


# --- Together ----------------------------------------------------------------------------

_DETECTORS: Final[dict[Kind, Callable[[str], list[tuple[int, int]]]]] = {
    "iban": _find_ibans,
    "email": lambda text: [match.span() for match in _EMAIL.finditer(text)],
    "phone": _find_phones,
    "address": _find_addresses,
    "name": _find_names,
}
# What stands in for found text while the next detectors run: no letter, digit or space.
_MASK: Final = "\u2588"


def find_personal_data(text: str) -> list[Span]:
    """Personal data in `text`, sorted by position; overlapping finds are merged into one
    span (of the kind detected first in `KINDS`)."""
    masked = list(text)
    spans: list[Span] = []
    for kind in KINDS:
        for start, end in _DETECTORS[kind]("".join(masked)):
            spans.append(Span(start, end, kind, text[start:end]))
            masked[start:end] = _MASK * (end - start)
    return merge_spans(text, spans)


def merge_spans(text: str, spans: Iterable[Span]) -> list[Span]:
    """Spans sorted by position, overlapping ones joined; the joined span takes the kind
    that comes first in `KINDS`."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            end = max(last.end, span.end)
            kind = min(last.kind, span.kind, key=KINDS.index)
            merged[-1] = Span(last.start, end, kind, text[last.start : end])
        else:
            merged.append(span)
    return merged


def redact(text: str, spans: Iterable[Span], replacement: str = DEFAULT_REPLACEMENT) -> str:
    """`text` with every span replaced by `replacement` (overlapping spans replaced once)."""
    pieces = []
    position = 0
    for span in merge_spans(text, spans):
        pieces.append(text[position : span.start])
        pieces.append(replacement)
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


# --- Evaluation on an annotated set ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    # (kind, exact text) of every expected span.
    spans: tuple[tuple[str, str], ...]
    # Which part of the annotated set ("development", "held-out").
    part: str = ""


@dataclass(frozen=True, slots=True)
class Score:
    kind: str
    matched: int
    predicted: int
    expected: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load_examples(path: Path) -> list[Example]:
    """One JSON object a line: {"text": ..., "spans": [{"kind": ..., "text": ...}]}; lines
    starting with '#' are comments."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = json.loads(line)
        spans = tuple((span["kind"], span["text"]) for span in row["spans"])
        examples.append(Example(text=row["text"], spans=spans, part=row.get("part", "")))
    return examples


def evaluate(examples: Sequence[Example]) -> dict[str, Score]:
    """Span-level precision and recall per kind and over all kinds ("all"): a found span
    counts when its kind and its exact text are expected in that example."""
    matched: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    for example in examples:
        found: Counter[tuple[str, str]] = Counter(
            (span.kind, span.text) for span in find_personal_data(example.text)
        )
        wanted = Counter(example.spans)
        for (kind, _), count in found.items():
            predicted[kind] += count
        for (kind, _), count in wanted.items():
            expected[kind] += count
        for (kind, _), count in (found & wanted).items():
            matched[kind] += count
    scores: dict[str, Score] = {
        kind: Score(kind, matched[kind], predicted[kind], expected[kind]) for kind in KINDS
    }
    scores["all"] = Score(
        "all", sum(matched.values()), sum(predicted.values()), sum(expected.values())
    )
    return scores


def format_scores(scores: dict[str, Score]) -> str:
    lines = [f"{'kind':<8} {'precision':>9} {'recall':>7} {'f1':>6} {'found':>6} {'true':>5}"]
    lines.extend(
        f"{s.kind:<8} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} "
        f"{s.predicted:>6} {s.expected:>5}"
        for s in scores.values()
    )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m nlp.personal_data ANNOTATED.jsonl", file=sys.stderr)
        return 2
    examples = load_examples(Path(argv[0]))
    parts = sorted({example.part for example in examples})
    if len(parts) > 1:
        for part in parts:
            chosen = [example for example in examples if example.part == part]
            print(f"{part or 'no part'}: {len(chosen)} examples")
            print(format_scores(evaluate(chosen)), end="\n\n")
    print(f"all: {len(examples)} examples")
    print(format_scores(evaluate(examples)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
