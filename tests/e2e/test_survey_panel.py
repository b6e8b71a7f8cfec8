"""The firm panel in a real browser: an admin uploads a list of firms (one row refused, with
its reason), writes the invitation (a mistake first), previews and sends it; the invitee
opens the link from the mail the local SMTP server received, finds section and size class
filled in, answers and sends; the admin sees the response rate by WZ section and the answer
in the survey's results. axe checks each state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, submit_login, wait_for_htmx
from tests.smtp_inbox import body_of

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "panel-e2e@example.org", "ein langes Passwort für das Panel"
FIRM = "info@tischlerei-lange.example"
LIST = (
    "E-Mail;Organisation;WZ;Größe\n"
    f"{FIRM};Tischlerei Lange;C;10-49\n"
    "buero@spedition-ost.example;Spedition Ost;H;50-249\n"
    "keine-adresse;Ohne Adresse;C;1-9\n"
)
ANSWER = "Glasfaser bis ans Werkstor, bitte noch in diesem Jahr."


def test_an_admin_invites_the_panel_and_a_firm_answers(page: Page, live_server: LiveServer) -> None:
    create_staff(live_server, EMAIL, PASSWORD, "admin")
    page.goto(live_server.url + "/admin/processes/digitalstrategie-auetal/surveys")
    submit_login(page, EMAIL, PASSWORD)
    page.get_by_role("link", name=re.compile("Befragung der Betriebe")).first.click()
    page.get_by_role("link", name="Betriebspanel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Betriebspanel")
    panel_url = page.url
    check(page)

    # The list: two addresses taken, one row refused with what it held.
    upload: FilePayload = {"name": "betriebe.csv", "mimeType": "text/csv", "buffer": LIST.encode()}
    page.get_by_label("CSV- oder XLSX-Datei").set_input_files(files=[upload])
    page.get_by_role("button", name="Liste hochladen").click()
    expect(page.locator("#report")).to_contain_text("2 Adressen aufgenommen")
    expect(page.locator("#rejected tbody tr")).to_have_count(1)
    expect(page.locator("#rejected tbody tr")).to_contain_text("keine-adresse")
    expect(page.locator("#rejected tbody tr")).to_contain_text("Keine gültige E-Mail-Adresse.")
    check(page)

    # The text: without the link's placeholder it is refused, as typed.
    page.get_by_label("Betreff").fill("Ihre Meinung zählt, {organisation}")
    page.get_by_label("Text", exact=True).fill("Guten Tag,\nbitte machen Sie mit.")
    page.get_by_role("button", name="Speichern und Vorschau zeigen").click()
    expect(page.locator("#body-error")).to_contain_text("{link}")
    expect(page.get_by_label("Text", exact=True)).to_have_value("Guten Tag,\nbitte machen Sie mit.")
    check(page)
    page.get_by_label("Text", exact=True).fill(
        "Guten Tag,\nbitte machen Sie mit: {link}\nIhr Landkreis"
    )
    page.get_by_role("button", name="Speichern und Vorschau zeigen").click()
    expect(page.locator("#preview-subject")).to_have_text("Ihre Meinung zählt, Ihren Betrieb")
    expect(page.locator("#preview-body")).to_contain_text("bitte machen Sie mit: http")
    expect(page.locator("#preview-body")).to_contain_text("/abmelden/")
    check(page)

    page.get_by_label("Wie viele in diesem Durchgang?").fill("200")
    page.get_by_role("button", name="Die nächsten Einladungen senden").click()
    expect(page.locator(".flash").first).to_contain_text("2 Einladungen sind unterwegs")
    expect(page.locator("#not-invited")).to_contain_text("0 Adressen")
    check(page)

    # The firm opens the link from its mail.
    mail = live_server.inbox.to(FIRM)[0]
    assert mail["Subject"] == "Ihre Meinung zählt, Tischlerei Lange"
    link = re.search(r"http://\S+/umfrage/[\w-]+", body_of(mail))
    assert link, body_of(mail)
    assert "/abmelden/" in body_of(mail)
    invitee = page.context.browser.new_context(locale="de-DE")  # type: ignore[union-attr]
    firm = invitee.new_page()
    try:
        firm.goto(link[0])
        expect(firm.locator("#organisation_sector")).to_have_value("C")
        expect(firm.locator("#organisation_size-10-49")).to_be_checked()
        check(firm)
        firm.locator("#municipality").fill("Auenbrück")
        expect(firm.locator("#organisation_name")).to_have_count(0)  # anonymous: not asked
        firm.get_by_role("button", name="Speichern und weiter").click()
        firm.get_by_label("50 bis 250 Mbit/s").check()
        firm.get_by_label("4", exact=True).check()
        firm.get_by_role("button", name="Speichern und weiter").click()
        firm.get_by_label("Glasfaser in Gewerbegebieten").select_option("1")
        firm.get_by_label("Digitale Verwaltung").select_option("2")
        firm.get_by_label("Weiterbildung").select_option("3")
        firm.get_by_label(re.compile("Was würde Ihrem Betrieb")).fill(ANSWER)
        firm.get_by_role("button", name="Speichern und weiter").click()
        expect(firm.locator(".survey-progress")).to_have_text("Seite 4 von 4")
        firm.get_by_role("button", name="Absenden").click()
        expect(firm.locator("#survey-sent")).to_contain_text("Vielen Dank")
        check(firm)
    finally:
        invitee.close()

    # The admin sees the response rate by WZ section, and the answer in the results.
    page.goto(panel_url)
    row = page.locator("#rates-section tbody tr").filter(has_text="Verarbeitendes Gewerbe")
    expect(row.locator("td")).to_have_text(["1", "1", "1", "1", "100 %", "0"])
    other = page.locator("#rates-section tbody tr").filter(has_text="Verkehr und Lagerei")
    expect(other.locator("td")).to_have_text(["1", "1", "0", "0", "0 %", "0"])
    check(page)
    page.get_by_role("link", name="Ergebnisse").click()
    page.get_by_label("Größe (Beschäftigte)").select_option("10-49")
    expect(page).to_have_url(re.compile(r"size=10-49"))
    page.get_by_label("Branche (WZ 2008)").select_option("C")
    expect(page).to_have_url(re.compile(r"sector=C"))
    expect(page.get_by_text(ANSWER)).to_be_visible()
    wait_for_htmx(page)
    check(page)

    # The other firm opts out through the link in its mail: the panel then counts it no more.
    other_mail = body_of(live_server.inbox.to("buero@spedition-ost.example")[0])
    opt_out = re.search(r"http://\S+/abmelden/[\w-]+", other_mail)
    assert opt_out, other_mail
    leaving = page.context.browser.new_context(locale="de-DE")  # type: ignore[union-attr]
    spedition = leaving.new_page()
    try:
        spedition.goto(opt_out[0])
        expect(spedition.get_by_role("heading", level=1)).to_have_text(
            "Keine Umfrage-E-Mails mehr?"
        )
        check(spedition)
        spedition.get_by_role("button", name="Keine Umfrage-E-Mails mehr senden").click()
        expect(spedition.get_by_role("heading", level=1)).to_have_text("Umfrage-E-Mails abbestellt")
        check(spedition)
    finally:
        leaving.close()
    page.goto(panel_url)
    other = page.locator("#rates-section tbody tr").filter(has_text="Verkehr und Lagerei")
    expect(other.locator("td")).to_have_text(["1", "1", "0", "0", "0 %", "1"])
    check(page)
