"""The analysis modules over a real store on both backends: counts reconcile, rates add up, drills reproduce."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.analytics.service import MODULES
from hotline.calls.models import CallRecord

ORDER_MODULES = [m for m in MODULES if m != "calls"]


def get(api, module, role="analyst", **params):
    response = api.as_(role).get(f"/api/v1/analytics/{module}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def listed(api, **params) -> int:
    response = api.as_("admin").get("/api/v1/orders", params=params | {"limit": 1})
    assert response.status_code == 200, response.text
    return response.json()["total"]


def _filters(start):
    return [
        {}, {"district": "990101"}, {"category": "01"}, {"category": "0201"}, {"channel": "phone"},
        {"status": "closed"}, {"department": "UTIL"}, {"urgency": "normal", "request_type": "complaint"},
        {"created_from": start.date().isoformat(), "created_to": (start + timedelta(days=3)).date().isoformat()},
        {"street": "990101001"},
    ]


def test_every_module_total_equals_the_order_list_total(api, dataset):
    for params in _filters(dataset["start"]):
        expected = listed(api, **params)
        for module in ORDER_MODULES:
            assert get(api, module, **params)["total"] == expected, (module, params)


def _drills(node, out):
    """Every (count, drill) pair in a response."""
    if isinstance(node, dict):
        if isinstance(node.get("drill"), dict) and isinstance(node.get("count"), int):
            out.append((node["count"], node["drill"]))
        for value in node.values():
            _drills(value, out)
    elif isinstance(node, list):
        for value in node:
            _drills(value, out)
    return out


def test_every_breakdown_drill_lists_exactly_its_orders(api, dataset):
    for params in ({}, {"district": "990102"}, {"created_from": dataset["start"].date().isoformat(),
                                               "created_to": (dataset["start"] + timedelta(days=40)).date().isoformat()}):
        body = get(api, "requests", **params)
        pairs = _drills(body, [])
        assert len(pairs) > 20
        for count, drill in pairs:
            assert listed(api, **drill) == count, drill
    for row in get(api, "efficiency")["departments"]:
        assert listed(api, **row["drill"]) == row["orders"]


def _rates(node, out):
    if isinstance(node, dict):
        if {"rate", "numerator", "denominator"} <= node.keys():
            out.append(node)
        for value in node.values():
            _rates(value, out)
    elif isinstance(node, list):
        for value in node:
            _rates(value, out)
    return out


def test_every_rate_is_its_numerator_over_its_denominator(api, dataset):
    seen = 0
    for module in MODULES:
        for figure in _rates(get(api, module), []):
            assert 0 <= figure["numerator"] and 0 <= figure["denominator"]
            if figure["denominator"]:
                assert figure["rate"] == pytest.approx(figure["numerator"] / figure["denominator"], abs=6e-5)
                seen += 1
            else:
                assert figure["rate"] is None
    assert seen > 30


def test_efficiency_counts_returns_ping_pong_reopen_and_the_three_rates(api, dataset):
    body = get(api, "efficiency")
    util = next(r for r in body["departments"] if r["key"] == "UTIL")
    cgj = next(r for r in body["departments"] if r["key"] == "CGJ")
    gov = next(r for r in body["departments"] if r["key"] == "GOV-990101")
    # The ping-pong order went UTIL → returned → GOV-990101 → returned → UTIL; another order UTIL returned once.
    assert util["returns"] == 2 and gov["returns"] == 1 and util["ping_pong_orders"] == 1
    assert cgj["reopen_rate"]["numerator"] == 1
    city = body["city"]
    assert city["satisfaction_rate"]["denominator"] == city["resolution_rate"]["denominator"] == 3
    weights = get(api, "efficiency", weights="0,0,1")
    for row in weights["departments"]:
        if row["satisfaction_rate"]["rate"] is not None:
            assert row["composite_score"] == pytest.approx(row["satisfaction_rate"]["rate"] * 100, abs=0.01)
    small = get(api, "efficiency", min_count=1000)
    assert all(row["rank"] is None for row in small["departments"])


def test_calls_reconcile_with_the_stored_calls(api, platform, dataset):
    start = dataset["start"]
    params = {"created_from": start.isoformat(), "created_to": (start + timedelta(days=2)).isoformat()}
    body = get(api, "calls", **params)
    with platform.sessions() as session:
        window = (CallRecord.queued_at >= start, CallRecord.queued_at < start + timedelta(days=2))
        offered = session.scalar(select(func.count()).select_from(CallRecord).where(*window))
        answered = session.scalar(select(func.count()).select_from(CallRecord).where(*window, CallRecord.answered))
        fast = session.scalar(select(func.count()).select_from(CallRecord).where(
            *window, CallRecord.answered, CallRecord.wait_seconds <= 15))
        missed = session.scalar(select(func.count()).select_from(CallRecord).where(
            *window, ~CallRecord.answered, CallRecord.called_back_at.is_(None)))
    assert body["total"] == body["offered"] == offered > 0
    assert body["answered"] == answered and body["abandoned"] == offered - answered
    assert body["service_level"]["numerator"] == fast and body["service_level"]["denominator"] == offered
    assert body["missed_not_called_back"]["count"] == missed
    assert sum(r["offered"] for r in body["by_half_hour"]) == offered
    assert sum(r["offered"] for r in body["by_time"]) == offered
    assert sum(r["answered"] for r in body["by_agent"]) == answered and body["by_agent_others"] is None
    assert body["agents"] == len(body["by_agent"]) >= 3
    # Only the busiest agents listed: the others summed in one row, every figure still adds up.
    few = get(api, "calls", **params, agents=2)
    assert few["by_agent"] == body["by_agent"][:2] and few["agents"] == body["agents"]
    others = few["by_agent_others"]
    assert others["agents"] == body["agents"] - 2
    for figure in ("offered", "answered", "abandoned", "missed_not_called_back"):
        assert others[figure] == sum(r[figure] for r in body["by_agent"][2:])
    assert others["answer_rate"]["denominator"] == sum(r["offered"] for r in body["by_agent"][2:])
    assert abs((others["shift_hours"] or 0) - sum(r["shift_hours"] or 0 for r in body["by_agent"][2:])) < 0.05


@pytest.mark.parametrize("narrowed", [{}, {"district": "990101", "category": "01"}, {"channel": "phone"}],
                         ids=["city", "district-and-category", "channel"])
def test_comparison_periods_match_the_order_list(api, dataset, narrowed):
    # City-wide the rollups answer each period; filtered, one pass over both earlier periods does.
    start = dataset["start"]
    params = {"created_from": (start + timedelta(days=2)).date().isoformat(),
              "created_to": (start + timedelta(days=4)).date().isoformat()} | narrowed
    body = get(api, "requests", **params)
    for key in ("previous_period", "year_ago"):
        assert body["compare"][key]["previous"] == listed(api, **body["compare"][key]["drill"])
    assert body["compare"]["previous_period"]["drill"]["created_to"] == params["created_from"] + "T00:00:00"
    assert body["compare"]["previous_period"]["previous"] > 0  # the periods compared are not empty
    for row in body["rising_categories"]:
        assert row["previous"] == listed(api, **(body["compare"]["previous_period"]["drill"] | {"category": row["key"]}))


SUMMARY_FROM_EFFICIENCY = ("on_time_signing_rate", "on_time_completion_rate", "overdue_now", "return_rate",
                           "reopen_rate", "response_rate", "resolution_rate", "satisfaction_rate")


@pytest.mark.parametrize("days", [3, 200, 400], ids=["disjoint-periods", "year-ago-overlaps-previous", "all-overlap"])
def test_summary_periods_agree_with_efficiency_and_the_order_list(api, dataset, days):
    # Filtered, summary reads every period's orders in passes over periods with disjoint windows; the
    # efficiency module and the order list each count one period on their own.
    start = dataset["start"]
    params = {"created_from": (start + timedelta(days=2) - timedelta(days=days)).date().isoformat(),
              "created_to": (start + timedelta(days=2)).date().isoformat(), "district": "990101"}
    body = get(api, "summary", **params)
    checked = 0
    for key in ("current", "previous_period", "year_ago"):
        period = body[key]
        assert period["orders"] == listed(api, **period["drill"])
        city = get(api, "efficiency", **period["drill"])["city"]
        for name in SUMMARY_FROM_EFFICIENCY:
            assert period[name] == city[name], (key, name)
        checked += period["orders"]
    assert checked > 0


def test_handler_sees_only_their_department_and_not_the_centre_calls(api, dataset, departments):
    mine = departments[0]
    body = get(api, "requests", role="handler", department="UTIL")
    assert body["filters"]["department"] == mine
    assert body["total"] == listed(api, department=mine)
    assert api.as_("handler").get("/api/v1/analytics/calls").status_code == 403
    assert api.as_("call_taker").get("/api/v1/analytics/requests").status_code == 403
    assert api.as_("analyst").get("/api/v1/analytics/nonsense").status_code == 404
    assert api.as_("analyst").get("/api/v1/analytics/requests", params={"group_by": "fortnight"}).status_code == 422


def test_group_by_a_dimension_or_a_time_unit(api, dataset):
    by_district = get(api, "requests", group_by="district")
    assert {g["key"] for g in by_district["groups"]} == {"990101", "990102"}
    by_week = get(api, "requests", group_by="week")
    assert sum(g["count"] for g in by_week["groups"]) == by_week["total"]


def test_a_change_through_the_api_shows_in_the_live_figures_within_5_seconds(api, platform, dataset):
    from .conftest import new_order

    platform.analytics.engine.refresh()  # an earlier test's change still on its way would count as this one's
    before = get(api, "overview")
    new_order(api, district="990102", category="0202")
    deadline = time.monotonic() + 5
    while True:
        after = get(api, "overview")
        if after["total"] == before["total"] + 1:
            break
        assert time.monotonic() < deadline, "the new order did not reach overview within 5 s"
        time.sleep(0.1)
    assert after["today"]["count"] == before["today"]["count"] + 1
    assert get(api, "requests")["total"] == listed(api)


def test_one_change_after_another_each_shows_within_5_seconds(api, platform, dataset):
    from .conftest import new_order

    # The SQLite driver once kept a stale snapshot after a pull: the first change showed, later ones not.
    for _ in range(3):
        before = get(api, "overview")["total"]
        new_order(api, district="990101", category="0101")
        deadline = time.monotonic() + 5
        while get(api, "overview")["total"] != before + 1:
            assert time.monotonic() < deadline, "a later order did not reach overview within 5 s"
            time.sleep(0.1)


def test_a_rebuilt_copy_answers_exactly_as_the_incremental_one(api, platform, dataset):
    def snapshot():
        out = {}
        for module in MODULES:
            body = get(api, module)
            body.pop("data_version")
            out[module] = body
        return out

    platform.analytics.engine.refresh()
    before = snapshot()
    platform.analytics.engine.rebuild()
    assert snapshot() == before
