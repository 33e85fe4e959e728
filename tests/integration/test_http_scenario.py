"""The whole lifecycle driven over HTTP against `hotline serve` on a new SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ..serving import start_server

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tinycity"
PASSWORD = "scenario-pass-1"
ROLES = {"ct": ("call_taker", None), "dp": ("dispatcher", None), "hd": ("handler", "CGJ"),
         "hd2": ("handler", "UTIL"), "sv": ("supervisor", None), "an": ("analyst", None),
         "ad": ("admin", None)}


def hotline(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotline", *args], env=env, capture_output=True, text=True,
                          check=False, timeout=120)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A served platform with one user per role; yields (base URL, tokens by user)."""
    db = f"sqlite:///{tmp_path_factory.mktemp('scenario') / 'hotline.db'}"
    env = os.environ | {"HOTLINE_DATABASE_URL": db, "HOTLINE_SECRET_KEY": "s" * 40}
    result = hotline("init", "--city", str(TINY), env=env)
    assert result.returncode == 0, result.stderr
    for name, (role, department) in ROLES.items():
        args = ["user", "add", name, "--role", role, "--password", PASSWORD]
        result = hotline(*args, *(["--department", department] if department else []), env=env)
        assert result.returncode == 0, result.stderr
    bad = hotline("user", "add", "x1", "--role", "handler", "--password", PASSWORD, env=env)
    assert bad.returncode == 2 and "department" in bad.stderr
    log = open(tmp_path_factory.getbasetemp() / "scenario-serve.log", "wb")
    process, base = start_server(env, log)
    tokens = {}
    for name in ROLES:
        response = httpx.post(f"{base}/api/v1/auth/token", data={"username": name, "password": PASSWORD})
        tokens[name] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    yield base, tokens
    process.terminate()
    process.wait(timeout=10)
    log.close()


def test_every_path_over_http(server):
    base, tokens = server
    client = httpx.Client(base_url=base, timeout=10)

    def post(who, url, **body):
        return client.post(url, json=body, headers=tokens[who])

    def act(who, number, action, **body):
        response = post(who, f"/api/v1/orders/{number}/{action}", **body)
        return response

    created = post("ct", "/api/v1/orders", channel="phone", content="湖光社区路灯不亮", citizen_phone="13812341234",
                   citizen_name="李四", district="东城", category="0102")
    assert created.status_code == 201
    order = created.json()
    number = order["number"]
    assert order["status"] == "registered" and order["district"] == "990101" and order["category_l1"] == "01"

    # dispatch -> return -> re-dispatch -> sign -> extend -> approve -> reply -> callback -> reopen -> ... -> close
    assert act("dp", number, "dispatch", department="CGJ").json()["status"] == "dispatched"
    assert act("hd", number, "return", reason="属地管理，应由街道办理").json()["status"] == "returned"
    assert act("dp", number, "dispatch", department="CGJ").json()["status"] == "dispatched"
    assert act("hd", number, "sign").json()["status"] == "in_progress"
    assert act("hd", number, "extend", days=3, reason="需要采购灯具").json()["extension_pending_days"] == 3
    assert act("sv", number, "approve_extension").json()["extension_days"] == 3
    assert act("hd", number, "reply", content="已更换路灯").json()["status"] == "replied"
    assert act("ct", number, "callback", satisfaction="dissatisfied", resolved=False).status_code == 200
    assert act("sv", number, "reopen", reason="群众反映仍不亮").json()["status"] == "dispatched"
    act("hd", number, "sign")
    act("hd", number, "reply", content="已重新检修线路")
    act("ct", number, "callback", satisfaction="satisfied", resolved=True)
    assert act("sv", number, "close").json()["status"] == "closed"

    # a consultation closed directly; a duplicate merged into an open order; supervision
    direct = post("ct", "/api/v1/orders", channel="phone", content="咨询居住证办理", citizen_phone="13900001111").json()
    assert act("ct", direct["number"], "close", reply="已电话解答").json()["closed_directly"] is True
    master = post("ct", "/api/v1/orders", channel="web", content="河口社区停水", citizen_phone="13900002222").json()
    dup = post("ct", "/api/v1/orders", channel="phone", content="河口社区又停水了", citizen_phone="13900003333").json()
    act("dp", master["number"], "dispatch", department="UTIL")
    assert act("sv", master["number"], "supervise", note="涉及群众多，请尽快处理").json()["supervision_count"] == 1
    assert act("dp", dup["number"], "merge", into=master["number"]).json()["status"] == "merged"
    assert act("dp", dup["number"], "dispatch", department="UTIL").status_code == 409

    timeline = client.get(f"/api/v1/orders/{number}/events", headers=tokens["an"]).json()["items"]
    assert [e["action"] for e in timeline] == [
        "register", "dispatch", "return", "dispatch", "sign", "extend", "approve_extension", "reply",
        "callback", "reopen", "sign", "reply", "callback", "close"]
    assert all(e["actor"] for e in timeline)

    # role rules and masking
    assert client.get(f"/api/v1/orders/{number}", headers=tokens["hd2"]).status_code == 404
    assert client.get(f"/api/v1/orders/{master['number']}", headers=tokens["hd2"]).status_code == 200
    assert act("hd2", number, "sign").status_code == 404
    assert client.get(f"/api/v1/orders/{number}", headers=tokens["an"]).json()["citizen_phone"] == "138****1234"
    assert client.get(f"/api/v1/orders/{number}", headers=tokens["ct"]).json()["citizen_phone"] == "13812341234"
    assert client.get("/api/v1/orders", headers=tokens["ad"]).json()["total"] == 4
    assert client.get("/docs").status_code == 200


def test_new_order_reaches_a_live_stream_over_http(server):
    base, tokens = server
    import json
    import threading

    received = []

    def listen():
        token = tokens["an"]["Authorization"].split()[1]
        with httpx.stream("GET", f"{base}/api/v1/live", params={"token": token}, timeout=10) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    received.append(json.loads(line[6:]))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(0.5)
    created = httpx.post(f"{base}/api/v1/orders", headers=tokens["ct"], json={
        "channel": "web", "content": "直播测试：小区停电", "citizen_phone": "13700001111"}).json()
    listener.join(timeout=10)
    assert received and received[0]["number"] == created["number"] and received[0]["action"] == "register"
    assert httpx.get(f"{base}/api/v1/live").status_code == 401
