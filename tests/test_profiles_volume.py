"""Profile pages run a fixed number of statements whatever the volume: a process with a few
small profiles and one with many profiles of many sources, revisions, members and comments
run the same number of statements per page."""

from __future__ import annotations

from typing import Any, Final

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process, Role, User
from participation.services.profiles import editing, working_group
from participation.services.profiles.fields import ProfileForm, validate
from participation.settings import Settings
from tests.helpers import Client, add_actor, add_idea, add_process, add_staff, in_db, login
from tests.sql_statements import recorded

# The most statements a profile page may run (the session's user included).
MOST: Final = 16


def _snapshot(title: str, **overrides: str) -> dict[str, Any]:
    data = {
        "title": title,
        "org-0-name": "Landkreis Auetal",
        "org-0-kind": "administration",
        "org-0-role": "lead",
        "ind-0-name": "Schulen mit WLAN",
        "status": "working_group",
    } | overrides
    return validate(ProfileForm.from_form(data), set())


async def _fill(
    session: AsyncSession, slug: str, profiles: int, sources: int, saves: int, actor: User
) -> tuple[Process, int]:
    """A process with `profiles` profiles; the first has `sources` sources, `saves` saves,
    a working group and comments. Its id is returned."""
    process = await add_process(session, slug=slug)
    ideas = [
        (await add_idea(session, process, title=f"Idee {n}", body=f"Text der Idee {n}.")).id or 0
        for n in range(sources)
    ]
    first = await editing.create_profile(
        session, process.id or 0, _snapshot("Erster"), actor, ideas
    )
    for n in range(1, profiles):
        await editing.create_profile(session, process.id or 0, _snapshot(f"Steckbrief {n}"), actor)
    for version in range(1, saves + 1):
        await editing.save_profile(
            session, first.id or 0, _snapshot("Erster", goal=f"Ziel {version}"), version, actor
        )
    for n in range(saves):
        member = await add_actor(session, f"ag{slug}{n}@example.org", Role.EDITOR)
        await working_group.add_member(session, first.id or 0, member.id or 0, actor)
        await working_group.add_comment(session, first.id or 0, f"Kommentar {n}", member)
    return process, first.id or 0


def _pages(slug: str, profile_id: int) -> dict[str, str]:
    base = f"/admin/processes/{slug}/steckbriefe"
    return {
        "list": base,
        "list filtered": f"{base}?status=working_group&lead=landkreis&horizon=short",
        "list page 2": f"{base}?page=2",
        "profile": f"/admin/steckbriefe/{profile_id}",
        "profile sources page 2": f"/admin/steckbriefe/{profile_id}?page=2",
        "edit": f"/admin/steckbriefe/{profile_id}/edit",
        "history": f"/admin/steckbriefe/{profile_id}/history",
        "overview": "/admin/steckbriefe",
    }


def _counts(client: Client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, path in pages.items():
        with recorded() as statements:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(statements.runs)
    return counts


def test_profile_pages_run_the_same_statements_at_any_volume(
    client: Client, settings: Settings
) -> None:
    async def fill(session: AsyncSession) -> tuple[tuple[Process, int], tuple[Process, int]]:
        actor = await add_actor(session, "fill@example.org", Role.MODERATOR)
        small = await _fill(session, "wenige", profiles=3, sources=3, saves=2, actor=actor)
        large = await _fill(session, "viele", profiles=120, sources=160, saves=30, actor=actor)
        return small, large

    (small, small_id), (large, large_id) = in_db(settings, fill)
    in_db(settings, lambda s: add_staff(s, "mod@example.org", Role.MODERATOR))
    assert login(client, "mod@example.org").status_code == 303
    few = _counts(client, _pages(small.slug, small_id))
    many = _counts(client, _pages(large.slug, large_id))
    assert many == few
    assert max(many.values()) <= MOST, many
