"""The event relay: the outbox's events go to a topic exchange in sequence order, at least once.

Each batch is published with publisher confirms, and only once the broker has confirmed all of it
is the batch's last seq recorded in the store. After a broker outage, or a crash of this process,
the relay starts again after the recorded seq: a confirmed event may go out twice (consumers drop
it by its seq), none is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, NoReturn

from aio_pika.abc import AbstractConnection, AbstractExchange

from cloudgate.events.hub import EventHub
from cloudgate.events.topology import declare_events_exchange, event_message, routing_key
from cloudgate.messaging.link import Backoff, Broker, stay_connected
from cloudgate.settings import Settings
from cloudgate.store import Store, outbox
from cloudgate.store import relay as positions
from cloudgate.store.outbox import Event

log = logging.getLogger("cloudgate.amqp")

IDLE_SECONDS = 30.0  # the hub wakes the relay on new events; this only bounds one wait
PUBLISH_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class RelayStatus:
    connected: bool
    exchange: str
    confirmed_seq: int
    head_seq: int

    @property
    def lag(self) -> int:
        """Events in the outbox the broker has not confirmed yet."""
        return max(0, self.head_seq - self.confirmed_seq)

    def to_dict(self) -> dict[str, Any]:
        return {"connected": self.connected, "exchange": self.exchange, "confirmed_seq": self.confirmed_seq,
                "head_seq": self.head_seq, "lag": self.lag}  # fmt: skip


class EventRelay:
    def __init__(self, store: Store, hub: EventHub, broker: Broker, settings: Settings):
        self._store = store
        self._hub = hub
        self._broker = broker
        self._batch = settings.amqp_relay_batch
        self._backoff = Backoff.from_settings(settings)
        self.exchange = settings.amqp_events_exchange
        self.connected = False
        self.confirmed = 0

    def status(self) -> RelayStatus:
        return RelayStatus(self.connected, self.exchange, self.confirmed, max(self._hub.head, self.confirmed))

    async def run(self) -> NoReturn:
        """Relay until cancelled, reconnecting whenever the broker goes away."""
        async with self._store.read() as conn:
            self.confirmed = await positions.confirmed(conn, self.exchange)
        log.info("event relay to exchange %r resumes after seq %d", self.exchange, self.confirmed)
        await stay_connected(self._broker, self._relay, what="event relay", backoff=self._backoff,
                             on_connected=self._set_connected)  # fmt: skip

    def _set_connected(self, connected: bool) -> None:
        self.connected = connected

    async def _relay(self, connection: AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await declare_events_exchange(channel, self.exchange)
        while True:
            async with self._store.read() as conn:
                batch = await outbox.read_after(conn, self.confirmed, scopes=None, limit=self._batch)
            if not batch:
                await self._hub.wait_beyond(self.confirmed, IDLE_SECONDS)
                continue
            if self.confirmed and batch[0].seq != self.confirmed + 1:  # a new exchange starts at the oldest kept
                log.error("events %d to %d were pruned from the outbox before they were relayed",
                          self.confirmed + 1, batch[0].seq - 1)  # fmt: skip
            await _publish_confirmed(exchange, batch)
            async with self._store.write() as conn:
                await positions.confirm(conn, self.exchange, batch[-1].seq, time.time())
            self.confirmed = batch[-1].seq


async def _publish_confirmed(exchange: AbstractExchange, batch: list[Event]) -> None:
    """Publish every event and wait for all the confirms; raise if any was refused or lost.

    The publishes run concurrently so the broker confirms a whole window at once; they still go
    out in call order, as the channel writes its frames under a first-come lock.
    """
    results = await asyncio.gather(
        *(exchange.publish(event_message(event), routing_key(event), mandatory=False, timeout=PUBLISH_TIMEOUT_SECONDS)
          for event in batch),
        return_exceptions=True,
    )  # fmt: skip
    failure = next((result for result in results if isinstance(result, BaseException)), None)
    if failure is not None:
        raise failure
