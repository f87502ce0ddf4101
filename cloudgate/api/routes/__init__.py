"""The /v1 routes, one module per area."""

from __future__ import annotations

from fastapi import APIRouter

from cloudgate.api.routes import accounts, clients, credentials, events, operations, resources, system, tokens

ROUTERS: list[APIRouter] = [
    tokens.router, clients.router, accounts.router, credentials.router, *resources.routers, operations.router,
    events.router, system.router,
]  # fmt: skip


def served_names(routers: list[APIRouter]) -> frozenset[str]:
    """The first path segments under /v1 that some route serves ("instances", "accounts", …)."""
    paths = (getattr(route, "path", "") for router in routers for route in router.routes)
    return frozenset(path.split("/")[2] for path in paths if path.startswith("/v1/"))
