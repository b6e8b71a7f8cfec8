"""The load benchmark over real HTTP: the app with 2 workers on the volume data set
(bench/volume.py), loaded by Debian's `wrk` (-t2 -c64), against the ceiling of a bare
Litestar hello-world app (bench/hello_app.py) on uvicorn with 2 workers in the same run.

For each database and volume it fills (or reuses) a database, serves it with
`participation serve --workers 2`, and measures every scenario of issue 18 for `--seconds`:
home, process page, ideas list (default, page 500, each sort, each filter, a search), the
idea with 200 comments, the moderation queue (signed in as the benchmark's moderator), the
analysis page, the survey results, the API list, /healthz, and idea submission through the
form (with its CSRF token) and the API. Each row: requests/s, p50, p99, answers that are not
2xx/3xx, 5xx, socket errors (timeouts at 30 s), the share of the hello-world ceiling, and
the median time of one request alone (after a warm-up request).

Then the writes under load (`--write-seconds`, default 60; 0 skips them): 64 submitters at
once (32 through the form, 32 through the API, rate limits raised) for that long. Every
acknowledged idea (a 201 with its id, or a redirect to its follow link) is looked up in the
database afterwards; anything but 2xx/3xx and a deliberate 429 counts as an error; the theme
suggestion backlog is how many of the run's ideas have no suggestion yet, at the end and
10 s later.

Usage: `python -m bench.load [--ideas 10000 100000] [--database sqlite postgresql]
[--seconds 10] [--write-seconds 60] [--postgres-url URL]`. SQLite files stay under var/bench/
and are reused; PostgreSQL gets a database per volume beside the one --postgres-url (or
BENCH_DATABASE_URL, TEST_DATABASE_URL) names, filled again unless its description in
var/bench/ matches. The table goes to stderr, the JSON to var/bench/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.analysis_rows import ensure_groups_and_pairs
from bench.profiles import ensure_bench_profile
from bench.volume import FILL_VERSION, Volume, VolumeSpec, build
from participation.db import create_engine, upgrade_database
from participation.settings import Settings

ROOT: Final = Path(__file__).resolve().parents[1]
OUT_DIR: Final = ROOT / "var" / "bench"
LUA: Final = Path(__file__).resolve().parent / "wrk" / "load.lua"
THREADS: Final = 2
CONNECTIONS: Final = 64
WRK_TIMEOUT: Final = "30s"  # a slow page shows as slow, not as a socket timeout at 2 s
# Writes under load: the limits raised so the submitters meet the app, not the limiter.
RAISED_LIMITS: Final = {
    "WRITE_RATE_LIMIT_PER_MINUTE": "1000000",
    "WRITE_RATE_LIMIT_PER_HOUR": "10000000",
}
IDEA_TITLE: Final = "Lasttest {n}"
IDEA_BODY: Final = "Mehr sichere Radwege zwischen den Ortsteilen und der Schule, Idee {n}."
FORM_BODY: Final = (
    "_csrf_token={csrf}&title=Lasttest+{n}&body=Mehr+sichere+Radwege+zwischen+den+Ortsteilen"
    "+und+der+Schule%2C+Idee+{n}.&segment=resident&consent=on"
)
JSON_BODY: Final = json.dumps(
    {"title": IDEA_TITLE, "body": IDEA_BODY, "segment": "resident", "consent": True}
)


# --- wrk's output ------------------------------------------------------------------------------

_UNITS_MS: Final = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE: Final = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_REQUESTS: Final = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.M)
_RATE: Final = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_NON_2XX: Final = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", re.M)
_SOCKET: Final = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.M
)
_COUNTS: Final = re.compile(r"^LOAD_COUNTS (\{.*\})\s*$", re.M)


def parse_wrk(output: str) -> dict[str, Any]:
    """The figures of one `wrk --latency` run (with bench/wrk/load.lua's count line, if
    any): requests/s, p50/p75/p90/p99 in ms, requests, non-2xx/3xx answers, socket errors,
    and the status counts."""
    result: dict[str, Any] = {"requests": 0, "requests_per_second": 0.0}
    if match := _REQUESTS.search(output):
        result["requests"] = int(match.group(1))
    if match := _RATE.search(output):
        result["requests_per_second"] = float(match.group(1))
    for quantile, value, unit in _PERCENTILE.findall(output):
        result[f"p{quantile}_ms"] = round(float(value) * _UNITS_MS[unit], 3)
    match = _NON_2XX.search(output)
    result["non_2xx_3xx"] = int(match.group(1)) if match else 0
    errors = _SOCKET.search(output)
    names = ("connect", "read", "write", "timeout")
    result["socket_errors"] = dict(
        zip(names, (int(n) for n in errors.groups()) if errors else (0, 0, 0, 0), strict=True)
    )
    if match := _COUNTS.search(output):
        result["status"] = json.loads(match.group(1))
    return result


# --- servers -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own server
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


@contextmanager
def serving(
    command: Sequence[str], env: dict[str, str], ready_path: str, log_path: Path
) -> Iterator[str]:
    """Run a server on a free port (the command's "{port}" filled in) until the block ends;
    its base URL. The server runs in its own process group, which is ended with it; its
    output goes to `log_path` (what a 5xx was is in there)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w+b")
    process = subprocess.Popen(  # noqa: S603 - our own commands
        [part.replace("{port}", str(port)) for part in command],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_up(base + ready_path, process)
        yield base
    except Exception:
        log.seek(0)
        sys.stderr.write(log.read()[-4000:].decode(errors="replace"))
        raise
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def app_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "VAR_DIR": str(var_dir),
            "SEED_DEMO": "0",
            "MIGRATE_ON_START": "0",  # migrated when filled; two workers must not race
            "ACCESS_LOG": "0",
            **RAISED_LIMITS,
        }
    )
    env.pop("REDIS_URL", None)
    return env


def app_command() -> list[str]:
    return [str(Path(sys.executable).parent / "participation"), "serve", "--port", "{port}",
            "--workers", "2"]  # fmt: skip


def hello_command() -> list[str]:
    return [sys.executable, "-m", "uvicorn", "bench.hello_app:app", "--port", "{port}",
            "--workers", "2", "--log-level", "warning", "--no-access-log"]  # fmt: skip


# --- a session, as a person in a browser would have it -------------------------------------------


@dataclass(frozen=True)
class Browser:
    cookie: str  # the Cookie header: CSRF cookie and, once signed in, the session
    csrf: str


def _cookie_header(jar: CookieJar) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def browser(base: str, login: tuple[str, str] | None = None) -> Browser:
    """The cookies of a visit to the home page (the CSRF token), signed in if asked."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/login", timeout=60).read()
    csrf = next(c.value or "" for c in jar if c.name == "csrftoken")
    if login:
        data = urllib.parse.urlencode(
            {"email": login[0], "password": login[1], "_csrf_token": csrf}
        ).encode()
        opener.open(base + "/login", data=data, timeout=60).read()
        if not any(c.name != "csrftoken" for c in jar):
            raise RuntimeError(f"signing in as {login[0]} gave no session cookie")
    return Browser(_cookie_header(jar), csrf)


# --- scenarios ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    signed_in: bool = False
    method: str = "GET"
    content_type: str = ""
    body: str = ""  # "{n}" is made unique per request; "{csrf}" is the CSRF token
    writes: bool = False
    pages: int = 0  # the path's "{page}" becomes 1..pages at random per request


def scenarios(volume: Volume, profile_id: int = 0) -> list[Scenario]:
    slug = volume.process_slug
    ideas = f"/processes/{slug}/ideen"
    profile = f"/processes/{slug}/steckbriefe/{profile_id}"
    return [
        Scenario("home", "/"),
        Scenario("process page", f"/processes/{slug}"),
        Scenario("ideas list", ideas),
        Scenario("ideas page 500", f"{ideas}?page=500"),
        # A different page each time: what a crowd costs when no page is kept for it.
        Scenario("ideas, any page", f"{ideas}?page={{page}}", pages=max(1, volume.ideas // 10)),
        Scenario("ideas newest", f"{ideas}?sort=newest"),
        Scenario("ideas most supported", f"{ideas}?sort=supported"),
        Scenario("ideas most discussed", f"{ideas}?sort=discussed"),
        Scenario("ideas by theme", f"{ideas}?theme={volume.theme_slugs[2]}"),
        Scenario("ideas by segment", f"{ideas}?segment=firm"),
        Scenario("ideas by channel", f"{ideas}?channel=workshop"),
        Scenario(
            "ideas by municipality",
            f"{ideas}?municipality={urllib.parse.quote(volume.municipality)}",
        ),
        Scenario("ideas search", f"{ideas}?q=radweg"),
        Scenario("idea, 200 comments", f"/processes/{slug}/ideas/{volume.big_thread_idea_id}"),
        # A project profile built from 600 contributions (bench/profiles.py).
        *([Scenario("profile, 600 sources", profile)] if profile_id else []),
        Scenario("moderation queue", "/moderation/", signed_in=True),
        Scenario("analysis page", f"/analysis/{slug}", signed_in=True),
        # The groups and pairs of bench/analysis_rows.py; the largest group is number 1.
        Scenario("analysis group", f"/analysis/{slug}/groups/1", signed_in=True),
        Scenario("duplicates page", f"/moderation/duplicates?process={slug}", signed_in=True),
        *(
            [
                Scenario("staff profile", f"/admin/steckbriefe/{profile_id}", signed_in=True),
                Scenario(
                    "staff profile list", f"/admin/processes/{slug}/steckbriefe", signed_in=True
                ),
            ]
            if profile_id
            else []
        ),
        Scenario("survey results", f"/surveys/{volume.survey_id}/results", signed_in=True),
        # The staff workbench: the queue's triage facets, the participation dashboard (its
        # figures kept between requests), the insult list, one's own account.
        Scenario("queue, possible spam", "/moderation?spam=1", signed_in=True),
        Scenario("queue, personal data", "/moderation?personal=1", signed_in=True),
        Scenario("dashboard", f"/admin/processes/{slug}/beteiligung", signed_in=True),
        Scenario("insult words", "/moderation/triage/words", signed_in=True),
        Scenario("own account", "/konto", signed_in=True),
        Scenario("API list", f"/api/v1/processes/{slug}/contributions"),
        Scenario("healthz", "/healthz"),
        Scenario(
            "submit (form)",
            f"/processes/{slug}/ideas",
            method="POST",
            content_type="application/x-www-form-urlencoded",
            body=FORM_BODY,
            writes=True,
        ),
        Scenario(
            "submit (API)",
            f"/api/v1/processes/{slug}/ideas",
            method="POST",
            content_type="application/json",
            body=JSON_BODY,
            writes=True,
        ),
    ]


def wrk(
    url: str,
    seconds: float,
    *,
    threads: int = THREADS,
    connections: int = CONNECTIONS,
    method: str = "GET",
    content_type: str = "",
    body: str = "",
    cookie: str = "",
    run: str = "run",
    acked_file: str = "",
    path: str = "",
    pages: int = 0,
) -> subprocess.Popen[str]:
    """Start wrk with bench/wrk/load.lua; read its output with `parse_wrk`."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--latency", "--timeout", WRK_TIMEOUT, "-s", str(LUA), url,
               "--", method, content_type, body, cookie, run, acked_file,
               path, str(pages)]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603


def measure_one(base: str, scenario: Scenario, session: Browser, seconds: float) -> dict[str, Any]:
    body = scenario.body.replace("{csrf}", session.csrf)
    first = scenario.path.replace("{page}", "1")
    # Alone, too, each request asks for a page not asked for before.
    alone = [base + scenario.path.replace("{page}", str(2 + n)) for n in range(4)]
    single = _one_at_a_time(alone, session) if scenario.method == "GET" else None
    process = wrk(
        base + first,
        seconds,
        path=scenario.path if scenario.pages else "",
        pages=scenario.pages,
        method=scenario.method,
        content_type=scenario.content_type,
        body=body,
        cookie=session.cookie,
        run=f"r{int(time.time())}",
    )
    output, _ = process.communicate()
    result = parse_wrk(output)
    if not result["requests"]:  # none finished: its percentiles are not zero
        for key in ("p50_ms", "p75_ms", "p90_ms", "p99_ms"):
            result.pop(key, None)
    result["path"] = scenario.path
    result["single_ms"] = single
    return result


@contextmanager
def hello_and_app(database_url: str, var_dir: Path) -> Iterator[tuple[str, str]]:
    """The bare Litestar app and this app (two workers each) serving side by side: their
    base addresses."""
    with (
        serving(hello_command(), dict(os.environ), "/", var_dir / "hello.log") as hello,
        serving(
            app_command(), app_env(database_url, var_dir), "/healthz", var_dir / "app.log"
        ) as base,
    ):
        yield hello, base


def against_ceiling(
    hello: str, base: str, pages: dict[str, tuple[str, Browser]], seconds: float
) -> dict[str, Any]:
    """The bare app's ceiling, then each page (path, and the browser that asks for it) under
    wrk's load, with its share of that ceiling; the table on stderr as it goes."""
    ceiling = parse_wrk(wrk(hello + "/", seconds).communicate()[0])
    rate = ceiling["requests_per_second"]
    print(f"\nhello-world ceiling {rate:,.0f} req/s", file=sys.stderr)
    print(HEADER, file=sys.stderr)
    measured = {}
    for name, (path, session) in pages.items():
        result = measure_one(base, Scenario(name, path), session, seconds)
        result["share_of_ceiling"] = round(result["requests_per_second"] / rate if rate else 0.0, 4)
        measured[name] = result
        print(row(name, result, rate), file=sys.stderr, flush=True)
    return {"ceiling": ceiling, "pages": measured}


def _one_at_a_time(urls: list[str], session: Browser) -> float | None:
    """The median time of a request alone, after a warm-up request (the first of `urls`), so
    a page's first-use costs (templates, the NLP model) are left out; None if it failed or
    took over 60 s."""
    times = []
    for attempt, url in enumerate(urls):
        request = urllib.request.Request(url, headers={"Cookie": session.cookie})  # noqa: S310
        started = time.perf_counter()
        try:
            urllib.request.urlopen(request, timeout=60).read()  # noqa: S310 - our own server
        except (OSError, urllib.error.URLError):
            return None
        if attempt:
            times.append(time.perf_counter() - started)
    return round(sorted(times)[len(times) // 2] * 1000, 1)


def row(name: str, result: dict[str, Any], ceiling: float) -> str:
    rate = result.get("requests_per_second", 0.0)
    share = 100 * rate / ceiling if ceiling else 0.0
    five = result.get("status", {}).get("5xx", "?")
    p50, p99 = result.get("p50_ms", float("nan")), result.get("p99_ms", float("nan"))
    return (
        f"{name:<24} {rate:>9.1f} {p50:>9.1f} {p99:>9.1f} {result.get('non_2xx_3xx', 0):>8}"
        f" {five:>6} {sum(result['socket_errors'].values()):>6} {share:>6.1f}%"
        f" {result.get('single_ms') or float('nan'):>9.1f}"
    )


HEADER: Final = (
    f"{'scenario':<24} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'non-2/3':>8} {'5xx':>6}"
    f" {'sock':>6} {'share':>7} {'alone ms':>9}"
)


# --- databases ---------------------------------------------------------------------------------


def _postgres_server_url(given: str | None) -> str | None:
    return given or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")


def _reset_postgres(url: str) -> None:
    """Create the database `url` names afresh (dropping it first)."""
    import asyncpg

    parsed = make_url(url)

    async def run() -> None:
        conn = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database="postgres",
        )
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{parsed.database}"')
        finally:
            await conn.close()

    asyncio.run(run())


def _published_ideas(url: str, slug: str) -> int:
    async def run() -> int:
        engine = create_engine(replace(Settings.from_env(), database_url=url))
        try:
            async with engine.connect() as conn:
                return int(
                    await conn.scalar(
                        sa.text(
                            "SELECT count(*) FROM contribution JOIN process"
                            " ON process.id = contribution.process_id WHERE process.slug = :s"
                            " AND kind = 'idea' AND status = 'published'"
                        ),
                        {"s": slug},
                    )
                    or 0
                )
        except sa.exc.DBAPIError:
            return -1
        finally:
            await engine.dispose()

    return asyncio.run(run())


def volume_database(
    database: str, ideas: int, seed: int, pg_server: str | None
) -> tuple[str, Volume]:
    """The URL of a database filled with `ideas` (reused when its description says so and
    its published ideas agree), and what is in it."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    description = OUT_DIR / f"volume-{database}-{ideas}-{seed}.json"
    if database == "sqlite":
        path = OUT_DIR / f"volume-{ideas}-{seed}.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        if not pg_server:
            raise SystemExit("PostgreSQL: give --postgres-url or set BENCH_DATABASE_URL")
        server = make_url(pg_server)
        url = server.set(database=f"{server.database}_volume_{ideas}").render_as_string(
            hide_password=False
        )
    if description.exists():
        known = json.loads(description.read_text(encoding="utf-8"))
        volume = Volume.from_json(known["volume"])
        if (
            known["url"] == url
            and known.get("fill") == FILL_VERSION
            and _published_ideas(url, volume.process_slug) == ideas
        ):
            upgrade_database(url)  # migrations newer than the fill
            return url, volume
    print(f"filling {database} with {ideas:,} ideas ...", file=sys.stderr)
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _reset_postgres(url)
    volume = build(url, VolumeSpec(ideas=ideas, seed=seed))
    print(f"filled in {volume.seconds:.0f} s", file=sys.stderr)
    description.write_text(
        json.dumps({"url": url, "fill": FILL_VERSION, "volume": volume.to_json()}, indent=2),
        encoding="utf-8",
    )
    return url, volume


# --- writes under load -------------------------------------------------------------------------


async def _stored(url: str, ids: list[int], tokens: list[str]) -> dict[str, int]:
    """How many of the acknowledged ideas are in the database, and how many of those the
    tagger has not seen yet (the backlog): it sets `theme_uncertainty` on every item it
    tags, with or without a suggestion."""
    hashes = [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    engine = create_engine(replace(Settings.from_env(), database_url=url))
    found: list[int] = []
    try:
        async with engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = await conn.execute(
                    sa.text("SELECT id FROM contribution WHERE id IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"ids": chunk},
                )
                found.extend(r[0] for r in rows)
            for start in range(0, len(hashes), 500):
                rows = await conn.execute(
                    sa.text("SELECT id FROM contribution WHERE follow_token_hash IN :h").bindparams(
                        sa.bindparam("h", expanding=True)
                    ),
                    {"h": hashes[start : start + 500]},
                )
                found.extend(r[0] for r in rows)
            without = 0
            for start in range(0, len(found), 500):
                chunk = found[start : start + 500]
                without += int(
                    await conn.scalar(
                        sa.text(
                            "SELECT count(*) FROM contribution c WHERE c.id IN :ids"
                            " AND c.theme_uncertainty IS NULL AND NOT EXISTS"
                            " (SELECT 1 FROM contribution_theme t"
                            " WHERE t.contribution_id = c.id)"
                        ).bindparams(sa.bindparam("ids", expanding=True)),
                        {"ids": chunk},
                    )
                    or 0
                )
    finally:
        await engine.dispose()
    return {"stored": len(set(found)), "without_suggestion": without}


def _acknowledged(path: Path) -> tuple[list[int], list[str]]:
    ids: list[int] = []
    tokens: list[str] = []
    if not path.exists():
        return ids, tokens
    for line in path.read_text(encoding="utf-8").splitlines():
        kind, _, value = line.partition(" ")
        if kind == "id":
            ids.append(int(value))
        elif kind == "follow":
            tokens.append(urllib.parse.urlsplit(value).path.rstrip("/").rsplit("/", 1)[-1])
    return ids, tokens


def measure_writes(base: str, url: str, volume: Volume, seconds: float) -> dict[str, Any]:
    """64 submitters at once for `seconds`: 32 through the form, 32 through the API."""
    session = browser(base)
    slug = volume.process_slug
    run = f"w{int(time.time())}"
    with tempfile.TemporaryDirectory() as tmp:
        form_file, api_file = Path(tmp) / "form.txt", Path(tmp) / "api.txt"
        half = CONNECTIONS // 2
        form = wrk(
            f"{base}/processes/{slug}/ideas", seconds, threads=1, connections=half,
            method="POST", content_type="application/x-www-form-urlencoded",
            body=FORM_BODY.replace("{csrf}", session.csrf), cookie=session.cookie,
            run=run + "f", acked_file=str(form_file),
        )  # fmt: skip
        api = wrk(
            f"{base}/api/v1/processes/{slug}/ideas", seconds, threads=1, connections=half,
            method="POST", content_type="application/json", body=JSON_BODY,
            run=run + "a", acked_file=str(api_file),
        )  # fmt: skip
        results = {"form": parse_wrk(form.communicate()[0]), "api": parse_wrk(api.communicate()[0])}
        ids, _ = _acknowledged(api_file)
        _, tokens = _acknowledged(form_file)
    at_end = asyncio.run(_stored(url, ids, tokens))
    time.sleep(10)
    later = asyncio.run(_stored(url, ids, tokens))
    errors = 0
    for result in results.values():
        status = result.get("status", {})
        errors += status.get("4xx", 0) + status.get("5xx", 0)
        errors += sum(result["socket_errors"].values())
    return {
        "seconds": seconds,
        "submitters": CONNECTIONS,
        "acknowledged": len(ids) + len(tokens),
        "stored": at_end["stored"],
        "errors": errors,
        "rate_limited_429": sum(r.get("status", {}).get("429", 0) for r in results.values()),
        "backlog_at_end": at_end["without_suggestion"],
        "backlog_10s_later": later["without_suggestion"],
        "form": results["form"],
        "api": results["api"],
    }


# --- the run -----------------------------------------------------------------------------------


def run(
    databases: Sequence[str],
    sizes: Sequence[int],
    seconds: float,
    write_seconds: float,
    pg_server: str | None,
    seed: int = 0,
    only: Sequence[str] = (),
) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: `make bench` installs it (apt-get install wrk)")
    report: dict[str, Any] = {"connections": CONNECTIONS, "threads": THREADS, "runs": []}
    with serving(hello_command(), dict(os.environ), "/", OUT_DIR / "hello.log") as hello:
        for database in databases:
            for ideas in sizes:
                url, volume = volume_database(database, ideas, seed, pg_server)
                profile_id = ensure_bench_profile(url, volume.process_slug)
                ensure_groups_and_pairs(url, volume.process_slug, OUT_DIR / "nlp")
                ceiling = parse_wrk(wrk(hello + "/", seconds).communicate()[0])
                rate = ceiling["requests_per_second"]
                print(f"\n{database}, {ideas:,} ideas; hello-world ceiling {rate:,.0f} req/s"
                      f" (p99 {ceiling.get('p99_ms', 0):.1f} ms)", file=sys.stderr)  # fmt: skip
                print(HEADER, file=sys.stderr)
                entry: dict[str, Any] = {
                    "database": database, "ideas": ideas, "ceiling": ceiling, "scenarios": {},
                }  # fmt: skip
                var_dir = OUT_DIR / f"serve-{database}-{ideas}"
                var_dir.mkdir(parents=True, exist_ok=True)
                with serving(
                    app_command(), app_env(url, var_dir), "/healthz", var_dir / "server.log"
                ) as base:
                    anonymous = browser(base)
                    staff = browser(base, (volume.moderator.email, volume.moderator.password))
                    for scenario in scenarios(volume, profile_id):
                        if only and scenario.name not in only:
                            continue
                        session = staff if scenario.signed_in else anonymous
                        result = measure_one(base, scenario, session, seconds)
                        result["share_of_ceiling"] = round(
                            result["requests_per_second"] / rate if rate else 0.0, 4
                        )
                        entry["scenarios"][scenario.name] = result
                        print(row(scenario.name, result, rate), file=sys.stderr, flush=True)
                    if write_seconds > 0:
                        writes = measure_writes(base, url, volume, write_seconds)
                        entry["writes"] = writes
                        print_writes(writes)
                report["runs"].append(entry)
    return report


def print_writes(writes: dict[str, Any]) -> None:
    p99 = max(writes["form"].get("p99_ms", 0.0), writes["api"].get("p99_ms", 0.0))
    print(
        f"writes: {writes['submitters']} submitters, {writes['seconds']:.0f} s:"
        f" {writes['acknowledged']} acknowledged, {writes['stored']} stored,"
        f" {writes['errors']} errors, {writes['rate_limited_429']} 429,"
        f" p99 {p99:.0f} ms (form {writes['form'].get('p99_ms', 0):.0f},"
        f" API {writes['api'].get('p99_ms', 0):.0f}); suggestion backlog"
        f" {writes['backlog_at_end']} at the end, {writes['backlog_10s_later']} 10 s later",
        file=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, nargs="+", default=[10_000])
    parser.add_argument("--database", nargs="+", choices=("sqlite", "postgresql"),
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--write-seconds", type=float, default=60.0)
    parser.add_argument("--postgres-url")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", nargs="+", default=[], help="only these (by name)")
    args = parser.parse_args(argv)
    pg_server = _postgres_server_url(args.postgres_url)
    databases = list(args.database)
    if "postgresql" in databases and not pg_server:
        print("PostgreSQL skipped: no --postgres-url or BENCH_DATABASE_URL", file=sys.stderr)
        databases.remove("postgresql")
    report = run(
        databases,
        args.ideas,
        args.seconds,
        args.write_seconds,
        pg_server,
        args.seed,
        args.scenario,
    )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "load.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
