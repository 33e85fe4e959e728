"""What an early-warning scan reads: its window's orders one by one, and the kept history before them.

Orders are read row by row only from a few days before the scan (the longest look-back of a
judgement); everything older comes from the ledger's day tallies and piece runs, so a scan's cost
follows the length of its window, not the size of the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from hotline.calendar.seasons import in_season
from hotline.foresight import backlog, emerging, history, hotspots, surges
from hotline.foresight.daytypes import day_kinds
from hotline.foresight.ledger import Ledger
from hotline.foresight.queries import backlog_orders, read_orders, read_orders_about

LIGHT_COLUMNS = ("number", "created_at", "category", "district", "street", "community", "citizen_phone")
TEXT_COLUMNS = ("number", "created_at", "category", "district", "community", "citizen_phone", "summary", "content")
HOTSPOT_COLUMNS = ("number", "created_at", "category", "district", "community", "address", "citizen_phone")
SURGE_HISTORY_DAYS = 120  # the baseline's level settles within weeks; shares look back 56 days
BACKLOG_HISTORY_DAYS = 40  # open orders 14 days back, closure times over five weeks


@dataclass
class ScanInputs:
    """Everything the detectors of one scan read; absent parts belong to detectors not asked for."""

    start: pd.Timestamp
    end: pd.Timestamp
    kinds: pd.Series
    season: pd.Series
    recent: pd.DataFrame | None = None  # rows from the day before the scan (surge)
    recent_tallies: pd.DataFrame | None = None  # tallies of the rows after the kept days (history.tallies)
    kept: pd.DataFrame | None = None  # tallies of the kept days before those
    texts: pd.DataFrame | None = None  # rows with their texts from the wording window (emerging)
    runs: pd.DataFrame | None = None  # piece runs of the days before `texts`
    hotspot_orders: pd.DataFrame | None = None  # the last weeks' orders of the addresses and callers that fire
    hotspot_findings: list | None = None  # hotspots.findings of the kept and recent tallies, judged once
    backlog: backlog.Flows | None = None  # orders opened and closed per department and day


def season_flags(days: pd.DatetimeIndex, season: dict | None) -> pd.Series:
    """Whether each day lies in the city's heating season, indexed by day (the simulator's rule)."""
    return pd.Series(in_season(list(days.date), season), index=days)


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
    # Whole days the ledger keeps come from its tallies; only the orders after them are tallied here.
    kept_upto = pd.Timestamp(kept_span[1]) + pd.Timedelta(days=1) if kept_span else start.normalize()
    tallied_upto = min(kept_upto, end.normalize())
    days = pd.date_range(min([*needed, start.normalize() - pd.Timedelta(days=BACKLOG_HISTORY_DAYS)]),
                         end.normalize())
    inputs = ScanInputs(start, end, day_kinds([d.date() for d in days], calendar), season_flags(days, heating_season))
    rows_from, columns = _rows_wanted(start, tallied_upto, which)
    if columns:
        # A hot-spot scan tallies a week more than the others read one by one: read once, handed on cut.
        weeks_from = min(rows_from, hotspots.recent_from(start)) if "hotspot" in which else rows_from
        read = read_orders(engine, weeks_from, end, columns)
        rows = read[read["created_at"] >= rows_from].reset_index(drop=True) if weeks_from < rows_from else read
        if "surge" in which:
            inputs.recent = rows
        if "emerging" in which:
            inputs.texts = rows
            inputs.runs = ledger.piece_runs()
        if "surge" in which or "hotspot" in which:
            tail = rows[rows["created_at"] >= tallied_upto]
            kinds = (surges.SURGE_KINDS if "surge" in which else ()) + (hotspots.HOTSPOT_KINDS if "hotspot" in which else ())
            later = history.tallies(tail, kinds)
            weeks = history.tallies(read[read["created_at"] >= hotspots.recent_from(start)], hotspots.HOTSPOT_KINDS) \
                if "hotspot" in which else None
            inputs.kept, inputs.recent_tallies = _kept(ledger, later, weeks, which, firsts, start, end, tallied_upto.date())
    if "hotspot" in which:
        # Orders are read only for the keys that fire: an alert names its last week's orders.
        counted = history.stacked([inputs.kept, inputs.recent_tallies])
        counted["day"] = pd.to_datetime(counted["day"])  # as hotspots.detect judges them
        found = inputs.hotspot_findings = hotspots.findings(counted, start, end)
        keys = {what: sorted({f[1] for f in found if f[0] == what}) for what in hotspots.HOTSPOT_KINDS}
        inputs.hotspot_orders = read_orders_about(engine, hotspots.recent_from(start), end, HOTSPOT_COLUMNS,
                                                  keys["address"], keys["caller"])
    if "backlog" in which:
        inputs.backlog = backlog.flows(backlog_orders(engine, start - pd.Timedelta(days=BACKLOG_HISTORY_DAYS), end))
    return inputs


def _rows_wanted(start: pd.Timestamp, tallied_upto: pd.Timestamp, which: tuple[str, ...]) -> tuple[pd.Timestamp, tuple]:
    """From when, and which columns of, the orders the detectors read one by one (or tally)."""
    froms, columns = [], ()
    if "surge" in which:
        froms.append(start.normalize() - pd.Timedelta(days=1))  # its longest window, a day
        columns += LIGHT_COLUMNS
    if "emerging" in which:
        froms.append(emerging.window_start(start))
        columns += TEXT_COLUMNS
    if "surge" in which or "hotspot" in which:
        froms.append(tallied_upto)
        columns += history.TALLIED_COLUMNS
    return min(froms, default=start), tuple(dict.fromkeys(columns))


def _kept(ledger: Ledger, later: pd.DataFrame, at_most: pd.DataFrame | None, which: tuple[str, ...], firsts: dict,
          start: pd.Timestamp, end: pd.Timestamp, upto: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tallies of the kept days before `upto`, and `later` (those of the days after), as the detectors read
    them: the surge's, and those of the addresses and callers that may fire (no other can, so the rest
    of their tallies is left out); `at_most`, see _may_fire."""
    parts = []
    if "surge" in which:
        daily = [k for k in surges.SURGE_KINDS if k != "cell"]
        parts.append(ledger.tallies(tuple(daily), firsts["surge"].date(), upto))
        spans = [(lo.date(), hi.date()) for lo, hi in surges.cell_days(start, end)]
        parts.append(ledger.tallies_summed("cell", firsts["surge"].date(), upto, spans))
    if "hotspot" in which:
        for kind in hotspots.HOTSPOT_KINDS:
            keys = _may_fire(ledger, kind, at_most[at_most["kind"] == kind], start, end, upto)
            parts.append(ledger.tallies_of(kind, keys, firsts["hotspot"].date(), upto))
            later = later[(later["kind"] != kind) | later["key"].isin(keys)]
    return history.stacked(parts), later


def _may_fire(ledger: Ledger, kind: str, at_most: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
              upto: date) -> list[str]:
    """Addresses or callers that could fire in [start, end) (hotspots.could_fire): only their history is read.

    `at_most`: tallies of the store's orders over the judged weeks' days, none below the scan's own (the
    kept ones, or those of the days after): an order keeps its day, address and phone and is never
    deleted, so the ledger can only lack orders registered after their day was kept.
    """
    rules = hotspots.HotspotRules()
    most = hotspots.busiest_weeks(at_most, start, end, rules.minimum(kind), rules)
    # Against the floor rate first: the store sums the past only of the keys still in question.
    most = most[hotspots.could_fire(kind, np.zeros(len(most)), most.to_numpy(), rules)]
    past_from, past_upto = hotspots.past_of_every_judged_day(start, end, rules)
    past = ledger.totals(kind, most.index.tolist(), past_from.date(), min(past_upto.date(), upto))
    past = past.reindex(most.index, fill_value=0).to_numpy(np.int64)
    return most.index[hotspots.could_fire(kind, past, most.to_numpy(), rules)].tolist()
