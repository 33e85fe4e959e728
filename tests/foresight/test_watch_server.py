"""`hotline serve` scans new orders on its own: alerts are stored, sent to the webhook and published live."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from sqlalchemy import func, select

from hotline.config import Settings
from hotline.db import make_engine, make_session_factory, unit_of_work
from hotline.foresight.models import Alert, WatchState
from hotline.foresight.queries import data_span
from hotline.foresight.watch import STATE
from hotline.platform import build_platform
from hotline.reference.citypack import load_pack
from hotline.store import migrate

from ..serving import start_server
from .conftest import JINCHANG


class Hook(BaseHTTPRequestHandler):
    """A local webhook endpoint that keeps what it is sent."""

    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Hook.received.clear()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture
def store(tmp_path):
    """Seventy-two simulated days of Jinchang (a surge on 2023-08-08), already scanned up to its last order."""
    from hotline.simulate import generate, load

    url = f"sqlite:///{tmp_path / 'watch.db'}"
    engine = make_engine(url)
    migrate(engine)
    load_pack(make_session_factory(engine), JINCHANG)
    load(generate(JINCHANG, date(2023, 6, 1), 72, seed=7, scale=1.0), engine)
    engine.dispose()  # the bulk load turns the journal off: no other connection may hold the file meanwhile
    platform = build_platform(Settings(database_url=url, environment="test", secret_key="w" * 40,
                                       argon2_time_cost=1, argon2_memory_kib=1024, analytics_enabled=False))
    platform.users.add("sv", "supervisor", "secret-pass-1")
    _, newest = data_span(platform.engine)
    _scanned_to(platform, newest + timedelta(seconds=1))  # where a scan of everything would have stopped
    yield platform
    platform.close()


def _scanned_to(platform, moment: datetime) -> None:
    with unit_of_work(platform.sessions) as session:  # takes the write lock first: the server writes too
        session.merge(WatchState(name=STATE, scanned_to=moment))


def _alerts(platform) -> int:
    with platform.sessions() as session:
        return session.scalar(select(func.count()).select_from(Alert))


def _listen(base: str, token: str, events: list, ready: threading.Event) -> None:
    try:
        with httpx.stream("GET", f"{base}/api/v1/live", params={"token": token}, timeout=None) as stream:
            kind = None
            for line in stream.iter_lines():
                ready.set()
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "alert":
                    events.append(json.loads(line[6:]))
    except httpx.TransportError:
        pass  # the server shut down


def test_the_server_scans_new_data_delivers_and_publishes_alerts_and_stops_cleanly(store, webhook, tmp_path):
    env = os.environ | {"HOTLINE_DATABASE_URL": str(store.engine.url), "HOTLINE_SECRET_KEY": "w" * 40,
                        "HOTLINE_ENVIRONMENT": "test", "HOTLINE_ARGON2_MEMORY_KIB": "1024",
                        "HOTLINE_ARGON2_TIME_COST": "1", "HOTLINE_ANALYTICS_ENABLED": "false",
                        "HOTLINE_ALERT_SCAN_SECONDS": "1", "HOTLINE_ALERT_WEBHOOK_URL": webhook}
    log = open(tmp_path / "serve.log", "wb")
    process, base = start_server(env, log)
    try:
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "sv", "password": "secret-pass-1"}).json()["access_token"]
        events, ready = [], threading.Event()
        threading.Thread(target=_listen, args=(base, token, events, ready), daemon=True).start()
        assert ready.wait(30)
        time.sleep(3)  # scans of a store with nothing new find nothing
        assert _alerts(store) == 0
        # Rewind the scan: the server now finds the days since 5 August as new.
        _scanned_to(store, datetime(2023, 8, 5))
        deadline = time.monotonic() + 240  # the first scan also keeps the store's history
        while time.monotonic() < deadline and not (_alerts(store) and len(events) >= _alerts(store)):
            time.sleep(0.5)
        stored = _alerts(store)
        assert stored >= 1
        assert len(Hook.received) == stored and len(events) == stored
        surge = next(e for e in events if e["kind"] == "surge" and e["detected_at"].startswith("2023-08-08"))
        assert surge["title"].startswith("诉求激增") and surge["evidence"]["count"] > surge["evidence"]["expected"]
        assert all(e["detected_at"] >= "2023-08-05" for e in events)
        listed = httpx.get(f"{base}/api/v1/alerts", params={"limit": 3},
                           headers={"Authorization": f"Bearer {token}"}).json()
        assert listed["total"] == stored
        assert [i["detected_at"] for i in listed["items"]] == sorted((e["detected_at"] for e in events), reverse=True)[:3]
        time.sleep(3)  # later scans replay the same days and add nothing
        assert _alerts(store) == stored
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    assert b"early-warning scan failed" not in (tmp_path / "serve.log").read_bytes()
