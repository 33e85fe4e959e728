"""The pages people work in: bookmarkable paths, each a small HTML shell that loads its ES module.

The pages hold no data: each module signs in with the token kept in sessionStorage and reads the
API, so a page is as fast and as safe as the API behind it. Assets are committed built files under
static/ (ECharts vendored with its licences), so nothing is fetched from the internet at run time.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from hotline import __version__
from hotline.errors import NotFound

STATIC = Path(__file__).resolve().parent / "static"
ANALYSIS_MODULES = ("overview", "requests", "calls", "knowledge", "efficiency", "summary")
CONSOLES = ("intake", "dispatch", "department", "supervise")

router = APIRouter(include_in_schema=False)


def _shell(page: str, title: str, *, charts: bool = False, body_class: str = "", css: str = "") -> HTMLResponse:
    """The HTML every page shares; `page` names its module under static/js/pages/."""
    version = escape(__version__)
    vendor = f'<script src="/static/vendor/echarts/echarts.min.js?v={version}"></script>' if charts else ""
    html = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · 12345</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/css/app.css?v={version}">
{f'<link rel="stylesheet" href="/static/css/{escape(css)}.css?v={version}">' if css else ""}
{vendor}
<script type="module" src="/static/js/pages/{escape(page)}.js?v={version}"></script>
</head>
<body class="{escape(body_class)}" data-page="{escape(page)}">
<noscript>此页面需要启用 JavaScript。This page needs JavaScript.</noscript>
<div id="app" aria-live="polite"></div>
</body>
</html>"""
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/")
def home() -> RedirectResponse:
    """The start page: sign in (which then goes to the role's own page)."""
    return RedirectResponse("/login", status_code=307)


@router.get("/login")
def login_page() -> HTMLResponse:
    """Sign in."""
    return _shell("login", "登录 Sign in", body_class="plain")


@router.get("/screen")
def screen_page() -> HTMLResponse:
    """The big screen (1920×1080, dark, live)."""
    return _shell("screen", "大屏 Big screen", charts=True, body_class="screen", css="screen")


@router.get("/analysis")
def analysis_index() -> RedirectResponse:
    """The first analysis module."""
    return RedirectResponse(f"/analysis/{ANALYSIS_MODULES[0]}", status_code=307)


@router.get("/analysis/{module}")
def analysis_page(module: str) -> HTMLResponse:
    """One analysis module: filters, charts and tables."""
    if module not in ANALYSIS_MODULES:
        raise NotFound(f"there is no analysis page {module!r}", field="module")
    return _shell("analysis", "分析 Analysis", charts=True)


@router.get("/orders")
def orders_page() -> HTMLResponse:
    """A list of orders for any filter (where every figure drills down to)."""
    return _shell("orders", "工单 Orders")


@router.get("/orders/{number}")
def order_page(number: str) -> HTMLResponse:
    """One order and its full timeline."""
    return _shell("order", "工单 Order")


@router.get("/track")
def track_page() -> HTMLResponse:
    """Citizens look up their own request (no sign-in)."""
    return _shell("track", "诉求查询 Track a request", body_class="plain")


@router.get("/console/{console}")
def console_page(console: str) -> HTMLResponse:
    """The console of one role."""
    if console not in CONSOLES:
        raise NotFound(f"there is no console {console!r}", field="console")
    return _shell(console, "工作台 Console")


def install_pages(app: FastAPI) -> None:
    """Add the pages and their static assets to the app."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
