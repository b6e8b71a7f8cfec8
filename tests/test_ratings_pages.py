"""The evaluator's pages (participation/routes/evaluation.py): who may open them, the list
of rounds with progress, a round's profiles with their states, the rating form without
JavaScript (draft, bad input kept, submit, comparison), conflicts and closed rounds."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Role, RoundProfile, User
from participation.services.evaluation import ratings, rounds
from participation.services.evaluation.ratings import Entry
from participation.settings import Settings
from tests.helpers import (
    Client,
    add_staff,
    attr,
    de,
    german,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)
from tests.profile_rows import add_profile
from tests.sql_statements import recorded
from tests.test_ratings import Jury, make_jury


@pytest.fixture
def jury(settings: Settings) -> Jury:
    return in_db(settings, lambda s: make_jury(s, add_staff))


def _sheet(jury: Jury, profile_id: int | None = None) -> str:
    return f"/bewertung/runden/{jury.round_id}/steckbriefe/{profile_id or jury.wlan.id}"


def _flash(client: Client, url: str) -> str:
    return text_of(one(html(client.get(url).text), ".flashes"))


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.EDITOR, Role.FACILITATOR])
def test_other_staff_are_refused(
    client: Client, settings: Settings, jury: Jury, role: Role
) -> None:
    in_db(settings, lambda s: add_staff(s, "staff@example.org", role))
    assert login(client, "staff@example.org").status_code == 303
    for url in ("/bewertung", f"/bewertung/runden/{jury.round_id}", _sheet(jury)):
        assert client.get(url, follow_redirects=False).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, jury: Jury) -> None:
    response = client.get("/bewertung", follow_redirects=False)
    assert response.is_redirect
    assert response.headers["location"].startswith("/login?next=")


def test_a_round_and_a_profile_not_one_s_own_answer_404(client: Client, jury: Jury) -> None:
    assert login(client, "admin@example.org").status_code == 303  # admin, not in the round
    assert client.get("/bewertung").status_code == 200
    assert client.get(f"/bewertung/runden/{jury.round_id}").status_code == 404
    assert client.get(_sheet(jury)).status_code == 404
    assert post_form(client, _sheet(jury), {"value-1": "2"}).status_code == 404
    client.post("/logout", data={}, follow_redirects=False)
    assert login(client, "schule@example.org").status_code == 303  # the "schule" field only
    assert client.get(_sheet(jury, jury.bus.id)).status_code == 404
    assert client.get(_sheet(jury)).status_code == 200


def test_an_evaluator_rates_a_profile_without_javascript(
    client: Client, settings: Settings, jury: Jury
) -> None:
    first, second, third, fourth = (c.id for c in jury.criteria)
    # Ben has submitted already.
    in_db(
        settings,
        lambda s: ratings.save_sheet(
            s,
            jury.round_id,
            jury.wlan.id or 0,
            jury.ben,
            {c.id or 0: Entry("4", "Sehr dringend") for c in jury.criteria},
            submit=True,
        ),
    )
    assert login(client, "anna@example.org").status_code == 303
    page = html(client.get("/").text)
    assert text_of(one(page, '.site-nav a[href="/bewertung"]')) == de("Evaluation")

    index = html(client.get("/bewertung").text)
    card = text_of(one(index, ".rating-round"))
    assert "0 von 2 bewertet" in card
    assert "Radwege im Auetal · Fällig am 31. März 2099" in card
    round_page = html(client.get(f"/bewertung/runden/{jury.round_id}").text)
    states = {
        text_of(r.select("td")[0]): text_of(r.select("td")[1])
        for r in round_page.select("tbody tr")
    }
    assert states == {"Rufbus": "Offen", "WLAN": "Offen"}

    sheet = html(client.get(_sheet(jury)).text)
    assert len(sheet.select(f'input[type=radio][name="value-{first}"]')) == 6  # 0-4, not yet
    label = one(sheet, f'label[for="value-{first}-5"]')
    assert text_of(label) == "4 – trifft voll zu"
    assert one(sheet, f'a[href="/admin/steckbriefe/{jury.wlan.id}"]')
    assert not sheet.select(".rating-compare")  # nothing of Ben's before submitting
    assert "Sehr dringend" not in str(sheet)
    buttons = [text_of(b) for b in sheet.select(".rating-actions button")]
    assert buttons == [german("Save as draft"), german("Submit rating")]

    # A partial draft.
    saved = post_form(
        client,
        _sheet(jury),
        {
            f"value-{first}": "1",
            f"justification-{first}": "Erst 2028",
            f"value-{second}": "",
            "action": "draft",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == _sheet(jury)
    assert german("Draft saved. You can come back and finish it later.") in _flash(
        client, _sheet(jury)
    )
    sheet = html(client.get(_sheet(jury)).text)
    assert attr(one(sheet, f'input[name="value-{first}"]:checked'), "value") == "1"
    assert attr(one(sheet, f'input[name="value-{second}"]:checked'), "value") == ""
    assert text_of(one(sheet, f"#justification-{first}")) == "Erst 2028"

    # Off the scale: the form again, with the message and what was typed.
    bad = post_form(
        client,
        _sheet(jury),
        {f"value-{first}": "9", f"justification-{first}": "Neu begründet", "action": "draft"},
    )
    assert bad.status_code == 422
    page = html(bad.text)
    assert "Bitte wählen Sie eine Stufe von 0 bis 4." in text_of(one(page, f"#value-{first}-error"))
    assert text_of(one(page, f"#justification-{first}")) == "Neu begründet"
    assert one(page, ".error-summary")

    # Submitting needs every criterion.
    incomplete = post_form(client, _sheet(jury), {f"value-{first}": "1", "action": "submit"})
    assert incomplete.status_code == 422
    assert text_of(one(html(incomplete.text), f"#value-{fourth}-error")) == german(
        "Please rate this criterion before submitting."
    )

    done = post_form(
        client,
        _sheet(jury),
        {
            f"value-{first}": "1",
            f"justification-{first}": "Erst 2028",
            f"value-{second}": "4",
            f"value-{third}": "3",
            f"value-{fourth}": "4",
            "action": "submit",
        },
    )
    assert done.status_code == 303
    page = html(client.get(_sheet(jury)).text)
    compared = page.select(".rating-compare")
    assert len(compared) == 4
    assert "ben: 4" in text_of(compared[0])
    assert "Sehr dringend" in text_of(compared[0])
    assert "2,50" in text_of(compared[0])
    flagged = page.select(".rating-compare--flag")
    assert len(flagged) == 1
    assert flagged[0] is compared[0]
    assert [text_of(b) for b in page.select(".rating-actions button")] == [
        german("Submit the changed rating")
    ]
    assert "1 von 2 bewertet" in text_of(one(html(client.get("/bewertung").text), ".rating-round"))

    # A conflict for the other profile.
    declared = post_form(client, _sheet(jury, jury.bus.id) + "/konflikt", {"note": "Mein Verein"})
    assert declared.status_code == 303
    assert declared.headers["location"] == f"/bewertung/runden/{jury.round_id}"
    round_page = html(client.get(f"/bewertung/runden/{jury.round_id}").text)
    states = {
        text_of(r.select("td")[0]): text_of(r.select("td")[1])
        for r in round_page.select("tbody tr")
    }
    assert states == {"Rufbus": "Interessenkonflikt erklärt", "WLAN": "Abgegeben"}
    assert "2 von 2 bewertet" in text_of(one(round_page, ".rating-progress"))
    bus = html(client.get(_sheet(jury, jury.bus.id)).text)
    assert not bus.select("form.rating-form")
    assert "Mein Verein" in text_of(bus)


def test_a_long_note_and_a_closed_round_are_told(
    client: Client, settings: Settings, jury: Jury
) -> None:
    assert login(client, "anna@example.org").status_code == 303
    long = post_form(client, _sheet(jury) + "/konflikt", {"note": "x" * 501})
    assert long.status_code == 422
    assert "500" in text_of(one(html(long.text), "#note-error"))
    assert len(text_of(one(html(long.text), "#note"))) == 501

    in_db(settings, lambda s: rounds.close_round(s, jury.round_id, jury.admin))
    refused = post_form(client, _sheet(jury), {"value-1": "2", "action": "draft"})
    assert refused.status_code == 303
    assert german("This rating round is closed: ratings can no longer be changed.") in _flash(
        client, _sheet(jury)
    )
    page = html(client.get(_sheet(jury)).text)
    assert one(page, "fieldset.rating-sheet").has_attr("disabled")
    assert not page.select(".rating-actions")
    assert "Zurzeit ist keine Bewertungsrunde" in client.get("/bewertung").text


def test_the_pages_run_the_same_statements_for_a_larger_round(
    client: Client, settings: Settings, jury: Jury
) -> None:
    """The round page and the sheet do not query per profile, rating or evaluator."""
    assert login(client, "anna@example.org").status_code == 303
    pages = ("/bewertung", f"/bewertung/runden/{jury.round_id}", _sheet(jury))

    def counts() -> list[int]:
        found = []
        for url in pages:
            with recorded() as statements:
                assert client.get(url).status_code == 200, url
            found.append(len(statements.runs))
        return found

    async def rate_wlan(session: AsyncSession, users: list[User]) -> None:
        for user in users:
            await ratings.save_sheet(
                session,
                jury.round_id,
                jury.wlan.id or 0,
                user,
                {c.id or 0: Entry("3", "Begründet") for c in jury.criteria},
                submit=True,
            )

    in_db(settings, lambda s: rate_wlan(s, [jury.anna, jury.ben]))
    small = counts()

    async def grow(session: AsyncSession) -> None:
        for n in range(10):
            profile = await add_profile(session, jury.process, title=f"Mehr {n}")
            session.add(RoundProfile(round_id=jury.round_id, profile_id=profile.id or 0))
            await session.commit()
            for user in (jury.anna, jury.ben):
                await ratings.save_sheet(
                    session,
                    jury.round_id,
                    profile.id or 0,
                    user,
                    {c.id or 0: Entry("2") for c in jury.criteria},
                    submit=n % 2 == 0,
                )
        await rate_wlan(session, [jury.schools])  # a third evaluator to compare with

    in_db(settings, grow)
    assert "6 von 12 bewertet" in client.get("/bewertung").text
    assert counts() == small
