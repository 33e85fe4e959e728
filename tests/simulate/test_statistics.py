"""The simulated year's statistics against the pack's targets (Jinchang 2023, seed 7, scale 1)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import numpy as np
import pyarrow.compute as pc


def _col(table, name):
    return np.array(table[name].to_pylist())


def _daily(wo, mask=None):
    days = np.array([s[:10] for s in wo["created_at"].to_pylist()])
    if mask is not None:
        days = days[mask]
    values, counts = np.unique(days, return_counts=True)
    return dict(zip(values, counts))


def test_volumes_and_type_shares(year):
    wo = year.work_orders
    per_day = wo.num_rows / 365
    assert 350 <= per_day <= 500
    rtype = _col(wo, "request_type")
    share = {t: float((rtype == t).mean()) for t in np.unique(rtype)}
    assert 0.36 <= share["consult"] <= 0.46
    assert 0.28 <= share["complaint"] + share["report"] <= 0.38
    assert 0.15 <= share["help"] <= 0.25
    assert 0.01 <= share["suggestion"] <= 0.04
    assert 0.001 <= share["praise"] <= 0.006
    assert 0.75 <= float((_col(wo, "channel") == "phone").mean()) <= 0.85


def test_weekly_rhythm_and_holidays(year):
    daily = _daily(year.work_orders)
    work, weekend = [], []
    for key, n in daily.items():
        d = date.fromisoformat(key)
        if chinese_calendar.is_holiday(d) and d.weekday() < 5:
            continue
        (weekend if d.weekday() >= 5 and not chinese_calendar.is_workday(d) else work).append(n)
    ratio = np.mean(work) / np.mean(weekend)
    assert 1.2 <= ratio <= 1.7, ratio
    spring = [daily[(date(2023, 1, 21) + timedelta(days=i)).isoformat()] for i in range(7)]
    january = [n for k, n in daily.items() if k.startswith("2023-01") and chinese_calendar.is_workday(date.fromisoformat(k))]
    assert np.mean(spring) < 0.65 * np.mean(january)
    national = [daily[(date(2023, 9, 29) + timedelta(days=i)).isoformat()] for i in range(8)]
    september = [n for k, n in daily.items() if k.startswith("2023-09") and chinese_calendar.is_workday(date.fromisoformat(k))]
    assert np.mean(national) < 0.8 * np.mean(september)


def test_seasonal_peaks(year):
    wo = year.work_orders
    cat = _col(wo, "category")
    month = np.array([s[5:7] for s in wo["created_at"].to_pylist()])

    def count(code, months):
        return int(((cat == code) & np.isin(month, months)).sum())

    assert count("0507", ["07", "08"]) >= 4 * count("0507", ["01", "02"])  # mosquitoes
    assert count("0302", ["07"]) > 1.3 * count("0302", ["03"])  # water
    assert count("0303", ["07"]) > 1.3 * count("0303", ["03"])  # power
    assert count("0801", ["08"]) >= 3 * count("0801", ["03"])  # school enrolment
    assert count("0301", ["11"]) >= 10 * count("0301", ["07"])  # heating season


def test_heating_surge_late_october_2023(year):
    wo = year.work_orders
    created = _col(wo, "created_at")
    heating = _col(wo, "category") == "0301"
    district = _col(wo, "district")
    late = (created >= "2023-10-21") & (created < "2023-11-01")
    september = (created >= "2023-09-01") & (created < "2023-10-01")
    assert (heating & late).sum() >= 5 * (heating & september).sum()
    yongchang = int((heating & late & (district == "620321")).sum())
    jinchuan = int((heating & late & (district == "620302")).sum())
    assert abs(yongchang - 232) <= 0.15 * 232, yongchang
    assert abs(jinchuan - 34) <= 0.15 * 34, jinchuan
    surge = [i for i in year.incidents if i["kind"] == "heating_surge"]
    assert {i["place"]["name"] for i in surge} == {"永昌县", "金川区"}


def test_every_incident_is_in_the_orders(year):
    wo = year.work_orders
    by_number = {n: i for i, n in enumerate(wo["number"].to_pylist())}
    cat, district, comm = _col(wo, "category"), _col(wo, "district"), _col(wo, "community")
    kinds = {i["kind"] for i in year.incidents}
    assert {"heating_surge", "burst_outage", "new_problem"} <= kinds
    for inc in year.incidents:
        assert inc["orders"], inc["id"]
        rows = np.array([by_number[n] for n in inc["orders"]])
        assert (cat[rows] == inc["category"]).all()
        if inc["kind"] == "heating_surge":
            assert (district[rows] == inc["place"]["code"]).all()
        if inc["kind"] == "burst_outage":
            assert (comm[rows] == inc["place"]["code"]).all()
            assert 10 <= len(rows) <= 100
        assert inc["start"] <= min(wo["created_at"].take(rows).to_pylist())[:10] <= inc["end"]
    merged = pc.filter(wo, pc.equal(wo["status"], "merged"))
    assert merged.num_rows > 0
    assert set(merged["merged_into"].to_pylist()) <= set(by_number)


def test_calls_follow_orders_and_staffing(year):
    wo, calls = year.work_orders, year.call_records
    ratio = calls.num_rows / wo.num_rows
    assert 2.7 <= ratio <= 3.3, ratio  # most calls make no order (simulation.yaml, calls)
    answered = _col(calls, "answered")
    abandon = 1 - answered.mean()
    assert 0.01 <= abandon <= 0.10, abandon
    linked = set(pc.drop_null(pc.filter(calls["order_id"], calls["answered"])).to_pylist())
    phone_ids = pc.filter(wo["id"], pc.equal(wo["channel"], "phone")).to_pylist()
    assert all(i in linked for i in phone_ids)
    talk = _col(calls, "talk_seconds")[answered]
    assert 120 <= talk.mean() <= 180
    shifts = year.agent_shifts
    assert shifts.num_rows > 0
    # Waits and abandonment rise when calls outrun the agents on duty.
    from datetime import date

    from hotline.simulate.calls import queue
    from hotline.simulate.generate import build_model
    from tests.simulate.conftest import PACK

    model = build_model(PACK, date(2023, 10, 1), 5, 7, 1.0)
    pw, wait, ab = queue(model, np.array([5, 20, 35, 50, 80]), np.full(5, 12))
    assert (np.diff(pw * wait) > 0).all() and (np.diff(ab) > 0).all()
    assert ab[0] < 0.02 and ab[-1] > 0.2
    # Repeat callers: some phones have many orders.
    _, per_phone = np.unique(_col(wo, "citizen_phone"), return_counts=True)
    assert 20 <= per_phone.max() <= 365 * 1.25  # the busiest caller: about one order a day at most


def test_frequent_callers_shares_follow_zipf_under_a_cap():
    from hotline.simulate.generate import caller_shares

    share = caller_shares(1000, 1.15, 0.01)
    assert abs(share.sum() - 1) < 1e-12 and share.max() <= 0.01 * (1 + 1e-9)
    assert (np.diff(share) <= 1e-10).all()  # still by rank
    assert (share[:5] == share[0]).all() and share[-1] < share[100]  # the capped ones equal, the tail Zipf
    uncapped = caller_shares(1000, 1.15, 1.0)
    assert np.allclose(uncapped / uncapped[0], 1.0 / np.arange(1, 1001) ** 1.15)
    assert np.allclose(caller_shares(10, 1.15, 0.05), 0.1)  # a cap that cannot hold: all equal


def test_knowledge_base(year):
    assert 200 <= year.kb_articles.num_rows <= 600
    s = year.kb_searches
    hits = _col(s, "hits")
    assert 0.05 <= (hits == 0).mean() <= 0.3
    assert s["article_id"].null_count < s.num_rows
