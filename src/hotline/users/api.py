"""HTTP routes of sign-in and users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.security import OAuth2PasswordRequestForm

from hotline.web.deps import CurrentActor, PlatformDep
from hotline.workorders.domain import Role

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.post("/auth/token")
def token(platform: PlatformDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    """Exchange a username and password (OAuth2 password form) for a bearer token."""
    user = platform.users.authenticate(form.username, form.password)
    return {"access_token": platform.users.issue_token(user), "token_type": "bearer",
            "role": user.role, "department": user.department}


@router.get("/auth/me")
def me(actor: CurrentActor) -> dict:
    """Who the token belongs to."""
    return {"username": actor.username, "role": actor.role, "department": actor.department}


def _user_out(user) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "department": user.department, "active": user.active}


@router.get("/users")
def list_users(platform: PlatformDep, actor: CurrentActor) -> dict:
    """Every user (admins only)."""
    actor.require_role(Role.ADMIN)
    users = platform.users.list()
    return {"total": len(users), "items": [_user_out(u) for u in users]}


@router.post("/users", status_code=201)
def add_user(platform: PlatformDep, actor: CurrentActor, body: Annotated[dict[str, Any], Body()]) -> dict:
    """Create a user (admins only): {"username", "role", "password", "department"?}."""
    actor.require_role(Role.ADMIN)
    user = platform.users.add(body.get("username"), body.get("role"), body.get("password"),
                              body.get("department"), body.get("display_name") or "")
    return _user_out(user)
