"""Personal access tokens: made on the settings page or on the command line, shown once,
stored only as a SHA-256 hash, listed with their first characters, revoked at once."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.cli import main
from participation.models import PersonalAccessToken, Role, utcnow
from participation.services import tokens
from participation.services.errors import ValidationFailed
from participation.settings import Settings
from tests.helpers import (
    Client,
    add_actor,
    add_staff,
    field_error,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)


async def _rows(session: AsyncSession) -> list[PersonalAccessToken]:
    return list(await session.exec(select(PersonalAccessToken)))


async def test_only_the_hash_is_stored_and_the_token_finds_its_user(
    session: AsyncSession,
) -> None:
    user = await add_actor(session, "mod@example.org")
    made = await tokens.create_token(session, user, "  Tabellen   abgleich ")
    (row,) = await _rows(session)
    assert made.token.startswith("pat_")
    assert len(made.token) > 40
    assert row.token_hash == hashlib.sha256(made.token.encode()).hexdigest()
    assert made.token not in (row.token_hash, row.prefix, row.name)
    assert row.prefix == made.token[:12]
    assert row.name == "Tabellen abgleich"
    assert row.last_used_at is None

    found = await tokens.user_for_token(session, made.token)
    assert found is not None
    assert found.id == user.id
    await session.refresh(row)
    (used,) = await _rows(session)
    assert used.last_used_at is not None
    assert await tokens.user_for_token(session, made.token[:-1]) is None
    assert await tokens.user_for_token(session, "pat_" + "x" * 300) is None


async def test_last_use_is_written_at_most_every_few_minutes(session: AsyncSession) -> None:
    user = await add_actor(session, "mod@example.org")
    made = await tokens.create_token(session, user, "Skript")
    await tokens.user_for_token(session, made.token)
    (row,) = await _rows(session)
    first = row.last_used_at
    await tokens.user_for_token(session, made.token)
    await session.refresh(row)
    assert row.last_used_at == first
    row.last_used_at = utcnow() - tokens.LAST_USED_STEP - timedelta(seconds=1)
    session.add(row)
    await session.commit()
    await tokens.user_for_token(session, made.token)
    await session.refresh(row)
    assert row.last_used_at is not None
    assert first is not None
    assert row.last_used_at >= first


async def test_a_name_is_required_and_revoking_is_for_the_owner_only(
    session: AsyncSession,
) -> None:
    owner = await add_actor(session, "mod@example.org")
    other = await add_actor(session, "admin@example.org", Role.ADMIN)
    with pytest.raises(ValidationFailed) as failed:
        await tokens.create_token(session, owner, "   ")
    assert "name" in failed.value.errors
    with pytest.raises(ValidationFailed):
        await tokens.create_token(session, owner, "x" * 121)

    made = await tokens.create_token(session, owner, "Skript")
    assert made.row.id is not None
    assert not await tokens.revoke_token(session, other.id or 0, made.row.id)
    assert await tokens.user_for_token(session, made.token) is not None
    assert await tokens.revoke_token(session, owner.id or 0, made.row.id)
    assert not await tokens.revoke_token(session, owner.id or 0, made.row.id)  # once
    assert await tokens.user_for_token(session, made.token) is None
    assert await tokens.list_tokens(session, owner.id or 0) == []


# --- the settings page -----------------------------------------------------------------------


def test_settings_page_shows_a_new_token_once_and_lists_and_revokes(
    client: Client, settings: Settings
) -> None:
    assert client.get("/konto/tokens", follow_redirects=False).status_code in (302, 303)
    in_db(settings, lambda s: add_staff(s, "ag@example.org", Role.EDITOR))
    assert login(client, "ag@example.org").status_code == 303

    empty = post_form(client, "/konto/tokens", {"name": " "})
    assert empty.status_code == 422
    assert field_error(html(empty.text), "name")

    made = post_form(client, "/konto/tokens", {"name": "Abgleich Haushalt"})
    assert made.status_code == 201
    assert made.headers["cache-control"] == "no-store"
    token = one(html(made.text), "#new-token")["value"]
    assert isinstance(token, str)
    assert token.startswith("pat_")

    page = client.get("/konto/tokens")
    assert token not in page.text  # shown once
    row = one(html(page.text), "#tokens-caption").find_parent("table")
    assert row is not None
    assert "Abgleich Haushalt" in text_of(row)
    assert token[:12] in text_of(row)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/staff/processes/x/profiles", headers=bearer).status_code == 404

    (stored,) = in_db(settings, _rows)
    revoked = post_form(client, f"/konto/tokens/{stored.id}/revoke", {})
    assert revoked.status_code == 303
    assert "Abgleich Haushalt" not in client.get("/konto/tokens").text
    response = client.get("/api/v1/staff/processes/x/profiles", headers=bearer)
    assert response.status_code == 401
    assert post_form(client, f"/konto/tokens/{stored.id}/revoke", {}).status_code == 404


def test_token_forms_need_the_csrf_token(client: Client, settings: Settings) -> None:
    in_db(settings, lambda s: add_staff(s, "ag@example.org", Role.EDITOR))
    assert login(client, "ag@example.org").status_code == 303
    response = client.post("/konto/tokens", data={"name": "Ohne Schutz"})
    assert response.status_code == 403
    assert in_db(settings, _rows) == []


# --- the command line ------------------------------------------------------------------------


def test_cli_prints_a_new_token_once(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    in_db(settings, lambda s: add_staff(s, "mod@example.org", Role.MODERATOR))
    result = CliRunner().invoke(main, ["users", "token", "MOD@example.org", "--name", "Abgleich"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("pat_")
    (row,) = in_db(settings, _rows)
    assert row.name == "Abgleich"
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()

    missing = CliRunner().invoke(main, ["users", "token", "niemand@example.org"])
    assert missing.exit_code != 0
    assert "niemand@example.org" in missing.output
