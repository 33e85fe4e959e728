"""Server-sent events: screens receive new and changed orders without reloading."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

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
        events = platform.live.subscribe()
        yield ": connected\n\n"
        try:
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(anext(events), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if scope and scope != event.get("department") and scope not in event.get("co_departments", []):
                    continue
                yield f"event: {event.get('type', 'message')}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
        finally:
            await events.aclose()

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
