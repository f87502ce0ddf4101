"""The native HTTP API: a FastAPI app over one Gateway, served under /v1 and described by /openapi.json."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.middleware import Middleware

from cloudgate import __version__
from cloudgate.api.errors import InternalErrors, install_error_handlers
from cloudgate.api.intake import RequestIntake
from cloudgate.api.metrics import ApiMetrics, RequestMetrics
from cloudgate.api.routes import ROUTERS, served_names
from cloudgate.core.gateway import Gateway
from cloudgate.settings import Settings

log = logging.getLogger("cloudgate.api")

DESCRIPTION = """One API over many clouds and accounts. Reads come from the gateway's store; every change
is an operation (an async job) that `GET /v1/operations/{id}` follows; changes observed on the clouds
arrive as events (`/v1/events`, `/v1/events/stream`). Authenticate with `POST /v1/tokens`, then send
`Authorization: Bearer <token>`. Errors are `{"error": {"code", "message", "details"?}}`."""


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Opens and starts a Gateway from the settings when the app was given none, and closes it after."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.gateway is not None:  # the caller's gateway: the caller opens and closes it
            yield
            return
        gateway = await Gateway.open(settings)
        try:
            if gateway.admin_secret is not None:
                # Generated on this first start and kept only as a hash: the operator sees it here, once.
                log.warning("created the admin client; its secret (shown once) is: %s", gateway.admin_secret)
            await gateway.start()
            app.state.gateway = gateway
            yield
        finally:
            app.state.gateway = None
            await gateway.close()

    return lifespan


def create_app(settings: Settings | None = None, *, gateway: Gateway | None = None) -> FastAPI:
    """The API app, over `gateway` if given (its settings apply), else over one it opens from `settings`."""
    settings = gateway.settings if gateway is not None else settings or Settings()
    metrics = ApiMetrics()
    app = FastAPI(
        title="cloudgate",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan(settings),
        middleware=[  # outermost first: metrics see every answer, including the ones the others make
            Middleware(RequestMetrics, metrics=metrics),
            Middleware(InternalErrors),
            Middleware(RequestIntake, max_bytes=settings.max_body_bytes),
        ],
    )
    app.state.gateway = gateway
    app.state.metrics = metrics
    app.state.heartbeat_seconds = settings.sse_heartbeat_seconds
    install_error_handlers(app, served_names(ROUTERS))
    for router in ROUTERS:
        app.include_router(router)
    return app
