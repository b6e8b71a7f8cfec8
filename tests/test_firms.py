"""The idea form's questions for firms (WZ 2008 sector, size class, municipality) and the
check of the optional e-mail address (tests/test_mail.py has the form with sending on)."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process
from participation.services import processes
from participation.services.contributions import IdeaForm, check_field, submit_idea, validate_idea
from participation.settings import Settings
from participation.wz2008 import SECTION_NAMES, SECTIONS, SIZE_CLASSES, section_name
from tests.helpers import (
    SLUG,
    Client,
    add_process,
    attr,
    by_follow_token,
    contributions,
    de,
    field_error,
    follow_token_from,
    html,
    in_db,
    in_locale,
    one,
    post_form,
    text_of,
    valid_idea,
)

FIRM = {
    "segment": "firm",
    "organisation_name": "  Tischlerei   Brandt ",
    "organisation_sector": "C",
    "organisation_size": "10-49",
    "municipality": "Kornbach",
}


def form(**overrides: str) -> IdeaForm:
    return IdeaForm.from_form(valid_idea(**overrides))


def test_wz2008_has_the_21_sections() -> None:
    assert [letter for letter, _name in SECTIONS] == [chr(c) for c in range(ord("A"), ord("V"))]
    assert section_name("J") == "Information und Kommunikation"
    assert section_name("Z") == section_name(None) == ""
    assert SIZE_CLASSES == ("1-9", "10-49", "50-249", "250+")
    assert len(SECTION_NAMES) == 21


def test_sector_names_are_in_the_readers_language(client: Client, process: Process) -> None:
    with in_locale("en"):
        assert section_name("J") == "Information and communication"
    for locale, expected in (
        ("de", "J – Information und Kommunikation"),
        ("en", "J – Information and communication"),
    ):
        client.get(f"/lang/{locale}", params={"next": "/"})
        page = html(client.get(f"/processes/{SLUG}").text)
        assert text_of(one(page, "#organisation_sector option[value=J]")) == expected
    # Every section has its German name in the catalogue.
    assert all(de(name) != name for _letter, name in SECTIONS)


def test_firms_must_answer_the_firm_questions() -> None:
    errors = validate_idea(form(segment="firm", municipality=""))
    assert set(errors) == {
        "organisation_name",
        "organisation_sector",
        "organisation_size",
        "municipality",
    }
    assert errors["organisation_sector"] == de("Please choose the sector of your firm.")
    assert errors["municipality"] == de("Please name the municipality where your firm is based.")
    assert validate_idea(form(**FIRM)) == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organisation_sector", "V"),
        ("organisation_sector", "c"),
        ("organisation_size", "5"),
        ("organisation_size", "250"),
        ("organisation_name", "   "),
        ("organisation_name", "X" * 201),
    ],
)
def test_bad_firm_answers_are_refused(field: str, value: str) -> None:
    assert check_field(form(**{**FIRM, field: value}), field) is not None


def test_others_are_not_asked_the_firm_questions() -> None:
    assert validate_idea(form(segment="resident", organisation_sector="nonsense")) == {}
    assert validate_idea(form(segment="pupil", municipality="")) == {}


async def test_firm_answers_are_stored_for_firms_only(session: AsyncSession) -> None:
    process = await add_process(session)
    overview = await processes.get_process(session, process.slug)
    assert overview is not None
    firm = await submit_idea(session, overview, form(**FIRM))
    resident = await submit_idea(
        session,
        overview,
        form(**{**FIRM, "segment": "resident", "title": "Noch eine Idee zum Radweg"}),
    )
    assert firm.contribution.organisation_name == "Tischlerei Brandt"
    assert firm.contribution.organisation_sector == "C"
    assert firm.contribution.organisation_size == "10-49"
    assert firm.contribution.municipality == "Kornbach"
    stored = resident.contribution
    assert (stored.organisation_name, stored.organisation_sector, stored.organisation_size) == (
        None,
        None,
        None,
    )


# --- the optional e-mail -------------------------------------------------------------------


def test_email_needs_its_own_consent() -> None:
    errors = validate_idea(form(notify_email="anna@example.org"))
    assert set(errors) == {"notify_consent"}
    assert validate_idea(form(notify_email="anna@example.org", notify_consent="on")) == {}
    # No address: the box alone changes nothing.
    assert validate_idea(form(notify_consent="on")) == {}


@pytest.mark.parametrize(
    "email", ["anna", "anna@", "@example.org", "anna@example", "an na@example.org", "a@b@c.de"]
)
def test_malformed_email_is_refused(email: str) -> None:
    message = check_field(form(notify_email=email, notify_consent="on"), "notify_email")
    assert message == de("Please check the e-mail address, e.g. name@example.org.")


async def test_without_sending_no_address_is_kept(session: AsyncSession) -> None:
    """SMTP_HOST unset: the form does not ask, and an address posted anyway is dropped."""
    process = await add_process(session)
    overview = await processes.get_process(session, process.slug)
    assert overview is not None
    posted = form(notify_email="anna@example.org", notify_consent="on")
    stored = await submit_idea(session, overview, posted)
    assert stored.contribution.notify_email is None
    assert stored.contribution.notify_consent_at is None
    assert stored.contribution.notify_locale is None


# --- routes --------------------------------------------------------------------------------


def test_form_shows_the_firm_fieldset_and_no_email_without_sending(
    client: Client, process: Process
) -> None:
    page = html(client.get(f"/processes/{SLUG}").text)
    fieldset = one(page, "fieldset.firm-fields")
    assert "firm-hint" in attr(fieldset, "aria-describedby")
    options = fieldset.select("#organisation_sector option")
    assert len(options) == 22  # "please choose" and the 21 sections
    assert text_of(options[3]) == "C – Verarbeitendes Gewerbe"
    assert len(fieldset.select("input[name=organisation_size]")) == 4
    assert page.select("#notify_email, #notify_consent") == []


def test_firm_submission_is_stored(client: Client, settings: Settings, process: Process) -> None:
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea(**FIRM))
    assert response.status_code == 303
    stored = in_db(settings, lambda s: by_follow_token(s, follow_token_from(response)))
    assert (stored.organisation_sector, stored.organisation_size) == ("C", "10-49")


def test_missing_firm_answers_keep_what_was_typed(
    client: Client, settings: Settings, process: Process
) -> None:
    typed = valid_idea(**{**FIRM, "organisation_sector": ""})
    response = post_form(client, f"/processes/{SLUG}/ideas", typed)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "organisation_sector") == de("Please choose the sector of your firm.")
    assert attr(one(page, "#organisation_name"), "value") == FIRM["organisation_name"]
    assert one(page, "#organisation_size-10-49").has_attr("checked")
    assert one(page, "#organisation_sector").get("aria-invalid") == "true"
    assert in_db(settings, contributions) == []


def test_inline_check_of_a_firm_field(client: Client, process: Process) -> None:
    response = post_form(
        client,
        f"/processes/{SLUG}/ideas/check/organisation_size",
        {"segment": "firm", "organisation_size": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert text_of(one(html(response.text), "#organisation_size-error")) == de(
        "Please choose how many people your firm employs."
    )


def test_privacy_page_mentions_the_email(client: Client) -> None:
    text = client.get("/privacy").text
    assert de("E-mail for notifications") in text


def test_nul_bytes_are_dropped_from_the_form(
    client: Client, settings: Settings, process: Process
) -> None:
    typed = valid_idea(
        **{**FIRM, "title": "Rad\x00weg nach Kornbach", "organisation_name": "A\x00B"}
    )
    response = post_form(client, f"/processes/{SLUG}/ideas", typed)
    assert response.status_code == 303
    stored = in_db(settings, lambda s: by_follow_token(s, follow_token_from(response)))
    assert stored.title == "Radweg nach Kornbach"
    assert stored.organisation_name == "AB"
