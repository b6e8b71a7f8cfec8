"""The evaluation's pages over real HTTP under concurrent load: the calibration view (signed
in as an admin) and the published plan (anonymous) at the size of a real plan, 200 profiles
rated by 10 evaluators on 4 criteria (bench/calibration.py fills it), served by `participation
serve` with two workers on SQLite and loaded by Debian's `wrk` (-t2 -c64), beside a bare
Litestar app's ceiling on the same machine (bench/load.py's servers and wrk script).

Usage: `python -m bench.evaluation_load [--seconds 10]` (make bench: `--only evaluation_load`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from bench import load
from bench.calibration import ADMIN, fill_and_publish
from participation.db import create_engine, upgrade_database
from participation.settings import Settings

SLUG: Final = "bewertung"  # bench/calibration.py's process


async def _fill_and_publish(settings: Settings) -> int:
    """The rated round, its groups proposed and the plan published; the round's id."""
    engine = create_engine(settings)
    try:
        return await fill_and_publish(engine)
    finally:
        await engine.dispose()


def measure(seconds: float) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: `make bench` installs it (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        url = f"sqlite+aiosqlite:///{var_dir}/bench.sqlite3"
        settings = replace(Settings.from_env(), var_dir=var_dir, database_url=url)
        upgrade_database(url)
        round_id = asyncio.run(_fill_and_publish(settings))
        pages = {
            "calibration view (admin)": (f"/admin/bewertung/runden/{round_id}/kalibrierung", True),
            "published plan": (f"/processes/{SLUG}/plan", False),
            "plan by action field": (f"/processes/{SLUG}/plan?ansicht=handlungsfelder", False),
        }
        report: dict[str, Any] = {"profiles": 200, "evaluators": 10, "criteria": 4}
        with load.hello_and_app(url, var_dir) as (hello, base):
            anonymous = load.browser(base)
            admin = load.browser(base, ADMIN)
            chosen = {
                name: (path, admin if signed_in else anonymous)
                for name, (path, signed_in) in pages.items()
            }
            report |= load.against_ceiling(hello, base, chosen, seconds)
    return report


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    report = measure(args.seconds)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
