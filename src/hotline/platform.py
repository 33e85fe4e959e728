"""The platform's parts wired together from settings: one per process, shared by web and CLI."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.analytics.engine import AnalyticsEngine
from hotline.analytics.service import AnalyticsService
from hotline.calls.service import CallService
from hotline.clock import Clock, city_clock
from hotline.config import Settings
from hotline.db import make_engine, make_session_factory
from hotline.live import LiveBus, make_bus
from hotline.reference.lookup import ReferenceCache
from hotline.reference.service import ReferenceService
from hotline.users.service import UserService
from hotline.workorders.service import OrderService


@dataclass
class Platform:
    """Engine, sessions, caches and the use-case services."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    reference_cache: ReferenceCache
    orders: OrderService
    users: UserService
    reference: ReferenceService
    calls: CallService
    live: LiveBus
    analytics: AnalyticsService | None = None  # its engine is started and stopped by the web app's lifespan

    def close(self) -> None:
        """Release the database connections and the live bus."""
        self.live.close()
        self.engine.dispose()


def build_platform(settings: Settings, clock: Clock | None = None) -> Platform:
    """Wire every part for these settings; nothing is created at import time."""
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    clock = clock or city_clock(settings.timezone)
    cache = ReferenceCache(sessions)
    live = make_bus(settings.redis_url)
    return Platform(
        settings=settings, engine=engine, sessions=sessions, clock=clock, reference_cache=cache,
        orders=OrderService(sessions, cache, clock, settings.order_number_prefix, live.publish),
        users=UserService(sessions, cache, clock, settings.secret_key, settings.token_minutes,
                          PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib)),
        reference=ReferenceService(sessions, cache), calls=CallService(sessions, clock, live.publish), live=live,
        analytics=AnalyticsService(
            AnalyticsEngine(settings.database_url, settings.analytics_file(), settings.analytics_refresh_seconds), clock,
        ) if settings.analytics_enabled else None,
    )


def settle_heap() -> None:
    """Exempt what start-up built (modules, the platform, the analysis copy's state) from the collector.

    A full collection walks every object the process holds, ~40 ms here once the analytics libraries are
    loaded: one request in ten paid it (a one-month query's p95 went from 25 to 70 ms). Objects made
    later are collected as usual; `unsettle_heap` hands the start-up objects back at shutdown.
    """
    gc.collect()
    gc.freeze()


def unsettle_heap() -> None:
    """Make the objects `settle_heap` exempted collectable again (an app stopped, another may follow)."""
    gc.unfreeze()
