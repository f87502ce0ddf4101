"""The live feed of a signed-in browser: the caller's events as Server-Sent Events, streamed as /v1 streams them
(ids on events, so the browser's EventSource resends Last-Event-ID when it reconnects), authenticated by the
session cookie; with `operations=1`, the caller's operations too, each time one changes (state or progress), as
`operation` events without an id (they are no position in the event feed). The page's script refreshes what an
event changed."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator

import orjson
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from cloudgate.core import Caller, Core
from cloudgate.errors import InvalidRequest, Unauthenticated
from cloudgate.serving.event_stream import MAX_SEQ, event_stream, is_number, resume_point
from cloudgate.web.context import signed_in, web_state

# How often the stream reads the operations again without a change in this process (another process's changes).
OPERATIONS_RECHECK_SECONDS = 1.0
# How far back each read looks, for a change committed after a later one was read (writers race on PostgreSQL).
OPERATIONS_LOOKBACK_SECONDS = 2.0
OPERATIONS_PER_READ = 200
MAX_SINCE_AGE_SECONDS = 86_400.0


async def operation_changes(core: Core, caller: Caller, since: float) -> AsyncIterator[ServerSentEvent]:
    """An `operation` event each time one of the caller's operations changes after `since`, for as long as the
    stream is read."""
    shown: dict[str, float] = {}  # operation id -> the change last sent, within the look-back
    paging = False
    while True:
        changed = await core.operations.changed(
            caller, since if paging else since - OPERATIONS_LOOKBACK_SECONDS, limit=OPERATIONS_PER_READ
        )
        for operation in changed:
            if shown.get(operation.id) != operation.updated_at:
                shown[operation.id] = operation.updated_at
                body = {"id": operation.id, "kind": operation.kind, "resource_id": operation.resource_id,
                        "action": operation.action, "state": operation.state, "progress": operation.progress,
                        "updated_at": operation.updated_at}  # fmt: skip
                yield ServerSentEvent(event="operation", data=orjson.dumps(body).decode())
            since = max(since, operation.updated_at)
        shown = {key: at for key, at in shown.items() if at > since - OPERATIONS_LOOKBACK_SECONDS}
        paging = len(changed) == OPERATIONS_PER_READ  # more changed than one read holds: read on at once
        if not paging:
            await core.operations.next_change(OPERATIONS_RECHECK_SECONDS)


async def merged(*streams: AsyncIterator[ServerSentEvent]) -> AsyncIterator[ServerSentEvent]:
    """The events of every stream as they come; it ends when one of them ends (or fails, with its error)."""
    waiting = {asyncio.ensure_future(anext(stream)): stream for stream in streams}
    try:
        while True:
            done, _pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                stream = waiting.pop(task)
                try:
                    item = task.result()
                except StopAsyncIteration:
                    return
                yield item
                waiting[asyncio.ensure_future(anext(stream))] = stream
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)


def _since(request: Request) -> float | None:
    """The time the page read its operations at (`since`), when it follows them (`operations=1`)."""
    if request.query_params.get("operations") != "1":
        return None
    given = request.query_params.get("since", "")
    try:
        since = float(given) if len(given) <= 30 else math.nan
    except ValueError:
        since = math.nan
    if not math.isfinite(since):
        raise InvalidRequest("since must be the time a page was read at", details={"field": "since"})
    now = time.time()  # a page open for long follows what changes from a day ago at most
    return min(max(since, now - MAX_SINCE_AGE_SECONDS), now)


async def stream(request: Request) -> Response:
    try:
        core, session = await signed_in(request)
    except Unauthenticated as exc:
        # Said plainly, not as the sign-in page: an EventSource that gets this stops and the page says why.
        return PlainTextResponse(exc.message, status_code=401)
    given = request.query_params.get("after")
    if given is not None and (not is_number(given) or int(given) > MAX_SEQ):
        raise InvalidRequest("after must be an event sequence number", details={"field": "after"})
    last_event_id = request.headers.get("last-event-id")
    if last_event_id is not None and len(last_event_id) > 30:
        raise InvalidRequest("Last-Event-ID must be an event sequence number", details={"field": "Last-Event-ID"})
    since = _since(request)
    start = resume_point(last_event_id, int(given) if given is not None else None)
    if start is None:
        start = await core.events.head()
    events = event_stream(core, session.token, session.caller, start)
    if since is not None:  # the event stream checks the session and ends both when it is over
        events = merged(events, operation_changes(core, session.caller, since))
    return EventSourceResponse(events, ping=web_state(request).heartbeat_seconds)


ROUTES: list[BaseRoute] = [Route("/events/stream", stream, methods=["GET"])]
