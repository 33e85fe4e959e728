"""The `hotline` command: a thin face over the platform's use cases."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from hotline.command import DbOption, fail, platform_for_command, settings_for
from hotline.errors import DomainError
from hotline.foresight.cli import alerts_app, forecast_app
from hotline.nlp.cli import app as nlp_app

app = typer.Typer(help="hotline: an open 12345 citizen-hotline platform.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
city_app = typer.Typer(help="Load and inspect city packs.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(city_app, name="city")
app.add_typer(forecast_app, name="forecast")
app.add_typer(alerts_app, name="alerts")
app.add_typer(nlp_app, name="nlp")


@app.command()
def init(db: DbOption = None,
         city: Annotated[str, typer.Option(help="city pack to load (name or folder); '' for none")] = "jinchang") -> None:
    """Create or upgrade the store's schema and load a city pack."""
    platform = _migrated(db)
    typer.echo(f"store ready: {platform.engine.url.render_as_string(hide_password=True)}")
    if city:
        _load_city(platform, city)
    platform.close()


@city_app.command("load")
def city_load(path: Annotated[str, typer.Argument(help="pack folder, or the name of a shipped pack")],
              db: DbOption = None) -> None:
    """Load (or reload) a city pack into the store."""
    platform = _migrated(db)
    _load_city(platform, path)
    platform.close()


def _migrated(db: str | None):
    from hotline.store import migrate

    platform = platform_for_command(db)
    migrate(platform.engine)
    return platform


def _load_city(platform, path: str) -> None:
    from hotline.reference.citypack import load_pack

    try:
        pack = load_pack(platform.sessions, path)
    except DomainError as error:
        fail(error)
    typer.echo(f"loaded {pack.city['name']}: {len(pack.regions)} regions, {len(pack.categories)} categories, "
               f"{len(pack.departments)} departments, {len(pack.sla)} SLA rules, {len(pack.holidays)} calendar days")


@user_app.command("add")
def user_add(name: str, role: Annotated[str, typer.Option(help="call_taker, dispatcher, handler, supervisor, analyst or admin")],
             password: Annotated[str, typer.Option(help="at least 8 characters")],
             department: Annotated[str | None, typer.Option(help="department code (handlers)")] = None,
             db: DbOption = None) -> None:
    """Create a user."""
    platform = platform_for_command(db)
    try:
        user = platform.users.add(name, role, password, department)
    except DomainError as error:
        fail(error)
    typer.echo(f"user {user.username} ({user.role}{', ' + user.department if user.department else ''}) created")
    platform.close()


@app.command()
def serve(db: DbOption = None, host: str = "127.0.0.1", port: int = 8000,
          live: Annotated[bool, typer.Option(help="run the simulator's live trickle inside the server")] = False,
          city: Annotated[str, typer.Option(help="city pack the live trickle draws from")] = "jinchang") -> None:
    """Serve the platform (API at /api/v1, docs at /docs)."""
    import uvicorn

    from hotline.app import create_app
    from hotline.platform import build_platform

    platform = build_platform(settings_for(db))
    app_ = create_app(platform=platform)
    trickle = None
    if live:
        from hotline.simulate.live import LiveTrickle

        trickle = LiveTrickle(platform, city)
        trickle.start()
    try:
        # Live screens hold their event streams open: without a limit a stop would wait for them forever.
        uvicorn.run(app_, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)
    finally:
        if trickle:
            trickle.stop()


@app.command()
def simulate(
    city: Annotated[str, typer.Option(help="city pack (name or folder)")] = "jinchang",
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")] = "2023-01-01",
    days: Annotated[int, typer.Option(min=1, max=36500, help="how many days")] = 365,
    seed: int = 7,
    scale: Annotated[float, typer.Option(min=0.001, max=1000, help="multiplies every volume")] = 1.0,
    db: DbOption = None,
    out: Annotated[str | None, typer.Option(help="write Parquet files to this folder instead of a store")] = None,
    truth: Annotated[str | None, typer.Option(help="ground-truth incidents file (default incidents.json beside the output)")] = None,
    live: Annotated[bool, typer.Option(help="instead: keep a live trickle flowing into the store until Ctrl-C")] = False,
) -> None:
    """Simulate the city's hotline: history in bulk, or a live trickle in real time."""
    from datetime import date

    from hotline.reference.citypack import resolve_pack_path
    from hotline.simulate import run

    try:
        pack = resolve_pack_path(city)
        first = date.fromisoformat(start)
    except DomainError as error:
        fail(error)
    except ValueError:
        fail(DomainError(f"--start {start!r} is not a date (YYYY-MM-DD)", field="start"))
    if live:
        _live_forever(db, city)
        return
    url = None
    if out is None:
        platform = _migrated(db)
        _load_city(platform, str(pack))
        url = platform.engine.url.render_as_string(hide_password=False)
        platform.close()
    if truth is None and out is None and url.startswith("sqlite:///"):
        truth = str(Path(url[len("sqlite:///"):]).resolve().parent / "incidents.json")
    result = run(pack, first, days, seed, scale, db=url, out=out, truth=truth, progress=typer.echo)
    counts = ", ".join(f"{n} {k}" for k, n in result["counts"].items())
    typer.echo(f"simulated {counts}; {result['incidents']} incidents in {result['truth']}")


DEMO_PASSWORD = "hotline-demo"
DEMO_USERS = (  # (name, role, department)
    ("calltaker", "call_taker", None), ("dispatcher", "dispatcher", None), ("heating", "handler", "HEAT-YC"),
    ("housing", "handler", "ZJJ"), ("supervisor", "supervisor", None), ("analyst", "analyst", None),
    ("admin", "admin", None),
)


@app.command()
def demo(folder: Annotated[str, typer.Option("--dir", help="where the demo store lives")] = "demo",
         port: int = 8000, host: str = "127.0.0.1", start: str = "2023-01-01", seed: int = 7,
         fresh: Annotated[bool, typer.Option(help="rebuild the demo data even if today's exists")] = False) -> None:
    """Build 金昌市's demo store from 2023 up to today (once a day), print logins, serve with the live trickle."""
    from datetime import date

    from hotline.clock import city_clock
    from hotline.reference.citypack import resolve_pack_path
    from hotline.simulate import run

    base = Path(folder).resolve()
    base.mkdir(parents=True, exist_ok=True)
    db_file, stamp = base / "hotline.db", base / "built-for"
    url = f"sqlite:///{db_file}"
    today = city_clock(settings_for(url).timezone)().date()  # the city's date, not the machine's
    if fresh or not db_file.exists() or not stamp.exists() or stamp.read_text().strip() != today.isoformat():
        for leftover in base.glob("hotline.db*"):
            leftover.unlink()
        platform = _migrated(url)
        _load_city(platform, "jinchang")
        platform.close()
        first = date.fromisoformat(start)
        typer.echo(f"simulating 金昌市's hotline from {first} to {today} (history; today arrives live) …")
        result = run(resolve_pack_path("jinchang"), first, (today - first).days, seed, db=url,
                     truth=base / "incidents.json", progress=typer.echo)
        typer.echo(f"demo data: {result['counts'].get('work_orders', 0)} orders, "
                   f"{result['counts'].get('call_records', 0)} calls")
        platform = platform_for_command(url)
        for name, role, department in DEMO_USERS:
            platform.users.add(name, role, DEMO_PASSWORD, department)
        _replay_early_warnings(platform, days=60)
        platform.close()
        stamp.write_text(today.isoformat())
    # The demo's suggestion models live beside its store, unless the environment names a folder.
    models = Path(os.environ.setdefault("HOTLINE_MODELS_DIR", str(base / "models")))
    trainer = None if (models / "current.json").exists() else _train_in_background(url, models, base / "train.log")
    typer.echo("\nlogins (password for all: " + DEMO_PASSWORD + ")")
    for name, role, department in DEMO_USERS:
        typer.echo(f"  {name:<11} {role:<11} {department or ''}")
    typer.echo(f"\nserving http://{host}:{port}  (API docs: /docs, big screen: /screen)\n")
    try:
        serve(db=url, host=host, port=port, live=True, city="jinchang")
    finally:
        if trainer is not None and trainer.poll() is None:
            trainer.terminate()


def _train_in_background(url: str, models: Path, log_path: Path):
    """`hotline nlp train` in a low-priority child process: the server answers meanwhile, without category
    and department suggestions, and its registry loads the model once written (a few minutes)."""
    import subprocess
    import sys

    typer.echo(f"training the suggestion models in the background (log: {log_path}) …")
    with open(log_path, "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "hotline", "nlp", "train", "--db", url, "--models", str(models)],
                                stdout=log, stderr=subprocess.STDOUT, preexec_fn=lambda: os.nice(10))


def _replay_early_warnings(platform, days: int) -> None:
    """The alerts the server would have raised had it watched the last `days` of history (the screen shows them)."""
    from datetime import timedelta

    from hotline.foresight.alerts import AlertService
    from hotline.foresight.queries import data_span

    _, newest = data_span(platform.engine)
    if newest is None:
        return
    typer.echo(f"replaying the early warnings of the last {days} days (as if the server had been watching) …")
    end = newest + timedelta(seconds=1)
    result = AlertService(platform).scan(end - timedelta(days=days), end, deliver=False)
    typer.echo(f"early warnings: {result.stored} alerts in {result.seconds:.0f} s")


def _live_forever(db: str | None, city: str) -> None:
    import time

    from hotline.simulate.live import LiveTrickle

    platform = platform_for_command(db)
    trickle = LiveTrickle(platform, city)
    trickle.start()
    typer.echo("live trickle running; Ctrl-C stops it")
    try:
        while True:
            time.sleep(60)
            typer.echo(f"live: {trickle.created} new orders, {trickle.moved} lifecycle steps so far")
    except KeyboardInterrupt:
        trickle.stop()


def main() -> None:
    """Entry point of the console script."""
    app()
