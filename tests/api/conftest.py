"""An in-process client over the app, with one signed-in user per role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app

PASSWORD = "secret-pass-1"


class Api:
    """A TestClient plus bearer headers per role."""

    def __init__(self, client: TestClient, platform) -> None:
        self.client = client
        self.platform = platform
        self.headers: dict[str, dict[str, str]] = {}

    def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        response = self.client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def as_(self, role: str):
        return _As(self.client, self.headers[role])


class _As:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self._client, self._headers = client, headers

    def get(self, url, **kw):
        return self._client.get(url, headers=self._headers | kw.pop("headers", {}), **kw)

    def post(self, url, **kw):
        return self._client.post(url, headers=self._headers | kw.pop("headers", {}), **kw)


@pytest.fixture
def departments(platform) -> list[str]:
    """Codes of the tiny city's departments."""
    return sorted(platform.reference_cache.get().departments)


@pytest.fixture
def api(platform, departments) -> Api:
    """Users of every role (two handlers in different departments), signed in."""
    users = {
        "call_taker": ("ct1", None), "dispatcher": ("dp1", None), "handler": ("hd1", departments[0]),
        "other_handler": ("hd2", departments[1]), "supervisor": ("sv1", None), "analyst": ("an1", None),
        "admin": ("ad1", None),
    }
    for role, (name, department) in users.items():
        platform.users.add(name, "handler" if "handler" in role else role, PASSWORD, department)
    with TestClient(create_app(platform=platform)) as client:
        api = Api(client, platform)
        for role, (name, _) in users.items():
            api.headers[role] = api.login(name)
        yield api


def new_order(api: Api, role: str = "call_taker", **fields) -> dict:
    """Register an order and return its JSON."""
    body = {"channel": "phone", "content": "小区门口路灯坏了好几天了", "citizen_phone": "13812341234",
            "citizen_name": "张三"} | fields
    response = api.as_(role).post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()
