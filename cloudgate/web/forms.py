"""What a dashboard form posts: an `application/x-www-form-urlencoded` body read within the size limit, with its
CSRF token checked before anything else is done with it. (Read here rather than by Starlette's form parser,
which needs python-multipart for a kind of body the dashboard never sends.)"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request

from cloudgate.errors import CloudgateError, InvalidRequest, PayloadTooLarge
from cloudgate.serving.event_stream import is_number
from cloudgate.web.session import CSRF_FIELD, check_csrf

FORM_TYPE = "application/x-www-form-urlencoded"


class UnsupportedForm(CloudgateError):
    code, status = "unsupported_media_type", 415


@dataclass(frozen=True, slots=True)
class Form:
    """The fields of a posted form, each with the values given for it in order."""

    fields: Mapping[str, list[str]]

    def one(self, name: str, default: str = "") -> str:
        """The field's value (its first), stripped; `default` when absent."""
        values = self.fields.get(name)
        return values[0].strip() if values else default


async def read_form(request: Request, max_bytes: int) -> Form:
    """The posted form, once its CSRF token is found good (CsrfRefused otherwise, whatever else it holds)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    declared = request.headers.get("content-length", "")
    if is_number(declared) and int(declared) > max_bytes:
        raise PayloadTooLarge(f"the form exceeds {max_bytes} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"the form exceeds {max_bytes} bytes")
    fields: dict[str, list[str]] = {}
    if media == FORM_TYPE:
        try:
            for name, value in parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body)):
                fields.setdefault(name, []).append(value)
        except (UnicodeDecodeError, ValueError):
            fields = {}  # unreadable: judged by its (missing) CSRF token first, as any other body
    form = Form(fields)
    check_csrf(request, form.one(CSRF_FIELD) or None)
    if body and media != FORM_TYPE:
        raise UnsupportedForm(f"a form is sent as {FORM_TYPE}")
    if any("\x00" in value for values in fields.values() for value in values):
        raise InvalidRequest("NUL characters are not allowed in a form")
    return form
