"""The event feed as Server-Sent Events, shared by /v1's stream and the dashboard's: each event with its sequence
number as `id`, so a reconnecting EventSource resends it as Last-Event-ID and resumes where it left off."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import orjson
from sse_starlette import ServerSentEvent

from cloudgate.core import Caller, Core
from cloudgate.errors import InvalidRequest, Unauthenticated

MAX_SEQ = 2**63 - 1  # sequence numbers are 64-bit integers in the store
# How long the stream waits on the feed before it checks that the token is still good.
STREAM_RECHECK_SECONDS = 15.0


def is_number(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also takes characters such as "²" that `int` refuses."""
    return text.isascii() and text.isdigit()


def resume_point(last_event_id: str | None, after: int | None) -> int | None:
    """Where a stream resumes: a reconnecting EventSource's Last-Event-ID wins over the URL's `after`."""
    if last_event_id is None:
        return after
    text = last_event_id.strip()
    if not is_number(text) or int(text) > MAX_SEQ:
        raise InvalidRequest("Last-Event-ID must be an event sequence number", details={"field": "Last-Event-ID"})
    return int(text)


async def event_stream(core: Core, token: str, caller: Caller, after: int) -> AsyncIterator[ServerSentEvent]:
    """The caller's events after `after`, as long as `token` stays valid; one that stops being valid ends the
    stream with an `error` event saying why."""
    while True:
        events = await core.events.after(caller, after, wait=STREAM_RECHECK_SECONDS)
        try:  # a token revoked or expired while streaming gets nothing more: say why, then end
            caller = dataclasses.replace(caller, principal=await core.auth.authenticate(token))
        except Unauthenticated as exc:
            yield ServerSentEvent(event="error", data=orjson.dumps({"error": exc.to_dict()}).decode())
            return
        for event in events:
            yield ServerSentEvent(id=str(event.seq), event=event.type, data=orjson.dumps(event.to_dict()).decode())
            after = event.seq
