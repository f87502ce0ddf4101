"""What one client can make the HTTP server hold: uvicorn's httptools protocol with the two bounds it lacks.
(uvicorn's other parser, h11, has a header limit, but being pure Python it added 55 to 130 µs of CPU to each
request here, 10 to 30% of a whole GET; these bounds add 1 to 2 µs.)

- **Request line and headers**: httptools buffers a header until its end, however long, and has no limit
  of its own; past `header_bytes` the request is refused with 431 and the connection closed.
- **Time to send a request**: uvicorn times only the idle wait between two requests; a request that is not
  received in full (line, headers and body) within `request_seconds` of its first byte (the first request:
  of the connection's opening, once its TLS handshake is done; the event loop bounds that to 60 s) has its
  connection closed. Time spent answering is not bounded here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from cloudgate.settings import Settings

log = logging.getLogger("uvicorn.error")

TOO_LARGE = b"Request line and headers too large"


@dataclass(frozen=True, slots=True)
class HttpLimits:
    header_bytes: int
    request_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpLimits:
        return cls(settings.http_max_header_bytes, settings.http_request_timeout_seconds)

    def protocol(self) -> type[asyncio.Protocol]:
        """The class for uvicorn's `http` option: it builds one protocol per connection, from its config."""
        limits = self

        class Limited(LimitedHttpToolsProtocol):
            LIMITS = limits

        return Limited


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    LIMITS: ClassVar[HttpLimits]

    _in_head = False  # between a request's first byte and the end of its headers
    _head_bytes = 0  # bytes received since the head began
    _deadline: asyncio.TimerHandle | None = None  # when the request under way must have been received

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # the parser's callbacks below run in here
        if self._in_head and not self.transport.is_closing():
            # The head under way ends this read, so the read holds nothing past it; what came before it in the
            # read is counted too, an overcount only a pipelining client can meet.
            self._head_bytes += len(data)
            if self._head_bytes > self.LIMITS.header_bytes:
                self._refuse_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0
        if self._deadline is None:  # the first request keeps the deadline the connection's opening set
            self._arm()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.LIMITS.request_seconds, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        log.warning("%s: closed: no request received in full within %g s", self._peer(), self.LIMITS.request_seconds)
        self.transport.close()

    def _refuse_head(self) -> None:
        self._in_head = False
        self._disarm()
        log.warning("%s: refused a request line and headers past %d bytes", self._peer(), self.LIMITS.header_bytes)
        if self.cycle is None or self.cycle.response_complete:  # no response of an earlier request under way
            head = [
                STATUS_LINE[431],
                *(name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers),
            ]
            head.append(b"content-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n" % len(TOO_LARGE))
            self.transport.write(b"".join([*head, b"connection: close\r\n\r\n", TOO_LARGE]))
        self.transport.close()

    def _peer(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
