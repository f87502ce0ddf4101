"""Resources a request body or query names by link: a full URL, `projects/<p>/zones/<z>/disks/<d>`, a path in
the request's project (`zones/<z>/disks/<d>`, `global/snapshots/<s>`) or a bare name."""

from __future__ import annotations

from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.errors import GceError
from cloudgate.model import Kind, ResourceRecord

# Kind -> the collection its links name.
COLLECTIONS: dict[Kind, str] = {
    Kind.FLAVOR: "machineTypes", Kind.VOLUME: "disks", Kind.SNAPSHOT: "snapshots", Kind.SUBNET: "subnetworks",
    Kind.INSTANCE: "instances", Kind.IMAGE: "images", Kind.SECURITY_GROUP: "firewalls",
}  # fmt: skip
# Kinds whose names are unique within a zone (the zone a link names narrows the search).
ZONAL = frozenset({Kind.VOLUME, Kind.INSTANCE})


def last(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def relative(link: str) -> tuple[str | None, list[str]]:
    """(the project a link names, or None for a path in the request's project; the path's segments)."""
    if "projects/" in link:
        project, _, path = link[link.index("projects/") + len("projects/") :].partition("/")
        return project, [part for part in path.split("/") if part]
    return None, [part for part in link.split("/") if part]


async def reference(gce: GceRequest, kind: Kind, link: str) -> ResourceRecord:
    project, parts = relative(link)
    if project not in (None, gce.project) or not parts:
        raise GceError(400, "invalid", f"Invalid value for field '{COLLECTIONS[kind]}': '{link[:200]}'. "
                                       "The resource is not in this project.")  # fmt: skip
    if len(parts) >= 2 and parts[-2] != COLLECTIONS[kind]:
        raise GceError(400, "invalid", f"Invalid value '{link[:200]}': it does not name {COLLECTIONS[kind]}.")
    zone = await gce.zone(parts[1]) if kind in ZONAL and len(parts) >= 4 and parts[0] == "zones" else None
    return await gce.named(kind, parts[-1], "/".join(parts), within=zone)
