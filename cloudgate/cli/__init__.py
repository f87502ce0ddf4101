"""The `cloudgate` command line: `serve` runs the gateway; every other command calls one over HTTP."""

from cloudgate.cli.main import app

__all__ = ["app"]
