"""What a group of the analysis page shows beside its texts: whose contributions and through
which channel, the members' action fields (confirmed and suggested, not rejected ones), and
the likely duplicates within it for moderators, with a fixed number of statements whatever
the group's size."""

from __future__ import annotations

from dataclasses import dataclass

from bs4 import BeautifulSoup
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    Cluster,
    ClusterRun,
    ContributionKind,
    ContributionTheme,
    DuplicatePair,
    Role,
    Segment,
    ThemeSource,
    utcnow,
)
from participation.services.group_contents import run_summaries
from participation.settings import Settings
from tests.cluster_rows import add_run
from tests.helpers import (
    SLUG,
    Client,
    add_idea,
    add_process,
    add_staff,
    add_themes,
    html,
    in_db,
    login,
    one,
    text_of,
)
from tests.sql_statements import recorded

GROUP = f"/analysis/{SLUG}/groups"


@dataclass(frozen=True)
class Groups:
    within_pair: int  # an open pair with both sides in group 1
    across_pair: int  # an open pair from group 1 to group 2
    dismissed_pair: int  # a pair in group 1 marked "kein Duplikat"


async def _groups(session: AsyncSession, slug: str = SLUG, extra_members: int = 0) -> Groups:
    process = await add_process(session, slug=slug)
    themes = await add_themes(session, process)
    bike = await add_idea(session, process, title="Radweg nach Kornbach")
    bike_again = await add_idea(session, process, title="Radweg Kornbach sicher machen")
    survey = await add_idea(
        session,
        process,
        title="",
        body="Ein Radweg zum Gewerbegebiet fehlt.",
        kind=ContributionKind.SURVEY_ANSWER,
        channel=Channel.SURVEY,
        segment=Segment.FIRM,
    )
    pupil = await add_idea(
        session, process, title="Radständer an der Schule", channel=Channel.FOCUS_GROUP
    )
    more = [
        await add_idea(session, process, title=f"Radweg {n}", segment=Segment.EXPERT)
        for n in range(extra_members)
    ]
    bus = await add_idea(session, process, title="Bus am Abend")
    await add_run(
        session, process, [("radweg", [bike, bike_again, survey, pupil, *more]), ("bus", [bus])]
    )
    given = (
        (bike, "radwege", ThemeSource.CONFIRMED),
        (bike_again, "radwege", ThemeSource.SUGGESTED),
        (pupil, "schule", ThemeSource.CONFIRMED),
        (survey, "oepnv", ThemeSource.REJECTED),
    )
    session.add_all(
        ContributionTheme(
            contribution_id=idea.id or 0, theme_id=themes[slug].id or 0, source=source
        )
        for idea, slug, source in given
    )

    def pair(first: int | None, second: int | None, score: float) -> DuplicatePair:
        low, high = sorted((first or 0, second or 0))
        return DuplicatePair(process_id=process.id or 0, first_id=low, second_id=high, score=score)

    within = pair(bike.id, bike_again.id, 0.83)
    across = pair(bike.id, bus.id, 0.9)
    dismissed = pair(bike.id, pupil.id, 0.7)
    dismissed.dismissed_at = utcnow()
    session.add_all([within, across, dismissed])
    await session.commit()
    return Groups(within.id or 0, across.id or 0, dismissed.id or 0)


def _login(client: Client, settings: Settings, role: Role) -> Client:
    email = f"{role.value}@example.org"
    in_db(settings, lambda s: add_staff(s, email, role))
    assert login(client, email).status_code == 303
    return client


def _rows(page: BeautifulSoup, caption: str) -> dict[str, list[str]]:
    table = next(t for t in page.select("table") if caption in text_of(one(t, "caption")))
    return {
        text_of(one(row, "th")): [text_of(cell) for cell in row.select("td")]
        for row in table.select("tbody tr")
    }


def test_a_group_shows_whose_contributions_and_their_action_fields(
    client: Client, settings: Settings
) -> None:
    groups = in_db(settings, _groups)
    moderator = _login(client, settings, Role.MODERATOR)
    page = html(moderator.get(f"{GROUP}/1").text)

    mix = _rows(page, "Verfassenden und Kanal")
    # Residents through the idea call (2) and a focus group (1), a firm through the survey.
    assert mix == {
        "Einwohnerin oder Einwohner": ["2", "0", "1", "3"],
        "Unternehmen oder Organisation": ["0", "1", "0", "1"],
    }
    assert one(page, "#breakdown-title").get_text(strip=True) == (
        "Wer sie geschrieben hat und über welchen Kanal"
    )

    fields = _rows(page, "Handlungsfelder der Beiträge")
    assert fields == {"Radwege": ["1", "1"], "Schulwege": ["1", "0"]}  # the rejected one: not

    duplicates = one(page, "section.group-duplicates")
    links = [a["href"] for a in duplicates.select("a")]
    assert links == [f"/moderation/duplicates/{groups.within_pair}"]
    assert "(1)" in text_of(one(duplicates, "h2"))
    assert "0,83" in text_of(duplicates)


def test_evaluators_see_the_mix_but_no_duplicates(client: Client, settings: Settings) -> None:
    in_db(settings, _groups)
    evaluator = _login(client, settings, Role.EVALUATOR)
    page = html(evaluator.get(f"{GROUP}/1").text)
    assert page.select("section.group-duplicates") == []
    assert _rows(page, "Handlungsfelder der Beiträge")["Radwege"] == ["1", "1"]


def test_a_large_group_runs_as_many_statements_as_a_small_one(
    client: Client, settings: Settings
) -> None:
    in_db(settings, _groups)
    moderator = _login(client, settings, Role.MODERATOR)
    with recorded() as small:
        assert moderator.get(f"{GROUP}/1").status_code == 200
    in_db(settings, lambda s: _groups(s, slug="gross", extra_members=60))
    with recorded() as large:
        assert moderator.get("/analysis/gross/groups/1").status_code == 200
    assert len(large.runs) == len(small.runs)


async def test_each_card_of_the_analysis_page_sums_up_its_group(session: AsyncSession) -> None:
    await _groups(session)
    run = (await session.exec(select(ClusterRun))).one()
    clusters = list(await session.exec(select(Cluster).order_by(col(Cluster.position))))
    summaries = await run_summaries(session, run)
    bikes, buses = (summaries[c.id or 0] for c in clusters)

    assert dict(bikes.segments) == {Segment.RESIDENT: 3, Segment.FIRM: 1}
    assert bikes.segments[0] == (Segment.RESIDENT, 3)  # the most first
    assert dict(bikes.channels) == {
        Channel.IDEA_CALL: 2,
        Channel.SURVEY: 1,
        Channel.FOCUS_GROUP: 1,
    }
    # Confirmed action fields only; the pair across groups and the dismissed one not counted.
    assert dict(bikes.themes) == {"Radwege": 1, "Schulwege": 1}
    assert bikes.duplicates == 1
    assert (dict(buses.segments), buses.themes, buses.duplicates) == ({Segment.RESIDENT: 1}, [], 0)


def test_the_analysis_page_shows_each_groups_mix(client: Client, settings: Settings) -> None:
    in_db(settings, _groups)
    moderator = _login(client, settings, Role.MODERATOR)
    page = html(moderator.get(f"/analysis/{SLUG}").text)
    first = page.select(".cluster-card dl.group-summary")[0]
    terms = [text_of(dt) for dt in first.select("dt")]
    values = [text_of(dd) for dd in first.select("dd")]
    summary = dict(zip(terms, values, strict=True))
    assert summary["Wer"].startswith("Einwohnerin oder Einwohner 3")
    assert "Unternehmen oder Organisation 1" in summary["Wer"]
    assert summary["Bestätigte Handlungsfelder"] in (
        "Radwege 1 · Schulwege 1",
        "Schulwege 1 · Radwege 1",
    )
    assert summary["Wahrscheinliche Duplikate"] == "1"
