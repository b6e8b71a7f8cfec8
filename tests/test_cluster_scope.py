"""Which contributions a clustering run groups (its scope: channels, segments, an action
field), chosen on the analysis page; and the map, whose points link to their contribution on
its group's page (`?show=`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from litestar import Litestar
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine
from participation.models import (
    AnalysisJob,
    Channel,
    ClusterRun,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    JobStatus,
    Process,
    Role,
    Segment,
    Theme,
    ThemeSource,
)
from participation.routes.analysis import MEMBERS_PER_PAGE
from participation.services import cluster_map, clusters
from participation.services.cluster_scope import Scope, parse_scope
from participation.services.clusters import ClusteringFailed
from participation.services.errors import ValidationFailed
from participation.settings import Settings
from tests.cluster_rows import add_run
from tests.helpers import (
    SLUG,
    Client,
    add_idea,
    add_process,
    add_themes,
    attr,
    german,
    html,
    in_db,
    one,
    post_form,
    text_of,
)
from tests.sql_statements import recorded
from tests.test_analysis import TOPICS, sign_in
from tests.test_query_plans import _analyze, _faults, _filled, _plans
from tests.volume_rows import fill_volume

PAGE = f"/analysis/{SLUG}"
SEGMENTS = {"radweg": Segment.RESIDENT, "internet": Segment.FIRM, "bus": Segment.PUPIL}


@dataclass(frozen=True)
class Topics:
    process: Process
    ids: dict[str, list[int]]  # the ideas of each topic, in order
    theme_id: int  # "Radwege": confirmed on radweg 0 and 1, suggested on bus 0
    other_theme_id: int  # an action field of another process


async def add_scoped_ideas(session: AsyncSession) -> Topics:
    """The twelve topic ideas, every other one from the survey channel, each topic from one
    segment; an action field confirmed, suggested or rejected on some of them."""
    process = await add_process(session)
    ids: dict[str, list[int]] = {}
    for topic, ideas in TOPICS.items():
        for n, (title, body) in enumerate(ideas):
            channel = Channel.SURVEY if n % 2 else Channel.IDEA_CALL
            idea = await add_idea(
                session, process, title=title, body=body, channel=channel, segment=SEGMENTS[topic]
            )
            ids.setdefault(topic, []).append(idea.id or 0)
    theme = (await add_themes(session, process))["radwege"]
    other = await add_process(session, slug="anderswo")
    other_theme = (await add_themes(session, other))["radwege"]
    session.add_all(
        ContributionTheme(contribution_id=contribution_id, theme_id=theme.id or 0, source=source)
        for contribution_id, source in [
            (ids["radweg"][0], ThemeSource.CONFIRMED),
            (ids["radweg"][1], ThemeSource.CONFIRMED),
            (ids["bus"][0], ThemeSource.SUGGESTED),
            (ids["bus"][1], ThemeSource.REJECTED),
        ]
    )
    # The same idea under the other process's theme must not bring it in.
    session.add(
        ContributionTheme(
            contribution_id=ids["internet"][0],
            theme_id=other_theme.id or 0,
            source=ThemeSource.CONFIRMED,
        )
    )
    await session.commit()
    return Topics(process, ids, theme.id or 0, other_theme.id or 0)


async def fed(session: AsyncSession, topics: Topics, scope: Scope) -> list[int]:
    ideas = await clusters.ideas_to_cluster(session, topics.process.id or 0, scope)
    count = await clusters.count_to_cluster(session, topics.process.id or 0, scope)
    assert count == len(ideas)
    return [idea.id for idea in ideas]


# --- the service ------------------------------------------------------------------------------


async def test_each_filter_and_their_combination_narrow_the_feed(session: AsyncSession) -> None:
    topics = await add_scoped_ideas(session)
    ids = topics.ids

    assert await fed(session, topics, Scope()) == sorted(i for t in ids.values() for i in t)
    surveyed = await fed(session, topics, Scope(channels=(Channel.SURVEY,)))
    assert surveyed == sorted(t[n] for t in ids.values() for n in (1, 3))
    assert await fed(session, topics, Scope(segments=(Segment.FIRM,))) == ids["internet"]
    # Confirmed or suggested counts, rejected does not; another process's theme neither.
    in_field = await fed(session, topics, Scope(theme_id=topics.theme_id))
    assert in_field == [ids["radweg"][0], ids["radweg"][1], ids["bus"][0]]
    combined = Scope(
        channels=(Channel.SURVEY,),
        segments=(Segment.RESIDENT, Segment.PUPIL),
    )
    assert await fed(session, topics, combined) == sorted(
        [ids["radweg"][1], ids["radweg"][3], ids["bus"][1], ids["bus"][3]]
    )
    everything = Scope(
        channels=(Channel.IDEA_CALL,), segments=(Segment.PUPIL,), theme_id=topics.theme_id
    )
    assert await fed(session, topics, everything) == [ids["bus"][0]]
    assert await fed(session, topics, Scope(channels=(Channel.WORKSHOP,))) == []


async def test_a_run_keeps_its_scope_and_groups_only_what_lies_in_it(
    session: AsyncSession, settings: Settings
) -> None:
    topics = await add_scoped_ideas(session)
    scope = Scope(segments=(Segment.RESIDENT, Segment.PUPIL))

    run = await clusters.run_clustering(
        session, settings.var_dir, topics.process.id or 0, scope=scope
    )

    assert run.items == 8
    assert run.scope == {"segments": ["resident", "pupil"]}
    view = await clusters.run_view(session, run)
    assert {p.contribution_id for p in view.map.points} == {
        *topics.ids["radweg"],
        *topics.ids["bus"],
    }
    # Stored with the action field's name, read back as it was given.
    themed = Scope(theme_id=topics.theme_id, segments=(Segment.RESIDENT, Segment.PUPIL))
    with pytest.raises(ClusteringFailed) as too_few:
        await clusters.run_clustering(
            session,
            settings.var_dir,
            topics.process.id or 0,
            scope=Scope(theme_id=topics.theme_id, channels=(Channel.IDEA_CALL,)),
        )
    # Two items in the scope: the message names the scope.
    message = str(too_few.value)
    assert "2" in message
    assert "Handlungsfeld Radwege" in message
    assert "Kanal Ideenaufruf" in message
    assert Scope.from_json(themed.to_json()) == themed


async def test_the_number_of_groups_is_checked_against_the_scope(
    session: AsyncSession, settings: Settings
) -> None:
    topics = await add_scoped_ideas(session)
    scope = Scope(channels=(Channel.SURVEY,))  # six ideas

    with pytest.raises(ClusteringFailed) as failed:
        await clusters.run_clustering(
            session, settings.var_dir, topics.process.id or 0, k=6, scope=scope
        )

    assert "zwischen 2 und 5" in str(failed.value)
    assert "6 Beiträge" in str(failed.value)


async def test_an_action_field_of_another_process_is_refused(
    session: AsyncSession, settings: Settings
) -> None:
    topics = await add_scoped_ideas(session)
    process_id = topics.process.id or 0

    with pytest.raises(ValidationFailed) as refused:
        await parse_scope(session, process_id, {"theme": str(topics.other_theme_id)})
    assert set(refused.value.errors) == {"theme"}
    # A job's params are checked again when it runs.
    with pytest.raises(ClusteringFailed):
        await clusters.run_clustering(
            session, settings.var_dir, process_id, scope=Scope(theme_id=topics.other_theme_id)
        )
    assert (await session.exec(select(ClusterRun))).all() == []


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"channel-fax": "on"}, "channels"),
        ({"segment-alien": "on"}, "segments"),
        ({"theme": "abc"}, "theme"),
        ({"theme": "0"}, "theme"),
        ({"theme": "99999999999999999999"}, "theme"),
        ({"theme": "424242"}, "theme"),
    ],
)
async def test_values_the_form_does_not_offer_are_refused(
    session: AsyncSession, form: dict[str, str], field: str
) -> None:
    process = await add_process(session)

    with pytest.raises(ValidationFailed) as refused:
        await parse_scope(session, process.id or 0, form)

    assert set(refused.value.errors) == {field}


async def test_the_form_is_read_into_a_scope(session: AsyncSession) -> None:
    topics = await add_scoped_ideas(session)
    form = {
        "k": "3",
        "segment-firm": "on",
        "channel-workshop": "on",
        "channel-survey": "on",
        "theme": f" {topics.theme_id} ",
    }

    scope = await parse_scope(session, topics.process.id or 0, form)

    assert scope == Scope(
        channels=(Channel.SURVEY, Channel.WORKSHOP),
        segments=(Segment.FIRM,),
        theme_id=topics.theme_id,
        theme_name="Radwege",
    )
    assert await parse_scope(session, topics.process.id or 0, {"theme": ""}) == Scope()
    assert Scope().empty
    assert Scope().to_json() is None


def test_a_point_is_named_by_its_title_or_its_first_words() -> None:
    titled = cluster_map.point_title("Radweg nach Kornbach", "Der Weg fehlt.")
    assert titled == "Radweg nach Kornbach"
    assert cluster_map.point_title(" ", "Mehr  Busse\nam Abend.") == "Mehr Busse am Abend."
    long = cluster_map.point_title("", "Wort " * 40)
    assert long.endswith("…")
    assert len(long) <= cluster_map.MAP_TITLE_CHARS
    assert long.removesuffix("…").split() == ["Wort"] * (len(long) // 5)


# --- the page ---------------------------------------------------------------------------------


def _moderator(client: Client, settings: Settings) -> Client:
    sign_in(client, settings, Role.MODERATOR)
    return client


async def _jobs(session: AsyncSession) -> list[AnalysisJob]:
    return list(await session.exec(select(AnalysisJob).order_by(col(AnalysisJob.id))))


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"channel-fax": "on"}, "Please choose channels from the list."),
        ({"segment-x": "on"}, "Please choose segments from the list."),
        ({"theme": "abc"}, "Please choose one of this process's action fields."),
        ({"theme": "other"}, "Please choose one of this process's action fields."),
    ],
)
def test_bad_scope_values_get_a_message_and_start_nothing(
    client: Client, settings: Settings, form: dict[str, str], message: str
) -> None:
    topics = in_db(settings, add_scoped_ideas)
    moderator = _moderator(client, settings)
    if form.get("theme") == "other":
        form = {"theme": str(topics.other_theme_id)}

    response = post_form(moderator, f"{PAGE}/cluster", form)

    assert response.status_code == 303
    assert response.headers["location"] == PAGE
    assert german(message) in text_of(html(moderator.get(PAGE).text))
    assert in_db(settings, _jobs) == []


def test_a_moderator_groups_a_scope_and_the_page_says_so(
    client: Client, app: Litestar, settings: Settings
) -> None:
    topics = in_db(settings, add_scoped_ideas)
    moderator = _moderator(client, settings)
    form = one(html(moderator.get(PAGE).text), f"form[action='{PAGE}/cluster']")
    assert form.select("input[name^=channel-]")
    assert form.select("input[name^=segment-]")
    theme_choices = [attr(o, "value") for o in form.select("select[name=theme] option")]
    assert theme_choices == ["", *(str(i) for i in sorted(theme_choices_of(settings)))]

    chosen = {"segment-resident": "on", "segment-pupil": "on", "theme": str(topics.theme_id)}
    assert post_form(moderator, f"{PAGE}/cluster", chosen).status_code == 303
    moderator.blocking_portal.call(app.state.jobs.wait_idle)

    [job] = in_db(settings, _jobs)
    assert job.params == {
        "scope": {
            "segments": ["resident", "pupil"],
            "theme": {"id": topics.theme_id, "name": "Radwege"},
        }
    }
    # Three ideas in that scope: enough for a run.
    assert job.status is JobStatus.DONE, job.error
    page = html(moderator.get(PAGE).text)
    scope_line = text_of(one(page, ".run-scope"))
    assert scope_line == (
        "Gruppiert: nur Segment Einwohnerin oder Einwohner / Schülerin, Schüler oder"
        " Auszubildende, Handlungsfeld Radwege."
    )
    assert not page.select(".run-outdated")
    # The form starts from that scope.
    assert one(page, "#segment-resident").has_attr("checked")
    assert one(page, "#segment-pupil").has_attr("checked")
    assert not one(page, "#segment-firm").has_attr("checked")
    assert attr(one(page, "#scope-theme option[selected]"), "value") == str(topics.theme_id)

    # A new idea outside the scope changes nothing; one inside makes the run outdated,
    # counted in the scope.
    async def more(session: AsyncSession, segment: Segment) -> None:
        idea = await add_idea(session, topics.process, title="Radweg", segment=segment)
        session.add(
            ContributionTheme(
                contribution_id=idea.id or 0,
                theme_id=topics.theme_id,
                source=ThemeSource.SUGGESTED,
            )
        )
        await session.commit()

    in_db(settings, lambda s: more(s, Segment.FIRM))
    assert not html(moderator.get(PAGE).text).select(".run-outdated")
    in_db(settings, lambda s: more(s, Segment.RESIDENT))
    outdated = text_of(one(html(moderator.get(PAGE).text), ".run-outdated"))
    assert "jetzt 4 Beiträge" in outdated


def theme_choices_of(settings: Settings) -> list[int]:
    async def work(session: AsyncSession) -> list[int]:
        process = (await session.exec(select(Process).where(Process.slug == SLUG))).one()
        rows = await session.exec(
            select(Theme.id).where(Theme.process_id == process.id).order_by(col(Theme.position))
        )
        return [i for i in rows if i is not None]

    return in_db(settings, work)


# --- the map's links and the group page's ?show= ---------------------------------------------


async def _grouped(
    session: AsyncSession, members: int = 45
) -> tuple[Process, list[int], list[int]]:
    """A run of two groups: `members` ideas, then three survey answers (their title is the
    question)."""
    process = await add_process(session)
    ideas = [
        await add_idea(session, process, title=f"Idee {n}", body=f"Text {n}")
        for n in range(members)
    ]
    answers = [
        await add_idea(
            session,
            process,
            title="Was fehlt in Ihrer Gemeinde?",
            body=f"Antwort {n}: mehr Busse am Abend und sichere Radwege zur Schule",
            kind=ContributionKind.SURVEY_ANSWER,
            channel=Channel.SURVEY,
        )
        for n in range(3)
    ]
    await add_run(session, process, [("idee", ideas), ("antwort", answers)])
    return process, [i.id or 0 for i in ideas], [a.id or 0 for a in answers]


def test_map_points_link_to_their_member_on_the_group_page(
    client: Client, settings: Settings
) -> None:
    _process, ideas, answers = in_db(settings, _grouped)
    moderator = _moderator(client, settings)

    page = html(moderator.get(PAGE).text)

    svg = one(page, "svg.cluster-map__svg")
    assert attr(svg, "role") == "group"
    assert text_of(one(page, f"#{attr(svg, 'aria-labelledby')}")) == german("Map of the ideas")
    links = svg.select(".cluster-map__points a")
    assert len(links) == len(ideas) + len(answers)
    names = {}
    for link in links:
        href = attr(link, "href")
        contribution_id = int(href.rsplit("#member-", 1)[1])
        group = 2 if contribution_id in answers else 1
        assert href == f"{PAGE}/groups/{group}?show={contribution_id}#member-{contribution_id}"
        assert text_of(one(link, "title")) == attr(link, "aria-label")
        names[contribution_id] = attr(link, "aria-label")
    assert names[ideas[7]] == "Idee 7"
    # A survey answer is named by its own words, not by its question.
    assert names[answers[1]] == "Antwort 1: mehr Busse am Abend und sichere Radwege zur Schule"
    # The skip link leads past the points to the list of groups.
    skip = one(page, "a.skip-link--inline")
    assert text_of(skip) == "Karte überspringen"
    assert one(page, attr(skip, "href")).name == "ol"
    # The numbers on the map are not read out between the links.
    assert attr(one(svg, ".cluster-map__labels"), "aria-hidden") == "true"

    # Following a link opens the page of the member list that holds the contribution.
    late = ideas[44]  # the 45th member: page 3 of 20 per page
    target = moderator.get(f"{PAGE}/groups/1?show={late}")
    assert target.status_code == 200
    group_page = html(target.text)
    assert one(group_page, f"#member-{late}")
    first = ideas[MEMBERS_PER_PAGE]
    assert one(html(moderator.get(f"{PAGE}/groups/1?show={first}").text), f"#member-{first}")
    # Not a member of this group: the page asked for, else the first.
    assert one(
        html(moderator.get(f"{PAGE}/groups/1?show={answers[0]}").text), f"#member-{ideas[0]}"
    )
    on_two = html(moderator.get(f"{PAGE}/groups/1?page=2&show={answers[0]}").text)
    assert one(on_two, f"#member-{ideas[MEMBERS_PER_PAGE]}")
    for bad in ("abc", "0", "-3", "99999999999999999999"):
        assert moderator.get(f"{PAGE}/groups/1?show={bad}").status_code == 400


def test_the_map_names_only_its_sample(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _process, ideas, answers = in_db(settings, _grouped)
    moderator = _moderator(client, settings)
    monkeypatch.setattr(cluster_map, "MAP_POINTS", 10)  # 48 members: every 5th is drawn

    with recorded() as statements:
        page = html(moderator.get(PAGE).text)

    members = sorted([*ideas, *answers])
    links = page.select(".cluster-map__points a")
    shown = [int(attr(a, "href").rsplit("#member-", 1)[1]) for a in links]
    assert shown == members[::5]
    assert all(attr(a, "aria-label") for a in links)
    caption = text_of(one(page, ".cluster-map figcaption"))
    assert "10 von 48" in caption
    # The titles come in one statement for the sampled ids only.
    reads = [
        run
        for run in statements.runs
        if "substr(contribution.body" in run.statement.lower()
        and "contribution.id in" in run.statement.lower()
    ]
    assert len(reads) == 1
    parameters = reads[0].parameters
    values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters)
    # (Beside the ids: substr's bounds and the survey answer's empty title.)
    assert {v for v in values if v in members} == set(members[::5])
    assert len(values) <= len(members[::5]) + 4


def test_the_map_and_the_shown_member_take_as_many_statements_at_any_size(
    client: Client, settings: Settings
) -> None:
    moderator = _moderator(client, settings)

    def statements(members: int) -> tuple[int, int]:
        process, ideas, _answers = in_db(settings, lambda s: _grouped(s, members))
        with recorded() as page:
            assert moderator.get(PAGE).status_code == 200
        with recorded() as group:
            assert moderator.get(f"{PAGE}/groups/1?show={ideas[-1]}").status_code == 200

        async def drop(session: AsyncSession) -> None:
            await session.delete(await session.get(Process, process.id))
            await session.commit()

        in_db(settings, drop)
        return len(page.runs), len(group.runs)

    assert statements(5) == statements(70)


# --- at volume: the scoped feed, the map and the shown member read through indexes -----------


async def _neighbour(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        await fill_volume(engine, 1000, slug="nachbar", seed=1)
    finally:
        await engine.dispose()


def test_scoped_feeds_the_map_and_the_shown_member_read_through_indexes(
    client: Client, settings: Settings
) -> None:
    volume = _filled(settings)  # 2,000 published ideas with a confirmed action field each
    # A neighbouring process, as a district has: with a single process in the table, SQLite's
    # statistics say `process_id = ?` keeps every row and a scan in id order looks cheapest.
    asyncio.run(_neighbour(settings))

    async def grouped(session: AsyncSession) -> tuple[Process, int, list[int]]:
        process = await session.get(Process, volume.process_id)
        assert process is not None
        ideas = list(
            await session.exec(
                select(Contribution)
                .where(
                    Contribution.process_id == volume.process_id,
                    Contribution.kind == ContributionKind.IDEA,
                    Contribution.status == ContributionStatus.PUBLISHED,
                )
                .order_by(col(Contribution.id))
            )
        )
        await add_run(session, process, [("eins", ideas[::2]), ("zwei", ideas[1::2])])
        theme = (await session.exec(select(Theme).where(Theme.process_id == process.id))).first()
        assert theme is not None
        return process, theme.id or 0, [i.id or 0 for i in ideas]

    process, theme_id, ideas = in_db(settings, grouped)
    asyncio.run(_analyze(settings))
    scopes = [
        Scope(channels=(Channel.SURVEY,)),
        Scope(segments=(Segment.FIRM, Segment.PUPIL)),
        Scope(theme_id=theme_id),
        Scope(channels=(Channel.WORKSHOP,), segments=(Segment.FIRM,), theme_id=theme_id),
    ]

    async def feed(session: AsyncSession) -> list[int]:
        return [
            len(await clusters.ideas_to_cluster(session, volume.process_id, scope))
            for scope in scopes
        ]

    sign_in(client, settings, Role.MODERATOR)
    with recorded() as statements:
        sizes = in_db(settings, feed)
        assert client.get(f"/analysis/{volume.slug}").status_code == 200
        shown = client.get(f"/analysis/{volume.slug}/groups/2?show={ideas[-1]}")
        assert shown.status_code == 200
    assert 0 < sizes[2] < len(ideas)  # the action field narrows, but not to nothing
    assert f'id="member-{ideas[-1]}"' in shown.text
    reads = [r for r in statements.runs if r.statement.lstrip().upper().startswith("SELECT")]
    # The scoped feeds, the map's titles and the shown member's position are among them.
    assert sum("FROM contribution_theme" in r.statement for r in reads) == 2
    assert any("substr(contribution.body" in r.statement.lower() for r in reads)
    assert any("cluster_member.contribution_id <" in r.statement for r in reads)
    problems = []
    for run, plan in zip(reads, asyncio.run(_plans(settings, reads)), strict=True):
        if faults := _faults(run.statement, plan):
            problems.append(f"{', '.join(faults)}\n  {' '.join(run.statement.split())[:300]}")
    assert not problems, "\n".join(problems)
    assert process.slug == volume.slug
