"""Starting a real `hotline serve` for tests, and waiting until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from hotline.config import Settings
from hotline.db import make_engine, make_session_factory
from hotline.platform import Platform, build_platform
from hotline.reference.citypack import load_pack, resolve_pack_path
from hotline.store import migrate

JINCHANG = resolve_pack_path("jinchang")


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, output, wait_seconds: float = 60) -> tuple[subprocess.Popen, str]:
    """(process, base URL) of `hotline serve` on a free port; fails the test if it does not come up."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "hotline", "serve", "--port", str(port)], env=env,
                               stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:  # it failed on start-up: say so now, not after the whole wait
            pytest.fail(f"hotline serve exited with code {process.returncode} before answering "
                        f"(output: {getattr(output, 'name', output)})")
        try:
            if httpx.get(f"{base}/api/v1/health").status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"hotline serve did not come up within {wait_seconds:.0f} s (output: {getattr(output, 'name', output)})")


def simulated_platform(path: Path, start: date, days: int, seed: int, secret: str, scale: float = 1.0) -> Platform:
    """A platform (analytics off) over a new SQLite store at `path` holding Jinchang's simulated days."""
    from hotline.simulate import generate, load

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    load_pack(make_session_factory(engine), JINCHANG)
    load(generate(JINCHANG, start, days, seed=seed, scale=scale), engine)
    engine.dispose()  # the bulk load turns the journal off: no other connection may hold the file meanwhile
    return build_platform(Settings(database_url=url, environment="test", secret_key=secret,
                                   argon2_time_cost=1, argon2_memory_kib=1024, analytics_enabled=False))


def server_env(platform: Platform, **settings: str) -> dict:
    """The environment of a `hotline serve` over the platform's store, with these HOTLINE_ settings too."""
    return os.environ | {"HOTLINE_DATABASE_URL": str(platform.engine.url),
                         "HOTLINE_SECRET_KEY": platform.settings.secret_key, "HOTLINE_ENVIRONMENT": "test",
                         "HOTLINE_ARGON2_MEMORY_KIB": "1024", "HOTLINE_ARGON2_TIME_COST": "1",
                         "HOTLINE_ANALYTICS_ENABLED": "false"} | {f"HOTLINE_{k.upper()}": v for k, v in settings.items()}
