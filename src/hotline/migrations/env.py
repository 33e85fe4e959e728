"""Alembic environment: the URL comes from the caller's config, never from a file."""

from alembic import context

import hotline.models  # noqa: F401  (registers every table)
from hotline.db import Base, make_engine

config = context.config


def run_migrations() -> None:
    """Run migrations on the connection the caller handed over, or on the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    # render_as_batch lets SQLite alter tables by copying them, as it has no ALTER COLUMN.
    context.configure(
        connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
