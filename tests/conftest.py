"""Fixtures: a fresh store per test on SQLite and on PostgreSQL, a manual clock, users and clients."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from hotline.config import Settings
from hotline.db import make_engine, make_session_factory
from hotline.platform import build_platform
from hotline.reference.citypack import load_pack
from hotline.store import migrate

DATA = Path(__file__).parent / "data"
TINY_PACK = DATA / "tinycity"
PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("HOTLINE_REQUIRE_POSTGRES") == "1"
# Under pytest-xdist the tests run in worker processes; each PostgreSQL store created is appended to this
# file, which the controlling process reads to report (and, in CI, require) the PostgreSQL half.
PG_MARK_ENV = "HOTLINE_PG_MARK_FILE"


def pytest_configure(config) -> None:
    """The controlling process names a fresh mark file that workers inherit."""
    if not hasattr(config, "workerinput"):
        mark = Path(tempfile.gettempdir()) / f"hotline-pg-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        mark.write_text("")
        os.environ[PG_MARK_ENV] = str(mark)


def _note_pg(line: str) -> None:
    mark = os.environ.get(PG_MARK_ENV)
    if mark:
        with open(mark, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def _pg_summary() -> tuple[int, str | None]:
    mark = os.environ.get(PG_MARK_ENV)
    lines = Path(mark).read_text(encoding="utf-8").splitlines() if mark and Path(mark).exists() else []
    ran = sum(1 for line in lines if line == "ran")
    reasons = [line[5:] for line in lines if line.startswith("skip:")]
    return ran, (reasons[0] if reasons else None)


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {error}".strip()


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


def _admin_exec(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite store with the tiny city, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    load_pack(make_session_factory(engine), TINY_PACK)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> str:
    """A migrated PostgreSQL database with the tiny city, used as a template per test."""
    reason = _pg_reachable()
    if reason:
        _note_pg("skip:" + reason)
        if REQUIRE_PG:
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"hotline_tmpl_{os.getpid()}"
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}"')
    _admin_exec(f'CREATE DATABASE "{name}"')
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    migrate(engine)
    load_pack(make_session_factory(engine), TINY_PACK)
    engine.dispose()
    yield name
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def empty_pg_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (skipped when unreachable), dropped afterwards."""
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin_exec(f'CREATE DATABASE "{name}"')
    _note_pg("ran")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """A fresh store holding the tiny city, on each backend in turn."""
    if request.param == "sqlite":
        target = tmp_path / "hotline.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"hotline_t_{uuid.uuid4().hex[:12]}"
    _admin_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _note_pg("ran")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clock() -> ManualClock:
    """Starts on a Monday morning that is a working day."""
    return ManualClock(datetime(2024, 3, 4, 9, 0, 0))


@pytest.fixture
def platform(store_url, clock):
    """The platform over the test's store, with the manual clock."""
    settings = Settings(database_url=store_url, environment="test", secret_key="t" * 40,
                        argon2_time_cost=1, argon2_memory_kib=1024)
    built = build_platform(settings, clock=clock)
    yield built
    built.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say plainly whether the PostgreSQL half ran."""
    if hasattr(config, "workerinput"):
        return
    ran, reason = _pg_summary()
    if ran:
        terminalreporter.write_line(f"PostgreSQL backend: {ran} test stores created and tested.")
    else:
        terminalreporter.write_line(
            f"PostgreSQL half DID NOT RUN: {reason or 'no PostgreSQL test was selected'}", red=True, bold=True)


def pytest_sessionfinish(session, exitstatus) -> None:
    """With HOTLINE_REQUIRE_POSTGRES=1 (CI), a run in which no PostgreSQL store was tested fails."""
    if REQUIRE_PG and not hasattr(session.config, "workerinput") and exitstatus == 0 and not _pg_summary()[0]:
        session.exitstatus = 1
