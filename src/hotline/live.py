"""Live events (new and changed orders) for screens: in-process, or through Redis across processes."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any, Protocol

CHANNEL = "hotline:live"


class LiveBus(Protocol):
    """Publishes events from any thread; subscribers read them in an asyncio loop."""

    def publish(self, event: dict[str, Any]) -> None:
        """Send one event to every current subscriber."""

    def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Events published from now on, until the iterator is closed."""

    def close(self) -> None:
        """Release connections."""


class MemoryBus:
    """One process: each subscriber owns an asyncio queue, fed thread-safely."""

    def __init__(self, max_queue: int = 1000) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()
        self._max_queue = max_queue

    def publish(self, event: dict[str, Any]) -> None:
        """Send one event to every current subscriber (a full queue drops it: a slow screen must not block intake)."""
        with self._lock:
            targets = list(self._subscribers)
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(_put_nowait, queue, event)
            except RuntimeError:  # the subscriber's loop has closed
                with self._lock:
                    self._subscribers.discard((loop, queue))

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Events published from now on."""
        entry = (asyncio.get_running_loop(), asyncio.Queue(self._max_queue))
        with self._lock:
            self._subscribers.add(entry)
        try:
            while True:
                yield await entry[1].get()
        finally:
            with self._lock:
                self._subscribers.discard(entry)

    def close(self) -> None:
        """Nothing to release."""


def _put_nowait(queue: asyncio.Queue, event: dict[str, Any]) -> None:
    if not queue.full():
        queue.put_nowait(event)


class RedisBus:
    """Several server processes: events go through one Redis pub/sub channel."""

    def __init__(self, url: str) -> None:
        import redis

        self._url = url
        self._client = redis.Redis.from_url(url)

    def publish(self, event: dict[str, Any]) -> None:
        """Publish to the channel; a Redis outage loses live events, never an order."""
        import redis

        try:
            self._client.publish(CHANNEL, json.dumps(event, ensure_ascii=False, default=str))
        except redis.RedisError:
            pass

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Events from every process."""
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self._url)
        pubsub = client.pubsub()
        await pubsub.subscribe(CHANNEL)
        try:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    yield json.loads(message["data"])
        finally:
            await pubsub.unsubscribe(CHANNEL)
            await pubsub.aclose()
            await client.aclose()

    def close(self) -> None:
        """Close the publishing connection."""
        self._client.close()


def make_bus(redis_url: str) -> LiveBus:
    """Redis when a URL is configured, else in-process."""
    return RedisBus(redis_url) if redis_url else MemoryBus()
