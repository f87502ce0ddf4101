"""Cloud credentials for `account add` and `account rotate`, kept out of the command line (which `ps`
shows to every user) when asked to: each key from `--credential key=value`, from stdin
(`--credential key=-`), from the environment (`CLOUDGATE_CREDENTIAL_<KEY>`), or from a prompt that
does not echo (`--credential key` alone, in a terminal)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping

import typer

from cloudgate.cli.failures import UsageFailure

ENV_PREFIX = "CLOUDGATE_CREDENTIAL_"
FROM_STDIN = "-"


def environment_name(key: str) -> str:
    return ENV_PREFIX + key.upper().replace("-", "_")


def from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`CLOUDGATE_CREDENTIAL_SECRET_KEY=…` -> {"secret_key": "…"}."""
    return {name[len(ENV_PREFIX) :].lower(): value for name, value in environ.items() if name.startswith(ENV_PREFIX)}


def _asked(key: str, environ: Mapping[str, str]) -> str:
    """A key given without a value: the environment's, else typed at a prompt that does not echo."""
    if environment_name(key) in environ:
        return environ[environment_name(key)]
    if not sys.stdin.isatty():
        raise UsageFailure(
            "missing_credential", f"no value for {key}: give --credential {key}=- to read it from stdin, "
            f"or set {environment_name(key)}",
        )  # fmt: skip
    return str(typer.prompt(key, hide_input=True))


def _from_stdin(key: str) -> str:
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise UsageFailure("missing_credential", f"--credential {key}=- read nothing from stdin")
    return value


def credentials(options: Iterable[str], environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The credentials the options and the environment give (an option wins over the environment)."""
    given = from_environment(environ)
    options = list(options)
    if sum(1 for text in options if text.partition("=")[2] == FROM_STDIN) > 1:
        raise UsageFailure("bad_option", "only one --credential can read its value from stdin")
    for text in options:
        key, sep, value = text.partition("=")
        key = key.strip()
        if not key:
            raise UsageFailure("bad_option", f"--credential expects key=value, key=- or key, got {text!r}")
        if not sep:
            given[key] = _asked(key, environ)
        else:
            given[key] = _from_stdin(key) if value == FROM_STDIN else value
    if not given:
        raise UsageFailure(
            "missing_credential", f"give the cloud's credentials: --credential key=value, or {ENV_PREFIX}<KEY>"
        )
    return given
