"""The `hotline` command: a thin face over the platform's use cases."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from hotline.config import DEFAULT_DATABASE_URL, Settings
from hotline.errors import DomainError

app = typer.Typer(help="hotline: an open 12345 citizen-hotline platform.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
city_app = typer.Typer(help="Load and inspect city packs.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(city_app, name="city")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help=f"store URL (default: $HOTLINE_DATABASE_URL or {DEFAULT_DATABASE_URL})"),
]


def settings_for(db: str | None) -> Settings:
    """Settings from the environment, with --db taking precedence."""
    return Settings(database_url=db) if db else Settings()


def _fail(error: DomainError) -> None:
    where = f" [{error.field}]" if error.field else ""
    typer.secho(f"error{where}: {error.message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _platform(db: str | None):
    from hotline.platform import build_platform

    return build_platform(settings_for(db))


@app.command()
def init(db: DbOption = None,
         city: Annotated[str, typer.Option(help="city pack to load (name or folder); '' for none")] = "jinchang") -> None:
    """Create or upgrade the store's schema and load a city pack."""
    platform = _migrated(db)
    typer.echo(f"store ready: {platform.engine.url.render_as_string(hide_password=True)}")
    if city:
        _load_city(platform, city)
    platform.close()


@city_app.command("load")
def city_load(path: Annotated[str, typer.Argument(help="pack folder, or the name of a shipped pack")],
              db: DbOption = None) -> None:
    """Load (or reload) a city pack into the store."""
    platform = _migrated(db)
    _load_city(platform, path)
    platform.close()


def _migrated(db: str | None):
    from hotline.store import migrate

    platform = _platform(db)
    migrate(platform.engine)
    return platform


def _load_city(platform, path: str) -> None:
    from hotline.reference.citypack import load_pack

    try:
        pack = load_pack(platform.sessions, path)
    except DomainError as error:
        _fail(error)
    typer.echo(f"loaded {pack.city['name']}: {len(pack.regions)} regions, {len(pack.categories)} categories, "
               f"{len(pack.departments)} departments, {len(pack.sla)} SLA rules, {len(pack.holidays)} calendar days")


@user_app.command("add")
def user_add(name: str, role: Annotated[str, typer.Option(help="call_taker, dispatcher, handler, supervisor, analyst or admin")],
             password: Annotated[str, typer.Option(help="at least 8 characters")],
             department: Annotated[str | None, typer.Option(help="department code (handlers)")] = None,
             db: DbOption = None) -> None:
    """Create a user."""
    platform = _platform(db)
    try:
        user = platform.users.add(name, role, password, department)
    except DomainError as error:
        _fail(error)
    typer.echo(f"user {user.username} ({user.role}{', ' + user.department if user.department else ''}) created")
    platform.close()


@app.command()
def serve(db: DbOption = None, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the platform (API at /api/v1, docs at /docs)."""
    import uvicorn

    from hotline.app import create_app

    settings = settings_for(db)
    if db:
        os.environ["HOTLINE_DATABASE_URL"] = db
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def main() -> None:
    """Entry point of the console script."""
    app()
