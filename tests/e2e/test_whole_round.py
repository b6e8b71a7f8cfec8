"""A whole evaluation on the demo, in a real browser, from a resident's idea to what its author
and a focus group's class learn about it:

a resident sends an idea (with an address and consent to mail), it is published and becomes
a source of a profile; the admin takes over the Werra-Meißner criteria and opens a round over
the ready profiles with the demo's two jurors; one juror rates every profile in the browser,
the other's sheet is downloaded as XLSX, filled in and uploaded; the calibration view flags
where the two are two levels apart; groups sized for the demo are proposed from the ranking
and one profile is moved with a reason; the plan is published; the public plan shows the
groups, the resident's follow page and mail say what became of the idea, and the focus
group's result page says it for the class's ideas. axe checks every page on the way.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution, FocusGroupSession, Profile, User
from participation.services import moderation
from participation.services.profiles import sources
from tests.e2e.conftest import LiveServer, check, fill_idea_text, submit_login
from tests.smtp_inbox import body_of

pytestmark = pytest.mark.e2e
# The demo up to profiles ready for evaluation: the round is held here from the start.
SERVER_ENV = {"DEMO_PLAN": "0"}

SLUG = "digitalstrategie-auetal"
EVALUATION = f"/admin/processes/{SLUG}/bewertung"
IDEA = "Rufbus auch am Wochenende per App"
AUTHOR = "anwohnerin@example.org"
PROFILE = "Rufbus und Abfahrtszeiten in einer App"
# The profile the second juror rates two levels below the first on the first criterion.
DISPUTED = "Telemedizin in der Fläche"
CRITERIA = (
    "Zeitnahe Umsetzbarkeit",
    "Hohe Nutzer*innenorientierung",
    "Förderung digitaler Teilhabe",
    "Nachhaltigkeit",
)
MOVED = "Pegelstände und Hochwasserwarnung aufs Handy"


def _logins(server: LiveServer) -> list[str]:
    return (server.var_dir / "demo-login.txt").read_text().splitlines()


def _signed_in(browser: Browser, server: LiveServer, email: str, password: str) -> Page:
    page = browser.new_context(locale="de-DE").new_page()
    page.goto(server.url + "/login")
    submit_login(page, email, password)
    return page


def _send_idea(page: Page, server: LiveServer) -> str:
    """The resident's idea with an address and consent; the follow link."""
    page.goto(server.url + f"/processes/{SLUG}")
    fill_idea_text(page, IDEA, "Am Samstag fährt kein Bus; der Rufbus sollte per App kommen.")
    page.get_by_label("Einwohnerin oder Einwohner").check()
    page.get_by_label("E-Mail für Benachrichtigungen").fill(AUTHOR)
    page.locator("#notify_consent").check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Idee absenden").click()
    expect(page).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))
    return page.url.split("?")[0]


def _into_profile(server: LiveServer) -> None:
    """A moderator publishes the idea and adds it to the profile (both shown in other browser
    tests; here only their effect matters)."""

    async def work(session: AsyncSession) -> None:
        idea = (await session.exec(select(Contribution).where(Contribution.title == IDEA))).one()
        profile = (await session.exec(select(Profile).where(Profile.title == PROFILE))).one()
        admin = (await session.exec(select(User).where(User.email == "admin@demo.invalid"))).one()
        await moderation.approve(session, idea.id or 0, admin)
        await sources.link(session, profile, [idea.id or 0], admin)

    server.in_db(work)


def _rate_everything(page: Page, server: LiveServer) -> None:
    """The first juror rates every profile of the round: 4 on every criterion, 2 for the
    one that is moved later."""
    page.goto(server.url + "/bewertung")
    check(page)
    page.locator(".rating-round a").first.click()
    check(page)
    links = page.locator("tbody tr a")
    titles = [t.strip() for t in links.all_inner_texts()]
    for title in titles:
        page.get_by_role("link", name=title, exact=True).click()
        level = "2 – trifft teilweise zu" if title == MOVED else "4 – trifft voll zu"
        for criterion in CRITERIA:
            page.get_by_role("group", name=criterion).get_by_label(level).check()
        page.get_by_role("button", name="Bewertung abgeben").click()
        expect(page.get_by_text("Ihre Bewertung ist abgegeben.")).to_be_visible()
        page.go_back()
        page.go_back()
        page.reload()
    expect(page.locator("tbody")).not_to_contain_text("offen")


def _fill_sheet(data: bytes, path: Path) -> None:
    """The second juror's sheet: 2 on the first criterion of the disputed profile, 3
    elsewhere; a reason for the 2."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = [str(c.value or "") for c in sheet[1]]
    values = [i for i, h in enumerate(header) if re.search(r"\[K\d+\]$", h)]
    reasons = [i for i, h in enumerate(header) if "Begründung" in h]
    for row in sheet.iter_rows(min_row=2):
        if not row[0].value:
            continue
        disputed = DISPUTED in str(row[1].value)
        for n, column in enumerate(values):
            row[column].value = 2 if disputed and n == 0 else 3
        if disputed and reasons:
            row[reasons[0]].value = "Ohne Praxen, die mitmachen, beginnt das nicht bald."
    book.save(path)


def test_a_whole_round_from_an_idea_to_the_published_plan(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    resident = browser.new_context(locale="de-DE").new_page()
    follow_url = _send_idea(resident, live_server)
    _into_profile(live_server)
    lines = _logins(live_server)
    admin = _signed_in(browser, live_server, lines[2], lines[3])

    # Criteria: the digitalisation plan's preset.
    admin.goto(live_server.url + EVALUATION)
    admin.get_by_role("button", name="Kriterien des Digitalisierungsplans übernehmen").click()
    expect(admin.get_by_role("table", name="Kriterien und ihre Gewichte")).to_contain_text(
        "Nachhaltigkeit"
    )
    check(admin)

    # A round over the ready profiles with the two jurors.
    admin.get_by_role("link", name="Neue Bewertungsrunde").click()
    admin.get_by_label("Titel der Runde").fill("Bewertungsrunde 2027")
    admin.get_by_label("alle, die bereit zur Bewertung sind").check()
    admin.get_by_role("checkbox", name=re.compile("^Jury Wirtschaft")).check()
    admin.get_by_role("checkbox", name=re.compile("^Jury Bildung")).check()
    admin.get_by_role("button", name="Runde eröffnen").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Bewertungsrunde 2027")
    check(admin)
    round_url = admin.url

    # One juror in the browser ...
    juror = _signed_in(browser, live_server, lines[4], lines[5])
    _rate_everything(juror, live_server)

    # ... the other in a spreadsheet, downloaded and uploaded by the admin.
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Tabelle von Jury Bildung (XLSX)").click()
    filled = tmp_path / "jury-bildung.xlsx"
    _fill_sheet(Path(download.value.path()).read_bytes(), filled)
    upload = admin.locator("li", has_text="Tabelle von Jury Bildung")
    upload.get_by_label("Ausgefüllte Tabelle von Jury Bildung").set_input_files(str(filled))
    upload.get_by_role("button", name="Bewertungen übernehmen").click()
    expect(admin.locator(".evaluator-progress li", has_text="Jury Bildung")).to_contain_text(
        "7 von 7 bewertet"
    )
    check(admin)

    # Calibration: the disagreement is flagged; groups sized for the demo.
    admin.goto(live_server.url + EVALUATION + "/gruppen")
    admin.locator("#group-0-name").fill("Premium+")
    admin.locator("#group-0-size").fill("2")
    admin.get_by_role("button", name="Gruppe hinzufügen").click()
    admin.locator("#group-1-name").fill("Premium")
    admin.locator("#group-1-size").fill("3")
    admin.get_by_role("button", name="Gruppe hinzufügen").click()
    admin.locator("#group-2-name").fill("Weitere Projektideen")
    admin.get_by_role("button", name="Gruppen speichern").click()
    check(admin)
    admin.goto(round_url)
    admin.get_by_role("link", name="Kalibrierung und Prioritätsgruppen").click()
    disputed = admin.locator("tr", has=admin.get_by_role("link", name=DISPUTED))
    expect(disputed.locator(".flag")).to_have_text("besprechen")
    check(admin)
    admin.get_by_role("button", name="Gruppen aus der Rangfolge vorschlagen").click()
    moved = admin.locator("tr", has=admin.get_by_role("link", name=MOVED))
    expect(moved).to_contain_text("Weitere Projektideen")
    moved.locator("summary").click()
    moved.get_by_label("In die Gruppe").select_option(label="Premium")
    moved.get_by_label("Begründung (Pflicht, wird protokolliert)").fill(
        "Hochwasserschutz ist eine Pflichtaufgabe."
    )
    moved.get_by_role("button", name="Verschieben").click()
    moved = admin.locator("tr", has=admin.get_by_role("link", name=MOVED))
    expect(moved).to_contain_text("Hochwasserschutz ist eine Pflichtaufgabe.")
    check(admin)

    # The plan is published.
    admin.goto(live_server.url + EVALUATION + "/gruppen")
    admin.get_by_role("button", name="Plan veröffentlichen").click()
    expect(admin.get_by_text("Der Plan ist mit 7 Steckbriefen veröffentlicht.")).to_be_visible()
    check(admin)

    # The public plan ...
    resident.goto(live_server.url + f"/processes/{SLUG}/plan")
    expect(resident.get_by_role("heading", name="Premium+")).to_be_visible()
    expect(resident.locator("main")).to_contain_text(PROFILE)
    check(resident)
    # ... the author's follow page ...
    resident.goto(follow_url)
    expect(resident.locator("main")).to_contain_text(PROFILE)
    expect(resident.locator("main")).to_contain_text("Premium")
    check(resident)
    # ... and the mail (after the one confirming the submission).
    mails = live_server.inbox.to(AUTHOR, count=2, timeout=60)
    outcome = next(m for m in mails if "Was aus Ihrer Idee geworden ist" in str(m["Subject"]))
    assert f"„{PROFILE}“ eingeflossen, Priorität Premium" in body_of(outcome)

    # ... and the focus group's result page, for the class, without names.
    code = live_server.in_db(_focus_group_code)
    resident.goto(live_server.url + f"/mitmachen/{code}/ergebnis")
    expect(resident.locator("main")).to_contain_text("Eine Bus-App, die wirklich funktioniert")
    expect(resident.locator("main")).to_contain_text(PROFILE)
    check(resident)


async def _focus_group_code(session: AsyncSession) -> str:
    (found,) = await session.exec(select(FocusGroupSession))
    return found.join_code
