"""A throwaway RabbitMQ broker (Debian's rabbitmq-server) in a temporary directory on 127.0.0.1.

Its own epmd, node name, AMQP and distribution ports, so it never meets a system-wide broker or
another test session's. The broker can be killed and started again on the same data directory,
as a crash and a restart would do. Given certificates, it also listens for AMQP over TLS (amqps),
where it demands a client certificate signed by its CA.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
EPMD = Path("/usr/bin/epmd")
READY_SECONDS = 120.0  # Erlang boots slowly on a busy two-core machine
AMQP_HEADER = b"AMQP\x00\x00\x09\x01"

CONFIG = """\
listeners.tcp.default = 127.0.0.1:{port}
log.file.level = warning
log.console = false
disk_free_limit.absolute = 1MB
"""
TLS_CONFIG = """\
listeners.ssl.default = 127.0.0.1:{port}
ssl_options.cacertfile = {tls.ca}
ssl_options.certfile = {tls.cert}
ssl_options.keyfile = {tls.key}
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
"""


@dataclass(frozen=True)
class BrokerTls:
    """The broker's certificate and key, and the CA that must have signed its clients' certificates."""

    ca: Path
    cert: Path
    key: Path


def available() -> bool:
    return SERVER.exists() and EPMD.exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(check: Callable[[], bool], seconds: float, what: str, alive: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if alive.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {alive.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready after {seconds:g} s")
        time.sleep(0.1)  # the pace of probing against the deadline


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _speaks_amqp(port: int) -> bool:
    """Whether the broker answers a protocol header with Connection.Start (a method frame)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2.0) as sock:
            sock.sendall(AMQP_HEADER)
            return sock.recv(1) == b"\x01"
    except OSError:
        return False


def _stop_group(process: subprocess.Popen, sig: signal.Signals, timeout: float) -> None:
    """Signal the process group led by `process` (it was started in a session of its own) and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass


@dataclass
class RabbitServer:
    root: Path
    port: int
    env: dict[str, str]
    epmd: subprocess.Popen
    tls_port: int | None = None  # the amqps listener's, when started with certificates
    broker: subprocess.Popen | None = field(default=None)  # None until started

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def tls_url(self) -> str:
        assert self.tls_port is not None, "this broker was started without certificates"
        return f"amqps://guest:guest@127.0.0.1:{self.tls_port}/"

    def start_broker(self) -> None:
        """Start the broker on this server's data directory and wait until it speaks AMQP."""
        log = (self.root / "log" / "broker.out").open("ab")
        # The wrapper script stays in the foreground as the group's leader and stops the VM on SIGTERM.
        self.broker = subprocess.Popen(
            [str(SERVER)], env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        _wait_for(lambda: _speaks_amqp(self.port), READY_SECONDS, "rabbitmq-server", self.broker)
        if self.tls_port is not None:
            _wait_for(lambda: _listening(self.tls_port), READY_SECONDS, "rabbitmq-server's amqps", self.broker)

    def kill(self) -> None:
        """Kill the broker outright (SIGKILL to its whole process group): a crash, nothing said to clients."""
        assert self.broker is not None
        _stop_group(self.broker, signal.SIGKILL, 10)

    def stop(self) -> None:
        if self.broker is not None:
            _stop_group(self.broker, signal.SIGTERM, 30)
        _stop_group(self.epmd, signal.SIGTERM, 10)
        shutil.rmtree(self.root, ignore_errors=True)


def start(tls: BrokerTls | None = None) -> RabbitServer:
    """A broker on 127.0.0.1 (amqp://; and amqps:// as well, given `tls`), ready to take connections."""
    root = Path(tempfile.mkdtemp(prefix="cloudgate-rabbitmq-"))
    for name in ("etc", "mnesia", "log", "home"):
        (root / name).mkdir()
    port, dist_port, epmd_port = free_port(), free_port(), free_port()
    tls_port = free_port() if tls is not None else None
    config = CONFIG.format(port=port)
    if tls is not None:
        config += TLS_CONFIG.format(port=tls_port, tls=tls)
    (root / "etc" / "rabbitmq.conf").write_text(config)
    (root / "etc" / "enabled_plugins").write_text("[].\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
    env.update({
        "HOME": str(root / "home"),  # where Erlang keeps its cookie
        "RABBITMQ_NODENAME": f"cloudgate-test-{secrets.token_hex(4)}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "ERL_EPMD_PORT": str(epmd_port),
        "RABBITMQ_CONFIG_FILE": str(root / "etc" / "rabbitmq.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(root / "etc" / "enabled_plugins"),
        "RABBITMQ_MNESIA_BASE": str(root / "mnesia"),
        "RABBITMQ_LOG_BASE": str(root / "log"),
        "RABBITMQ_PID_FILE": str(root / "broker.pid"),
        # Our own epmd runs beside it: an epmd the VM started itself would daemonize out of our reach.
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false",
    })  # fmt: skip
    epmd = subprocess.Popen(
        [str(EPMD), "-address", "127.0.0.1", "-port", str(epmd_port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    server = RabbitServer(root, port, env, epmd, tls_port)
    try:
        _wait_for(lambda: _listening(epmd_port), 30, "epmd", epmd)
        server.start_broker()
    except BaseException:
        server.stop()
        raise
    return server
