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
    {
        "title": "Rufbus und Abfahrtszeiten in einer App",
        "status": "ready",
        "summary": (
            "Der Rufbus lässt sich per App buchen, und an den Umsteigehaltestellen "
            "zeigen Anzeigen und die App die echten Abfahrtszeiten."
        ),
        "problem": (
            "Der Rufbus ist nur telefonisch zu buchen, und niemand weiß, ob der Anschluss wartet."
        ),
        "goal": "Wer Bus fährt, bucht in zwei Minuten und sieht, wann der Bus wirklich kommt.",
        "measures": (
            "- Buchung des Rufbusses per App und Web\n"
            "- Echtzeitdaten der Verkehrsgesellschaft\n"
            "- Anzeigen an fünf Umsteigehaltestellen"
        ),
        "target_segments": ["resident", "pupil"],
        "target_groups": "Pendlerinnen und Pendler, Schülerinnen und Schüler",
        "themes": ["mobilitaet"],
        "horizon": "short",
        "cost_min": 250_000,
        "cost_max": 400_000,
        "funding": "Landesförderung ÖPNV",
        "organisations": [
            {"name": "Verkehrsgesellschaft Auetal", "kind": "firm", "role": "lead"},
            {"name": "Landkreis Auetal, ÖPNV", "kind": "administration", "role": "partner"},
        ],
        "indicators": [
            {
                "name": "Rufbus-Fahrten mit App-Buchung",
                "unit": "Prozent",
                "baseline": "0",
                "target": "60",
                "due": "Ende 2027",
            },
        ],
        "sources": [
            "Rufbus per App buchen statt nur telefonisch",
            "Echtzeit-Abfahrtsanzeigen an den Umsteigehaltestellen",
            "Eine Bus-App, die wirklich funktioniert",
        ],
        "working_group": False,
    },
    {
        "title": "Telemedizin in der Fläche",
        "status": "ready",
        "summary": (
            "Hausarztpraxen bieten Videosprechstunden an, und Praxisassistentinnen "
            "besuchen Patientinnen und Patienten mit dem Tablet, der Arzt ist zugeschaltet."
        ),
        "problem": "Auf dem Land sind die Wege zur Praxis weit, und Praxen finden kaum Nachfolger.",
        "goal": "Routinekontakte gehen ohne Fahrt, die Praxen gewinnen Zeit für schwere Fälle.",
        "measures": (
            "- Ausstattung von zehn Praxen\n"
            "- Schulung der Praxisassistenz\n"
            "- Übersicht freier Pflegeplätze"
        ),
        "target_segments": ["resident", "expert"],
        "target_groups": "Ältere Menschen, Pflegebedürftige",
        "themes": ["gesundheit"],
        "horizon": "medium",
        "cost_min": 300_000,
        "cost_max": 600_000,
        "funding": "Innovationsfonds, Landesprogramm Ländliche Versorgung",
        "organisations": [
            {"name": "Ärztenetz Auetal", "kind": "association", "role": "lead"},
            {"name": "Kreiskrankenhaus Auetal", "kind": "other", "role": "partner"},
        ],
        "indicators": [
            {
                "name": "Praxen mit Videosprechstunde",
                "unit": "Anzahl",
                "baseline": "2",
                "target": "10",
                "due": "Mitte 2028",
            },
        ],
        "sources": [
            "Videosprechstunde beim Hausarzt",
            "Telemedizin in der Fläche: Praxisassistenz mit Tablet",
            "Freie Pflegeplätze auf einen Blick",
        ],
        "working_group": False,
    },
    {
        "title": "IT-Sicherheit für kleine Betriebe und die Verwaltung",
        "status": "ready",
        "summary": (
            "Eine Beratungsstelle prüft kleine Betriebe und Gemeindeverwaltungen auf "
            "die häufigsten Sicherheitslücken und schult ihre Beschäftigten."
        ),
        "problem": (
            "Kleine Betriebe haben keine IT-Abteilung; ein Angriff kann sie wochenlang lahmlegen."
        ),
        "goal": "Jeder Betrieb kennt seine größten Risiken und hat einen Notfallplan.",
        "measures": (
            "- Kostenloser Sicherheitscheck\n"
            "- Schulungen vor Ort\n"
            "- Informationssicherheit als Standard in jedem Digitalprojekt"
        ),
        "target_segments": ["firm", "expert"],
        "target_groups": "Handwerk, Handel, Gemeindeverwaltungen",
        "themes": ["wirtschaft", "verwaltung"],
        "horizon": "short",
        "cost_min": 120_000,
        "cost_max": 180_000,
        "funding": "Förderprogramm Digitale Wirtschaft",
        "organisations": [
            {"name": "IHK Auetal", "kind": "chamber", "role": "lead"},
            {"name": "Kreishandwerkerschaft Auetal", "kind": "association", "role": "partner"},
        ],
        "indicators": [],
        "sources": [
            "IT-Sicherheitsberatung für kleine Betriebe",
            "Informationssicherheit von Anfang an mitdenken",
        ],
        "working_group": False,
    },
    {
        "title": "Ausbildung und Praktikum digital vernetzen",
        "status": "ready",
        "summary": (
            "Eine Plattform zeigt alle Praktikums- und Ausbildungsplätze im Kreis und "
            "bringt Schulen und Betriebe zusammen."
        ),
        "problem": (
            "Betriebe finden keine Azubis, Schülerinnen und Schüler finden die Betriebe nicht."
        ),
        "goal": "Jede Schule und jeder Ausbildungsbetrieb ist auf einer gemeinsamen Plattform.",
        "measures": (
            "- Praktikumsbörse\n"
            "- Betriebsprofile mit Ansprechpersonen\n"
            "- Berufsorientierungstage digital begleiten"
        ),
        "target_segments": ["pupil", "firm"],
        "target_groups": "Schulen, Ausbildungsbetriebe",
        "themes": ["wirtschaft", "bildung"],
        "horizon": "short",
        "cost_min": 60_000,
        "cost_max": 90_000,
        "funding": "",
        "organisations": [
            {"name": "Wirtschaftsförderung Auetal", "kind": "administration", "role": "lead"},
            {"name": "Berufsbildende Schulen Auetal", "kind": "school", "role": "partner"},
        ],
        "indicators": [],
        "sources": [
            "Praktikumsplätze im Kreis an einer Stelle finden",
            "Azubis finden: Betriebe und Schulen digital vernetzen",
        ],
        "working_group": False,
    },
    {
        "title": "Pegelstände und Hochwasserwarnung aufs Handy",
        "status": "ready",
        "summary": (
            "Die Pegel der Aue werden online gezeigt, und wer möchte, bekommt bei "
            "steigendem Wasser eine Warnung aufs Handy."
        ),
        "problem": "Beim letzten Hochwasser kamen Warnungen zu spät in den Ortsteilen an.",
        "goal": "Alle Anliegerinnen und Anlieger werden rechtzeitig gewarnt.",
        "measures": (
            "- Digitale Pegelmessung an vier Stellen\n- Anbindung an die Warn-App des Landes"
        ),
        "target_segments": ["resident"],
        "target_groups": "Anlieger der Aue, Feuerwehren",
        "themes": ["verwaltung", "breitband"],
        "horizon": "short",
        "cost_min": 80_000,
        "cost_max": 150_000,
        "funding": "Landesprogramm Hochwasserschutz",
        "organisations": [
            {
                "name": "Landkreis Auetal, Katastrophenschutz",
                "kind": "administration",
                "role": "lead",
            },
        ],
        "indicators": [],
        "sources": [
            "Pegelstände der Aue online und Warnung aufs Handy",
        ],
        "working_group": False,
    },
    {
        "title": "Digitales Schaufenster und Gästekarte",
        "status": "ready",
        "summary": (
            "Die Innenstadthändler zeigen ihr Angebot in einem gemeinsamen "
            "Online-Schaufenster, Gäste bekommen eine digitale Gästekarte."
        ),
        "problem": "Kundschaft und Gäste finden das Angebot der kleinen Läden nicht im Netz.",
        "goal": "Die Läden der Innenstadt sind gemeinsam online sichtbar.",
        "measures": "- Gemeinsame Plattform der Händler\n- Digitale Gästekarte mit Bus und Museen",
        "target_segments": ["firm"],
        "target_groups": "Einzelhandel, Gastgewerbe",
        "themes": ["wirtschaft"],
        "horizon": "medium",
        "cost_min": 40_000,
        "cost_max": 70_000,
        "funding": "",
        "organisations": [
            {"name": "Stadtmarketing Auenbrück", "kind": "association", "role": "lead"},
        ],
        "indicators": [],
        "sources": [
            "Ein gemeinsames Online-Schaufenster für die Innenstadt",
            "Digitale Gästekarte für das Auetal",
        ],
        "working_group": False,
    },
]
