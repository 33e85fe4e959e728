"""What every `hotline` subcommand shares: the --db option, settings from it, the platform, errors."""

from __future__ import annotations

from typing import Annotated

import typer

from hotline.config import DEFAULT_DATABASE_URL, Settings
from hotline.errors import DomainError

DbOption = Annotated[
    str | None,
    typer.Option("--db", help=f"store URL (default: $HOTLINE_DATABASE_URL or {DEFAULT_DATABASE_URL})"),
]


def settings_for(db: str | None) -> Settings:
    """Settings from the environment, with --db taking precedence."""
    return Settings(database_url=db) if db else Settings()


def platform_for_command(db: str | None):
    """The platform for a one-off command: without the analysis copy, whose DuckDB file the server owns."""
    from hotline.platform import build_platform

    return build_platform(settings_for(db).model_copy(update={"analytics_enabled": False}))


def fail(error: DomainError) -> None:
    """Print a domain error (naming its field) and exit with status 2."""
    where = f" [{error.field}]" if error.field else ""
    typer.secho(f"error{where}: {error.message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)
