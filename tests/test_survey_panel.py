"""The firm panel: uploading the list of addresses (every row not taken reported with what it
held), the invitation's text and preview, sending in batches and reminders over real SMTP
(aiosmtpd), the 5-day/2-reminder rules, the opt-out link that stops every later mail of the
process, anonymity (once sent, no row links a response to its invitee), non-anonymous
surveys, the response rate by WZ section and size class, exports without addresses, and the
retention purge."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from openpyxl import Workbook
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import SessionMaker
from participation.mail_sender import send_pending
from participation.models import OutgoingMail, Phase, Process, Segment, utcnow
from participation.models.survey_panel import PanelOptOut, SurveyInvitee, SurveyInviteeLink
from participation.models.surveys import Survey, SurveyResponse
from participation.services import panel_mail, survey_panel
from participation.services.contributions import hash_token
from participation.services.importing import read_csv
from participation.services.panel_links import address_hash
from participation.services.retention import purge
from participation.settings import Settings
from tests import mail_fixtures
from tests.helpers import (
    Client,
    add_process,
    attr,
    csrf_token,
    field_error,
    html,
    in_db,
    one,
    post_form,
    text_of,
)
from tests.mail_fixtures import BASE
from tests.smtp_inbox import Inbox, body_of
from tests.survey_builders import (
    BuiltSurvey,
    add_survey,
    answer,
    page_one,
    page_two,
    sign_in_admin,
    stored_survey,
)

inbox = mail_fixtures.inbox
settings = mail_fixtures.settings
sessions = mail_fixtures.sessions

LIST = (
    "E-Mail;Organisation;WZ;Größe\n"
    "info@baeckerei-kuhn.de;Bäckerei Kuhn;C;1-9\n"
    "kontakt@holzbau-mai.de;Holzbau Mai GmbH;F – Baugewerbe;10–49\n"
    "keine-adresse;Ohne Adresse;C;1-9\n"
    "INFO@baeckerei-kuhn.de;Bäckerei Kuhn (doppelt);C;1-9\n"
    "post@spedition-ost.de;Spedition Ost;Z;50-249\n"
    "buero@it-werk.de;IT-Werk;J;viele\n"
    "hallo@gasthaus-linde.de;Gasthaus Linde;;\n"
)


@pytest.fixture
def process(settings: Settings) -> Process:
    return in_db(settings, add_process)


@pytest.fixture
def built(settings: Settings, process: Process) -> BuiltSurvey:
    return stored_survey(settings, process)


@pytest.fixture
def admin_client(client: Client, settings: Settings) -> Client:
    return sign_in_admin(client, settings)


def _upload(client: Client, survey_id: int, text: str, name: str = "liste.csv") -> object:
    return _upload_bytes(client, survey_id, text.encode("utf-8"), name)


def _upload_bytes(client: Client, survey_id: int, data: bytes, name: str) -> object:
    return client.post(
        f"/admin/surveys/{survey_id}/panel/list",
        data={"_csrf_token": csrf_token(client)},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


def _invitees(settings: Settings) -> list[SurveyInvitee]:
    async def rows(session: AsyncSession) -> list[SurveyInvitee]:
        return list(await session.exec(select(SurveyInvitee).order_by(col(SurveyInvitee.id))))

    return in_db(settings, rows)


def _rows(settings: Settings, model: type) -> list:  # type: ignore[type-arg]
    async def rows(session: AsyncSession) -> list:  # type: ignore[type-arg]
        return list(await session.exec(select(model)))

    return in_db(settings, rows)


def _link(message: EmailMessage) -> str:
    found = re.search(r"/umfrage/([\w-]+)", body_of(message))
    assert found, body_of(message)
    return found[1]


def _opt_out_link(message: EmailMessage) -> str:
    found = re.search(r"http://testserver\.local(/abmelden/[\w-]+)", body_of(message))
    assert found, body_of(message)
    return found[1]


# --- the list --------------------------------------------------------------------------------


def test_upload_reports_every_row_not_taken_with_what_it_held(
    admin_client: Client, settings: Settings, built: BuiltSurvey
) -> None:
    response = _upload(admin_client, built.id, LIST)
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    page = html(response.text)  # type: ignore[attr-defined]
    report = text_of(one(page, "#report"))
    assert "7 Zeilen gelesen" in report
    assert "3 Adressen aufgenommen" in report
    assert "4 Zeilen nicht übernommen" in report
    rows = [
        [text_of(cell) for cell in row.select("td")] for row in page.select("#rejected tbody tr")
    ]
    assert rows == [
        ["4", "keine-adresse", "Ohne Adresse", "C", "1-9", "Keine gültige E-Mail-Adresse."],
        [
            "5",
            "INFO@baeckerei-kuhn.de",
            "Bäckerei Kuhn (doppelt)",
            "C",
            "1-9",
            "Die Adresse steht zweimal in der Datei (zuerst in Zeile 2).",
        ],
        [
            "6",
            "post@spedition-ost.de",
            "Spedition Ost",
            "Z",
            "50-249",
            "Kein Abschnitt der WZ 2008: bitte einen Buchstaben von A bis U.",
        ],
        [
            "7",
            "buero@it-werk.de",
            "IT-Werk",
            "J",
            "viele",
            "Keine Größenklasse: bitte 1-9, 10-49, 50-249, 250+.",
        ],
    ]
    invitees = _invitees(settings)
    assert [(i.address, i.organisation, i.wz_section, i.size_class) for i in invitees] == [
        ("info@baeckerei-kuhn.de", "Bäckerei Kuhn", "C", "1-9"),
        ("kontakt@holzbau-mai.de", "Holzbau Mai GmbH", "F", "10-49"),
        ("hallo@gasthaus-linde.de", "Gasthaus Linde", None, None),
    ]
    # The same list again: every address is already on it.
    again = html(_upload(admin_client, built.id, LIST).text)  # type: ignore[attr-defined]
    reasons = [text_of(row.select("td")[-1]) for row in again.select("#rejected tbody tr")]
    assert reasons.count("Die Adresse steht schon auf der Liste dieser Umfrage.") == 3
    assert len(_invitees(settings)) == 3


def test_upload_reads_xlsx_and_refuses_a_file_without_an_address_column(
    admin_client: Client, settings: Settings, built: BuiltSurvey
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Firma", "E-Mail-Adresse", "Wirtschaftszweig", "Beschäftigte"])
    sheet.append(["Metallbau Roth", "roth@metallbau.de", "c", "250+"])
    data = io.BytesIO()
    book.save(data)
    response = _upload_bytes(admin_client, built.id, data.getvalue(), "liste.xlsx")
    assert response.status_code == 200  # type: ignore[attr-defined]
    [invitee] = _invitees(settings)
    assert (invitee.organisation, invitee.wz_section, invitee.size_class) == (
        "Metallbau Roth",
        "C",
        "250+",
    )
    refused = _upload(admin_client, built.id, "Name;Ort\nA;B\n")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Spalte mit den E-Mail-Adressen" in field_error(
        html(refused.text),  # type: ignore[attr-defined]
        "file",
    )


def test_panel_page_is_for_admins_only(client: Client, built: BuiltSurvey) -> None:
    response = client.get(f"/admin/surveys/{built.id}/panel", follow_redirects=False)
    assert response.status_code in {302, 303, 401, 403}


# --- the text and sending ----------------------------------------------------------------------


def test_text_needs_the_link_placeholder_and_the_preview_shows_the_mail(
    admin_client: Client, built: BuiltSurvey
) -> None:
    url = f"/admin/surveys/{built.id}/panel/text"
    typed = "Guten Tag,\nbitte machen Sie mit."
    refused = post_form(admin_client, url, {"subject": "Umfrage", "body": typed})
    assert refused.status_code == 422
    page = html(refused.text)
    assert "Platzhalter {link}" in field_error(page, "body")
    assert one(page, "#body").get_text() == typed  # nothing typed is lost
    saved = post_form(
        admin_client,
        url,
        {"subject": "Umfrage für {organisation}", "body": "Guten Tag,\nhier Ihr Link: {link}"},
    )
    assert saved.status_code == 303
    page = html(admin_client.get(f"/admin/surveys/{built.id}/panel").text)
    assert text_of(one(page, "#preview-subject")) == "Umfrage für Ihren Betrieb"
    body = text_of(one(page, "#preview-body"))
    assert "hier Ihr Link: http://testserver.local/umfrage/…" in body
    assert "/abmelden/" in body


def test_send_in_batches_over_smtp_each_mail_with_its_own_link_and_opt_out(
    admin_client: Client, settings: Settings, built: BuiltSurvey, inbox: Inbox
) -> None:
    _upload(admin_client, built.id, LIST)
    response = post_form(admin_client, f"/admin/surveys/{built.id}/panel/send", {"count": "2"})
    assert response.status_code == 303, response.text
    first = inbox.to("info@baeckerei-kuhn.de")[0]
    second = inbox.to("kontakt@holzbau-mai.de")[0]
    assert first["Subject"] == "Einladung zur Umfrage „Befragung der Betriebe“"
    body = body_of(first)
    assert "Bäckerei Kuhn" in body
    assert first["List-Unsubscribe"].strip() == f"<{BASE}{_opt_out_link(first)}>"
    assert _link(first) != _link(second)
    page = html(admin_client.get(f"/admin/surveys/{built.id}/panel").text)
    assert "1 Adresse der Liste ist noch nicht eingeladen." in text_of(one(page, "#not-invited"))
    post_form(admin_client, f"/admin/surveys/{built.id}/panel/send", {"count": "200"})
    inbox.to("hallo@gasthaus-linde.de")
    assert len(inbox.wait_for(3)) == 3
    # Only hashes of the links are kept; the stored mails lose them once sent.
    links = _rows(settings, SurveyInviteeLink)
    assert {link.token_hash for link in links} >= {hash_token(_link(first))}

    async def stored_bodies(session: AsyncSession) -> list[str]:
        return list(await session.exec(select(OutgoingMail.body)))

    for _attempt in range(100):
        bodies = in_db(settings, stored_bodies)
        if all(_link(first) not in b for b in bodies):
            break
        asyncio.run(asyncio.sleep(0.05))
    assert all(_link(first) not in b and _link(second) not in b for b in bodies)


def test_sending_needs_a_number_and_an_open_survey(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    draft = stored_survey(settings, process, slug="entwurf", state="draft")
    _upload(admin_client, draft.id, LIST)
    bad = post_form(admin_client, f"/admin/surveys/{draft.id}/panel/send", {"count": "null"})
    assert bad.status_code == 422
    assert field_error(html(bad.text), "count") == "Bitte geben Sie eine Zahl von 1 bis 2000 ein."
    closed = post_form(admin_client, f"/admin/surveys/{draft.id}/panel/send", {"count": "5"})
    assert closed.status_code == 422
    assert "nicht geöffnet" in field_error(html(closed.text), "count")
    assert not _rows(settings, OutgoingMail)


# --- answering, anonymity ------------------------------------------------------------------------


def _invite_one(admin_client: Client, built: BuiltSurvey, inbox: Inbox, address: str) -> str:
    _upload(admin_client, built.id, f"E-Mail;Organisation;WZ;Größe\n{address};Kuhn;C;1-9\n")
    post_form(admin_client, f"/admin/surveys/{built.id}/panel/send", {"count": "10"})
    return _link(inbox.to(address)[-1])


def test_invited_response_is_prefilled_and_cut_loose_from_the_invitee_once_sent(
    admin_client: Client, client: Client, settings: Settings, built: BuiltSurvey, inbox: Inbox
) -> None:
    token = _invite_one(admin_client, built, inbox, "info@baeckerei-kuhn.de")
    page = html(client.get(f"/umfrage/{token}").text)
    assert attr(one(page, "#segment-firm"), "checked") is not None
    assert attr(one(page, "#organisation_size-1-9"), "checked") is not None
    assert attr(one(page, "#organisation_sector option[value=C]"), "selected") is not None
    assert not page.select("#organisation_name")  # anonymous: the firm's name is not asked
    assert not page.select("#not-anonymous")
    [invitee] = _invitees(settings)
    assert invitee.started
    assert not invitee.answered
    [response] = _rows(settings, SurveyResponse)
    assert response.invitee_id == invitee.id  # while it is answered, to come back
    about = {"page": "0", "segment": "firm", "municipality": "Kornbach"}
    about |= {"organisation_name": "Ein Betrieb", "organisation_sector": "C"}
    about |= {"organisation_size": "1-9"}
    assert answer(client, token, about).status_code == 303
    assert answer(client, token, page_one(built)).status_code == 303
    assert answer(client, token, page_two(built)).status_code == 303
    assert answer(client, token, {"page": "3"}, "send").status_code == 303
    [response] = _rows(settings, SurveyResponse)
    [invitee] = _invitees(settings)
    assert response.submitted_at is not None
    assert response.organisation_name is None  # typed anyway: not kept
    assert (response.organisation_sector, response.organisation_size) == ("C", "1-9")
    assert invitee.answered
    # No row ties them together any more.
    assert response.invitee_id is None
    hashes = {link.token_hash for link in _rows(settings, SurveyInviteeLink)}
    assert response.resume_token_hash not in hashes
    assert hash_token(token) not in {r.resume_token_hash for r in _rows(settings, SurveyResponse)}
    # The link says it is answered; the invitee gets no reminder.
    done = client.get(f"/umfrage/{token}")
    assert "bereits geantwortet" in done.text
    now = utcnow() + timedelta(days=30)
    assert in_db(settings, lambda s: _due_now(s, built.survey.id, now)) == 0


async def _due_now(session: AsyncSession, survey_id: int | None, now: object) -> int:
    survey = await session.get(Survey, survey_id)
    assert survey is not None
    return (await panel_mail.schedule(session, survey, now)).due_now  # type: ignore[arg-type]


def test_a_non_anonymous_survey_says_so_and_keeps_the_firm(
    admin_client: Client, client: Client, settings: Settings, process: Process, inbox: Inbox
) -> None:
    built = stored_survey(settings, process, slug="namentlich")

    async def named(session: AsyncSession) -> None:
        survey = await session.get(Survey, built.id)
        assert survey is not None
        survey.anonymous = False
        session.add(survey)
        await session.commit()

    in_db(settings, named)
    token = _invite_one(admin_client, built, inbox, "info@baeckerei-kuhn.de")
    page = html(client.get(f"/umfrage/{token}").text)
    assert "nicht anonym" in text_of(one(page, "#not-anonymous"))
    assert attr(one(page, "#organisation_name"), "value") == "Kuhn"
    about = {"page": "0", "segment": "firm", "municipality": "Kornbach"}
    about |= {"organisation_name": "Kuhn", "organisation_sector": "C", "organisation_size": "1-9"}
    answer(client, token, about)
    answer(client, token, page_one(built))
    answer(client, token, page_two(built))
    assert answer(client, token, {"page": "3"}, "send").status_code == 303
    [response] = _rows(settings, SurveyResponse)
    [invitee] = _invitees(settings)
    assert response.invitee_id == invitee.id
    assert invitee.answered


def test_settings_make_a_survey_non_anonymous(
    admin_client: Client, settings: Settings, built: BuiltSurvey
) -> None:
    page = html(admin_client.get(f"/admin/surveys/{built.id}").text)
    assert not one(page, "#named").has_attr("checked")
    form = {
        "title": "Befragung der Betriebe",
        "slug": "firmenbefragung",
        "named": "on",
        "opens_on": "2026-01-01",
    }
    assert post_form(admin_client, f"/admin/surveys/{built.id}", form).status_code == 303
    [survey] = _rows(settings, Survey)
    assert not survey.anonymous


# --- reminders -----------------------------------------------------------------------------------


async def _panel(session: AsyncSession, process: Process, addresses: list[str]) -> Survey:
    built = await add_survey(session, process, slug=f"panel-{len(addresses)}")
    lines = "E-Mail;Organisation\n" + "".join(f"{a};Firma\n" for a in addresses)
    await survey_panel.add_list(session, built.survey, read_csv("liste.csv", lines.encode()))
    return built.survey


async def test_reminders_at_most_two_at_least_five_days_apart(
    sessions: SessionMaker, settings: Settings, inbox: Inbox
) -> None:
    async with sessions() as db:
        process = await add_process(db)
        survey = await _panel(db, process, ["a@firma.de", "b@firma.de"])
        assert await panel_mail.send_invitations(db, survey, process, 10) == 2
        start = utcnow()
        assert await panel_mail.send_reminders(db, survey, process, 10, start) == 0
        four = start + timedelta(days=4, hours=23)
        assert await panel_mail.send_reminders(db, survey, process, 10, four) == 0
        later = (await panel_mail.schedule(db, survey, four)).later
        assert [(d.day, d.reminder, d.count) for d in later] == [
            ((start + timedelta(days=5)).date(), 1, 2)
        ]
        # b answers: only a is reminded.
        b = (
            await db.exec(select(SurveyInvitee).where(SurveyInvitee.address == "b@firma.de"))
        ).one()
        b.answered = True
        db.add(b)
        await db.commit()
        five = start + timedelta(days=5, minutes=1)
        assert (await panel_mail.schedule(db, survey, five)).due_now == 1
        assert await panel_mail.send_reminders(db, survey, process, 10, five) == 1
        assert await panel_mail.send_reminders(db, survey, process, 10, five) == 0
        nine = five + timedelta(days=4)
        assert await panel_mail.send_reminders(db, survey, process, 10, nine) == 0
        ten = five + timedelta(days=5, minutes=1)
        assert await panel_mail.send_reminders(db, survey, process, 10, ten) == 1
        much_later = ten + timedelta(days=60)
        assert await panel_mail.send_reminders(db, survey, process, 10, much_later) == 0
        assert (await panel_mail.schedule(db, survey, much_later)).due_now == 0
    assert settings.mail is not None
    await send_pending(sessions, settings.mail, now=utcnow() + timedelta(days=90))
    subjects = [m["Subject"] for m in inbox.to("a@firma.de", 3)]
    assert subjects[1].startswith("Erinnerung: Einladung zur Umfrage")
    assert "Erinnerung" in body_of(inbox.to("a@firma.de", 3)[2])
    assert len(inbox.to("b@firma.de")) == 1


# --- opting out ----------------------------------------------------------------------------------


def test_opt_out_link_stops_every_later_mail_of_the_process(
    admin_client: Client, client: Client, settings: Settings, process: Process, inbox: Inbox
) -> None:
    first = stored_survey(settings, process, slug="erste")
    second = stored_survey(settings, process, slug="zweite")
    _upload(admin_client, first.id, LIST)
    _upload(admin_client, second.id, LIST)
    post_form(admin_client, f"/admin/surveys/{first.id}/panel/send", {"count": "1"})
    mail = inbox.to("info@baeckerei-kuhn.de")[0]
    link = _opt_out_link(mail)
    # Opening the link changes nothing (mail scanners open links).
    page = html(client.get(link).text)
    assert "Radwege im Auetal" in text_of(page)
    assert all(i.address for i in _invitees(settings))
    done = post_form(client, link)
    assert done.status_code == 200
    assert "keine Umfrage-E-Mails mehr" in done.text
    kuhn = [
        i for i in _invitees(settings) if i.address_hash == address_hash("info@baeckerei-kuhn.de")
    ]
    assert len(kuhn) == 2
    assert all(i.opted_out and i.address is None for i in kuhn)
    assert [o.address_hash for o in _rows(settings, PanelOptOut)] == [
        address_hash("info@baeckerei-kuhn.de")
    ]
    assert all(m.recipient != "info@baeckerei-kuhn.de" for m in _rows(settings, OutgoingMail))
    # The other survey of the process sends to the others only.
    post_form(admin_client, f"/admin/surveys/{second.id}/panel/send", {"count": "100"})
    assert len(inbox.wait_for(3)) == 3  # one of the first survey, two of the second
    assert len(inbox.to("info@baeckerei-kuhn.de")) == 1
    assert len(inbox.to("hallo@gasthaus-linde.de")) == 1
    # Uploaded again: refused.
    third = stored_survey(settings, process, slug="dritte")
    again = html(_upload(admin_client, third.id, LIST).text)  # type: ignore[attr-defined]
    reasons = [text_of(row.select("td")[-1]) for row in again.select("#rejected tbody tr")]
    assert "Diese Adresse hat Umfrage-E-Mails dieses Verfahrens abbestellt." in reasons
    # An unknown link is a 404 page.
    assert client.get("/abmelden/unbekannt").status_code == 404


# --- rates, exports, retention ---------------------------------------------------------------


def test_response_rate_by_section_and_size_class(
    admin_client: Client, client: Client, settings: Settings, built: BuiltSurvey, inbox: Inbox
) -> None:
    _upload(admin_client, built.id, LIST)
    post_form(admin_client, f"/admin/surveys/{built.id}/panel/send", {"count": "2"})
    token = _link(inbox.to("kontakt@holzbau-mai.de")[0])
    client.get(f"/umfrage/{token}")
    page = html(admin_client.get(f"/admin/surveys/{built.id}/panel").text)
    rows = {
        text_of(row.select_one("th")): [text_of(td) for td in row.select("td")]  # type: ignore[arg-type]
        for row in page.select("#rates-section tbody tr")
    }
    assert rows == {
        "C – Verarbeitendes Gewerbe": ["1", "1", "0", "0", "0 %", "0"],
        "F – Baugewerbe": ["1", "1", "1", "0", "0 %", "0"],
        "nicht angegeben": ["1", "0", "0", "0", "–", "0"],
    }
    sizes = [text_of(row.select_one("th")) for row in page.select("#rates-size tbody tr")]  # type: ignore[arg-type]
    assert sizes == ["1-9", "10-49", "nicht angegeben"]


def test_survey_export_has_no_addresses(
    admin_client: Client, client: Client, settings: Settings, built: BuiltSurvey, inbox: Inbox
) -> None:
    token = _invite_one(admin_client, built, inbox, "info@baeckerei-kuhn.de")
    about = {"page": "0", "segment": "firm", "municipality": "Kornbach"}
    about |= {"organisation_name": "X", "organisation_sector": "C", "organisation_size": "1-9"}
    answer(client, token, about)
    answer(client, token, page_one(built))
    answer(client, token, page_two(built))
    answer(client, token, {"page": "3"}, "send")
    for url in (f"/surveys/{built.id}/export.csv", f"/surveys/{built.id}/export.xlsx"):
        exported = admin_client.get(url)
        assert exported.status_code == 200
        assert b"baeckerei-kuhn" not in exported.content
        assert b"Kuhn" not in exported.content


async def test_retention_deletes_the_panel_with_the_process(
    sessions: SessionMaker, settings: Settings
) -> None:
    async with sessions() as db:
        process = await add_process(db, call="closed")
        process_id = process.id
        survey = await _panel(db, process, ["a@firma.de", "b@firma.de"])
        survey.opens_at = utcnow() - timedelta(days=40)
        survey.closes_at = utcnow() + timedelta(days=1)
        db.add(survey)
        await db.commit()
        await panel_mail.send_invitations(db, survey, process, 10)
        db.add(PanelOptOut(process_id=process_id or 0, address_hash=address_hash("c@firma.de")))
        other = await add_process(db, slug="anderes")
        kept_id = (await _panel(db, other, ["a@firma.de"])).id
        await db.commit()
        report = await purge(db, utcnow(), 10, dry_run=True)
        assert report.invitees == 0  # the process ended a day ago: not yet
        phase = (await db.exec(select(Phase).where(Phase.process_id == process_id))).one()
        phase.ends_at = utcnow() - timedelta(days=20)
        db.add(phase)
        await db.commit()
        dry = await purge(db, utcnow(), 10, dry_run=True)
        assert (dry.invitees, dry.mails) == (2, 2)
        report = await purge(db, utcnow(), 10)
        assert (report.invitees, report.mails) == (2, 2)
        left = list(await db.exec(select(SurveyInvitee)))
        assert [i.survey_id for i in left] == [kept_id]
        assert not list(await db.exec(select(SurveyInviteeLink)))
        assert not list(await db.exec(select(OutgoingMail)))
        assert len(list(await db.exec(select(PanelOptOut)))) == 1  # hashes stay
        assert (await purge(db, utcnow(), 10)).invitees == 0


def test_link_batches_still_work_for_surveys_without_a_panel(
    admin_client: Client, client: Client, settings: Settings, built: BuiltSurvey
) -> None:
    made = post_form(admin_client, f"/admin/surveys/{built.id}/invitations", {"count": "2"})
    assert made.status_code == 303
    csv = admin_client.get(f"/admin/surveys/{built.id}/invitations.csv").content.decode("utf-8-sig")
    token = csv.splitlines()[1].rsplit("/", 1)[1]
    assert client.get(f"/umfrage/{token}").status_code == 200
    [response] = _rows(settings, SurveyResponse)
    assert response.invitation_id is not None
    assert response.invitee_id is None


def test_segment_fixed_to_residents_is_not_made_a_firm(
    settings: Settings, process: Process, sessions: SessionMaker
) -> None:
    async def check(session: AsyncSession) -> None:
        from participation.services.panel_links import prefill

        built = await add_survey(session, process, slug="bewohner", segment=Segment.RESIDENT)
        invitee = SurveyInvitee(
            survey_id=built.id, process_id=process.id or 0, address_hash="x", wz_section="C"
        )
        response = SurveyResponse(survey_id=built.id, resume_token_hash="y")
        prefill(response, built.survey, invitee)
        assert response.segment is None
        assert response.organisation_sector is None

    in_db(settings, check)


# --- volume ---------------------------------------------------------------------------------------

_SCAN = re.compile(r"\bSCAN (survey_invitee|panel_opt_out)\b(?! USING)|Seq Scan on survey_invitee")


async def _fill(session: AsyncSession, survey_id: int, process_id: int, n: int, tag: str) -> None:
    sections, sizes = ("C", "F", "J", None), ("1-9", "10-49", "50-249", "250+", None)
    now = utcnow()
    session.add_all(
        SurveyInvitee(
            survey_id=survey_id,
            process_id=process_id,
            address=f"{tag}{i}@firma.de",
            address_hash=address_hash(f"{tag}{i}@firma.de"),
            organisation=f"Firma {i}",
            wz_section=sections[i % 4],
            size_class=sizes[i % 5],
            invited_at=now - timedelta(days=i % 12) if i % 3 else None,
            last_mailed_at=now - timedelta(days=i % 12) if i % 3 else None,
            reminders=i % 3,
            started=i % 4 == 0,
            answered=i % 8 == 0,
        )
        for i in range(n)
    )
    await session.commit()


def test_the_panel_page_counts_10000_invitees_through_indexes(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    from sqlalchemy import text

    from participation.db import create_engine
    from tests.sql_statements import recorded

    big = stored_survey(settings, process, slug="gross")
    small = stored_survey(settings, process, slug="klein")
    in_db(settings, lambda s: _fill(s, big.id, process.id or 0, 10_000, "g"))
    in_db(settings, lambda s: _fill(s, small.id, process.id or 0, 50, "k"))

    async def analyze() -> None:
        engine = create_engine(settings)
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        await engine.dispose()

    asyncio.run(analyze())
    counts = []
    for built in (small, big):
        with recorded() as statements:
            page = admin_client.get(f"/admin/surveys/{built.id}/panel")
        assert page.status_code == 200
        counts.append(len(statements.runs))
        runs = [r for r in statements.runs if "survey_invitee" in r.statement]
    assert counts[0] == counts[1]  # a fixed number of statements, whatever the list's length
    assert len(runs) == 6  # three counts of the rates, three of the schedule
    rows = html(page.text).select("#rates-section tfoot td")
    assert [text_of(td) for td in rows][:2] == ["10000", "6666"]

    async def plans() -> list[str]:
        engine = create_engine(settings)
        found = []
        async with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if not sqlite:
                await conn.execute(text("SET enable_seqscan = off"))
            for run in runs:
                explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
                result = await conn.exec_driver_sql(explain + run.statement, run.parameters)
                lines: list[Any] = list(result)
                found.append("\n".join(str(row[3] if sqlite else row[0]) for row in lines))
        await engine.dispose()
        return found

    for run, plan in zip(runs, asyncio.run(plans()), strict=True):
        assert not _SCAN.search(plan), f"{run.statement}\n{plan}"
