"""Alerts end to end on a store: a replayed scan stores alerts once, the API lists them, a webhook receives them."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from hotline.db import make_engine, make_session_factory
from hotline.foresight import backlog
from hotline.foresight.alerts import KINDS, AlertService, detect_all
from hotline.foresight.ledger import Ledger
from hotline.foresight.queries import orders_frame
from hotline.foresight.scan_inputs import (BACKLOG_HISTORY_DAYS, HOTSPOT_COLUMNS, LIGHT_COLUMNS, TEXT_COLUMNS,
                                          ScanInputs, gather)
from hotline.foresight.api import router
from hotline.platform import build_platform
from hotline.reference.citypack import load_pack
from hotline.store import migrate

from .conftest import JINCHANG


class Receiver(BaseHTTPRequestHandler):
    """A local webhook endpoint that keeps what it is sent."""

    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture(scope="module")
def jinchang_store(tmp_path_factory):
    from hotline.simulate import generate, load

    url = f"sqlite:///{tmp_path_factory.mktemp('fs') / 'jinchang.db'}"
    engine = make_engine(url)
    migrate(engine)
    load_pack(make_session_factory(engine), JINCHANG)
    data = generate(JINCHANG, date(2023, 6, 1), 72, seed=7, scale=1.0)
    load(data, engine)
    engine.dispose()
    return url, data.incidents


@pytest.fixture
def platform(jinchang_store, webhook, clock):
    settings = Settings(database_url=jinchang_store[0], environment="test", secret_key="t" * 40,
                        argon2_time_cost=1, argon2_memory_kib=1024, alert_webhook_url=webhook)
    built = build_platform(settings, clock=clock)
    yield built
    built.close()


def test_replayed_scan_stores_each_alert_once_and_delivers_it(platform, jinchang_store):
    Receiver.received.clear()
    first = AlertService(platform).scan(datetime(2023, 8, 5), datetime(2023, 8, 11), ("surge", "hotspot", "backlog"))
    burst = next(i for i in jinchang_store[1] if i["id"] == "burst-2023-3")
    assert first.stored >= 1 and first.delivered == first.stored
    sent = [a for a in Receiver.received if a["kind"] == "surge" and a["category_code"] == burst["category"]]
    assert sent and sent[0]["place"] == burst["place"]["name"] and sent[0]["detected_at"].startswith("2023-08-08")
    assert set(sent[0]["evidence"]["samples"]) & set(burst["orders"])
    again = AlertService(platform).scan(datetime(2023, 8, 5), datetime(2023, 8, 11), ("surge", "hotspot", "backlog"))
    assert again.found == first.found and again.stored == 0


def test_alerts_api_filters_by_time_and_kind(platform):
    AlertService(platform).scan(datetime(2023, 8, 5), datetime(2023, 8, 11), ("surge",), deliver=False)
    platform.users.add("sv", "supervisor", "secret-pass-1")
    with TestClient(create_app(platform=platform)) as client:
        if not any(getattr(r, "path", "") == "/api/v1/alerts" for r in client.app.routes):
            client.app.include_router(router)
        token = client.post("/api/v1/auth/token", data={"username": "sv", "password": "secret-pass-1"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        body = client.get("/api/v1/alerts", params={"from": "2023-08-08", "to": "2023-08-09", "kind": "surge"},
                          headers=headers).json()
        assert body["total"] >= 1 and len(body["items"]) == body["total"]
        item = body["items"][0]
        assert {"kind", "detected_at", "category", "district", "place", "severity", "evidence"} <= set(item)
        assert item["kind"] == "surge" and item["district"] in ("金川区", "永昌县", "金昌经济技术开发区")
        none = client.get("/api/v1/alerts", params={"from": "2023-05-01", "to": "2023-05-02"}, headers=headers).json()
        assert none == {"total": 0, "limit": 100, "offset": 0, "items": []}
        bad = client.get("/api/v1/alerts", params={"kind": "flood"}, headers=headers)
        assert bad.status_code == 422 and bad.json()["field"] == "kind"


def test_forecast_staffing_planning_and_topics_over_http(platform):
    platform.users.add("sv2", "supervisor", "secret-pass-1")
    with TestClient(create_app(platform=platform)) as client:
        if not any(getattr(r, "path", "") == "/api/v1/alerts" for r in client.app.routes):
            client.app.include_router(router)
        token = client.post("/api/v1/auth/token", data={"username": "sv2", "password": "secret-pass-1"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        forecast = client.get("/api/v1/forecast", params={"horizon": 7}, headers=headers).json()
        assert forecast["total"] == 7 and forecast["items"][0]["lo-95"] <= forecast["items"][0]["mean"]
        hours = client.get("/api/v1/forecast", params={"horizon": 2, "granularity": "hour", "level": "district"},
                           headers=headers).json()
        assert hours["total"] == 2 * 24 * len({i["unique_id"] for i in hours["items"]}) and hours["total"] >= 48
        staffing = client.get("/api/v1/staffing", params={"day": "2023-08-10"}, headers=headers).json()
        slots = staffing["slots"]
        assert len(slots) == 48 and all(s["on_duty"] >= 0 for s in slots)
        busy = max(slots, key=lambda s: s["calls"])
        assert busy["agents_erlang_c"] >= busy["agents_erlang_a"] >= 1
        assert 0 < busy["answer_rate_if_unchanged"] <= 1
        ranked = client.get("/api/v1/monthly-topics", params={"month": "2023-07"}, headers=headers).json()
        assert ranked["total"] >= 1
        top = ranked["items"][0]
        created = client.post("/api/v1/special-topics", headers=headers, json={
            "month": "2023-07", "title": "示例专题", "category": top["category"], "district": top["district"],
            "lead_department": "ZJJ", "co_departments": ["CGJ"],
            "tasks": [{"title": "排查", "department": "CGJ", "due_on": "2023-08-31"}]})
        assert created.status_code == 201, created.text
        listed = client.get("/api/v1/special-topics", headers=headers).json()["items"][0]
        assert listed["lead_department"] == "ZJJ" and listed["tasks"][0]["due_on"] == "2023-08-31"
        assert "before_per_day" in listed["volumes"]
        bad = client.post("/api/v1/special-topics", headers=headers, json={"month": "2023-07", "title": "x",
                                                                              "lead_department": "NOPE"})
        assert bad.status_code == 422 and bad.json()["field"] == "lead_department"


def test_a_scan_over_kept_history_finds_exactly_what_a_scan_over_every_order_finds(platform):
    start, end = datetime(2023, 8, 1), datetime(2023, 8, 12)
    calendar = platform.reference_cache.get().calendar
    heating = AlertService(platform)._city_settings().get("heating_season")
    kept = gather(platform.engine, calendar, heating, start, end, KINDS)
    assert Ledger(platform.engine).span()[1] >= date(2023, 7, 31)  # the history before the window is kept
    columns = tuple(dict.fromkeys(LIGHT_COLUMNS + TEXT_COLUMNS + HOTSPOT_COLUMNS + ("closed_at", "status", "department")))
    every = orders_frame(platform.engine, datetime(2023, 1, 1), end, columns)
    recent = every[every["created_at"] >= start - timedelta(days=BACKLOG_HISTORY_DAYS)]
    whole = ScanInputs(kept.start, kept.end, kept.kinds, kept.season, recent=every, texts=every,
                       backlog=backlog.flows(backlog.counted(recent)))
    from_kept, from_every = detect_all(kept), detect_all(whole)
    assert {a["kind"] for a in from_kept} >= {"surge", "hotspot"}
    assert [(a["dedupe_key"], a["evidence"]) for a in from_kept] == [(a["dedupe_key"], a["evidence"]) for a in from_every]
