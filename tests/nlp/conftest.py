"""Fixtures: a small model trained once on the tiny city's words, and an app with the NLP and KB routes."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.nlp.training import train_columns
from tests.api.conftest import PASSWORD, Api

PARENTS = {"01": "01", "0101": "01", "0102": "01", "02": "02", "0201": "02", "0202": "02", "03": "03",
           "0301": "03", "0302": "03"}
PLACES = {"990101": ("东区", "990101001", "湖光社区"), "990102": ("西区", "990102001", "河口社区")}
TOPICS = {
    "0101": (["马路上有个大坑", "人行道砖松动了", "路面塌陷很危险", "道路破损没人修"], "CGJ", "complaint"),
    "0102": (["门口有人占道摆摊", "小广告贴得到处都是", "店铺占道经营", "违规停放三轮车"], None, "complaint"),
    "0201": (["暖气不热室温只有十度", "供暖温度不达标", "家里暖气片冰凉", "供热管道漏水"], "UTIL", "help"),
    "0202": (["小区停水了没有通知", "自来水发黄有异味", "水压太低楼上没水", "水管爆了到处是水"], "UTIL", "help"),
    "0301": (["楼上邻居半夜吵闹", "邻居占用楼道堆杂物", "和邻居因为漏水起了纠纷", "邻居家狗天天叫"], None, "complaint"),
    "0302": (["请问办身份证在哪里", "想咨询一下公积金怎么提取", "问一下营业时间", "咨询政策怎么办理"], "CENTRE", "consult"),
}
FILLERS = ["你好，", "喂，", "麻烦问一下，", "我想反映个事，", ""]
ENDINGS = ["，请尽快处理。", "，谢谢。", "，希望有人管管。", "。"]


def tiny_orders(n: int = 360, seed: int = 3) -> dict[str, list]:
    """Columnar closed orders of the tiny city: department depends on the district for 0102 and 0301."""
    rng = random.Random(seed)
    data: dict[str, list] = {"text": [], "places": [], "category": [], "request_type": [], "department": [],
                             "district": [], "street": []}
    for i in range(n):
        category = list(TOPICS)[i % len(TOPICS)]
        phrases, department, request_type = TOPICS[category]
        district = rng.choice(list(PLACES))
        name, street, community = PLACES[district]
        text = f"{rng.choice(FILLERS)}我住{name}{community}，{rng.choice(phrases)}{rng.choice(ENDINGS)}"
        data["text"].append(text)
        data["places"].append(f"D{district} S{street}")
        data["district"].append(district)
        data["street"].append(street)
        data["category"].append(category)
        data["request_type"].append(request_type)
        data["department"].append(department or f"GOV-{district}")
    return data


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory):
    """A models folder holding one small trained bundle (trained once per session)."""
    folder = tmp_path_factory.mktemp("models")
    train_columns(tiny_orders(), PARENTS, folder)
    return folder


@pytest.fixture
def nlp_api(platform, trained_models, monkeypatch):
    """Signed-in users over an app that has the NLP and KB routes and the trained model."""
    from hotline.knowledge.api import router as kb_router
    from hotline.nlp.api import router as nlp_router

    monkeypatch.setattr(platform.settings, "models_dir", str(trained_models))
    app = create_app(platform=platform)
    present = {getattr(r, "path", "") for r in app.routes}
    for router in (nlp_router, kb_router):
        if not any(getattr(r, "path", "") in present for r in router.routes):
            app.include_router(router)
    users = {"call_taker": "ct1", "dispatcher": "dp1", "supervisor": "sv1", "admin": "ad1", "analyst": "an1"}
    for role, name in users.items():
        platform.users.add(name, role, PASSWORD, None)
    with TestClient(app) as client:
        api = Api(client, platform)
        for role, name in users.items():
            api.headers[role] = api.login(name)
        yield api
