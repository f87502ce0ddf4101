"""The API over AMQP request/reply against a real RabbitMQ: reads, creates and errors come back as
they would over HTTP, matched to their request; several gateways share one request queue."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest

from cloudgate.cli.amqp_client import DEFAULT_REQUEST_QUEUE, AmqpClient, NoGatewayQueue
from cloudgate.frontends.amqp_rpc import RequestServer
from cloudgate.frontends.amqp_rpc.server import declare_request_queue
from cloudgate.messaging.wire import JSON
from cloudgate.cli.amqp_transport import AmqpTransport
from cloudgate.messaging.wire import WireRequest, WireResponse
from cloudgate.cli.failures import EXIT_API_ERROR, EXIT_UNREACHABLE
from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from cloudgate.settings import Settings
from tests.amqp.conftest import amqp_settings, eventually
from tests.conftest import SimWorld
from tests.services.rabbitmq import RabbitServer, free_port

ADMIN_SECRET = "admin-secret"  # what tests.conftest.sim_settings gives the admin client
CLOUDGATE = str(Path(sys.executable).parent / "cloudgate")


@dataclass
class RpcWorld:
    sim: SimWorld
    client: AmqpClient
    token: str

    @property
    def settings(self) -> Settings:
        return self.sim.gateway.settings

    async def call(
        self, method: str, path: str, body: Any = None, *, token: str | None = None, **options: Any
    ) -> WireResponse:
        headers = {"authorization": f"Bearer {token or self.token}", **options.pop("headers", {})}
        content = b""
        if body is not None:
            headers["content-type"] = JSON
            content = json.dumps(body).encode()
        return await self.client.request(method, path, headers=headers, content=content, **options)


async def admin_token(client: AmqpClient) -> str:
    issued = await client.request(
        "POST", "/v1/tokens", headers={"content-type": JSON},
        content=json.dumps({"client_id": ADMIN_ID, "secret": ADMIN_SECRET}).encode(),
    )  # fmt: skip
    assert issued.status == 201, issued.body
    return json.loads(issued.content())["token"]


@contextlib.asynccontextmanager
async def serving_world(tmp_path: Path, broker: RabbitServer, **overrides: Any) -> AsyncIterator[RpcWorld]:
    """A gateway serving its API from a request queue (its own unless told), a simulated cloud, an admin
    client over AMQP."""
    cloud = sim.register(sim.SimCloud(f"sim://{secrets.token_hex(4)}", seed=3, clock=sim.SimClock(time.time())))
    database = f"sqlite+aiosqlite:///{tmp_path}/store.sqlite"
    settings = amqp_settings(tmp_path, database, broker, amqp_relay=False, **overrides)
    gateway = await Gateway.open(settings)
    await gateway.start()
    client = await _client_once_served(broker.url, settings.amqp_request_queue)
    try:
        yield RpcWorld(SimWorld(gateway, cloud, Caller(Principal(ADMIN_ID, "admin", True))), client, await admin_token(client))
    finally:
        await client.close()
        await gateway.close()
        sim.unregister(cloud.endpoint)


@pytest.fixture
async def rpc(tmp_path: Path, rabbitmq_server: RabbitServer) -> AsyncIterator[RpcWorld]:
    async with serving_world(tmp_path, rabbitmq_server) as world:
        yield world


async def _client_once_served(url: str, queue: str) -> AmqpClient:
    """A client, once the gateway has declared its queue (it starts consuming in the background)."""
    client = await AmqpClient.connect(url, request_queue=queue, timeout=20.0)

    async def served() -> bool:
        try:
            return (await client.request("GET", "/healthz", timeout=5.0)).status == 200
        except NoGatewayQueue:
            return False

    await eventually(served, what="the gateway to consume its request queue")
    return client


async def test_a_read_comes_back_as_over_http(rpc: RpcWorld):
    whoami = await rpc.call("GET", "/v1/whoami")
    assert whoami.status == 200
    assert whoami.headers["content-type"] == JSON
    assert json.loads(whoami.content()) == {"client_id": ADMIN_ID, "name": "admin", "is_admin": True}

    account = await rpc.sim.account()
    await rpc.sim.poll_all(account)
    flavors = await rpc.call("GET", "/v1/flavors", query={"account": account, "limit": "2"})
    page = json.loads(flavors.content())
    assert flavors.status == 200 and len(page["items"]) == 2 and page["next_cursor"]
    assert {item["account"] for item in page["items"]} == {account}
    following = await rpc.call("GET", "/v1/flavors", query=f"account={account}&limit=2&cursor={page['next_cursor']}")
    assert following.status == 200
    assert not {i["id"] for i in json.loads(following.content())["items"]} & {i["id"] for i in page["items"]}


async def test_creates_go_through_the_same_core(rpc: RpcWorld):
    made = await rpc.call("POST", "/v1/clients", {"name": "over-amqp"})
    assert made.status == 201
    created = json.loads(made.content())
    assert created["secret"] and not created["is_admin"]

    listed = json.loads((await rpc.call("GET", "/v1/clients")).content())["items"]
    assert created["id"] in {c["id"] for c in listed}

    rpc.sim.cloud.add_account("rpc-key", "rpc-secret", "rpc-project")
    registered = await rpc.call("POST", "/v1/accounts", {
        "cloud": "sim", "endpoint": rpc.sim.cloud.endpoint,
        "credentials": {"access_key": "rpc-key", "secret_key": "rpc-secret"},
    })  # fmt: skip
    assert registered.status == 201, registered.body
    account = json.loads(registered.content())["id"]
    await rpc.sim.poll_all(account)
    spec = await rpc.sim.instance_spec(account, "vm-over-amqp")
    first = await rpc.call("POST", "/v1/instances", spec, headers={"idempotency-key": "vm-1"})
    again = await rpc.call("POST", "/v1/instances", spec, headers={"idempotency-key": "vm-1"})
    assert first.status == again.status == 202, first.body
    accepted = json.loads(first.content())
    assert json.loads(again.content())["resource"]["id"] == accepted["resource"]["id"]
    assert first.headers["location"].endswith(accepted["operation"]["id"])
    stored = await rpc.sim.stored(account)
    assert [r.name for r in stored if r.id == accepted["resource"]["id"]] == ["vm-over-amqp"]


async def test_errors_come_back_with_their_status_and_code(rpc: RpcWorld):
    refused = await rpc.call("GET", "/v1/whoami", token="cgt_not-a-token")
    assert refused.status == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert json.loads(refused.content())["error"]["code"] == "unauthenticated"

    anonymous = await rpc.client.request("GET", "/v1/accounts")
    assert anonymous.status == 401

    missing = await rpc.call("GET", "/v1/instances/i-0000000000000000")
    assert missing.status == 404 and json.loads(missing.content())["error"]["code"] == "not_found"

    invalid = await rpc.call("POST", "/v1/clients", {"name": ""})
    assert invalid.status == 422 and json.loads(invalid.content())["error"]["code"] == "invalid_request"

    broken = await rpc.client.request(
        "POST", "/v1/clients", headers={"authorization": f"Bearer {rpc.token}", "content-type": JSON}, content=b"{"
    )  # fmt: skip
    assert broken.status == 400 and json.loads(broken.content())["error"]["code"] == "malformed_json"


async def test_a_message_that_is_no_request_is_answered_400(rpc: RpcWorld, rabbitmq_server: RabbitServer):
    async with await aio_pika.connect(rabbitmq_server.url) as connection:
        channel = await connection.channel()
        replies = await channel.declare_queue(exclusive=True)
        for body in (b"not json", b'{"method": "GET"}', b'{"method": "GET", "path": "//elsewhere/v1/whoami"}'):
            await channel.default_exchange.publish(
                aio_pika.Message(body, reply_to=replies.name, correlation_id="c-1"),
                routing_key=rpc.settings.amqp_request_queue,
            )  # fmt: skip
        answers = []
        async with asyncio.timeout(20):
            async with replies.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    answers.append((message.correlation_id, WireResponse.model_validate_json(message.body)))
                    if len(answers) == 3:
                        break
    assert [(cid, answer.status) for cid, answer in answers] == [("c-1", 400)] * 3
    assert {json.loads(answer.content())["error"]["code"] for _cid, answer in answers} == {"malformed_request"}
    assert (await rpc.call("GET", "/v1/whoami")).status == 200  # the server goes on serving


def test_bodies_that_are_not_text_travel_as_base64():
    garbage = bytes(range(256))
    request = WireRequest.build("POST", "/v1/clients", content=garbage)
    carried = json.loads(request.encode())
    assert "body" not in carried and WireRequest.model_validate(carried).content() == garbage
    text = json.loads(WireResponse.build(200, {}, "héllo".encode()).encode())
    assert text["body"] == "héllo" and "body_base64" not in text


async def test_the_httpx_transport_makes_any_client_speak_amqp(rpc: RpcWorld, rabbitmq_server: RabbitServer):
    transport = AmqpTransport(rabbitmq_server.url, request_queue=rpc.settings.amqp_request_queue)
    headers = {"Authorization": f"Bearer {rpc.token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway", headers=headers) as http:
        whoami = await http.get("/v1/whoami")
        assert whoami.status_code == 200 and whoami.json()["client_id"] == ADMIN_ID
        made = await http.post("/v1/clients", json={"name": "via httpx"})
        assert made.status_code == 201 and made.json()["name"] == "via httpx"
        refused = await http.get("/v1/whoami", headers={"Authorization": "Bearer nope"})
        assert refused.status_code == 401


async def test_gateways_on_one_queue_share_the_requests(rpc: RpcWorld, tmp_path: Path):
    second = await Gateway.open(rpc.settings)  # the same store and request queue: another process in production
    server = RequestServer(second.front_ends(), second.broker, second.settings)
    serving = asyncio.create_task(server.run())
    try:
        await eventually(lambda: server.consuming, what="the second gateway to consume")
        answers = await asyncio.gather(*(rpc.call("GET", "/v1/whoami") for _ in range(60)))
        assert [a.status for a in answers] == [200] * 60
        assert 0 < server.answered < 60, "one gateway took every request"
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await second.close()


async def test_a_request_nobody_serves_times_out(rabbitmq_server: RabbitServer):
    async with await AmqpClient.connect(rabbitmq_server.url, request_queue="nobody.serves.this") as client:
        with pytest.raises(NoGatewayQueue):
            await client.request("GET", "/healthz", timeout=5.0)
    queue = f"test.idle.{secrets.token_hex(4)}"
    async with await aio_pika.connect(rabbitmq_server.url) as connection:
        await declare_request_queue(await connection.channel(), queue)  # a queue whose gateways are all down
        async with await AmqpClient.connect(rabbitmq_server.url, request_queue=queue) as client:
            began = time.monotonic()
            with pytest.raises(TimeoutError):
                await client.request("GET", "/healthz", timeout=0.5)
            assert time.monotonic() - began < 5.0


async def _cli(via: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """Run the `cloudgate` command in its own process (the event loop goes on serving meanwhile); the
    gateway's HTTP address given is nowhere to be reached: every request must go through the broker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDGATE_")}
    env["CLOUDGATE_CONFIG_DIR"] = str(tmp_path / "cli-config")  # no saved login to fall back on
    process = await asyncio.create_subprocess_exec(
        CLOUDGATE, "--via", via, "--url", "http://127.0.0.1:9", *args, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(90):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_cli_reads_through_amqp(rabbitmq_server: RabbitServer, tmp_path: Path):
    async with serving_world(tmp_path, rabbitmq_server, amqp_request_queue=DEFAULT_REQUEST_QUEUE) as world:
        account = await world.sim.account()
        await world.sim.poll_all(account)
        listing = ["--token", world.token, "--output", "json", "account", "list"]
        code, out, err = await _cli(rabbitmq_server.url, tmp_path, *listing)
        assert (code, err) == (0, ""), err
        assert [a["id"] for a in json.loads(out)["items"]] == [account]

        code, out, err = await _cli(rabbitmq_server.url, tmp_path, "--token", "cgt_wrong", "account", "list")
        assert code == EXIT_API_ERROR
        assert err.startswith("error: unauthenticated: "), err


async def test_the_cli_says_when_the_broker_cannot_be_reached(tmp_path: Path):
    port = free_port()  # nothing listens there
    via = f"amqp://guest:guest@127.0.0.1:{port}/"
    code, _out, err = await _cli(via, tmp_path, "--token", "cgt_x", "account", "list")
    assert code == EXIT_UNREACHABLE
    assert err.startswith(f"error: unreachable: cannot reach amqp://127.0.0.1:{port}/ ("), err
    assert "guest" not in err  # the broker's credentials are not shown


async def test_a_request_the_app_takes_too_long_over_is_answered_504(rabbitmq_server: RabbitServer, tmp_path: Path):
    async with serving_world(tmp_path, rabbitmq_server, amqp_request_timeout_seconds=0.5) as world:
        began = time.monotonic()
        waited = await world.call("GET", "/v1/events", query={"wait": "30"})  # a long-poll with nothing to come
        assert waited.status == 504 and json.loads(waited.content())["error"]["code"] == "timeout"
        assert time.monotonic() - began < 10
        assert (await world.call("GET", "/v1/whoami")).status == 200


async def test_the_server_consumes_again_after_a_broker_restart(rpc: RpcWorld, rabbitmq_server: RabbitServer):
    rabbitmq_server.kill()
    rabbitmq_server.start_broker()
    client = await _client_once_served(rabbitmq_server.url, rpc.settings.amqp_request_queue)
    try:
        whoami = await client.request("GET", "/v1/whoami", headers={"authorization": f"Bearer {rpc.token}"})
        assert whoami.status == 200
    finally:
        await client.close()
