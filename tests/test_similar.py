"""Similar published ideas while a resident types: the service, its cached index, the htmx
panel, the panel after a failed submit, and the page of one published idea."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel.ext.asyncio.session import AsyncSession

import nlp.text
from participation.app import create_app
from participation.models import ContributionStatus, Process
from participation.services import moderation, similar, tagging
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    attr,
    first_match,
    german,
    html,
    in_db,
    one,
    post_form,
    text_of,
    valid_idea,
)

MARKET_WLAN = "Freies WLAN am Marktplatz"
MARKET_BODY = "Am Marktplatz in Auenbrück gibt es kein öffentliches WLAN für Gäste."


async def _ideas(session: AsyncSession) -> Process:
    process = await add_process(session)
    await add_idea(session, process, title=MARKET_WLAN, body=MARKET_BODY)
    await add_idea(session, process, title="Radweg nach Kornbach")
    await add_idea(
        session,
        process,
        title="WLAN am Marktplatz, bitte",
        body="Noch nicht geprüft: WLAN am Marktplatz in Auenbrück.",
        status=ContributionStatus.PENDING,
    )
    return process


@pytest.mark.parametrize(
    ("title", "body"), [("", ""), ("WLAN", ""), ("  ", "   \n "), ("", "Marktplatz")]
)
def test_too_short_a_draft_is_not_compared(title: str, body: str) -> None:
    assert similar.draft_text(title, body) == ""


def test_long_drafts_are_cut() -> None:
    assert len(similar.draft_text("Titel hier", "wort " * 5000)) == similar.DRAFT_MAX_CHARS


async def test_only_published_ideas_are_found_best_first(
    session: AsyncSession, tmp_path: Path
) -> None:
    process = await _ideas(session)
    assert process.id is not None
    found = await similar.similar_ideas(
        session, tmp_path, process.id, "WLAN am Marktplatz", "Kostenloses WLAN in Auenbrück"
    )
    assert [idea.title for idea in found] == [MARKET_WLAN]
    assert 0 < found[0].score <= 1
    assert await similar.similar_ideas(session, tmp_path, process.id, "", "") == []


async def test_the_index_follows_the_published_ideas(session: AsyncSession, tmp_path: Path) -> None:
    process = await _ideas(session)
    assert process.id is not None
    draft = ("Radweg nach Kornbach", "Ein sicherer Radweg zwischen Auenbrück und Kornbach.")
    before = await similar.similar_ideas(session, tmp_path, process.id, *draft)
    assert [idea.title for idea in before] == ["Radweg nach Kornbach"]

    # Published directly in the database: the fingerprint notices.
    await add_idea(session, process, title="Radweg Kornbach–Auenbrück ausbauen")
    after = await similar.similar_ideas(session, tmp_path, process.id, *draft)
    assert len(after) == 2

    # Approved by a moderator: found at once.
    pending = await add_idea(
        session, process, title="Radweg nach Kornbach beleuchten", status=ContributionStatus.PENDING
    )
    actor = await add_actor(session, "mod@example.org")
    await moderation.approve(session, pending.id or 0, actor)
    approved = await similar.similar_ideas(session, tmp_path, process.id, *draft)
    assert "Radweg nach Kornbach beleuchten" in [idea.title for idea in approved]


async def test_at_most_five_ideas(session: AsyncSession, tmp_path: Path) -> None:
    process = await add_process(session)
    assert process.id is not None
    for n in range(8):
        await add_idea(session, process, title=f"Radweg nach Kornbach {n}")
    found = await similar.similar_ideas(session, tmp_path, process.id, "Radweg nach Kornbach", "")
    assert len(found) == similar.SIMILAR_LIMIT


# --- the panel --------------------------------------------------------------------------------


def test_the_form_has_an_empty_live_region_for_the_panel(client: Client, process: Process) -> None:
    page = html(client.get(f"/processes/{SLUG}").text)
    panel = one(page, "form #similar-ideas")
    assert attr(panel, "aria-live") == "polite"
    assert attr(panel, "hx-get") == f"/processes/{SLUG}/ideas/similar"
    assert "from:#title" in attr(panel, "hx-trigger")
    assert "from:#body" in attr(panel, "hx-trigger")
    assert panel.decode_contents() == ""


def test_the_panel_lists_similar_ideas_with_links(client: Client, settings: Settings) -> None:
    in_db(settings, _ideas)
    response = client.get(
        f"/processes/{SLUG}/ideas/similar",
        params={"title": "WLAN am Marktplatz", "body": "Bitte WLAN für alle"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = html(response.text)
    assert text_of(first_match(fragment, "h3")) == german("Are there similar ideas already?")
    assert text_of(first_match(fragment, "h3")) == "Gibt es schon ähnliche Ideen?"
    links = fragment.select("li a")
    assert [text_of(a).split(" (")[0] for a in links] == [MARKET_WLAN]

    idea = client.get(attr(links[0], "href"))
    assert idea.status_code == 200
    assert text_of(first_match(html(idea.text), "h1")) == MARKET_WLAN


def test_an_empty_draft_gets_an_empty_panel(client: Client, process: Process) -> None:
    response = client.get(f"/processes/{SLUG}/ideas/similar", params={"title": "", "body": ""})
    assert response.status_code == 200
    assert response.text.strip() == ""
    assert client.get(f"/processes/{SLUG}/ideas/similar").text.strip() == ""


def test_the_panel_of_an_unknown_process_is_404(client: Client) -> None:
    assert client.get("/processes/gibt-es-nicht/ideas/similar?title=Radweg").status_code == 404


def test_without_javascript_the_panel_shows_after_a_failed_submit(
    client: Client, settings: Settings
) -> None:
    in_db(settings, _ideas)
    typed = valid_idea(title="WLAN am Marktplatz", body="WLAN", consent="")
    response = post_form(client, f"/processes/{SLUG}/ideas", typed)
    assert response.status_code == 422
    panel = one(html(response.text), "#similar-ideas")
    assert MARKET_WLAN in text_of(panel)


def test_only_published_ideas_have_a_page(client: Client, settings: Settings) -> None:
    process = in_db(settings, add_process)
    pending = in_db(settings, lambda s: add_idea(s, process, status=ContributionStatus.PENDING))
    published = in_db(settings, lambda s: add_idea(s, process, title="Schon öffentlich"))
    assert client.get(f"/processes/{SLUG}/ideas/{pending.id}").status_code == 404
    assert client.get(f"/processes/other/ideas/{published.id}").status_code == 404
    assert client.get(f"/processes/{SLUG}/ideas/{published.id}").status_code == 200


async def test_a_failing_comparison_gives_an_empty_panel(
    session: AsyncSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    process = await _ideas(session)
    assert process.id is not None

    def broken(*args: object) -> None:
        raise ValueError("index broke")

    monkeypatch.setattr(similar, "SimilarityIndex", broken)
    similar.invalidate(process.id)
    assert await similar.similar_ideas(session, tmp_path, process.id, MARKET_WLAN, "") == []
    assert "Could not look for ideas similar" in caplog.text


# --- the German analyser is loaded at start, off the event loop ------------------------------


async def _warmed_up(app: Litestar) -> bool | None:
    task = app.state.nlp_warmup
    return None if task is None else bool(await task)


def test_start_preloads_the_analyser(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nlp.text, "_default", None)  # as in a fresh process
    app = create_app(replace(settings, preload_nlp=True))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200  # it serves while the analyser loads
        assert client.blocking_portal.call(_warmed_up, app) is True
    assert nlp.text._default is not None
    assert (settings.var_dir / "nlp" / "german-pipeline" / "config.cfg").exists()


def test_start_does_not_fail_when_preloading_fails(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(var_dir: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(tagging, "warm_analyzer", broken)
    app = create_app(replace(settings, preload_nlp=True))
    # The app's logging setup at start replaces the root handlers, caplog's among them.
    logger = logging.getLogger("participation")
    logger.addHandler(caplog.handler)
    try:
        with TestClient(app) as client:
            assert client.blocking_portal.call(_warmed_up, app) is False
            assert client.get("/healthz").status_code == 200
    finally:
        logger.removeHandler(caplog.handler)
    assert "Could not preload the German text analyzer" in caplog.text


def test_preloading_can_be_turned_off(settings: Settings) -> None:
    app = create_app(settings)  # the test settings turn it off
    with TestClient(app) as client:
        assert client.blocking_portal.call(_warmed_up, app) is None
