"""The event relay against a real RabbitMQ: every event of the outbox reaches the exchange, complete,
in order, with its routing key and seq; the relay's position survives it; outages lose nothing."""

from __future__ import annotations

import asyncio

import httpx

from cloudgate.app import create_app
from cloudgate.app import Gateway
from cloudgate.store import relay as positions
from tests.amqp.conftest import confirmed_position, eventually, keep_producing, position_reaches, produce


async def test_every_event_arrives_complete_and_in_order(relay_world, tap_of):
    gateway = relay_world.gateway
    tap = await tap_of(gateway.settings.amqp_events_exchange)
    account = await relay_world.account()
    await relay_world.poll_all(account)
    await produce(relay_world, account, servers=120)
    head = await produce(relay_world, account, churn=0.5)

    kept = await tap.until(head)
    outbox = await relay_world.events()
    assert [m.seq for m in kept] == list(range(1, head + 1))
    assert [m.body for m in kept] == [event.to_dict() for event in outbox]  # the body is the event's JSON
    for message, event in zip(kept, outbox, strict=True):
        assert message.routing_key == f"{event.cloud}.{event.account_id or 'public'}.{event.kind}.{event.type}"
    assert {m.body["type"] for m in kept} == {"created", "updated", "deleted"}
    assert any(m.routing_key.startswith("sim.public.image.") for m in kept)
    await position_reaches(gateway.store, gateway.relay.exchange, head)
    assert await confirmed_position(gateway.store, gateway.relay.exchange) == head


async def test_bindings_select_events_by_routing_key(relay_world, tap_of):
    exchange = relay_world.gateway.settings.amqp_events_exchange
    public_images = await tap_of(exchange, "sim.public.image.*")
    instances_created = await tap_of(exchange, "*.*.instance.created")
    everything = await tap_of(exchange)
    account = await relay_world.account()
    await relay_world.poll_all(account)
    head = await produce(relay_world, account, servers=5)

    await everything.until(head)
    every = everything.in_order()
    wanted_images = [m.seq for m in every if m.body["kind"] == "image" and m.body["account"] is None]
    wanted_instances = [m.seq for m in every if m.body["kind"] == "instance" and m.body["type"] == "created"]
    assert wanted_images and len(wanted_instances) == 5
    await public_images.until(wanted_images[-1])
    await instances_created.until(wanted_instances[-1])
    assert [m.seq for m in public_images.delivered] == wanted_images
    assert [m.seq for m in instances_created.delivered] == wanted_instances
    assert all(m.routing_key == f"sim.{account}.instance.created" for m in instances_created.delivered)


async def test_a_restarted_relay_resumes_after_its_recorded_position(relay_world, tap_of):
    settings = relay_world.gateway.settings
    tap = await tap_of(settings.amqp_events_exchange)
    account = await relay_world.account()
    first_head = await produce(relay_world, account, servers=10)
    await tap.until(first_head)
    await position_reaches(relay_world.gateway.store, settings.amqp_events_exchange, first_head)

    await relay_world.gateway.close()  # a clean stop: the next start must not publish the same events again
    relay_world.gateway = await Gateway.open(settings)  # the fixture closes this one
    await relay_world.gateway.start()
    relay = relay_world.gateway.relay
    await eventually(lambda: relay.status().confirmed_seq == first_head, what="the relay to load its position")
    head = await produce(relay_world, account, servers=10)
    kept = await tap.until(head)
    assert [m.seq for m in kept] == list(range(1, head + 1))
    assert len(tap.delivered) == head, "events confirmed before the restart were published again"


async def test_the_position_only_moves_forward(relay_world):
    store = relay_world.gateway.store
    async with store.write() as conn:
        await positions.confirm(conn, "elsewhere", 40, 1.0)
        await positions.confirm(conn, "elsewhere", 25, 2.0)  # a slower relay of the same destination
        await positions.confirm(conn, "other", 3, 2.0)
    async with store.read() as conn:
        assert await positions.confirmed(conn, "elsewhere") == 40
        assert await positions.confirmed(conn, "other") == 3
        assert await positions.confirmed(conn, "never") == 0


async def test_a_broker_outage_mid_stream_loses_no_event(relay_world, tap_of, rabbitmq_server):
    gateway = relay_world.gateway
    app = create_app(gateway=gateway)
    exchange = gateway.relay.exchange
    tap = await tap_of(exchange)
    account = await relay_world.account()
    stop = asyncio.Event()
    stream = asyncio.create_task(keep_producing(relay_world, account, stop))
    try:
        await position_reaches(gateway.store, exchange, 100)
        rabbitmq_server.kill()
        await eventually(lambda: not gateway.relay.connected, what="the relay to notice")
        began_outage = await gateway.core.events.head()

        async def events_during_outage() -> bool:
            return await gateway.core.events.head() >= began_outage + 100

        await eventually(events_during_outage, what="events during the outage")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            ready = (await http.get("/readyz")).json()
            metrics = (await http.get("/metrics")).text
        assert ready["status"] == "ready"  # the outbox keeps the events: the gateway still serves
        relay = ready["amqp_relay"]
        assert relay["connected"] is False
        assert relay["lag"] == relay["head_seq"] - relay["confirmed_seq"] >= 100
        assert f'cloudgate_amqp_relay_connected{{exchange="{gateway.relay.exchange}"}} 0.0' in metrics

        rabbitmq_server.start_broker()
        await tap.close()
        await tap.open()  # the queue is durable: what it held when the broker died is still there
        restarted = await gateway.core.events.head()
        await position_reaches(gateway.store, exchange, restarted + 100)
    finally:
        stop.set()
        await stream
    head = await gateway.core.events.head()
    kept = await tap.until(head)
    assert [m.seq for m in kept] == list(range(1, head + 1))
    assert [m.body for m in kept] == [event.to_dict() for event in await relay_world.events()]
    await position_reaches(gateway.store, exchange, head)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        ready = (await http.get("/readyz")).json()
        metrics = (await http.get("/metrics")).text
    assert ready["amqp_relay"] == {"connected": True, "exchange": gateway.relay.exchange,
                                   "confirmed_seq": head, "head_seq": head, "lag": 0}  # fmt: skip
    assert f'cloudgate_amqp_relay_lag{{exchange="{gateway.relay.exchange}"}} 0.0' in metrics
    assert f'cloudgate_amqp_relay_confirmed_seq{{exchange="{gateway.relay.exchange}"}} {float(head)}' in metrics
