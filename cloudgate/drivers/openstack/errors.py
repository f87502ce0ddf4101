"""OpenStack's failures as cloudgate errors, through one table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from keystoneauth1 import exceptions as ksa
from openstack import exceptions as sdk

from cloudgate.errors import (
    CloudAuthFailed,
    CloudgateError,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    Throttled,
    Unavailable,
    Unsupported,
)

# An API's answer is judged by its HTTP status; a failure with no answer by its exception type
# (looked up along the class hierarchy, most specific first).
ERRORS: dict[int | type[Exception], type[CloudgateError]] = {
    400: InvalidRequest,
    401: CloudAuthFailed,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: Conflict,
    413: QuotaExceeded,  # cinder's and glance's over-quota answer
    429: Throttled,
    500: Unavailable,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
    ksa.ConnectionError: Unavailable,
    ksa.DiscoveryFailure: Unavailable,
    ksa.EndpointNotFound: Unsupported,  # the cloud's catalog has no such service
    sdk.EndpointNotFound: Unsupported,
    sdk.NotSupported: Unsupported,
    sdk.ResourceFailure: Conflict,
    sdk.ResourceTimeout: Unavailable,
    sdk.InvalidRequest: InvalidRequest,
    ksa.AuthPluginException: CloudAuthFailed,
    ksa.ClientException: Unavailable,
    requests.RequestException: Unavailable,  # an image's bytes cut off mid-stream
    sdk.SDKException: CloudgateError,
}

# Answers whose status says less than their message: nova refuses an instance over quota with 403.
MESSAGE_ERRORS: dict[tuple[int, str], type[CloudgateError]] = {
    (403, "quota exceeded"): QuotaExceeded,
}


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of the answer behind `exc`, if an API answered."""
    status = getattr(exc, "status_code", None) or getattr(exc, "http_status", None)
    return status if isinstance(status, int) else None


def translate(exc: Exception) -> CloudgateError:
    """The cloudgate error for an openstacksdk or keystoneauth failure; the native one kept in `details`."""
    status = status_of(exc)
    message = (getattr(exc, "details", None) or str(exc) or type(exc).__name__).strip()
    error_type = next(
        (error for (code, marker), error in MESSAGE_ERRORS.items() if code == status and marker in message.lower()),
        None,
    )
    if error_type is None and status is not None:
        error_type = ERRORS.get(status) or (Unavailable if status >= 500 else InvalidRequest)
    if error_type is None:
        error_type = next((ERRORS[cls] for cls in type(exc).__mro__ if cls in ERRORS), CloudgateError)
    details: dict[str, Any] = {"cloud_error": type(exc).__name__}
    if status is not None:
        details["http_status"] = status
    retry_after = _retry_after(exc)
    return error_type(message, retry_after=retry_after, details=details)


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@contextmanager
def native_errors() -> Iterator[None]:
    """Raise cloudgate errors for what openstacksdk, keystoneauth and requests (streaming an image) raise inside."""
    try:
        yield
    except (sdk.SDKException, ksa.ClientException, requests.RequestException) as exc:
        raise translate(exc) from exc
