"""A project profile's whole way, in real browsers: a resident's idea is approved; a moderator
starts a profile from a group of the analysis page (the demo's ideas, survey answers and
focus-group ideas), takes over and rewrites the draft summary, adds the resident's idea by
its number and forms a working group; a working-group member (role editor) edits it without
JavaScript, comments and sends it to evaluation; the moderator reads the history and
publishes it; the public page shows whose contributions it rests on, and the resident's
follow page says their idea went into it. axe checks every page state on the way."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, submit_login

pytestmark = pytest.mark.e2e

SLUG = "digitalstrategie-auetal"
EDITOR = ("arbeitsgruppe@example.org", "Arbeitsgruppe-Auetal-2026")


def _signed_in(
    browser: Browser, server: LiveServer, login: tuple[str, str], *, javascript: bool = True
) -> Page:
    context = browser.new_context(locale="de-DE", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server.url + "/login")
    submit_login(page, *login)
    return page


def _recompute_groups(page: Page, server: LiveServer) -> None:
    page.goto(server.url + f"/analysis/{SLUG}")
    page.get_by_role("button", name="Cluster neu berechnen").click()
    expect(page.get_by_text(re.compile(r"^(Gestartet\.|Das läuft bereits)"))).to_be_visible()
    busy = page.locator(".job-status__item--queued, .job-status__item--running")
    expect(busy).to_have_count(0, timeout=60_000)
    page.reload()


def _resident_idea(server: LiveServer) -> tuple[int, str]:
    """An idea sent by a resident (through the JSON API, as an app would): its number and
    the private follow link."""
    response = httpx.post(
        f"{server.url}/api/v1/processes/{SLUG}/ideas",
        json={
            "title": "WLAN-Zugang für die Schülerzeitung",
            "body": "Unsere Schülerzeitung braucht WLAN im Redaktionsraum der Realschule.",
            "segment": "pupil",
            "consent": True,
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    return int(created["id"]), str(created["follow_url"])


def test_a_profile_from_a_group_through_its_working_group_to_publication(
    browser: Browser, live_server: LiveServer
) -> None:
    idea_id, follow_url = _resident_idea(live_server)
    moderator = _signed_in(browser, live_server, live_server.demo_login)
    moderator.goto(live_server.url + f"/moderation/contributions/{idea_id}")
    moderator.get_by_role("button", name="Freigeben und veröffentlichen").click()
    expect(moderator.get_by_text("Freigegeben und veröffentlicht")).to_be_visible()
    _recompute_groups(moderator, live_server)
    moderator.goto(live_server.url + f"/analysis/{SLUG}/groups/1")
    check(moderator)
    moderator.get_by_role("button", name="Steckbrief aus diesem Cluster anlegen").click()

    # The edit page of the new draft, with the sentences drawn from the group.
    expect(moderator).to_have_url(re.compile(r"/admin/steckbriefe/\d+/edit$"))
    draft = moderator.locator(".draft-summary")
    expect(draft.locator("li").first).to_be_visible()
    check(moderator)
    moderator.get_by_role("button", name="Entwurf in das Feld Kurzbeschreibung übernehmen").click()
    summary = moderator.get_by_role("textbox", name=re.compile("^Kurzbeschreibung"))
    expect(summary).not_to_have_value("")
    summary.fill("Schülerinnen und Schüler bekommen WLAN und Geräte, die im Unterricht laufen.")
    moderator.get_by_label("Titel", exact=True).fill("Digitale Schule im Auetal")
    moderator.get_by_label("Zeithorizont").select_option("short")
    check(moderator)
    moderator.get_by_role("button", name="Speichern", exact=True).last.click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Digitale Schule im Auetal")
    profile_url = moderator.url
    check(moderator)
    # The resident's idea, approved after the groups were made, joins by its number.
    moderator.get_by_label("Beiträge über ihre Nummer hinzufügen").fill(f"#{idea_id}")
    moderator.locator("#sources").get_by_role("button", name="Hinzufügen").click()
    expect(moderator.locator("#sources")).to_contain_text("WLAN-Zugang für die Schülerzeitung")

    # A working-group member, whose account an admin made.
    create_staff(live_server, *EDITOR, "editor")
    moderator.reload()
    # Accounts made on the command line are named by their address until they choose a name.
    choice = "arbeitsgruppe (Mitglied einer Arbeitsgruppe)"
    moderator.get_by_label("Zur Arbeitsgruppe hinzufügen").select_option(label=choice)
    moderator.locator("#working-group").get_by_role("button", name="Hinzufügen").click()
    expect(moderator.locator("#working-group li")).to_contain_text("arbeitsgruppe")

    # The member works without JavaScript: adds an organisation row, saves, comments.
    member = _signed_in(browser, live_server, EDITOR, javascript=False)
    expect(member).to_have_url(re.compile(r"/admin/steckbriefe$"))
    check(member)
    member.get_by_role("link", name="Digitale Schule im Auetal").click()
    member.get_by_role("link", name="Steckbrief bearbeiten").click()
    member.get_by_role("button", name="Organisation hinzufügen").click()
    member.get_by_label("Name").first.fill("Realschule Auetal")
    member.get_by_label("Art").first.select_option("school")
    member.get_by_label("Rolle").first.select_option("lead")
    check(member)
    member.get_by_role("button", name="Speichern", exact=True).last.click()
    expect(member.locator(".profile-facts")).to_be_visible()
    expect(member.get_by_text("Realschule Auetal")).to_be_visible()
    member.get_by_label("Ihr Kommentar").fill("Kosten mit dem Schulträger klären.")
    member.get_by_role("button", name="Kommentar hinzufügen").click()
    expect(member.locator(".comment-list")).to_contain_text("Kosten mit dem Schulträger klären.")
    # Towards evaluation, not to the public: publishing is not offered to the member.
    options = member.locator("#status option").all_inner_texts()
    assert "Veröffentlicht" not in options
    member.get_by_label("Verschieben nach").select_option(label="Bereit zur Bewertung")
    member.get_by_role("button", name="Status setzen").click()
    expect(member.locator(".meta").first).to_contain_text("Bereit zur Bewertung")
    check(member)
    member.context.close()

    # The moderator reads what the member changed and publishes.
    moderator.goto(profile_url + "/history")
    changes = moderator.locator("#version-3")
    expect(changes).to_contain_text("Organisationen")
    expect(changes.locator(".diff--added")).to_contain_text("Realschule Auetal")
    check(moderator)
    moderator.goto(profile_url)
    moderator.get_by_label("Verschieben nach").select_option(label="Veröffentlicht")
    moderator.get_by_role("button", name="Status setzen").click()
    expect(moderator.locator(".meta").first).to_contain_text("Veröffentlicht")
    moderator.context.close()

    # The public: the profile among the process's profiles, with whose words it rests on.
    public = browser.new_context(locale="de-DE").new_page()
    public.goto(live_server.url + f"/processes/{SLUG}/steckbriefe")
    public.get_by_role("link", name="Digitale Schule im Auetal").click()
    mix = public.get_by_role("table", name="Beiträge nach Gruppe der Verfassenden und Kanal")
    expect(mix.locator("tbody tr", has_text="Schüler")).to_be_visible()
    check(public)
    # Its published sources (paged on the page) are in the API: the resident's idea among them.
    profile_id = int(public.url.rsplit("/", 1)[1])
    api = httpx.get(f"{live_server.url}/api/v1/processes/{SLUG}/profiles/{profile_id}").json()
    assert idea_id in api["published_source_ids"]

    # The resident's follow page says where the idea went, with a link.
    public.goto(follow_url)
    notice = public.get_by_text("Ihre Idee ist in den Steckbrief „Digitale Schule im Auetal“")
    expect(notice).to_be_visible()
    check(public)
    public.context.close()
