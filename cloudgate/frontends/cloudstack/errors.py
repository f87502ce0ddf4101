"""CloudStack's errors: its API error codes (ApiErrorCode), which are also the HTTP statuses it answers
with, and one table from the core's error codes to them."""

from __future__ import annotations

from cloudgate.errors import CloudgateError

UNAUTHORIZED = 401
MALFORMED_PARAMETER = 430
PARAM_ERROR = 431
UNSUPPORTED_ACTION = 432
API_LIMIT_EXCEEDED = 429
INTERNAL_ERROR = 530
ACCOUNT_ERROR = 531
RESOURCE_LIMIT = 532
INSUFFICIENT_CAPACITY = 533
RESOURCE_UNAVAILABLE = 534
RESOURCE_IN_USE = 536

# CloudStack's exception class codes (`cserrorcode`) by API error code, as its server sets them.
CS_ERROR_CODES: dict[int, int] = {
    UNAUTHORIZED: 9999, PARAM_ERROR: 4350, MALFORMED_PARAMETER: 4350, UNSUPPORTED_ACTION: 9999,
    API_LIMIT_EXCEEDED: 9999, INTERNAL_ERROR: 4250, ACCOUNT_ERROR: 4365, RESOURCE_LIMIT: 4370,
    INSUFFICIENT_CAPACITY: 4310, RESOURCE_UNAVAILABLE: 4375, RESOURCE_IN_USE: 4380,
}  # fmt: skip

# Core error code -> CloudStack's error code for the same refusal.
CODES: dict[str, int] = {
    "invalid_request": PARAM_ERROR,
    "invalid_scope": PARAM_ERROR,  # the key's scope names a cloud the client may not use
    "cross_cloud_reference": PARAM_ERROR,  # a network of another cloud than the machine's
    "unknown_kind": PARAM_ERROR,
    "unsupported": UNSUPPORTED_ACTION,
    "not_found": PARAM_ERROR,  # CloudStack reports an id it cannot find as a parameter error
    "conflict": RESOURCE_IN_USE,
    "operation_failed": INTERNAL_ERROR,
    "quota_exceeded": RESOURCE_LIMIT,
    "idempotency_key_reused": PARAM_ERROR,
    "clock_skew": PARAM_ERROR,
    "cloud_auth_failed": INTERNAL_ERROR,  # the gateway's own account on the cloud failed, not the caller
    "unauthenticated": UNAUTHORIZED,
    "unknown_credential": UNAUTHORIZED,
    "credential_revoked": UNAUTHORIZED,
    "signature_mismatch": UNAUTHORIZED,
    "region_mismatch": UNAUTHORIZED,
    "forbidden": ACCOUNT_ERROR,
    "payload_too_large": PARAM_ERROR,
    "throttled": API_LIMIT_EXCEEDED,
    "cloud_unavailable": RESOURCE_UNAVAILABLE,
    "not_ready": RESOURCE_UNAVAILABLE,
    "operation_timeout": INTERNAL_ERROR,
    "interrupted": INTERNAL_ERROR,
    "internal_error": INTERNAL_ERROR,
}
# What CloudStack says to every failed authentication, whatever failed (it tells an attacker nothing).
UNVERIFIED = "unable to verify user credentials and/or request signature"


class CsError(Exception):
    """An answer in CloudStack's error shape: its error code (the HTTP status too) and text."""

    def __init__(self, code: int, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


def from_code(code: str, message: str) -> CsError:
    """A core error by its code (a failed operation's error holds its code and message only)."""
    cs_code = CODES.get(code, INTERNAL_ERROR)
    if cs_code == UNAUTHORIZED:
        return CsError(UNAUTHORIZED, UNVERIFIED)
    if code == "not_found":  # the phrase CloudStack's own clients look for
        message = f"Unable to find the resource: {message}"
    return CsError(cs_code, message)


def from_core(error: CloudgateError) -> CsError:
    return from_code(error.code, error.message)
