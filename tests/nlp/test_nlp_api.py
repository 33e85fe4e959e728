"""The intake suggestion API on both backends: suggestions, places, similar orders, bad input, no model."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import new_order


def suggest(api, content, role="call_taker", **extra):
    return api.as_(role).post("/api/v1/nlp/suggest", json={"content": content, **extra})


def test_suggestion_gives_top3_category_both_levels_type_department_and_place(nlp_api):
    response = suggest(nlp_api, "你好，我住东区湖光社区，家里暖气片冰凉室温只有十度，请尽快处理。")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"]["available"] is True
    top = body["category"][0]
    assert top["code"] == "0201" and top["l1"] == "02" and top["name"] == "供暖" and top["words"]
    assert len(body["category"]) == 3 and body["category"][0]["probability"] >= body["category"][1]["probability"]
    assert body["category_l1"][0]["code"] == "02"
    assert body["request_type"][0]["code"] == "help"
    assert body["department"][0]["code"] == "UTIL"
    assert body["place"]["community"] == "990101001001" and body["place"]["district"] == "990101"


def test_similar_open_orders_are_offered_at_intake(nlp_api):
    first = new_order(nlp_api, content="东区湖光社区小区停水了没有通知，一整天没水", district="东区",
                      street="东湖街道", community="湖光社区")
    body = suggest(nlp_api, "湖光社区停水了，一整天没有水也没有通知").json()
    assert [o["number"] for o in body["similar_open_orders"]] == [first["number"]]


def test_bad_input_gets_a_clear_answer(nlp_api):
    for content in ("", "   ", None, "<div><br></div>", "水" * 10_001):
        response = suggest(nlp_api, content)
        assert response.status_code == 422, (content, response.text)
        assert response.json()["field"] == "content"
    english = suggest(nlp_api, "my heating is broken")
    assert english.status_code == 200
    assert "category" not in english.json() and english.json()["warnings"]
    messy = suggest(nlp_api, "<p>我家😡😡暖气不热&nbsp;!!!</p>🔥🔥🔥")
    assert messy.status_code == 200 and messy.json()["category"][0]["code"] == "0201"
    assert suggest(nlp_api, "暖气不热", k=0).json()["field"] == "k"


def test_without_a_usable_model_intake_still_works_and_says_why(nlp_api, platform, tmp_path, monkeypatch):
    nlp_api.client.app.state.nlp = None
    monkeypatch.setattr(platform.settings, "models_dir", str(tmp_path / "none"))
    body = suggest(nlp_api, "东区湖光社区暖气不热").json()
    assert body["model"]["available"] is False and "no trained model" in body["model"]["error"]
    assert "category" not in body and body["place"]["community"] == "990101001001"
    assert new_order(nlp_api)["status"] == "registered"


def test_places_batch_and_model_status_endpoints(nlp_api):
    place = nlp_api.as_("dispatcher").post("/api/v1/nlp/places", json={"content": "西河镇河口社区路灯坏了"}).json()
    assert place["street"] == "990102001" and place["community_name"] == "河口社区"
    batch = nlp_api.as_("dispatcher").post("/api/v1/nlp/suggest/batch",
                                           json={"contents": ["小区停水了", "马路上有个大坑"]}).json()
    assert [i["category"][0]["code"] for i in batch["items"]] == ["0202", "0101"]
    status = nlp_api.as_("admin").get("/api/v1/nlp/model").json()
    assert status["available"] and status["summary"]["heads"]["category"]["classes"] == 6
    assert nlp_api.client.post("/api/v1/nlp/suggest", json={"content": "x"}).status_code == 401


def _burst(api, clock, n=4) -> list[str]:
    numbers = []
    for i in range(n):
        numbers.append(new_order(api, content=f"湖光社区{i + 1}号楼停水了，一直没来水", category="0202",
                                 district="东区", street="东湖街道", community="湖光社区")["number"])
        clock.advance(minutes=10)
    return numbers


def test_incidents_group_a_burst_of_open_orders(nlp_api, clock):
    numbers = _burst(nlp_api, clock)
    new_order(nlp_api, content="南山街道松林社区马路上有个大坑", category="0101", district="东区", street="南山街道")
    body = nlp_api.as_("dispatcher").get("/api/v1/nlp/incidents").json()
    assert body["items"] == [{"size": 4, "orders": numbers}]


def test_incidents_are_served_from_the_background_grouping_less_the_orders_closed_since(nlp_api, platform, clock,
                                                                                        monkeypatch):
    numbers = _burst(nlp_api, clock)
    kept = nlp_api.client.app.state.nlp.refresh_incidents()  # what the watch runs after each scan
    assert kept.groups == [numbers] and kept.computed_at == platform.clock() - timedelta(minutes=10)
    closed = nlp_api.as_("call_taker").post(f"/api/v1/orders/{numbers[0]}/close", json={"reply": "已联系水务公司抢修"})
    assert closed.status_code == 200, closed.text
    later = _burst(nlp_api, clock, 3)  # after the grouping: not in it until the next one
    monkeypatch.setattr(platform.settings, "incidents_request_max_orders", 0)  # a request may not group
    body = nlp_api.as_("dispatcher").get("/api/v1/nlp/incidents").json()
    assert body["computed_at"] == kept.computed_at.isoformat() + "+08:00"  # Jinchang's offset
    assert body["items"] == [{"size": 3, "orders": numbers[1:]}]
    assert nlp_api.client.app.state.nlp.refresh_incidents().groups == [numbers[1:] + later]


def test_a_big_store_without_a_background_grouping_answers_503_saying_why(nlp_api, platform, clock, monkeypatch):
    _burst(nlp_api, clock)
    monkeypatch.setattr(platform.settings, "incidents_request_max_orders", 3)
    response = nlp_api.as_("dispatcher").get("/api/v1/nlp/incidents")
    assert response.status_code == 503
    assert "more than 3 orders" in response.json()["detail"] and "HOTLINE_ALERT_SCAN_SECONDS" in response.json()["detail"]
    monkeypatch.setattr(platform.settings, "incidents_request_max_orders", 4)  # the four orders: small enough
    assert nlp_api.as_("dispatcher").get("/api/v1/nlp/incidents").json()["total"] == 1
