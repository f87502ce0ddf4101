"""The event feed of the caller's accounts: long-polled pages, or a Server-Sent Events stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse

from cloudgate.api.auth import CallerDep, CoreDep, TokenDep
from cloudgate.api.schemas import ERROR_RESPONSES, EventPage
from cloudgate.core.events import MAX_WAIT_SECONDS
from cloudgate.serving.event_stream import MAX_SEQ, event_stream, resume_point

router = APIRouter(prefix="/v1/events", tags=["events"], responses=ERROR_RESPONSES)

After = Annotated[int, Query(ge=0, le=MAX_SEQ, description="Return events with a greater sequence number.")]


@router.get("", response_model=EventPage, summary="Events after a sequence number (long-poll with `wait`)")
async def read_events(
    core: CoreDep, caller: CallerDep, after: After = 0,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS, allow_inf_nan=False,
                                 description="Seconds to wait for an event when there is none yet.")] = 0.0,
    limit: Annotated[int | None, Query(ge=1, description="At most this many events (default: the page maximum).")] = None,
) -> dict:  # fmt: skip
    events = await core.events.after(caller, after, wait=wait, limit=limit)
    return {"events": [event.to_dict() for event in events], "next_after": events[-1].seq if events else after}


@router.get(
    "/stream", response_class=EventSourceResponse, summary="Stream events (Server-Sent Events)",
    description="Each event has `id: <seq>`, `event: created|updated|deleted` and `data: <event JSON>`. "
    "Resumes after the `Last-Event-ID` header (or `after`); with neither, starts with the next event. "
    "Comment lines are sent as heartbeats. A token that stops being valid ends the stream with an `error` event.",
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": "The stream."}},
)  # fmt: skip
async def stream_events(
    request: Request, core: CoreDep, token: TokenDep, caller: CallerDep,
    after: Annotated[int | None, Query(ge=0, le=MAX_SEQ)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=30)] = None,
) -> EventSourceResponse:  # fmt: skip
    start = resume_point(last_event_id, after)
    if start is None:
        start = await core.events.head()
    return EventSourceResponse(event_stream(core, token, caller, start), ping=request.app.state.heartbeat_seconds)
