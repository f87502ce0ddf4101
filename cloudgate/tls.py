"""TLS contexts from certificate files: the HTTPS server's, and a client's (the CLI's HTTP client, and every
AMQP connection) that checks the server against a CA file or the system's CAs, or not at all when told.

A file that cannot be read or used is a `TlsSetupError` naming it, raised when the context is built (at
start), never a fallback to plain text.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Why OpenSSL would not load a file it could read, by its reason (None: a certificate or key it cannot parse).
LOAD_FAILURES: dict[str | None, str] = {
    None: "not PEM files of a certificate (chain) and its unencrypted key",
    "KEY_VALUES_MISMATCH": "the key is not the certificate's",
    "NO_CERTIFICATE_OR_CRL_FOUND": "no PEM certificate in it",
}


class TlsSetupError(ValueError):
    """The TLS files or options given cannot make a context; the message says which and why."""


@dataclass(frozen=True, slots=True)
class ClientTls:
    """How a client checks the server's certificate, and the certificate it shows when the server asks."""

    ca_file: Path | None = None  # the CAs to trust; None: the system's
    insecure: bool = False  # check nothing (still encrypted): for a test server's self-signed certificate
    cert_file: Path | None = None  # a client certificate, for a server that demands one
    key_file: Path | None = None

    @property
    def given(self) -> bool:
        """Whether anything beyond the default (the system's CAs, no client certificate) was asked for."""
        return self != ClientTls()

    def context(self) -> ssl.SSLContext:
        if self.insecure and self.ca_file is not None:
            raise TlsSetupError("a CA file and insecure contradict each other: give one")
        if self.ca_file is not None:
            _readable(self.ca_file, "CA file")
        try:
            context = ssl.create_default_context(cafile=self.ca_file)  # only these CAs when given
        except ssl.SSLError as exc:
            why = LOAD_FAILURES.get(exc.reason, exc.reason)
            raise TlsSetupError(f"cannot use {self.ca_file} as a CA file: {why}") from exc
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.cert_file is not None or self.key_file is not None:
            _load_pair(context, self.cert_file, self.key_file, "client")
        return context


def server_context(cert_file: Path | None, key_file: Path | None) -> ssl.SSLContext | None:
    """The context a server presents `cert_file` with; None when neither file is given (plain text)."""
    if cert_file is None and key_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    _load_pair(context, cert_file, key_file, "server")
    return context


def _load_pair(context: ssl.SSLContext, cert_file: Path | None, key_file: Path | None, side: str) -> None:
    if cert_file is None or key_file is None:
        missing = "key" if key_file is None else "certificate"
        raise TlsSetupError(f"the {side} {missing} is missing: give both the {side} certificate and its key")
    _readable(cert_file, f"{side} certificate")
    _readable(key_file, f"{side} key")
    try:
        context.load_cert_chain(cert_file, key_file, password=_encrypted(key_file))
    except ssl.SSLError as exc:
        why = LOAD_FAILURES.get(exc.reason, exc.reason)
        raise TlsSetupError(f"cannot use {cert_file} with the key {key_file} as the {side} certificate: {why}") from exc


def _encrypted(key_file: Path) -> Callable[[], str]:
    """Asked for only if the key is encrypted: fail then, rather than OpenSSL prompting on a terminal."""

    def refuse() -> str:
        raise TlsSetupError(f"the key {key_file} is encrypted: give it unencrypted (readable by this user only)")

    return refuse


def _readable(path: Path, what: str) -> None:
    """Fail with the file's name: OpenSSL's own errors on a missing or unreadable file do not give it."""
    try:
        with path.open("rb") as file:
            file.read(1)
    except OSError as exc:
        raise TlsSetupError(f"cannot read the {what} {path}: {exc.strerror or exc}") from exc
