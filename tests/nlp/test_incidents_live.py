"""The running server finds a city-wide wave among the incidents, in the background after its scans, judged
against the history it keeps."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx
import pytest

from hotline.clock import city_clock
from hotline.config import Settings
from hotline.foresight.ledger import Ledger
from hotline.nlp.duplicates import GroupingRules

from ..serving import server_env, simulated_platform, start_server

SIMULATED_DAYS = 90  # the wave needs 60 days of history behind its window
# Two calls each from eight communities of two districts: no place bursts, no district surges.
COMMUNITIES = [("620302", "620302001", "620302001001"), ("620302", "620302001", "620302001006"),
               ("620302", "620302002", "620302002001"), ("620302", "620302002", "620302002005"),
               ("620321", "620321100", "620321100001"), ("620321", "620321100", "620321100002"),
               ("620321", "620321100", "620321100004"), ("620321", "620321100", "620321100006")]
WORDS = ["商场里扫的共享充电宝，还回去以后押金一直不退", "共享充电宝押金不退，客服电话也打不通",
         "借了共享充电宝按时还了，押金到现在都没退回来"]


@pytest.fixture
def store(tmp_path):
    """Jinchang's last ninety days up to yesterday, simulated into a SQLite store with a call-taker."""
    today = city_clock(Settings().timezone)().date()  # the server registers orders on the city's clock
    platform = simulated_platform(tmp_path / "live.db", today - timedelta(days=SIMULATED_DAYS), SIMULATED_DAYS,
                                  seed=11, secret="n" * 40, scale=0.3)
    platform.users.add("ct", "call_taker", "secret-pass-1")
    yield platform
    platform.close()


def test_a_new_problem_called_in_across_the_city_is_one_incident_of_the_running_server(store, tmp_path):
    log = open(tmp_path / "serve.log", "wb")
    process, base = start_server(server_env(store, alert_scan_seconds="1", incidents_request_max_orders="0"), log)
    try:
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "ct", "password": "secret-pass-1"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        wave = []
        for k, (district, street, community) in enumerate(COMMUNITIES * 2):
            created = httpx.post(f"{base}/api/v1/orders", headers=headers, json={
                "channel": "phone", "content": WORDS[k % len(WORDS)], "citizen_phone": f"1390000{k:04d}",
                "district": district, "street": street, "community": community, "category": "0603"})
            assert created.status_code == 201, created.text
            wave.append(created.json()["number"])
            last = datetime.fromisoformat(created.json()["created_at"])
        body = _grouped_since(base, headers, last)
        holding = [item["orders"] for item in body["items"] if set(item["orders"]) & set(wave)]
        assert len(holding) == 1 and sorted(holding[0]) == sorted(wave)
        # The history before the orders read is kept in the store, at least up to their first day.
        kept = Ledger(store.engine).span()
        lookback = store.clock().date() - timedelta(days=GroupingRules().lookback_days)
        assert kept is not None and kept[1] >= lookback - timedelta(days=1)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _grouped_since(base: str, headers: dict, moment: datetime, wait_seconds: float = 240) -> dict:
    """The incidents once the server has grouped them in the background at `moment` or later (a request may
    not group them: incidents_request_max_orders is 0)."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        response = httpx.get(f"{base}/api/v1/nlp/incidents", headers=headers, timeout=120)
        assert response.status_code in (200, 503), response.text  # 503: no background grouping yet
        if response.status_code == 200 and datetime.fromisoformat(response.json()["computed_at"]) >= moment:
            return response.json()
        time.sleep(1)
    pytest.fail(f"the server had not grouped the incidents at {moment} within {wait_seconds:.0f} s")
