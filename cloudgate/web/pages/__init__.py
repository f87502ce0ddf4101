"""The dashboard's pages, one module per family; each module's `ROUTES` are mounted in this order (fixed paths
before the resource lists' `/{collection}` patterns)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from cloudgate.web.pages import accounts, create, credentials, live, operations, overview, resources, signin

ROUTES: list[BaseRoute] = [
    *signin.ROUTES,
    *live.ROUTES,
    *overview.ROUTES,
    *accounts.ROUTES,
    *credentials.ROUTES,
    *operations.ROUTES,
    *create.ROUTES,
    *resources.ROUTES,
]
