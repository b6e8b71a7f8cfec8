"""Demo content: a fictional district's digitalisation plan, seeded on first start.

Pure data, no imports from the app; participation.services.seed turns it into rows.
Dates are offsets in days from the day of seeding, so the demo never looks stale.
"""

from typing import Literal, NotRequired, TypedDict

Segment = Literal["resident", "pupil", "firm", "expert", "other"]
Channel = Literal["idea_call", "survey", "focus_group", "workshop", "import"]
Status = Literal["pending", "published", "rejected"]
PhaseKind = Literal["information", "idea_call", "screening", "evaluation", "results"]


class DemoPhase(TypedDict):
    kind: PhaseKind
    title: str
    description: str
    starts_in_days: int  # negative = in the past
    ends_in_days: int


class DemoTheme(TypedDict):
    slug: str
    name: str
    description: str
    keywords: list[str]
    lead_organisation: str | None


class DemoOrganisation(TypedDict):
    name: str
    sector: str
    size_class: Literal["1-9", "10-49", "50-249", "250+"]


class DemoContribution(TypedDict):
    title: str
    body: str
    segment: Segment
    channel: Channel
    municipality: str | None
    themes: list[str]  # theme slugs
    status: Status
    days_ago: int
    organisation: NotRequired[DemoOrganisation]
    reject_reason: NotRequired[str]


class DemoReply(TypedDict):
    body: str
    segment: Segment
    days_ago: int


class DemoComment(TypedDict):
    """A published comment on a published idea (named by its title), with its replies."""

    idea: str
    body: str
    segment: Segment
    days_ago: int
    replies: NotRequired[list[DemoReply]]


class DemoProcess(TypedDict):
    slug: str
    title: str
    summary: str
    description: str
    # The same in Leichte Sprache (the process page links it with its pictogram).
    plain_description: str
    moderation_mode: Literal["before_publishing", "after_publishing"]
    phases: list[DemoPhase]


MUNICIPALITIES: list[str] = [
    "Auenbrück",
    "Birkenstedt",
    "Eschenrode",
    "Haselwinkel",
    "Kornbach",
    "Lindenhagen",
    "Oberwiesach",
    "Rabenfeld",
    "Tannried",
    "Ulmenau",
]

PROCESS: DemoProcess = {
    "slug": "digitalstrategie-auetal",
    "title": "Digitalstrategie Landkreis Auetal 2030",
    "summary": (
        "Bis 2030 will der Landkreis Auetal Verwaltung, Schulen, Mobilität, Gesundheitsversorgung "
        "und Netzausbau digital voranbringen – sagen Sie uns, wo es am dringendsten ist."
    ),
    "description": (
        "Ob Kfz-Zulassung, Schulbus oder Arzttermin: Vieles im Alltag lässt sich mit digitalen "
        "Angeboten einfacher, schneller und unabhängiger vom Wohnort erledigen. Gleichzeitig gibt "
        "es im Landkreis Auetal noch Funklöcher, langsame Anschlüsse und Anträge, die nur auf "
        "Papier gestellt werden können. Mit der Digitalstrategie 2030 legt der Kreistag fest, "
        "welche Vorhaben in den nächsten Jahren Vorrang haben und wofür Personal und Fördermittel "
        "eingesetzt werden.\n\n"
        "Deshalb fragen wir Sie: Was sollte sich ändern, was fehlt, was funktioniert schon gut? Im "
        "Ideenaufruf können Sie Ihre Vorschläge online einreichen; Beiträge auf Papier nehmen die "
        "Bürgerbüros in allen zehn Städten und Gemeinden entgegen. Zusätzlich sprechen wir in "
        "Fokusgruppen mit Schülerinnen und Schülern, befragen Unternehmen und laden zu "
        "Bürgerwerkstätten vor Ort ein.\n\n"
        "Nach dem Ende des Ideenaufrufs sichtet die Stabsstelle Digitalisierung alle Beiträge, "
        "fasst ähnliche Vorschläge zusammen und ordnet sie sieben Handlungsfeldern zu. Daraus "
        "entstehen Steckbriefe für konkrete Maßnahmen mit Zielen, geschätzten Kosten und "
        "Zuständigkeiten. Ein Gremium aus Kreisverwaltung, Gemeinden, Wirtschaft und "
        "Zivilgesellschaft bewertet die Steckbriefe nach vorab veröffentlichten Kriterien. Die "
        "Rangfolge erscheint als Maßnahmenplan auf dieser Seite und wird dem Kreistag zum "
        "Beschluss vorgelegt. Zu jedem Steckbrief können Sie nachvollziehen, welche Beiträge "
        "eingeflossen sind.\n\n"
        "Mitmachen können alle, die im Landkreis Auetal wohnen, arbeiten, zur Schule gehen oder "
        "ein Unternehmen führen – unabhängig von Alter und Staatsangehörigkeit. Alle Beiträge "
        "werden vor der Veröffentlichung kurz geprüft. Bitte geben Sie keine persönlichen Daten "
        "wie Anschrift, Telefonnummer oder Angaben zur Gesundheit an."
    ),
    "plain_description": (
        "Der Land-Kreis Auetal hat einen Plan.\n"
        "Bis zum Jahr 2030 sollen viele Dinge digital gehen.\n"
        "Digital heißt: mit dem Computer oder mit dem Handy.\n\n"
        "Zum Beispiel:\n\n"
        "- einen Antrag im Internet stellen\n"
        "- einen Termin beim Arzt im Internet machen\n"
        "- überall gutes Internet haben\n\n"
        "Wir fragen Sie: Was soll besser werden?\n"
        "Schicken Sie uns Ihre Idee.\n"
        "Sie müssen Ihren Namen nicht sagen.\n\n"
        "Danach lesen wir alle Ideen.\n"
        "Wir machen daraus einen Plan.\n"
        "Den Plan zeigen wir auf dieser Seite."
    ),
    "moderation_mode": "before_publishing",
    "phases": [
        {
            "kind": "information",
            "title": "Information und Auftakt",
            "description": (
                "Der Kreistag hat die Kreisverwaltung beauftragt, eine Digitalstrategie zu "
                "erarbeiten. Bei Auftaktveranstaltungen in Auenbrück und Rabenfeld wurden Ziele, "
                "Zeitplan und Beteiligungsmöglichkeiten vorgestellt."
            ),
            "starts_in_days": -77,
            "ends_in_days": -35,
        },
        {
            "kind": "idea_call",
            "title": "Ideenaufruf",
            "description": (
                "Reichen Sie bis zum Ende dieser Phase Ihre Ideen online, auf Papier im Bürgerbüro "
                "oder in unseren Werkstätten ein. Jeder Beitrag wird vor der Veröffentlichung kurz "
                "geprüft."
            ),
            "starts_in_days": -35,
            "ends_in_days": 21,
        },
        {
            "kind": "screening",
            "title": "Sichtung und Bündelung",
            "description": (
                "Die Stabsstelle Digitalisierung sichtet alle Beiträge, fasst ähnliche Vorschläge "
                "zusammen und ordnet sie den sieben Handlungsfeldern zu. Daraus entstehen "
                "Steckbriefe für konkrete Maßnahmen."
            ),
            "starts_in_days": 21,
            "ends_in_days": 49,
        },
        {
            "kind": "evaluation",
            "title": "Bewertung der Steckbriefe",
            "description": (
                "Ein Gremium aus Kreisverwaltung, Gemeinden, Wirtschaft und Zivilgesellschaft "
                "bewertet die Steckbriefe nach Nutzen, Aufwand und Dringlichkeit. Die Kriterien "
                "werden vorher veröffentlicht."
            ),
            "starts_in_days": 49,
            "ends_in_days": 91,
        },
        {
            "kind": "results",
            "title": "Veröffentlichung des Maßnahmenplans",
            "description": (
                "Der nach Rang geordnete Maßnahmenplan wird hier veröffentlicht und dem Kreistag "
                "zum Beschluss vorgelegt. Zu jeder Maßnahme sehen Sie, welche Beiträge "
                "eingeflossen sind."
            ),
            "starts_in_days": 91,
            "ends_in_days": 126,
        },
    ],
}

THEMES: list[DemoTheme] = [
    {
        "slug": "verwaltung",
        "name": "Digitale Verwaltung",
        "description": (
            "Anträge, Termine und Bescheide sollen online, verständlich und ohne Medienbruch "
            "möglich sein – von der Kfz-Zulassung bis zum Bauantrag. Dazu gehören eine sichere IT "
            "und offene Daten der Kreisverwaltung."
        ),
        "keywords": [
            "onlinezugangsgesetz",
            "onlineantrag",
            "bürgerkonto",
            "terminvergabe",
            "kfz-zulassung",
            "zulassungsstelle",
            "bauantrag",
            "e-akte",
            "formulare",
            "bürgerbüro",
            "behördengang",
            "offene daten",
            "informationssicherheit",
            "mängelmelder",
        ],
        "lead_organisation": "Kreisverwaltung Auetal, Stabsstelle Digitalisierung",
    },
    {
        "slug": "bildung",
        "name": "Bildung & Schule",
        "description": (
            "Gute Ausstattung, verlässliches WLAN und digitale Lernangebote an den Schulen in "
            "Trägerschaft des Landkreises sowie Weiterbildung für alle Altersgruppen."
        ),
        "keywords": [
            "schule",
            "schul-wlan",
            "tablets",
            "digitalpakt",
            "lernplattform",
            "medienkompetenz",
            "informatik",
            "volkshochschule",
            "lehrkräfte",
            "schulträger",
            "leihgeräte",
            "weiterbildung",
        ],
        "lead_organisation": "Kreismedienzentrum Auetal",
    },
    {
        "slug": "mobilitaet",
        "name": "Mobilität",
        "description": (
            "Bus, Rufbus, Rad und Mitfahrangebote sollen digital vernetzt, einfach buchbar und in "
            "Echtzeit planbar werden – gerade in den kleinen Ortschaften."
        ),
        "keywords": [
            "rufbus",
            "busverkehr",
            "fahrplan",
            "echtzeit",
            "fahrplanauskunft",
            "deutschlandticket",
            "mitfahrbank",
            "bahnhof",
            "radverkehr",
            "leihrad",
            "pendeln",
            "haltestelle",
            "schülerbeförderung",
        ],
        "lead_organisation": "Verkehrsgesellschaft Auetal mbH",
    },
    {
        "slug": "gesundheit",
        "name": "Gesundheit & Pflege",
        "description": (
            "Telemedizin, digitale Pflegedokumentation und bessere Informationen für Patientinnen, "
            "Patienten und Angehörige sollen die Versorgung im ländlichen Raum sichern."
        ),
        "keywords": [
            "telemedizin",
            "videosprechstunde",
            "hausarzt",
            "ärztemangel",
            "pflege",
            "pflegeplatz",
            "kurzzeitpflege",
            "ambulante pflege",
            "telematikinfrastruktur",
            "gesundheitsamt",
            "beratungsangebote",
        ],
        "lead_organisation": "Kreisverwaltung Auetal, Fachdienst Gesundheit",
    },
    {
        "slug": "wirtschaft",
        "name": "Wirtschaft & Fachkräfte",
        "description": (
            "Betriebe aus Handwerk, Handel, Landwirtschaft, Tourismus und Industrie werden bei der "
            "Digitalisierung unterstützt, und die Region gewinnt Fachkräfte und Auszubildende."
        ),
        "keywords": [
            "wirtschaftsförderung",
            "fachkräftemangel",
            "ausbildung",
            "handwerk",
            "einzelhandel",
            "landwirtschaft",
            "tourismus",
            "gewerbegebiet",
            "it-sicherheit",
            "gemeinschaftsbüro",
            "praktikum",
            "innenstadt",
        ],
        "lead_organisation": "Wirtschaftsförderungsgesellschaft Auetal mbH",
    },
    {
        "slug": "breitband",
        "name": "Breitband & Infrastruktur",
        "description": (
            "Glasfaser bis ins Haus, lückenloser Mobilfunk und eine verlässliche digitale "
            "Infrastruktur, auf der Schulen, Betriebe und Verwaltung aufbauen können."
        ),
        "keywords": [
            "breitbandausbau",
            "glasfaser",
            "mobilfunk",
            "funkloch",
            "5g",
            "gigabitförderung",
            "leerrohre",
            "tiefbau",
            "öffentliches wlan",
            "außenbereich",
            "sensornetz",
            "netzabdeckung",
        ],
        "lead_organisation": "Breitbandbüro des Landkreises Auetal",
    },
    {
        "slug": "teilhabe",
        "name": "Digitale Teilhabe & Ehrenamt",
        "description": (
            "Niemand soll abgehängt werden: Hilfe beim Einstieg, barrierearme Angebote, analoge "
            "Zugänge und digitale Werkzeuge für Vereine und Ehrenamtliche."
        ),
        "keywords": [
            "teilhabe",
            "barrierefreiheit",
            "senioren",
            "digitalpaten",
            "ehrenamt",
            "vereine",
            "bücherei",
            "jugendarbeit",
            "transparenz",
            "kreistag",
            "analoge zugänge",
            "medienkompetenz",
        ],
        "lead_organisation": None,
    },
]

CONTRIBUTIONS: list[DemoContribution] = [
    # Residents
    # Near-duplicate pair: Rufbus per App (see also the Tannried idea).
    {
        "title": "Rufbus per App buchen statt nur telefonisch",
        "body": (
            "Bei uns in Rabenfeld fährt am Wochenende praktisch kein regulärer Bus mehr, nur noch "
            "der Rufbus. Den muss man aber mindestens eine Stunde vorher telefonisch bestellen, "
            "und die Telefonzentrale ist nur bis 18 Uhr besetzt. Meine Tochter (16) würde den "
            "Rufbus viel öfter nutzen, wenn man ihn einfach per App buchen könnte und dort auch "
            "sieht, wann er wirklich kommt. Das wäre auch für Pendler zum Bahnhof Auenbrück "
            "praktisch."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Rabenfeld",
        "themes": ["mobilitaet"],
        "status": "published",
        "days_ago": 27,
    },
    # Near-duplicate of „Rufbus per App buchen statt nur telefonisch“.
    {
        "title": "Bus auf Bestellung übers Handy",
        "body": (
            "Vorschlag: Den Anrufbus sollte man auch übers Handy bestellen können, am besten in "
            "der gleichen App, in der man die Fahrpläne sieht. Telefonisch klappt das oft nicht, "
            "weil abends keiner mehr rangeht. Gerade für uns in Tannried, wo nach 19 Uhr gar kein "
            "Bus mehr fährt, wär das eine echte Verbesserung."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Tannried",
        "themes": ["mobilitaet"],
        "status": "pending",
        "days_ago": 1,
    },
    # Near-duplicate pair: online appointments at the Zulassungsstelle.
    {
        "title": "Online-Termine bei der Kfz-Zulassungsstelle",
        "body": (
            "Wer ein Auto an- oder ummelden will, muss in Auenbrück morgens um halb acht vor der "
            "Zulassungsstelle Schlange stehen und hoffen, dass man noch eine Wartemarke bekommt. "
            "Letzte Woche habe ich dafür einen halben Urlaubstag geopfert. Bitte führen Sie eine "
            "Online-Terminvergabe ein, so wie es beim Bürgerbüro der Stadt schon funktioniert. "
            "Noch besser wäre es natürlich, wenn man einfache Sachen wie die Abmeldung ganz online "
            "erledigen könnte."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Auenbrück",
        "themes": ["verwaltung"],
        "status": "published",
        "days_ago": 22,
    },
    {
        "title": "Ein Bürgerkonto für alle Anträge",
        "body": (
            "Ich musste in den letzten zwei Jahren Wohngeld, einen Schwerbehindertenausweis für "
            "meine Mutter und einen Zuschuss für die Klassenfahrt beantragen und jedes Mal alles "
            "neu ausfüllen und Kopien einreichen. Warum gibt es nicht ein Konto, in dem meine "
            "Daten hinterlegt sind, ich Anträge online stellen kann und sehe, wie weit die "
            "Bearbeitung ist? Das Onlinezugangsgesetz gibt es doch schon seit Jahren."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Lindenhagen",
        "themes": ["verwaltung"],
        "status": "published",
        "days_ago": 29,
    },
    {
        "title": "Funkloch an der Kreisstraße zwischen Oberwiesach und Kornbach",
        "body": (
            "Auf der Kreisstraße zwischen Oberwiesach und Kornbach hat man auf etwa vier "
            "Kilometern überhaupt keinen Empfang, weder zum Telefonieren noch für Internet. Das "
            "ist nicht nur ärgerlich, sondern gefährlich, wenn man dort einen Unfall hat oder mit "
            "dem Auto liegen bleibt. Bitte setzen Sie sich beim Mobilfunkausbau dafür ein, dass "
            "diese Lücke endlich geschlossen wird."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Oberwiesach",
        "themes": ["breitband"],
        "status": "published",
        "days_ago": 26,
    },
    {
        "title": "Glasfaser auch für Einzelhöfe und Außenbereiche",
        "body": (
            "Wir wohnen auf einem Aussiedlerhof etwa anderthalb Kilometer außerhalb von "
            "Haselwinkel. Beim letzten Ausbau wurde der Ort mit Glasfaser versorgt, wir aber "
            "nicht, weil sich unser Anschluss angeblich nicht rechnet. Hier kommen 6 Mbit/s an, "
            "wenn es gut läuft. Meine Frau arbeitet zwei Tage pro Woche von zu Hause, die Kinder "
            "brauchen das Internet für die Schule, und der Hof soll irgendwann an unseren Sohn "
            "gehen. Mir ist klar, dass jeder einzelne Anschluss im Außenbereich teuer ist. Aber "
            "wenn der Landkreis nicht dafür sorgt, dass auch die letzten Adressen angeschlossen "
            "werden, passiert es nie. Vorschlag: alle unterversorgten Adressen erfassen und für "
            "genau diese gezielt Fördermittel aus der Gigabitförderung beantragen. Wir würden uns "
            "auch an den Kosten für den Graben auf unserem Grundstück beteiligen."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Haselwinkel",
        "themes": ["breitband"],
        "status": "published",
        "days_ago": 20,
    },
    {
        "title": "Videosprechstunde beim Hausarzt",
        "body": (
            "In Ulmenau gibt es seit letztem Jahr keine Hausarztpraxis mehr. Die nächste ist 14 km "
            "entfernt und nimmt kaum neue Patienten auf. Für Rezepte, Krankschreibungen oder "
            "Rückfragen zu Befunden müsste man nicht jedes Mal hinfahren. Könnte der Landkreis "
            "Praxen dabei unterstützen, Videosprechstunden anzubieten? Und vielleicht im "
            "Gemeindehaus einen Raum einrichten, in dem ältere Leute mit Unterstützung daran "
            "teilnehmen können."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Ulmenau",
        "themes": ["gesundheit"],
        "status": "published",
        "days_ago": 18,
    },
    {
        "title": "Freie Pflegeplätze auf einen Blick",
        "body": (
            "Als mein Vater nach dem Krankenhaus plötzlich einen Kurzzeitpflegeplatz brauchte, "
            "habe ich zwei Tage lang jedes Heim im Landkreis einzeln angerufen. Eine tagesaktuelle "
            "Übersicht im Internet, wo gerade Kurzzeit- oder Tagespflegeplätze frei sind, würde "
            "Angehörigen enorm helfen. Die Einrichtungen müssten ihre freien Plätze nur regelmäßig "
            "melden."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Auenbrück",
        "themes": ["gesundheit"],
        "status": "published",
        "days_ago": 11,
    },
    {
        "title": "Digitalpaten für Ältere in der Bücherei",
        "body": (
            "Viele Ältere trauen sich an Onlinebanking oder die Terminbuchung beim Arzt nicht "
            "heran. Idee: In der Gemeindebücherei Birkenstedt einmal pro Woche eine Sprechstunde, "
            "bei der Ehrenamtliche helfen. Ich bin selbst Rentner und würde mitmachen, wenn es "
            "eine kleine Schulung und ein paar Leihgeräte gäbe."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Birkenstedt",
        "themes": ["teilhabe"],
        "status": "published",
        "days_ago": 24,
    },
    {
        "title": "Freies WLAN am Marktplatz Auenbrück",
        "body": (
            "Am Marktplatz und rund um den Busbahnhof gibt es kein öffentliches WLAN. Für Gäste, "
            "für Jugendliche mit wenig Datenvolumen und für alle, die auf den Bus warten, wäre das "
            "eine große Hilfe. Andere Kleinstädte machen das längst über die Stadtwerke oder mit "
            "Freifunk."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Auenbrück",
        "themes": ["breitband", "teilhabe"],
        "status": "published",
        "days_ago": 23,
    },
    {
        "title": "WLAN Marktplatz",
        "body": (
            "Wie hier schon jemand geschrieben hat: bitte öffentliches WLAN am Marktplatz und am "
            "Busbahnhof in Auenbrück. Das fehlt echt, vor allem beim Warten auf den Bus."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Auenbrück",
        "themes": ["breitband"],
        "status": "rejected",
        "days_ago": 21,
        "reject_reason": (
            "Vielen Dank für Ihren Vorschlag! Er stimmt inhaltlich mit dem bereits "
            "veröffentlichten Beitrag „Freies WLAN am Marktplatz Auenbrück“ überein. Damit die "
            "Ideensammlung übersichtlich bleibt, veröffentlichen wir ihn nicht ein zweites Mal. "
            "Ihr Anliegen ist damit bereits erfasst und fließt in die Sichtung ein."
        ),
    },
    {
        "title": "Mängelmelder für Schlaglöcher und kaputte Laternen",
        "body": (
            "Eine einfache Möglichkeit, Schäden zu melden: Foto machen, der Standord wird "
            "automatisch übernommen, abschicken. Und danach sieht man, ob sich jemand darum "
            "kümmert. Im Moment weiß man ja oft nicht mal, ob der Kreis oder die Gemeinde "
            "zuständig ist."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Kornbach",
        "themes": ["verwaltung"],
        "status": "pending",
        "days_ago": 0,
    },
    {
        "title": "Gemeinschaftsbüro im alten Bahnhof Rabenfeld",
        "body": (
            "Das Bahnhofsgebäude in Rabenfeld steht seit Jahren leer. Daraus könnte man ein "
            "Gemeinschaftsbüro mit schneller Leitung machen, in dem Pendlerinnen und Pendler "
            "tageweise arbeiten, statt jeden Tag eine Stunde in die Stadt zu fahren. Ich kenne im "
            "Ort mindestens zehn Leute, die dort einen Arbeitsplatz mieten würden. Nebenbei würde "
            "das Gebäude wieder belebt, vielleicht sogar mit einem kleinen Café."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Rabenfeld",
        "themes": ["wirtschaft", "breitband"],
        "status": "published",
        "days_ago": 14,
    },
    {
        "title": "Echtzeit-Abfahrtsanzeigen an den Umsteigehaltestellen",
        "body": (
            "An den großen Umsteigepunkten sollte angezeigt werden, wann der Bus wirklich kommt. "
            "Im Winter steht man sonst 20 Minuten im Dunkeln und weiß nicht, ob er ausgefallen "
            "ist. Die Daten gibt es anscheinend schon, in der Fahrplanauskunft sieht man "
            "Verspätungen manchmal."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Eschenrode",
        "themes": ["mobilitaet"],
        "status": "published",
        "days_ago": 9,
    },
    {
        "title": "Mitfahrbänke mit einer App verknüpfen",
        "body": (
            "In einigen Orten stehen ja schon Mitfahrbänke, aber da sitzt nie jemand, weil man "
            "nicht weiß, ob überhaupt einer vorbeikommt. Wenn man vorher in einer App eintragen "
            "könnte „Ich möchte um 10 Uhr von Tannried nach Auenbrück“, könnten sich Fahrer und "
            "Mitfahrer verabreden. Vielleicht lässt sich das mit dem Rufbus auf einer gemeinsamen "
            "Plattform zusammenführen."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Tannried",
        "themes": ["mobilitaet", "teilhabe"],
        "status": "pending",
        "days_ago": 2,
    },
    {
        "title": "Kita-Platz online anmelden",
        "body": (
            "Bisher muss man sich bei jeder Kita einzeln vormerken lassen, mit Papierformular. Ein "
            "gemeinsames Anmeldeportal für alle Kitas im Kreis, in dem man mehrere Wunsch-Kitas "
            "angeben kann und sieht, an welcher Stelle der Warteliste man steht, würde Eltern und "
            "Kitas viel Arbeit ersparen."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Ulmenau",
        "themes": ["verwaltung", "bildung"],
        "status": "pending",
        "days_ago": 5,
    },
    {
        "title": "Kreistagssitzungen im Internet übertragen",
        "body": (
            "Die Sitzungen des Kreistags sind öffentlich, aber wer arbeitet, kann nachmittags "
            "nicht nach Auenbrück fahren. Eine Übertragung im Internet und ein Archiv zum "
            "Nachschauen würden die Kreispolitik viel nachvollziehbarer machen. Außerdem sollten "
            "die Sitzungsunterlagen durchsuchbar sein und nicht nur als eingescannte PDF-Dateien "
            "vorliegen."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Lindenhagen",
        "themes": ["verwaltung", "teilhabe"],
        "status": "pending",
        "days_ago": 3,
    },
    {
        "title": "Bitte auch an die denken, die kein Internet haben",
        "body": (
            "Ich bin 81 Jahre alt und habe keinen Computer. Ich finde es richtig, dass vieles "
            "digital wird, aber man muss auch in Zukunft im Amt persönlich oder am Telefon etwas "
            "erledigen können, und es muss weiter Formulare auf Papier geben. Meine Enkelin hilft "
            "mir manchmal, aber nicht jeder hat jemanden, der das kann. (Eingereicht auf einem "
            "Papierbogen im Bürgerbüro Kornbach, abgetippt von der Stabsstelle Digitalisierung.)"
        ),
        "segment": "resident",
        "channel": "import",
        "municipality": "Kornbach",
        "themes": ["teilhabe", "verwaltung"],
        "status": "published",
        "days_ago": 25,
    },
    {
        "title": "Mehr praktische Digitalkurse an der Volkshochschule",
        "body": (
            "Ergebnis aus der Arbeitsgruppe Bildung in der Bürgerwerkstatt: Die "
            "Kreisvolkshochschule sollte mehr praxisnahe Kurse anbieten, zum Beispiel „Sicher im "
            "Netz einkaufen“, „Behördengänge online erledigen“ oder Tabellenkalkulation für "
            "Vereinskassierer. Wichtig sind kurze Abendkurse, und zwar auch in den kleinen "
            "Gemeinden, nicht nur in Auenbrück."
        ),
        "segment": "resident",
        "channel": "workshop",
        "municipality": "Auenbrück",
        "themes": ["bildung", "teilhabe"],
        "status": "published",
        "days_ago": 13,
    },
    {
        "title": "Pegelstände der Aue online und Warnung aufs Handy",
        "body": (
            "Beim Hochwasser vor drei Jahren haben viele Anlieger zu spät Bescheid bekommen. Die "
            "Pegelstände der Aue und ihrer Zuflüsse sollten für alle online einsehbar sein, und "
            "man sollte sich für seinen Ort eine Warnung aufs Handy schicken lassen können, sobald "
            "ein Grenzwert überschritten wird. An den kleineren Bächen könnte man dafür günstige "
            "Funksensoren anbringen. Die Feuerwehren würden das sicher auch begrüßen."
        ),
        "segment": "resident",
        "channel": "workshop",
        "municipality": "Oberwiesach",
        "themes": ["verwaltung", "breitband"],
        "status": "published",
        "days_ago": 13,
    },
    {
        "title": "Hundekot auf dem Spielplatz an der Schulstraße",
        "body": (
            "Auf dem Spielplatz an der Schulstraße in Kornbach liegt ständig Hundekot, die Kinder "
            "treten dauernd rein. Es braucht dringend mehr Mülleimer mit Tütenspendern und ab und "
            "zu Kontrollen vom Ordnungsamt."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Kornbach",
        "themes": ["verwaltung"],
        "status": "rejected",
        "days_ago": 17,
        "reject_reason": (
            "Vielen Dank für Ihren Hinweis. Er betrifft nicht die Digitalstrategie, sondern die "
            "Pflege eines Spielplatzes, für die die Gemeinde Kornbach zuständig ist. Wir haben Ihr "
            "Anliegen deshalb an das Ordnungsamt der Gemeinde weitergeleitet."
        ),
    },
    {
        "title": "Ständige Internetstörung bei mir zu Hause",
        "body": (
            "Ich wohne in der Lindenstraße 14 in Eschenrode, Erdgeschoss links, und habe seit "
            "Monaten immer wieder Ausfälle beim Internet. Meine Kundennummer beim Anbieter ist "
            "4471-220-93, vielleicht können Sie dort direkt nachfragen, warum die Reparatur so "
            "lange dauert. Ich bin wegen meiner Herzerkrankung auf die telemedizinische "
            "Überwachung angewiesen, und die bricht bei jeder Störung ab."
        ),
        "segment": "resident",
        "channel": "idea_call",
        "municipality": "Eschenrode",
        "themes": ["breitband", "gesundheit"],
        "status": "rejected",
        "days_ago": 8,
        "reject_reason": (
            "Ihr Beitrag enthält Ihre Wohnanschrift, eine Kundennummer und Angaben zu Ihrer "
            "Gesundheit. Zum Schutz Ihrer Daten können wir ihn so nicht veröffentlichen. Gerne "
            "können Sie Ihre Idee ohne persönliche Angaben erneut einreichen. Wegen der Störung "
            "wenden Sie sich bitte direkt an Ihren Anbieter oder an das Breitbandbüro des "
            "Landkreises."
        ),
    },
    # Pupils (focus groups at two schools and the youth workshop; no municipality kept)
    # Near-duplicate pair: WLAN for pupils (see also „Schul-WLAN für uns Schüler freigeben“).
    {
        "title": "WLAN in der ganzen Schule, nicht nur im Lehrerzimmer",
        "body": (
            "Bei uns gibt es WLAN eigentlich nur im Lehrerzimmer und im Computerraum. Wenn wir im "
            "Unterricht was recherchieren sollen, geht das nur mit dem eigenen Datenvolumen, und "
            "das ist bei vielen nach einer Woche leer. Ganz ehrlich, wir haben nicht mehr 1995."
        ),
        "segment": "pupil",
        "channel": "focus_group",
        "municipality": None,
        "themes": ["bildung", "breitband"],
        "status": "published",
        "days_ago": 17,
    },
    {
        "title": "Eine Bus-App, die wirklich funktioniert",
        "body": (
            "Die jetzige Fahrplan-App zeigt nicht an, ob der Bus Verspätung hat, und Tickets kann "
            "man da auch nicht kaufen. Wir brauchen eine App, wo man sieht, wo der Bus gerade ist, "
            "und wo das Deutschlandticket gleich mit drin ist. Dann müsste man nicht drei "
            "verschiedene Apps haben."
        ),
        "segment": "pupil",
        "channel": "focus_group",
        "municipality": None,
        "themes": ["mobilitaet"],
        "status": "published",
        "days_ago": 17,
    },
    {
        "title": "Tablets für alle, nicht nur für die Oberstufe",
        "body": (
            "In der Oberstufe hat jeder ein Tablet von der Schule, wir in der 8. nicht. Manche "
            "haben eigene, manche nicht, und dann sitzt man zu dritt vor einem Gerät. Fairer wärs, "
            "wenn jede Klasse ab der 7 Leihgeräte bekommt. Und bitte mit Hülle, die gehen sonst "
            "sofort kaputt :D"
        ),
        "segment": "pupil",
        "channel": "focus_group",
        "municipality": None,
        "themes": ["bildung"],
        "status": "published",
        "days_ago": 17,
    },
    {
        "title": "Hilfe bei Cybermobbing",
        "body": (
            "Bei uns in der Klasse wurde jemand in einer Gruppe total fertiggemacht und keiner "
            "wusste, an wen man sich wenden kann. Es bräuchte eine Anlaufstelle, wo man auch "
            "anonym schreiben kann, und mehr Projekttage dazu an der Schule. Aber bitte nicht so "
            "langweilig wie der letzte."
        ),
        "segment": "pupil",
        "channel": "focus_group",
        "municipality": None,
        "themes": ["bildung", "teilhabe"],
        "status": "published",
        "days_ago": 17,
    },
    {
        "title": "Praktikumsplätze im Kreis an einer Stelle finden",
        "body": (
            "Fürs Schulpraktikum mussten wir alle selbst rumtelefonieren. Es wär viel leichter, "
            "wenn es eine Seite gäbe, wo alle Betriebe aus dem Landkreis ihre Praktikumsplätze "
            "eintragen, mit Bewertungen von anderen Schülern. Dann findet man auch Firmen, die man "
            "garnicht kennt."
        ),
        "segment": "pupil",
        "channel": "focus_group",
        "municipality": None,
        "themes": ["wirtschaft", "bildung"],
        "status": "published",
        "days_ago": 17,
    },
    # Near-duplicate of „WLAN in der ganzen Schule, nicht nur im Lehrerzimmer“.
    {
        "title": "Schul-WLAN für uns Schüler freigeben",
        "body": (
            "Das WLAN an unserer Schule ist nur für die Lehrer, wir kriegen das Passwort nicht. "
            "Dabei sollen wir ständig Sachen am Handy nachschauen oder Aufgaben hochladen. Es wär "
            "echt gut, wenn wir auch ins Netz dürften, meinetwegen auch mit Filter."
        ),
        "segment": "pupil",
        "channel": "focus_group",
        "municipality": None,
        "themes": ["bildung", "breitband"],
        "status": "published",
        "days_ago": 8,
    },
    {
        "title": "Kein Netz im Schulbus",
        "body": (
            "Ich fahr jeden Tag 50 Minuten mit dem Bus zur Schule und hab auf der halben Strecke "
            "kein Netz. Die Zeit könnte man voll gut zum Lernen oder für Hausaufgaben nutzen. WLAN "
            "im Bus wär der Traum haha"
        ),
        "segment": "pupil",
        "channel": "focus_group",
        "municipality": None,
        "themes": ["mobilitaet", "breitband"],
        "status": "published",
        "days_ago": 8,
    },
    {
        "title": "Informatik schon ab Klasse 5",
        "body": (
            "An unserer Schule gibt es Informatik erst ab der 9 und nur als Wahlfach. "
            "Programmieren sollte aber jeder mal gelernt haben. Vielleicht könnte der Kreis auch "
            "Kurse in den Ferien anbieten, z.B. Roboter bauen oder eigene Spiele programmieren."
        ),
        "segment": "pupil",
        "channel": "focus_group",
        "municipality": "Rabenfeld",
        "themes": ["bildung"],
        "status": "published",
        "days_ago": 8,
    },
    {
        "title": "Anonyme Onlineberatung, wenn's einem nicht gut geht",
        "body": (
            "Viele aus meiner Stufe haben Stress, Prüfungsangst oder Probleme zu Hause, aber zur "
            "Beratungsstelle geht keiner, weil man da gesehen wird. Eine anonyme Beratung übers "
            "Handy, am besten auch abends, würde echt vielen helfen. Die Schulsozialarbeiterin ist "
            "nur zwei Tage die Woche da."
        ),
        "segment": "pupil",
        "channel": "focus_group",
        "municipality": None,
        "themes": ["gesundheit", "teilhabe"],
        "status": "published",
        "days_ago": 8,
    },
    {
        "title": "Zocken im Jugendzentrum mit richtigem Internet",
        "body": (
            "Im Jugendzentrum gibt es zwar eine Konsole, aber das Internet ist so langsam, dass "
            "man nicht mal online spielen kann. Wir würden gern ein kleines Turnier für "
            "Jugendliche aus dem ganzen Kreis machen. Dafür bräuchte man eine bessere Leitung und "
            "zwei, drei Rechner."
        ),
        "segment": "pupil",
        "channel": "workshop",
        "municipality": "Auenbrück",
        "themes": ["teilhabe", "breitband"],
        "status": "pending",
        "days_ago": 3,
    },
    {
        "title": "Leihräder an den Bahnhöfen",
        "body": (
            "Vom Bahnhof bis zu uns ins Dorf sind es vier Kilometer und abends fährt nix mehr. "
            "Leihräder oder E-Roller, die man per App ausleiht und im nächsten Ort wieder "
            "abstellt, wären perfekt. In der Stadt gibts das ja auch überall."
        ),
        "segment": "pupil",
        "channel": "workshop",
        "municipality": None,
        "themes": ["mobilitaet"],
        "status": "pending",
        "days_ago": 3,
    },
    {
        "title": "Eine Lernplattform statt Zettelchaos",
        "body": (
            "Jeder Lehrer macht es anders: einer schickt Arbeitsblätter per Mail, einer nutzt die "
            "Lernplattform, einer verteilt nur Zettel. Wenn man krank ist, weiß man nie, was man "
            "nachholen muss. Bitte eine Plattform für alle Schulen im Kreis, und alle Lehrer "
            "müssen die auch benutzen!!"
        ),
        "segment": "pupil",
        "channel": "workshop",
        "municipality": None,
        "themes": ["bildung"],
        "status": "published",
        "days_ago": 3,
    },
    # Firms (company survey and idea call)
    {
        "title": "Bauanträge und Genehmigungen digital einreichen",
        "body": (
            "Wir sind ein Tischlerei- und Zimmereibetrieb mit 23 Beschäftigten und bauen häufig "
            "Terrassendächer, Anbauten und Dachgauben. Für jeden Bauantrag drucken wir die Pläne "
            "in mehrfacher Ausfertigung aus und bringen sie persönlich vorbei. Rückfragen kommen "
            "per Post und dauern Wochen. Unser Wunsch: den digitalen Bauantrag vollständig "
            "einführen, mit Anzeige des Bearbeitungsstands und einer festen Ansprechperson im "
            "Bauamt, die man per E-Mail erreicht. Das würde Handwerksbetrieben und Bauherren viel "
            "Zeit sparen."
        ),
        "segment": "firm",
        "channel": "survey",
        "municipality": "Eschenrode",
        "themes": ["verwaltung", "wirtschaft"],
        "status": "published",
        "days_ago": 28,
        "organisation": {
            "name": "Holzwerkstatt Auetal GmbH",
            "sector": "Handwerk",
            "size_class": "10-49",
        },
    },
    {
        "title": "IT-Sicherheitsberatung für kleine Betriebe",
        "body": (
            "Wir betreuen als kleines IT-Systemhaus rund 60 Handwerksbetriebe und Arztpraxen in "
            "der Region. Im letzten Jahr hatten drei unserer Kunden einen Verschlüsselungstrojaner "
            "im Netz. Kleine Betriebe haben keine eigene IT-Abteilung und unterschätzen das "
            "Risiko. Vorschlag: ein kostenloser Erstcheck zur IT-Sicherheit, organisiert von der "
            "Wirtschaftsförderung gemeinsam mit regionalen Dienstleistern, dazu Infoabende für "
            "Betriebe in den Gemeinden."
        ),
        "segment": "firm",
        "channel": "survey",
        "municipality": "Lindenhagen",
        "themes": ["wirtschaft"],
        "status": "published",
        "days_ago": 27,
        "organisation": {
            "name": "Netzwerkstatt Lindenhagen",
            "sector": "IT-Dienstleistungen",
            "size_class": "1-9",
        },
    },
    {
        "title": "Netz auf dem Acker",
        "body": (
            "Moderne Landtechnik braucht Mobilfunk: Korrektursignale für die GPS-Lenksysteme, "
            "Sensoren im Stall, digitale Meldungen an Behörden und Tierseuchenkasse. Auf unseren "
            "Flächen bricht das Signal ständig ab. Bitte beim Ausbau nicht nur die Ortschaften, "
            "sondern auch die landwirtschaftlichen Flächen mitdenken. Ein Funknetz für Sensoren "
            "könnte der Kreis auch selbst aufbauen, davon hätten auch die Gemeinden etwas, etwa "
            "bei Pegelmessungen oder Bodenfeuchte."
        ),
        "segment": "firm",
        "channel": "survey",
        "municipality": "Eschenrode",
        "themes": ["breitband", "wirtschaft"],
        "status": "published",
        "days_ago": 26,
        "organisation": {
            "name": "Hofgemeinschaft Eschenrode GbR",
            "sector": "Landwirtschaft",
            "size_class": "1-9",
        },
    },
    {
        "title": "Azubis finden: Betriebe und Schulen digital vernetzen",
        "body": (
            "Wir finden seit drei Jahren keine Auszubildenden mehr für den Beruf Elektroniker. Die "
            "Jugendlichen kennen uns schlicht nicht. Hilfreich wäre eine Plattform, über die "
            "Schulen Betriebsbesichtigungen und Praktika bei uns buchen können, und kurze Videos, "
            "in denen Azubis aus der Region ihren Beruf vorstellen. Auch ein digitaler "
            "Ausbildungsatlas für den Landkreis würde helfen."
        ),
        "segment": "firm",
        "channel": "survey",
        "municipality": "Oberwiesach",
        "themes": ["wirtschaft", "bildung"],
        "status": "published",
        "days_ago": 24,
        "organisation": {
            "name": "Elektro Oberwiesach GmbH",
            "sector": "Handwerk",
            "size_class": "10-49",
        },
    },
    {
        "title": "Schneller zur Genehmigung für Großraumtransporte",
        "body": (
            "Als Spedition mit rund 120 Mitarbeitenden beantragen wir regelmäßig "
            "Ausnahmegenehmigungen für Großraum- und Schwertransporte. Der Antrag selbst läuft "
            "zwar online, aber die Abstimmung mit Kreis, Gemeinden und Straßenmeisterei geht noch "
            "per Fax und E-Mail hin und her. Ein gemeinsames digitales Verfahren würde die "
            "Bearbeitung von derzeit drei bis vier Wochen deutlich verkürzen. Außerdem fehlen "
            "sichere Lkw-Stellplätze im Kreis; eine digitale Anzeige der freien Plätze wäre ein "
            "Anfang."
        ),
        "segment": "firm",
        "channel": "idea_call",
        "municipality": "Kornbach",
        "themes": ["verwaltung", "wirtschaft"],
        "status": "published",
        "days_ago": 21,
        "organisation": {
            "name": "AueLog Transport GmbH",
            "sector": "Logistik",
            "size_class": "50-249",
        },
    },
    {
        "title": "Ein gemeinsames Online-Schaufenster für die Innenstadt",
        "body": (
            "Wir sind ein inhabergeführtes Modegeschäft in der Auenbrücker Innenstadt. Allein "
            "können wir keinen eigenen Onlinehandel aufbauen. Eine gemeinsame Plattform der "
            "Händler im Landkreis, auf der man sieht, was vorrätig ist, etwas reservieren und im "
            "Laden abholen kann, würde uns gegen die großen Versandhändler helfen. Dazu eine "
            "digitale Gutscheinkarte, die in allen teilnehmenden Geschäften gilt. Wichtig wäre "
            "uns, dass die Wirtschaftsförderung Einrichtung und Schulung unterstützt."
        ),
        "segment": "firm",
        "channel": "idea_call",
        "municipality": "Auenbrück",
        "themes": ["wirtschaft"],
        "status": "published",
        "days_ago": 19,
        "organisation": {
            "name": "Modehaus am Markt",
            "sector": "Einzelhandel",
            "size_class": "10-49",
        },
    },
    # Near-duplicate of „Online-Termine bei der Kfz-Zulassungsstelle“.
    {
        "title": "Zulassungen für Autohäuser planbar machen",
        "body": (
            "Wir melden als Autohaus jede Woche 30 bis 40 Fahrzeuge an. Dafür fährt ein "
            "Mitarbeiter regelmäßig zur Zulassungsstelle und wartet dort oft zwei Stunden auf "
            "seine Nummer. Für Händler und Zulassungsdienste wäre eine verlässliche Terminbuchung "
            "im Internet eine große Entlastung, am besten mit festen Zeitfenstern für gewerbliche "
            "Kunden. Mittelfristig wünschen wir uns, dass die internetbasierte Zulassung im "
            "Landkreis vollständig genutzt werden kann, auch für Händler mit vielen Fahrzeugen. "
            "Das spart auf beiden Seiten Zeit und Papier."
        ),
        "segment": "firm",
        "channel": "idea_call",
        "municipality": "Birkenstedt",
        "themes": ["verwaltung", "wirtschaft"],
        "status": "published",
        "days_ago": 15,
        "organisation": {
            "name": "Autohaus Birkenstedt GmbH",
            "sector": "Kfz-Handel und Werkstatt",
            "size_class": "50-249",
        },
    },
    {
        "title": "Digitale Gästekarte für das Auetal",
        "body": (
            "Unsere Übernachtungsgäste fragen ständig, wie sie ohne Auto zu den Ausflugszielen "
            "kommen. Eine digitale Gästekarte, mit der man Bus und Rufbus kostenlos nutzen kann "
            "und Ermäßigungen in Museen und Freibädern bekommt, wäre ein starkes Argument für die "
            "Region. Dazu eine gemeinsame Übersicht der Rad- und Wanderwege mit aktuellen "
            "Hinweisen, etwa wenn ein Weg gesperrt ist. Als Gasthaus würden wir uns an so einem "
            "System gern beteiligen."
        ),
        "segment": "firm",
        "channel": "idea_call",
        "municipality": "Tannried",
        "themes": ["wirtschaft", "mobilitaet"],
        "status": "published",
        "days_ago": 10,
        "organisation": {
            "name": "Gasthaus Tannrieder Mühle",
            "sector": "Tourismus",
            "size_class": "10-49",
        },
    },
    {
        "title": "Mobilfunk und Telematik für die ambulante Pflege",
        "body": (
            "Unsere 70 Pflegekräfte dokumentieren jeden Einsatz auf dem Tablet direkt beim "
            "Patienten. In vielen Ortsteilen, zum Beispiel rund um Haselwinkel und Tannried, gibt "
            "es aber kein Netz, dann muss alles später nachgetragen werden. Das kostet pro Tour "
            "bis zu einer halben Stunde. Dazu kommt, dass die Abstimmung mit Hausarztpraxen und "
            "Apotheken noch viel über Fax läuft. Wir wünschen uns, dass der Landkreis kleinere "
            "Pflegedienste beim Anschluss an die Telematikinfrastruktur berät und beim "
            "Mobilfunkausbau die Versorgungslücken in den Dörfern vorrangig angeht."
        ),
        "segment": "firm",
        "channel": "idea_call",
        "municipality": "Haselwinkel",
        "themes": ["gesundheit", "breitband"],
        "status": "pending",
        "days_ago": 2,
        "organisation": {
            "name": "Ambulanter Pflegedienst Lebensbogen",
            "sector": "Pflege",
            "size_class": "50-249",
        },
    },
    {
        "title": "Zweite Glasfasertrasse für das Gewerbegebiet Kornbach-Süd",
        "body": (
            "Mit über 300 Beschäftigten und einer Produktionssteuerung, die an die Systeme unserer "
            "Kunden angebunden ist, sind wir auf eine stabile Internetverbindung angewiesen. Das "
            "Gewerbegebiet Kornbach-Süd hängt an einer einzigen Glasfaserleitung; nach einem "
            "Baggerschaden im Frühjahr standen bei uns zwei Tage die Bänder still. Wir regen an, "
            "dass der Landkreis bei der Erschließung von Gewerbegebieten eine zweite, unabhängige "
            "Trasse vorsieht und die Betriebe früh in die Planung einbindet."
        ),
        "segment": "firm",
        "channel": "idea_call",
        "municipality": "Kornbach",
        "themes": ["breitband", "wirtschaft"],
        "status": "pending",
        "days_ago": 0,
        "organisation": {
            "name": "Aue-Kunststofftechnik GmbH",
            "sector": "Kunststoffverarbeitung",
            "size_class": "250+",
        },
    },
    # Experts
    {
        "title": "Leerrohre bei jeder Baumaßnahme mitverlegen",
        "body": (
            "Empfehlung aus dem Fachgespräch Tiefbau und Breitband: Der teuerste Teil des "
            "Glasfaserausbaus ist der Tiefbau. Wenn Kreis und Gemeinden Straßen, Gehwege oder "
            "Wasserleitungen sanieren, sollten grundsätzlich Leerrohre mitverlegt und in einem "
            "gemeinsamen digitalen Leitungskataster erfasst werden. Das Telekommunikationsgesetz "
            "sieht die Mitnutzung solcher Infrastruktur ausdrücklich vor. Wir empfehlen eine "
            "verbindliche Regel in der Digitalstrategie und eine zentrale Stelle, die geplante "
            "Baumaßnahmen aller Träger frühzeitig abgleicht."
        ),
        "segment": "expert",
        "channel": "import",
        "municipality": None,
        "themes": ["breitband"],
        "status": "published",
        "days_ago": 25,
    },
    {
        "title": "Telemedizin in der Fläche: Praxisassistenz mit Tablet",
        "body": (
            "Aus hausärztlicher Sicht: Videosprechstunden allein lösen das Problem im ländlichen "
            "Raum nicht, weil gerade ältere, chronisch kranke Menschen damit oft überfordert sind. "
            "Bewährt haben sich Modelle, bei denen speziell geschulte Praxisassistentinnen "
            "Hausbesuche machen und bei Bedarf die Ärztin oder den Arzt per Video zuschalten. Der "
            "Landkreis könnte ein solches Modell gemeinsam mit den Praxen und der Kassenärztlichen "
            "Vereinigung erproben, die Geräte mitfinanzieren und für eine stabile Verbindung in "
            "den Dörfern sorgen. Wichtig ist eine datenschutzkonforme Lösung, die an die "
            "Praxissoftware angebunden ist, sonst entsteht doppelte Dokumentation."
        ),
        "segment": "expert",
        "channel": "idea_call",
        "municipality": "Ulmenau",
        "themes": ["gesundheit"],
        "status": "published",
        "days_ago": 15,
    },
    {
        "title": "Informationssicherheit von Anfang an mitdenken",
        "body": (
            "Ich forsche an einer Hochschule zu Informationssicherheit und rege an, der "
            "Informationssicherheit in der Digitalstrategie ein eigenes Kapitel zu widmen. "
            "Kommunen werden immer häufiger Ziel von Erpressungsangriffen, und wochenlange "
            "Ausfälle von Kreisverwaltungen sind keine Seltenheit mehr. Konkret: ein gemeinsamer "
            "Informationssicherheitsbeauftragter für Kreis und Gemeinden, regelmäßige "
            "Notfallübungen, vom Netz getrennte Datensicherungen und verbindliche Mindeststandards "
            "für die IT der Schulen, die bisher oft von engagierten Lehrkräften nebenbei betreut "
            "wird."
        ),
        "segment": "expert",
        "channel": "workshop",
        "municipality": "Auenbrück",
        "themes": ["verwaltung", "bildung"],
        "status": "published",
        "days_ago": 13,
    },
    # Other groups
    {
        "title": "Stellungnahme des Kreisseniorenbeirats",
        "body": (
            "Der Kreisseniorenbeirat begrüßt die Digitalstrategie ausdrücklich. Wir bitten jedoch "
            "um drei Dinge: Erstens müssen alle Leistungen weiterhin auch ohne Internet zugänglich "
            "bleiben. Zweitens sollten digitale Angebote barrierearm gestaltet und vor der "
            "Einführung mit älteren Menschen erprobt werden. Drittens regen wir an, in jeder "
            "Gemeinde eine feste Anlaufstelle mit Digitalbegleitern einzurichten, gern gemeinsam "
            "mit Kirchengemeinden, Büchereien und Vereinen. Unsere Mitglieder stehen für Tests "
            "gern zur Verfügung."
        ),
        "segment": "other",
        "channel": "import",
        "municipality": None,
        "themes": ["teilhabe", "gesundheit"],
        "status": "published",
        "days_ago": 25,
    },
    {
        "title": "Vereinsarbeit digital erleichtern",
        "body": (
            "Wir sind der Förderverein der Freiwilligen Feuerwehr Kornbach. Mitgliederverwaltung, "
            "Dienstpläne und Kassenbuch laufen bei uns noch über selbst gebastelte Tabellen und "
            "private Handys. Hilfreich wäre, wenn der Kreis für Vereine eine datenschutzkonforme "
            "Vereinssoftware vergünstigt anbietet und Schulungen dazu macht. Die meisten von uns "
            "machen das nach Feierabend, da muss es einfach sein."
        ),
        "segment": "other",
        "channel": "idea_call",
        "municipality": "Kornbach",
        "themes": ["teilhabe"],
        "status": "pending",
        "days_ago": 1,
    },
]


# Comments, so the idea pages and the "most discussed" order have something to show.
COMMENTS: list[DemoComment] = [
    {
        "idea": "Rufbus per App buchen statt nur telefonisch",
        "body": (
            "Genau so! In Oberwiesach ist es dasselbe. Wichtig wäre, dass die App auch ohne "
            "Registrierung mit Kreditkarte funktioniert."
        ),
        "segment": "resident",
        "days_ago": 20,
        "replies": [
            {
                "body": (
                    "Und bitte weiter auch telefonisch, nicht jede und jeder hat ein Smartphone."
                ),
                "segment": "other",
                "days_ago": 19,
            },
        ],
    },
    {
        "idea": "Rufbus per App buchen statt nur telefonisch",
        "body": "Als Pendler würde ich den Rufbus dann jeden Tag zum Bahnhof nehmen.",
        "segment": "resident",
        "days_ago": 12,
    },
    {
        "idea": "Schul-WLAN für uns Schüler freigeben",
        "body": (
            "Bei uns am Gymnasium gibt es WLAN, aber nur mit Passwort für die Lehrkräfte. Für "
            "Recherche im Unterricht müssen wir unser eigenes Datenvolumen nehmen."
        ),
        "segment": "pupil",
        "days_ago": 6,
        "replies": [
            {
                "body": "An der BBS ist es genauso, besonders in den Werkstätten.",
                "segment": "pupil",
                "days_ago": 5,
            },
            {
                "body": "Mit Jugendschutzfilter wäre das für uns als Eltern in Ordnung.",
                "segment": "resident",
                "days_ago": 4,
            },
        ],
    },
    {
        "idea": "Online-Termine bei der Kfz-Zulassungsstelle",
        "body": "Für Autohäuser wäre ein eigenes Terminkontingent eine große Erleichterung.",
        "segment": "firm",
        "days_ago": 14,
    },
    {
        "idea": "Bitte auch an die denken, die kein Internet haben",
        "body": (
            "Danke für diesen Beitrag. Meine Mutter ist 84 und kommt mit dem Tablet nicht "
            "zurecht; ein fester Ansprechpartner im Rathaus würde ihr sehr helfen."
        ),
        "segment": "resident",
        "days_ago": 22,
    },
    {
        "idea": "Funkloch an der Kreisstraße zwischen Oberwiesach und Kornbach",
        "body": "Als Rettungssanitäter kann ich bestätigen: Dort bricht auch der Digitalfunk ab.",
        "segment": "other",
        "days_ago": 18,
    },
    {
        "idea": "Eine Bus-App, die wirklich funktioniert",
        "body": "Am besten mit Echtzeitdaten, sonst bringt die App nichts.",
        "segment": "pupil",
        "days_ago": 10,
    },
]
