"""Scope over the AMQP transport against a real RabbitMQ: a request message's `scope` (an object or JSON text)
runs the request in it — a listing reads the cloud the scope names, a create is made where the scope says and
boots from another cloud's image — and is refused in the transport's reply (`{"error": {code, message}}`)
when malformed or naming a cloud the client has not proven, in the same words whether that cloud exists or
not. The CLI's transport carries `--scope` as the message's field."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest

from cloudgate.cli.amqp_client import DEFAULT_REQUEST_QUEUE
from cloudgate.cli.amqp_transport import AmqpTransport
from cloudgate.cli.failures import EXIT_API_ERROR
from cloudgate.core import Caller, Principal
from cloudgate.drivers import sim
from cloudgate.messaging.wire import JSON, WireRequest, WireResponse
from cloudgate.model import Kind
from tests.amqp.test_requests import RpcWorld, _cli, serving_world
from tests.services.rabbitmq import RabbitServer

NO_SUCH_ACCOUNT = "acc-0123456789abcdef"


@dataclass
class Scoped:
    """A client (no admin) with an account on each of two simulated endpoints, aliased CloudOne and CloudTwo,
    an image and a subnet of CloudTwo's own, and an account another client proved."""

    rpc: RpcWorld
    token: str
    cloud_one: str
    cloud_two: str
    strangers: str
    golden: str  # CloudTwo's image
    far: str  # CloudTwo's subnet
    two_endpoint: str

    async def call(self, method: str, path: str, body: Any = None, **options: Any) -> tuple[int, Any]:
        answer = await self.rpc.call(method, path, body, token=self.token, **options)
        return answer.status, json.loads(answer.content())

    async def image_ids(self, **options: Any) -> set[str]:
        status, page = await self.call("GET", "/v1/images", query={"limit": "1000"}, **options)
        assert status == 200, page
        return {item["id"] for item in page["items"]}


@pytest.fixture
async def scoped(tmp_path: Path, rabbitmq_server: RabbitServer) -> AsyncIterator[Scoped]:
    async with serving_world(tmp_path, rabbitmq_server, amqp_request_queue=DEFAULT_REQUEST_QUEUE) as rpc:
        two = sim.register(sim.SimCloud(f"sim://{secrets.token_hex(4)}", seed=5, clock=sim.SimClock(time.time())))
        try:
            yield await _scoped(rpc, two)
        finally:
            sim.unregister(two.endpoint)


async def _scoped(rpc: RpcWorld, two: sim.SimCloud) -> Scoped:
    one, core = rpc.sim.cloud, rpc.sim.gateway.core
    one.add_account("one-key", "one-secret", "p1")
    two.add_account("two-key", "two-secret", "p2")
    two.add_account("bob-key", "bob-secret", "p3")
    for collection, spec in (("images", {"name": "golden", "os_type": "linux", "min_disk": 1}),
                             ("subnets", {"name": "far", "cidr": "10.9.0.0/24", "zone": "sim-east-a"})):  # fmt: skip
        made = two.oob_create("p2", collection, **spec)
        two.oob_update("p2", collection, made["id"], status="ACTIVE")
    row, secret = await core.auth.create_client(rpc.sim.admin, "alice")
    alice = Caller(Principal(row.id, row.name, False))
    bob_row, _secret = await core.auth.create_client(rpc.sim.admin, "bob")
    ids = []
    for caller, cloud, key, alias in ((alice, one, "one", "CloudOne"), (alice, two, "two", "CloudTwo"),
                                      (Caller(Principal(bob_row.id, bob_row.name, False)), two, "bob", None)):  # fmt: skip
        view, _created = await core.accounts.register(
            caller, cloud="sim", endpoint=cloud.endpoint, region=None, alias=alias,
            credentials={"access_key": f"{key}-key", "secret_key": f"{key}-secret"},
        )  # fmt: skip
        await rpc.sim.poll_all(view.row.id)
        ids.append(view.row.id)
    records = await rpc.sim.stored(ids[1])
    [golden] = [r.id for r in records if r.kind == Kind.IMAGE and r.name == "golden"]
    [far] = [r.id for r in records if r.kind == Kind.SUBNET and r.name == "far"]
    token = (await core.auth.issue_token(row.id, secret)).token
    return Scoped(rpc, token, ids[0], ids[1], ids[2], golden, far, two.endpoint)


async def _instance_spec(world: Scoped, name: str) -> dict[str, Any]:
    spec = await world.rpc.sim.instance_spec(world.cloud_one, name)
    return {**spec, "image": world.golden}


async def test_a_messages_scope_makes_a_listing_read_the_cloud_it_names(scoped: Scoped):
    twos = {r.id for r in await scoped.rpc.sim.stored() if r.kind == Kind.IMAGE
            and (r.scope == scoped.cloud_two or r.scope.startswith(f"public:sim:{scoped.two_endpoint}:"))}  # fmt: skip
    assert scoped.golden in twos and twos < await scoped.image_ids()  # unscoped: CloudOne's endpoint's as well
    assert await scoped.image_ids(scope={"image": "CloudTwo"}) == twos
    assert await scoped.image_ids(scope='{"image": "CloudTwo"}') == twos  # the scope as JSON text


async def test_a_create_under_a_messages_scope_boots_from_the_other_clouds_image(scoped: Scoped):
    status, accepted = await scoped.call("POST", "/v1/instances", await _instance_spec(scoped, "from-two"),
                                         scope={"image": "CloudTwo"})  # fmt: skip
    assert status == 202, accepted
    await scoped.rpc.sim.settle()
    status, operation = await scoped.call("GET", f"/v1/operations/{accepted['operation']['id']}")
    assert operation["state"] == "succeeded", operation
    assert operation["progress"]["unit"] == "bytes" and operation["progress"]["done"] == operation["progress"]["total"]
    stored = await scoped.rpc.sim.stored(scoped.cloud_one)
    [replica] = [r for r in stored if r.kind == Kind.IMAGE and r.tags.get("cloudgate:replica-of") == scoped.golden]
    [machine] = [r for r in stored if r.id == accepted["resource"]["id"]]
    assert machine.attrs["image"] == replica.cloud_id


async def test_scopes_the_transport_or_the_gateway_refuses(scoped: Scoped):
    async def refused(scope: Any) -> tuple[int, str, str]:
        status, body = await scoped.call("GET", "/v1/images", scope=scope)
        return status, body["error"]["code"], body["error"]["message"]

    for malformed in ('{"image": ', "[]", {"disk": "CloudTwo"}, {"image": 7}):
        status, code, _message = await refused(malformed)
        assert (status, code) == (400, "invalid_scope"), malformed
    others = await refused({"image": scoped.strangers})
    nobodys = await refused({"image": NO_SUCH_ACCOUNT})
    assert others[:2] == (400, "invalid_scope")
    assert others[2].replace(scoped.strangers, "X") == nobodys[2].replace(NO_SUCH_ACCOUNT, "X")
    differing = await scoped.call("GET", "/v1/images", scope={"image": "CloudTwo"},
                                  headers={"x-cloudgate-scope": '{"image": "CloudOne"}'})  # fmt: skip
    assert (differing[0], differing[1]["error"]["code"]) == (400, "invalid_scope")

    spec = {**await _instance_spec(scoped, "crossing"), "subnet": scoped.far}
    status, body = await scoped.call("POST", "/v1/instances", spec, scope={"image": "CloudTwo", "network": "CloudTwo"})
    assert (status, body["error"]["code"]) == (422, "cross_cloud_reference"), body
    assert "a network does not reach across clouds" in body["error"]["message"]


async def test_the_clis_transport_carries_the_scope_as_the_messages_field(rabbitmq_server: RabbitServer):
    queue = f"test.scope.{secrets.token_hex(4)}"
    async with await aio_pika.connect(rabbitmq_server.url) as connection:
        channel = await connection.channel()
        requests = await channel.declare_queue(queue, auto_delete=True)

        async def answer_one() -> WireRequest:
            async with requests.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    reply = aio_pika.Message(WireResponse.build(200, {"content-type": JSON}, b"{}").encode(),
                                             correlation_id=message.correlation_id)  # fmt: skip
                    await channel.default_exchange.publish(reply, routing_key=message.reply_to or "")
                    return WireRequest.model_validate_json(message.body)
            raise AssertionError("no request came")

        answering = asyncio.create_task(answer_one())
        transport = AmqpTransport(rabbitmq_server.url, request_queue=queue)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            await http.get("/v1/images", headers={"X-Cloudgate-Scope": '{"image":"CloudTwo"}'})
        carried = await asyncio.wait_for(answering, 20)
    assert carried.scope == '{"image":"CloudTwo"}'
    assert "x-cloudgate-scope" not in {name.lower() for name in carried.headers}


async def test_the_cli_lists_under_its_scope_over_amqp(scoped: Scoped, rabbitmq_server: RabbitServer, tmp_path: Path):
    listing = ("--token", scoped.token, "--scope", '{"image": "CloudTwo"}', "image", "list", "--all", "-f", "json")
    code, out, err = await _cli(rabbitmq_server.url, tmp_path, *listing)
    assert (code, err) == (0, ""), err
    assert {i["id"] for i in json.loads(out)["items"]} == await scoped.image_ids(scope={"image": "CloudTwo"})
    code, _out, err = await _cli(rabbitmq_server.url, tmp_path, "--token", scoped.token, "--scope",
                                 f'{{"image": "{scoped.strangers}"}}', "image", "list")  # fmt: skip
    assert code == EXIT_API_ERROR and err.startswith("error: invalid_scope: "), err
