"""The scope of a limited staff member: which items it takes in (services/accounts/remit.py).
Every route walked for every role: tests/test_staff_scope_matrix.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.cli import main
from participation.models import (
    Contribution,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    Process,
    Profile,
    ProfileTheme,
    Report,
    ReportReason,
    Role,
    StaffScope,
    Theme,
    ThemeSource,
    User,
    utcnow,
)
from participation.services import moderation_queue, queue_digest, queue_work
from participation.services.accounts.remit import (
    EVERYWHERE,
    Scope,
    describe_scope,
    load_scope,
    set_scope,
)
from participation.services.errors import ValidationFailed
from participation.services.moderation_queue import QueueFilters
from participation.services.tokens import create_token
from participation.settings import Settings
from tests.focus_group_helpers import add_session
from tests.helpers import (
    SLUG,
    Client,
    add_idea,
    add_process,
    add_staff,
    add_themes,
    csrf_token,
    de,
    html,
    in_db,
    login,
    text_of,
)


def _id(row: Any) -> int:
    assert row.id is not None
    return int(row.id)


def test_a_scope_takes_in_whole_processes_or_their_fields() -> None:
    scope = Scope({1: frozenset(), 2: frozenset({20, 21})})
    assert scope.allows_process(1)
    assert scope.allows_process(2)
    assert not scope.allows_process(3)
    assert scope.allows(1, [])
    assert scope.allows(2, [21, 99])
    assert not scope.allows(2, [])
    assert not scope.allows(2, [22])
    assert not scope.allows(3, [20])
    assert scope.fields_in(1) is None
    assert scope.fields_in(2) == frozenset({20, 21})
    assert scope.process_ids() == frozenset({1, 2})
    assert EVERYWHERE.unrestricted
    assert EVERYWHERE.allows(3, [])


async def test_lists_narrowed_to_a_field_hold_its_items_only(session: AsyncSession) -> None:
    here = await add_process(session)
    there = await add_process(session, slug="anderer-kreis")
    themes = await add_themes(session, here)
    mobility, other = list(themes.values())[:2]
    moderator = await add_staff(session, "feld@example.org", Role.MODERATOR)
    tagged = await add_idea(session, here, title="Radweg")
    rejected = await add_idea(session, here, title="Bus")
    untagged = await add_idea(session, here, title="Schule")
    await add_idea(session, there, title="Glasfaser")
    session.add_all(
        [
            ContributionTheme(contribution_id=_id(tagged), theme_id=_id(mobility)),
            ContributionTheme(
                contribution_id=_id(rejected), theme_id=_id(mobility), source=ThemeSource.REJECTED
            ),
            ContributionTheme(contribution_id=_id(untagged), theme_id=_id(other)),
            StaffScope(user_id=_id(moderator), process_id=_id(here), theme_id=_id(mobility)),
            StaffScope(user_id=_id(moderator), process_id=_id(there)),
        ]
    )
    profile_in = Profile(process_id=_id(here), title="Radverkehr")
    profile_out = Profile(process_id=_id(here), title="Schulen")
    session.add_all([profile_in, profile_out])
    await session.flush()
    session.add_all(
        [
            ProfileTheme(profile_id=_id(profile_in), theme_id=_id(mobility), is_primary=True),
            ProfileTheme(profile_id=_id(profile_out), theme_id=_id(other), is_primary=True),
        ]
    )
    await session.commit()

    scope = await load_scope(session, moderator)
    assert scope.fields_in(_id(here)) == frozenset({_id(mobility)})
    assert scope.fields_in(_id(there)) is None
    titles = (
        await session.exec(
            select(Contribution.title).where(scope.contributions_in()).order_by(Contribution.title)
        )
    ).all()
    assert titles == ["Glasfaser", "Radweg"]
    profiles = (await session.exec(select(Profile.title).where(scope.profiles_in()))).all()
    assert profiles == ["Radverkehr"]
    processes = (
        await session.exec(
            select(col(StaffScope.process_id)).where(scope.processes_in(StaffScope.process_id))
        )
    ).all()
    assert set(processes) == {here.id, there.id}


async def test_admins_and_users_without_rows_work_everywhere(session: AsyncSession) -> None:
    process = await add_process(session)
    admin = await add_staff(session, "admin@example.org", Role.ADMIN)
    session.add(StaffScope(user_id=_id(admin), process_id=_id(process)))
    await session.commit()
    assert (await load_scope(session, admin)).unrestricted
    moderator = await add_staff(session, "alle@example.org", Role.MODERATOR)
    assert (await load_scope(session, moderator)).unrestricted


def test_a_moderator_of_one_field_opens_its_items_and_no_others(
    client: Client, settings: Settings
) -> None:
    async def rows(session: AsyncSession) -> tuple[int, int, int]:
        process = await add_process(session)
        themes = list((await add_themes(session, process)).values())
        moderator = await add_staff(session, "feld@example.org", Role.MODERATOR)
        inside = await add_idea(session, process, status=ContributionStatus.PENDING)
        outside = await add_idea(session, process, status=ContributionStatus.PENDING)
        session.add_all(
            [
                ContributionTheme(contribution_id=_id(inside), theme_id=_id(themes[0])),
                StaffScope(user_id=_id(moderator), process_id=_id(process), theme_id=themes[0].id),
            ]
        )
        await session.commit()
        assert inside.id is not None
        assert outside.id is not None
        assert themes[0].id is not None
        return inside.id, outside.id, themes[0].id

    inside, outside, field = in_db(settings, rows)
    assert login(client, "feld@example.org").status_code == 303
    assert client.get(f"/moderation/contributions/{inside}").status_code == 200
    refused = client.get(f"/moderation/contributions/{outside}")
    assert refused.status_code == 403
    assert de("Outside your remit") in refused.text

    async def suggest(session: AsyncSession) -> None:
        session.add(ContributionTheme(contribution_id=outside, theme_id=field))
        await session.commit()

    # A suggested theme brings a new item to the field's moderators before anyone confirms it.
    in_db(settings, suggest)
    assert client.get(f"/moderation/contributions/{outside}").status_code == 200


@pytest.mark.parametrize("limited", [False, True], ids=["unlimited", "limited"])
def test_lists_of_a_moderator_limited_to_another_process_leave_this_one_out(
    client: Client, settings: Settings, limited: bool
) -> None:
    async def rows(session: AsyncSession) -> None:
        here = await add_process(session, title="Radwege im Auetal")
        there = await add_process(session, slug="anderer-kreis", title="Glasfaser im Kreis")
        moderator = await add_staff(session, "kreis@example.org", Role.MODERATOR)
        idea = await add_idea(session, here, title="Radweg am Fluss entlang")
        session.add_all(
            [
                Report(contribution_id=_id(idea), reason=ReportReason.SPAM),
                ModerationEvent(
                    contribution_id=_id(idea),
                    actor_id=_id(moderator),
                    action=ModerationAction.APPROVE,
                    from_status=ContributionStatus.PENDING,
                    to_status=ContributionStatus.PUBLISHED,
                ),
            ]
        )
        if limited:
            session.add(StaffScope(user_id=_id(moderator), process_id=_id(there)))
        await session.commit()
        await add_session(session, here, title="Realschule Kornbach, 9c")

    in_db(settings, rows)
    assert login(client, "kreis@example.org").status_code == 303
    pages = {
        "/moderation/reports": "Radweg am Fluss entlang",
        "/moderation/log": "Radweg am Fluss entlang",
        "/analysis/": "Radwege im Auetal",
        "/focus-groups/": "Realschule Kornbach, 9c",
        "/admin/steckbriefe": "Radwege im Auetal",
    }
    for path, text in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert (text in response.text) is not limited, path


# --- setting a scope --------------------------------------------------------------------------


async def test_setting_a_scope_replaces_the_old_one_and_checks_its_fields(
    session: AsyncSession,
) -> None:
    here = await add_process(session)
    there = await add_process(session, slug="anderer-kreis")
    field = next(iter((await add_themes(session, here)).values()))
    moderator = await add_staff(session, "kreis@example.org", Role.MODERATOR)
    await set_scope(session, moderator, {_id(there): []})
    await set_scope(session, moderator, {_id(here): [_id(field)]})
    assert (await load_scope(session, moderator)).limits == {_id(here): frozenset({_id(field)})}
    lines = await describe_scope(session, _id(moderator))
    assert [(line.process.slug, [t.slug for t in line.fields]) for line in lines] == [
        (here.slug, [field.slug])
    ]
    with pytest.raises(ValidationFailed):
        await set_scope(session, moderator, {_id(there): [_id(field)]})
    admin = await add_staff(session, "admin@example.org", Role.ADMIN)
    with pytest.raises(ValidationFailed):
        await set_scope(session, admin, {_id(here): []})
    await set_scope(session, moderator, {})
    assert (await load_scope(session, moderator)).unrestricted


def test_the_command_line_limits_and_frees_an_account(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))

    async def rows(session: AsyncSession) -> str:
        process = await add_process(session)
        await add_themes(session, process)
        await add_staff(session, "kreis@example.org", Role.MODERATOR)
        return next(
            iter((await add_themes(session, process, [("wlan", "WLAN", [])])).values())
        ).slug

    field = in_db(settings, rows)
    cli = CliRunner()
    limited = cli.invoke(
        main, ["users", "scope", "kreis@example.org", "--process", f"{SLUG}:{field}"]
    )
    assert limited.exit_code == 0, limited.output
    assert f"{SLUG}: {field}" in limited.output
    unknown = cli.invoke(main, ["users", "scope", "kreis@example.org", "--process", "nirgendwo"])
    assert unknown.exit_code == 1
    assert "nirgendwo" in unknown.output
    freed = cli.invoke(main, ["users", "scope", "kreis@example.org", "--everywhere"])
    assert "every process" in freed.output


def test_an_admin_limits_a_moderator_to_an_action_field_on_the_remit_page(
    client: Client, settings: Settings
) -> None:
    async def rows(session: AsyncSession) -> tuple[int, int, int, int]:
        here = await add_process(session)
        there = await add_process(session, slug="anderer-kreis", title="Glasfaser im Kreis")
        field = next(iter((await add_themes(session, here)).values()))
        await add_staff(session, "admin@example.org", Role.ADMIN)
        moderator = await add_staff(session, "kreis@example.org", Role.MODERATOR)
        return _id(moderator), _id(here), _id(there), _id(field)

    moderator, here, there, field = in_db(settings, rows)
    assert login(client, "admin@example.org").status_code == 303
    url = f"/admin/users/{moderator}/zustaendigkeit"
    page = client.get(url)
    assert page.status_code == 200
    assert f'id="process-{here}-none" name="process-{here}" value="none" checked' in page.text
    token = csrf_token(client)

    # "Only these fields" with none ticked: told next to the process, nothing saved.
    refused = client.post(url, data={"_csrf_token": token, f"process-{here}": "fields"})
    assert refused.status_code == 422
    assert de("Please tick at least one action field.") in refused.text
    assert in_db(settings, lambda s: load_scope_of(s, moderator)).unrestricted

    sent = {
        "_csrf_token": token,
        f"process-{here}": "fields",
        f"field-{field}": "on",
        f"process-{there}": "all",
    }
    saved = client.post(url, data=sent, follow_redirects=False)
    assert saved.status_code == 303
    scope = in_db(settings, lambda s: load_scope_of(s, moderator))
    assert scope.limits == {here: frozenset({field}), there: frozenset()}
    account = client.get(f"/admin/users/{moderator}").text
    assert de("Remit changed") in account
    assert "Glasfaser im Kreis" in account
    shown = client.get(url).text
    assert f'id="field-{field}" name="field-{field}" value="on" checked' in shown
    assert f'id="process-{there}-all" name="process-{there}" value="all" checked' in shown


async def load_scope_of(session: AsyncSession, user_id: int) -> Scope:
    user = await session.get(User, user_id)
    assert user is not None
    return await load_scope(session, user)


# --- the moderation queue under a remit -------------------------------------------------------


async def _field_moderator(session: AsyncSession) -> tuple[User, dict[str, int]]:
    """A moderator limited to one action field of a process, and an item of that field, one
    of another field, one without a field and one of another process (ids by name)."""
    here = await add_process(session)
    there = await add_process(session, slug="anderer-kreis")
    field, other = list((await add_themes(session, here)).values())[:2]
    moderator = await add_staff(session, "feld@example.org", Role.MODERATOR)
    items = {
        "inside": await add_idea(session, here, title="Radweg", status=ContributionStatus.PENDING),
        "other": await add_idea(session, here, title="Bus", status=ContributionStatus.PENDING),
        "none": await add_idea(session, here, title="Schule", status=ContributionStatus.PENDING),
        "away": await add_idea(session, there, title="Netz", status=ContributionStatus.PENDING),
    }
    session.add_all(
        [
            ContributionTheme(contribution_id=_id(items["inside"]), theme_id=_id(field)),
            ContributionTheme(contribution_id=_id(items["other"]), theme_id=_id(other)),
            Report(contribution_id=_id(items["other"]), reason=ReportReason.SPAM),
        ]
    )
    await session.commit()
    await set_scope(session, moderator, {_id(here): [_id(field)]})
    return moderator, {name: _id(item) for name, item in items.items()}


async def test_the_queue_and_its_counts_keep_to_the_remit(session: AsyncSession) -> None:
    moderator, ids = await _field_moderator(session)
    page = await moderation_queue.queue_page(session, QueueFilters(), user=moderator)
    assert [item.contribution.id for item in page.items] == [ids["inside"]]
    assert page.total == 1
    assert page.reported == 0  # the reported item is of another field
    assert [option.label for option in page.facets["process"] if option.value] == [
        "Radwege im Auetal"
    ]
    everyone = await add_staff(session, "alle@example.org", Role.MODERATOR)
    assert (await moderation_queue.queue_page(session, QueueFilters(), user=everyone)).total == 4


async def test_bulk_actions_refuse_items_outside_the_remit(session: AsyncSession) -> None:
    moderator, ids = await _field_moderator(session)
    remit = await load_scope(session, moderator)
    versions = {ids["inside"]: 0, ids["other"]: 0, ids["away"]: 0}
    result = await queue_work.bulk(session, "approve", versions, moderator, remit=remit)
    assert [c.id for c in result.done] == [ids["inside"]]
    assert sorted(result.refused) == sorted([ids["other"], ids["away"]])
    away = await session.get(Contribution, ids["away"])
    assert away is not None
    assert away.status is ContributionStatus.PENDING


async def test_an_item_is_given_only_to_a_colleague_working_in_its_process(
    session: AsyncSession,
) -> None:
    moderator, ids = await _field_moderator(session)
    admin = await add_staff(session, "admin@example.org", Role.ADMIN)
    with pytest.raises(ValidationFailed):
        await queue_work.assign(session, ids["away"], _id(moderator), admin)
    assert await queue_work.assign(session, ids["inside"], _id(moderator), admin) is not None


async def test_the_digest_tells_of_the_remit_only(session: AsyncSession) -> None:
    moderator, _ids = await _field_moderator(session)
    since = utcnow() - timedelta(days=1)
    news = await queue_digest.news_for(session, moderator, since, utcnow())
    assert [(n.process.slug, n.new, n.reports) for n in news] == [(SLUG, 1, 0)]


def test_the_dashboard_is_for_those_whose_remit_holds_the_whole_process(
    client: Client, settings: Settings
) -> None:
    async def rows(session: AsyncSession) -> None:
        await _field_moderator(session)
        whole = await add_staff(session, "ganz@example.org", Role.MODERATOR)
        process = (await session.exec(select(Process).where(Process.slug == SLUG))).one()
        await set_scope(session, whole, {_id(process): []})

    in_db(settings, rows)
    url = f"/admin/processes/{SLUG}/beteiligung"
    assert login(client, "feld@example.org").status_code == 303
    assert client.get(url).status_code == 403
    queue = client.get(f"/moderation?process={SLUG}").text
    assert url not in queue  # no link that would answer 403
    client.cookies.clear()
    assert login(client, "ganz@example.org").status_code == 303
    assert client.get(url).status_code == 200
    assert url in client.get(f"/moderation?process={SLUG}").text


def test_the_analysis_lists_only_processes_the_remit_holds_whole_and_says_why(
    client: Client, settings: Settings
) -> None:
    async def rows(session: AsyncSession) -> None:
        moderator, _ids = await _field_moderator(session)
        there = (await session.exec(select(Process).where(Process.slug == "anderer-kreis"))).one()
        here = (await session.exec(select(Process).where(Process.slug == SLUG))).one()
        field = (await load_scope(session, moderator)).fields_in(_id(here)) or frozenset()
        await set_scope(session, moderator, {_id(here): list(field), _id(there): []})

    in_db(settings, rows)
    assert login(client, "feld@example.org").status_code == 303
    index = client.get("/analysis")
    assert index.status_code == 200
    assert 'href="/analysis/anderer-kreis"' in index.text
    assert f'href="/analysis/{SLUG}"' not in index.text  # no link that would answer 403
    assert "Radwege im Auetal" in text_of(html(index.text))  # named in the note instead
    assert client.get(f"/analysis/{SLUG}").status_code == 403
    assert client.get("/analysis/anderer-kreis").status_code == 200


def test_the_staff_api_lists_the_profiles_of_the_callers_fields(
    client: Client, settings: Settings
) -> None:
    async def rows(session: AsyncSession) -> str:
        moderator, _ids = await _field_moderator(session)
        here = (await session.exec(select(Process).where(Process.slug == SLUG))).one()
        field, other = list(
            await session.exec(
                select(Theme).where(Theme.process_id == here.id).order_by(col(Theme.position))
            )
        )[:2]
        for title, theme in (("Radverkehr", field), ("Schulen", other)):
            profile = Profile(process_id=_id(here), title=title)
            session.add(profile)
            await session.flush()
            session.add(ProfileTheme(profile_id=_id(profile), theme_id=_id(theme)))
        await session.commit()
        return (await create_token(session, moderator, "Skript")).token

    bearer = in_db(settings, rows)
    url = f"/api/v1/staff/processes/{SLUG}/profiles"
    listed = client.get(url, headers={"authorization": f"Bearer {bearer}"})
    assert listed.status_code == 200
    assert [item["title"] for item in listed.json()["items"]] == ["Radverkehr"]
    assert listed.json()["total"] == 1
    clustered = client.get(
        f"/api/v1/staff/processes/{SLUG}/clusters", headers={"authorization": f"Bearer {bearer}"}
    )
    assert clustered.status_code == 403  # the groups cover the whole process
