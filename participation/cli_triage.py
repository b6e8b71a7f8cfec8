"""`participation triage`: scoring stored contributions for spam and personal data (the
backfill after migration 0023, or after the insult list or the classifier changed), and
training a process's spam classifier by hand."""

from __future__ import annotations

import asyncio

import click
from sqlmodel import select

from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import Process
from participation.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@click.group("triage")
def triage_group() -> None:
    """Spam and personal-data triage of contributions."""


@triage_group.command("rescore")
@click.option("--process", "slug", required=True, help="The process's slug.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--only-unscored", is_flag=True, help="Skip contributions scored before.")
def rescore(slug: str, batch: int, only_unscored: bool) -> None:
    """Score a process's contributions again, oldest first, a batch per transaction
    (statuses stay as they are; only flags, reasons and spans change)."""
    from participation.services.triage.rescore import rescore_process
    from participation.services.triage.scoring import use_var_dir

    settings = _settings()

    async def run() -> int:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                use_var_dir(session, settings.var_dir)
                process = (await session.exec(select(Process).where(Process.slug == slug))).first()
                if process is None or process.id is None:
                    raise click.ClickException(f"No process with the slug {slug!r}.")
                return await rescore_process(
                    session,
                    process.id,
                    batch_size=batch,
                    only_unscored=only_unscored,
                    progress=lambda n: click.echo(f"  {n} scored"),
                )
        finally:
            await engine.dispose()

    upgrade_database(settings.database_url)
    done = asyncio.run(run())
    click.echo(f"Scored {done} contributions of {slug}.")


@triage_group.command("train")
@click.option("--process", "slug", required=True, help="The process's slug.")
def train(slug: str) -> None:
    """Train the process's spam classifier on its moderators' decisions now."""
    from participation.services.triage import classifier

    settings = _settings()

    async def run() -> classifier.Retrained:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                process = (await session.exec(select(Process).where(Process.slug == slug))).first()
                if process is None or process.id is None:
                    raise click.ClickException(f"No process with the slug {slug!r}.")
                return await classifier.retrain(session, settings.var_dir, process.id)
        finally:
            await engine.dispose()

    upgrade_database(settings.database_url)
    try:
        result = asyncio.run(run())
    except classifier.NotEnough as error:
        raise click.ClickException(
            f"Not enough decisions: {error.examples.spam} rejected as spam or abuse,"
            f" {error.examples.accepted} published; {classifier.MIN_EACH_CLASS} of each needed."
        ) from None
    state = "trained" if result.trained else "unchanged (same decisions as last time)"
    click.echo(
        f"Spam classifier {state}: {result.examples.spam} spam, {result.examples.accepted}"
        f" accepted; {result.rescored} waiting contributions scored again."
    )
