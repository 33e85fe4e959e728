"""Department suggestion (智能派单): history of the category in the place, with the text's say in close cases."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from hotline.nlp.registry import ModelRegistry
from hotline.nlp.routing import count_history, fit_router
from hotline.nlp.training import train, train_columns
from hotline.workorders.models import WorkOrder

from .conftest import PARENTS, tiny_orders

UNITS = np.array(["GAS", "HEAT-A", "HEAT-B", "ROADS", "TOWN-1", "TOWN-2"])


def _orders(n: int = 600, seed: int = 1) -> dict[str, list]:
    """Roads go to the town in town 1's street and to the roads bureau elsewhere; two heating companies
    share the city and the citizen names theirs (the text decides)."""
    rng = np.random.default_rng(seed)
    data: dict[str, list] = {"category": [], "district": [], "street": [], "department": [], "named": []}
    for _ in range(n):
        street = str(rng.choice(["S1", "S2", "S3"]))
        category = str(rng.choice(["roads", "heating"]))
        if category == "roads":
            unit, named = ("TOWN-1" if street == "S1" else "ROADS"), None
        else:
            unit = named = str(rng.choice(["HEAT-A", "HEAT-B"]))
        data["category"].append(category)
        data["district"].append("D1" if street != "S3" else "D2")
        data["street"].append(street)
        data["department"].append(unit)
        data["named"].append(named)
    return data


def _sure(classes: np.ndarray, labels: list[str], p: float = 0.97) -> np.ndarray:
    """Probabilities of a model that is right with probability p on each row."""
    prob = np.full((len(labels), len(classes)), (1 - p) / (len(classes) - 1))
    prob[np.arange(len(labels)), np.searchsorted(classes, labels)] = p
    return prob


def test_history_follows_the_place_and_backs_off_to_the_district_and_city():
    data = _orders()
    router = count_history(data["category"], data["district"], data["street"], data["department"], UNITS)
    top = lambda *key: UNITS[int(np.argmax(router.history(*key)))]  # noqa: E731
    assert top("roads", "D1", "S1") == "TOWN-1"
    assert top("roads", "D1", "S2") == "ROADS"
    # A street never seen leans on its district, and an unknown place on the whole city.
    assert top("roads", "D2", "S9") == "ROADS"
    assert router.history("roads", None, None)[list(UNITS).index("ROADS")] > 0.5
    assert np.isclose(router.history("heating", "D1", "S1").sum(), 1.0)
    evidence = router.evidence("roads", "D1", "S1", "TOWN-1")
    assert evidence.level == "street" and evidence.orders == evidence.handled > 50
    reason = evidence.reason({"S1": "河西堡镇", "roads": "市政道路"})
    assert "河西堡镇" in reason and "市政道路" in reason and str(evidence.orders) in reason
    assert router.evidence("roads", None, "S9", "ROADS").level == "city"
    # A unit the place's history never used is suggested only on the text's word, and says so.
    assert "线索" in router.evidence("roads", "D1", "S1", "ROADS").reason({}) and "线索" not in reason


def test_the_text_decides_where_the_history_is_split_and_probabilities_are_calibrated():
    data = _orders(1200)
    categories = np.array(["heating", "roads"])
    held = np.arange(0, 1200, 4)
    cat_prob = _sure(categories, [data["category"][i] for i in held])
    # The text model reads the company named; elsewhere it knows only roughly who handles what.
    text_truth = [data["named"][i] or data["department"][i] for i in held]
    text_prob = _sure(UNITS, text_truth, p=0.6)
    router = fit_router(data, categories, cat_prob, UNITS, text_prob, held)
    assert router.text_weight > 0 and router.metrics["holdout_top1"] > 0.98
    test = _orders(400, seed=2)
    prob = router.proba(categories, _sure(categories, test["category"]), test["district"], test["street"],
                        UNITS, _sure(UNITS, [t or u for t, u in zip(test["named"], test["department"])], p=0.6))
    predicted = router.departments[prob.argmax(axis=1)]
    assert (predicted == np.array(test["department"])).mean() > 0.98
    assert np.allclose(prob.sum(axis=1), 1.0)
    # Calibrated: the confidence it states is about the accuracy it reaches.
    assert abs(prob.max(axis=1).mean() - (predicted == np.array(test["department"])).mean()) < 0.05
    # Without the text the split lines stay a coin toss between the two companies.
    alone = fit_router(data, categories, cat_prob, None, None, held)
    assert 0.6 < alone.metrics["holdout_top1"] < 0.9 and alone.metrics["holdout_top3"] == 1.0


def test_training_with_places_saves_a_router_and_suggestions_give_a_reason(tmp_path):
    summary = train_columns(tiny_orders(), PARENTS, tmp_path)
    assert summary["router"]["holdout_top1"] >= 0.9
    bundle = ModelRegistry(tmp_path).current()
    assert set(bundle.router.departments) == {"CENTRE", "CGJ", "GOV-990101", "GOV-990102", "UTIL"}
    without = {k: v for k, v in tiny_orders().items() if k not in ("district", "street")}
    assert train_columns(without, PARENTS, tmp_path / "text-only")["router"] is None


@pytest.mark.parametrize(("text", "unit", "street"), [
    ("我住西区河口社区，门口有人占道摆摊，请尽快处理。", "GOV-990102", "西河镇"),
    ("我住东区湖光社区，店铺占道经营，谢谢。", "GOV-990101", "东湖街道")])
def test_suggested_department_follows_the_place_with_the_history_as_reason(nlp_api, text, unit, street):
    body = nlp_api.as_("call_taker").post("/api/v1/nlp/suggest", json={"content": text}).json()
    top = body["department"][0]
    assert top["code"] == unit and top["reason"].startswith("历史同类同地派单")
    assert street in top["reason"] and body["category"][0]["name"] in top["reason"]
    probabilities = [d["probability"] for d in body["department"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) <= 1.0001


def test_training_from_the_store_learns_each_orders_final_unit_at_its_place(platform, tmp_path):
    data = tiny_orders(120)
    at = datetime(2024, 3, 1, 9)
    with platform.sessions() as session:
        for i, (text, category, kind, unit, district, street) in enumerate(zip(
                data["text"], data["category"], data["request_type"], data["department"], data["district"],
                data["street"])):
            session.add(WorkOrder(
                number=f"R{i:05d}", channel="phone", request_type=kind, content=text, citizen_phone="13800000000",
                category_l1=category[:2], category=category, department=unit, co_departments=[], district=district,
                street=street, status="closed", created_at=at, updated_at=at, closed_at=at + timedelta(minutes=i)))
        session.commit()
    summary = train(platform.sessions, tmp_path)
    assert summary["router"]["places"] > 0
    router = ModelRegistry(tmp_path).current().router
    evidence = router.evidence("0102", "990102", "990102001", "GOV-990102")
    assert evidence.level == "street" and evidence.orders == evidence.handled > 0
