"""Command line: `participation serve`, `participation users create`, `participation db upgrade`,
`participation seed`."""

from __future__ import annotations

import asyncio
import copy
import getpass
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import uvicorn

from participation.bootstrap import (
    DatabaseNotReady,
    describe_database,
    prepare_database,
    read_demo_login,
    ready_database,
)
from participation.cli_triage import triage_group
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.i18n import current_locale
from participation.models import Role
from participation.private_paths import RedactTokens
from participation.services.errors import ValidationFailed
from participation.services.seed import DemoLogins
from participation.services.users import create_user
from participation.settings import Settings, SettingsError


@click.group()
@click.pass_context
def main(context: click.Context) -> None:
    """Citizen participation platform."""
    # The commands speak English, and so do the messages they pass on from the services
    # (which translate into the current locale, German by default). `serve` leaves the
    # locale alone: the web app chooses one per request.
    if context.invoked_subcommand != "serve":
        token = current_locale.set("en")
        context.call_on_close(lambda: current_locale.reset(token))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Migrate, seed the demo on first start, and serve the app."""
    settings = _settings()
    try:
        asyncio.run(ready_database(settings))
    except DatabaseNotReady as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"\n  Participation platform: http://{host}:{port}/")
    click.echo(f"  Database: {describe_database(settings)}")
    login = read_demo_login(settings)
    if login is not None:
        _echo_demo_logins(login, "  ")
        click.echo(f"  (stored in {settings.var_dir / 'demo-login.txt'})")
    else:
        click.echo("  Create a moderator: participation users create --email … --role moderator")
    if settings.redis_url:
        click.echo("  Background jobs: in Redis, run by `participation worker` (start one).")
    elif workers > 1:
        click.echo(
            "  Warning: without REDIS_URL each of the workers runs background jobs itself, and "
            "one that restarts marks the others' running jobs as failed. Set REDIS_URL and "
            "run `participation worker` beside them."
        )
    click.echo("")
    # Done above, once: the app processes need not migrate or look for the demo again.
    os.environ["MIGRATE_ON_START"] = "false"
    os.environ["SEED_DEMO"] = "false"
    uvicorn.run(
        "participation.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=settings.trusted_proxy,
        access_log=settings.access_log,
        log_config=uvicorn_log_config(),
        server_header=False,
        # With --workers, uvicorn kills a worker that does not answer its ping in time (5 s by
        # default); a worker loading the German text analyser on a busy host can take longer.
        timeout_worker_healthcheck=30,
    )


@main.command()
@click.option("--check", is_flag=True, help="Exit 0 if a worker is running, 1 if none (health).")
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then stop.")
def worker(check: bool, burst: bool) -> None:
    """Run the background jobs (clustering, retraining) that the app queues in Redis
    (REDIS_URL), one at a time, until stopped. Run one per installation."""
    import logging

    from participation.saq_jobs import check_worker, run_worker

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException(
            "REDIS_URL is not set: without it, each app process runs its jobs itself."
        )
    if check:
        sys.exit(asyncio.run(check_worker(settings.redis_url)))
    try:
        # The app migrates (MIGRATE_ON_START); the worker only checks the database is usable.
        asyncio.run(ready_database(replace(settings, migrate_on_start=False, seed_demo=False)))
    except DatabaseNotReady as problem:
        raise click.ClickException(str(problem)) from None
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    click.echo(f"Job worker: database {describe_database(settings)}")
    asyncio.run(run_worker(settings, burst=burst))


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging, with the tokens taken out of the access log's paths (ACCESS_LOG)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    # By name: with --workers, each process configures its logging from this dict.
    redactor = f"{RedactTokens.__module__}.{RedactTokens.__qualname__}"
    config.setdefault("filters", {})["redact_tokens"] = {"()": redactor}
    config["handlers"]["access"].setdefault("filters", []).append("redact_tokens")
    return config


def _echo_demo_logins(login: DemoLogins, indent: str = "") -> None:
    click.echo(f"{indent}Demo moderator: {login.moderator.email} / {login.moderator.password}")
    if login.admin is not None:
        click.echo(f"{indent}Demo admin: {login.admin.email} / {login.admin.password}")
    for juror in login.jurors:
        click.echo(f"{indent}Demo juror: {juror.email} / {juror.password}")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    upgrade_database(_settings().database_url)
    click.echo("Database is up to date.")


@db.command("optimize")
def db_optimize() -> None:
    """Refresh the query planner's statistics (the app also does this at start and after an
    import)."""
    from participation.services.maintenance import optimize

    settings = _settings()

    async def run() -> None:
        engine = create_engine(settings)
        try:
            await optimize(engine)
        finally:
            await engine.dispose()

    upgrade_database(settings.database_url)
    asyncio.run(run())
    click.echo("Statistics are up to date.")


@db.command("recount")
def db_recount() -> None:
    """Set every idea's support and comment counts and every process's count of published
    ideas to what is stored (triggers keep them; this repairs them should they drift)."""
    from participation.services.maintenance import Recount, recount

    settings = _settings()

    async def run() -> Recount:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                return await recount(session)
        finally:
            await engine.dispose()

    upgrade_database(settings.database_url)
    fixed = asyncio.run(run())
    click.echo(
        f"Repaired {fixed.supports} support counts, {fixed.comments} comment counts"
        f" and {fixed.processes} counts of published ideas."
    )


@main.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Write a consistent copy of the database to PATH; the app may keep running (SQLite: its
    online backup; PostgreSQL: pg_dump's custom format)."""
    from participation.backup import BackupError, backup

    settings = _settings()
    try:
        backup(settings, path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {describe_database(settings)} to {path}.")


@main.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Replace the database's content with the backup in PATH and migrate it to this version.
    Stop the app and any `participation worker` first."""
    from participation.backup import BackupError, restore

    settings = _settings()
    click.echo(
        f"Restoring {path} into {describe_database(settings)}; "
        "the app and its workers must be stopped meanwhile."
    )
    try:
        restored = restore(settings, path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored the backup (migration {restored.revision}), migrated to {restored.head}. "
        "Start the app again."
    )


@main.command()
def seed() -> None:
    """Seed the demo process into an empty database (does nothing otherwise)."""
    settings = replace(_settings(), seed_demo=True)
    login = asyncio.run(prepare_database(settings))
    if login is None:
        click.echo("The database already holds processes; nothing seeded.")
    else:
        click.echo("Seeded the demo.")
        _echo_demo_logins(login)


@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", "display_name", default="", help="Name shown to colleagues.")
@click.option(
    "--password",
    default=None,
    help="Omit to be asked (safer: it stays out of the shell history). "
    "Or set PARTICIPATION_PASSWORD.",
    envvar="PARTICIPATION_PASSWORD",
)
def users_create(email: str, role: str, display_name: str, password: str | None) -> None:
    """Create a staff account: participation users create --email … --role moderator"""
    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat password: "):
            raise click.ClickException("The passwords differ.")
    settings = _settings()

    async def create() -> None:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                await create_user(
                    session,
                    email=email,
                    password=password,
                    role=Role(role),
                    display_name=display_name,
                )
        finally:
            await engine.dispose()

    upgrade_database(settings.database_url)
    try:
        asyncio.run(create())
    except ValidationFailed as failed:
        for field, message in failed.errors.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(1)
    click.echo(f"Created {role} {email}.")


@users.command("scope")
@click.argument("email")
@click.option(
    "--process",
    "entries",
    multiple=True,
    metavar="SLUG[:FIELD,FIELD]",
    help="A process the person works in, optionally only some of its action fields (their "
    "slugs). Repeat for several processes.",
)
@click.option("--everywhere", is_flag=True, help="Lift every limit.")
def users_scope(email: str, entries: tuple[str, ...], everywhere: bool) -> None:
    """Limit a staff account to processes and action fields, or show its scope:
    participation users scope anna@example.org --process itas:mobilitaet"""
    from participation.services.accounts import remit
    from participation.services.users import get_by_email

    settings = _settings()

    async def work() -> list[str]:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                user = await get_by_email(session, email)
                if user is None:
                    raise click.ClickException(f"No account with the address {email}.")
                if entries or everywhere:
                    limits = await remit.limits_from_slugs(session, entries)
                    await remit.set_scope(session, user, limits)
                lines = await remit.describe_scope(session, user.id or 0)
        finally:
            await engine.dispose()
        return [
            f"{line.process.slug}: "
            + (", ".join(t.slug for t in line.fields) or "the whole process")
            for line in lines
        ] or ["every process"]

    if entries and everywhere:
        raise click.UsageError("Give --process or --everywhere, not both.")
    upgrade_database(settings.database_url)
    try:
        lines = asyncio.run(work())
    except ValidationFailed as failed:
        raise click.ClickException(" ".join(failed.errors.values())) from None
    click.echo(f"{email} works in:")
    for line in lines:
        click.echo(f"  {line}")


@users.command("token")
@click.argument("email")
@click.option("--name", default="Kommandozeile", show_default=True, help="What the token is for.")
def users_token(email: str, name: str) -> None:
    """Make a personal access token for the staff API and print it (shown only now)."""
    from participation.services import tokens
    from participation.services.users import get_by_email

    settings = _settings()

    async def make() -> str | None:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                user = await get_by_email(session, email)
                if user is None or not user.is_active:
                    return None
                return (await tokens.create_token(session, user, name)).token
        finally:
            await engine.dispose()

    upgrade_database(settings.database_url)
    try:
        token = asyncio.run(make())
    except ValidationFailed as failed:
        raise click.ClickException(" ".join(failed.errors.values())) from None
    if token is None:
        raise click.ClickException(f"No active account with the address {email}.")
    click.echo(token)
    click.echo("Keep it safe: it is shown only this once.", err=True)


@main.group("nlp")
def nlp_group() -> None:
    """German text analysis: models for a process, evaluation on labelled data."""


def _split_columns(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@nlp_group.command("evaluate")
@click.option("--csv", "csv_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--text", "text_columns", default="title,text", show_default=True)
@click.option("--labels", "label_columns", required=True, help="COL[,COL…]")
@click.option("--multilabel", is_flag=True, help="Several 0/1 label columns per row.")
@click.option("--group", "group_column", default=None, help="Also report per value of COL.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--learning-curve", "curve", default="", help="Sizes, e.g. 50,100,200,400.")
@click.option("--seeds", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option(
    "--repeats",
    default=1,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Repeat the cross-validation under N shuffles and report mean and deviation.",
)
@click.option("--seed-share", default=0.2, show_default=True, type=click.FloatRange(0, 0.9))
@click.option("--clustering-only", is_flag=True, help="Skip the tagger; evaluate clustering.")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
def nlp_evaluate(
    csv_path: str,
    text_columns: str,
    label_columns: str,
    multilabel: bool,
    group_column: str | None,
    folds: int,
    curve: str,
    seeds: int,
    repeats: int,
    seed_share: float,
    clustering_only: bool,
    as_json: bool,
) -> None:
    """Cross-validate the platform's tagger (and clustering) on a labelled CSV.

    The clustering is measured twice: without labels, and seeded with the labels of a random
    --seed-share of the items as confirmed themes (then also on the other items alone)."""
    from nlp.datasets import DatasetError, read_csv
    from nlp.evaluation import evaluate
    from nlp.text import default_analyzer

    try:
        dataset = read_csv(
            Path(csv_path),
            _split_columns(text_columns),
            _split_columns(label_columns),
            multilabel=multilabel,
            group_column=group_column,
        )
        sizes = [int(size) for size in _split_columns(curve)]
    except (DatasetError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    report = evaluate(
        dataset,
        default_analyzer(),
        folds=folds,
        curve_sizes=sizes,
        seeds=seeds,
        repeats=repeats,
        seed_share=seed_share,
        clustering_only=clustering_only,
        on_progress=lambda message: click.echo(message, err=True),
    )
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"{report['data']['items']} items, {len(dataset.label_names)} labels")
    if "cross_validation" in report:
        _echo_tagger_report(report, folds)
    _echo_clustering_report(report["clustering"])
    click.echo(f"timings: {report['timings']}")


def _echo_tagger_report(report: dict[str, Any], folds: int) -> None:
    cv = report["cross_validation"]
    click.echo(
        f"{folds}-fold CV: accuracy {cv['accuracy']:.3f}, micro-F1 {cv['micro_f1']:.3f}, "
        f"macro-F1 {cv['macro_f1']:.3f}"
    )
    first = cv["first_label"]
    click.echo(
        f"  its predictions against the first label: NMI {first['nmi']:.3f}, "
        f"ARI {first['ari']:.3f} (what groups found without labels are measured by)"
    )
    if "repeated_cross_validation" in report:
        rep = report["repeated_cross_validation"]
        mean, std = rep["mean"], rep["std"]
        click.echo(
            f"  over {rep['repeats']} shuffles: micro-F1 {mean['micro_f1']:.3f} "
            f"± {std['micro_f1']:.3f}, macro-F1 {mean['macro_f1']:.3f} ± {std['macro_f1']:.3f}"
        )
    if "learning_curve" in report:
        lc = report["learning_curve"]
        for i, size in enumerate(lc["sizes"]):
            click.echo(
                f"  {size:5d} labelled: macro-F1 active {lc['active']['macro_f1'][i]:.3f}, "
                f"random {lc['random']['macro_f1'][i]:.3f}"
            )


def _echo_clustering_report(cl: dict[str, Any]) -> None:
    def k_line(part: dict[str, Any]) -> str:
        low, high = part["k_bounds"]
        return f"k={part['k']} of {low}-{high} (silhouette alone: k={part['silhouette_k']})"

    click.echo(
        f"clustering ({cl['items']} items, against the {cl['reference']}): {k_line(cl)},"
        f" NMI {cl['nmi']:.3f}, ARI {cl['ari']:.3f}"
    )
    if "label_set" in cl:
        click.echo(
            f"  against the label set: NMI {cl['label_set']['nmi']:.3f},"
            f" ARI {cl['label_set']['ari']:.3f}"
        )
    if "seeded" in cl:
        seeded, every, others = (
            cl["seeded"],
            cl["seeded"]["all_items"],
            cl["seeded"]["unseeded_items"],
        )
        click.echo(
            f"seeded with {seeded['seeds']} items' labels ({seeded['seed_share']:.0%},"
            f" {seeded['seed_themes']} themes): {k_line(seeded)}; all items NMI {every['nmi']:.3f},"
            f" ARI {every['ari']:.3f}; the {others['items']} unseeded items NMI"
            f" {others['nmi']:.3f}, ARI {others['ari']:.3f}"
        )
        top = seeded["theme_level"]
        click.echo(
            f"  first level ({top['groups']} groups: each theme's groups as one): all items"
            f" NMI {top['all_items']['nmi']:.3f}, ARI {top['all_items']['ari']:.3f};"
            f" unseeded items NMI {top['unseeded_items']['nmi']:.3f},"
            f" ARI {top['unseeded_items']['ari']:.3f}"
        )


@nlp_group.command("train")
@click.argument("process")
@click.option("--force", is_flag=True, help="Train even if the saved model has the same data.")
def nlp_train(process: str, force: bool) -> None:
    """Train the theme tagger of PROCESS (its slug) on the themes moderators confirmed, keep
    it (under var/models/) only if it beats the keywords of the action fields under
    cross-validation, and renew the suggestions of its pending contributions."""
    from participation.services.errors import NotFound
    from participation.services.tagging import NotEnoughTrainingData, RetrainResult, retrain

    settings = _settings()

    async def run() -> RetrainResult:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                return await retrain(session, settings.var_dir, process, force=force)
        finally:
            await engine.dispose()

    try:
        result = asyncio.run(run())
    except NotFound:
        raise click.ClickException(f"There is no process {process!r}.") from None
    except NotEnoughTrainingData as error:
        raise click.ClickException(str(error)) from None
    comparison = result.report.comparison
    done = "Trained" if result.trained else "Unchanged data since the last training"
    click.echo(f"{done} on {result.items} contributions ({result.themes} themes).")
    click.echo(
        f"{comparison.folds}-fold cross-validation on the same contributions: micro-F1 "
        f"{comparison.trained.micro_f1:.3f} trained model, {comparison.keywords.micro_f1:.3f} "
        f"keywords (macro-F1 {comparison.trained.macro_f1:.3f} and "
        f"{comparison.keywords.macro_f1:.3f})."
    )
    if result.in_use == "trained":
        click.echo(f"In use: the trained model, saved as {result.path}.")
    else:
        click.echo("In use: the keywords of the action fields; the trained model is not saved.")
    click.echo(f"Renewed suggestions for {result.suggested} pending contributions.")


@nlp_group.command("cluster")
@click.argument("process")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same groups.")
@click.option(
    "--k", "k", default=None, type=click.IntRange(min=2), help="Number of groups (default: chosen)."
)
def nlp_cluster(process: str, seed: int, k: int | None) -> None:
    """Group the published ideas of PROCESS (its slug) by similarity, store the groups (the
    analysis page shows them) and print them."""
    import time

    from participation.services.clusters import ClusteringFailed, RunView, run_clustering, run_view
    from participation.services.processes import get_process

    settings = _settings()

    async def run() -> tuple[RunView, float] | None:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                overview = await get_process(session, process)
                if overview is None or overview.process.id is None:
                    return None
                started = time.perf_counter()
                stored = await run_clustering(
                    session, settings.var_dir, overview.process.id, seed=seed, k=k
                )
                seconds = time.perf_counter() - started
                return await run_view(session, stored), seconds
        finally:
            await engine.dispose()

    upgrade_database(settings.database_url)
    try:
        result = asyncio.run(run())
    except ClusteringFailed as error:
        raise click.ClickException(str(error)) from None
    if result is None:
        raise click.ClickException(f"There is no process {process!r}.")
    view, seconds = result
    click.echo(
        f"{view.run.items} published contributions in {view.run.k} groups "
        f"(silhouette {view.run.silhouette:.3f}, {seconds:.1f} s); stored as run {view.run.id}."
    )
    for group in view.clusters:
        click.echo(f"\n{group.number}. {group.cluster.name} ({group.cluster.size} ideas)")
        click.echo(f"   terms: {', '.join(group.cluster.top_terms)}")
        for idea in group.representatives:
            click.echo(f"   - {idea.title} (#{idea.id})")


@nlp_group.command("convert-tempelhofer")
@click.argument("json_path", type=click.Path(exists=True, dir_okay=False))
@click.argument("csv_path", type=click.Path(dir_okay=False, writable=True))
def nlp_convert_tempelhofer(json_path: str, csv_path: str) -> None:
    """Write the Tempelhofer Feld proposals (proposals.json) as CSV: id, title, text,
    category, tags, comments."""
    from nlp.datasets import DatasetError, tempelhofer_rows, write_rows

    try:
        rows = tempelhofer_rows(Path(json_path))
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
    write_rows(rows, Path(csv_path))
    click.echo(f"Wrote {len(rows)} proposals to {csv_path}.")


# --- import of offline and earlier contributions (services/importing.py, services/corpora.py)


@main.command("import")
@click.argument("process")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--mapping", default="", help="FIELD=COLUMN,…; unnamed fields by header name.")
@click.option("--dry-run", is_flag=True, help="Check every row and list the errors; store nothing.")
@click.option(
    "--channel",
    default="import",
    show_default=True,
    type=click.Choice(["workshop", "survey", "focus_group", "import"]),
    help="For rows without a channel column.",
)
@click.option(
    "--segment",
    default="other",
    show_default=True,
    type=click.Choice(["resident", "pupil", "firm", "expert", "other"]),
    help="For rows without a segment column.",
)
@click.option("--moderate", is_flag=True, help="Put the items into the moderation queue.")
def import_command(
    process: str,
    file: str,
    mapping: str,
    dry_run: bool,
    channel: str,
    segment: str,
    moderate: bool,
) -> None:
    """Import contributions into PROCESS (its slug) from a CSV or XLSX FILE, all or nothing.
    Fields: title, text, segment, channel, municipality, themes, created."""
    from participation.services.importing import run_file_import

    settings = _settings()
    upgrade_database(settings.database_url)
    code = asyncio.run(
        run_file_import(
            settings,
            process,
            Path(file),
            mapping,
            dry_run=dry_run,
            channel=channel,
            segment=segment,
            to_moderation=moderate,
            echo=click.echo,
        )
    )
    sys.exit(code)


@main.command("import-corpus")
@click.argument("corpus", type=click.Choice(["ottensen", "tempelhofer"]))
@click.argument("process")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_corpus_command(corpus: str, process: str, path: str) -> None:
    """Import a shared corpus (../shared/data: freiraum-ottensen/contributions.csv or
    tempelhofer-feld/proposals.json) into PROCESS (its slug)."""
    from participation.services.corpora import run_corpus_import

    settings = _settings()
    upgrade_database(settings.database_url)
    sys.exit(asyncio.run(run_corpus_import(settings, corpus, process, Path(path), click.echo)))


@main.group("mail")
def mail_group() -> None:
    """E-mail to residents (the outbox)."""


@mail_group.command("send-pending")
def mail_send_pending() -> None:
    """Send the e-mails that are due once, and say how many went out (for cron or a check)."""
    from participation.mail_sender import send_pending

    settings = _settings()
    if settings.mail is None:
        raise click.ClickException("SMTP_HOST is not set: sending e-mail is off.")
    mail_settings = settings.mail

    async def send() -> tuple[int, int]:
        engine = create_engine(settings)
        try:
            result = await send_pending(create_sessionmaker(engine), mail_settings)
        finally:
            await engine.dispose()
        return result.sent, result.failed

    sent, failed = asyncio.run(send())
    click.echo(f"Sent: {sent}, failed: {failed}")
    sys.exit(1 if failed else 0)


@main.group("privacy")
def privacy_group() -> None:
    """Personal data: deleting it after the retention period (RETENTION_DAYS)."""


@privacy_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def privacy_purge(dry_run: bool) -> None:
    """Delete the personal data of processes that ended more than RETENTION_DAYS ago, and
    sent e-mails older than that (the app also does this daily)."""
    from participation.models import utcnow
    from participation.services.retention import PurgeReport, purge

    settings = _settings()

    async def run() -> PurgeReport:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                return await purge(session, utcnow(), settings.retention_days, dry_run=dry_run)
        finally:
            await engine.dispose()

    upgrade_database(settings.database_url)
    report = asyncio.run(run())
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} personal data past the retention period of {settings.retention_days} days.")
    for line in report.lines():
        click.echo(f"  {line}")


# Spam and personal-data triage (participation/cli_triage.py).
main.add_command(triage_group)


if __name__ == "__main__":
    main()
