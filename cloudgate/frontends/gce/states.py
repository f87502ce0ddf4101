"""GCE's statuses for the gateway's normalized states, per kind (the GCE driver reads them back with its own
table): an instance PROVISIONING, RUNNING, STOPPING, TERMINATED (stopped); a disk CREATING, READY, …"""

from __future__ import annotations

from cloudgate.model import STATES, Kind, ResourceRecord

STATUSES: dict[Kind, dict[str, str]] = {
    Kind.INSTANCE: {"pending": "PROVISIONING", "running": "RUNNING", "stopping": "STOPPING", "stopped": "TERMINATED",
                    "rebooting": "RUNNING", "terminated": "TERMINATED", "error": "TERMINATED"},
    Kind.VOLUME: {"creating": "CREATING", "available": "READY", "attaching": "READY", "in_use": "READY",
                  "detaching": "READY", "deleting": "DELETING", "deleted": "DELETING", "error": "FAILED"},
    Kind.SNAPSHOT: {"pending": "CREATING", "available": "READY", "deleting": "DELETING", "deleted": "DELETING",
                    "error": "FAILED"},
    Kind.IMAGE: {"pending": "PENDING", "available": "READY", "deleting": "DELETING", "deleted": "DELETING",
                 "error": "FAILED"},
    Kind.SUBNET: {"pending": "READY", "available": "READY", "deleting": "DRAINING", "deleted": "DRAINING",
                  "error": "READY"},
    Kind.DATACENTER: {"available": "UP", "unavailable": "DOWN"},
}  # fmt: skip

# States of what the cloud deleted: GCE has no such resource any more (a get answers 404, a listing leaves it out).
GONE_STATES = frozenset({"terminated", "deleted"})
EXISTING_STATES: dict[Kind, tuple[str, ...]] = {
    kind: tuple(sorted(states - GONE_STATES)) for kind, states in STATES.items()
}


def status_of(record: ResourceRecord) -> str | None:
    """The GCE status of a record; None for kinds GCE shows without one."""
    table = STATUSES.get(record.kind)
    return table.get(record.state, "FAILED") if table is not None else None
