"""The events on the broker: the exchange the relay declares, and how an event message looks and is
routed, in one place for the relay and anyone binding a queue to the events."""

from __future__ import annotations

import aio_pika
import orjson
from aio_pika.abc import AbstractChannel, AbstractExchange

from cloudgate.messaging.wire import JSON
from cloudgate.store.outbox import Event

SEQ_HEADER = "seq"


async def declare_events_exchange(channel: AbstractChannel, name: str) -> AbstractExchange:
    """The durable topic exchange the events go to; consumers bind their queues with patterns such
    as `sim.*.instance.#` over routing keys `<cloud>.<account>.<kind>.<event type>`."""
    return await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True)


def _word(text: str) -> str:
    # A dot would split one part of the key into two words and break binding patterns.
    return text.replace(".", "_")


def routing_key(event: Event) -> str:
    """`<cloud>.<account id, or "public">.<kind>.<created|updated|deleted>`."""
    return ".".join(_word(part) for part in (event.cloud, event.account_id or "public", event.kind, event.type))


def event_message(event: Event) -> aio_pika.Message:
    """The event as a persistent message: body = the event's JSON, its seq also in a header so a
    consumer can drop a redelivered duplicate without parsing the body."""
    return aio_pika.Message(
        orjson.dumps(event.to_dict()), content_type=JSON, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers={SEQ_HEADER: event.seq}, message_id=str(event.seq), type=event.type, timestamp=event.at,
    )  # fmt: skip
