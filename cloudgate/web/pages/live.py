"""The live feed of a signed-in browser: the caller's events as Server-Sent Events, streamed as /v1 streams them
(ids on events, so the browser's EventSource resends Last-Event-ID when it reconnects), authenticated by the
session cookie. The page's script refreshes what an event changed."""

from __future__ import annotations

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from cloudgate.errors import InvalidRequest, Unauthenticated
from cloudgate.serving.event_stream import MAX_SEQ, event_stream, is_number, resume_point
from cloudgate.web.context import signed_in, web_state


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
    start = resume_point(last_event_id, int(given) if given is not None else None)
    if start is None:
        start = await core.events.head()
    return EventSourceResponse(event_stream(core, session.token, session.caller, start),
                               ping=web_state(request).heartbeat_seconds)  # fmt: skip


ROUTES: list[BaseRoute] = [Route("/events/stream", stream, methods=["GET"])]
