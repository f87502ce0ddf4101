"""Compute Engine's v1 REST API as an ASGI app (mounted at /compute/v1): routes as a table, a bearer token (the
gateway's own, or one from the OAuth2 token endpoint, which may carry a scope) for every call, the URL's project
naming an account the caller has proven (by alias, id or name), JSON answers (`fields` partial responses),
errors in GCE's shape."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cloudgate.core import Caller, Core, CoreSource, Principal
from cloudgate.errors import CloudgateError, Unauthenticated
from cloudgate.frontends.gce import (
    catalog,
    disks,
    firewalls,
    images,
    instances,
    networks,
    operations,
    partial,
)
from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.errors import GceError, from_core
from cloudgate.frontends.gce.projects import project_account
from cloudgate.serving.request_ids import RequestIds, request_id

log = logging.getLogger("cloudgate.gce")

Handler = Callable[..., Awaitable[dict[str, Any] | None]]
P = "/projects/{project}"
MAX_REQUEST_ID = 128


def _act(method: str) -> Handler:
    async def handler(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
        return await instances.act(gce, zone, name, method)

    return handler


def _operations(scope: str) -> dict[str, Handler]:
    """The three methods of one of zoneOperations, regionOperations, globalOperations."""

    def where(params: dict[str, str]) -> str:
        return f"{scope}/{params.pop(scope.removesuffix('s'))}" if scope != "global" else "global"

    async def get(gce: GceRequest, name: str, **params: str) -> dict[str, Any]:
        return await operations.get(gce, name, where(params))

    async def delete(gce: GceRequest, name: str, **params: str) -> None:
        await operations.delete(gce, name, where(params))

    async def wait(gce: GceRequest, name: str, **params: str) -> dict[str, Any]:
        return await operations.wait(gce, name, where(params))

    async def listing(gce: GceRequest, **params: str) -> dict[str, Any]:
        return await operations.listing(gce, where(params))

    return {"GET": get, "DELETE": delete, "wait": wait, "list": listing}


ZONE_OPS, REGION_OPS, GLOBAL_OPS = _operations("zones"), _operations("regions"), _operations("global")

# Path (under /compute/v1) -> method -> handler. Public image projects answer the image routes only.
ROUTES: dict[str, dict[str, Handler]] = {
    P: {"GET": catalog.get_project},
    f"{P}/setCommonInstanceMetadata": {"POST": catalog.set_common_instance_metadata},
    f"{P}/zones": {"GET": catalog.list_zones},
    f"{P}/zones/{{name}}": {"GET": catalog.get_zone},
    f"{P}/regions": {"GET": catalog.list_regions},
    f"{P}/regions/{{name}}": {"GET": catalog.get_region},
    f"{P}/zones/{{name}}/machineTypes": {"GET": catalog.list_machine_types},
    f"{P}/zones/{{zone_name}}/machineTypes/{{name}}": {"GET": catalog.get_machine_type},
    f"{P}/aggregated/machineTypes": {"GET": catalog.aggregated_machine_types},
    f"{P}/global/images": {"GET": images.list_images, "POST": images.insert},
    f"{P}/global/images/{{name}}": {"GET": images.get, "DELETE": images.delete},
    f"{P}/global/images/family/{{family}}": {"GET": images.get_from_family},
    f"{P}/zones/{{zone}}/instances": {"GET": instances.list_instances, "POST": instances.insert},
    f"{P}/aggregated/instances": {"GET": instances.aggregated_instances},
    f"{P}/zones/{{zone}}/instances/{{name}}": {"GET": instances.get, "DELETE": instances.delete},
    f"{P}/zones/{{zone}}/instances/{{name}}/start": {"POST": _act("start")},
    f"{P}/zones/{{zone}}/instances/{{name}}/stop": {"POST": _act("stop")},
    f"{P}/zones/{{zone}}/instances/{{name}}/reset": {"POST": _act("reset")},
    f"{P}/zones/{{zone}}/instances/{{name}}/setLabels": {"POST": instances.set_labels},
    f"{P}/zones/{{zone}}/instances/{{name}}/setMetadata": {"POST": instances.set_metadata},
    f"{P}/zones/{{zone}}/instances/{{name}}/attachDisk": {"POST": instances.attach_disk},
    f"{P}/zones/{{zone}}/instances/{{name}}/detachDisk": {"POST": instances.detach_disk},
    f"{P}/zones/{{zone}}/disks": {"GET": disks.list_disks, "POST": disks.insert},
    f"{P}/aggregated/disks": {"GET": disks.aggregated_disks},
    f"{P}/zones/{{zone}}/disks/{{name}}": {"GET": disks.get, "DELETE": disks.delete},
    f"{P}/zones/{{zone}}/disks/{{name}}/resize": {"POST": disks.resize},
    f"{P}/zones/{{zone}}/disks/{{name}}/createSnapshot": {"POST": disks.create_snapshot},
    f"{P}/global/snapshots": {"GET": disks.list_snapshots},
    f"{P}/global/snapshots/{{name}}": {"GET": disks.get_snapshot, "DELETE": disks.delete_snapshot},
    f"{P}/global/networks": {"GET": networks.list_networks, "POST": networks.insert_network},
    f"{P}/global/networks/{{name}}": {"GET": networks.get_network, "DELETE": networks.delete_network},
    f"{P}/regions/{{region}}/subnetworks": {"GET": networks.list_subnetworks, "POST": networks.insert_subnetwork},
    f"{P}/aggregated/subnetworks": {"GET": networks.aggregated_subnetworks},
    f"{P}/regions/{{region}}/subnetworks/{{name}}": {
        "GET": networks.get_subnetwork,
        "DELETE": networks.delete_subnetwork,
    },
    f"{P}/global/firewalls": {"GET": firewalls.list_firewalls, "POST": firewalls.insert},
    f"{P}/global/firewalls/{{name}}": {"GET": firewalls.get, "PATCH": firewalls.patch, "DELETE": firewalls.delete},
    f"{P}/zones/{{zone}}/operations": {"GET": ZONE_OPS["list"]},
    f"{P}/zones/{{zone}}/operations/{{name}}": {"GET": ZONE_OPS["GET"], "DELETE": ZONE_OPS["DELETE"]},
    f"{P}/zones/{{zone}}/operations/{{name}}/wait": {"POST": ZONE_OPS["wait"]},
    f"{P}/regions/{{region}}/operations": {"GET": REGION_OPS["list"]},
    f"{P}/regions/{{region}}/operations/{{name}}": {"GET": REGION_OPS["GET"], "DELETE": REGION_OPS["DELETE"]},
    f"{P}/regions/{{region}}/operations/{{name}}/wait": {"POST": REGION_OPS["wait"]},
    f"{P}/global/operations": {"GET": GLOBAL_OPS["list"]},
    f"{P}/global/operations/{{name}}": {"GET": GLOBAL_OPS["GET"], "DELETE": GLOBAL_OPS["DELETE"]},
    f"{P}/global/operations/{{name}}/wait": {"POST": GLOBAL_OPS["wait"]},
}
PUBLIC_IMAGE_ROUTES = frozenset(
    {f"{P}/global/images", f"{P}/global/images/{{name}}", f"{P}/global/images/family/{{family}}"}
)


class GceApp:
    def __init__(self, core_source: CoreSource):
        self._core_source = core_source

    def endpoint(self, path: str, methods: dict[str, Handler]) -> Callable[[Request], Awaitable[Response]]:
        async def answer(request: Request) -> Response:
            rid = request_id(request.scope)
            try:
                handler = methods.get(request.method)
                if handler is None:
                    raise GceError(405, "httpMethodNotAllowed", f"The method {request.method[:16]} is not allowed here")
                gce = await self._request(request, rid, path)
                fields = request.query_params.get("fields")
                selection = partial.parse(fields) if fields else None  # refused before anything changes
                if selection is not None and request.method != "GET":
                    partial.check(selection, "compute#operation")  # what every change answers
                params = {k: v for k, v in request.path_params.items() if k != "project"}
                shown = await handler(gce, **params)
                if shown is None:
                    return Response(status_code=204)
                if selection is not None:
                    partial.check(selection, shown.get("kind"))
                body = partial.cut(_pruned(shown), selection) if selection is not None else _pruned(shown)
                return Response(orjson.dumps(body), media_type="application/json; charset=UTF-8")
            except GceError as exc:
                return _error(exc)
            except CloudgateError as exc:
                return _error(from_core(exc))
            except Exception:
                log.exception("GCE request %s failed", rid)
                return _error(GceError(500, "backendError", f"Internal error (request {rid})"))

        return answer

    async def _request(self, request: Request, rid: str, path: str) -> GceRequest:
        core = self._core_source()
        principal = await _principal(core, request)
        project = request.path_params["project"]
        key = request.query_params.get("requestId")
        if key is not None and not 0 < len(key) <= MAX_REQUEST_ID:
            raise GceError(400, "invalid", f"Invalid value for field 'requestId': at most {MAX_REQUEST_ID} characters")
        account = await project_account(core, principal, rid, project, public_images=path in PUBLIC_IMAGE_ROUTES)
        caller = Caller(
            principal, scope=principal.scope, request_id=rid, account_id=account.row.id, idempotency_key=key
        )
        return GceRequest(core, caller, account, request, project)


async def _principal(core: Core, request: Request) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise GceError(401, "required", "Login Required. The request carries no bearer token.")
    try:
        return await core.auth.authenticate(token.strip())
    except Unauthenticated:
        raise GceError(401, "authError", "Request had invalid authentication credentials.") from None


def _pruned(value: Any) -> Any:
    """Absent values left out, as GCE leaves them out."""
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _error(error: GceError) -> Response:
    return Response(orjson.dumps(error.body()), status_code=error.status, media_type="application/json; charset=UTF-8")


async def _not_routed(request: Request) -> Response:
    return _error(GceError(404, "notFound", f"The URL {request.url.path[:200]} names no Compute Engine resource"))


def create_gce_app(core_source: CoreSource) -> Starlette:
    """The GCE front-end over the core `core_source` returns (mount it at /compute/v1)."""
    app = GceApp(core_source)
    every = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]  # any other method is refused in GCE's shape
    routes = [Route(path, app.endpoint(path, methods), methods=every) for path, methods in ROUTES.items()]
    routes.append(Route("/{rest:path}", _not_routed, methods=every))
    return Starlette(routes=routes, middleware=[Middleware(RequestIds)])
