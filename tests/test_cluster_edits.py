"""A moderator rearranging the groups of the analysis page: renaming, moving chosen
contributions to another group or out of all groups, merging two groups, splitting one; the
edits are marked on the run, and computing the groups again is only started when asked to
discard them. Evaluators read the groups but do not change them."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.jobs import HANDLERS, JobContext, create_job, execute_job
from participation.models import (
    AnalysisJob,
    Cluster,
    ClusterMember,
    ClusterRun,
    Contribution,
    JobKind,
    JobStatus,
    Process,
    Role,
)
from participation.settings import Settings
from tests.cluster_rows import add_run
from tests.helpers import (
    SLUG,
    Client,
    add_idea,
    add_process,
    add_staff,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)

GROUP = f"/analysis/{SLUG}/groups"


async def _run(session: AsyncSession, process: Process) -> list[list[Contribution]]:
    """A run with two groups of three ideas each."""
    groups = [
        [await add_idea(session, process, title=f"Radweg {n}") for n in range(3)],
        [await add_idea(session, process, title=f"Bus {n}") for n in range(3)],
    ]
    await add_run(session, process, list(zip(("radweg", "bus"), groups, strict=True)))
    return groups


async def _groups(session: AsyncSession) -> dict[str, set[int]]:
    rows = await session.exec(
        select(Cluster.name, ClusterMember.contribution_id).join(
            ClusterMember, col(ClusterMember.cluster_id) == Cluster.id
        )
    )
    found: dict[str, set[int]] = {}
    for name, contribution_id in rows.all():
        found.setdefault(name, set()).add(contribution_id)
    return found


async def _sizes(session: AsyncSession) -> dict[str, int]:
    return {c.name: c.size for c in (await session.exec(select(Cluster))).all()}


def _moderator(client: Client, settings: Settings) -> Client:
    in_db(settings, lambda s: add_staff(s, "mod@example.org", Role.MODERATOR))
    assert login(client, "mod@example.org").status_code == 303
    return client


def test_a_moderator_renames_moves_and_merges_groups(client: Client, settings: Settings) -> None:
    process = in_db(settings, add_process)
    bikes, buses = in_db(settings, lambda s: _run(s, process))
    moderator = _moderator(client, settings)

    assert (
        post_form(moderator, f"{GROUP}/1/rename", {"name": "  Radwege  zur Schule "}).status_code
        == 303
    )
    page = html(moderator.get(f"{GROUP}/1").text)
    assert "Radwege zur Schule" in text_of(one(page, "h1"))
    empty = post_form(moderator, f"{GROUP}/1/rename", {"name": "   "})
    assert empty.status_code == 303
    assert "Radwege zur Schule" in text_of(one(html(moderator.get(f"{GROUP}/1").text), "h1"))

    # The first bus idea was grouped with the bikes by mistake: move one back and forth.
    moved = post_form(
        moderator, f"{GROUP}/2/move", {f"c-{buses[0].id}": "on", "to": "1", "back": f"{GROUP}/2"}
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"{GROUP}/2"
    groups = in_db(settings, _groups)
    assert groups["Radwege zur Schule"] == {i.id for i in [*bikes, buses[0]]}
    assert in_db(settings, _sizes) == {"Radwege zur Schule": 4, "bus": 2}
    # Out of all groups.
    post_form(moderator, f"{GROUP}/1/move", {f"c-{buses[0].id}": "on", "to": "none"})
    assert in_db(settings, _sizes) == {"Radwege zur Schule": 3, "bus": 2}

    merged = post_form(moderator, f"{GROUP}/2/merge", {"into": "1"})
    assert merged.status_code == 303
    assert merged.headers["location"] == f"{GROUP}/1"
    assert in_db(settings, _groups) == {"Radwege zur Schule": {i.id for i in [*bikes, *buses[1:]]}}
    assert in_db(settings, _sizes) == {"Radwege zur Schule": 5}
    assert moderator.get(f"{GROUP}/2").status_code == 404
    # The page counts the groups there are now.
    assert in_db(settings, _run_k) == 1
    assert "1 Gruppe aus" in text_of(html(moderator.get(f"/analysis/{SLUG}").text))


async def _run_k(session: AsyncSession) -> int:
    return (await session.exec(select(ClusterRun))).one().k


def test_a_moderator_splits_a_group_into_parts(client: Client, settings: Settings) -> None:
    process = in_db(settings, add_process)

    async def one_group(session: AsyncSession) -> list[Contribution]:
        ideas = [
            await add_idea(session, process, title=f"Idee {n}", body=text)
            for n, text in enumerate(TEXTS)
        ]
        await add_run(session, process, [("alles", ideas)])
        return ideas

    ideas = in_db(settings, one_group)
    moderator = _moderator(client, settings)
    for typed in ("1", "elf", "11"):
        refused = post_form(moderator, f"{GROUP}/1/split", {"parts": typed})
        assert refused.status_code == 303
        assert refused.headers["location"] == f"{GROUP}/1"
        shown = text_of(html(moderator.get(f"{GROUP}/1").text))
        assert "2 bis 10 Teile" in shown or "ganze Zahl" in shown
    assert in_db(settings, _run_k) == 1
    too_many = post_form(moderator, f"{GROUP}/1/split", {"parts": "9"})
    assert too_many.status_code == 303
    assert "9 Beiträgen kann nicht in 9 Teile" in text_of(html(moderator.get(f"{GROUP}/1").text))

    split = post_form(moderator, f"{GROUP}/1/split", {"parts": "3"})
    assert split.status_code == 303
    page = html(moderator.get(f"{GROUP}/1").text)
    assert "Gruppe 1 aufgeteilt in die Gruppen 1, 2, 3." in text_of(page)
    groups = in_db(settings, _groups)
    assert len(groups) == 3
    assert set().union(*groups.values()) == {i.id for i in ideas}
    # Every member in exactly one part, no part empty, each named after its own texts.
    assert sum(len(members) for members in groups.values()) == len(ideas)
    sizes = in_db(settings, _sizes)
    assert all(sizes[name] == len(members) > 0 for name, members in groups.items())
    assert "alles" not in groups
    assert in_db(settings, _run_k) == 3
    for number in (2, 3):
        assert moderator.get(f"{GROUP}/{number}").status_code == 200

    async def edited(session: AsyncSession) -> bool:
        return (await session.exec(select(ClusterRun))).one().edited_at is not None

    assert in_db(settings, edited)


def test_recomputing_edited_groups_asks_to_discard_the_edits(
    client: Client, settings: Settings
) -> None:
    process = in_db(settings, add_process)
    in_db(settings, lambda s: _run(s, process))
    moderator = _moderator(client, settings)
    # Before any edit the button simply recomputes.
    page = html(moderator.get(f"/analysis/{SLUG}").text)
    assert page.select("#discard") == []

    post_form(moderator, f"{GROUP}/1/rename", {"name": "Radwege"})

    async def edited(session: AsyncSession) -> bool:
        run = (await session.exec(select(ClusterRun))).one()
        return run.edited_at is not None and run.edited_by_id is not None

    assert in_db(settings, edited)
    page = html(moderator.get(f"/analysis/{SLUG}").text)
    assert one(page, "#discard")
    refused = post_form(moderator, f"/analysis/{SLUG}/cluster")
    assert refused.status_code == 303
    flash = text_of(html(moderator.get(f"/analysis/{SLUG}").text))
    assert "von Hand geändert" in flash
    started = post_form(moderator, f"/analysis/{SLUG}/cluster", {"discard": "on"})
    assert started.status_code == 303
    assert "Gestartet." in text_of(html(moderator.get(f"/analysis/{SLUG}").text))
    # The job ends before the app does (a job cut short by the app's shutdown is another
    # test's subject: tests/test_jobs.py).
    moderator.blocking_portal.call(moderator.app.state.jobs.wait_idle)


def test_evaluators_read_groups_but_do_not_change_them(client: Client, settings: Settings) -> None:
    process = in_db(settings, add_process)
    in_db(settings, lambda s: _run(s, process))
    in_db(settings, lambda s: add_staff(s, "eval@example.org", Role.EVALUATOR))
    assert login(client, "eval@example.org").status_code == 303
    page = html(client.get(f"{GROUP}/1").text)
    assert page.select("details.group-tools") == []
    for action, data in (
        ("rename", {"name": "x"}),
        ("merge", {"into": "2"}),
        ("move", {}),
        ("split", {"parts": "2"}),
    ):
        assert post_form(client, f"{GROUP}/1/{action}", data).status_code == 403
    assert in_db(settings, _sizes) == {"radweg": 3, "bus": 3}


def test_a_moderator_asks_for_a_number_of_groups(client: Client, settings: Settings) -> None:
    process = in_db(settings, add_process)
    in_db(settings, lambda s: _run(s, process))
    moderator = _moderator(client, settings)
    for typed in ("1", "zwölf", "101"):
        refused = post_form(moderator, f"/analysis/{SLUG}/cluster", {"k": typed})
        assert refused.status_code == 303
        assert "ganze Zahl" in text_of(html(moderator.get(f"/analysis/{SLUG}").text))
    assert in_db(settings, _job_params) == []
    post_form(moderator, f"/analysis/{SLUG}/cluster", {"k": " 4 "})
    assert in_db(settings, _job_params) == [{"k": 4}]
    moderator.blocking_portal.call(moderator.app.state.jobs.wait_idle)


async def _job_params(session: AsyncSession) -> list[object]:
    return [job.params for job in (await session.exec(select(AnalysisJob))).all()]


async def test_the_clustering_job_makes_the_number_of_groups_asked_for(
    session: AsyncSession, settings: Settings
) -> None:
    process = await add_process(session)
    for n, text in enumerate(TEXTS):
        await add_idea(session, process, title=f"Idee {n}", body=text)
    job, _new = await create_job(session, process.id or 0, JobKind.CLUSTER, None, {"k": 3})
    engine = create_engine(settings)
    try:
        context = JobContext(create_sessionmaker(engine), settings)
        assert await execute_job(context, job.id or 0, HANDLERS) is JobStatus.DONE
    finally:
        await engine.dispose()
    run = (await session.exec(select(ClusterRun))).one()
    assert run.k == 3


TEXTS = [
    "Der Radweg nach Kornbach fehlt, Kinder fahren auf der Landstraße.",
    "Ein sicherer Radweg zwischen Auenbrück und Kornbach hilft Familien.",
    "Radwege entlang der Kreisstraße beleuchten.",
    "Der Bus fährt abends zu selten, eine Linie bis 23 Uhr fehlt.",
    "Rufbus per App buchen statt nur telefonisch.",
    "Echtzeit-Abfahrtsanzeigen an den Haltestellen.",
    "Glasfaser auch für Einzelhöfe im Außenbereich.",
    "Funkloch an der Kreisstraße schließen.",
    "Mobilfunk im Schulbus verbessern.",
]
