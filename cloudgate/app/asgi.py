"""`create_app`: the gateway's ASGI app over a given gateway, or over one it opens from settings (an
ASGI lifespan opens, starts and closes it)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cloudgate.app.front_ends import FrontEnds
from cloudgate.app.gateway import Gateway
from cloudgate.core import Core
from cloudgate.errors import NotReady
from cloudgate.settings import Settings

log = logging.getLogger("cloudgate.api")


def create_app(settings: Settings | None = None, *, gateway: Gateway | None = None) -> FrontEnds:
    """The app over `gateway` if given (its settings apply; its owner opens and closes it), else over a
    gateway it opens from `settings` at lifespan start and closes at lifespan end (`app.state.gateway`)."""
    if gateway is not None:
        opened = gateway
        return FrontEnds(lambda: opened.core, gateway.settings)
    settings = settings or Settings()

    def core_source() -> Core:
        current: Gateway | None = app.state.gateway
        if current is None:
            raise NotReady("the gateway is not open")
        return current.core

    @asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        opened = await Gateway.open(settings)
        try:
            if opened.admin_secret is not None:
                # Generated on this first start and kept only as a hash: the operator sees it here, once.
                log.warning("created the admin client; its secret (shown once) is: %s", opened.admin_secret)
            await opened.start(app)
            app.state.gateway = opened
            yield
        finally:
            app.state.gateway = None
            await opened.close()

    app = FrontEnds(core_source, settings, lifespan=lifespan)
    app.state.gateway = None
    return app
