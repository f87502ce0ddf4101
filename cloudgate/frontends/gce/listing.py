"""The envelopes of GCE's listings: `<kind>List` with `items` (left out when empty) and `nextPageToken`, and
the aggregated lists keyed by zone or region."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.render import SCOPES
from cloudgate.model import ResourceRecord


def listed(gce: GceRequest, kind: str, path: str, items: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    return {"kind": f"compute#{kind}", "id": f"projects/{gce.project}/{path}", "items": items or None,
            "nextPageToken": token, "selfLink": gce.link(path)}  # fmt: skip


async def aggregated(
    gce: GceRequest, kind: str, key: str, records: list[ResourceRecord], shown: list[dict[str, Any]], token: str | None
) -> dict[str, Any]:
    """Items grouped by the zone (or region) each record is in: {"zones/z": {key: [...]}}."""
    links = await gce.links(records)
    groups: dict[str, list[dict[str, Any]]] = {}
    for record, item in zip(records, shown, strict=True):
        scope = SCOPES.get(record.kind, "zones")
        place = links.place(record) if scope == "zones" else links.region_of(links.place(record))
        groups.setdefault(f"{scope}/{place.name if place else 'global'}", []).append(item)
    return {"kind": f"compute#{kind}", "id": f"projects/{gce.project}/aggregated/{key}",
            "items": {scope: {key: items} for scope, items in sorted(groups.items())} or None,
            "nextPageToken": token, "selfLink": gce.link(f"aggregated/{key}")}  # fmt: skip
