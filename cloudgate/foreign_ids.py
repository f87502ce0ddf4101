"""Gateway ids in the id formats of foreign APIs, and back: one table per format, all derived.

Every foreign id is computed from the gateway id alone, so it is the same in every process and
after a resync (gateway ids survive a resync: they derive from cloud ids, or are kept aliases).

- UUIDs (OpenStack, CloudStack) hold the whole gateway id: a kind code and the hex digest, in an
  RFC 9562 version-8 UUID. They decode without the store.
- EC2 ids (`i-` + 17 hex) and GCE ids (a uint64 in decimal) are shorter than a gateway id, so they
  hold its `numeric_id`, a 63-bit digest the store keeps in an indexed column: decoding gives the
  number, and the store finds the row.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from cloudgate.model import ID_PREFIX, Kind

NUMERIC_ID_BITS: Final = 63  # fits PostgreSQL's signed BIGINT


def numeric_id(gateway_id: str) -> int:
    """The 63-bit number behind a gateway id's EC2 and GCE ids."""
    digest = hashlib.blake2b(gateway_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - NUMERIC_ID_BITS)


# -- UUIDs -----------------------------------------------------------------------------------

# Gateway id prefix -> (kind code in the UUID, hex digits after the prefix). Codes never change:
# a UUID handed out once must decode the same forever.
UUID_CODES: Final[dict[str, tuple[str, int]]] = {
    ID_PREFIX[Kind.DATACENTER]: ("1", 20),
    ID_PREFIX[Kind.FLAVOR]: ("2", 20),
    ID_PREFIX[Kind.IMAGE]: ("3", 20),
    ID_PREFIX[Kind.INSTANCE]: ("4", 20),
    ID_PREFIX[Kind.VOLUME]: ("5", 20),
    ID_PREFIX[Kind.SNAPSHOT]: ("6", 20),
    ID_PREFIX[Kind.SUBNET]: ("7", 20),
    ID_PREFIX[Kind.KEYPAIR]: ("8", 20),
    ID_PREFIX[Kind.SECURITY_GROUP]: ("9", 20),
    "acc": ("a", 16),  # accounts (OpenStack projects, CloudStack accounts)
    "op": ("b", 20),  # operations (CloudStack jobs)
    "cl": ("c", 16),  # gateway clients (keystone users)
}
_PREFIX_OF_CODE: Final = {code: prefix for prefix, (code, _digits) in UUID_CODES.items()}
_PAYLOAD_DIGITS: Final = 30  # 32 hex digits less the version and variant nibbles
_VERSION_AT, _VARIANT_AT = 12, 16
_UUID: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$")
_HEX: Final = re.compile(r"^[0-9a-f]+$")


def to_uuid(gateway_id: str) -> str:
    """The UUID of a gateway id (resources, accounts, operations, clients); ValueError for others."""
    prefix, _, digest = gateway_id.partition("-")
    code, digits = UUID_CODES.get(prefix, ("", 0))
    if not code or len(digest) != digits or not _HEX.match(digest):
        raise ValueError(f"{gateway_id!r} has no UUID form")
    payload = (code + digest).ljust(_PAYLOAD_DIGITS, "0")
    full = payload[:_VERSION_AT] + "8" + payload[_VERSION_AT : _VARIANT_AT - 1] + "8" + payload[_VARIANT_AT - 1 :]
    return f"{full[:8]}-{full[8:12]}-{full[12:16]}-{full[16:20]}-{full[20:]}"


def from_uuid(text: str) -> str | None:
    """The gateway id a UUID of `to_uuid` stands for; None for any other text."""
    text = text.strip().lower()
    if not _UUID.match(text):
        return None
    full = text.replace("-", "")
    payload = full[:_VERSION_AT] + full[_VERSION_AT + 1 : _VARIANT_AT] + full[_VARIANT_AT + 1 :]
    prefix = _PREFIX_OF_CODE.get(payload[0])
    if prefix is None:
        return None
    digits = UUID_CODES[prefix][1]
    digest, padding = payload[1 : 1 + digits], payload[1 + digits :]
    if padding.strip("0"):
        return None
    return f"{prefix}-{digest}"


# -- EC2 ids ---------------------------------------------------------------------------------

EC2_PREFIX: Final[dict[Kind, str]] = {
    Kind.INSTANCE: "i",
    Kind.VOLUME: "vol",
    Kind.SNAPSHOT: "snap",
    Kind.IMAGE: "ami",
    Kind.SECURITY_GROUP: "sg",
    Kind.SUBNET: "subnet",
    Kind.KEYPAIR: "key",
}
_EC2_KIND: Final = {prefix: kind for kind, prefix in EC2_PREFIX.items()}
_EC2_ID: Final = re.compile(r"^([a-z]+)-(0[0-7][0-9a-f]{15})$")


def to_ec2_id(kind: Kind, gateway_id: str) -> str:
    """`i-0…` with 17 hex digits, as EC2 writes new ids (the leading 0 and 16 digits of the number)."""
    return f"{EC2_PREFIX[kind]}-0{numeric_id(gateway_id):016x}"


def from_ec2_id(text: str) -> tuple[Kind, int] | None:
    """(kind, numeric id) of an EC2 id of `to_ec2_id`; None for any other text."""
    match = _EC2_ID.match(text.strip())
    if match is None or match.group(1) not in _EC2_KIND:
        return None
    return _EC2_KIND[match.group(1)], int(match.group(2), 16)


# -- GCE ids ---------------------------------------------------------------------------------


def to_gce_id(gateway_id: str) -> str:
    """GCE's numeric id, a decimal string (uint64 on the wire)."""
    return str(numeric_id(gateway_id))


def from_gce_id(text: str) -> int | None:
    """The numeric id in a GCE id; None for anything that is not one."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if number < 2**NUMERIC_ID_BITS else None
