"""Clustering a process's ideas (service), the analysis pages (routes, guards), and a page
answering promptly while clustering runs in the background."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from litestar import Litestar
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp import clustering
from nlp.model_choice import TaggerComparison, TaggerScore
from participation.i18n import show_stored
from participation.jobs import JobRunner
from participation.models import (
    AnalysisJob,
    Cluster,
    ClusterMember,
    ClusterRun,
    ContributionStatus,
    JobKind,
    JobStatus,
    Process,
    Role,
    utcnow,
)
from participation.services import cluster_map, clusters, tagging
from participation.services.clusters import ClusteringFailed
from participation.services.tagging import NotEnoughTrainingData
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    SLUG,
    Client,
    add_idea,
    add_process,
    add_staff,
    attr,
    count,
    german,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)
from tests.learnable_themes import add_learnable_process

TOPICS = {
    "radweg": [
        ("Radweg nach Kornbach", "Zwischen Auenbrück und Kornbach fehlt ein sicherer Radweg."),
        ("Radweg an der Landstraße", "Ein breiter Radweg an der Landstraße wäre sicherer."),
        ("Fahrradständer am Bahnhof", "Am Bahnhof fehlen überdachte Fahrradständer."),
        ("Radweg beleuchten", "Der Radweg zur Schule ist abends dunkel: bitte beleuchten."),
    ],
    "internet": [
        ("Glasfaser für Mühlental", "Mühlental braucht endlich schnelles Internet per Glasfaser."),
        ("Schnelles Internet", "Das Internet ist zu langsam; Glasfaser würde helfen."),
        ("Glasfaserausbau im Gewerbegebiet", "Betriebe brauchen Glasfaser und schnelles Internet."),
        ("Mobilfunk und Internet", "Im Tal gibt es kein Netz: Mobilfunk und Internet fehlen."),
    ],
    "bus": [
        ("Rufbus am Abend", "Der Rufbus sollte auch abends fahren, der Bus fährt zu selten."),
        ("Bus nach Steinfeld", "Der Bus nach Steinfeld fährt nur zweimal am Tag."),
        ("Busfahrplan am Wochenende", "Am Wochenende fährt kein Bus: der Fahrplan braucht mehr."),
        ("Haltestelle barrierefrei", "Die Haltestelle für den Bus ist nicht barrierefrei."),
    ],
}


async def add_topic_ideas(session: AsyncSession, process: Process) -> dict[str, list[int]]:
    """Twelve published ideas on three topics; their ids by topic."""
    ids: dict[str, list[int]] = {}
    for topic, ideas in TOPICS.items():
        for title, body in ideas:
            idea = await add_idea(session, process, title=title, body=body)
            assert idea.id is not None
            ids.setdefault(topic, []).append(idea.id)
    return ids


async def members(session: AsyncSession, run: ClusterRun) -> dict[int, int]:
    """contribution id -> cluster position."""
    rows = await session.exec(
        select(ClusterMember.contribution_id, Cluster.position)
        .join(Cluster, col(Cluster.id) == ClusterMember.cluster_id)
        .where(ClusterMember.run_id == run.id)
    )
    return dict(rows.all())


async def cluster_ideas(session: AsyncSession, settings: Settings, process: Process) -> ClusterRun:
    assert process.id is not None
    return await clusters.run_clustering(session, settings.var_dir, process.id)


# --- the service ------------------------------------------------------------------------------


async def test_clustering_stores_a_run_of_the_published_ideas(
    session: AsyncSession, settings: Settings
) -> None:
    process = await add_process(session)
    by_topic = await add_topic_ideas(session, process)
    left_out = [
        await add_idea(session, process, title="Radweg?", status=status)
        for status in (
            ContributionStatus.PENDING,
            ContributionStatus.REJECTED,
            ContributionStatus.HIDDEN,
            ContributionStatus.MERGED,
        )
    ]

    run = await cluster_ideas(session, settings, process)

    assert run.items == 12
    assert run.process_id == process.id
    placed = await members(session, run)
    assert set(placed) == {i for ids in by_topic.values() for i in ids}
    assert not {idea.id for idea in left_out} & set(placed)
    stored = list(await session.exec(select(Cluster).where(Cluster.run_id == run.id)))
    assert len(stored) == run.k >= 2
    assert sorted(c.position for c in stored) == list(range(run.k))
    assert sum(c.size for c in stored) == 12
    for cluster in stored:
        assert cluster.name
        assert cluster.top_terms
        assert cluster.name.startswith(cluster.top_terms[0])
        assert cluster.representative_ids
        assert all(placed[i] == cluster.position for i in cluster.representative_ids)
    sizes = {c.position: c.size for c in stored}
    assert all(list(placed.values()).count(position) == n for position, n in sizes.items())


async def test_clustering_is_repeatable_and_keeps_only_the_newest_runs(
    session: AsyncSession, settings: Settings
) -> None:
    process = await add_process(session)
    await add_topic_ideas(session, process)

    runs = [await cluster_ideas(session, settings, process) for _ in range(clusters.KEEP_RUNS + 1)]

    assert len({frozenset((await members(session, r)).items()) for r in runs[1:]}) == 1
    kept = list(await session.exec(select(ClusterRun.id).order_by(col(ClusterRun.id))))
    assert kept == [r.id for r in runs[1:]]
    # The oldest run's clusters and members went with it.
    assert await count(session, Cluster) == sum(r.k for r in runs[1:])
    assert await count(session, ClusterMember) == 12 * clusters.KEEP_RUNS


async def test_too_few_ideas_give_a_message_not_a_run(
    session: AsyncSession, settings: Settings
) -> None:
    process = await add_process(session)
    await add_idea(session, process)

    with pytest.raises(ClusteringFailed) as failed:
        await cluster_ideas(session, settings, process)

    expected = german(
        "At least %(min)d published ideas are needed to form groups; there are %(n)d."
    )
    assert str(failed.value) == expected % {"min": clustering.MIN_DOCS, "n": 1}
    assert await count(session, ClusterRun) == 0


# scikit-learn warns about the degenerate input on its way to the error this test expects.
@pytest.mark.filterwarnings("ignore:invalid value encountered", "ignore:Number of distinct")
async def test_identical_ideas_cannot_be_told_apart(
    session: AsyncSession, settings: Settings
) -> None:
    process = await add_process(session)
    for _ in range(4):
        await add_idea(session, process, title="Radweg", body="Radweg")

    with pytest.raises(ClusteringFailed):
        await cluster_ideas(session, settings, process)


def test_the_map_fits_its_box_and_labels_each_group() -> None:
    members = [
        (0, -1.0, 0.0, 11),
        (0, -0.8, 0.1, 12),
        (1, 2.0, 0.5, 13),
        (1, 1.5, -0.5, 14),
        (2, 0.0, 3.0, 15),
    ]

    drawn = cluster_map.layout_map(members, titles={11: "Radweg", 15: "Bus"})

    assert len(drawn.points) == 5
    for point in drawn.points:
        assert cluster_map.MAP_MARGIN <= point.x <= drawn.width - cluster_map.MAP_MARGIN
        assert cluster_map.MAP_MARGIN <= point.y <= drawn.height - cluster_map.MAP_MARGIN
    assert [label.number for label in drawn.labels] == [1, 2, 3]
    assert [p.colour for p in drawn.points] == [0, 0, 1, 1, 2]
    assert [(p.number, p.contribution_id) for p in drawn.points] == [
        (1, 11),
        (1, 12),
        (2, 13),
        (2, 14),
        (3, 15),
    ]
    assert [p.title for p in drawn.points] == ["Radweg", "", "", "", "Bus"]
    # Up stays up: the highest point of the projection is drawn nearest the top.
    assert min(drawn.points, key=lambda p: p.y) == drawn.points[4]
    assert cluster_map.layout_map(members, step=2).points == [
        replace(p, title="") for p in drawn.points[::2]
    ]
    assert cluster_map.layout_map([]).points == ()


# --- the pages --------------------------------------------------------------------------------

PAGE = f"/analysis/{SLUG}"


def sign_in(client: Client, settings: Settings, role: Role) -> None:
    email = f"{role.value}@example.org"
    in_db(settings, lambda s: add_staff(s, email, role))
    assert login(client, email).status_code == 303


def runner(app: Litestar) -> JobRunner:
    jobs = app.state.jobs
    assert isinstance(jobs, JobRunner)
    return jobs


def wait_for_jobs(client: Client, app: Litestar) -> None:
    client.blocking_portal.call(runner(app).wait_idle)


def with_topic_ideas(settings: Settings) -> dict[str, list[int]]:
    async def work(session: AsyncSession) -> dict[str, list[int]]:
        return await add_topic_ideas(session, await add_process(session))

    return in_db(settings, work)


def jobs_in_db(settings: Settings) -> list[AnalysisJob]:
    async def work(session: AsyncSession) -> list[AnalysisJob]:
        return list(await session.exec(select(AnalysisJob).order_by(col(AnalysisJob.id))))

    return in_db(settings, work)


@pytest.mark.parametrize("url", ["/analysis", PAGE, f"{PAGE}/status", f"{PAGE}/groups/1"])
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, process: Process, url: str) -> None:
    response = client.get(url, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/analysis")


def test_anonymous_visitors_cannot_start_jobs(
    client: Client, settings: Settings, process: Process
) -> None:
    response = post_form(client, f"{PAGE}/cluster")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert jobs_in_db(settings) == []


def test_a_moderator_groups_the_ideas_and_reads_the_groups(
    client: Client, app: Litestar, settings: Settings
) -> None:
    by_topic = with_topic_ideas(settings)
    sign_in(client, settings, Role.MODERATOR)

    before = html(client.get(PAGE).text)
    assert one(before, "#job-status")  # says nothing has run yet
    assert not before.select("svg")
    response = post_form(client, f"{PAGE}/cluster")
    assert response.status_code == 303
    assert response.headers["location"] == PAGE
    wait_for_jobs(client, app)

    page = html(client.get(PAGE).text)
    [job] = jobs_in_db(settings)
    assert job.status is JobStatus.DONE
    assert job.kind is JobKind.CLUSTER
    svg = one(page, "svg.cluster-map__svg")
    # A group of links, one per idea, named by the idea's title.
    assert attr(svg, "role") == "group"
    assert text_of(one(svg, "#map-title"))
    points = svg.select(".cluster-map__points a")
    assert len(points) == len(svg.select("circle")) == 12
    titles = {title for ideas in TOPICS.values() for title, _body in ideas}
    assert {attr(a, "aria-label") for a in points} == titles
    cards = page.select(".cluster-card")
    assert len(cards) >= 2
    assert "12" in text_of(one(page, "#groups-title + p"))
    # Typical ideas link to their place on the group's page.
    first = cards[0].select(".typical a")[0]
    group_url, anchor = attr(first, "href").split("#")
    assert group_url == f"{PAGE}/groups/1"
    group = html(client.get(group_url).text)
    assert one(group, f"#{anchor}")
    all_ids = {i for ids in by_topic.values() for i in ids}
    listed = {int(attr(h, "id").removeprefix("member-")) for h in group.select("[id^=member-]")}
    assert listed
    assert listed <= all_ids
    # The overview lists the process with its groups.
    overview = html(client.get("/analysis").text)
    assert one(overview, f"a[href='{PAGE}']")


def test_an_evaluator_may_group_but_not_retrain(
    client: Client, app: Litestar, settings: Settings
) -> None:
    with_topic_ideas(settings)
    sign_in(client, settings, Role.EVALUATOR)

    page = html(client.get(PAGE).text)
    assert not page.select(f"form[action='{PAGE}/retrain']")
    assert post_form(client, f"{PAGE}/retrain").status_code == 403
    assert post_form(client, f"{PAGE}/cluster").status_code == 303
    wait_for_jobs(client, app)

    assert [(j.kind, j.status) for j in jobs_in_db(settings)] == [(JobKind.CLUSTER, JobStatus.DONE)]


def test_retraining_runs_as_a_job_and_says_why_it_could_not(
    client: Client, app: Litestar, settings: Settings
) -> None:
    with_topic_ideas(settings)  # no confirmed themes: nothing to learn from
    sign_in(client, settings, Role.MODERATOR)

    assert post_form(client, f"{PAGE}/retrain").status_code == 303
    wait_for_jobs(client, app)

    [job] = jobs_in_db(settings)
    assert (job.kind, job.status) == (JobKind.RETRAIN_THEMES, JobStatus.FAILED)
    reason = NotEnoughTrainingData(0, 0).reason  # no confirmed themes at all
    status = text_of(html(client.get(PAGE).text).select("#job-status")[0])
    assert german(reason.msgid) % dict(reason.params) in status
    # A reader who switched to English reads it in English.
    client.get("/lang/en", params={"next": PAGE})
    status = text_of(html(client.get(PAGE).text).select("#job-status")[0])
    assert reason.msgid % dict(reason.params) in status


def test_the_page_says_which_tagger_suggests_and_how_it_scored(
    client: Client, app: Litestar, settings: Settings
) -> None:
    in_db(settings, lambda s: add_learnable_process(s, SLUG))
    sign_in(client, settings, Role.MODERATOR)

    def model_panel(headers: dict[str, str] | None = None) -> str:
        page = html(client.get(PAGE, headers=headers).text)
        return text_of(one(page, "section[aria-labelledby='model-title']"))

    untrained = model_panel()
    assert german("In use: the keywords of the action fields (no training needed).") in untrained
    assert "Noch kein Modell trainiert." in untrained

    # A training in which the keywords scored better (as on the demo): they stay in use.
    report = tagging.TrainingReport(
        trained_at=utcnow().replace(microsecond=0),
        themes=7,
        comparison=TaggerComparison(49, 5, TaggerScore(0.4155, 0.4), TaggerScore(0.6162, 0.61)),
        data_hash="x",
        taxonomy="y",
        version="stacked-3",
    )
    path = tagging.report_path(settings.var_dir, SLUG)
    path.parent.mkdir(parents=True)
    path.write_text(report.to_json())
    kept = model_panel()
    assert german("In use: the keywords of the action fields (no training needed).") in kept
    assert "0,42" in kept
    assert "0,62" in kept
    english = model_panel({"Accept-Language": "en"})
    assert "In use: the keywords of the action fields (no training needed)." in english
    assert "the trained model scores 0.42 (micro-F1, 0 to 1)" in english
    assert "the keywords go on making the suggestions" in english

    # Retraining on data the model learns better than the keywords: it takes over.
    assert post_form(client, f"{PAGE}/retrain").status_code == 303
    wait_for_jobs(client, app)
    [job] = jobs_in_db(settings)
    assert job.status is JobStatus.DONE, job.error
    trained = model_panel()
    assert german("In use: the model trained on the action fields moderators confirmed.") in trained
    status = tagging.model_status(settings.var_dir, SLUG)
    assert status.report is not None
    assert status.report.comparison.choice == "trained"
    score = f"{status.report.comparison.trained.micro_f1:.2f}".replace(".", ",")
    assert score in trained
    assert score in show_stored(job.summary)  # the job's summary says it too, in German


def add_job(settings: Settings, status: JobStatus, **values: Any) -> None:
    async def work(session: AsyncSession) -> None:
        process = (await session.exec(select(Process))).one()
        assert process.id is not None
        session.add(
            AnalysisJob(process_id=process.id, kind=JobKind.CLUSTER, status=status, **values)
        )
        await session.commit()

    in_db(settings, work)


def test_a_running_job_shows_since_when_and_is_polled(
    client: Client, settings: Settings, process: Process
) -> None:
    add_job(settings, JobStatus.RUNNING, started_at=utcnow())
    sign_in(client, settings, Role.MODERATOR)

    page = html(client.get(PAGE).text)
    status = text_of(one(page, "#job-status"))
    assert german("running since %(time)s.").split("%")[0].strip() in status
    poller = one(page, f"[hx-get='{PAGE}/status']")
    assert attr(poller, "hx-target") == "#job-status"

    partial = client.get(f"{PAGE}/status", headers=HTMX)
    assert partial.status_code == 200
    assert "hx-refresh" not in partial.headers
    assert text_of(html(partial.text)) == status

    # Asking again while it runs does not queue it twice.
    response = post_form(client, f"{PAGE}/cluster")
    assert response.status_code == 303
    assert len(jobs_in_db(settings)) == 1
    assert german("This is already running; it was not started twice.") in client.get(PAGE).text


def test_the_page_reloads_once_the_job_is_done(
    client: Client, settings: Settings, process: Process
) -> None:
    add_job(settings, JobStatus.FAILED, error="Zu wenige Ideen.", finished_at=utcnow())
    sign_in(client, settings, Role.MODERATOR)

    assert client.get(f"{PAGE}/status", headers=HTMX).headers["hx-refresh"] == "true"
    page = html(client.get(PAGE).text)
    assert "Zu wenige Ideen." in text_of(one(page, "#job-status"))
    assert not page.select(f"[hx-get='{PAGE}/status']")  # nothing to poll


@pytest.mark.parametrize("url", ["/analysis/unbekannt", f"{PAGE}/groups/1", f"{PAGE}/groups/99"])
def test_unknown_processes_and_groups_are_not_found(
    client: Client, settings: Settings, process: Process, url: str
) -> None:
    sign_in(client, settings, Role.MODERATOR)

    assert client.get(url).status_code == 404


def test_unknown_process_cannot_be_grouped(
    client: Client, settings: Settings, process: Process
) -> None:
    sign_in(client, settings, Role.MODERATOR)

    assert post_form(client, "/analysis/unbekannt/cluster").status_code == 404
    assert jobs_in_db(settings) == []


# --- the event loop stays free while clustering runs -----------------------------------------


def test_pages_answer_while_clustering_runs(
    client: Client, app: Litestar, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clustering's CPU-bound part runs in a worker thread: held inside that part, it
    waits until pages have been answered, and they are. Were it on the event loop, the loop
    could answer nothing while it waits (the requests would hang until it gave up, and the
    test would fail on `answered_in_time`)."""
    with_topic_ideas(settings)
    inside, answered = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    original = clusters.cluster_texts

    def held(*args: Any) -> clustering.Clustering:
        inside.set()
        seen["answered_in_time"] = answered.wait(timeout=60)
        return original(*args)

    monkeypatch.setattr(clusters, "cluster_texts", held)
    sign_in(client, settings, Role.MODERATOR)
    post_form(client, f"{PAGE}/cluster")

    assert inside.wait(timeout=60), "the clustering job did not start"
    for url in ["/healthz", f"/processes/{SLUG}", PAGE]:
        assert client.get(url).status_code == 200, url
    answered.set()
    wait_for_jobs(client, app)

    assert seen == {"answered_in_time": True}
    assert [j.status for j in jobs_in_db(settings)] == [JobStatus.DONE]
