"""HTTPS: `cloudgate serve --tls-cert --tls-key` serves every front-end over TLS; the CLI's session checks its
certificate (the system's CAs, a CA file, or not at all when told) and fails clearly when it does not verify;
TLS files that cannot be used stop the start with a clear error."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from cloudgate.cli.failures import EXIT_UNREACHABLE, EXIT_USAGE, CliFailure, Unreachable, UsageFailure
from cloudgate.cli.session import Session, Target
from cloudgate.tls import ClientTls
from tests.services.certs import Certificates
from tests.services.served import CLOUDGATE, Served, clean_env, serving, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def https(tmp_path_factory, certificates: Certificates) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("https")
    args = ["--no-demo", "--tls-cert", str(certificates.server.cert), "--tls-key", str(certificates.server.key)]
    verify = ssl.create_default_context(cafile=certificates.ca)
    with serving(tmp, *args, scheme="https", verify=verify) as server:
        yield server


def healthz(url: str, tls: ClientTls = ClientTls()) -> object:
    with Session(Target(url, None), tls=tls) as session:
        return session.get("/healthz")


def test_the_session_trusts_the_server_through_the_ca_that_signed_it(https: Served, certificates: Certificates):
    assert f"cloudgate listening on {https.url}" in https.out.read_text()
    assert https.url.startswith("https://")
    assert healthz(https.url, ClientTls(ca_file=certificates.ca)) == {"status": "ok"}
    # The name it was issued for, not only the address.
    assert healthz(https.url.replace("127.0.0.1", "localhost"), ClientTls(ca_file=certificates.ca)) == {"status": "ok"}


@pytest.mark.parametrize("trust", ["system CAs", "wrong CA"])
def test_a_certificate_that_does_not_verify_fails_the_request_clearly(https: Served, certificates: Certificates, trust):
    tls = ClientTls() if trust == "system CAs" else ClientTls(ca_file=certificates.wrong_ca)
    with pytest.raises(Unreachable) as refused:
        healthz(https.url, tls)
    assert refused.value.code == "tls_unverified"
    assert https.url in refused.value.message
    assert "CA" in refused.value.message and "--insecure" in refused.value.message


def test_the_cli_logs_in_with_a_ca_file_and_remembers_it(https: Served, certificates: Certificates, tmp_path: Path):
    secret = wait_for(https.admin_secret, 30, "the admin secret in serve's output")
    env = clean_env(tmp_path)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLOUDGATE, *args], env=env, input=f"{secret}\n", capture_output=True, text=True,
                              timeout=60)  # fmt: skip

    login = ("login", "--url", https.url, "--secret", "-")
    refused = cli(*login)
    assert refused.returncode == EXIT_UNREACHABLE and "tls_unverified" in refused.stderr and "--ca-file" in refused.stderr
    assert cli("--ca-file", str(certificates.ca), *login).returncode == 0
    whoami = cli("whoami", "-o", "json")  # the CA file is the saved login's
    assert whoami.returncode == 0 and '"admin"' in whoami.stdout, whoami.stderr
    assert cli("--ca-file", str(certificates.wrong_ca), "whoami").returncode == EXIT_UNREACHABLE  # given wins
    assert cli("--insecure", "whoami").returncode == 0


def test_insecure_skips_the_check_but_still_speaks_tls(https: Served):
    assert healthz(https.url, ClientTls(insecure=True)) == {"status": "ok"}


def test_plain_http_to_the_tls_port_gets_no_answer_from_the_api(https: Served):
    plain = https.url.replace("https://", "http://")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{plain}/healthz", timeout=10)
    with pytest.raises(CliFailure) as failed:
        healthz(plain)
    assert failed.value.code == "unreachable"


def test_https_to_a_plain_http_port_fails_clearly(tmp_path):
    with serving(tmp_path, "--no-demo") as plain:
        with pytest.raises(Unreachable) as failed:
            healthz(plain.url.replace("http://", "https://"))
    assert failed.value.code == "tls_failed" and "does not speak TLS" in failed.value.message


def test_tls_options_that_cannot_hold_are_refused_before_any_request(certificates: Certificates):
    with pytest.raises(UsageFailure) as refused:
        Session(Target("http://127.0.0.1:9", None), tls=ClientTls(ca_file=certificates.ca))
    assert refused.value.code == "bad_tls" and "https://" in refused.value.message
    with pytest.raises(UsageFailure) as refused:
        Session(Target("https://127.0.0.1:9", None), tls=ClientTls(ca_file=certificates.ca, insecure=True))
    assert refused.value.code == "bad_tls" and "contradict" in refused.value.message
    with pytest.raises(UsageFailure) as refused:
        Session(Target("https://127.0.0.1:9", None), tls=ClientTls(ca_file=certificates.server.key))
    assert refused.value.code == "bad_tls" and "no PEM certificate" in refused.value.message


def _pairs(certificates: Certificates, tmp: Path) -> dict[str, tuple[list[str], dict[str, str], str]]:
    """Start-up attempts that must fail: (serve's arguments, settings, what the error must say)."""
    server, client = certificates.server, certificates.client
    missing = tmp / "missing.pem"
    encrypted = tmp / "encrypted-key.pem"
    key = serialization.load_pem_private_key(server.key.read_bytes(), None)
    encrypted.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.BestAvailableEncryption(b"passphrase")))  # fmt: skip
    return {
        "cert without key": (["--tls-cert", str(server.cert)], {}, "the server key is missing"),
        "key without cert": ([], {"tls_key_file": str(server.key)}, "the server certificate is missing"),
        "encrypted key": (["--tls-cert", str(server.cert), "--tls-key", str(encrypted)], {}, "is encrypted"),
        "missing cert": (["--tls-cert", str(missing), "--tls-key", str(server.key)], {}, str(missing)),
        "cert and another's key": (["--tls-cert", str(server.cert), "--tls-key", str(client.key)], {}, "not the certificate's"),
        "not a certificate": (["--tls-cert", str(server.key), "--tls-key", str(server.key)], {}, str(server.key)),
        "broker CA with amqp://": ([], {"amqp_url": "amqp://guest:guest@127.0.0.1:9/", "amqp_ca_file": str(certificates.ca)}, "amqps://"),
        "unreadable broker CA": ([], {"amqp_url": "amqps://guest:guest@127.0.0.1:9/", "amqp_ca_file": str(missing)}, str(missing)),
    }  # fmt: skip


@pytest.mark.parametrize("case", ["cert without key", "key without cert", "encrypted key", "missing cert", "cert and another's key",
                                  "not a certificate", "broker CA with amqp://", "unreadable broker CA"])  # fmt: skip
def test_tls_files_that_cannot_be_used_stop_the_start_with_a_clear_error(tmp_path, certificates: Certificates, case):
    args, settings, says = _pairs(certificates, tmp_path)[case]
    done = subprocess.run(
        [CLOUDGATE, "serve", "--no-demo", "--port", "9", "--data-dir", str(tmp_path / "data"), *args],
        env=clean_env(tmp_path, **settings), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == EXIT_USAGE, done.stderr
    assert done.stderr.startswith("error: bad_tls: "), done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()  # refused before the store was opened
