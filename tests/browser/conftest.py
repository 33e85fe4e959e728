"""A real `hotline serve` on a temporary SQLite store with the tiny city, one user per role, and
headless Debian chromium driven by Playwright; each page's console errors are collected."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import httpx
import pytest

from hotline.config import Settings
from hotline.platform import build_platform
from hotline.reference.citypack import load_pack
from hotline.store import migrate

from ..serving import start_server

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright (pip install playwright)")

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tinycity"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "browser-pass-1"
USERS = {"ct": ("call_taker", None), "dp": ("dispatcher", None), "hd": ("handler", "CGJ"), "sv": ("supervisor", None),
         "an": ("analyst", None), "ad": ("admin", None), "hd-co": ("handler", "GOV-990101")}  # hd-co: a co-department
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
# Endpoints built by other parts of the platform; until they are there a page shows "not available".
OPTIONAL_ENDPOINTS = re.compile(r"/api/v1/(nlp/|kb/|alerts|analytics/|foresight/)")


def _prepare_store(db: str) -> None:
    """Schema, the tiny city and one user per role, in this process (quicker than a CLI call each)."""
    settings = Settings(database_url=db, environment="test", secret_key="b" * 40, argon2_time_cost=1, argon2_memory_kib=1024)
    platform = build_platform(settings)
    migrate(platform.engine)
    load_pack(platform.sessions, TINY)
    for name, (role, department) in USERS.items():
        platform.users.add(name, role, PASSWORD, department)
    platform.close()


class Server:
    """The served platform: its URL and an API client per user."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=20)
        self.headers = {}
        for name in USERS:
            answer = self.http.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
            self.headers[name] = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def post(self, who: str, url: str, **body) -> dict:
        response = self.http.post(url, json=body, headers=self.headers[who])
        assert response.status_code < 300, response.text
        return response.json()

    def get(self, who: str, url: str, **query) -> httpx.Response:
        return self.http.get(url, params=query, headers=self.headers[who])

    def new_order(self, content: str, **fields) -> dict:
        body = {"channel": "phone", "citizen_phone": "13812341234", "citizen_name": "张三", "content": content} | fields
        return self.post("ct", "/api/v1/orders", **body)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """`hotline serve` on a fresh store, with a few orders in several states and some calls."""
    db = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'hotline.db'}"
    env = os.environ | {"HOTLINE_DATABASE_URL": db, "HOTLINE_SECRET_KEY": "b" * 40, "HOTLINE_ENVIRONMENT": "test",
                        "HOTLINE_ARGON2_MEMORY_KIB": "1024", "HOTLINE_ARGON2_TIME_COST": "1"}
    _prepare_store(db)
    log = open(tmp_path_factory.getbasetemp() / "serve.log", "wb")
    process, base = start_server(env, log)
    served = Server(base)
    _seed(served)
    _wait_for_the_analysis_copy(served, orders=10)
    yield served
    process.terminate()
    process.wait(timeout=10)
    log.close()


def _seed(server: Server) -> None:
    """Orders of several categories, places and states, and a few calls, so that every chart has data."""
    samples = [("湖光社区路灯不亮好几天了", "0102", "东城"), ("河口社区停水一整天", "0202", "西城"),
               ("松林社区暖气不热", "0201", "东城"), ("东湖街道道路坑洼", "0101", "东城"), ("柳树村邻居噪音扰民", "0301", "西城")]
    for i in range(10):
        content, category, district = samples[i % len(samples)]
        order = server.new_order(content, category=category, district=district, citizen_phone=f"1390000{i:04d}")
        if i % 2 == 0:
            server.post("dp", f"/api/v1/orders/{order['number']}/dispatch", department="CGJ")
    for i in range(12):
        server.post("ct", "/api/v1/calls", caller=f"1380000{i:04d}", answered=i % 4 != 0, wait_seconds=8,
                    talk_seconds=90 if i % 4 else 0, agent="ct")


def _wait_for_the_analysis_copy(server: Server, orders: int, seconds: float = 60) -> None:
    """Until the analysis copy holds the seeded orders: it refreshes in the background, so a page opened
    right after seeding could find it still empty and draw no charts (seen once in CI)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = server.get("an", "/api/v1/analytics/requests")
        if response.status_code == 404:  # no analysis copy on this server: the pages say so
            return
        if response.status_code == 200 and (response.json().get("total") or 0) >= orders:
            return
        time.sleep(0.25)
    raise AssertionError(f"the analysis copy did not show the {orders} seeded orders within {seconds:.0f} s")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium."""
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page whose console errors, uncaught exceptions and failed requests are recorded."""

    def __init__(self, page) -> None:
        self.page = page
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.failed: list[tuple[int, str]] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("response", lambda r: r.status >= 400 and self.failed.append((r.status, r.url)))

    def problems(self) -> list[str]:
        """Errors that are not the 404 of an endpoint still being built elsewhere."""
        unexpected = [f"{status} {url}" for status, url in self.failed
                      if not (status == 404 and OPTIONAL_ENDPOINTS.search(url))]
        console = [text for text in self.console_errors
                   if not (text.startswith("Failed to load resource") and not unexpected)]
        return self.page_errors + unexpected + console

    def shot(self, name: str, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def open_as(browser, server):
    """open_as(user, path, width, height, via_form): a signed-in page at `path` (through the login form if asked)."""
    contexts = []

    def _open(user: str, path: str | None = None, width: int = 1440, height: int = 900, via_form: bool = False) -> Watched:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai", accept_downloads=True)
        contexts.append(context)
        if not via_form:  # the session the login page would store, set before any page script runs
            role, department = USERS[user]
            token = server.headers[user]["Authorization"].split()[1]
            session = json.dumps({"token": token, "role": role, "department": department, "username": user})
            context.add_init_script(f"sessionStorage.setItem('hotline.session', {json.dumps(session)})")
        watched = Watched(context.new_page())
        page = watched.page
        page.set_default_timeout(30000)  # a loaded 2-core CI machine is slow
        if via_form:
            page.goto(f"{server.base}/login")
            page.fill("#username", user)
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_url(lambda url: "/login" not in url)
        if path:
            page.goto(server.base + path)
        return watched

    yield _open
    for context in contexts:
        context.close()
