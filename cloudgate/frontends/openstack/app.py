"""The OpenStack APIs as one ASGI app (mounted at /openstack): keystone v3 at /identity, nova v2.1 at
/compute, glance v2 at /image, cinder v3 at /volume, neutron v2.0 at /network. A token from keystone
(`X-Auth-Token`) is a gateway token scoped to a project, which is an account, and may carry a scope in
OpenStackoïd's form (`<token>!SCOPE!<json>`, see scoped_tokens.py); each service answers in its own fault
shape, unknown paths and methods included."""

from __future__ import annotations

import logging
from dataclasses import replace

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from cloudgate.core import Caller, Core, CoreSource
from cloudgate.errors import CloudgateError
from cloudgate.frontends.openstack import block_storage, compute, identity, image, network
from cloudgate.frontends.openstack.context import Handler, OsRequest
from cloudgate.frontends.openstack.errors import Family, OsError, fault, from_core
from cloudgate.frontends.openstack.scoped_tokens import ScopedToken
from cloudgate.frontends.openstack.service import Endpoint, Service
from cloudgate.serving.request_ids import RequestIds, request_id

log = logging.getLogger("cloudgate.openstack")

SERVICES: tuple[Service, ...] = (
    identity.SERVICE,
    compute.SERVICE,
    image.SERVICE,
    block_storage.SERVICE,
    network.SERVICE,
)


def _run(core_source: CoreSource, service: Service, endpoint: Endpoint) -> Handler | object:
    """The endpoint's handler behind the token check and, where the service has them, the negotiation of the
    microversion (after the token, as the services' pipelines check them), answered on every response."""
    family, versions = service.family, service.microversions

    async def run(request: Request) -> Response:
        rid = request_id(request.scope)
        version = None
        try:
            core = core_source()
            try:
                caller, scope = (None, None) if endpoint.public else await _caller(core, request, rid)
            except (OsError, CloudgateError) as exc:  # keystonemiddleware refuses in keystone's shape, any service
                refused = exc if isinstance(exc, OsError) else from_core(exc)
                return fault(Family.IDENTITY, refused)
            if caller is not None:  # a bad scope is the service's bad request
                caller = await _in_scope(core, caller, scope)
            version = versions.requested(request.headers) if versions else None
            response = await endpoint.handler(OsRequest(core, caller, request, rid, family, version or (0, 0)))
        except OsError as exc:
            response = fault(family, exc)
        except CloudgateError as exc:
            response = fault(family, from_core(exc))
        except Exception:
            log.exception("OpenStack request %s failed", rid)
            response = fault(
                family, OsError(500, "An unexpected error prevented the server from fulfilling the request.")
            )
        if versions is not None and version is not None:
            versions.answer(response.headers, version)
        return response

    return run


async def _caller(core: Core, request: Request, rid: str) -> tuple[Caller, str | None]:
    """The caller the token stands for, and the scope it carries (its JSON text, not yet bound)."""
    sent = ScopedToken.parse(request.headers.get("x-auth-token") or "")
    if not sent.token:
        raise OsError(401, "The request you have made requires authentication.")
    principal = await core.auth.authenticate(sent.token)
    return Caller.of(principal, request_id=rid), sent.scope


async def _in_scope(core: Core, caller: Caller, sent: str | None) -> Caller:
    """The caller in the scope its token carries, bound again (a cloud whose grant was withdrawn since the token
    was made no longer counts), and over it the scope sent with the token."""
    if caller.scope:
        caller = await core.scopes.bind(replace(caller, scope={}), caller.scope)
    return await core.scopes.bind(caller, sent) if sent is not None else caller


def _service_app(core_source: CoreSource, service: Service) -> Starlette:
    routes = [
        Route(endpoint.path, _run(core_source, service, endpoint), methods=list(endpoint.methods))  # type: ignore[arg-type]
        for endpoint in service.endpoints
    ]

    async def refused(_request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {404: "The resource could not be found.", 405: "The method is not allowed for this resource."}
        return fault(service.family, OsError(status, message.get(status, "The request could not be served.")))

    return Starlette(routes=routes, exception_handlers={HTTPException: refused})


def create_openstack_app(core_source: CoreSource) -> Starlette:
    """The OpenStack front-end over the core `core_source` returns (mount it at /openstack)."""
    routes: list[BaseRoute] = [Mount(service.prefix, app=_service_app(core_source, service)) for service in SERVICES]
    return Starlette(routes=routes, middleware=[Middleware(RequestIds, header="X-Openstack-Request-Id")])
