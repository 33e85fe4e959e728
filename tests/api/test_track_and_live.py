"""Citizens tracking their own request; live events after each committed change, in-process and via Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis

from hotline.live import MemoryBus, RedisBus
from hotline.web.live_api import heartbeat_stream

from .conftest import new_order


def test_citizen_tracks_own_request_by_number_and_phone_only(api, departments):
    number = new_order(api)["number"]
    api.as_("dispatcher").post(f"/api/v1/orders/{number}/dispatch", json={"department": departments[0]})
    seen = api.client.get("/api/v1/track", params={"number": number, "phone": "138 1234 1234"})
    assert seen.status_code == 200
    body = seen.json()
    assert body["status"] == "dispatched" and [s["step"] for s in body["steps"]] == ["已受理", "已派单"]
    assert "citizen_phone" not in body and "actor" not in str(body)
    assert api.client.get("/api/v1/track", params={"number": number, "phone": "13900000000"}).status_code == 404
    assert api.client.get("/api/v1/track", params={"number": "GD1", "phone": "x"}).status_code == 404


def test_memory_bus_delivers_published_events_to_subscribers():
    async def scenario():
        bus = MemoryBus()
        stream = bus.subscribe()
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.01)
        bus.publish({"type": "order", "number": "A"})
        event = await asyncio.wait_for(first, 2)
        await stream.aclose()
        return event

    assert asyncio.run(scenario())["number"] == "A"


def test_service_publishes_after_commit_and_not_for_refused_actions(platform):
    seen = []
    platform.orders._publish = seen.append
    from hotline.users.actor import SYSTEM

    order, _ = platform.orders.create(SYSTEM, {"channel": "web", "content": "噪音扰民", "citizen_phone": "13800001111"})
    with pytest.raises(Exception):
        platform.orders.act(SYSTEM, order.number, "sign", {})
    assert [e["action"] for e in seen] == ["register"] and seen[0]["number"] == order.number
    assert "citizen_phone" not in seen[0]


def test_redis_bus_carries_events_between_processes():
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis not reachable: {error}")
    publisher, subscriber = RedisBus("redis://127.0.0.1:6379/0"), RedisBus("redis://127.0.0.1:6379/0")
    marker = uuid.uuid4().hex

    async def scenario():
        stream = subscriber.subscribe()
        got = asyncio.ensure_future(anext(stream))
        for _ in range(50):  # publish until the subscription is live
            publisher.publish({"type": "order", "number": marker})
            done, _ = await asyncio.wait({got}, timeout=0.1)
            if done:
                break
        event = await asyncio.wait_for(got, 2)
        await stream.aclose()
        return event

    assert asyncio.run(scenario())["number"] == marker
    publisher.close()
    subscriber.close()


def test_the_live_stream_outlives_its_heartbeats_and_ends_when_the_client_leaves():
    # The wait for an event used to be cancelled at each heartbeat, which closed the subscription: a
    # screen's stream ended after its first quiet 15 seconds and the events after it were lost.
    async def scenario():
        bus, left = MemoryBus(), asyncio.Event()

        async def is_disconnected() -> bool:
            return left.is_set()

        stream = heartbeat_stream(bus.subscribe(), is_disconnected, heartbeat=0.05)
        assert await anext(stream) is None and await anext(stream) is None  # two quiet heartbeats
        asyncio.get_running_loop().call_later(0.02, bus.publish, {"type": "order.created", "number": "GD1"})
        got = await anext(stream)
        while got is None:
            got = await anext(stream)
        assert got["number"] == "GD1" and len(bus._subscribers) == 1
        left.set()
        with pytest.raises(StopAsyncIteration):
            while True:
                await anext(stream)
        assert not bus._subscribers

    asyncio.run(scenario())


def test_a_live_stream_cancelled_while_waiting_releases_its_subscription():
    # Starlette cancels the response's task when the client goes or the server stops.
    async def scenario():
        bus = MemoryBus()

        async def connected() -> bool:
            return False

        async def consume():
            async for _ in heartbeat_stream(bus.subscribe(), connected, heartbeat=10):
                pass

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.05)
        assert len(bus._subscribers) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0)
        assert not bus._subscribers

    asyncio.run(scenario())
