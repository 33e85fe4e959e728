"""What an early-warning scan reads: its window's orders one by one, and the kept history before them.

Orders are read row by row only from a few days before the scan (the longest look-back of a
judgement); everything older comes from the ledger's day tallies and piece runs, so a scan's cost
follows the length of its window, not the size of the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from hotline.foresight import emerging, history, hotspots
from hotline.foresight.daytypes import day_kinds
from hotline.foresight.ledger import Ledger
from hotline.foresight.queries import read_orders

LIGHT_COLUMNS = ("number", "created_at", "category", "district", "street", "community", "address", "citizen_phone")
TEXT_COLUMNS = ("number", "created_at", "category", "district", "community", "citizen_phone", "summary", "content")
BACKLOG_COLUMNS = ("created_at", "closed_at", "status", "department")
SURGE_HISTORY_DAYS = 120  # the baseline's level settles within weeks; shares look back 56 days
BACKLOG_HISTORY_DAYS = 40  # open orders 14 days back, closure times over five weeks


@dataclass
class ScanInputs:
    """Everything the detectors of one scan read; absent parts belong to detectors not asked for."""

    start: pd.Timestamp
    end: pd.Timestamp
    kinds: pd.Series
    season: pd.Series
    recent: pd.DataFrame | None = None  # light rows of the last days (surge, hotspot)
    recent_tallies: pd.DataFrame | None = None  # tallies of `recent` (history.tallies)
    kept: pd.DataFrame | None = None  # tallies of the days before `recent`
    texts: pd.DataFrame | None = None  # rows with their texts from the wording window (emerging)
    runs: pd.DataFrame | None = None  # piece runs of the days before `texts`
    backlog: pd.DataFrame | None = None  # created, closed, status and department (backlog)


def in_season(days: pd.DatetimeIndex, season: dict | None) -> pd.Series:
    """Whether each day lies in the city's heating season {start: "MM-DD", end: "MM-DD"}."""
    if not season:
        return pd.Series(False, index=days)
    md = days.strftime("%m-%d")
    start, end = season["start"], season["end"]
    flags = (md >= start) & (md <= end) if start <= end else (md >= start) | (md <= end)
    return pd.Series(flags, index=days)


def first_kept_days(start: datetime) -> dict[str, pd.Timestamp]:
    """The first day of history each detector that reads kept history needs for a scan from `start`."""
    start = pd.Timestamp(start)
    return {"surge": start.normalize() - pd.Timedelta(days=SURGE_HISTORY_DAYS),
            "hotspot": hotspots.history_from(start),
            "emerging": emerging.window_start(start) - pd.Timedelta(days=emerging.EmergingRules().history_days + 1)}


def gather(engine, calendar, heating_season: dict | None, start: datetime, end: datetime,
           which: tuple[str, ...]) -> ScanInputs:
    """Bring the ledger up to date and read what the detectors in `which` need for [start, end)."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    ledger = Ledger(engine)
    firsts = first_kept_days(start)
    needed = [firsts[k] for k in which if k in firsts]
    if needed:
        ledger.catch_up(min(needed).date())
    kept_span = ledger.span()
    # Rows are read from where the kept days end, at the latest from the longest look-back.
    kept_upto = pd.Timestamp(kept_span[1]) + pd.Timedelta(days=1) if kept_span else start.normalize()
    days = pd.date_range(min([*needed, start.normalize() - pd.Timedelta(days=BACKLOG_HISTORY_DAYS)]),
                         end.normalize())
    inputs = ScanInputs(start, end, day_kinds([d.date() for d in days], calendar), in_season(days, heating_season))
    texts_from = min(emerging.window_start(start), kept_upto)
    if "surge" in which or "hotspot" in which:
        recent_from = min(hotspots.recent_from(start) if "hotspot" in which
                          else start.normalize() - pd.Timedelta(days=1), kept_upto)
        # One read serves the wording detector too: its window lies inside (two days against seven).
        both = "emerging" in which and recent_from <= texts_from
        columns = tuple(dict.fromkeys(LIGHT_COLUMNS + TEXT_COLUMNS)) if both else LIGHT_COLUMNS
        inputs.recent = read_orders(engine, recent_from, end, columns)
        inputs.recent_tallies = history.tallies(inputs.recent)
        inputs.kept = _kept(ledger, inputs.recent_tallies, which, firsts, recent_from.date())
        if both:
            inputs.texts = inputs.recent
    if "emerging" in which:
        if inputs.texts is None:
            inputs.texts = read_orders(engine, texts_from, end, TEXT_COLUMNS)
        inputs.runs = ledger.piece_runs()
    if "backlog" in which:
        inputs.backlog = read_orders(engine, start - pd.Timedelta(days=BACKLOG_HISTORY_DAYS), end, BACKLOG_COLUMNS)
    return inputs


def _kept(ledger: Ledger, recent_tallies: pd.DataFrame, which: tuple[str, ...], firsts: dict,
          upto: date) -> pd.DataFrame:
    """Tallies of the days before the recent rows: the surge's, and the busy addresses' and callers'."""
    parts = [pd.DataFrame({c: [] for c in history.TALLY_COLUMNS})]
    if "surge" in which:
        parts.append(ledger.tallies(("category", "hour", "cell"), firsts["surge"].date(), upto))
    if "hotspot" in which:
        addresses, phones = hotspots.busy_keys(recent_tallies)
        first = firsts["hotspot"].date()
        parts.append(ledger.tallies_of("address", addresses, first, upto))
        parts.append(ledger.tallies_of("caller", phones, first, upto))
    kept = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    kept["day"] = pd.to_datetime(kept["day"])
    return kept
