"""The service itself: installed clouds and their endpoints' settings, liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from cloudgate.api.auth import CallerDep, CoreDep
from cloudgate.api.schemas import ERROR_RESPONSES, CloudInfo, Status
from cloudgate.core import Core
from cloudgate.errors import NotReady

log = logging.getLogger("cloudgate.api")

router = APIRouter(tags=["service"], responses=ERROR_RESPONSES)

READY_TIMEOUT_SECONDS = 5.0


class RelayState(BaseModel):
    connected: bool
    exchange: str
    confirmed_seq: int = Field(description="Last event sequence number the broker confirmed.")
    head_seq: int
    lag: int = Field(description="Events not yet confirmed by the broker: head_seq - confirmed_seq.")


class Readiness(Status):
    accounts: dict[str, int] | None = Field(None, description="Accounts by health, when some are degraded.")
    amqp_relay: RelayState | None = Field(
        None, description="The event relay to AMQP when this process runs one; a broker outage delays events "
        "(they wait in the outbox) but does not make the gateway unready.",
    )  # fmt: skip


@router.get("/v1/clouds", response_model=dict[str, CloudInfo], summary="Cloud types and what each can do")
async def clouds(_caller: CallerDep) -> dict:
    return Core.clouds()


Endpoint = Annotated[str, Query(min_length=1, max_length=2000, description="The cloud endpoint, e.g. sim://alpha.")]
CloudType = Annotated[str, Path(max_length=100)]


@router.get("/v1/clouds/{cloud}/settings", response_model=dict[str, Any], summary="An endpoint's settings (admin)")
async def endpoint_settings(cloud: CloudType, endpoint: Endpoint, caller: CallerDep) -> dict:
    return Core.configure_endpoint(caller, cloud, endpoint, {})


@router.patch(
    "/v1/clouds/{cloud}/settings", response_model=dict[str, Any], summary="Change an endpoint's settings (admin)",
    description="The settings a cloud type declares in `endpoint_settings` (`GET /v1/clouds`): for `sim`, the "
    "faults of a simulated cloud (error_rate, throttle_rate, retry_after, latency, outage, clock_skew, "
    "consistency_delay, image_corruption, transfer_rate), so a running demo can rehearse failures.",
)  # fmt: skip
async def change_endpoint_settings(
    cloud: CloudType, endpoint: Endpoint, changes: Annotated[dict[str, Any], Body()], caller: CallerDep
) -> dict:
    return Core.configure_endpoint(caller, cloud, endpoint, changes)


@router.get("/healthz", response_model=Status, summary="Liveness: the process answers")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get(
    "/readyz", response_model=Readiness, response_model_exclude_none=True, summary="Readiness",
    description="`ready` when the store answers and every account's clouds do; `degraded` (still 200: reads "
    "are served from the store) when some accounts are degraded; 503 `not_ready` when the store does not "
    "answer, or when every account is degraded (no cloud answers: nothing the gateway shows is fresh).",
)  # fmt: skip
async def readyz(core: CoreDep) -> dict:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await core.events.head()
            health = await core.accounts.health_counts()
    except Exception as exc:  # whatever the store's failure, the answer is "not ready"
        log.warning("readiness check failed: %r", exc)
        raise NotReady("the store is not reachable") from exc
    degraded = health.get("degraded", 0)
    if degraded and not health.get("ok"):
        raise NotReady(f"every account ({degraded}) is degraded: no cloud answers", details={"accounts": health})
    body: dict[str, Any] = {"status": "degraded", "accounts": health} if degraded else {"status": "ready"}
    relay = core.relay_status()
    if relay is not None:
        body["amqp_relay"] = relay.to_dict()
    return body


@router.get(
    "/metrics", response_class=Response, summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}, "description": "Exposition text."}},
)  # fmt: skip
async def metrics(request: Request, core: CoreDep) -> Response:
    return Response(await request.app.state.metrics.render(core), media_type=CONTENT_TYPE_LATEST)
