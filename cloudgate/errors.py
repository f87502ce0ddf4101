"""The one exception hierarchy: every error has a stable code, an HTTP status and a message.

Drivers raise these for cloud failures; the core raises them for bad requests; each
front-end maps them to its own wire format from `code`.
"""

from __future__ import annotations

from typing import Any


class CloudgateError(Exception):
    code: str = "internal_error"
    status: int = 500

    def __init__(self, message: str, *, retry_after: float | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        if self.details:
            body["details"] = self.details
        return body


class InvalidRequest(CloudgateError):
    code, status = "invalid_request", 422


class InvalidScope(InvalidRequest):
    """A request's scope that is malformed, names an unknown service, or a cloud that is none of the client's."""

    code, status = "invalid_scope", 400


class CrossCloudReference(InvalidRequest):
    """A create naming, through its scope, a resource of another cloud that cannot be used where it is made."""

    code = "cross_cloud_reference"


class NotFound(CloudgateError):
    code, status = "not_found", 404


class UnknownKind(NotFound):
    """A path or request names a resource kind that does not exist."""

    code = "unknown_kind"


class NotReady(CloudgateError):
    """The gateway cannot serve yet (store unreachable, not open)."""

    code, status = "not_ready", 503


class Conflict(CloudgateError):
    code, status = "conflict", 409


class QuotaExceeded(CloudgateError):
    code, status = "quota_exceeded", 409


class Unsupported(CloudgateError):
    code, status = "unsupported", 422


class CloudAuthFailed(CloudgateError):
    """The cloud refused the account's credentials."""

    code, status = "cloud_auth_failed", 422


class ClockSkew(CloudgateError):
    code, status = "clock_skew", 422


class Throttled(CloudgateError):
    code, status = "throttled", 429


class Unavailable(CloudgateError):
    code, status = "cloud_unavailable", 503


class Unauthenticated(CloudgateError):
    """The gateway client's own token or secret is missing, wrong, expired or revoked."""

    code, status = "unauthenticated", 401


class UnknownCredential(Unauthenticated):
    """A foreign API's access key that the gateway never issued."""

    code = "unknown_credential"


class RevokedCredential(Unauthenticated):
    """A foreign API's access key that was revoked (or whose client lost the account)."""

    code = "credential_revoked"


class SignatureMismatch(Unauthenticated):
    """A request signed with a foreign credential whose signature does not match its secret."""

    code = "signature_mismatch"


class RegionMismatch(Unauthenticated):
    """A request signed for another region than the one its access key acts in."""

    code = "region_mismatch"


class Forbidden(CloudgateError):
    code, status = "forbidden", 403


class PayloadTooLarge(CloudgateError):
    code, status = "payload_too_large", 413


class IdempotencyKeyReused(Conflict):
    """An idempotency key sent again with another request than the one it was first used for."""

    code = "idempotency_key_reused"


class OperationFailed(CloudgateError):
    """The cloud accepted the request but the resource ended in error (or vanished)."""

    code, status = "operation_failed", 409


class OperationTimeout(CloudgateError):
    code, status = "operation_timeout", 504


class Interrupted(CloudgateError):
    """The gateway stopped while the operation ran; its outcome on the cloud is unknown."""

    code, status = "interrupted", 409
