"""Request dependencies: the platform and the signed-in actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from hotline.errors import Unauthorized
from hotline.platform import Platform
from hotline.users.actor import Actor

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_platform(request: Request) -> Platform:
    """The platform this app was built with."""
    return request.app.state.platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def get_actor(platform: PlatformDep, token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    """The actor named by the bearer token; 401 without a valid one."""
    if not token:
        raise Unauthorized("sign in first: send 'Authorization: Bearer <token>'")
    return platform.users.actor_from_token(token)


CurrentActor = Annotated[Actor, Depends(get_actor)]
