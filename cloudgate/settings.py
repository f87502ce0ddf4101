"""All configuration in one object, read once from the environment (prefix CLOUDGATE_) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cloudgate.model import Kind
from cloudgate.roles import Role

DEFAULT_POLL_INTERVALS: dict[str, float] = {
    Kind.INSTANCE: 30.0,
    Kind.VOLUME: 30.0,
    Kind.SNAPSHOT: 30.0,
    Kind.IMAGE: 300.0,
    Kind.SUBNET: 300.0,
    Kind.KEYPAIR: 300.0,
    Kind.SECURITY_GROUP: 300.0,
    Kind.DATACENTER: 3600.0,
    Kind.FLAVOR: 3600.0,
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLOUDGATE_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("./cloudgate-data")
    database_url: str | None = None  # default: SQLite file in data_dir
    secret_key: str | None = None  # Fernet key for credentials at rest; default: generated into data_dir
    admin_secret: str | None = None  # default: generated on first start and shown once

    role: Role = Role.ALL

    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 1_000_000
    # HTTPS for every front-end: a PEM certificate (chain) and its unencrypted key, both or neither.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # What one client can make the HTTP server hold: a request line and headers of at most this many bytes
    # (431 beyond), and a request sent in full within this time from its first byte, or from the connection's
    # opening for its first request (closed otherwise).
    http_max_header_bytes: int = Field(64 * 1024, ge=1024)
    http_request_timeout_seconds: float = Field(30.0, gt=0)
    token_ttl_seconds: float = 3600.0
    # How long a checked token is trusted without asking the store again. A revocation is seen at
    # once by the process that revokes; other gateway processes on the same store see it this late.
    token_recheck_seconds: float = 5.0

    poll_intervals: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_POLL_INTERVALS))
    poll_concurrency: int = 32
    poll_concurrency_per_endpoint: int = 8
    account_requests_per_second: float = 10.0
    account_request_burst: int = 20
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 300.0
    breaker_threshold: int = 5
    # The pace of re-listing (account, kind) while the gateway's own operation settles: its change
    # reaches the event feed at most this long (plus one listing) after the cloud made it.
    fast_poll_interval: float = 0.5
    # Change hints (drivers that declare `Capabilities.hints`): hints arriving within this window are taken
    # together (many about one resource or kind: one read); past `hint_resources_per_kind` resources of one
    # kind in a window, the kind is listed instead. While an account's hints flow, its hinted kinds are
    # polled this many times less often (the poll stays the truth: it catches what a hint missed). A broken
    # feed is reconnected with backoff between these bounds.
    hint_window_seconds: float = Field(0.05, ge=0)
    hint_resources_per_kind: int = Field(16, ge=1)
    hinted_poll_interval_factor: float = Field(4.0, ge=1)
    hint_reconnect_min_seconds: float = Field(1.0, gt=0)
    hint_reconnect_max_seconds: float = Field(60.0, gt=0)
    operation_timeout_seconds: float = 900.0
    consistency_grace_seconds: float = 120.0
    run_poller: bool = True

    max_clock_skew_seconds: float = 300.0
    event_retention_seconds: float = 7 * 24 * 3600.0
    events_page_max: int = 1000
    sse_heartbeat_seconds: float = 15.0  # comment lines that keep event streams alive through proxies

    demo: bool = False  # seed two simulated clouds with demo accounts and resources
    # Where the demo's simulated clouds keep their state (default: data_dir/sim), shared by every gateway
    # process that uses the same directory; and faults to turn on in them at start (`Faults.KNOBS`,
    # e.g. CLOUDGATE_SIM_FAULTS='{"error_rate": 0.1}'), changeable later by PATCH /v1/clouds/sim/settings.
    sim_state_dir: Path | None = None
    sim_faults: dict[str, float | bool] = Field(default_factory=dict)

    # AMQP (RabbitMQ): unset amqp_url means none of it runs.
    amqp_url: str | None = None  # amqp://user:password@host:5672/vhost, or amqps://…:5671/… for TLS
    # amqps:// only: the CAs the broker's certificate is checked against (default: the system's), and the
    # certificate and key this gateway shows a broker that demands one.
    amqp_ca_file: Path | None = None
    amqp_client_cert_file: Path | None = None
    amqp_client_key_file: Path | None = None
    amqp_events_exchange: str = "cloudgate.events"  # topic exchange the event relay publishes to
    amqp_relay: bool = True  # relay the outbox's events from this process
    amqp_request_queue: str = "cloudgate.requests"  # API requests over AMQP, shared by every gateway process
    amqp_serve_requests: bool = True  # consume that queue in this process
    amqp_prefetch: int = Field(16, ge=1)  # requests one process works on at once
    amqp_request_timeout_seconds: float = 60.0
    amqp_relay_batch: int = Field(500, ge=1)  # events published per confirmed batch
    amqp_reconnect_min_seconds: float = 0.5
    amqp_reconnect_max_seconds: float = 30.0

    def resolved_sim_state_dir(self) -> Path:
        return self.sim_state_dir or self.data_dir / "sim"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'cloudgate.db'}"

    @property
    def runs_front_ends(self) -> bool:
        return self.role in (Role.ALL, Role.API)

    @property
    def runs_background(self) -> bool:
        """Polling, the event relay and event pruning."""
        return self.role in (Role.ALL, Role.WORKER)

    def poll_interval(self, kind: Kind) -> float:
        return float(self.poll_intervals.get(kind.value, DEFAULT_POLL_INTERVALS[kind]))
