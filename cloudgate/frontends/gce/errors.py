"""GCE's errors: `{"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}`, one table from
the core's error codes to (HTTP status, reason), and the codes a failed operation names its errors with."""

from __future__ import annotations

from typing import Any

from cloudgate.errors import CloudgateError

# Core error code -> (HTTP status, GCE's reason) for the same refusal. 401 is for bad tokens only: Google's
# clients answer a 401 by refreshing their credentials.
STATUSES: dict[str, tuple[int, str]] = {
    "invalid_request": (400, "invalid"),
    "invalid_scope": (400, "invalid"),  # a token's scope naming a cloud the client may not use
    "cross_cloud_reference": (400, "invalid"),  # a subnetwork of another cloud than the machine's
    "unknown_kind": (400, "invalid"),
    "unsupported": (400, "unsupported"),
    "not_found": (404, "notFound"),
    "conflict": (409, "resourceInUseByAnotherResource"),
    "operation_failed": (400, "badRequest"),
    "quota_exceeded": (403, "quotaExceeded"),
    "idempotency_key_reused": (409, "alreadyExists"),
    "clock_skew": (400, "invalid"),
    "cloud_auth_failed": (503, "backendError"),  # the gateway's own account on the cloud failed, not the caller
    "unauthenticated": (401, "authError"),
    "forbidden": (403, "forbidden"),
    "payload_too_large": (413, "badRequest"),
    "throttled": (429, "rateLimitExceeded"),
    "cloud_unavailable": (503, "backendError"),
    "not_ready": (503, "backendError"),
    "operation_timeout": (503, "backendError"),
    "interrupted": (503, "backendError"),
    "internal_error": (500, "backendError"),
}
# Core error code -> the code a failed operation's error carries (GCE's operation error codes).
OPERATION_CODES: dict[str, str] = {
    "invalid_request": "INVALID_FIELD_VALUE", "not_found": "RESOURCE_NOT_FOUND",
    "invalid_scope": "INVALID_FIELD_VALUE", "cross_cloud_reference": "INVALID_FIELD_VALUE",
    "conflict": "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE", "quota_exceeded": "QUOTA_EXCEEDED",
    "unsupported": "UNSUPPORTED_OPERATION", "cloud_unavailable": "ZONE_RESOURCE_POOL_EXHAUSTED",
}  # fmt: skip


class GceError(Exception):
    """An answer in GCE's error shape."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.status, "message": self.message,
                          "errors": [{"domain": "global", "reason": self.reason, "message": self.message}]}}  # fmt: skip


def from_code(code: str, message: str) -> GceError:
    status, reason = STATUSES.get(code, (500, "backendError"))
    return GceError(status, reason, message)


def from_core(error: CloudgateError) -> GceError:
    return from_code(error.code, error.message)


def not_found(what: str) -> GceError:
    return GceError(404, "notFound", f"The resource '{what[:200]}' was not found")


def invalid(message: str) -> GceError:
    return GceError(400, "invalid", message)
