"""The read-only JSON API and its OpenAPI description."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    ContributionStatus,
    ContributionTheme,
    Process,
    Segment,
    Theme,
    ThemeSource,
    utcnow,
)
from participation.settings import Settings
from tests.helpers import SLUG, Client, add_idea, add_process, in_db


def published_titles(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/api/v1/processes/{SLUG}/contributions{query}")
    assert response.status_code == 200
    return [item["title"] for item in response.json()["items"]]


def make_ideas(settings: Settings, process: Process, published: int) -> None:
    """`published` public ideas (1 is the oldest) plus one of every state that is not public."""
    start = utcnow() - timedelta(days=2)

    async def ideas(session: AsyncSession) -> None:
        for number in range(1, published + 1):
            await add_idea(
                session,
                process,
                title=f"Öffentliche Idee {number:02d}",
                created_at=start + timedelta(minutes=number),
            )
        for status in ContributionStatus:
            if status is not ContributionStatus.PUBLISHED:
                await add_idea(session, process, title=f"Nicht öffentlich: {status}", status=status)

    in_db(settings, ideas)


def assert_json_error(response: Any, status_code: int) -> dict[str, Any]:
    assert response.status_code == status_code
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["status_code"] == status_code
    assert body["detail"]
    return body


# --- processes -------------------------------------------------------------------------------


def test_list_processes(client: Client, settings: Settings, process: Process) -> None:
    in_db(settings, lambda s: add_process(s, slug="geschlossen", title="Vorbei", call="closed"))
    make_ideas(settings, process, published=3)
    response = client.get("/api/v1/processes")
    assert response.status_code == 200
    by_slug = {p["slug"]: p for p in response.json()}
    assert set(by_slug) == {SLUG, "geschlossen"}

    open_call = by_slug[SLUG]
    assert open_call["title"] == process.title
    assert open_call["summary"] == process.summary
    assert open_call["description"] == process.description
    assert open_call["accepts_ideas"] is True
    assert open_call["published_ideas"] == 3
    assert open_call["current_phase"]["kind"] == "idea_call"
    deadline = datetime.fromisoformat(open_call["deadline"])
    assert deadline.tzinfo is not None
    assert deadline > utcnow()

    closed = by_slug["geschlossen"]
    assert closed["accepts_ideas"] is False
    assert closed["current_phase"] is None
    assert closed["published_ideas"] == 0


def test_list_processes_when_there_are_none(client: Client) -> None:
    response = client.get("/api/v1/processes")
    assert response.status_code == 200
    assert response.json() == []


def test_one_process(client: Client, settings: Settings, process: Process) -> None:
    make_ideas(settings, process, published=2)
    response = client.get(f"/api/v1/processes/{SLUG}")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == SLUG
    assert body["published_ideas"] == 2
    assert set(body) == {
        "slug",
        "title",
        "summary",
        "description",
        "current_phase",
        "deadline",
        "accepts_ideas",
        "published_ideas",
    }
    assert "id" not in body  # internal ids of processes stay internal


@pytest.mark.parametrize(
    "path",
    ["/api/v1/processes/gibt-es-nicht", "/api/v1/processes/gibt-es-nicht/contributions"],
)
def test_unknown_slug_is_404_json(client: Client, process: Process, path: str) -> None:
    body = assert_json_error(client.get(path), 404)
    assert "gibt-es-nicht" in body["detail"]


def test_unknown_api_path_is_404_json(client: Client) -> None:
    assert_json_error(client.get("/api/v1/nothing-here"), 404)


# --- contributions ---------------------------------------------------------------------------


def test_contributions_are_published_only(
    client: Client, settings: Settings, process: Process
) -> None:
    make_ideas(settings, process, published=2)
    response = client.get(f"/api/v1/processes/{SLUG}/contributions")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert [item["title"] for item in body["items"]] == [
        "Öffentliche Idee 02",
        "Öffentliche Idee 01",
    ]
    item = body["items"][0]
    assert set(item) == {
        "id",
        "kind",
        "title",
        "body",
        "segment",
        "channel",
        "municipality",
        "themes",
        "created_at",
        "published_at",
        "site_id",
        "supports",
        "comments",
    }
    assert item["kind"] == "idea"
    assert item["segment"] == "resident"
    assert item["channel"] == "idea_call"
    assert item["themes"] == []
    # Nothing private leaks: no follow-token hash, no consent time, no organisation contact.
    assert "follow_token_hash" not in response.text
    assert "Nicht öffentlich" not in response.text


def test_contributions_of_other_processes_are_not_listed(
    client: Client, settings: Settings, process: Process
) -> None:
    async def other(session: AsyncSession) -> None:
        elsewhere = await add_process(session, slug="anderswo")
        await add_idea(session, elsewhere, title="Idee von anderswo")

    in_db(settings, other)
    make_ideas(settings, process, published=1)
    assert published_titles(client) == ["Öffentliche Idee 01"]
    other_titles = client.get("/api/v1/processes/anderswo/contributions").json()["items"]
    assert [item["title"] for item in other_titles] == ["Idee von anderswo"]


def test_contributions_carry_their_confirmed_themes(
    client: Client, settings: Settings, process: Process
) -> None:
    async def tagged(session: AsyncSession) -> None:
        assert process.id is not None
        mobility = Theme(process_id=process.id, slug="mobilitaet", name="Mobilität", position=1)
        school = Theme(process_id=process.id, slug="schule", name="Schule", position=2)
        session.add_all([mobility, school])
        await session.flush()
        idea = await add_idea(session, process, segment=Segment.PUPIL)
        assert idea.id is not None
        assert mobility.id is not None
        assert school.id is not None
        session.add_all(
            [
                ContributionTheme(
                    contribution_id=idea.id, theme_id=mobility.id, source=ThemeSource.CONFIRMED
                ),
                # A tagger's suggestion is not public until a moderator confirms it.
                ContributionTheme(
                    contribution_id=idea.id, theme_id=school.id, source=ThemeSource.SUGGESTED
                ),
            ]
        )
        await session.commit()

    in_db(settings, tagged)
    items = client.get(f"/api/v1/processes/{SLUG}/contributions").json()["items"]
    assert [(item["segment"], item["themes"]) for item in items] == [("pupil", ["mobilitaet"])]


def test_contributions_are_paginated(client: Client, settings: Settings, process: Process) -> None:
    make_ideas(settings, process, published=5)
    newest_first = [f"Öffentliche Idee {n:02d}" for n in range(5, 0, -1)]

    first = client.get(f"/api/v1/processes/{SLUG}/contributions?per_page=2").json()
    assert (first["page"], first["pages"], first["total"]) == (1, 3, 5)
    assert [i["title"] for i in first["items"]] == newest_first[:2]

    last = client.get(f"/api/v1/processes/{SLUG}/contributions?per_page=2&page=3").json()
    assert (last["page"], last["pages"], last["total"]) == (3, 3, 5)
    assert [i["title"] for i in last["items"]] == newest_first[4:]

    # Past the end: the last page, not an empty one.
    beyond = client.get(f"/api/v1/processes/{SLUG}/contributions?per_page=2&page=99").json()
    assert beyond["page"] == 3
    assert [i["title"] for i in beyond["items"]] == newest_first[4:]

    # Defaults: 20 per page.
    default = client.get(f"/api/v1/processes/{SLUG}/contributions").json()
    assert (default["page"], default["pages"], default["total"]) == (1, 1, 5)
    assert published_titles(client, "?per_page=100") == newest_first


def test_empty_process_has_one_empty_page(client: Client, process: Process) -> None:
    body = client.get(f"/api/v1/processes/{SLUG}/contributions").json()
    assert body == {"items": [], "page": 1, "pages": 1, "total": 0, "per_page": 20}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=zwanzig", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
    ],
)
def test_bad_paging_is_400_json_naming_the_field(
    client: Client, process: Process, query: str, field: str
) -> None:
    body = assert_json_error(client.get(f"/api/v1/processes/{SLUG}/contributions?{query}"), 400)
    assert field in {error["key"] for error in body["extra"]}


# --- the OpenAPI description -----------------------------------------------------------------


def test_schema_describes_the_api(client: Client) -> None:
    response = client.get("/schema")
    assert response.status_code == 200
    assert "json" in response.headers["content-type"]
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Participation API"
    paths = schema["paths"]
    assert {
        "/api/v1/processes",
        "/api/v1/processes/{slug}",
        "/api/v1/processes/{slug}/contributions",
        "/api/v1/moderation/queue",
    } <= set(paths)
    # Pages, forms and staff screens are not part of the API.
    assert all(path.startswith("/api/v1/") for path in paths)
    assert paths["/api/v1/moderation/queue"]["get"]["tags"] == ["moderation"]
    assert paths["/api/v1/processes"]["get"]["tags"] == ["public"]
    parameters = {
        p["name"] for p in paths["/api/v1/processes/{slug}/contributions"]["get"]["parameters"]
    }
    assert {"slug", "page", "per_page"} <= parameters
    assert client.get("/schema/openapi.json").json()["paths"] == paths
