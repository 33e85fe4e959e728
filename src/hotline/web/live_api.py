"""Server-sent events: screens receive new and changed orders without reloading."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from hotline.errors import Unauthorized
from hotline.web.deps import PlatformDep, oauth2

router = APIRouter(prefix="/api/v1", tags=["live"])
HEARTBEAT_SECONDS = 15.0


@router.get("/live")
async def live(request: Request, platform: PlatformDep,
               bearer: Annotated[str | None, Depends(oauth2)] = None,
               token: Annotated[str | None, Query(description="for EventSource, which cannot send headers")] = None,
               ) -> StreamingResponse:
    """An text/event-stream of order events; a comment line every 15 s keeps proxies from closing it."""
    if not (bearer or token):
        raise Unauthorized("sign in first: a bearer token or ?token=")
    actor = platform.users.actor_from_token(bearer or token)
    scope = actor.department_scope

    async def stream():
        yield ": connected\n\n"
        async for event in heartbeat_stream(platform.live.subscribe(), request.is_disconnected):
            if event is None:
                yield ": heartbeat\n\n"
                continue
            if scope and scope != event.get("department") and scope not in event.get("co_departments", []):
                continue
            yield f"event: {event.get('type', 'message')}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def heartbeat_stream(events: AsyncIterator[dict[str, Any]], is_disconnected: Callable[[], Awaitable[bool]],
                           heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[dict[str, Any] | None]:
    """The bus's events, and None after each `heartbeat` seconds without one, until the client leaves.

    The wait for the next event is not cancelled when the heartbeat is due (asyncio.wait, not wait_for):
    cancelling it would close the subscription, and the stream ended after its first quiet 15 seconds.
    """
    pending: asyncio.Future | None = None
    try:
        while not await is_disconnected():
            pending = pending or asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait({pending}, timeout=heartbeat)
            if not done:
                yield None
                continue
            event, pending = pending.result(), None
            yield event
    finally:
        if pending is not None and not pending.done():
            pending.cancel()  # the generator is running inside it: the cancellation closes the subscription
        else:
            await events.aclose()
