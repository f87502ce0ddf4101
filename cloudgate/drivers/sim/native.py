"""The sim cloud's own wire vocabulary: its error type and resource statuses.

These deliberately differ from cloudgate's normalized names, as a real cloud's do, so
that the driver has to translate them.
"""

from __future__ import annotations


class SimApiError(Exception):
    """An API error as the sim cloud reports it.

    Codes: AuthFailure, NotFound, InvalidParameter, InvalidState, Duplicate, CidrConflict,
    QuotaExceeded, RequestLimitExceeded, ServiceUnavailable, InternalError.
    """

    def __init__(self, code: str, message: str, retry_after: float | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after


# Native statuses of each collection that has a lifecycle.
STATUSES: dict[str, frozenset[str]] = {
    "servers": frozenset(
        {"BUILD", "ACTIVE", "POWERING_OFF", "SHUTOFF", "POWERING_ON", "REBOOT", "DELETING", "DELETED", "ERROR"}
    ),
    "volumes": frozenset({"CREATING", "READY", "ATTACHING", "ATTACHED", "DETACHING", "DELETING", "ERROR"}),
    "snapshots": frozenset({"CREATING", "READY", "DELETING", "ERROR"}),
    # QUEUED: created to be uploaded, no data yet; UPLOADING: its data arriving.
    "images": frozenset({"QUEUED", "UPLOADING", "SAVING", "ACTIVE", "PENDING_DELETE", "KILLED"}),
    "subnets": frozenset({"BUILD", "ACTIVE", "ERROR"}),
}
