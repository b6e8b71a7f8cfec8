"""What became of the ideas, in a real browser: a resident sends an idea (with an e-mail
address and consent), a pupil adds one in a focus group; both go into a project profile that
is placed in the plan, and the plan is published (through the services, as the admin's
publish page would). Then the resident's follow page and the idea's page show the profile with
its priority, the mail arrives over SMTP, and the class's result page shows its ideas and what
became of them, without pseudonyms. axe-core checks every page (`check`)."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Final

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.mail_sender import send_pending
from participation.models import (
    Contribution,
    ContributionStatus,
    FocusGroupSession,
    PlanEntry,
    Process,
    ProfileStatus,
    Role,
    User,
)
from participation.services import focus_groups
from participation.services.evaluation import groups, publication
from participation.services.follow import follow_page
from participation.services.mail import MailContext, enable
from participation.settings import MailSettings, Settings
from tests.e2e.conftest import LiveServer, add_pupil_idea, check, fill_idea_text, join_as
from tests.focus_group_helpers import add_session
from tests.helpers import add_actor
from tests.profile_rows import add_profile
from tests.smtp_inbox import body_of

pytestmark = pytest.mark.e2e
# The demo before its evaluation: the plan is published (test_outcomes) and the progress
# reported (test_tracking) by the test itself.
SERVER_ENV = {"DEMO_PLAN": "0"}

PROCESS: Final = "/processes/digitalstrategie-auetal"
CODE: Final = "W8R4TM"
ADDRESS: Final = "paula.plan@example.org"
TITLE: Final = "Digitale Sprechstunde im Rathaus"
PUPIL_IDEA: Final = "WLAN auf dem Schulhof"
PUPIL_OTHER: Final = "Mehr Bänke im Park"
PROFILE: Final = "Digitale Bürgerdienste für alle"
SENDER: Final = "Beteiligung Auetal <beteiligung@auetal.example>"
ANSWER: Final = "Alle Beiträge stehen im **Beteiligungsbericht**."


def _send_idea(page: Page, server: LiveServer) -> str:
    page.goto(server.url + PROCESS)
    fill_idea_text(
        page,
        TITLE,
        "Einmal in der Woche hilft jemand im Rathaus bei Online-Anträgen, ohne Termin.",
    )
    page.get_by_label("Einwohnerin oder Einwohner").check()
    page.get_by_label("E-Mail für Benachrichtigungen").fill(ADDRESS)
    page.get_by_label(re.compile("meine E-Mail-Adresse darf gespeichert")).check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Idee absenden").click()
    expect(page).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))
    return page.url.split("?")[0]


async def _process(session: AsyncSession) -> Process:
    return (
        await session.exec(select(Process).where(Process.slug == PROCESS.rsplit("/")[-1]))
    ).one()


async def _open_session(session: AsyncSession) -> None:
    await add_session(session, await _process(session), code=CODE, title="Klasse 9a, Realschule")


async def _close_session(session: AsyncSession) -> None:
    found = (
        await session.exec(select(FocusGroupSession).where(FocusGroupSession.join_code == CODE))
    ).one()
    await focus_groups.close_session(session, found)


async def _place_in_plan(session: AsyncSession, token: str) -> tuple[int, int]:
    """A profile built from both ideas, placed in the first group; the resident's idea is
    published. Returns (profile id, the resident's idea id)."""
    process = await _process(session)
    assert process.id is not None
    followed = await follow_page(session, token)
    assert followed is not None
    resident = followed.items[0].contribution
    resident.status = ContributionStatus.PUBLISHED
    session.add(resident)
    pupil = (
        await session.exec(select(Contribution).where(col(Contribution.title) == PUPIL_IDEA))
    ).one()
    profile = await add_profile(
        session, process, title=PROFILE, status=ProfileStatus.READY, sources=[resident, pupil]
    )
    placed = await groups.apply_preset(session, process.id)
    session.add(PlanEntry(profile_id=profile.id or 0, group_id=placed[0].id or 0))
    await session.commit()
    admin = await add_actor(session, "planung@example.org", Role.ADMIN)
    await publication.save_general_answer(session, process.id, ANSWER, admin)
    return profile.id or 0, resident.id or 0


def _publish_with_mail(server: LiveServer) -> None:
    """Publish the plan in a session that queues mails as the app's do, and deliver them to
    the server's SMTP inbox at once (the app's sender would within its wake interval)."""
    settings = replace(
        Settings.from_env(),
        var_dir=server.var_dir,
        database_url=server.database_url,
        base_url=server.url,
        mail=MailSettings(host="127.0.0.1", port=server.inbox.port, security="none", sender=SENDER),
    )
    assert settings.mail is not None

    async def run() -> None:
        engine = create_engine(settings)
        sessions = create_sessionmaker(engine)
        enable(sessions, MailContext(settings))
        try:
            async with sessions() as session:
                process = await _process(session)
                planner = (
                    await session.exec(select(User).where(User.email == "planung@example.org"))
                ).one()
                await publication.publish_plan(session, process.id or 0, planner)
            assert settings.mail is not None
            await send_pending(sessions, settings.mail)
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's loop runs in this thread
        pool.submit(asyncio.run, run()).result()


def test_outcomes_reach_the_resident_and_the_class(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    server = live_server
    follow_url = _send_idea(page, server)
    server.in_db(_open_session)
    pupil = join_as(browser, server, CODE, "Sternschnuppe")
    add_pupil_idea(pupil, PUPIL_IDEA)
    add_pupil_idea(pupil, PUPIL_OTHER)
    server.in_db(_close_session)

    # The pupil's ended session links the result page; before publication it says so.
    pupil.goto(f"{server.url}/mitmachen/{CODE}/ideen")
    pupil.get_by_role("link", name="Was aus den Ideen der Gruppe geworden ist").click()
    expect(pupil).to_have_url(f"{server.url}/mitmachen/{CODE}/ergebnis")
    expect(
        pupil.get_by_role("heading", name="Der Plan ist noch nicht veröffentlicht")
    ).to_be_visible()
    check(pupil)

    token = follow_url.rsplit("/", 1)[-1]
    profile_id, idea_id = server.in_db(lambda s: _place_in_plan(s, token))
    _publish_with_mail(server)

    # The resident's follow page.
    page.goto(follow_url)
    outcome = page.locator(".followed .outcome")
    expect(outcome.get_by_role("heading", name="Was aus Ihrer Idee geworden ist")).to_be_visible()
    expect(outcome).to_contain_text(f"Ihre Idee ist in den Steckbrief „{PROFILE}“ eingeflossen.")
    expect(outcome).to_contain_text("Priorität: Premium+")
    profile_path = f"{PROCESS}/steckbriefe/{profile_id}"
    expect(outcome.get_by_role("link", name=re.compile(PROFILE))).to_have_attribute(
        "href", profile_path
    )
    check(page)

    # The idea's public page.
    page.goto(f"{server.url}{PROCESS}/ideas/{idea_id}")
    section = page.locator("section.outcome")
    expect(section.get_by_role("heading", name="Was aus dieser Idee geworden ist")).to_be_visible()
    expect(section).to_contain_text("Priorität: Premium+")
    check(page)

    # The mail, over SMTP: the submission's, then the outcome's.
    mails = server.inbox.to(ADDRESS, count=2)
    outcome_mail = next(m for m in mails if "Was aus Ihrer Idee geworden ist" in str(m["Subject"]))
    body = body_of(outcome_mail)
    assert f"„{PROFILE}“ eingeflossen, Priorität Premium+:" in body
    assert f"{server.url}{profile_path}\n" in body

    # The class's result page: its idea, the dots, the outcome; no pseudonym.
    pupil.reload()
    ideas = pupil.locator(".result-idea")
    expect(ideas).to_have_count(2)
    result = ideas.filter(has=pupil.get_by_role("heading", name=PUPIL_IDEA))
    expect(result).to_contain_text("0 Punkte")
    expect(result).to_contain_text(f"Diese Idee ist in den Steckbrief „{PROFILE}“ eingeflossen.")
    expect(result).to_contain_text("Priorität: Premium+")
    other = ideas.filter(has=pupil.get_by_role("heading", name=PUPIL_OTHER))
    expect(other).to_contain_text("Diese Idee ist in keinen Steckbrief eingeflossen.")
    answer = pupil.get_by_role(
        "region", name="Zu den Ideen, die in keinen Steckbrief eingeflossen sind"
    )
    expect(answer.locator("strong")).to_have_text("Beteiligungsbericht")
    assert "Sternschnuppe" not in pupil.content()
    check(pupil)
    pupil.context.close()
