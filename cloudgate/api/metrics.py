"""Prometheus metrics of one app, in a registry of its own so several apps can live in one process."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudgate.core import Core

# Counts over every account are not any one client's view: the scrape reads as the admin client.


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "cloudgate_http_requests", "HTTP requests answered, by route template and status.",
            ["method", "route", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "cloudgate_http_request_duration_seconds", "Time to answer a request (a stream: its whole life).",
            ["method", "route"], registry=self.registry,
        )  # fmt: skip
        self.event_head = Gauge("cloudgate_events_head_seq", "Newest event sequence number.", registry=self.registry)
        self.accounts = Gauge(
            "cloudgate_accounts", "Registered accounts, by health.", ["health"], registry=self.registry
        )
        # Labelled by exchange: a process that runs no relay shows no samples rather than zeros.
        self.relay_connected = Gauge(
            "cloudgate_amqp_relay_connected", "1 while the event relay is connected to its broker.", ["exchange"],
            registry=self.registry,
        )  # fmt: skip
        self.relay_confirmed = Gauge(
            "cloudgate_amqp_relay_confirmed_seq", "Last event sequence number the broker confirmed.", ["exchange"],
            registry=self.registry,
        )  # fmt: skip
        self.relay_lag = Gauge(
            "cloudgate_amqp_relay_lag", "Events in the outbox the broker has not confirmed yet.", ["exchange"],
            registry=self.registry,
        )  # fmt: skip

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    async def render(self, core: Core) -> bytes:
        """The exposition text, with the gauges read from the core at scrape time."""
        self.event_head.set(await core.events.head())
        self.accounts.clear()
        for health, count in (await core.accounts.health_counts()).items():
            self.accounts.labels(health).set(count)
        relay = core.relay_status()
        if relay is not None:
            self.relay_connected.labels(relay.exchange).set(int(relay.connected))
            self.relay_confirmed.labels(relay.exchange).set(relay.confirmed_seq)
            self.relay_lag.labels(relay.exchange).set(relay.lag)
        return generate_latest(self.registry)


class RequestMetrics:
    """Counts and times every HTTP request, labelled with the route template that served it."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, note_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")  # the router fills scope["route"] in
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - began)
