"""Plain language: the Leichte-Sprache page an admin writes for a process, and the idea form
in Einfache Sprache, one question per step, which sends its idea through the normal form's
service into moderation."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import pytest
from bs4 import BeautifulSoup
from litestar.testing import TestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.models import (
    Channel,
    ContributionStatus,
    Process,
    Role,
    Segment,
    Site,
)
from participation.services import plain_idea
from participation.services.contributions import IdeaForm
from participation.services.events import sites
from participation.services.events.sites import SiteForm
from participation.services.plain_help import HELP_TEXTS, PLAIN_HELP_MAX, help_text, stored_help
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_process,
    add_staff,
    attr,
    contributions,
    de,
    field_error,
    german,
    html,
    in_db,
    in_locale,
    login,
    one,
    post_form,
    text_of,
)

START: Final = f"/processes/{SLUG}/einfach"
SEND: Final = f"/processes/{SLUG}/einfach/senden"
PLAIN_PAGE: Final = f"/processes/{SLUG}/leichte-sprache"
EDIT: Final = f"/admin/processes/{SLUG}/edit"
TITLE: Final = "Eine Bank an der Bus-Haltestelle"
BODY: Final = "An der Haltestelle in Kornbach fehlt eine Bank.\nViele alte Menschen warten dort."


@pytest.fixture
def admin_client(client: Client, settings: Settings) -> Client:
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    assert login(client, "admin@example.org").status_code == 303
    return client


def admin_form(page: BeautifulSoup) -> dict[str, str]:
    """Everything the admin form holds as the browser would send it."""
    form = one(page, "form.admin-form")
    data: dict[str, str] = {}
    for tag in form.select("input[name]"):
        kind = tag.get("type", "text")
        if kind in {"checkbox", "radio"} and not tag.has_attr("checked"):
            continue
        if kind != "submit":
            data[attr(tag, "name")] = str(tag.get("value", "on" if kind == "checkbox" else ""))
    for tag in form.select("textarea[name]"):
        data[attr(tag, "name")] = tag.get_text()
    for tag in form.select("select[name]"):
        chosen = tag.select_one("option[selected]") or tag.select_one("option")
        data[attr(tag, "name")] = str(chosen.get("value", "")) if chosen else ""
    data["action"] = "save"
    return data


def step_of(page: BeautifulSoup) -> str:
    return attr(one(page, "input[name=step]"), "value")


def hidden(page: BeautifulSoup) -> dict[str, str]:
    """The answers the step carries along (the CSRF token and the step's name left out)."""
    return {
        attr(tag, "name"): attr(tag, "value")
        for tag in page.select("form.plain-form input[type=hidden]")
        if attr(tag, "name") not in {"_csrf_token", "step"}
    }


def move(client: Client, step: str, answers: dict[str, str], go: str = "next") -> BeautifulSoup:
    response = post_form(client, START, {**answers, "step": step, "go": go})
    assert response.status_code in {200, 422}, response.text
    return html(response.text)


def answers_on(page: BeautifulSoup) -> list[str]:
    """The answers the check step lists, in order."""
    return [text_of(p) for p in page.select(".plain-answer dd p")]


def progress(page: BeautifulSoup) -> str:
    return text_of(one(page, "#plain-progress-text"))


# --- the Leichte-Sprache page -----------------------------------------------------------------


def test_without_a_plain_text_there_is_no_plain_page_and_no_link(
    client: Client, process: Process
) -> None:
    assert client.get(PLAIN_PAGE).status_code == 404
    page = html(client.get(f"/processes/{SLUG}").text)
    assert page.select(f'a[href="{PLAIN_PAGE}"]') == []
    # The plain idea form is offered all the same, from the normal form.
    assert len(page.select(f'#idea-form a[href="{START}"]')) == 1


def test_the_admin_writes_the_plain_page_and_the_process_page_links_it(
    admin_client: Client, process: Process, settings: Settings
) -> None:
    edit = html(admin_client.get(EDIT).text)
    assert one(edit, "#plain-language-rules")  # the author is told the rules
    form = admin_form(edit)
    form["plain_description"] = "Wir wollen mehr Rad-Wege.\nSagen Sie uns Ihre Idee.\r\n\nDanke!"
    form["plain_help-idea"] = "Schreiben Sie kurz: Was wünschen Sie sich?"
    response = post_form(admin_client, EDIT, form)
    assert response.status_code == 303, response.text

    stored = in_db(settings, lambda s: s.get(Process, process.id))
    assert stored is not None
    # Windows line ends from the browser are stored as plain line breaks.
    assert stored.plain_description == (
        "Wir wollen mehr Rad-Wege.\nSagen Sie uns Ihre Idee.\n\nDanke!"
    )
    assert stored.plain_help == {"idea": "Schreiben Sie kurz: Was wünschen Sie sich?"}
    again = admin_form(html(admin_client.get(EDIT).text))
    assert again["plain_help-idea"] == "Schreiben Sie kurz: Was wünschen Sie sich?"
    assert again["plain_help-more"] == ""

    public = html(admin_client.get(f"/processes/{SLUG}").text)
    link = one(public, f'.process__header a[href="{PLAIN_PAGE}"]')
    assert text_of(link) == german("Easy Read (in German)") == "Leichte Sprache"
    assert attr(one(link, "img"), "src") == "/static/img/leichte-sprache.svg"
    assert attr(one(link, "img"), "alt") == ""  # the words name the link

    plain = html(admin_client.get(PLAIN_PAGE).text)
    text = one(plain, "div.plain-text")
    assert attr(text, "lang") == "de"
    # Every sentence on its own line, as written: line breaks are kept.
    first_paragraph, second_paragraph = text.select("p")
    assert len(first_paragraph.select("br")) == 1
    assert text_of(second_paragraph) == "Danke!"
    assert one(plain, f'a[href="{START}"]')  # the call is open: send an idea in plain words

    # The admin's help text replaces the default on the first step.
    first = html(admin_client.get(START).text)
    assert text_of(one(first, "#title-hint")) == "Schreiben Sie kurz: Was wünschen Sie sich?"


def test_too_long_plain_texts_are_refused_at_their_field(
    admin_client: Client, process: Process
) -> None:
    form = admin_form(html(admin_client.get(EDIT).text))
    form["plain_help-check"] = "x" * (PLAIN_HELP_MAX + 1)
    form["plain_description"] = "Ein kurzer Text."
    response = post_form(admin_client, EDIT, form)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "plain_help-check") == de("Please use at most %(n)d characters.") % {
        "n": PLAIN_HELP_MAX
    }
    # Everything typed is still there.
    assert one(page, "#plain_description").get_text() == "Ein kurzer Text."


def test_the_admin_text_shows_on_german_pages_only() -> None:
    own = stored_help({"idea": "  Eigener Text  ", "nope": "x", "more": ""})
    assert own == {"idea": "Eigener Text"}
    assert help_text(own, "idea") == "Eigener Text"
    assert help_text(own, "more") == german(HELP_TEXTS[1].default)
    with in_locale("en"):
        assert help_text(own, "idea") == HELP_TEXTS[0].default


# --- the idea form in plain language ----------------------------------------------------------


def test_one_question_per_step_into_the_moderation_queue(
    client: Client, staff_client: Client, process: Process, settings: Settings
) -> None:
    first = html(client.get(START).text)
    assert step_of(first) == "idea"
    assert progress(first) == "Schritt 1 von 5"
    assert text_of(one(first, "h1")) == german("What is your idea?")
    assert text_of(one(first, "#title-hint")) == german(HELP_TEXTS[0].default)
    assert first.select("button[value=back]") == []  # nothing to go back to

    second = move(client, "idea", {"title": TITLE})
    assert (step_of(second), progress(second)) == ("more", "Schritt 2 von 5")
    assert hidden(second) == {"title": TITLE}
    assert one(second, "button[value=back]")

    third = move(client, "more", {**hidden(second), "body": BODY})
    assert (step_of(third), progress(third)) == ("who", "Schritt 3 von 5")
    labels = [text_of(label) for label in third.select(".choice label")]
    assert labels == [german("I live here."), *labels[1:]]

    fourth = move(client, "who", {**hidden(third), "segment": "resident"})
    assert (step_of(fourth), progress(fourth)) == ("place", "Schritt 4 von 5")
    assert text_of(one(fourth, "h1")) == german("Where do you live?")

    check = move(client, "place", {**hidden(fourth), "municipality": "Kornbach"})
    assert (step_of(check), progress(check)) == ("check", "Schritt 5 von 5")
    assert attr(one(check, "form.plain-form"), "action") == SEND
    answers = answers_on(check)
    assert answers == [TITLE, " ".join(BODY.split()), german("I live here."), "Kornbach"]

    response = post_form(client, SEND, {**hidden(check), "step": "check", "consent": "on"})
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/follow/")

    [idea] = in_db(settings, contributions)
    assert idea.title == TITLE
    assert idea.body == BODY
    assert idea.segment is Segment.RESIDENT
    assert idea.channel is Channel.IDEA_CALL
    assert idea.municipality == "Kornbach"
    assert idea.status is ContributionStatus.PENDING  # pre-moderation, as the normal form
    assert idea.consent_at is not None
    queue = html(staff_client.get("/moderation").text)
    assert TITLE in text_of(one(queue, "main"))


def test_a_wrong_answer_keeps_every_answer_and_says_what_is_wrong(
    client: Client, process: Process
) -> None:
    page = move(client, "more", {"title": TITLE, "body": "Zu kurz"})
    assert step_of(page) == "more"  # the same step again
    assert field_error(page, "body") == de(
        "Please describe your idea in at least %(n)d characters."
    ) % {"n": 20}
    assert one(page, "#body").get_text() == "Zu kurz"
    assert attr(one(page, "#body"), "aria-invalid") == "true"
    assert hidden(page) == {"title": TITLE}
    assert one(page, ".error-summary a[href='#body']")

    # Going back checks nothing and keeps what was typed on this step too.
    back = move(client, "more", {"title": TITLE, "body": "Zu kurz"}, go="back")
    assert step_of(back) == "idea"
    assert attr(one(back, "#title"), "value") == TITLE
    assert hidden(back) == {"body": "Zu kurz"}

    # A choice not made: the question again with its message.
    who = move(client, "who", {"title": TITLE, "body": BODY})
    assert step_of(who) == "who"
    assert field_error(who, "segment") == de("Please tell us who you are.")


def test_firms_are_asked_three_more_questions(client: Client, process: Process) -> None:
    answers = {"title": TITLE, "body": BODY}
    place = move(client, "who", {**answers, "segment": "firm"})
    assert (step_of(place), progress(place)) == ("place", "Schritt 4 von 8")
    assert text_of(one(place, "h1")) == german("Where is your firm?")
    # Firms must name their municipality, as in the normal form.
    again = move(client, "place", hidden(place))
    assert field_error(again, "municipality") == de(
        "Please name the municipality where your firm is based."
    )
    name = move(client, "place", {**hidden(place), "municipality": "Kornbach"})
    assert step_of(name) == "firm-name"
    sector = move(client, "firm-name", {**hidden(name), "organisation_name": "Tischlerei Kühn"})
    assert step_of(sector) == "firm-sector"
    size = move(client, "firm-sector", {**hidden(sector), "organisation_sector": "C"})
    assert step_of(size) == "firm-size"
    check = move(client, "firm-size", {**hidden(size), "organisation_size": "1-9"})
    assert (step_of(check), progress(check)) == ("check", "Schritt 8 von 8")
    answers_shown = answers_on(check)
    assert "Tischlerei Kühn" in answers_shown
    assert german("1 to 9 people") in answers_shown

    # Changed to "resident" on the check step's "Change": the firm's steps are left out.
    who = move(client, "check", hidden(check), go="change-who")
    assert step_of(who) == "who"
    place_again = move(client, "who", {**hidden(who), "segment": "resident"})
    check_again = move(client, "place", hidden(place_again))
    assert (step_of(check_again), progress(check_again)) == ("check", "Schritt 5 von 5")


def test_sending_without_consent_or_with_a_bad_answer_goes_to_that_step(
    client: Client, process: Process, settings: Settings
) -> None:
    answers = {"title": TITLE, "body": BODY, "segment": "pupil", "step": "check"}
    response = post_form(client, SEND, answers)
    assert response.status_code == 422
    page = html(response.text)
    assert step_of(page) == "check"
    assert field_error(page, "consent") == de(
        "Please agree to the processing of your contribution."
    )
    assert hidden(page) == {"title": TITLE, "body": BODY, "segment": "pupil"}

    # An answer changed on the way (hidden fields can be edited): the service refuses it and
    # the person lands on its step, everything else kept.
    response = post_form(client, SEND, {**answers, "title": "Bank", "consent": "on"})
    assert response.status_code == 422
    page = html(response.text)
    assert step_of(page) == "idea"
    assert attr(one(page, "#title"), "value") == "Bank"
    assert hidden(page)["consent"] == "on"
    assert in_db(settings, contributions) == []


def test_a_closed_call_takes_no_plain_ideas(client: Client, settings: Settings) -> None:
    in_db(settings, lambda s: add_process(s, call="closed"))
    page = html(client.get(START).text)
    assert one(page, "#idea-call-closed")
    assert page.select("form.plain-form") == []
    response = post_form(
        client, SEND, {"title": TITLE, "body": BODY, "segment": "resident", "consent": "on"}
    )
    assert response.status_code == 409
    assert in_db(settings, contributions) == []


def test_the_contact_step_is_asked_only_where_mail_is_sent(process: Process) -> None:
    form = IdeaForm(title=TITLE)
    without = plain_idea.PlainContext(process=process, mail_enabled=False)
    with_mail = plain_idea.PlainContext(process=process, mail_enabled=True)
    assert "contact" not in [s.name for s in plain_idea.steps_for(form, without)]
    assert [s.name for s in plain_idea.steps_for(form, with_mail)] == [
        "idea",
        "more",
        "who",
        "place",
        "contact",
        "check",
    ]
    # Every step with a help text, and every help text with a step.
    assert {s.name for s in plain_idea.STEPS} == {h.key for h in HELP_TEXTS}


def test_english_pages(client: Client, process: Process) -> None:
    client.get("/lang/en")
    page = html(client.get(START).text)
    assert progress(page) == "Step 1 of 5"
    assert text_of(one(page, "h1")) == "What is your idea?"


def test_moving_between_steps_does_not_use_up_the_write_budget(
    settings: Settings, process: Process
) -> None:
    """Steps only check answers: they count like the normal form's field checks; sending
    counts as a write, with the write budget's limit."""
    limits = replace(settings, write_rate_limit_per_minute=1, check_rate_limit_per_minute=100)
    answers = {"title": TITLE, "body": BODY, "segment": "resident", "consent": "on"}
    with TestClient(create_app(limits), base_url="http://testserver.local") as limited:
        for step in ["idea", "more", "who", "place", "check"] * 2:
            assert post_form(limited, START, {**answers, "step": step}).status_code == 200
        assert post_form(limited, SEND, answers).status_code == 303
        assert post_form(limited, SEND, answers).status_code == 429
    assert len(in_db(settings, contributions)) == 1


def test_a_process_with_sites_asks_for_the_site_in_a_step_of_its_own(
    client: Client, process: Process, settings: Settings
) -> None:
    async def add_sites(session: AsyncSession) -> tuple[Site, Site]:
        brake = await sites.add_site(session, process.id or 0, SiteForm("BBS Brake", "Brake"))
        other = await add_process(session, slug="nachbarn")
        return brake, await sites.add_site(session, other.id or 0, SiteForm("BBS Elsfleth"))

    brake, elsewhere = in_db(settings, add_sites)
    answers = {"title": TITLE, "body": BODY, "segment": "pupil", "municipality": "Brake"}
    step = move(client, "place", answers)
    assert (step_of(step), progress(step)) == ("site", "Schritt 5 von 6")
    labels = [text_of(label) for label in step.select(".choice label")]
    assert labels == ["BBS Brake (Brake)", german("None of these")]

    check = move(client, "site", {**hidden(step), "site": str(brake.id)})
    assert (step_of(check), progress(check)) == ("check", "Schritt 6 von 6")
    assert "BBS Brake (Brake)" in answers_on(check)

    # Another process's site, forged into the form: back to the site step with its message.
    forged = {**hidden(check), "site": str(elsewhere.id), "step": "check", "consent": "on"}
    refused = post_form(client, SEND, forged)
    assert refused.status_code == 422
    assert step_of(html(refused.text)) == "site"
    assert field_error(html(refused.text), "site") == de("Please choose one of the sites, or none.")

    sent = post_form(client, SEND, {**hidden(check), "step": "check", "consent": "on"})
    assert sent.status_code == 303, sent.text
    [idea] = in_db(settings, contributions)
    assert idea.site_id == brake.id
