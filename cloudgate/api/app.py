"""The native HTTP API: a FastAPI app over the core, served under /v1 and described by /openapi.json."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware import Middleware

from cloudgate import __version__
from cloudgate.api.docs import install_docs
from cloudgate.api.errors import InternalErrors, install_error_handlers
from cloudgate.api.intake import RequestIntake
from cloudgate.api.metrics import ApiMetrics, RequestMetrics
from cloudgate.api.routes import ROUTERS, served_names
from cloudgate.core import CoreSource
from cloudgate.serving.request_ids import RequestIds
from cloudgate.settings import Settings

DESCRIPTION = """One API over many clouds and accounts. Reads come from the gateway's store; every change
is an operation (an async job) that `GET /v1/operations/{id}` follows; changes observed on the clouds
arrive as events (`/v1/events`, `/v1/events/stream`). Authenticate with `POST /v1/tokens`, then send
`Authorization: Bearer <token>`. Errors are `{"error": {"code", "message", "details"?}}`. Every answer
carries an `X-Request-Id` (the client's own, when it sends a sane one)."""


def create_api(core_source: CoreSource, settings: Settings) -> FastAPI:
    """The /v1 app (with the service routes /healthz, /readyz, /metrics and the docs) over the core
    that `core_source` returns when a request comes."""
    metrics = ApiMetrics()
    app = FastAPI(
        title="cloudgate",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served by install_docs, from local assets
        redoc_url=None,
        middleware=[  # outermost first: metrics see every answer, including the ones the others make
            Middleware(RequestMetrics, metrics=metrics),
            Middleware(InternalErrors),
            Middleware(RequestIds),
            Middleware(RequestIntake, max_bytes=settings.max_body_bytes),
        ],
    )
    app.state.core_source = core_source
    app.state.metrics = metrics
    app.state.heartbeat_seconds = settings.sse_heartbeat_seconds
    install_error_handlers(app, served_names(ROUTERS))
    for router in ROUTERS:
        app.include_router(router)
    install_docs(app)
    return app
