"""AMQP over TLS against a real RabbitMQ listening for amqps with the test CA's certificate and demanding a
client certificate: the event relay and the request server connect with the CA and the gateway's client
certificate; a wrong CA, a missing or a stranger's client certificate are refused, clearly, and TLS settings
with a plain amqp:// URL are refused rather than used in plain text."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from aio_pika.exceptions import AMQPConnectionError, ChannelNotFoundEntity

from cloudgate.app import Gateway
from cloudgate.cli.amqp_client import DEFAULT_REQUEST_QUEUE, AmqpClient
from cloudgate.cli.failures import Unreachable, UsageFailure
from cloudgate.cli.session import Session, Target
from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.drivers import sim
from cloudgate.settings import Settings
from cloudgate.tls import ClientTls, TlsSetupError
from tests.amqp.conftest import EventTap, amqp_settings, eventually, produce
from tests.amqp.test_requests import admin_token
from tests.conftest import SimWorld
from tests.services.certs import Certificates
from tests.services.rabbitmq import RabbitServer


def tls_settings(tmp_path: Path, broker: RabbitServer, certificates: Certificates, **overrides: Any) -> Settings:
    """A gateway on the broker's amqps listener, trusting the test CA, showing the test client certificate."""
    values: dict[str, Any] = {
        "amqp_url": broker.tls_url, "amqp_ca_file": certificates.ca, "amqp_client_cert_file": certificates.client.cert,
        "amqp_client_key_file": certificates.client.key,
    }  # fmt: skip
    return amqp_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/store.sqlite", broker, **{**values, **overrides})


def client_tls(certificates: Certificates, **changes: Any) -> ClientTls:
    values: dict[str, Any] = {"ca_file": certificates.ca, "cert_file": certificates.client.cert,
                              "key_file": certificates.client.key}  # fmt: skip
    return ClientTls(**{**values, **changes})


@contextlib.asynccontextmanager
async def gateway_on(settings: Settings) -> AsyncIterator[SimWorld]:
    cloud = sim.register(sim.SimCloud(f"sim://{secrets.token_hex(4)}", seed=7, clock=sim.SimClock(time.time())))
    gateway = await Gateway.open(settings)
    await gateway.start()
    try:
        yield SimWorld(gateway, cloud, Caller(Principal(ADMIN_ID, "admin", True)))
    finally:
        await gateway.close()
        sim.unregister(cloud.endpoint)


def refusal(error: BaseException) -> str:
    """What ended a connection the TLS check failed: OpenSSL's reason, or `reset` when the broker's alert was
    lost to the reset that follows it (a refusal of our client certificate comes after TLS 1.3's handshake, so
    the broker may close on the AMQP header we sent meanwhile)."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, ssl.SSLError | ConnectionResetError):
        cause = cause.__cause__
    if isinstance(cause, ssl.SSLError):
        return cause.reason or str(cause)
    return "reset" if isinstance(cause, ConnectionResetError) or "reset by peer" in str(error) else repr(error)


async def test_the_relay_publishes_over_amqps(tmp_path, rabbitmq_tls_server: RabbitServer, certificates):
    settings = tls_settings(tmp_path, rabbitmq_tls_server, certificates, amqp_serve_requests=False)
    async with gateway_on(settings) as world:
        tap = await EventTap(rabbitmq_tls_server.url, settings.amqp_events_exchange, "#").open()
        try:
            account = await world.account()
            head = await produce(world, account, servers=5)
            kept = await tap.until(head)
        finally:
            await tap.close()
        assert [m.seq for m in kept] == list(range(1, head + 1))
        assert world.gateway.relay.status().connected


async def test_the_request_server_answers_a_client_over_amqps(tmp_path, rabbitmq_tls_server, certificates):
    # The CLI's queue: this broker's only request server is this test's.
    settings = tls_settings(tmp_path, rabbitmq_tls_server, certificates, amqp_relay=False,
                            amqp_request_queue=DEFAULT_REQUEST_QUEUE)  # fmt: skip
    async with gateway_on(settings):
        client = await AmqpClient.connect(
            rabbitmq_tls_server.tls_url, request_queue=settings.amqp_request_queue, tls=client_tls(certificates)
        )
        async with client:
            token = await eventually(lambda: _token_once_served(client), what="the gateway to serve its queue")
            whoami = await client.request("GET", "/v1/whoami", headers={"authorization": f"Bearer {token}"})
        assert whoami.status == 200

        def whoami_through_the_cli() -> Any:
            target = Target("http://127.0.0.1:8080", token)  # not reached: the requests go over AMQP
            with Session(target, via=rabbitmq_tls_server.tls_url, tls=client_tls(certificates)) as session:
                return session.get("/v1/whoami")

        assert (await asyncio.to_thread(whoami_through_the_cli))["client_id"] == ADMIN_ID


async def _token_once_served(client: AmqpClient) -> str | None:
    try:
        return await admin_token(client)
    except LookupError:  # no request queue yet
        return None


async def test_a_broker_certificate_the_ca_did_not_sign_is_refused_clearly(rabbitmq_tls_server, certificates):
    tls = client_tls(certificates, ca_file=certificates.wrong_ca)
    with pytest.raises(AMQPConnectionError) as refused:
        await AmqpClient.connect(rabbitmq_tls_server.tls_url, tls=tls)
    assert refusal(refused.value) == "CERTIFICATE_VERIFY_FAILED"

    with pytest.raises(Unreachable) as failed:
        await asyncio.to_thread(healthz_through_the_cli, rabbitmq_tls_server, tls)
    assert failed.value.code == "tls_unverified"
    assert f"amqps://127.0.0.1:{rabbitmq_tls_server.tls_port}/" in failed.value.message
    assert "--ca-file" in failed.value.message and "--insecure" in failed.value.message


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({"cert_file": None, "key_file": None}, "TLSV13_ALERT_CERTIFICATE_REQUIRED"),
     ({"cert_file": "stranger.cert", "key_file": "stranger.key"}, "TLSV1_ALERT_UNKNOWN_CA")],
    ids=["no client certificate", "a stranger's client certificate"],
)  # fmt: skip
async def test_the_broker_demands_a_client_certificate_its_ca_signed(
    rabbitmq_tls_server: RabbitServer, certificates: Certificates, changes: dict[str, str | None], reason: str
):
    tls = client_tls(certificates, **{key: _path(certificates, name) for key, name in changes.items()})
    with pytest.raises(AMQPConnectionError) as refused:
        await AmqpClient.connect(rabbitmq_tls_server.tls_url, tls=tls)
    assert refusal(refused.value) in (reason, "reset")

    with pytest.raises(Unreachable) as failed:
        await asyncio.to_thread(healthz_through_the_cli, rabbitmq_tls_server, tls)
    assert (failed.value.code, reason in failed.value.message) in (("tls_refused", True), ("unreachable", False))
    assert f"amqps://127.0.0.1:{rabbitmq_tls_server.tls_port}/" in failed.value.message


def healthz_through_the_cli(broker: RabbitServer, tls: ClientTls) -> object:
    with Session(Target("http://127.0.0.1:8080", None), via=broker.tls_url, tls=tls) as session:
        return session.get("/healthz")


def _path(certificates: Certificates, name: str | None) -> Path | None:
    """`wrong_ca`, `stranger.cert`: a file of the test certificates by its attribute path."""
    if name is None:
        return None
    found: Any = certificates
    for part in name.split("."):
        found = getattr(found, part)
    return found


@pytest.mark.parametrize(
    ("changes", "said"),
    [({"amqp_ca_file": "wrong_ca"}, ("CERTIFICATE_VERIFY_FAILED",)),
     ({"amqp_client_cert_file": None, "amqp_client_key_file": None},
      ("TLSV13_ALERT_CERTIFICATE_REQUIRED", "reset by peer"))],  # see `refusal`
    ids=["wrong CA", "no client certificate"],
)  # fmt: skip
async def test_a_relay_that_fails_the_tls_check_does_not_connect(
    tmp_path, rabbitmq_tls_server, certificates, caplog, changes: dict[str, str | None], said: tuple[str, ...]
):
    overrides = {key: _path(certificates, name) for key, name in changes.items()}
    settings = tls_settings(tmp_path, rabbitmq_tls_server, certificates, amqp_serve_requests=False, **overrides)
    caplog.set_level(logging.WARNING, logger="cloudgate.amqp")
    async with gateway_on(settings) as world:
        head = await produce(world, await world.account(), servers=2)

        def refusals() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.getMessage().startswith("event relay")]

        await eventually(lambda: len(refusals()) >= 2, what="the relay to try twice and be refused")
        assert all(any(words in message for words in said) for message in refusals()), refusals()
        status = world.gateway.relay.status()
        assert not status.connected and status.confirmed_seq == 0 and status.head_seq == head
    async with await aio_pika.connect(rabbitmq_tls_server.url) as plain:  # the test's own look at the broker
        with pytest.raises(ChannelNotFoundEntity):  # never declared: the relay never had a channel
            await (await plain.channel()).declare_exchange(settings.amqp_events_exchange, passive=True)


async def test_tls_settings_with_a_plain_url_are_refused_never_used_in_plain_text(
    tmp_path, rabbitmq_tls_server: RabbitServer, certificates: Certificates
):
    plain = rabbitmq_tls_server.url
    with pytest.raises(TlsSetupError, match="amqps://"):
        await Gateway.open(tls_settings(tmp_path, rabbitmq_tls_server, certificates, amqp_url=plain))
    assert not (tmp_path / "store.sqlite").exists()  # refused before anything opened
    with pytest.raises(TlsSetupError, match="amqps://"):
        await AmqpClient.connect(plain, tls=ClientTls(ca_file=certificates.ca))
    with pytest.raises(UsageFailure) as refused:
        Session(Target("http://127.0.0.1:8080", None), via=plain, tls=ClientTls(insecure=True))
    assert refused.value.code == "bad_tls"
