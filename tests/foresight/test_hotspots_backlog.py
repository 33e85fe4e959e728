"""Hot spots against their own past, repeat callers, and departments falling behind."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotline.foresight import backlog, hotspots


def _orders(rows):
    frame = pd.DataFrame(rows, columns=["created_at", "address", "citizen_phone", "closed_at", "department"])
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    frame["closed_at"] = pd.to_datetime(frame["closed_at"])
    return frame.assign(number=[f"GD{i}" for i in range(len(frame))], category="0201", district="620302",
                        community="620302001001", status="closed")


def test_an_address_that_suddenly_calls_is_a_hot_spot_but_a_habitual_caller_is_not():
    rows = [("2023-03-01 10:00", "昌荣里3栋", "1380000000", None, "A")]
    rows += [(f"2023-05-0{d} 1{d}:00", "昌荣里3栋", f"139000000{d}", None, "A") for d in range(1, 7)]
    days = pd.date_range("2023-02-01", "2023-05-07", freq="D")
    rows += [(f"{d:%Y-%m-%d} 09:00", f"某小区{i}号", "13700000000", None, "A") for i, d in enumerate(days)]
    alerts = hotspots.detect(_orders(rows), pd.Timestamp("2023-05-01"), pd.Timestamp("2023-05-08"))
    assert [(a["what"], a["key"]) for a in alerts] == [("address", "昌荣里3栋")]
    assert alerts[0]["count"] >= 5 and alerts[0]["expected"] < 1 and len(alerts[0]["samples"]) == 5


def test_a_department_whose_open_orders_grow_while_closing_slows_is_flagged():
    rows = []
    for day in pd.date_range("2023-01-01", "2023-03-31", freq="D"):
        late = day >= pd.Timestamp("2023-03-10")
        for k in range(4):
            created = day + pd.Timedelta(hours=9 + k)
            closed = None if late and k < 3 else created + pd.Timedelta(hours=60 if late else 24)
            rows.append((created, "", f"13{k}", closed, "SLOW"))
            rows.append((created, "", f"15{k}", created + pd.Timedelta(hours=24), "FAST"))
    frame = _orders([(str(a), b, c, None if d is None else str(d), e) for a, b, c, d, e in rows])
    frame.loc[frame["closed_at"].isna(), "status"] = "in_progress"
    alerts = backlog.detect(frame, pd.Timestamp("2023-03-15"), pd.Timestamp("2023-04-01"))
    assert {a["department"] for a in alerts} == {"SLOW"}
    assert alerts[1]["detected_at"] - alerts[0]["detected_at"] >= pd.Timedelta(days=14)  # muted meanwhile
    assert alerts[0]["open_now"] > alerts[0]["open_before"] and alerts[0]["closure_hours_recent"] > 24


def test_a_store_with_nothing_closed_yet_has_flows_and_no_backlog():
    frame = _orders([("2023-03-01 09:00", "", "130", None, "SLOW"), ("2023-03-02 10:00", "", "131", None, "SLOW")])
    frame["status"] = "in_progress"
    flows = backlog.flows(backlog.counted(frame))
    assert flows.closed.empty and int(flows.opened["count"].sum()) == 2
    assert backlog.detect(frame, pd.Timestamp("2023-03-01"), pd.Timestamp("2023-03-05")) == []
    assert backlog.detect(frame.iloc[0:0], pd.Timestamp("2023-03-01"), pd.Timestamp("2023-03-05")) == []


def _random_tallies(seed: int, first: str, days: int) -> pd.DataFrame:
    """Day tallies of many quiet keys, some busy ones and a few that suddenly call, as the ledger keeps them."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(300):
        rate = rng.choice([0.02, 0.1, 0.5, 2.0])
        for d, n in enumerate(rng.poisson(rate, days)):
            if n:
                rows.append((pd.Timestamp(first) + pd.Timedelta(days=d), f"k{k}", int(n)))
    for k in range(5):  # a sudden week late in the span
        for d in range(days - 20, days - 14):
            rows.append((pd.Timestamp(first) + pd.Timedelta(days=d), f"k{k}", 3))
    frame = pd.DataFrame(rows, columns=["day", "key", "count"]).groupby(["day", "key"], as_index=False)["count"].sum()
    return frame.assign(kind="address")


def test_busiest_week_of_each_key_is_its_largest_judged_week():
    start, end = pd.Timestamp("2023-05-01"), pd.Timestamp("2023-05-20")
    counted = _random_tallies(1, "2023-04-01", 60)
    most = hotspots.busiest_weeks(counted, start, end, 5)
    for key, group in counted.groupby("key"):
        daily = group.set_index("day")["count"].reindex(pd.date_range("2023-04-01", periods=60), fill_value=0)
        weeks = [daily[d - pd.Timedelta(days=6):d].sum() for d in pd.date_range(start, end - pd.Timedelta(days=1))]
        if sum(daily[start - pd.Timedelta(days=6):end - pd.Timedelta(days=1)]) >= 5:
            assert most[key] == max(weeks)
        else:
            assert key not in most.index


def test_every_key_that_fires_could_fire_by_its_busiest_week_and_the_past_of_every_judged_day():
    start, end = pd.Timestamp("2023-07-01"), pd.Timestamp("2023-07-31")
    counted = _random_tallies(2, "2023-03-01", 152)
    fired = {f[1] for f in hotspots.findings(counted, start, end)}
    most = hotspots.busiest_weeks(counted, start, end, 5)
    past_from, past_upto = hotspots.past_of_every_judged_day(start, end)
    past = counted[(counted["day"] >= past_from) & (counted["day"] < past_upto)].groupby("key")["count"].sum()
    could = most.index[hotspots.could_fire("address", past.reindex(most.index, fill_value=0).to_numpy(), most.to_numpy())]
    assert fired and fired <= set(could)
    assert len(could) < len(most) / 2  # the bound is worth having: most busy keys are ruled out
    judged_again = {f[1] for f in hotspots.findings(counted[counted["key"].isin(could)], start, end)}
    assert judged_again == fired
