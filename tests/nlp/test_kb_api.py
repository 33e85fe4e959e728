"""The knowledge base on both backends: articles, versions, ranked Chinese search, logging, import."""

from __future__ import annotations

import io

from sqlalchemy import select

from hotline.knowledge.models import KbSearch

HEATING = {"title": "供暖期和室温标准", "body": "本市供暖期为每年10月15日至次年4月15日，卧室室温不低于18摄氏度。暖气不热可先排气。",
           "category": "0201", "department": "UTIL"}
WATER = {"title": "计划停水通知的查询", "body": "自来水公司计划停水提前24小时公告，突发爆管停水请拨打抢修电话。", "category": "0202"}
ID_CARD = {"title": "身份证办理", "body": "办理居民身份证请携带户口本到派出所户籍窗口，加急七个工作日。"}


def create(api, article, role="supervisor"):
    response = api.as_(role).post("/api/v1/kb/articles", json=article)
    assert response.status_code == 201, response.text
    return response.json()


def test_articles_are_versioned_with_who_changed_what(nlp_api):
    article = create(nlp_api, HEATING)
    assert article["version"] == 1 and article["category_name"] == "供暖"
    url = f"/api/v1/kb/articles/{article['id']}"
    response = nlp_api.client.patch(url, json={"body": HEATING["body"] + "室温不达标可投诉。", "version": 1},
                                     headers=nlp_api.headers["dispatcher"])
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = nlp_api.client.patch(url, json={"title": "新标题", "version": 1}, headers=nlp_api.headers["supervisor"])
    assert stale.status_code == 409 and stale.json()["rule"] == "stale_version"
    history = nlp_api.as_("analyst").get(url + "/versions").json()["items"]
    assert [(v["version"], v["action"], v["actor"], v["changed"]) for v in history] == [
        (1, "create", "sv1", ["body", "category", "department", "title"]), (2, "update", "dp1", ["body"])]
    assert history[0]["snapshot"]["body"] == HEATING["body"]


def test_only_editors_write_and_bad_fields_are_named(nlp_api):
    assert nlp_api.as_("call_taker").post("/api/v1/kb/articles", json=HEATING).status_code == 403
    for body, field in (({"title": "", "body": "x"}, "title"), ({"title": "t"}, "body"),
                        ({**WATER, "category": "9999"}, "category"), ({**WATER, "valid_to": "tomorrow"}, "valid_to"),
                        ({**WATER, "valid_from": "2024-05-01", "valid_to": "2024-04-01"}, "valid_to"),
                        ({**WATER, "colour": "red"}, "colour")):
        response = nlp_api.as_("supervisor").post("/api/v1/kb/articles", json=body)
        assert response.status_code == 422 and response.json()["field"] == field, (body, response.text)


def test_chinese_search_ranks_the_right_article_first_and_logs_it(nlp_api, platform):
    heating, water, _ = create(nlp_api, HEATING), create(nlp_api, WATER), create(nlp_api, ID_CARD)
    for query, expected in (("暖气不热怎么办", heating), ("停水", water), ("爆管", water), ("供暖时间", heating)):
        body = nlp_api.as_("call_taker").get("/api/v1/kb/search", params={"q": query}).json()
        assert body["items"][0]["id"] == expected["id"], (query, body)
    body = nlp_api.as_("call_taker").get("/api/v1/kb/search", params={"q": "暖气", "category": "02"}).json()
    assert [i["id"] for i in body["items"]] == [heating["id"]] and "暖气" in body["items"][0]["snippet"]
    used = nlp_api.as_("call_taker").post(f"/api/v1/kb/articles/{heating['id']}/use", json={"query": "暖气"})
    assert used.status_code == 201
    with platform.sessions() as session:
        rows = session.execute(select(KbSearch.username, KbSearch.query, KbSearch.hits, KbSearch.article_id)
                               .order_by(KbSearch.id)).all()
    assert len(rows) == 6 and rows[0] == ("ct1", "暖气不热怎么办", rows[0].hits, None) and rows[0].hits >= 1
    assert rows[-1] == ("ct1", "暖气", 0, heating["id"])
    assert nlp_api.as_("call_taker").get("/api/v1/kb/search", params={"q": ""}).json()["field"] == "q"


def test_archived_and_expired_articles_leave_search(nlp_api, clock):
    water = create(nlp_api, WATER)
    expired = create(nlp_api, {**HEATING, "valid_to": (clock.now.date().replace(year=2023)).isoformat()})
    nlp_api.as_("supervisor").post(f"/api/v1/kb/articles/{water['id']}/archive")
    search = lambda q, **p: [i["id"] for i in nlp_api.as_("call_taker").get("/api/v1/kb/search", params={"q": q, **p}).json()["items"]]  # noqa: E731
    assert search("停水") == [] and search("暖气") == []
    assert search("暖气", include_expired="true") == [expired["id"]]
    nlp_api.as_("supervisor").post(f"/api/v1/kb/articles/{water['id']}/restore")
    assert search("停水") == [water["id"]]


def test_import_from_markdown_docx_and_xlsx(nlp_api):
    import docx
    import openpyxl

    markdown = "# 供暖收费标准\n分类: 0201\n住宅每平方米每月4.2元。\n\n# 停水查询\n可在自来水公司公众号查询停水公告。\n".encode()
    document = docx.Document()
    document.add_heading("公积金提取", level=1)
    document.add_paragraph("购房、租房、退休可提取住房公积金。")
    docx_bytes = io.BytesIO()
    document.save(docx_bytes)
    book = openpyxl.Workbook()
    book.active.append(["标题", "内容", "部门"])
    book.active.append(["路灯报修", "路灯不亮请报城管部门。", "CGJ"])
    xlsx_bytes = io.BytesIO()
    book.save(xlsx_bytes)
    for name, content, titles in (("a.md", markdown, ["供暖收费标准", "停水查询"]),
                                  ("b.docx", docx_bytes.getvalue(), ["公积金提取"]),
                                  ("c.xlsx", xlsx_bytes.getvalue(), ["路灯报修"])):
        response = nlp_api.as_("supervisor").post("/api/v1/kb/import", files={"file": (name, content)})
        assert response.status_code == 201, response.text
        assert [a["title"] for a in response.json()["items"]] == titles
    assert nlp_api.as_("call_taker").get("/api/v1/kb/search", params={"q": "公积金"}).json()["items"][0]["title"] == "公积金提取"
    bad = nlp_api.as_("supervisor").post("/api/v1/kb/import", files={"file": ("x.docx", b"garbage")})
    assert bad.status_code == 422 and bad.json()["field"] == "file"
    assert nlp_api.as_("supervisor").post("/api/v1/kb/import", files={"file": ("x.pdf", b"%PDF")}).status_code == 422
