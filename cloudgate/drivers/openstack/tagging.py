"""Writing tags: nova and cinder keep them as metadata, glance and neutron as a list of strings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def replace_metadata(proxy: Any, noun: str, resource_id: str, wanted: Mapping[str, str]) -> None:
    """Make the metadata of a nova or cinder resource exactly `wanted` (`noun`: server, volume, snapshot)."""
    current = getattr(proxy, f"get_{noun}_metadata")(resource_id).metadata or {}
    if wanted:
        getattr(proxy, f"set_{noun}_metadata")(resource_id, **wanted)
    stale = current.keys() - wanted.keys()
    if stale:
        getattr(proxy, f"delete_{noun}_metadata")(resource_id, sorted(stale))


def replace_labels(
    current: list[str], wanted: list[str], add: Callable[[str], Any], remove: Callable[[str], Any]
) -> None:
    """Make a list of string tags exactly `wanted`, one tag call at a time (glance has no bulk call)."""
    for label in sorted(set(current) - set(wanted)):
        remove(label)
    for label in sorted(set(wanted) - set(current)):
        add(label)
