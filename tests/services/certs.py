"""Certificates for the TLS tests, made with `cryptography` into a directory: a CA, a server certificate for
127.0.0.1 and localhost and a client certificate signed by it, and a second CA that signed neither (but
signed a stranger's client certificate)."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID = datetime.timedelta(days=2)

Key = ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the CA that signed `server` and `client`
    server: Pair  # for 127.0.0.1 and localhost
    client: Pair  # a client's (CN cloudgate-test-client)
    wrong_ca: Path  # a CA that signed neither
    stranger: Pair  # a client's, signed by the wrong CA


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key: Key, issuer: str, issuer_key: Key, extensions: list[x509.ExtensionType]):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=isinstance(extension, x509.BasicConstraints))
    return builder.sign(issuer_key, hashes.SHA256())


def _write_cert(directory: Path, name: str, certificate: x509.Certificate) -> Path:
    path = directory / f"{name}.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _ca(directory: Path, name: str) -> tuple[Path, Key]:
    key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(name, key, name, key, [
        x509.BasicConstraints(ca=True, path_length=0),
        x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                      key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
                      decipher_only=False),
        x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
    ])  # fmt: skip
    return _write_cert(directory, name, ca), key


def _leaf(directory: Path, name: str, ca_name: str, ca_key: Key, usage: x509.ExtensionType) -> Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate(name, key, ca_name, ca_key, [
        x509.BasicConstraints(ca=False, path_length=None),
        usage,
        x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
    ])  # fmt: skip
    key_path = directory / f"{name}-key.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return Pair(_write_cert(directory, name, leaf), key_path)


def make(directory: Path) -> Certificates:
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _ca(directory, "cloudgate-test-ca")
    wrong_ca, wrong_key = _ca(directory, "cloudgate-wrong-ca")
    server_names = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    server = _leaf(directory, "server", "cloudgate-test-ca", ca_key, server_names)
    client_use = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    client = _leaf(directory, "cloudgate-test-client", "cloudgate-test-ca", ca_key, client_use)
    stranger = _leaf(directory, "stranger", "cloudgate-wrong-ca", wrong_key, client_use)
    return Certificates(ca, server, client, wrong_ca, stranger)
