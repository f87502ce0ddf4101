"""How the dashboard shows the gateway's vocabulary, as tables: kinds' names and collections, the tone of each
state (said in words too, never by colour alone), the columns each kind's list shows, and values as text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from cloudgate.model import ATTR_REFERENCES, COLLECTIONS, Kind

COLLECTION_OF: dict[Kind, str] = {kind: collection for collection, kind in COLLECTIONS.items()}

# What people call each kind, one and many; the navigation lists them in this order.
NOUNS: dict[Kind, tuple[str, str]] = {
    Kind.INSTANCE: ("instance", "Instances"),
    Kind.VOLUME: ("volume", "Volumes"),
    Kind.SNAPSHOT: ("snapshot", "Snapshots"),
    Kind.IMAGE: ("image", "Images"),
    Kind.SUBNET: ("subnet", "Subnets"),
    Kind.SECURITY_GROUP: ("security group", "Security groups"),
    Kind.KEYPAIR: ("key pair", "Key pairs"),
    Kind.FLAVOR: ("flavor", "Flavors"),
    Kind.DATACENTER: ("datacenter", "Datacenters"),
}

# ok: doing its job · busy: changing · idle: at rest, not serving · bad: broken. Unknown states are "idle".
STATE_TONES: dict[str, str] = {
    "running": "ok", "available": "ok", "in_use": "ok",
    "pending": "busy", "creating": "busy", "stopping": "busy", "rebooting": "busy", "attaching": "busy",
    "detaching": "busy", "deleting": "busy",
    "stopped": "idle", "terminated": "idle", "deleted": "idle",
    "error": "bad", "unavailable": "bad",
    # operations
    "succeeded": "ok", "failed": "bad",
    # account health
    "ok": "ok", "degraded": "bad",
}  # fmt: skip

# The attributes a kind's list shows besides name, state, account and datacenter (references shown by name).
LIST_ATTRS: dict[Kind, tuple[str, ...]] = {
    Kind.INSTANCE: ("flavor", "image", "addresses"),
    Kind.VOLUME: ("size_gb", "attached_to"),
    Kind.SNAPSHOT: ("volume", "size_gb"),
    Kind.IMAGE: ("os", "visibility"),
    Kind.SUBNET: ("cidr",),
    Kind.SECURITY_GROUP: ("description",),
    Kind.KEYPAIR: ("fingerprint",),
    Kind.FLAVOR: ("vcpus", "ram_mb", "disk_gb"),
    Kind.DATACENTER: ("type", "region"),
}

ATTR_LABELS: dict[str, str] = {
    "size_gb": "Size (GB)", "ram_mb": "RAM (MB)", "disk_gb": "Disk (GB)", "min_disk_gb": "Min. disk (GB)",
    "vcpus": "vCPUs", "os": "OS", "cidr": "CIDR", "attached_to": "Attached to", "security_groups": "Security groups",
    "keypair": "Key pair",
}  # fmt: skip

REFERENCE_ATTRS = ATTR_REFERENCES  # attribute -> the kind of record its cloud id names


def tone(state: str | None) -> str:
    return STATE_TONES.get(state or "", "idle")


def label(name: str) -> str:
    """An attribute's column heading."""
    return ATTR_LABELS.get(name, name.replace("_", " ").capitalize())


def sentence(message: str) -> str:
    """A message of the core (lower case, as every front-end gets it) as a sentence on a page."""
    return message[:1].upper() + message[1:] if message else message


def error_text(error: dict[str, Any] | None) -> str | None:
    """A stored error (code and message) as a sentence with its code."""
    if not error:
        return None
    return f"{sentence(str(error.get('message') or 'failed'))} ({error.get('code', 'error')})"


def when(timestamp: float | None) -> str:
    """A time as ISO 8601 in UTC, to the second."""
    if not timestamp:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def iso(timestamp: float | None) -> str:
    """A time for a `<time datetime>` attribute (the page's script shows it relative to now)."""
    return datetime.fromtimestamp(timestamp or 0, UTC).isoformat(timespec="seconds")


def as_text(value: Any) -> str:
    """A value of an attribute as text: lists joined, mappings as JSON, nothing as a dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict | list):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()
    return str(value)


def pretty_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def amount(number: float, unit: str) -> str:
    """A count in its unit, bytes in binary multiples: 4,457,682 bytes is "4.3 MiB"."""
    if unit != "bytes":
        return f"{number:,.0f} {unit}"
    for factor, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if number >= factor:
            return f"{number / factor:,.1f} {name}"
    return f"{number:,.0f} bytes"


def progress_text(progress: dict[str, Any] | None) -> str:
    """An operation's progress in words: "2.1 MiB of 4.3 MiB (49%)"; a dash without one."""
    if not progress:
        return "—"
    done, total, unit = progress.get("done") or 0, progress.get("total"), str(progress.get("unit") or "")
    if not total:
        return amount(done, unit)
    return f"{amount(done, unit)} of {amount(total, unit)} ({done / total:.0%})"
