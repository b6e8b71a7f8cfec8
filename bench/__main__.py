"""`make bench`: every benchmark, printed as one JSON report (tables go to stderr).

Usage: `python -m bench [--seconds 3] [--only pages surveys moderation profiles calibration
plan evaluation_load export open_data dashboard merge_queue text duplicates scale load
live_session] [--sizes 10000 100000] [--ideas 10000 100000] [--database sqlite postgresql]
[--load-seconds 10] [--write-seconds 60] [--live-seconds 120]`. The whole run takes
about half an hour on two cores: the scale benchmark at 100,000 texts and the load benchmark
over real HTTP (bench/load.py, wrk; PostgreSQL only with BENCH_DATABASE_URL) take nearly all
of it; `--only duplicates` or `--sizes 10000` keep it short. The NLP results are also written to
var/bench/nlp.json, the load results to var/bench/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path

from bench import (
    calibration,
    contribution_export,
    dashboard,
    duplicate_queue,
    duplicates,
    evaluation_load,
    live_session,
    load,
    moderation_queue,
    open_data,
    pages,
    plan,
    profile_drafting,
    scale,
    surveys,
    text,
)

BENCHMARKS = (
    "pages",
    "surveys",
    "moderation",
    "profiles",
    "calibration",
    "plan",
    "evaluation_load",
    "export",
    "open_data",
    "dashboard",
    "merge_queue",
    "text",
    "duplicates",
    "scale",
    "load",
    "live_session",
)
NLP_JSON = Path("var/bench/nlp.json")

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--sizes", type=int, nargs="+", default=list(scale.SIZES))
    parser.add_argument("--queries", type=int, default=scale.QUERIES)
    parser.add_argument("--ideas", nargs="+", default=["10000"], help="load: volumes")
    parser.add_argument("--database", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--load-seconds", default="10", help="load: seconds per scenario")
    parser.add_argument("--write-seconds", default="60", help="load: writes under load")
    parser.add_argument("--live-seconds", type=float, default=120.0, help="live_session: window")
    args = parser.parse_args()
    report: dict[str, object] = {}
    if "pages" in args.only:
        report["pages"] = asyncio.run(pages.measure(args.seconds))
    if "surveys" in args.only:
        report["surveys"] = asyncio.run(surveys.measure(args.seconds))
    if "moderation" in args.only:
        # 5,000 waiting items among 100,000 ideas, in process and over HTTP (wrk).
        with contextlib.redirect_stdout(sys.stderr):
            queue = asyncio.run(
                moderation_queue.measure(None, 100_000, seconds=float(args.load_seconds))
            )
        for view in queue["views"].values():
            del view["plans"]  # `python -m bench.moderation_queue` prints them
        report["moderation_queue"] = queue
    if "profiles" in args.only:
        report["profile_from_cluster"] = asyncio.run(profile_drafting.measure(None, 10_000))
    if "calibration" in args.only:
        # 200 profiles x 4 criteria x 10 evaluators (bench/calibration.py).
        report["calibration"] = asyncio.run(calibration.measure(args.seconds))
    if "export" in args.only:
        # A 10,000-idea process exported as CSV and XLSX (bench/contribution_export.py).
        report["export"] = asyncio.run(contribution_export.measure(10_000, None))
    if "open_data" in args.only:
        # The open-data ZIP of a process at 10,000 and 100,000 contributions
        # (bench/open_data.py).
        report["open_data"] = asyncio.run(open_data.measure_all())
    if "dashboard" in args.only:
        # The participation dashboard at 10,000 ideas: statements, plans, and its page and a
        # CSV file under wrk's load against the bare-framework ceiling (bench/dashboard.py).
        found = dashboard.measure(10_000, float(args.load_seconds))
        del found["plans"]  # `python -m bench.dashboard` prints them
        report["dashboard"] = found
    if "plan" in args.only:
        # The published plan of 200 profiles: its page and its PDF (bench/plan.py).
        report["plan"] = asyncio.run(plan.measure(args.seconds))
    if "merge_queue" in args.only:
        # The duplicates job and page at 10,000 ideas (bench/duplicate_queue.py).
        found = asyncio.run(duplicate_queue.measure(None, duplicate_queue.IDEAS))
        for view in found["views"].values():
            del view["plans"]  # `python -m bench.duplicate_queue` prints them
        with contextlib.redirect_stdout(sys.stderr):
            duplicate_queue.print_table(found)
        report["duplicate_queue"] = found
    if "text" in args.only:
        report["text"] = text.measure()
    # The tables are for people; stdout stays one JSON document.
    with contextlib.redirect_stdout(sys.stderr):
        if "duplicates" in args.only:
            found = duplicates.measure()
            duplicates.print_table(found)
            report["duplicates"] = found
        if "scale" in args.only:
            measured = scale.measure(args.sizes, args.queries)
            scale.print_table(measured)
            report["scale"] = measured
        if "evaluation_load" in args.only:
            # The calibration view and the published plan over HTTP under wrk's load.
            report["evaluation_load"] = evaluation_load.measure(float(args.load_seconds))
        if "load" in args.only:
            report["load"] = load.main(
                ["--ideas", *args.ideas, "--database", *args.database, "--seconds",
                 args.load_seconds, "--write-seconds", args.write_seconds]
            )  # fmt: skip
        if "live_session" in args.only:
            # 60 participants in one live session against one app process (SQLite; the
            # PostgreSQL run: `python -m bench.live_session --database-url URL`).
            found = live_session.measure(60, args.live_seconds)
            live_session.print_table(found)
            report["live_session"] = found
    nlp = {name: report[name] for name in ("duplicates", "scale") if name in report}
    if nlp:
        NLP_JSON.parent.mkdir(parents=True, exist_ok=True)
        NLP_JSON.write_text(json.dumps(nlp, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
