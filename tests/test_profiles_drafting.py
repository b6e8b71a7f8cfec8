"""Profiles started where the moderator already is: from a cluster of the analysis page (its
members as sources, the most common confirmed action field, a title from its name, a draft
summary with each sentence's source) and from contributions chosen in a list."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    Cluster,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Process,
    Profile,
    Role,
    Segment,
    ThemeSource,
)
from participation.services.profiles import drafting, sources
from participation.services.profiles.editing import snapshot_of
from participation.settings import Settings
from tests.cluster_rows import add_run
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    add_staff,
    add_themes,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)

TEXTS = [
    ("Radweg nach Kornbach", "Der Radweg nach Kornbach fehlt, Kinder fahren auf der Landstraße."),
    ("Sicher zur Schule", "Ein sicherer Radweg zwischen Auenbrück und Kornbach hilft Familien."),
    ("Licht am Radweg", "Der Radweg an der Landstraße sollte beleuchtet sein, auch im Winter."),
]


async def _cluster(session: AsyncSession, process: Process) -> tuple[Cluster, list[Contribution]]:
    """A run with one cluster of three contributions from three channels."""
    members = [
        await add_idea(session, process, title=TEXTS[0][0], body=TEXTS[0][1]),
        await add_idea(
            session,
            process,
            title="",
            body=TEXTS[1][1],
            kind=ContributionKind.SURVEY_ANSWER,
            channel=Channel.SURVEY,
            segment=Segment.FIRM,
        ),
        await add_idea(
            session,
            process,
            title=TEXTS[2][0],
            body=TEXTS[2][1],
            channel=Channel.FOCUS_GROUP,
            segment=Segment.PUPIL,
        ),
    ]
    (cluster,) = await add_run(session, process, [("radweg · kornbach · landstraße", members)])
    return cluster, members


async def test_a_draft_from_a_cluster_holds_its_members_theme_title_and_summary(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    themes = await add_themes(session, process)
    moderator = await add_actor(session, "mod@example.org", Role.MODERATOR)
    cluster, members = await _cluster(session, process)
    # Two members confirmed for "Radwege", one for "Schulwege": the draft takes "Radwege".
    for member, theme in zip(members, ("radwege", "radwege", "schule"), strict=True):
        session.add(
            ContributionTheme(
                contribution_id=member.id or 0,
                theme_id=themes[theme].id or 0,
                source=ThemeSource.CONFIRMED,
            )
        )
    await session.commit()

    profile = await drafting.from_cluster(session, cluster.id or 0, moderator)
    assert profile.title == "Radweg, kornbach, landstraße"
    assert profile.source_count == 3
    assert await sources.linked_ids(session, profile.id or 0) == {m.id for m in members}
    assert (await snapshot_of(session, profile))["primary_theme"] == themes["radwege"].id
    assert profile.summary == ""  # the draft is offered, never written for anyone
    draft = profile.draft_summary or []
    assert 1 <= len(draft) <= 3
    bodies = {m.id: m.body for m in members}
    for sentence in draft:  # each sentence is its source's own words
        assert sentence["text"] in bodies[sentence["source_id"]]


def _moderator(client: Client, settings: Settings) -> Client:
    in_db(settings, lambda s: add_staff(s, "mod@example.org", Role.MODERATOR))
    assert login(client, "mod@example.org").status_code == 303
    return client


def test_a_moderator_starts_a_profile_from_a_group_page_and_takes_the_draft(
    client: Client, settings: Settings
) -> None:
    process = in_db(settings, add_process)
    cluster, members = in_db(settings, lambda s: _cluster(s, process))
    moderator = _moderator(client, settings)
    group = html(moderator.get(f"/analysis/{SLUG}/groups/1").text)
    form = one(group, f'form[action="/admin/clusters/{cluster.id}/steckbrief"]')
    assert "3 Beiträgen" in text_of(form)

    started = post_form(moderator, f"/admin/clusters/{cluster.id}/steckbrief")
    assert started.status_code == 303
    edit_url = started.headers["location"]
    page = html(moderator.get(edit_url).text)
    draft = one(page, ".draft-summary")
    assert "#" + str(members[0].id) in text_of(draft) or "#" + str(members[2].id) in text_of(draft)
    assert one(page, "#summary").get_text() == ""
    version = str(one(page, 'input[name="version"]')["value"])
    taken = post_form(
        moderator,
        edit_url,
        {"title": "Radweg nach Kornbach", "version": version, "action": "take-draft"},
    )
    assert taken.status_code == 200
    summary = one(html(taken.text), "#summary").get_text()
    assert "Radweg" in summary
    # Nothing is saved until the person saves.
    assert in_db(settings, lambda s: _summary_of(s)) == ""


async def _summary_of(session: AsyncSession) -> str:
    return (await session.exec(select(Profile.summary))).one()


def test_chosen_members_start_a_profile_or_join_one(client: Client, settings: Settings) -> None:
    process = in_db(settings, add_process)
    _cluster_row, members = in_db(settings, lambda s: _cluster(s, process))
    other = in_db(settings, lambda s: add_process(s, slug="anderes"))
    foreign = in_db(settings, lambda s: add_idea(s, other))
    moderator = _moderator(client, settings)
    url = f"/admin/processes/{SLUG}/steckbriefe/selection"
    group = html(moderator.get(f"/analysis/{SLUG}/groups/1").text)
    assert len(group.select('input[type="checkbox"][form="selection"]')) == 3

    nothing = post_form(moderator, url, {"action": "new", "back": "/analysis"})
    assert nothing.status_code == 303
    assert nothing.headers["location"] == "/analysis"

    started = post_form(
        moderator,
        url,
        {"action": "new", "title": "Radwege", f"c-{members[0].id}": "on", f"c-{foreign.id}": "on"},
    )
    assert started.status_code == 303
    profile_id = int(started.headers["location"].split("/")[3])
    added = post_form(
        moderator,
        url,
        {
            "action": "add",
            "profile": str(profile_id),
            f"c-{members[1].id}": "on",
            f"c-{members[2].id}": "on",
            "back": f"/analysis/{SLUG}/groups/1",
        },
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"/analysis/{SLUG}/groups/1"
    linked = in_db(settings, lambda s: sources.linked_ids(s, profile_id))
    assert linked == {m.id for m in members}  # the other process's idea stayed out


def test_evaluators_read_groups_without_profile_actions(client: Client, settings: Settings) -> None:
    process = in_db(settings, add_process)
    cluster, _members = in_db(settings, lambda s: _cluster(s, process))
    in_db(settings, lambda s: add_staff(s, "eval@example.org", Role.EVALUATOR))
    assert login(client, "eval@example.org").status_code == 303
    group = html(client.get(f"/analysis/{SLUG}/groups/1").text)
    assert group.select("form#selection") == []
    assert post_form(client, f"/admin/clusters/{cluster.id}/steckbrief").status_code == 403


def test_matching_contributions_of_every_channel_are_offered_and_added_in_one_click(
    client: Client, settings: Settings
) -> None:
    process = in_db(settings, add_process)
    _cluster_row, members = in_db(settings, lambda s: _cluster(s, process))
    unrelated = in_db(
        settings,
        lambda s: add_idea(
            s, process, title="Sprechstunde", body="Samstags eine Sprechstunde im Rathaus."
        ),
    )
    moderator = _moderator(client, settings)
    started = post_form(
        moderator,
        f"/admin/processes/{SLUG}/steckbriefe/selection",
        {"action": "new", "title": "Radweg nach Kornbach", f"c-{members[0].id}": "on"},
    )
    profile_id = int(started.headers["location"].split("/")[3])
    detail = html(moderator.get(f"/admin/steckbriefe/{profile_id}").text)
    assert one(detail, f'a[href="/admin/steckbriefe/{profile_id}/suggestions"]')

    page = html(moderator.get(f"/admin/steckbriefe/{profile_id}/suggestions").text)
    offered = [text_of(li) for li in page.select(".suggestions li")]
    # The survey answer and the focus-group idea about the same road come first; the linked
    # idea is not offered again.
    assert offered[0].startswith(f"#{members[1].id}") or offered[0].startswith(f"#{members[2].id}")
    assert not any(item.startswith(f"#{members[0].id} ") for item in offered)
    assert all(not item.startswith(f"#{unrelated.id} ") for item in offered[:2])
    fragment = moderator.get(
        f"/admin/steckbriefe/{profile_id}/suggestions", headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text
    add = one(page, f'.suggestions form input[name="ids"][value="{members[2].id}"]').parent
    assert add is not None
    post_form(moderator, f"/admin/steckbriefe/{profile_id}/sources", {"ids": str(members[2].id)})
    assert in_db(settings, lambda s: sources.linked_ids(s, profile_id)) == {
        members[0].id,
        members[2].id,
    }


def test_the_ideas_list_offers_the_selection_to_moderators_only(
    client: Client, settings: Settings
) -> None:
    process = in_db(settings, add_process)

    async def add_ideas(session: AsyncSession) -> list[Contribution]:
        return [await add_idea(session, process, title=f"Idee {n}") for n in range(3)]

    ideas = in_db(settings, add_ideas)
    public = html(client.get(f"/processes/{SLUG}/ideen").text)
    assert public.select('input[form="selection"]') == []
    assert public.select("form#selection") == []

    moderator = _moderator(client, settings)
    page = html(moderator.get(f"/processes/{SLUG}/ideen").text)
    boxes = page.select('input[type="checkbox"][form="selection"]')
    assert {str(box["name"]) for box in boxes} == {f"c-{idea.id}" for idea in ideas}
    form = one(page, "form#selection")
    started = post_form(
        moderator,
        str(form["action"]),
        {"action": "new", "back": f"/processes/{SLUG}/ideen", f"c-{ideas[1].id}": "on"},
    )
    assert started.status_code == 303
    profile_id = int(started.headers["location"].split("/")[3])
    assert in_db(settings, lambda s: sources.linked_ids(s, profile_id)) == {ideas[1].id}


def test_an_items_moderation_page_shows_its_profiles_and_starts_one(
    client: Client, settings: Settings
) -> None:
    process = in_db(settings, add_process)
    idea = in_db(settings, lambda s: add_idea(s, process, title="Radweg nach Kornbach"))
    moderator = _moderator(client, settings)
    item_url = f"/moderation/contributions/{idea.id}"
    page = html(moderator.get(item_url).text)
    panel = one(page, "#item-profiles")
    assert "Noch ist kein Steckbrief aus diesem Beitrag entstanden." in text_of(panel)
    form = one(panel, "form")
    fields = {str(i["name"]): str(i.get("value", "")) for i in form.select("input[type=hidden]")}
    assert fields[f"c-{idea.id}"] == "on"
    started = post_form(moderator, str(form["action"]), fields | {"action": "new"})
    assert started.status_code == 303
    page = html(moderator.get(item_url).text)
    holding = text_of(one(page, "#item-profiles ul"))
    assert "Radweg nach Kornbach (Entwurf)" in holding


def test_the_queue_of_one_process_offers_the_selection(client: Client, settings: Settings) -> None:
    process = in_db(settings, add_process)
    pending = in_db(
        settings,
        lambda s: add_idea(s, process, title="Radweg", status=ContributionStatus.PENDING),
    )
    moderator = _moderator(client, settings)
    everything = html(moderator.get("/moderation").text)
    # Every queue page has the bulk form; a new profile only from the items of one process.
    assert everything.select('form#selection button[value="new"]') == []
    page = html(moderator.get("/moderation", params={"process": SLUG}).text)
    boxes = page.select('input[type="checkbox"][form="selection"]')
    assert [str(box["name"]) for box in boxes] == [f"c-{pending.id}"]
    # The button sends the queue's bulk form to the profile selection.
    new = one(page, 'form#selection button[value="new"]')
    back = f"/moderation?process={SLUG}"
    started = post_form(
        moderator, str(new["formaction"]), {"action": "new", "back": back, f"c-{pending.id}": "on"}
    )
    profile_id = int(started.headers["location"].split("/")[3])
    assert in_db(settings, lambda s: sources.linked_ids(s, profile_id)) == {pending.id}
