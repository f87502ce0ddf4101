"""EC2's failures as cloudgate's errors, by the code table in `tables.ERRORS`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    InvalidRegionError,
    NoCredentialsError,
    ParamValidationError,
)
from botocore.parsers import ResponseParserError

from cloudgate.drivers.ec2.tables import ERRORS, THROTTLE_RETRY_AFTER
from cloudgate.errors import CloudAuthFailed, CloudgateError, InvalidRequest, Throttled, Unavailable

# Failures before or around the HTTP exchange, by botocore exception class (first match wins).
TRANSPORT_ERRORS: tuple[tuple[type[BotoCoreError], type[CloudgateError]], ...] = (
    (ParamValidationError, InvalidRequest),  # botocore checks parameter types before sending
    (InvalidRegionError, InvalidRequest),
    (NoCredentialsError, CloudAuthFailed),
    (ConnectionError, Unavailable),  # refused, reset, connect timeout
    (HTTPClientError, Unavailable),  # read timeout and other broken exchanges
)


def error_type(code: str) -> type[CloudgateError]:
    """The cloudgate error for an EC2 error code (CloudgateError when the table has none)."""
    return next((error for pattern, error in ERRORS if fnmatchcase(code, pattern)), CloudgateError)


def translate(exc: ClientError) -> CloudgateError:
    body = exc.response.get("Error", {})
    code = str(body.get("Code", ""))
    metadata = exc.response.get("ResponseMetadata", {})
    error = error_type(code)
    retry_after = None
    if error is Throttled:
        header = metadata.get("HTTPHeaders", {}).get("retry-after")
        retry_after = float(header) if header and header.isdigit() else THROTTLE_RETRY_AFTER
    details = {"cloud_code": code, "request_id": metadata.get("RequestId")}
    return error(body.get("Message") or code, retry_after=retry_after, details=details)


@contextmanager
def cloud_errors() -> Iterator[None]:
    """Turn what botocore raises into cloudgate errors, keeping EC2's code in `details`."""
    try:
        yield
    except ClientError as exc:
        raise translate(exc) from exc
    except (BotoCoreError, ResponseParserError) as exc:  # the second: an answer that is not EC2's XML
        error = next((error for cls, error in TRANSPORT_ERRORS if isinstance(exc, cls)), Unavailable)
        raise error(str(exc), details={"cloud_error": type(exc).__name__}) from exc
