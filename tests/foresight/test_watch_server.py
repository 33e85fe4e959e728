"""`hotline serve` scans new orders on its own: alerts are stored, sent to the webhook and published live."""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from sqlalchemy import func, select

from hotline.db import unit_of_work
from hotline.foresight.models import Alert, WatchState
from hotline.foresight.queries import data_span
from hotline.foresight.watch import STATE, AlertWatch

from ..serving import server_env, simulated_platform, start_server


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
    platform = simulated_platform(tmp_path / "watch.db", date(2023, 6, 1), 72, seed=7, secret="w" * 40)
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
    log = open(tmp_path / "serve.log", "wb")
    process, base = start_server(server_env(store, alert_scan_seconds="1", alert_webhook_url=webhook), log)
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


def test_the_watch_runs_its_followers_after_every_scan_and_one_failing_does_not_stop_it(store):
    calls: list[float] = []

    def follower():
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("the first grouping fails")

    watch = AlertWatch(store, 0.05, after_scan=[follower])
    watch.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(calls) < 3:
            time.sleep(0.05)
    finally:
        watch.stop()
    assert len(calls) >= 3 and watch.last_error is None  # scans of nothing new still run the followers
