"""The overview: every account per cloud with its health and per-kind poll state, counts per kind and state,
the newest events and the operations in flight."""

from __future__ import annotations

import time
from itertools import groupby

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cloudgate.web.context import signed_in, web_state
from cloudgate.web.presentation import NOUNS

RECENT_EVENTS = 15
OPERATIONS_SHOWN = 20
IN_FLIGHT = ("pending", "running")


async def overview(request: Request) -> Response:
    core, session = await signed_in(request)
    caller = session.caller
    since, after = time.time(), await core.events.head()  # before the reads: the page's stream starts there
    accounts = await core.accounts.list(caller)
    accounts.sort(key=lambda view: (view.row.cloud, view.row.name))
    counts = await core.resources.counts(caller)
    events = await core.events.recent(caller, limit=RECENT_EVENTS)
    operations = await core.operations.list(caller, states=IN_FLIGHT, limit=OPERATIONS_SHOWN)
    return web_state(request).pages.render(
        request, "overview.html", session=session, after=after, watch={"any": True, "since": since}, current="overview",
        clouds=[(cloud, list(views)) for cloud, views in groupby(accounts, key=lambda view: view.row.cloud)],
        counts=[(kind, counts[kind]) for kind in NOUNS if kind in counts], events=events,
        operations=operations.operations, more_operations=operations.next_cursor is not None,
    )  # fmt: skip


ROUTES: list[BaseRoute] = [Route("/", overview, methods=["GET"])]
