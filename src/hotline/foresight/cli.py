"""`hotline forecast` and `hotline alerts scan`: thin faces over the foresight use cases."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from hotline.command import DbOption, platform_for_command

forecast_app = typer.Typer(help="Forecast daily order volumes (and backtest the forecasts).", invoke_without_command=True)
alerts_app = typer.Typer(help="Early warning: replay history as if live.", no_args_is_help=True)



@forecast_app.callback()
def forecast(level: Annotated[str, typer.Option(help="city, category, district or category_district")] = "city",
             horizon: Annotated[int, typer.Option(min=1, max=30, help="days ahead")] = 14,
             backtest: Annotated[bool, typer.Option("--backtest", help="rolling-origin backtest over the last 90 days")] = False,
             db: DbOption = None) -> None:
    """Daily forecasts with 80 %/95 % intervals, or the backtest's MASE against seasonal-naive."""
    from hotline.foresight.service import ForesightService

    platform = platform_for_command(db)
    service = ForesightService(platform)
    if backtest:
        result = service.backtest(level)
        typer.echo(f"backtest {level}: MASE {result.mase:.3f}, seasonal-naive {result.mase_naive:.3f}, "
                   f"ratio {result.ratio:.3f} (target ≤ 0.85)")
    else:
        frame = service.forecast(level, horizon)
        typer.echo(frame.round(1).to_string(index=False))
    platform.close()


@alerts_app.command("scan")
def scan(start: Annotated[datetime, typer.Option("--from", help="first moment replayed")],
         end: Annotated[datetime, typer.Option("--to", help="end of the replay (excluded)")],
         kind: Annotated[list[str] | None, typer.Option(help="surge, emerging, hotspot, backlog (default all)")] = None,
         deliver: Annotated[bool, typer.Option(help="send new alerts to the webhook")] = True,
         db: DbOption = None) -> None:
    """Replay [from, to) as if live, storing every alert that would have fired."""
    from hotline.foresight.alerts import KINDS, AlertService

    platform = platform_for_command(db)
    result = AlertService(platform).scan(start, end, tuple(kind or KINDS), deliver)
    typer.echo(json.dumps(vars(result)))
    platform.close()
