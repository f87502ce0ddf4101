"""The one ASGI app of a gateway process: every front-end under its own prefix, each with its own
middleware and error format, the dashboard under /ui; /v1 (with the service routes and the docs) answers every
other path."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cloudgate.api import create_api
from cloudgate.core import CoreSource
from cloudgate.frontends.cloudstack.app import create_cloudstack_app
from cloudgate.frontends.ec2.app import create_ec2_app
from cloudgate.frontends.gce.app import create_gce_app
from cloudgate.frontends.gce.oauth import create_token_endpoint
from cloudgate.frontends.openstack.app import create_openstack_app
from cloudgate.settings import Settings
from cloudgate.web import create_web_app

Lifespan = Callable[[Any], AbstractAsyncContextManager[None]]
DASHBOARD = "/ui"


class RootToDashboard:
    """`GET /` (a person typing the gateway's address) goes to the dashboard; any other request to `/` is /v1's,
    which answers it (and its 404s) in its own shape."""

    def __init__(self, v1: ASGIApp):
        self.v1 = v1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            await RedirectResponse(f"{scope.get('root_path', '')}{DASHBOARD}/", status_code=307)(scope, receive, send)
            return
        await self.v1(scope, receive, send)


class FrontEnds(Starlette):
    """The front-ends over the core `core_source` returns; `v1` is the native API's own app."""

    def __init__(self, core_source: CoreSource, settings: Settings, *, lifespan: Lifespan | None = None):
        self.v1 = create_api(core_source, settings)
        routes: list[BaseRoute] = []
        for prefix, app in {"/ec2": create_ec2_app(core_source, settings)}.items():
            routes += [Route(prefix, app), Mount(prefix, app=app)]  # the bare prefix too: boto3 posts to /ec2
        routes.append(Mount("/openstack", app=create_openstack_app(core_source)))
        cloudstack = create_cloudstack_app(core_source, settings)
        routes += [Route("/client/api", cloudstack), Mount("/client/api", app=cloudstack)]
        routes += [Mount("/compute/v1", app=create_gce_app(core_source)),
                   Route("/oauth2/token", create_token_endpoint(core_source), methods=["GET", "POST"])]  # fmt: skip
        dashboard = create_web_app(core_source, settings)
        routes += [Route("/", RootToDashboard(self.v1)), Route(DASHBOARD, RootToDashboard(self.v1)),
                   Mount(DASHBOARD, app=dashboard)]  # fmt: skip
        super().__init__(routes=routes, lifespan=lifespan)
        self.router.default = self.v1  # no route of its own: /v1 answers (and 404s in its own shape)

    def openapi(self) -> dict[str, Any]:
        """The /v1 API's OpenAPI document."""
        return self.v1.openapi()
