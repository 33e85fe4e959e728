"""create_app(settings): the web application, built fresh for each set of settings."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from hotline import __version__
from hotline.analytics.api import router as analytics_router
from hotline.calls.api import router as calls_router
from hotline.config import Settings
from hotline.foresight.api import router as foresight_router
from hotline.foresight.watch import AlertWatch
from hotline.knowledge.api import router as kb_router
from hotline.nlp.api import router as nlp_router
from hotline.nlp.service import NlpService
from hotline.platform import Platform, build_platform, settle_heap, unsettle_heap
from hotline.reference.api import router as reference_router
from hotline.users.api import router as users_router
from hotline.web.errors import install_error_handlers
from hotline.web.live_api import router as live_router
from hotline.web.pages import install_pages
from hotline.workorders.api import public_router as track_router
from hotline.workorders.api import router as orders_router


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    """The FastAPI app over one platform; OpenAPI docs at /docs."""
    platform = platform or build_platform(settings or Settings())
    interval = platform.settings.alert_scan_interval()
    # One suggestion service per app: the watch groups its incidents in the background, the routes serve them.
    nlp = NlpService(platform.engine, platform.sessions, platform.reference_cache, platform.settings.models_dir)
    watch = AlertWatch(platform, interval, after_scan=[nlp.refresh_incidents]) if interval > 0 else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if platform.analytics is not None:
            platform.analytics.engine.start()  # the first build of a big store takes a while
        if watch is not None:
            watch.start()
        settle_heap()
        yield
        unsettle_heap()
        if watch is not None:
            watch.stop()
        if platform.analytics is not None:
            platform.analytics.engine.stop()
        platform.close()

    app = FastAPI(title="hotline 12345", version=__version__, lifespan=lifespan)
    app.state.platform = platform
    app.state.alert_watch = watch
    app.state.nlp = nlp
    install_error_handlers(app)
    for router in (users_router, orders_router, reference_router, track_router, live_router, calls_router,
                   analytics_router, foresight_router, nlp_router, kb_router):
        app.include_router(router)

    # Pages and their static assets (issue 5): /login, /screen, /analysis/*, /orders/*, /track, /console/*.
    install_pages(app)

    @app.get("/api/v1/health", tags=["health"])
    def health() -> dict:
        """Liveness and the backend in use."""
        return {"status": "ok", "version": __version__, "backend": platform.engine.dialect.name}

    return app
