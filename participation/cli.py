"""Command line: `participation serve`, `participation users create`, `participation db upgrade`,
`participation seed`."""

from __future__ import annotations

import asyncio
import getpass
import sys
from dataclasses import replace

import click
import uvicorn

from participation.bootstrap import prepare_database, read_demo_login
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import Role
from participation.services.errors import ValidationFailed
from participation.services.users import create_user
from participation.settings import Settings, SettingsError


@click.group()
def main() -> None:
    """Citizen participation platform."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Migrate, seed the demo on first start, and serve the app."""
    settings = _settings()
    asyncio.run(prepare_database(settings))
    click.echo(f"\n  Participation platform: http://{host}:{port}/")
    click.echo(f"  Database: {_describe(settings)}")
    login = read_demo_login(settings)
    if login is not None:
        click.echo(f"  Demo moderator: {login.email} / {login.password}")
        click.echo(f"  (stored in {settings.var_dir / 'demo-login.txt'})")
    else:
        click.echo("  Create a moderator: participation users create --email … --role moderator")
    click.echo("")
    uvicorn.run(
        "participation.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=settings.trusted_proxy,
        access_log=settings.access_log,
        server_header=False,
    )


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def _describe(settings: Settings) -> str:
    if settings.is_sqlite:
        return settings.database_url.split("///", 1)[-1]
    return settings.database_url.split("@")[-1]  # never print a password


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    upgrade_database(_settings().database_url)
    click.echo("Database is up to date.")


@main.command()
def seed() -> None:
    """Seed the demo process into an empty database (does nothing otherwise)."""
    settings = replace(_settings(), seed_demo=True)
    login = asyncio.run(prepare_database(settings))
    if login is None:
        click.echo("The database already holds processes; nothing seeded.")
    else:
        click.echo(f"Seeded the demo. Moderator: {login.email} / {login.password}")


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


if __name__ == "__main__":
    main()
