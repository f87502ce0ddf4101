"""OpenStack's errors: one table from the core's error codes to HTTP statuses, and each service's own fault
shape (keystone's `error`, nova's and cinder's named faults, glance's HTML page, neutron's `NeutronError`)."""

from __future__ import annotations

import json
from enum import Enum
from html import escape

from starlette.responses import Response

from cloudgate.errors import CloudgateError


class Family(Enum):
    """The services by the shape of their faults."""

    IDENTITY = "identity"
    COMPUTE = "compute"  # nova and cinder: {"itemNotFound": {"code": 404, "message": …}}
    IMAGE = "image"
    NETWORK = "network"


class OsError(Exception):
    """An answer in the service's fault shape: an HTTP status, a message, and for neutron its fault type."""

    def __init__(self, status: int, message: str, neutron_type: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.neutron_type = neutron_type


# Core error code -> HTTP status (as the OpenStack services answer the same refusal).
STATUSES: dict[str, int] = {
    "invalid_request": 400,
    "invalid_scope": 400,  # a malformed scope, or a cloud that is none of the client's (the same words)
    "cross_cloud_reference": 400,  # a create naming another cloud's network or volume: nova's badRequest
    "unknown_kind": 400,
    "unsupported": 400,
    "not_found": 404,
    "conflict": 409,
    "operation_failed": 409,
    "quota_exceeded": 413,
    "idempotency_key_reused": 409,
    "clock_skew": 400,
    "cloud_auth_failed": 401,
    "unauthenticated": 401,
    "forbidden": 403,
    "payload_too_large": 413,
    "throttled": 429,
    "cloud_unavailable": 503,
    "not_ready": 503,
    "operation_timeout": 503,
    "interrupted": 503,
    "internal_error": 500,
}
TITLES: dict[int, str] = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 409: "Conflict", 413: "Request Entity Too Large", 415: "Unsupported Media Type",
    429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
}  # fmt: skip
# nova's and cinder's fault names by status.
FAULTS: dict[int, str] = {
    400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound", 405: "badMethod",
    409: "conflictingRequest", 413: "overLimit", 415: "badMediaType", 429: "overLimit",
    500: "computeFault", 501: "notImplemented", 503: "serviceUnavailable",
}  # fmt: skip
# neutron's fault types by status, where the route names none of its own.
NEUTRON_TYPES: dict[int, str] = {
    400: "BadRequest", 401: "NotAuthorized", 403: "PolicyNotAuthorized", 404: "NotFound", 409: "Conflict",
    413: "OverQuota", 429: "OverQuota", 500: "InternalServerError", 503: "ServiceUnavailable",
}  # fmt: skip


def from_core(error: CloudgateError) -> OsError:
    return from_code(error.code, error.message)


def from_code(code: str, message: str) -> OsError:
    """A core error by its code (a failed operation's error holds its code and message only)."""
    return OsError(STATUSES.get(code, 500), message)


def fault(family: Family, error: OsError) -> Response:
    """The error as `family`'s services answer it."""
    status, message = error.status, error.message
    title = TITLES.get(status, "Error")
    headers = {"WWW-Authenticate": 'Keystone uri="identity"'} if status == 401 else None
    if family is Family.IMAGE:
        page = (f"<html>\n <head>\n  <title>{status} {title}</title>\n </head>\n <body>\n  <h1>{status} {title}</h1>\n"
                f"  {escape(message)}<br /><br />\n\n\n\n </body>\n</html>")  # fmt: skip
        return Response(page, status, headers=headers, media_type="text/html")
    body: dict[str, object]
    if family is Family.IDENTITY:
        body = {"error": {"code": status, "title": title, "message": message}}
    elif family is Family.NETWORK:
        kind = error.neutron_type or NEUTRON_TYPES.get(status, "NeutronError")
        body = {"NeutronError": {"type": kind, "message": message, "detail": ""}}
    else:
        body = {FAULTS.get(status, "computeFault"): {"code": status, "message": message}}
    return Response(json.dumps(body), status, headers=headers, media_type="application/json")
