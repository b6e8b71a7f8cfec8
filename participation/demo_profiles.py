"""The demo process's project profiles (Steckbriefe): built from its contributions, in
different states, so that a fresh installation shows how ideas become profiles.

Sources are named by the titles of demo contributions (participation/demo_content.py); the
action fields by their slugs.
"""

from __future__ import annotations

from typing import Literal, TypedDict


class DemoOrganisation(TypedDict):
    name: str
    kind: Literal[
        "firm", "school", "university", "administration", "chamber", "association", "other"
    ]
    role: Literal["lead", "partner", "interested"]


class DemoIndicator(TypedDict):
    name: str
    unit: str
    baseline: str
    target: str
    due: str


class DemoProfile(TypedDict):
    title: str
    status: Literal["draft", "working_group", "ready", "published"]
    summary: str
    problem: str
    goal: str
    measures: str
    target_segments: list[str]
    target_groups: str
    themes: list[str]  # the first is the primary action field
    horizon: Literal["short", "medium", "long"] | None
    cost_min: int | None
    cost_max: int | None
    funding: str
    organisations: list[DemoOrganisation]
    indicators: list[DemoIndicator]
    sources: list[str]
    working_group: bool  # the demo moderator is in its working group


PROFILES: list[DemoProfile] = [
    {
        "title": "WLAN und Geräte für alle Schulen",
        "status": "published",
        "summary": (
            "Alle weiterführenden Schulen im Landkreis bekommen flächendeckendes WLAN, das "
            "auch Schülerinnen und Schüler nutzen dürfen, dazu Tablets ab Klasse 7 und eine "
            "gemeinsame Lernplattform."
        ),
        "problem": (
            "In der Fokusgruppe der Realschule Auetal berichteten Schülerinnen und Schüler, "
            "dass das WLAN oft **nur im Lehrerzimmer** funktioniert und Geräte fehlen. "
            "Aufgaben kommen auf Zetteln, per Mail und über Messenger."
        ),
        "goal": "Jede Schülerin und jeder Schüler kann im Unterricht digital arbeiten.",
        "measures": (
            "- WLAN-Ausleuchtung aller Schulgebäude\n"
            "- Freigabe eines Schülernetzes mit Jugendschutzfilter\n"
            "- Tablets ab Klasse 7 über den DigitalPakt\n"
            "- Eine Lernplattform für alle Schulen des Kreises"
        ),
        "target_segments": ["pupil"],
        "target_groups": "Schulträger, Lehrkräfte",
        "themes": ["bildung", "breitband"],
        "horizon": "short",
        "cost_min": 1_800_000,
        "cost_max": 2_400_000,
        "funding": "DigitalPakt Schule, Eigenmittel des Schulträgers",
        "organisations": [
            {"name": "Landkreis Auetal, Schulverwaltung", "kind": "administration", "role": "lead"},
            {"name": "Realschule Auetal", "kind": "school", "role": "partner"},
            {"name": "Medienzentrum Auetal", "kind": "other", "role": "partner"},
        ],
        "indicators": [
            {
                "name": "Schulen mit WLAN in allen Räumen",
                "unit": "Anzahl",
                "baseline": "3",
                "target": "14",
                "due": "Ende 2027",
            },
        ],
        "sources": [
            "WLAN in der ganzen Schule, nicht nur im Lehrerzimmer",
            "Schul-WLAN für uns Schüler freigeben",
            "Tablets für alle, nicht nur für die Oberstufe",
            "Eine Lernplattform statt Zettelchaos",
        ],
        "working_group": False,
    },
    {
        "title": "Verwaltung online: Termine, Bürgerkonto und Anträge",
        "status": "working_group",
        "summary": (
            "Termine der Zulassungsstelle und Bauanträge gehen online, Bürgerinnen, Bürger und "
            "Betriebe melden sich mit einem Konto für alle Anträge an."
        ),
        "problem": "Viele Anträge gehen nur auf Papier oder vor Ort; Termine sind knapp.",
        "goal": "Die häufigsten zwanzig Anträge sind online möglich.",
        "measures": "- Online-Terminvergabe\n- Anbindung an das Bürgerkonto des Landes",
        "target_segments": ["resident", "firm"],
        "target_groups": "",
        "themes": ["verwaltung", "wirtschaft"],
        "horizon": "medium",
        "cost_min": 350_000,
        "cost_max": None,
        "funding": "",
        "organisations": [
            {"name": "Landkreis Auetal, Digitalisierung", "kind": "administration", "role": "lead"},
            {"name": "IHK Auetal", "kind": "chamber", "role": "interested"},
        ],
        "indicators": [],
        "sources": [
            "Online-Termine bei der Kfz-Zulassungsstelle",
            "Ein Bürgerkonto für alle Anträge",
            "Bauanträge und Genehmigungen digital einreichen",
            "Zulassungen für Autohäuser planbar machen",
        ],
        "working_group": True,
    },
    {
        "title": "Funklöcher und Glasfaserlücken schließen",
        "status": "ready",
        "summary": (
            "Die Mobilfunklücken an Kreisstraßen und im Schulbus werden kartiert und mit den "
            "Netzbetreibern geschlossen; Einzelhöfe und Betriebe im Außenbereich bekommen "
            "Glasfaser."
        ),
        "problem": "Zwischen den Orten bricht das Netz ab, auch auf Feldern und im Bus.",
        "goal": "Durchgehend Mobilfunk an Kreisstraßen, Glasfaser für alle Adressen.",
        "measures": "- Funklochkarte\n- Leerrohre bei jeder Baumaßnahme",
        "target_segments": ["resident", "firm", "pupil"],
        "target_groups": "Landwirtschaftliche Betriebe",
        "themes": ["breitband", "mobilitaet"],
        "horizon": "long",
        "cost_min": None,
        "cost_max": None,
        "funding": "Gigabitförderung des Bundes",
        "organisations": [
            {"name": "Breitbandbüro Auetal", "kind": "administration", "role": "lead"},
            {"name": "Kreisbauernverband", "kind": "association", "role": "partner"},
        ],
        "indicators": [],
        "sources": [
            "Funkloch an der Kreisstraße zwischen Oberwiesach und Kornbach",
            "Glasfaser auch für Einzelhöfe und Außenbereiche",
            "Netz auf dem Acker",
            "Kein Netz im Schulbus",
            "Leerrohre bei jeder Baumaßnahme mitverlegen",
        ],
        "working_group": False,
    },
    {
        "title": "Digitalpaten und Kurse für Ältere",
        "status": "draft",
        "summary": "",
        "problem": "",
        "goal": "",
        "measures": "",
        "target_segments": ["other"],
        "target_groups": "Ältere Menschen",
        "themes": ["teilhabe"],
        "horizon": None,
        "cost_min": None,
        "cost_max": None,
        "funding": "",
        "organisations": [],
        "indicators": [],
        "sources": [
            "Digitalpaten für Ältere in der Bücherei",
            "Bitte auch an die denken, die kein Internet haben",
            "Mehr praktische Digitalkurse an der Volkshochschule",
            "Stellungnahme des Kreisseniorenbeirats",
        ],
        "working_group": True,
    },
]
