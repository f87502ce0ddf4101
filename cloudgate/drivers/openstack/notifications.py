"""OpenStack's notifications as change hints: nova, cinder, glance and neutron announce each change on the
cloud's message bus (oslo.messaging's `messagingv2` driver); the driver listens with a queue of its own
bound to the services' exchanges and turns each notification about the account's project into a hint.

Configured per account: the credential `notification_url` (the services' `transport_url`,
`rabbit://user:password@host:port/vhost`, sealed with the other credentials) and the options
`notification_topics` and `notification_exchanges` (the services' `[oslo_messaging_notifications] topics`
and `control_exchange`; the defaults are OpenStack's). The queue is exclusive to one connection and goes
with it: what is said while the feed is down is not heard, and the poll catches it (a hint is never the
truth). The services' own `<topic>.info` queues, which other consumers may read, are left alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from contextlib import aclosing, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aio_pika
from aio_pika.abc import AbstractQueue
from aiormq.exceptions import AMQPError
from openstack.connection import Connection
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloudgate.drivers.base import AccountConfig, Hint
from cloudgate.errors import InvalidRequest, Unavailable
from cloudgate.model import Kind

log = logging.getLogger("cloudgate.drivers.openstack.notifications")

# The credential that names the bus: not keystone's, so never sent to it.
BUS_CREDENTIALS = frozenset({"notification_url"})
# Transport URL schemes (oslo.messaging's and AMQP's own) -> the scheme aio-pika connects with.
SCHEMES = {"rabbit": "amqp", "amqp": "amqp", "amqps": "amqps"}
CONNECT_TIMEOUT_SECONDS = 10.0

Path = str  # keys into a payload, "/" between them: "security_group/id"


@dataclass(frozen=True)
class Reading:
    """How one family of notifications names the resource that changed, and whose it is."""

    kind: Kind
    ids: tuple[Path, ...]  # where the cloud id is in the payload (the first found)
    owners: tuple[Path, ...]  # where its project is (its user, for `owned_by="user"`)
    owned_by: str = "project"
    public: Path | None = None  # a visibility that, "public" or "community", makes it every project's
    only: tuple[Path, str] | None = None  # a field that must start with this text (else not about the kind)


# Event type prefix (before the action: "instance" of "instance.power_off.end") -> how to read it.
# nova's versioned payloads keep their fields under "nova_object.data".
READINGS: dict[str, Reading] = {
    # nova: versioned, and the legacy unversioned format
    "instance": Reading(Kind.INSTANCE, ("nova_object.data/uuid",), ("nova_object.data/tenant_id",)),
    "compute.instance": Reading(Kind.INSTANCE, ("instance_id",), ("tenant_id",)),
    "keypair": Reading(Kind.KEYPAIR, ("nova_object.data/name", "key_name"), ("nova_object.data/user_id", "user_id"),
                       owned_by="user"),
    # cinder
    "volume": Reading(Kind.VOLUME, ("volume_id",), ("tenant_id",)),
    "snapshot": Reading(Kind.SNAPSHOT, ("snapshot_id",), ("tenant_id",)),
    # glance
    "image": Reading(Kind.IMAGE, ("id", "image_id"), ("owner",), public="visibility"),
    # neutron: create and update carry the resource, delete its id as well; a port shows on its server
    "security_group": Reading(Kind.SECURITY_GROUP, ("security_group/id", "security_group_id"),
                              ("security_group/project_id", "security_group/tenant_id")),
    "security_group_rule": Reading(Kind.SECURITY_GROUP, ("security_group_rule/security_group_id",),
                                   ("security_group_rule/project_id", "security_group_rule/tenant_id")),
    "subnet": Reading(Kind.SUBNET, ("subnet/id", "subnet_id"), ("subnet/project_id", "subnet/tenant_id")),
    "port": Reading(Kind.INSTANCE, ("port/device_id",), ("port/project_id", "port/tenant_id"),
                    only=("port/device_owner", "compute:")),
}  # fmt: skip
HINTED_KINDS = frozenset(reading.kind for reading in READINGS.values())
# Event types that change nothing (a download), and the phase whose ".end" or ".error" always follows.
QUIET_EVENTS = frozenset({"image.send"})
QUIET_SUFFIXES = (".start",)
EVERYONE = frozenset({"public", "community"})


class BusOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The services' notification topics: nova's versioned ones, and everyone's classic ones.
    notification_topics: tuple[str, ...] = Field(("versioned_notifications", "notifications"), min_length=1)
    # The exchanges they publish on: each service's control_exchange (cinder keeps oslo's "openstack").
    notification_exchanges: tuple[str, ...] = Field(("nova", "glance", "neutron", "openstack"), min_length=1)
    # The services' `amqp_durable_queues`: their exchanges are declared durable when it is on.
    notification_durable: bool = False


@dataclass(frozen=True)
class Bus:
    """Where an account's notifications are heard."""

    url: str  # as aio-pika takes it
    shown: str  # without its credentials, for errors and logs
    options: BusOptions

    @classmethod
    def of(cls, config: AccountConfig) -> Bus | None:
        """The account's bus, or None when it names none (its changes are polled only)."""
        try:
            options = BusOptions.model_validate(dict(config.options))
        except ValidationError as exc:
            fields = [".".join(map(str, error["loc"])) for error in exc.errors()]
            raise InvalidRequest(
                f"invalid OpenStack account options: {', '.join(fields)}", details={"fields": fields}
            ) from None
        raw = config.credentials.get("notification_url")
        if not raw:
            return None
        try:
            parts = urlsplit(raw)
            host, port = parts.hostname, parts.port
        except ValueError:
            parts, host, port = None, None, None
        if parts is None or parts.scheme not in SCHEMES or not host or "," in parts.netloc:
            # The URL is a secret: the error names the field, never the value.
            raise InvalidRequest(
                "notification_url must be one broker's rabbit://, amqp:// or amqps:// URL "
                "(user:password@host:port/vhost)",
                details={"field": "credentials.notification_url"},
            )
        shown = urlunsplit((parts.scheme, f"{host}:{port}" if port else host, parts.path, "", ""))
        return cls(urlunsplit((SCHEMES[parts.scheme], *parts[1:])), shown, options)


@dataclass(frozen=True)
class Owner:
    """Who the account is on the cloud: notifications about others are not its business."""

    project: str
    user: str

    def owns(self, reading: Reading, payload: Mapping[str, Any]) -> bool:
        mine = self.user if reading.owned_by == "user" else self.project
        if reading.public is not None and _find(payload, reading.public) in EVERYONE:
            return True
        return _find(payload, *reading.owners) == mine


def owner_of(conn: Connection) -> Owner:
    """The account's project and user (a blocking call: keystone may be asked)."""
    return Owner(conn.current_project_id, conn.current_user_id)


def hint_of(body: bytes, owner: Owner) -> Hint | None:
    """The hint in one message, or None: not a notification, about nothing cloudgate keeps, or not ours."""
    try:
        message = json.loads(body)
        if isinstance(message, dict) and "oslo.message" in message:  # messagingv2's envelope
            message = json.loads(message["oslo.message"])
    except (ValueError, TypeError):
        return None
    if not isinstance(message, dict):
        return None
    event_type, payload = message.get("event_type"), message.get("payload")
    if not isinstance(event_type, str) or not isinstance(payload, dict):
        return None
    if event_type in QUIET_EVENTS or event_type.endswith(QUIET_SUFFIXES):
        return None
    reading = _reading_of(event_type)
    if reading is None or not owner.owns(reading, payload):
        return None
    if reading.only is not None and not str(_find(payload, reading.only[0]) or "").startswith(reading.only[1]):
        return None
    cloud_id = _find(payload, *reading.ids)
    return Hint(reading.kind, str(cloud_id)) if cloud_id else None


def _reading_of(event_type: str) -> Reading | None:
    """The reading of the longest known prefix of the event type's dotted parts."""
    parts = event_type.split(".")
    for length in range(len(parts) - 1, 0, -1):
        reading = READINGS.get(".".join(parts[:length]))
        if reading is not None:
            return reading
    return None


def _find(payload: Mapping[str, Any], *paths: Path) -> Any:
    """The value at the first of `paths` that the payload has."""
    for path in paths:
        value: Any = payload
        for key in path.split("/"):
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            return value
    return None


@contextmanager
def _broker_failures(said: str) -> Iterator[None]:
    """The broker going away or refusing, as Unavailable saying `said` and the broker's reason (which carries
    no password), or the exception's type."""
    try:
        yield
    except (AMQPError, OSError, TimeoutError) as exc:
        raise Unavailable(f"{said}: {str(exc) or type(exc).__name__}") from None


@asynccontextmanager
async def listening(bus: Bus, owner: Owner) -> AsyncIterator[AsyncIterator[Hint]]:
    """Connected to the bus with a queue bound to every exchange and topic: the hints as they come."""
    refused = f"cannot listen to the notifications at {bus.shown}"
    with _broker_failures(refused):
        connection = await aio_pika.connect(
            bus.url, timeout=CONNECT_TIMEOUT_SECONDS,
            client_properties={"connection_name": f"cloudgate change hints for project {owner.project}"},
        )  # fmt: skip
    try:
        with _broker_failures(refused):
            channel = await connection.channel()
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            for name in bus.options.notification_exchanges:
                exchange = await channel.declare_exchange(
                    name, aio_pika.ExchangeType.TOPIC, durable=bus.options.notification_durable
                )
                for topic in bus.options.notification_topics:
                    await queue.bind(exchange, routing_key=f"{topic}.*")  # every priority
        log.info("listening to %s for project %s on queue %s", bus.shown, owner.project, queue.name)
        async with aclosing(_hints(queue, owner, bus)) as hints:
            yield hints
    finally:
        await connection.close()


async def _hints(queue: AbstractQueue, owner: Owner, bus: Bus) -> AsyncGenerator[Hint, None]:
    stopped = f"the notifications at {bus.shown} stopped"
    with _broker_failures(stopped):
        async with queue.iterator(no_ack=True) as messages:  # a hint lost is caught by the poll
            async for message in messages:
                hint = hint_of(message.body, owner)
                if hint is not None:
                    yield hint
    raise Unavailable(f"{stopped}: the broker closed the connection")
