"""The staff API's writes, with personal access tokens: creating and saving profiles (with the
edit form's checks and the same conflicts), their status, their sources, and merging two
contributions; the page's rules decide who may do what."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution, ContributionStatus, Role, User
from participation.services import tokens
from participation.services.profiles import working_group
from participation.settings import Settings
from tests.helpers import SLUG, Client, add_idea, add_process, add_staff, add_themes, in_db

BASE = f"/api/v1/staff/processes/{SLUG}"


def _token(settings: Settings, email: str, role: Role) -> tuple[str, int]:
    async def make(session: AsyncSession) -> tuple[str, int]:
        user = await add_staff(session, email, role)
        return (await tokens.create_token(session, user, "Skript")).token, user.id or 0

    return in_db(settings, make)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _profile(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Glasfaser für alle Schulen",
        "summary": "Alle Schulen bekommen Glasfaser.",
        "primary_theme": "schule",
        "further_themes": ["radwege"],
        "horizon": "medium",
        "cost_min": 250_000,
        "organisations": [{"name": "Landkreis Auetal", "kind": "administration", "role": "lead"}],
        "indicators": [{"name": "Schulen mit Glasfaser", "target": "40"}],
    } | overrides


def _ideas(settings: Settings) -> list[Contribution]:
    async def make(session: AsyncSession) -> list[Contribution]:
        process = await add_process(session)
        await add_themes(session, process)
        return [await add_idea(session, process, title=f"Idee {n}") for n in range(3)]

    return in_db(settings, make)


def test_a_script_builds_a_profile_like_a_working_group(client: Client, settings: Settings) -> None:
    ideas = _ideas(settings)
    moderator, _mid = _token(settings, "mod@example.org", Role.MODERATOR)
    headers = _bearer(moderator)

    made = client.post(
        f"{BASE}/profiles", json=_profile(source_ids=[ideas[0].id, 999_999]), headers=headers
    )
    assert made.status_code == 201, made.text
    profile = made.json()
    assert profile["version"] == 1
    assert profile["source_count"] == 1
    pid = profile["id"]
    read = client.get(f"{BASE}/profiles/{pid}", headers=headers).json()
    assert read["status"] == "draft"
    assert read["themes"][:2] == ["schule", "radwege"]

    # The edit form's checks, with the field names.
    wrong = client.post(
        f"{BASE}/profiles", json=_profile(title="", primary_theme="gibt-es-nicht"), headers=headers
    )
    assert wrong.status_code == 422
    assert set(wrong.json()["errors"]) >= {"title", "themes"}

    saved = client.put(
        f"{BASE}/profiles/{pid}", json=_profile(goal="Gigabit.", version=1), headers=headers
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["changed"] == ["goal"]
    stale = client.put(
        f"{BASE}/profiles/{pid}", json=_profile(goal="Anders.", version=1), headers=headers
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert stale.json()["changed_since"] == ["goal"]

    linked = client.post(
        f"{BASE}/profiles/{pid}/sources", json={"ids": [i.id for i in ideas]}, headers=headers
    )
    assert linked.json() == {"changed": 2, "source_count": 3}
    unlinked = client.post(
        f"{BASE}/profiles/{pid}/sources/remove", json={"ids": [ideas[0].id]}, headers=headers
    )
    assert unlinked.json() == {"changed": 1, "source_count": 2}

    published = client.post(
        f"{BASE}/profiles/{pid}/status", json={"status": "published", "version": 2}, headers=headers
    )
    assert published.status_code == 200, published.text
    public = client.get(f"/api/v1/processes/{SLUG}/profiles/{pid}")
    assert public.status_code == 200


def test_an_editor_writes_only_to_their_groups_profiles(client: Client, settings: Settings) -> None:
    ideas = _ideas(settings)
    moderator, moderator_id = _token(settings, "mod@example.org", Role.MODERATOR)
    editor, editor_id = _token(settings, "ag@example.org", Role.EDITOR)
    made = client.post(f"{BASE}/profiles", json=_profile(), headers=_bearer(moderator)).json()
    pid = made["id"]

    as_editor = _bearer(editor)
    body = _profile(goal="Neu.", version=1)
    assert client.post(f"{BASE}/profiles", json=_profile(), headers=as_editor).status_code == 403
    assert client.put(f"{BASE}/profiles/{pid}", json=body, headers=as_editor).status_code == 403

    async def join(session: AsyncSession) -> None:
        actor = await session.get(User, moderator_id)
        assert actor is not None
        await working_group.add_member(session, pid, editor_id, actor)

    in_db(settings, join)
    assert client.put(f"{BASE}/profiles/{pid}", json=body, headers=as_editor).status_code == 200
    status = f"{BASE}/profiles/{pid}/status"
    publish = client.post(status, json={"status": "published", "version": 2}, headers=as_editor)
    assert publish.status_code == 403
    ready = client.post(status, json={"status": "ready", "version": 2}, headers=as_editor)
    assert ready.status_code == 200
    merge = {"keep_id": ideas[0].id, "merged_id": ideas[1].id}
    assert client.post(f"{BASE}/merges", json=merge, headers=as_editor).status_code == 403


def test_writes_need_a_token_not_a_browser_session(client: Client, settings: Settings) -> None:
    _ideas(settings)
    assert client.post(f"{BASE}/profiles", json=_profile()).status_code == 401
    revoked, _id = _token(settings, "mod@example.org", Role.MODERATOR)
    bad = client.post(f"{BASE}/profiles", json=_profile(), headers=_bearer(revoked + "x"))
    assert bad.status_code == 401


def test_a_script_merges_two_contributions(client: Client, settings: Settings) -> None:
    ideas = _ideas(settings)
    moderator, _mid = _token(settings, "mod@example.org", Role.MODERATOR)
    merge = {"keep_id": ideas[0].id, "merged_id": ideas[1].id, "merged_version": 0}
    merged = client.post(f"{BASE}/merges", json=merge, headers=_bearer(moderator))
    assert merged.status_code == 201, merged.text
    assert merged.json()["keep_id"] == ideas[0].id

    async def status(session: AsyncSession) -> tuple[ContributionStatus, int | None]:
        row = (await session.exec(select(Contribution).where(Contribution.id == ideas[1].id))).one()
        return row.status, row.duplicate_of_id

    assert in_db(settings, status) == (ContributionStatus.MERGED, ideas[0].id)
    again = client.post(f"{BASE}/merges", json=merge, headers=_bearer(moderator))
    assert again.status_code in {409, 422}
    elsewhere = client.post(
        "/api/v1/staff/processes/gibt-es-nicht/merges", json=merge, headers=_bearer(moderator)
    )
    assert elsewhere.status_code == 404
