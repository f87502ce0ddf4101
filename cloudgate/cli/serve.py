"""`cloudgate serve`: the whole gateway in one process (API, poller, operations, events)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cloudgate.cli.base import report
from cloudgate.cli.failures import EXIT_USAGE, UsageFailure
from cloudgate.roles import Role
from cloudgate.tls import TlsSetupError


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


HostOption = Annotated[
    str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1, or CLOUDGATE_HOST).")
]
PortOption = Annotated[
    int | None, typer.Option("--port", min=1, max=65535, help="Port (default 8080, or CLOUDGATE_PORT).")
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", file_okay=False, help="Store and keys (default ./cloudgate-data or CLOUDGATE_DATA_DIR)."
    ),
]
DemoOption = Annotated[
    bool, typer.Option("--demo/--no-demo", envvar="CLOUDGATE_DEMO", help="Seed two simulated clouds.")
]
LogLevelOption = Annotated[LogLevel, typer.Option("--log-level", help="Server log level.")]
TlsCertOption = Annotated[
    Path | None,
    typer.Option(
        "--tls-cert",
        dir_okay=False,
        help="Serve HTTPS with this PEM certificate (chain); needs --tls-key (or CLOUDGATE_TLS_CERT_FILE).",
        show_default=False,
    ),
]
TlsKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--tls-key",
        dir_okay=False,
        help="The certificate's PEM key, unencrypted (or CLOUDGATE_TLS_KEY_FILE).",
        show_default=False,
    ),
]
RoleOption = Annotated[
    Role | None,
    typer.Option(
        "--role",
        help="all: everything in one process (default); api: front-ends only; worker: polling "
        "and the event relay only (or CLOUDGATE_ROLE).",
        show_default=False,
    ),
]


def serve(
    host: HostOption = None,
    port: PortOption = None,
    data_dir: DataDirOption = None,
    demo: DemoOption = True,
    log_level: LogLevelOption = LogLevel.INFO,
    role: RoleOption = None,
    tls_cert: TlsCertOption = None,
    tls_key: TlsKeyOption = None,
) -> None:
    """Run the gateway (front-ends, poller, operations, events) until SIGINT or SIGTERM."""
    # Imported here: the server's dependencies take seconds to import, and every other command
    # is a small HTTP client that should not pay for them.
    import uvloop

    from cloudgate.app.server import PortInUse, run
    from cloudgate.settings import Settings

    given: dict[str, Any] = {
        "host": host, "port": port, "data_dir": data_dir, "role": role, "tls_cert_file": tls_cert,
        "tls_key_file": tls_key,
    }  # fmt: skip
    settings = Settings(demo=demo, **{k: v for k, v in given.items() if v is not None})
    try:
        uvloop.run(run(settings, log_level.value))  # the loop of uvicorn's own choice: thread wake-ups cost less
    except TlsSetupError as exc:
        report(UsageFailure("bad_tls", str(exc)))
        raise typer.Exit(EXIT_USAGE) from None
    except PortInUse as exc:
        report(UsageFailure("port_in_use", f"{exc.strerror} (another gateway?): choose another port with --port "
                            "or CLOUDGATE_PORT"))  # fmt: skip
        raise typer.Exit(EXIT_USAGE) from None
