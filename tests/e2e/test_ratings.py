"""Rating a profile in a real browser: an evaluator of a round on the demo process (the round,
its criteria and a second evaluator's submitted ratings are made as rows first) finds the
round under "Bewertung", rates one profile partly and saves a draft, comes back later,
submits, and sees the comparison with the other evaluator's ratings, a disagreement flagged.
Once with JavaScript, once without; axe checks every page state on the way."""

from __future__ import annotations

from typing import Final

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process, ProfileStatus, Role, User
from participation.services.evaluation import ratings, rounds
from participation.services.evaluation.criteria import apply_preset, criteria_of
from participation.services.evaluation.ratings import Entry
from participation.services.evaluation.rounds import Assignment
from tests.e2e.conftest import LiveServer, check, create_staff, submit_login
from tests.helpers import add_actor
from tests.profile_rows import add_profile

pytestmark = pytest.mark.e2e
# The demo without its evaluation: these tests hold a round from the start.
SERVER_ENV = {"DEMO_PLAN": "0"}

PASSWORD: Final = "Bewertung-Auetal-2026"


def _round(server: LiveServer, evaluator: str) -> None:
    """A round over two new profiles of the demo process with `evaluator` and a second
    evaluator, who has submitted "4" with a reason on every criterion of the first."""

    async def make(session: AsyncSession) -> None:
        process = (await session.exec(select(Process).where(Process.slug.endswith("auetal")))).one()
        assert process.id is not None
        user = (await session.exec(select(User).where(User.email == evaluator))).one()
        admin = (await session.exec(select(User).where(User.role == Role.ADMIN))).first()
        assert admin is not None
        assert user.id is not None
        if not await criteria_of(session, process.id):
            await apply_preset(session, process.id, admin)
        second = await add_actor(session, f"zweite-{evaluator}", Role.EVALUATOR)
        assert second.id is not None
        first = await add_profile(
            session,
            process,
            title=f"Bewertbar: Lernorte ({evaluator.split('@')[0]})",
            summary="Digitale Lernorte in allen Schulen des Auetals.",
            status=ProfileStatus.READY,
        )
        other = await add_profile(
            session, process, title="Bewertbar: Rufbus", status=ProfileStatus.READY
        )
        round_ = await rounds.open_round(
            session,
            process.id,
            f"Bewertungsrunde {evaluator.split('@')[0]}",
            [Assignment(user.id), Assignment(second.id)],
            admin,
            profile_ids=[first.id or 0, other.id or 0],
        )
        await ratings.save_sheet(
            session,
            round_.id or 0,
            first.id or 0,
            second,
            {
                c.id or 0: Entry("4", "Sehr dringend")
                for c in await criteria_of(session, process.id)
            },
            submit=True,
        )

    server.in_db(make)


def _signed_in(browser: Browser, server: LiveServer, email: str, *, javascript: bool) -> Page:
    create_staff(server, email, PASSWORD, "evaluator")
    context = browser.new_context(locale="de-DE", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server.url + "/login")
    submit_login(page, email, PASSWORD)
    return page


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_an_evaluator_rates_a_profile_in_two_sittings(
    browser: Browser, live_server: LiveServer, javascript: bool
) -> None:
    email = f"jury-{'js' if javascript else 'nojs'}@example.org"
    evaluator = _signed_in(browser, live_server, email, javascript=javascript)
    _round(live_server, email)
    name = email.split("@")[0]

    # The navigation (in the staff menu) leads there.
    expect(evaluator.locator('.site-nav a[href="/bewertung"]')).to_have_text("Bewertung")
    evaluator.goto(live_server.url + "/bewertung")
    expect(evaluator.locator(".rating-round")).to_contain_text("0 von 2 bewertet")
    check(evaluator)
    evaluator.get_by_role("link", name=f"Bewertungsrunde {name}").click()
    check(evaluator)
    evaluator.get_by_role("link", name=f"Bewertbar: Lernorte ({name})").click()
    expect(evaluator.get_by_role("link", name="Den ganzen Steckbrief lesen")).to_be_visible()
    expect(evaluator.locator(".rating-compare")).to_have_count(0)  # no anchoring
    check(evaluator)

    # A first sitting: two criteria, one with a reason, saved as a draft.
    first = evaluator.get_by_role("group", name="Zeitnahe Umsetzbarkeit")
    first.get_by_label("1 – trifft kaum zu").check()
    evaluator.get_by_label("Begründung zu „Zeitnahe Umsetzbarkeit“").fill("Erst ab 2028 machbar.")
    evaluator.get_by_role("group", name="Nachhaltigkeit").get_by_label(
        "3 – trifft überwiegend zu"
    ).check()
    evaluator.get_by_role("button", name="Als Entwurf speichern").click()
    expect(evaluator.get_by_text("Entwurf gespeichert.")).to_be_visible()
    check(evaluator)

    # Later: the round shows the draft; submitting with a criterion left open is told.
    evaluator.goto(live_server.url + "/bewertung")
    evaluator.get_by_role("link", name=f"Bewertungsrunde {name}").click()
    row = evaluator.locator("tbody tr", has_text="Lernorte")
    expect(row).to_contain_text("Entwurf")
    row.get_by_role("link").click()
    expect(evaluator.get_by_label("Begründung zu „Zeitnahe Umsetzbarkeit“")).to_have_value(
        "Erst ab 2028 machbar."
    )
    expect(first.get_by_label("1 – trifft kaum zu")).to_be_checked()
    evaluator.get_by_role("group", name="Hohe Nutzer*innenorientierung").get_by_label(
        "4 – trifft voll zu"
    ).check()
    evaluator.get_by_role("button", name="Bewertung abgeben").click()
    expect(evaluator.locator(".error-summary")).to_contain_text(
        "Bitte bewerten Sie dieses Kriterium, bevor Sie abgeben."
    )
    check(evaluator)
    evaluator.get_by_role("group", name="Förderung digitaler Teilhabe").get_by_label(
        "3 – trifft überwiegend zu"
    ).check()
    evaluator.get_by_role("button", name="Bewertung abgeben").click()
    expect(evaluator.get_by_text("Ihre Bewertung ist abgegeben.")).to_be_visible()

    # The comparison: the other evaluator's 4 with its reason; 1 against 4 is flagged.
    compared = evaluator.locator(".rating-compare")
    expect(compared).to_have_count(4)
    expect(compared.first).to_contain_text("Sehr dringend")
    expect(compared.first).to_contain_text("2,50")
    flagged = evaluator.locator(".rating-compare--flag")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Abweichung")
    check(evaluator)
    evaluator.goto(live_server.url + "/bewertung")
    expect(evaluator.locator(".rating-round")).to_contain_text("1 von 2 bewertet")
    evaluator.context.close()
