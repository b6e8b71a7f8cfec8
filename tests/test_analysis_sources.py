"""What the analysis reads beside the ideas: every screened contribution with text is grouped,
whatever its channel (idea call, survey, focus group, workshop, import), and counted by
channel; confirmed themes seed the groups and a chosen number of groups is kept; approved
survey answers are tagged and learnt from by their own words (not their question's); the
staff's lists of a group say where each item came from (the survey question, the
focus-group session and its dots)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Process,
    Role,
    Theme,
    ThemeSource,
)
from participation.services import clusters, tagging
from participation.services.themes import confirmed_themes_of
from participation.settings import Settings
from tests.helpers import (
    Client,
    add_idea,
    add_process,
    german,
    html,
    in_db,
    post_form,
    text_of,
    theme_rows,
)
from tests.moderation_helpers import (
    QUESTION,
    SESSION_TITLE,
    add_focus_group_idea,
    add_survey_answer,
)
from tests.test_analysis import (
    PAGE,
    TOPICS,
    add_topic_ideas,
    members,
    sign_in,
    wait_for_jobs,
)

ANSWERS = (
    "Glasfaser und schnelles Internet für unseren Betrieb im Gewerbegebiet.",
    "Schnelles Internet per Glasfaser, das Netz ist zu langsam.",
)


async def add_answers(session: AsyncSession, process: Process) -> list[int]:
    """Two approved survey answers and one still pending; the approved ones' ids."""
    approved = [
        await add_survey_answer(
            session, process, text, status=ContributionStatus.PUBLISHED, slug=f"umfrage-{n}"
        )
        for n, text in enumerate(ANSWERS)
    ]
    await add_survey_answer(session, process, "Glasfaser bitte!", slug="offen")
    return [a.id or 0 for a in approved]


async def with_topic_ideas(session: AsyncSession) -> tuple[Process, int, dict[str, list[int]]]:
    """A process with twelve published ideas on three topics, its id, the ideas' ids."""
    process = await add_process(session)
    assert process.id is not None
    return process, process.id, await add_topic_ideas(session, process)


async def test_approved_survey_answers_are_grouped_and_counted_by_channel(
    session: AsyncSession, settings: Settings
) -> None:
    process, process_id, ideas = await with_topic_ideas(session)
    approved = await add_answers(session, process)

    run = await clusters.run_clustering(session, settings.var_dir, process_id)

    assert run.items == 14
    placed = await members(session, run)
    assert set(approved) <= set(placed)
    assert len(placed) == 14  # not the pending one
    assert run.channel_counts == {"idea_call": 12, "survey": 2}
    # The question is the same for every answer to it: the answer alone is grouped.
    texts = {t.id: t for t in await clusters.ideas_to_cluster(session, process_id)}
    assert texts[approved[0]].title == ""
    assert texts[ideas["bus"][0]].title == "Rufbus am Abend"
    assert await clusters.count_to_cluster(session, process_id) == 14


def grouped_through_the_page(
    client: Client, app: Litestar, settings: Settings, focus_group_idea: bool = False
) -> None:
    """Twelve ideas and the approved survey answers (and a focus-group idea), grouped by a
    moderator on the analysis page."""

    async def work(session: AsyncSession) -> None:
        process = await add_process(session)
        await add_topic_ideas(session, process)
        await add_answers(session, process)
        if focus_group_idea:
            await add_focus_group_idea(
                session,
                process,
                title="Busse öfter",
                body="Der Bus fährt zu selten, mehr Busse am Nachmittag.",
                dots=4,
                status=ContributionStatus.PUBLISHED,
            )

    in_db(settings, work)
    sign_in(client, settings, Role.MODERATOR)
    assert post_form(client, f"{PAGE}/cluster").status_code == 303
    wait_for_jobs(client, app)


def test_the_analysis_page_counts_the_grouped_contributions_by_channel(
    client: Client, app: Litestar, settings: Settings
) -> None:
    grouped_through_the_page(client, app, settings)
    page = html(client.get(PAGE).text)
    channels = [text_of(li) for li in page.select(".run-channels li")]
    assert channels == [f"{german('Idea call')}: 12", f"{german('Survey')}: 2"]
    assert "14" in text_of(page.select_one("#groups-title + p"))  # type: ignore[arg-type]
    # Nothing changed since: no call to recompute.
    assert not page.select(".run-outdated")


def test_a_groups_list_says_where_each_item_came_from(
    client: Client, app: Litestar, settings: Settings
) -> None:
    grouped_through_the_page(client, app, settings, focus_group_idea=True)
    sources: list[str] = []
    for number in range(1, 10):
        response = client.get(f"{PAGE}/groups/{number}")
        if response.status_code == 404:
            break
        sources += [text_of(s) for s in html(response.text).select("#members .queue-item__source")]
    assert any(SESSION_TITLE in s and "4 Punkte" in s for s in sources), sources
    assert sum(QUESTION in s for s in sources) == 2, sources


async def test_the_tagger_reads_a_survey_answer_without_its_question(
    session: AsyncSession, settings: Settings
) -> None:
    """Every answer to a question shares its words: they must not decide the themes."""
    process = await add_process(session)
    assert process.id is not None
    session.add_all(
        [
            Theme(
                process_id=process.id,
                slug="digital",
                name="Digitalisierung",
                keywords=["digitalisierung", "betrieb"],
                position=0,
            ),
            Theme(
                process_id=process.id,
                slug="bus",
                name="Bus und Bahn",
                keywords=["bus", "busse", "bahnhof"],
                position=1,
            ),
        ]
    )
    await session.commit()
    answer = await add_survey_answer(session, process, "Mehr Busse zum Bahnhof am Abend.")
    await tagging.suggest_themes(session, settings.var_dir, process, [answer.id or 0])
    suggested = await theme_rows(session, answer.id)
    assert "digital" not in suggested  # the question asks about "Digitalisierung" and "Betrieb"
    assert "bus" in suggested
    # Confirmed, it teaches the tagger its own words only.
    confirmed = suggested["bus"]
    confirmed.source = ThemeSource.CONFIRMED
    session.add(confirmed)
    await session.commit()
    data = await confirmed_themes_of(session, process.id)
    assert (data.titles, data.bodies) == (("",), ("Mehr Busse zum Bahnhof am Abend.",))


async def test_every_channel_is_grouped_and_counted_and_comments_are_not(
    session: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ideas from the idea call, a focus group, a workshop and an import, and approved survey
    answers: all grouped, each counted under its channel; comments, items still in
    moderation and items without any text stay out. The feed is read in batches."""
    monkeypatch.setattr(clusters, "FEED_BATCH", 4)  # several batches for 18 rows
    process, process_id, ideas = await with_topic_ideas(session)
    answers = await add_answers(session, process)
    pupils = await add_focus_group_idea(
        session,
        process,
        title="Busse öfter",
        body="Der Bus fährt zu selten, mehr Busse am Nachmittag.",
        status=ContributionStatus.PUBLISHED,
    )
    cards = [
        await add_idea(session, process, title=title, body=body, channel=channel)
        for channel, title, body in (
            (Channel.WORKSHOP, "Radweg zur Schule", "Ein Radweg zur Schule fehlt."),
            (Channel.WORKSHOP, "Glasfaser", "Glasfaser für das Gewerbegebiet."),
            (Channel.IMPORT, "Bus am Sonntag", "Am Sonntag fährt kein Bus."),
        )
    ]
    left_out = [
        await add_idea(
            session,
            process,
            title="",
            body="Stimmt, der Radweg fehlt.",
            kind=ContributionKind.COMMENT,
            parent_id=ideas["radweg"][0],
        ),
        await add_idea(
            session, process, channel=Channel.WORKSHOP, status=ContributionStatus.PENDING
        ),
        await add_idea(session, process, title=" ", body="  \n", channel=Channel.IMPORT),
    ]

    fed = await clusters.ideas_to_cluster(session, process_id)
    assert [t.id for t in fed] == sorted(t.id for t in fed)  # oldest first, batch after batch
    run = await clusters.run_clustering(session, settings.var_dir, process_id)

    grouped = {i for ids in ideas.values() for i in ids} | set(answers)
    grouped |= {pupils.id or 0} | {card.id or 0 for card in cards}
    assert set(await members(session, run)) == grouped == {t.id for t in fed}
    assert not {c.id for c in left_out} & grouped
    assert run.items == 18
    assert run.channel_counts == {
        "idea_call": 12,
        "survey": 2,
        "focus_group": 1,
        "workshop": 2,
        "import": 1,
    }


async def confirm(session: AsyncSession, process: Process, ids: dict[str, list[int]]) -> None:
    """An action field per topic, confirmed on the topic's first idea."""
    assert process.id is not None
    for position, topic in enumerate(TOPICS):
        theme = Theme(process_id=process.id, slug=topic, name=topic.title(), position=position)
        session.add(theme)
        await session.flush()
        session.add(
            ContributionTheme(
                contribution_id=ids[topic][0], theme_id=theme.id or 0, source=ThemeSource.CONFIRMED
            )
        )
    await session.commit()


async def test_confirmed_themes_seed_one_group_each(
    session: AsyncSession, settings: Settings
) -> None:
    process, process_id, ids = await with_topic_ideas(session)
    await confirm(session, process, ids)
    order = [i for topic in TOPICS for i in ids[topic]]
    seeds = await clusters.confirmed_seeds(session, process_id, order)
    assert seeds == [0, None, None, None, 1, None, None, None, 2, None, None, None]

    run = await clusters.run_clustering(session, settings.var_dir, process_id, k=3)

    placed = await members(session, run)
    # Each topic's seed has a group of its own, and most of its topic's other ideas join it
    # (measured: all but "Fahrradständer am Bahnhof" and "Radweg beleuchten" (abends), which
    # go with the bus).
    group_of = {topic: placed[ids[topic][0]] for topic in TOPICS}
    assert len(set(group_of.values())) == 3
    astray = [i for topic in TOPICS for i in ids[topic] if placed[i] != group_of[topic]]
    assert len(astray) <= 2, astray


async def test_a_chosen_number_of_groups_is_kept_and_a_bad_one_refused(
    session: AsyncSession, settings: Settings
) -> None:
    process, process_id, ids = await with_topic_ideas(session)

    run = await clusters.run_clustering(session, settings.var_dir, process_id, k=6)
    assert run.k == 6
    assert len(set((await members(session, run)).values())) == 6
    with pytest.raises(clusters.ClusteringFailed) as refused:
        await clusters.run_clustering(session, settings.var_dir, process_id, k=12)
    assert str(refused.value) == (
        "Die Zahl der Gruppen muss bei 12 Beiträgen mit 0 bestätigten Handlungsfeldern"
        " zwischen 2 und 11 liegen."
    )
    await confirm(session, process, ids)
    with pytest.raises(clusters.ClusteringFailed) as refused:
        await clusters.run_clustering(session, settings.var_dir, process_id, k=2)
    assert refused.value.reason.params == {"low": 3, "high": 11, "items": 12, "themes": 3}
