"""Images: the account's own (`global/images` of its project) and its cloud's public ones, shown in Google's
public image projects by name (`debian-cloud` shows the images named debian…, `cloudgate-public` all of
them); list, get, get by family, insert from a machine's disk, delete. Under a scope naming the image cloud,
a project's images are that cloud's. A machine booted from an image of another project of the client's
(`projects/CloudTwo/global/images/x`) is made under the scope `{"image": <that project's account>}`: the
image is replicated to the machine's cloud."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cloudgate.frontends.gce import discovery
from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.errors import GceError, not_found
from cloudgate.frontends.gce.listing import listed
from cloudgate.frontends.gce.projects import named, reachable
from cloudgate.frontends.gce.references import reference, relative
from cloudgate.frontends.gce.render import PUBLIC_IMAGE_PROJECTS, image, public_project
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery, SortKey


def _query(gce: GceRequest, project: str) -> ResourceQuery:
    """The images a project shows: a public image project its share of the public ones, else the account's own."""
    public = project in PUBLIC_IMAGE_PROJECTS
    return ResourceQuery(kind=Kind.IMAGE, matches=(Match("public", (public,)),), sort=(SortKey("name"),))


def _shows(project: str, record: ResourceRecord) -> bool:
    return not record.public or project in (public_project(record), "cloudgate-public")


async def list_images(gce: GceRequest) -> dict[str, Any]:
    project = gce.project
    records, token = await gce.page(_query(gce, project))
    links = await gce.links(records)
    shown = [image(r, links) for r in records if _shows(project, r)]
    return listed(gce, "imageList", "global/images", shown, token)


async def _in(gce: GceRequest, project: str, name: str, family: bool = False) -> ResourceRecord:
    """An image of a project by name, or the newest of a family (the images whose names start with it)."""
    found = [r for r in await gce.listing(_query(gce, project)) if _shows(project, r)]
    if family:
        found = sorted(
            (r for r in found if r.name == name or r.name.startswith(f"{name}-")), key=lambda r: r.created_at
        )
        found = found[-1:]
    else:
        found = [r for r in found if r.name == name]
    if not found:
        raise not_found(f"projects/{project}/global/images/{'family/' if family else ''}{name}")
    return found[0]


async def source_image(gce: GceRequest, link: str) -> tuple[ResourceRecord, GceRequest]:
    """The image a link names (`projects/debian-cloud/global/images/family/debian-12`, `global/images/x`,
    `projects/cloudtwo/global/images/x`, …), and the request to make what boots from it with: for an image of
    another of the client's projects, this one in the scope `{"image": <its account>}`."""
    project, parts = relative(link)
    family = len(parts) >= 2 and parts[-2] == "family"
    name = parts[-1] if parts else link
    if project is not None and project != gce.project and project not in PUBLIC_IMAGE_PROJECTS:
        other = named(await reachable(gce.core, gce.caller.principal, gce.caller.request_id), project)
        if other is None:
            raise not_found(f"projects/{project}/global/images/{'family/' if family else ''}{name}")
        scoped = await gce.call(gce.core.scopes.bind, gce.caller, {"image": other.row.id})
        gce = replace(gce, caller=scoped)  # its images are those of the scope's image cloud: that account's
    return await _in(gce, project or gce.project, name, family), gce


async def get(gce: GceRequest, name: str) -> dict[str, Any]:
    record = await _in(gce, gce.project, name)
    return image(record, await gce.links([record]))


async def get_from_family(gce: GceRequest, family: str) -> dict[str, Any]:
    record = await _in(gce, gce.project, family, family=True)
    return image(record, await gce.links([record]))


async def insert(gce: GceRequest) -> dict[str, Any]:
    """An image of a disk, made by capturing the machine the disk is attached to (what every cloud behind the
    gateway makes images from)."""
    body = await gce.body()
    discovery.check("Image", body)
    if not body.get("name"):
        raise GceError(400, "required", "Required field 'resource.name' not specified")
    if not body.get("sourceDisk"):
        raise GceError(400, "unsupported", "Images are made from a disk here: give sourceDisk")
    disk = await reference(gce, Kind.VOLUME, str(body["sourceDisk"]))
    machine = disk.attrs.get("attached_to")
    if not machine:
        raise GceError(400, "unsupported", "The cloud behind makes images of machines: attach the disk to one first")
    owner = await gce.listing(ResourceQuery(kind=Kind.INSTANCE, matches=(Match("cloud_id", (str(machine),)),)))
    if not owner:
        raise not_found(f"the machine disk {disk.name} is attached to")
    spec = {"name": body["name"], "instance": owner[0].id, **({"tags": body["labels"]} if body.get("labels") else {})}
    record, op = await gce.create(Kind.IMAGE, spec)
    return await gce.operation(op, record)


async def delete(gce: GceRequest, name: str) -> dict[str, Any]:
    record = await _in(gce, gce.project, name)
    op = await gce.call(gce.core.operations.destroy, gce.caller, record.id, Kind.IMAGE)
    return await gce.operation(op, record)
