"""Daily volume forecasts with prediction intervals, and rolling-origin backtests against
seasonal-naive; pure DataFrame → DataFrame.

Volumes are divided by a factor per kind of day (weekday, weekend, holiday, Spring Festival,
swapped working day) and, once a year of history exists, by last year's seasonal profile (the
heating season, summer floods, school enrolment); statsforecast's AutoETS forecasts what is left
and the factors are multiplied back for the days ahead, whose kinds the official calendar knows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotline.foresight.daytypes import estimate_factors

os.environ.setdefault("NIXTLA_ID_AS_COL", "1")

LEVELS = (80, 95)
YEAR = 364  # 52 weeks: last year's same weekday
PROFILE_HALF_WIDTH = 14
PROFILE_SHRINK = 60.0  # pseudo-orders pulling a small series' yearly profile toward the total's
TOTAL = "__total__"


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin backtest figures: MASE of the model and of seasonal-naive, per series and overall."""

    per_series: pd.DataFrame
    mase: float
    mase_naive: float

    @property
    def ratio(self) -> float:
        """The model's MASE as a share of seasonal-naive's (the target is ≤ 0.85)."""
        return self.mase / self.mase_naive if self.mase_naive else float("nan")


def complete(counts: pd.DataFrame, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Every series on every day from start to end, missing days as zero."""
    counts = counts.assign(ds=pd.to_datetime(counts["ds"]))
    start = start if start is not None else counts["ds"].min()
    end = end if end is not None else counts["ds"].max()
    days = pd.date_range(start, end, freq="D")
    ids = sorted(counts["unique_id"].unique())
    grid = pd.MultiIndex.from_product([ids, days], names=["unique_id", "ds"])
    wide = counts.groupby(["unique_id", "ds"])["y"].sum().reindex(grid, fill_value=0.0)
    return wide.reset_index()


def _profile(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centred 29-day sums of a day-adjusted series and the window sizes, for a yearly profile."""
    series = pd.Series(z)
    width = 2 * PROFILE_HALF_WIDTH + 1
    sums = series.rolling(width, center=True, min_periods=PROFILE_HALF_WIDTH).sum().to_numpy()
    sizes = series.rolling(width, center=True, min_periods=PROFILE_HALF_WIDTH).count().to_numpy()
    return sums, sizes


def _yearly(z: np.ndarray, total_rel: np.ndarray | None) -> np.ndarray:
    """Each day's level relative to the series' mean, from a centred window (shrunk toward the total's)."""
    sums, sizes = _profile(z)
    mean = max(z.mean(), 1e-9)
    rel = (sums / np.maximum(sizes, 1)) / mean
    if total_rel is not None:
        rel = (sums * rel + PROFILE_SHRINK * total_rel) / (sums + PROFILE_SHRINK)
    return np.nan_to_num(rel, nan=1.0)


def _adjustments(panel: pd.DataFrame, kinds: pd.Series, horizon: int) -> dict[str, dict]:
    """Per series: day factors and yearly profile for the history and the days ahead."""
    end = panel["ds"].max()
    future = pd.date_range(end + pd.Timedelta(days=1), periods=horizon, freq="D")
    all_days = panel["ds"].drop_duplicates().sort_values()
    kind_hist = kinds.reindex(all_days).fillna("wed").to_numpy()
    kind_future = kinds.reindex(future).fillna("wed").to_numpy()
    total = panel.groupby("ds")["y"].sum().reindex(all_days).to_numpy()
    pooled = estimate_factors(total, kind_hist)
    yearly = len(all_days) >= YEAR + 60
    out: dict[str, dict] = {}

    def one(y: np.ndarray, prior: dict | None, total_rel: np.ndarray | None) -> dict:
        factors = estimate_factors(y, kind_hist, prior) if prior else pooled
        g_hist = np.array([factors[k] for k in kind_hist])
        g_future = np.array([factors[k] for k in kind_future])
        z = y / g_hist
        if yearly:
            rel = _yearly(z, total_rel)
            # Last year's level on the same weekday; the days ahead read it a year back too.
            r_all = np.concatenate([rel, np.full(horizon, np.nan)])
            idx_hist = np.arange(len(y)) - YEAR
            idx_future = np.arange(len(y), len(y) + horizon) - YEAR
            r_hist = np.where(idx_hist >= 0, r_all[np.clip(idx_hist, 0, None)], np.nan)
            r_future = r_all[idx_future]
            r_hist, r_future = np.clip(r_hist, 0.05, None), np.clip(r_future, 0.05, None)
        else:
            rel = None
            r_hist, r_future = np.ones(len(y)), np.ones(horizon)
        return dict(g_hist=g_hist, g_future=g_future, r_hist=r_hist, r_future=r_future, rel=rel)

    total_adj = one(total, None, None)
    for uid, group in panel.groupby("unique_id", sort=False):
        y = group["y"].to_numpy(dtype=float)
        out[uid] = one(y, pooled, total_adj["rel"])
    out[TOTAL] = total_adj
    return out | {"__future__": {"days": future}}


def forecast(counts: pd.DataFrame, kinds: pd.Series, horizon: int, levels: tuple[int, ...] = LEVELS,
             n_jobs: int = 1) -> pd.DataFrame:
    """Daily forecasts for every series: unique_id, ds, mean, lo-L and hi-L for each level L.

    `counts` holds unique_id, ds, y (complete daily series, see `complete`); `kinds` gives the kind
    of every day in the history and the horizon (see daytypes.day_kinds).
    """
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    panel = counts.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    adjust = _adjustments(panel, kinds, horizon)
    future = adjust.pop("__future__")["days"]
    adjust.pop(TOTAL)
    frames = []
    for uid, group in panel.groupby("unique_id", sort=False):
        a = adjust[uid]
        w = group["y"].to_numpy(dtype=float) / a["g_hist"] / a["r_hist"]
        keep = ~np.isnan(w)
        frames.append(pd.DataFrame({"unique_id": uid, "ds": group["ds"].to_numpy()[keep], "y": w[keep]}))
    train = pd.concat(frames, ignore_index=True)
    model = StatsForecast(models=[AutoETS(season_length=1, model="ZZN", damped=None)], freq="D", n_jobs=n_jobs)
    raw = model.forecast(df=train, h=horizon, level=list(levels))
    results = []
    for uid, group in raw.groupby("unique_id", sort=False):
        a = adjust[uid]
        scale = a["g_future"] * a["r_future"]
        row = {"unique_id": uid, "ds": future, "mean": np.maximum(group["AutoETS"].to_numpy() * scale, 0)}
        for level in levels:
            row[f"lo-{level}"] = np.maximum(group[f"AutoETS-lo-{level}"].to_numpy() * scale, 0)
            row[f"hi-{level}"] = np.maximum(group[f"AutoETS-hi-{level}"].to_numpy() * scale, 0)
        results.append(pd.DataFrame(row))
    return pd.concat(results, ignore_index=True)


def seasonal_naive(counts: pd.DataFrame, horizon: int, season: int = 7) -> pd.DataFrame:
    """The benchmark: each day ahead equals the same weekday of the last week seen."""
    rows = []
    for uid, group in counts.sort_values("ds").groupby("unique_id", sort=False):
        last = group["y"].to_numpy(dtype=float)[-season:]
        days = pd.date_range(group["ds"].max() + pd.Timedelta(days=1), periods=horizon, freq="D")
        rows.append(pd.DataFrame({"unique_id": uid, "ds": days, "mean": np.resize(last, horizon)}))
    return pd.concat(rows, ignore_index=True)


def backtest(counts: pd.DataFrame, kinds: pd.Series, test_days: int = 90, horizon: int = 7,
             n_jobs: int = 1) -> Backtest:
    """Rolling-origin backtest over the last `test_days` days, refitting at every origin.

    MASE scales each window's absolute error by the in-sample mean absolute seasonal (weekly)
    difference, as Hyndman & Koehler define it; the ratio to seasonal-naive's MASE is reported.
    """
    panel = counts.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    end = panel["ds"].max()
    origins = [end - pd.Timedelta(days=test_days - k) for k in range(0, test_days, horizon)]
    records = []
    for origin in origins:
        history = panel[panel["ds"] <= origin]
        actual = panel[(panel["ds"] > origin) & (panel["ds"] <= origin + pd.Timedelta(days=horizon))]
        steps = int((min(origin + pd.Timedelta(days=horizon), end) - origin).days)
        if steps <= 0:
            continue
        model = forecast(history, kinds, steps, levels=(80,), n_jobs=n_jobs)[["unique_id", "ds", "mean"]]
        naive = seasonal_naive(history, steps).rename(columns={"mean": "naive"})
        joined = actual.merge(model, on=["unique_id", "ds"]).merge(naive, on=["unique_id", "ds"])
        scale = (history.groupby("unique_id")["y"]
                 .apply(_weekly_scale).rename("scale"))
        joined = joined.join(scale, on="unique_id")
        joined["origin"] = origin
        records.append(joined)
    frame = pd.concat(records, ignore_index=True)
    frame = frame[frame["scale"] > 0]
    frame["err_model"] = (frame["y"] - frame["mean"]).abs() / frame["scale"]
    frame["err_naive"] = (frame["y"] - frame["naive"]).abs() / frame["scale"]
    per_series = frame.groupby("unique_id")[["err_model", "err_naive"]].mean().rename(
        columns={"err_model": "mase", "err_naive": "mase_naive"}).reset_index()
    return Backtest(per_series=per_series, mase=float(frame["err_model"].mean()),
                    mase_naive=float(frame["err_naive"].mean()))


def _weekly_scale(series: pd.Series) -> float:
    """Mean absolute difference between a day and the same weekday a week before (MASE's scale)."""
    values = series.to_numpy(dtype=float)
    return float(np.abs(values[7:] - values[:-7]).mean()) if len(values) > 7 else float("nan")


def hourly(daily: pd.DataFrame, profile: pd.DataFrame, kinds: pd.Series, slots: int = 24) -> pd.DataFrame:
    """Daily forecasts spread over the day's slots by the profile of working days or days off.

    `profile` has columns off (bool), slot, share; intervals add Poisson noise to the share of the
    daily interval, so that a quiet hour is not given a falsely narrow band.
    """
    off = kinds.reindex(daily["ds"]).isin(("sat", "sun", "holiday", "festival")).to_numpy()
    frame = daily.assign(off=off).merge(profile, on="off")
    minutes = 24 * 60 // slots
    frame["ds"] = frame["ds"] + pd.to_timedelta(frame["slot"] * minutes, unit="min")
    mean = frame["mean"] * frame["share"]
    out = frame[["unique_id", "ds"]].assign(mean=mean)
    for column in [c for c in daily.columns if c.startswith(("lo-", "hi-"))]:
        level = int(column.split("-")[1])
        z = {80: 1.2816, 95: 1.96}.get(level, 1.96)
        spread = np.sqrt(((frame[column] - frame["mean"]) * frame["share"]) ** 2 + z * z * mean)
        out[column] = np.maximum(mean - spread, 0) if column.startswith("lo-") else mean + spread
    return out.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def slot_profile(times: pd.Series, kinds: pd.Series, slots: int = 24) -> pd.DataFrame:
    """Share of a day's volume per slot (hour or half-hour), on working days and days off."""
    return slot_shares(pd.DataFrame({"ds": times, "y": np.ones(len(times), dtype=np.int64)}), kinds, slots)


def slot_shares(counts: pd.DataFrame, kinds: pd.Series, slots: int = 24) -> pd.DataFrame:
    """`slot_profile` from counts: `counts` has ds (a time within the slot, e.g. its start) and y.

    Each slot's count is one more than seen (no slot is given a share of nothing): off (bool), slot, share.
    """
    minutes = 24 * 60 // slots
    times = counts["ds"]
    slot = ((times.dt.hour * 60 + times.dt.minute) // minutes).to_numpy()
    off = kinds.reindex(times.dt.normalize()).isin(("sat", "sun", "holiday", "festival")).to_numpy()
    seen = counts["y"].groupby([off, slot]).sum()
    table = pd.DataFrame(0, index=pd.Index([False, True]), columns=pd.RangeIndex(slots), dtype=np.int64)
    for (day_off, at), y in seen.items():
        if 0 <= at < slots:
            table.loc[bool(day_off), int(at)] = y
    table += 1
    shares = table.div(table.sum(axis=1), axis=0)
    return shares.stack().rename("share").rename_axis(["off", "slot"]).reset_index()
