"""What one gateway process does (a module of its own: the CLI names the roles without importing settings)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """`all` of it (the embedded default), or one side of a scale-out."""

    ALL = "all"  # front-ends, operations, polling, the event relay
    API = "api"  # front-ends and the operations they start; no polling, no relay
    WORKER = "worker"  # polling, the event relay, event pruning; no front-end
