"""Reading the event feed after a sequence number, page by page (`GET /v1/events?after=`, long-polled when
following). A follower outlives the gateway and its own token: when the gateway goes away (a restart, a
5xx) it reconnects with backoff and resumes after the last event it yielded; when the gateway refuses
the token (401) it waits for the login that `cloudgate login`, in another terminal, saves."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console

from cloudgate.cli.failures import ApiError, CliFailure, Unreachable
from cloudgate.cli.session import Session

LONG_POLL_SECONDS = 25.0  # how long the gateway holds a following request open when nothing happens
RETRY_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0)  # between attempts to reach the gateway again; the last repeats
LOGIN_CHECK_SECONDS = 1.0  # how often the saved login is read again while waiting for a new token
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})  # the gateway is there but cannot answer now


def read_page(session: Session, after: int, wait: float) -> tuple[list[dict[str, Any]], int]:
    # The request may take `wait` seconds by design: the read timeout allows for it.
    page = session.request("GET", "/v1/events", params={"after": after, "wait": wait}, timeout=wait + 15.0)
    return page["events"], int(page.get("next_after", after))


def _gone(failure: CliFailure) -> bool:
    """The gateway could not be reached or answer: worth trying again later."""
    return isinstance(failure, Unreachable) or (isinstance(failure, ApiError) and failure.status in RETRIED_STATUSES)


def _refused(failure: CliFailure) -> bool:
    return isinstance(failure, ApiError) and failure.status == 401


class Follower:
    """The events after a sequence number; with `follow`, the ones that come after them too, for good."""

    def __init__(
        self, connect: Callable[[str | None], Session], saved_token: Callable[[], str | None] | None,
        notices: Console,
    ):  # fmt: skip
        """`connect(token)`: a session with that token (None: the one given or saved); `saved_token()`: the
        saved login's token now, or None as the function itself when the token was given (no renewal)."""
        self._connect = connect
        self._saved_token = saved_token
        self._notices = notices
        self.session = connect(None)

    def events(self, after: int, follow: bool) -> Iterator[dict[str, Any]]:
        retries = 0
        try:
            while True:
                try:
                    found, next_after = read_page(self.session, after, LONG_POLL_SECONDS if follow else 0.0)
                except CliFailure as failure:
                    if follow and _gone(failure):
                        self._pause(failure, retries, after)
                        retries += 1
                        continue
                    if follow and _refused(failure) and self._saved_token is not None:
                        self._renew(failure)
                        continue
                    raise
                if retries:
                    self._note(f"reached the gateway again: resuming after event {after}")
                    retries = 0
                yield from found
                after = next_after
                if not found and not follow:
                    return
        finally:
            self.session.close()

    def _note(self, text: str) -> None:
        self._notices.print(text, markup=False, highlight=False, soft_wrap=True)

    def _pause(self, failure: CliFailure, retries: int, after: int) -> None:
        if not retries:
            self._note(f"gateway unreachable ({failure.code}: {failure.message}); trying again, after event {after}")
        time.sleep(RETRY_SECONDS[min(retries, len(RETRY_SECONDS) - 1)])

    def _renew(self, failure: CliFailure) -> None:
        """Wait until the saved login holds another token than the refused one, then use it."""
        assert self._saved_token is not None
        refused = self.session.target.token
        self._note(f"the gateway refused the token ({failure.message}); waiting for a new login "
                   "(run `cloudgate login` in another terminal)")  # fmt: skip
        while (token := self._saved_token()) in (None, refused):
            time.sleep(LOGIN_CHECK_SECONDS)
        self.session.close()
        self.session = self._connect(token)
        self._note("logged in again: following on")
