"""The event feed and its Server-Sent Events stream: ordering, long-polling, resuming, heartbeats,
and that a client only receives its own accounts' events (and its endpoints' public ones)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from cloudgate.drivers.sim import SimCloud
from tests.api.conftest import (
    Caller, feed_position, finished_operation, instance_spec, sse_messages,
)  # fmt: skip


async def create_keypair(caller: Caller, account: str, name: str) -> str:
    response = await caller.post("/v1/keypairs", json={"account": account, "name": name})
    assert response.status_code == 202, response.text
    await finished_operation(caller, response.json()["operation"]["id"])
    return response.json()["resource"]["id"]


async def test_the_feed_holds_only_the_callers_accounts_and_public_events(
    alice: Caller, bob: Caller, alice_account: str, bob_account: str
):
    bobs = await create_keypair(bob, bob_account, "bobs-key")
    alices = await create_keypair(alice, alice_account, "alices-key")
    page = (await alice.get("/v1/events")).json()
    events = page["events"]
    assert events and page["next_after"] == events[-1]["seq"]
    assert all(e["account"] in (alice_account, None) for e in events)
    public = [e for e in events if e["account"] is None]  # her endpoint's public images reach her feed
    assert public and all(e["resource"]["public"] and e["kind"] == "image" for e in public)
    assert alices in {e["resource_id"] for e in events} and bobs not in {e["resource_id"] for e in events}
    assert [e["seq"] for e in events] == sorted({e["seq"] for e in events})
    assert {e["type"] for e in events} <= {"created", "updated", "deleted"}
    # Paging on with next_after gives the rest, then nothing; next_after stays put when empty.
    first = (await alice.get("/v1/events", params={"limit": 2})).json()
    rest = (await alice.get("/v1/events", params={"after": first["next_after"]})).json()
    assert [e["seq"] for e in first["events"] + rest["events"]] == [e["seq"] for e in events]
    empty = (await alice.get("/v1/events", params={"after": page["next_after"]})).json()
    assert empty == {"events": [], "next_after": page["next_after"]}


async def test_long_poll_returns_when_an_event_comes(alice: Caller, alice_account: str):
    after = await feed_position(alice)
    waiting = asyncio.create_task(alice.get("/v1/events", params={"after": after, "wait": 30}))
    keypair = await create_keypair(alice, alice_account, "woken")
    page = (await asyncio.wait_for(waiting, 10)).json()
    assert page["events"] and page["events"][0]["resource_id"] == keypair
    assert page["events"][0]["type"] == "created"


async def test_long_poll_without_events_ends_empty(alice: Caller, alice_account: str):
    after = await feed_position(alice)
    assert (await alice.get("/v1/events", params={"after": after, "wait": 0.05})).json() == {
        "events": [], "next_after": after
    }  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [{"after": -1}, {"after": "abc"}, {"after": 2**64}, {"wait": 61}, {"wait": "nan"}, {"wait": "inf"},
     {"limit": 0}, {"limit": 10**6}],
)  # fmt: skip
async def test_bad_feed_parameters_are_invalid(alice: Caller, params: dict):
    response = await alice.get("/v1/events", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


@asynccontextmanager
async def stream(live_url: str, caller: Caller, **kwargs) -> AsyncIterator[httpx.Response]:
    """The caller's event stream, over a real connection to the served app."""
    async with httpx.AsyncClient(base_url=live_url, timeout=10) as http:
        async with http.stream("GET", "/v1/events/stream", headers={**caller.headers, **kwargs.pop("headers", {})},
                               **kwargs) as response:  # fmt: skip
            yield response


async def next_events(messages: AsyncIterator[dict[str, str]], count: int, *, timeout: float = 10.0) -> list[dict]:
    """The next `count` events of a stream (heartbeat comments skipped)."""
    found: list[dict] = []
    async with asyncio.timeout(timeout):
        async for message in messages:
            if "comment" not in message:
                found.append(message)
                if len(found) == count:
                    return found
    raise AssertionError(f"the stream ended after {found}")


async def test_stream_delivers_the_lifecycle_and_nothing_of_other_clients(
    alice: Caller, bob: Caller, alice_account: str, bob_account: str, live_url: str, sim: SimCloud
):
    async with stream(live_url, alice) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        messages = sse_messages(response)
        await create_keypair(bob, bob_account, "not-for-alice")
        created = await alice.post("/v1/instances", json=await instance_spec(alice, alice_account, "streamed"))
        resource_id = created.json()["resource"]["id"]

        first = (await next_events(messages, 1))[0]
        assert first["event"] == "created"
        data = json.loads(first["data"])
        assert data["resource_id"] == resource_id and data["account"] == alice_account
        assert first["id"] == str(data["seq"]) and data["resource"]["state"] == "pending"

        named = json.loads((await next_events(messages, 1))[0]["data"])
        assert named["type"] == "updated" and named["resource"]["cloud_id"]
        sim.clock.advance(sim.delays.boot + 1)
        running = None
        while running is None:
            message = (await next_events(messages, 1))[0]
            body = json.loads(message["data"])
            assert body["account"] == alice_account
            if body["resource_id"] == resource_id and body["resource"]["state"] == "running":
                running = message
        assert running["event"] == "updated" and int(running["id"]) > int(first["id"])


async def test_stream_resumes_after_last_event_id_or_after(alice: Caller, alice_account: str, live_url: str):
    start = await feed_position(alice)
    ids = [await create_keypair(alice, alice_account, f"k{i}") for i in range(2)]
    events = (await alice.get("/v1/events", params={"after": start})).json()["events"]
    created = [e for e in events if e["type"] == "created"]
    assert [e["resource_id"] for e in created] == ids
    first_seq = created[0]["seq"]
    # Last-Event-ID wins over ?after (a reconnecting EventSource sends both).
    for kwargs in ({"headers": {"Last-Event-ID": str(first_seq)}, "params": {"after": 0}}, {"params": {"after": first_seq}}):
        async with stream(live_url, alice, **kwargs) as response:
            resumed = await next_events(sse_messages(response), 1)
            after_first = [e for e in events if e["seq"] > first_seq]
            assert int(resumed[0]["id"]) == after_first[0]["seq"]


async def test_stream_without_a_position_starts_with_the_next_event(alice: Caller, alice_account: str, live_url: str):
    await create_keypair(alice, alice_account, "before")
    async with stream(live_url, alice) as response:
        messages = sse_messages(response)
        later = await create_keypair(alice, alice_account, "after")
        event = json.loads((await next_events(messages, 1))[0]["data"])
        assert event["resource_id"] == later and event["type"] == "created"


async def test_stream_sends_heartbeats(alice: Caller, live_url: str):
    heartbeats = 0
    async with stream(live_url, alice) as response:
        async with asyncio.timeout(10):
            async for message in sse_messages(response):
                heartbeats += "comment" in message
                if heartbeats == 2:  # not one, but a beat that repeats
                    break
    assert heartbeats == 2, "the stream ended without heartbeats"


async def test_a_revoked_token_ends_the_stream_before_more_events(alice: Caller, alice_account: str, live_url: str):
    second = await alice.another_token()
    async with stream(live_url, second) as response:
        assert (await alice.post("/v1/tokens/revoke", json={"token": second.token})).status_code == 204
        await create_keypair(alice, alice_account, "after-revocation")
        messages = sse_messages(response)
        (message,) = await next_events(messages, 1)
        assert message["event"] == "error"
        assert json.loads(message["data"])["error"]["code"] == "unauthenticated"
        async with asyncio.timeout(10):
            assert [m async for m in messages if "comment" not in m] == []  # and then the stream ends


@pytest.mark.parametrize("last_event_id", ["abc", "-1", str(2**64), b"\xb2"])  # the last: "²", a digit to isdigit
async def test_a_bad_last_event_id_is_invalid(alice: Caller, last_event_id: str | bytes):
    response = await alice.get("/v1/events/stream", headers={"Last-Event-ID": last_event_id})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


async def test_the_stream_needs_a_token(http: httpx.AsyncClient):
    response = await http.get("/v1/events/stream")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
