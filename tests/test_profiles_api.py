"""Project profiles in the JSON API: the published ones for everyone, every status for staff
with a personal access token (or, for reading, their session), and the latest clustering."""

from __future__ import annotations

from typing import Final

import pytest
from litestar import Litestar, post
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    Cluster,
    ClusterMember,
    ClusterRun,
    ContributionStatus,
    Profile,
    ProfileStatus,
    Role,
    Segment,
)
from participation.services import tokens
from participation.settings import Settings
from participation.token_auth import STAFF_WRITE, staff_api
from tests.helpers import (
    Client,
    add_idea,
    add_process,
    add_staff,
    add_themes,
    csrf_token,
    in_db,
    login,
)
from tests.profile_rows import add_profile

SLUG: Final = "radwege-auetal"
PUBLIC: Final = f"/api/v1/processes/{SLUG}/profiles"
STAFF: Final = f"/api/v1/staff/processes/{SLUG}"


async def _profiles(session: AsyncSession) -> tuple[Profile, Profile, list[int]]:
    process = await add_process(session)
    themes = await add_themes(session, process)
    published = await add_idea(session, process, title="Öffentlich")
    pupil = await add_idea(
        session, process, title="Aus der Fokusgruppe", segment=Segment.PUPIL,
        channel=Channel.FOCUS_GROUP,
    )  # fmt: skip
    waiting = await add_idea(session, process, status=ContributionStatus.PENDING)
    profile = await add_profile(
        session,
        process,
        title="Radnetz",
        sources=[published, pupil, waiting],
        themes=[themes["radwege"]],
        indicators=[("Kilometer Radweg", "10", "25")],
    )
    draft = await add_profile(session, process, title="Entwurf", status=ProfileStatus.DRAFT)
    return profile, draft, [published.id or 0, pupil.id or 0]


@pytest.fixture
def profiles(settings: Settings) -> tuple[Profile, Profile, list[int]]:
    return in_db(settings, _profiles)


def _token(settings: Settings, email: str, role: Role, *, active: bool = True) -> str:
    async def make(session: AsyncSession) -> str:
        user = await add_staff(session, email, role, active=active)
        return (await tokens.create_token(session, user, "Skript")).token

    return in_db(settings, make)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- public ----------------------------------------------------------------------------------


def test_public_api_lists_and_shows_only_published_profiles(
    client: Client, profiles: tuple[Profile, Profile, list[int]]
) -> None:
    profile, draft, published_ids = profiles
    listed = client.get(PUBLIC).json()
    assert [item["title"] for item in listed["items"]] == ["Radnetz"]
    assert listed["total"] == 1
    assert listed["items"][0]["themes"] == ["radwege"]
    assert listed["items"][0]["source_count"] == 3

    detail = client.get(f"{PUBLIC}/{profile.id}").json()
    assert detail["source_count"] == 3
    assert detail["published_source_ids"] == published_ids  # the waiting idea only counted
    by_segment = {row["segment"]: row["count"] for row in detail["sources_by_segment"]}
    assert by_segment == {"resident": 2, "pupil": 1, "firm": 0, "expert": 0, "other": 0}
    by_channel = {row["channel"]: row["count"] for row in detail["sources_by_channel"]}
    assert by_channel["focus_group"] == 1
    assert by_channel["idea_call"] == 2
    assert detail["indicators"][0]["name"] == "Kilometer Radweg"

    assert client.get(f"{PUBLIC}/{draft.id}").status_code == 404
    assert client.get("/api/v1/processes/nirgendwo/profiles").status_code == 404


def test_public_api_pages(client: Client, settings: Settings) -> None:
    async def make(session: AsyncSession) -> None:
        process = await add_process(session)
        for i in range(5):
            await add_profile(session, process, title=f"Steckbrief {i}")

    in_db(settings, make)
    page = client.get(f"{PUBLIC}?per_page=2&page=3").json()
    assert [item["title"] for item in page["items"]] == ["Steckbrief 4"]
    assert (page["page"], page["pages"], page["total"]) == (3, 3, 5)
    assert client.get(f"{PUBLIC}?per_page=1000").status_code == 400


def test_schema_documents_the_profile_endpoints(client: Client) -> None:
    schema = client.get("/schema/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/processes/{slug}/profiles" in paths
    assert "/api/v1/processes/{slug}/profiles/{profile_id}" in paths
    assert "/api/v1/staff/processes/{slug}/profiles" in paths
    assert "/api/v1/staff/processes/{slug}/clusters" in paths
    assert "ProfileDetailItem" in schema["components"]["schemas"]


# --- staff, with a token ---------------------------------------------------------------------


def test_staff_api_lists_every_status_with_a_token(
    client: Client, settings: Settings, profiles: tuple[Profile, Profile, list[int]]
) -> None:
    _profile, draft, _ids = profiles
    token = _token(settings, "ag@example.org", Role.EDITOR)
    response = client.get(f"{STAFF}/profiles", headers=_bearer(token))
    assert response.status_code == 200
    assert {item["title"] for item in response.json()["items"]} == {"Radnetz", "Entwurf"}
    drafts = client.get(f"{STAFF}/profiles?status=draft", headers=_bearer(token)).json()
    assert [item["id"] for item in drafts["items"]] == [draft.id]
    assert client.get(f"{STAFF}/profiles/{draft.id}", headers=_bearer(token)).status_code == 200
    bad = client.get(f"{STAFF}/profiles?status=geheim", headers=_bearer(token))
    assert bad.status_code == 400
    assert "status" in bad.json()["extra"]
    # The session cookie of nobody, no token: 401; the cookie never stands in for a token.
    assert client.get(f"{STAFF}/profiles").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer pat_falsch", "Bearer ", "Basic dXNlcjpwdw==", "Bearer " + "x" * 5000],
)
def test_staff_api_refuses_wrong_tokens(
    client: Client, profiles: tuple[Profile, Profile, list[int]], header: str
) -> None:
    response = client.get(f"{STAFF}/profiles", headers={"Authorization": header})
    assert response.status_code == 401


def test_revoked_token_and_deactivated_account_are_refused_at_once(
    client: Client, settings: Settings, profiles: tuple[Profile, Profile, list[int]]
) -> None:
    token = _token(settings, "mod@example.org", Role.MODERATOR)
    assert client.get(f"{STAFF}/profiles", headers=_bearer(token)).status_code == 200

    async def revoke(session: AsyncSession) -> bool:
        user = await tokens.user_for_token(session, token)
        assert user is not None
        (row,) = await tokens.list_tokens(session, user.id or 0)
        return await tokens.revoke_token(session, user.id or 0, row.id or 0)

    assert in_db(settings, revoke)
    assert client.get(f"{STAFF}/profiles", headers=_bearer(token)).status_code == 401

    second = _token(settings, "alt@example.org", Role.MODERATOR)
    assert client.get(f"{STAFF}/profiles", headers=_bearer(second)).status_code == 200

    async def deactivate(session: AsyncSession) -> None:
        user = await tokens.user_for_token(session, second)
        assert user is not None
        user.is_active = False
        session.add(user)
        await session.commit()

    in_db(settings, deactivate)
    assert client.get(f"{STAFF}/profiles", headers=_bearer(second)).status_code == 401


def test_token_acts_with_its_owners_role(
    client: Client, settings: Settings, profiles: tuple[Profile, Profile, list[int]]
) -> None:
    facilitator = _token(settings, "fg@example.org", Role.FACILITATOR)
    editor = _token(settings, "ag@example.org", Role.EDITOR)
    evaluator = _token(settings, "ev@example.org", Role.EVALUATOR)
    assert client.get(f"{STAFF}/profiles", headers=_bearer(facilitator)).status_code == 403
    assert client.get(f"{STAFF}/clusters", headers=_bearer(editor)).status_code == 403
    # Evaluators may read clusters; this process has none yet.
    assert client.get(f"{STAFF}/clusters", headers=_bearer(evaluator)).status_code == 404


@post("/api/v1/staff/probe", guards=[staff_api(Role.MODERATOR)], **STAFF_WRITE)
async def _probe_write() -> dict[str, bool]:
    """A write endpoint as the staff API's will be (they come with the profile editing)."""
    return {"written": True}


def test_staff_session_reads_but_only_a_token_writes(
    app: Litestar, client: Client, settings: Settings, profiles: tuple[Profile, Profile, list[int]]
) -> None:
    app.register(_probe_write)
    in_db(settings, lambda s: add_staff(s, "mod@example.org", Role.MODERATOR))
    assert login(client, "mod@example.org").status_code == 303
    assert client.get(f"{STAFF}/profiles").status_code == 200
    # A signed-in browser, even with its CSRF token, cannot write through the staff API:
    # those routes take no CSRF token, so a cookie alone must never be enough.
    with_csrf = {"x-csrftoken": csrf_token(client)}
    assert client.post("/api/v1/staff/probe", headers=with_csrf).status_code == 401
    client.cookies.clear()
    token = _token(settings, "skript@example.org", Role.MODERATOR)
    response = client.post("/api/v1/staff/probe", headers=_bearer(token))
    assert response.status_code == 201
    assert response.json() == {"written": True}
    viewer = _token(settings, "ev@example.org", Role.EVALUATOR)
    assert client.post("/api/v1/staff/probe", headers=_bearer(viewer)).status_code == 403


def test_clusters_of_the_latest_run_with_member_ids(
    client: Client, settings: Settings, profiles: tuple[Profile, Profile, list[int]]
) -> None:
    _profile, _draft, ids = profiles

    async def clustered(session: AsyncSession) -> list[int]:
        process_id = _profile.process_id
        old = ClusterRun(process_id=process_id, items=1, k=1, silhouette=0.0)
        new = ClusterRun(
            process_id=process_id,
            items=2,
            k=2,
            silhouette=0.12,
            scope={"segments": ["firm"], "theme": {"id": 7, "name": "Mobilität"}},
        )
        session.add_all([old, new])
        await session.flush()
        clusters = [
            Cluster(run_id=new.id or 0, position=p, name=n, size=1, representative_ids=[i])
            for p, (n, i) in enumerate([("Radwege", ids[0]), ("Schule", ids[1])])
        ]
        session.add_all(clusters)
        await session.flush()
        session.add_all(
            ClusterMember(run_id=new.id or 0, contribution_id=i, cluster_id=c.id or 0, x=0, y=0)
            for c, i in zip(clusters, ids, strict=True)
        )
        await session.commit()
        return [new.id or 0]

    (run_id,) = in_db(settings, clustered)
    token = _token(settings, "mod@example.org", Role.MODERATOR)
    body = client.get(f"{STAFF}/clusters", headers=_bearer(token)).json()
    assert body["id"] == run_id
    assert body["scope"] == {
        "channels": [],
        "segments": ["firm"],
        "action_field_id": 7,
        "action_field_name": "Mobilität",
    }
    assert [(c["number"], c["name"], c["member_ids"]) for c in body["clusters"]] == [
        (1, "Radwege", [ids[0]]),
        (2, "Schule", [ids[1]]),
    ]
