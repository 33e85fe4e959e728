"""Special topics (每月一题 → 专题) are updated through the API: status, departments, tasks; both backends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app


@pytest.fixture
def client(platform):
    platform.users.add("lead", "supervisor", "secret-pass-1")
    platform.users.add("analyst", "analyst", "secret-pass-1")
    with TestClient(create_app(platform=platform)) as client:
        yield client


def _headers(client, user: str) -> dict:
    token = client.post("/api/v1/auth/token", data={"username": user, "password": "secret-pass-1"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


@pytest.fixture
def topic(client) -> dict:
    created = client.post("/api/v1/special-topics", headers=_headers(client, "lead"), json={
        "month": "2024-02", "title": "供暖不热", "lead_department": "CGJ", "co_departments": ["GOV-990101"],
        "tasks": [{"title": "排查管网", "department": "CGJ", "due_on": "2024-03-15"}]})
    assert created.status_code == 201, created.text
    return created.json()


def test_a_topic_moves_on_takes_new_departments_and_its_tasks_are_rescheduled_and_done(client, topic, clock):
    headers = _headers(client, "lead")
    listed = client.get("/api/v1/special-topics", headers=headers).json()["items"][0]
    task_id = listed["tasks"][0]["id"]
    changed = client.patch(f"/api/v1/special-topics/{topic['id']}", headers=headers, json={
        "status": "in_progress", "lead_department": "GOV-990101", "co_departments": ["CGJ", "GOV-990102"],
        "tasks": [{"id": task_id, "due_on": "2024-03-31", "done": True},
                  {"title": "回访群众", "department": "GOV-990102", "due_on": "2024-04-10"}]})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["status"] == "in_progress" and body["lead_department"] == "GOV-990101"
    assert body["co_departments"] == ["CGJ", "GOV-990102"]
    first, second = sorted(body["tasks"], key=lambda t: t["due_on"])
    assert (first["id"], first["title"], first["due_on"], first["done"]) == (task_id, "排查管网", "2024-03-31", True)
    assert first["done_at"] == clock().isoformat()
    assert (second["title"], second["department"], second["done"]) == ("回访群众", "GOV-990102", False)
    reopened = client.patch(f"/api/v1/special-topics/{topic['id']}", headers=headers,
                            json={"status": "done", "tasks": [{"id": task_id, "done": False}]}).json()
    assert reopened["status"] == "done"
    assert next(t for t in reopened["tasks"] if t["id"] == task_id)["done"] is False
    assert client.get("/api/v1/special-topics", headers=headers).json()["items"][0]["status"] == "done"


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"status": "finished"}, 422, "status"),
    ({"status": "done"}, 409, "status"),  # open cannot jump to done
    ({"lead_department": "NOPE"}, 422, "lead_department"),
    ({"co_departments": ["CGJ"]}, 422, "co_departments"),  # the lead cannot also be a co-department
    ({"tasks": [{"id": 999999, "done": True}]}, 422, "tasks[0].id"),
    ({"tasks": [{"title": "新任务", "department": "CGJ", "due_on": "next week"}]}, 422, "tasks[0].due_on"),
    ({"tasks": [{"title": "新任务", "department": "CGJ", "due_on": "2024-04-01", "done": "yes"}]}, 422, "tasks[0].done"),
    ({"created_by": "someone"}, 422, "created_by"),
])
def test_a_bad_change_is_refused_whole_and_names_its_field(client, topic, change, status, field):
    headers = _headers(client, "lead")
    before = client.get("/api/v1/special-topics", headers=headers).json()["items"][0]
    refused = client.patch(f"/api/v1/special-topics/{topic['id']}", headers=headers,
                           json=change | {"title": "改了标题"})
    assert refused.status_code == status, refused.text
    assert refused.json()["field"] == field
    assert client.get("/api/v1/special-topics", headers=headers).json()["items"][0] == before


def test_only_supervisors_change_topics_and_unknown_topics_are_not_found(client, topic):
    denied = client.patch(f"/api/v1/special-topics/{topic['id']}", headers=_headers(client, "analyst"),
                          json={"status": "in_progress"})
    assert denied.status_code == 403
    missing = client.patch("/api/v1/special-topics/424242", headers=_headers(client, "lead"), json={"status": "dropped"})
    assert missing.status_code == 404
