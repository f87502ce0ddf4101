"""A service of the front-end as data: its prefix, its fault shape and its endpoints (method, path, handler,
whether it takes no token)."""

from __future__ import annotations

from dataclasses import dataclass

from cloudgate.frontends.openstack.context import Handler
from cloudgate.frontends.openstack.errors import Family
from cloudgate.frontends.openstack.microversions import Microversions


@dataclass(frozen=True, slots=True)
class Endpoint:
    methods: tuple[str, ...]
    path: str
    handler: Handler
    public: bool = False  # answered without a token (version documents, POST /v3/auth/tokens)


@dataclass(frozen=True, slots=True)
class Service:
    prefix: str  # under /openstack
    family: Family
    endpoints: tuple[Endpoint, ...]
    microversions: Microversions | None = None  # negotiated on every request, where the service has them


def get(path: str, handler: Handler, *, public: bool = False) -> Endpoint:
    return Endpoint(("GET", "HEAD"), path, handler, public)


def post(path: str, handler: Handler, *, public: bool = False) -> Endpoint:
    return Endpoint(("POST",), path, handler, public)


def put(path: str, handler: Handler) -> Endpoint:
    return Endpoint(("PUT",), path, handler)


def patch(path: str, handler: Handler) -> Endpoint:
    return Endpoint(("PATCH",), path, handler)


def delete(path: str, handler: Handler) -> Endpoint:
    return Endpoint(("DELETE",), path, handler)
