"""The kept history (day tallies, piece runs) says what the orders say, kept in steps, on both backends."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date, datetime

import pandas as pd
import pytest

from hotline.db import make_engine, make_session_factory
from hotline.foresight import emerging, history
from hotline.foresight.ledger import READ_COLUMNS, Ledger
from hotline.foresight.queries import orders_frame
from hotline.reference.citypack import load_pack
from hotline.simulate import run
from hotline.store import migrate

from ..conftest import empty_pg_database
from .conftest import JINCHANG

FIRST, DAYS = date(2023, 10, 10), 10


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def simulated_store(request, tmp_path):
    """Ten simulated days of Jinchang (heating starts inside them) in a fresh store of each backend."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'ledger.db'}"
        else:
            url = stack.enter_context(empty_pg_database("hotline_fs"))
        engine = make_engine(url)
        migrate(engine)
        load_pack(make_session_factory(engine), JINCHANG)
        engine.dispose()
        run(JINCHANG, FIRST, DAYS, 7, 0.3, db=url, truth=tmp_path / "truth.json")
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _sorted(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[columns].sort_values(columns).reset_index(drop=True)


def test_tallies_and_runs_kept_in_steps_equal_those_of_the_orders(simulated_store):
    ledger = Ledger(simulated_store)
    assert ledger.catch_up(FIRST, until=date(2023, 10, 14)) == 5
    assert ledger.catch_up(FIRST) == DAYS - 1 - 5  # the last day is not complete yet
    assert ledger.catch_up(FIRST) == 0
    assert ledger.span() == (FIRST, date(2023, 10, 18))
    orders = orders_frame(simulated_store, datetime(2023, 10, 10), datetime(2023, 10, 19), READ_COLUMNS)
    expected = history.tallies(orders)
    kept = ledger.tallies(history.KINDS, FIRST, date(2023, 10, 19))
    columns = ["kind", "day", "key", "count"]
    pd.testing.assert_frame_equal(_sorted(kept, columns), _sorted(expected, columns), check_dtype=False)
    assert set(kept["kind"]) == set(history.KINDS)
    uses = history.piece_days(emerging.texts(orders), orders["created_at"].dt.normalize())
    runs = ["piece", "first_day", "last_day"]
    pd.testing.assert_frame_equal(_sorted(ledger.piece_runs(), runs), _sorted(history.runs(uses), runs))


def test_asking_for_earlier_days_than_kept_starts_the_history_again(simulated_store):
    ledger = Ledger(simulated_store)
    ledger.catch_up(date(2023, 10, 15))
    assert ledger.span() == (date(2023, 10, 15), date(2023, 10, 18))
    assert ledger.catch_up(FIRST) == DAYS - 1
    assert ledger.span() == (FIRST, date(2023, 10, 18))
    kept = ledger.tallies(("category",), FIRST, date(2023, 10, 19))
    assert kept.groupby("day")["count"].sum().index.min() == pd.Timestamp(FIRST)


def test_a_batch_that_does_not_continue_the_kept_days_is_refused(simulated_store):
    # Two writers (the alert scan, an incidents request) can interleave; a skipped batch would leave a gap.
    ledger = Ledger(simulated_store)
    ledger.catch_up(FIRST, until=date(2023, 10, 12))
    empty = pd.DataFrame(columns=["piece", "first_day", "last_day"])
    counted = pd.DataFrame(columns=["kind", "day", "key", "count"])
    assert not ledger._write(date(2023, 10, 15), date(2023, 10, 16), counted, empty, empty)
    assert ledger.span() == (FIRST, date(2023, 10, 12))
    assert ledger._write(date(2023, 10, 13), date(2023, 10, 14), counted, empty, empty)
    assert ledger.span() == (FIRST, date(2023, 10, 13))


@pytest.mark.parametrize("many_keys", [2_000, 1])
def test_totals_sum_the_kept_days_of_the_keys_asked_for(simulated_store, monkeypatch, many_keys):
    # Two ways to the same sums: lookups of a few keys, or one pass over the kind when many are asked.
    monkeypatch.setattr("hotline.foresight.ledger.MANY_KEYS", many_keys)
    ledger = Ledger(simulated_store)
    ledger.catch_up(FIRST)
    kept = ledger.tallies(("address",), date(2023, 10, 12), date(2023, 10, 17))
    expected = kept.groupby("key")["count"].sum()
    asked = sorted(expected.index)[::3] + ["无此地址"]
    totals = ledger.totals("address", asked, date(2023, 10, 12), date(2023, 10, 17))
    assert len(asked) > 10 and totals.sort_index().to_dict() == expected[asked[:-1]].sort_index().to_dict()
    assert ledger.totals("address", asked, date(2023, 10, 17), date(2023, 10, 17)).empty


def test_cell_tallies_summed_outside_the_daily_spans_equal_those_summed_from_the_orders(simulated_store):
    ledger = Ledger(simulated_store)
    ledger.catch_up(FIRST)
    upto, daily = date(2023, 10, 19), [(date(2023, 10, 13), date(2023, 10, 15))]
    orders = orders_frame(simulated_store, datetime(2023, 10, 10), datetime(2023, 10, 19), READ_COLUMNS)
    cells = history.tallies(orders, ("cell",))
    inside = (cells["day"] >= pd.Timestamp(daily[0][0])) & (cells["day"] < pd.Timestamp(daily[0][1]))
    stretch = (cells["day"] >= pd.Timestamp(daily[0][1])).astype(int)  # before the span 0, after it 1
    summed = (cells[~inside].groupby([stretch[~inside], "key"]).agg(day=("day", "min"), count=("count", "sum"))
              .reset_index(level="key").assign(kind="cell"))
    expected = pd.concat([cells[inside], summed], ignore_index=True)
    kept = ledger.tallies_summed("cell", FIRST, upto, daily)
    columns = ["kind", "day", "key", "count"]
    assert list(kept.columns) == columns and len(kept) < len(cells)
    pd.testing.assert_frame_equal(_sorted(kept, columns), _sorted(expected, columns), check_dtype=False)
