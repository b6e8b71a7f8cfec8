"""Survey results at the size the issue names: 1,000 sent responses to a 30-question survey.

A fresh SQLite database gets a survey with six questions of each kind (single and multiple
choice, 1-5 scale, ranking, free text) in three sections and 1,000 sent responses with
random answers (seeded, so every run counts the same rows), about 55,000 answer rows. Then
the results page (unfiltered and filtered) and both exports are requested through the full
ASGI stack, signed in as an evaluator, and timed one request at a time: median and 95th
percentile latency, and requests per second, beside the bare framework's ceiling. For the
exports, also the longest time the event loop did not turn during one (what any other
request of the process would have waited).
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import httpx
from litestar import Litestar, get
from sqlalchemy import Table, insert
from sqlmodel import SQLModel, select

from participation.app import create_app
from participation.bootstrap import prepare_database
from participation.db import create_engine, create_sessionmaker
from participation.models import (
    Process,
    QuestionKind,
    Role,
    Segment,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    utcnow,
)
from participation.services.users import create_user
from participation.settings import Settings
from participation.wz2008 import SECTIONS, SIZE_CLASSES

RESPONSES: Final = 1000
QUESTIONS: Final = 30
KINDS: Final = (
    QuestionKind.SINGLE_CHOICE,
    QuestionKind.MULTIPLE_CHOICE,
    QuestionKind.SCALE,
    QuestionKind.RANKING,
    QuestionKind.FREE_TEXT,
)
OPTIONS: Final = {
    QuestionKind.SINGLE_CHOICE: 5,
    QuestionKind.MULTIPLE_CHOICE: 6,
    QuestionKind.RANKING: 4,
}
EMAIL: Final = "bench-evaluator@example.org"
PASSWORD: Final = "bench password for the results"  # noqa: S105 - a throwaway database
WORDS: Final = (
    "Glasfaser", "Förderung", "Beratung", "Fachkräfte", "Ausbildung", "Verwaltung",
    "Onlinezugang", "Mobilfunk", "Breitband", "Datenschutz", "Homeoffice", "Plattform",
    "Netzwerk", "Schulung", "Kooperation", "Gewerbegebiet",
)  # fmt: skip


@get("/", sync_to_thread=False)
def hello() -> str:
    return "hello"


def _table(model: type[SQLModel]) -> Table:
    # Core inserts into the table: one executemany, where the ORM would insert row by row
    # to learn each new id.
    return SQLModel.metadata.tables[str(model.__tablename__)]


async def _build(settings: Settings) -> int:
    """The process, survey, questions, options and responses; returns the survey's id."""
    rng = random.Random(5)  # noqa: S311 - made-up answers, the same every run
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            await create_user(session, email=EMAIL, password=PASSWORD, role=Role.EVALUATOR)
            process = Process(slug="bench", title="Benchmark", summary="", description="")
            session.add(process)
            await session.flush()
            assert process.id is not None
            survey = Survey(process_id=process.id, slug="betriebe", title="Betriebsumfrage")
            session.add(survey)
            await session.flush()
            assert survey.id is not None
            sections = [
                SurveySection(survey_id=survey.id, title=f"Teil {n}", position=n) for n in range(3)
            ]
            session.add_all(sections)
            await session.flush()
            questions = []
            for n in range(QUESTIONS):
                section = sections[n * len(sections) // QUESTIONS]
                assert section.id is not None
                questions.append(
                    SurveyQuestion(
                        survey_id=survey.id,
                        section_id=section.id,
                        kind=KINDS[n % len(KINDS)],
                        text=f"Frage {n + 1}",
                        position=n,
                        scale_low_label="gar nicht",
                        scale_high_label="sehr",
                    )
                )
            session.add_all(questions)
            await session.flush()
            options: dict[int, list[int]] = {}
            for question in questions:
                assert question.id is not None
                rows = [
                    SurveyOption(question_id=question.id, label=f"Option {i + 1}", position=i)
                    for i in range(OPTIONS.get(question.kind, 0))
                ]
                session.add_all(rows)
                await session.flush()
                options[question.id] = [row.id for row in rows if row.id is not None]

            now = utcnow()
            await session.exec(
                insert(_table(SurveyResponse)),
                params=[
                    {
                        "survey_id": survey.id,
                        "resume_token_hash": f"{n:064x}",
                        "segment": Segment.FIRM if n % 4 else Segment.RESIDENT,
                        "organisation_name": f"Betrieb {n}",
                        "organisation_sector": rng.choice(SECTIONS)[0],
                        "organisation_size": rng.choice(SIZE_CLASSES),
                        "municipality": "Kornbach",
                        "current_page": 4,
                        "started_at": now,
                        "submitted_at": now,
                    }
                    for n in range(RESPONSES)
                ],
            )
            response_ids = list(
                await session.exec(
                    select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id)
                )
            )
            answers: list[dict[str, Any]] = []
            for response_id in response_ids:
                for question in questions:
                    if rng.random() < 0.1:
                        continue  # skipped
                    answers.extend(_answers(rng, response_id, question, options))
            await session.exec(insert(_table(SurveyAnswer)), params=answers)
            await session.commit()
            return survey.id
    finally:
        await engine.dispose()


def _answers(
    rng: random.Random,
    response_id: int | None,
    question: SurveyQuestion,
    options: dict[int, list[int]],
) -> list[dict[str, Any]]:
    # Every row with the same keys, so the rows go to the database in one executemany.
    row = {
        "response_id": response_id,
        "question_id": question.id,
        "option_id": None,
        "number": None,
        "text": None,
    }
    choices = options.get(question.id or 0, [])
    match question.kind:
        case QuestionKind.SINGLE_CHOICE:
            return [{**row, "option_id": rng.choice(choices)}]
        case QuestionKind.MULTIPLE_CHOICE:
            picked = rng.sample(choices, rng.randint(1, 3))
            return [{**row, "option_id": option} for option in picked]
        case QuestionKind.SCALE:
            return [{**row, "number": rng.randint(1, 5)}]
        case QuestionKind.RANKING:
            order = rng.sample(choices, len(choices))
            return [{**row, "option_id": o, "number": i + 1} for i, o in enumerate(order)]
        case _:
            return [{**row, "text": " ".join(rng.choices(WORDS, k=rng.randint(5, 25)))}]


async def _sign_in(client: httpx.AsyncClient) -> None:
    (await client.get("/login")).raise_for_status()
    form = {"email": EMAIL, "password": PASSWORD, "_csrf_token": client.cookies["csrftoken"]}
    response = await client.post("/login", data=form)
    if response.status_code != 303:
        raise RuntimeError(f"sign-in failed: {response.status_code}")


async def _timed(client: httpx.AsyncClient, path: str, seconds: float) -> dict[str, float]:
    """Median and p95 latency and requests per second, one request at a time."""
    for _ in range(3):
        (await client.get(path)).raise_for_status()
    latencies: list[float] = []
    start = time.perf_counter()
    while (time.perf_counter() - start) < seconds or len(latencies) < 5:
        began = time.perf_counter()
        response = await client.get(path)
        latencies.append(time.perf_counter() - began)
        response.raise_for_status()
    elapsed = time.perf_counter() - start
    return {
        "requests": len(latencies),
        "median_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * statistics.quantiles(latencies, n=20)[-1], 1),
        "requests_per_second": round(len(latencies) / elapsed, 1),
    }


async def _longest_stall(client: httpx.AsyncClient, path: str) -> float:
    """The longest the event loop went without turning while one request was served, in
    milliseconds: what every other request of the process waited on top of its own time."""
    done = asyncio.Event()
    longest = 0.0

    async def tick() -> None:
        nonlocal longest
        while not done.is_set():
            began = time.perf_counter()
            await asyncio.sleep(0.001)
            longest = max(longest, time.perf_counter() - began - 0.001)

    ticker = asyncio.create_task(tick())
    try:
        (await client.get(path)).raise_for_status()
    finally:
        done.set()
        await ticker
    return round(1000 * longest, 1)


async def measure(seconds: float) -> dict[str, object]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(
            Settings.from_env(),
            var_dir=Path(tmp),
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.sqlite3",
            write_rate_limit_per_minute=10**6,
            seed_demo=False,
            preload_nlp=False,
        )
        await prepare_database(settings)
        built = time.perf_counter()
        survey_id = await _build(settings)
        build_seconds = time.perf_counter() - built
        app = create_app(replace(settings, migrate_on_start=False))
        ceiling_app = Litestar([hello])
        base = f"/surveys/{survey_id}"
        paths = {
            "results": f"{base}/results",
            "results, firms of 10-49": f"{base}/results?segment=firm&size=10-49",
            "export csv": f"{base}/export.csv",
            "export xlsx": f"{base}/export.xlsx",
        }
        async with app.lifespan(), ceiling_app.lifespan():
            transport = httpx.ASGITransport(app=ceiling_app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as bare:
                ceiling = await _timed(bare, "/", seconds)
            transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                await _sign_in(client)
                timings = {
                    name: await _timed(client, path, seconds) for name, path in paths.items()
                }
                stalls = {
                    name: await _longest_stall(client, paths[name])
                    for name in ("export csv", "export xlsx")
                }
    return {
        "responses": RESPONSES,
        "questions": QUESTIONS,
        "build_seconds": round(build_seconds, 1),
        "seconds_per_measurement": seconds,
        "bare_litestar_requests_per_second": ceiling["requests_per_second"],
        "pages": timings,
        "longest_event_loop_stall_ms": stalls,
    }
