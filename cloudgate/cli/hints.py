"""What to do next when the gateway refuses a change: a hint per (error code, kind, action), added to the
failure's message, and the cloud's ids in a message replaced by the gateway's."""

from __future__ import annotations

from cloudgate.cli.failures import CliFailure

ANY = "*"

# (error code, kind, action) -> the next step; ANY matches every kind or action. Placeholders: {id} (the
# resource's gateway id), {group} (its command group).
HINTS: dict[tuple[str, str, str], str] = {
    ("conflict", "volume", "destroy"): "detach it first: cloudgate volume detach {id}",
    ("conflict", "volume", "attach"): "it is attached already; detach it first: cloudgate volume detach {id}",
    ("conflict", "volume", "detach"): "it is not attached: cloudgate volume show {id}",
    ("conflict", "instance", "start"): "it is not stopped: cloudgate instance show {id}",
    ("conflict", "instance", "stop"): "it is not running: cloudgate instance show {id}",
    ("conflict", "instance", "reboot"): "it is not running: cloudgate instance start {id}",
    ("conflict", ANY, "destroy"): "see what holds it: cloudgate {group} show {id}",
    ("quota_exceeded", ANY, "create"): "delete what the account no longer needs, or ask the cloud for more quota",
    ("forbidden", "account", "resync"): "only an admin client can resync: cloudgate login --client-id admin",
    ("cloud_auth_failed", "account", ANY): "the cloud refused the credentials: cloudgate account rotate {id}",
}


def hint(code: str, kind: str, action: str) -> str | None:
    """The most specific hint for the failure: exact kind and action first, ANY last."""
    for key in ((code, kind, action), (code, kind, ANY), (code, ANY, action), (code, ANY, ANY)):
        if key in HINTS:
            return HINTS[key]
    return None


def with_hint(failure: CliFailure, kind: str, action: str, resource_id: str) -> CliFailure:
    """The failure, its message ending in what to do next when there is a hint for it."""
    found = hint(failure.code, kind, action)
    if found is not None:
        failure.message = f"{failure.message}: {found.format(id=resource_id, group=kind.replace('_', '-'))}"
    return failure
