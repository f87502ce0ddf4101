"""Running the gateway in this process: open it for its role, seed the demo, serve HTTP or HTTPS (every
front-end, within the limits of `http_limits`) until SIGINT/SIGTERM, close it."""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from cloudgate.app.asgi import create_app
from cloudgate.app.demo import DemoInfo, register_demo_clouds, seed_demo
from cloudgate.app.gateway import Gateway
from cloudgate.app.http_limits import HttpLimits
from cloudgate.core.auth import ADMIN_ID
from cloudgate.runtime import freeze_startup_objects, tune_gc
from cloudgate.settings import Settings
from cloudgate.tls import server_context

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def banner(url: str, admin_secret: str | None, demo: DemoInfo | None) -> list[str]:
    """What serve prints once it is about to listen: where, how to log in, and the demo's accounts."""
    lines = [f"cloudgate listening on {url}", f"admin client id: {ADMIN_ID}"]
    if admin_secret is not None:
        lines += [
            f"admin secret: {admin_secret}",
            "  (shown only this once: the gateway keeps a hash of it)",
            f"  log in with: cloudgate login --url {url} --client-id {ADMIN_ID}   (it asks for the secret)",
        ]
    if demo is not None:
        lines.append("demo accounts (registered for admin):")
        lines += [f"  {a.id}  {a.name:<12} cloud=sim endpoint={a.endpoint} project={a.project}" for a in demo.accounts]
        lines.append("demo credentials to try with `cloudgate account add`:")
        lines += [
            f"  --cloud sim --endpoint {c.endpoint} --credential access_key={c.access_key} "
            f"--credential secret_key={c.secret_key}"
            for c in demo.unregistered
        ]
    return lines


class PortInUse(OSError):
    """Another program (another gateway?) listens on the address this one should serve."""


def bound_socket(host: str, port: int) -> socket.socket:
    """The socket to serve on, bound before anything else is done: a port in use must fail the start
    before the admin secret is generated (it is shown once: a start that then fails would lose it)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a restart need not wait
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(exc.errno, f"{host}:{port} is already in use") from exc
        raise
    return sock


class StopRequest:
    """Set by SIGINT/SIGTERM: tells uvicorn to shut down gracefully, so the gateway closes after it."""

    def __init__(self) -> None:
        self.server: uvicorn.Server | None = None
        self.requested = False
        self._stopped = asyncio.Event()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        self._stopped.set()
        if self.server is not None:
            self.server.should_exit = True

    async def stopped(self) -> None:
        """Wait for a stop signal (a process that serves no HTTP)."""
        await self._stopped.wait()

    @contextmanager
    def installed(self) -> Iterator[None]:
        # uvicorn catches these signals while it serves, then restores and re-raises them: to this
        # handler, so that the re-raise neither kills the process nor cancels the gateway's close.
        previous = {sig: signal.signal(sig, self) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


async def run(settings: Settings, log_level: str) -> None:
    """Serve until a stop signal: every front-end over HTTP (HTTPS with a certificate) unless the role is
    `worker`, which only runs the background work (polling, the event relay) until then. TlsSetupError,
    before anything opens, when the certificate or the broker's TLS files cannot be used."""
    https = server_context(settings.tls_cert_file, settings.tls_key_file)
    tune_gc()
    sock = bound_socket(settings.host, settings.port) if settings.runs_front_ends else None
    stop = StopRequest()
    try:
        with stop.installed():
            await _serve(settings, log_level, sock, stop, https)
    finally:
        if sock is not None:
            sock.close()


async def _serve(
    settings: Settings, log_level: str, sock: socket.socket | None, stop: StopRequest, https: ssl.SSLContext | None
) -> None:
    if settings.demo:
        # Before the gateway starts: its poller reaches the demo accounts.
        register_demo_clouds(settings.resolved_sim_state_dir(), settings.sim_faults)
    gateway = await Gateway.open(settings)
    try:
        app = create_app(gateway=gateway)
        await gateway.start(app)
        demo = await seed_demo(gateway) if settings.demo else None
        freeze_startup_objects()
        if sock is None:
            print(f"cloudgate worker running (role {settings.role})", flush=True)
            await stop.stopped()
            return
        config = uvicorn.Config(
            app, host=settings.host, port=settings.port, log_level=log_level, lifespan="on",
            timeout_graceful_shutdown=5, http=HttpLimits.from_settings(settings).protocol(),
            ssl_context_factory=None if https is None else lambda _config, _default: https,
        )  # fmt: skip
        stop.server = uvicorn.Server(config)
        scheme = "http" if https is None else "https"
        for line in banner(f"{scheme}://{settings.host}:{settings.port}", gateway.admin_secret, demo):
            print(line, flush=True)
        if not stop.requested:
            await stop.server.serve(sockets=[sock])
    finally:
        await gateway.close()
