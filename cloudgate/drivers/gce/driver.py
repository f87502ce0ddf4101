"""GceDriver: one Google Compute Engine project, through Google's API client run in a bounded thread pool."""

from __future__ import annotations

import asyncio
import builtins
import functools
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from cloudgate.drivers.base import AccountConfig, Capabilities, CloudIdentity, Driver
from cloudgate.drivers.gce import keys
from cloudgate.drivers.gce.api import DEFAULT_ENDPOINT, ComputeApi, call_of, google_credentials
from cloudgate.drivers.gce.requests import (
    ACTION_PARAMS,
    ACTIONS,
    CREATIONS,
    DESTROYABLE,
    INSTANCE_ACTIONS,
    LISTINGS,
    PUBLIC_IMAGE_PROJECTS,
    Call,
)
from cloudgate.drivers.gce.translate import last, native_errors, normalize, region_of
from cloudgate.errors import InvalidRequest, NotFound
from cloudgate.fields import declare
from cloudgate.model import CloudResource, Kind

T = TypeVar("T")


class GceDriver(Driver):
    """One GCE project.

    `config.credentials` holds `service_account_json` (the key file's text; it names the
    project) or `access_token` (then `project` too). `config.endpoint` is the API root
    (default https://compute.googleapis.com/compute/v1/), `config.region` limits zonal and
    regional resources to one region (all when None). Options: `image_projects` (public image
    projects listed beside the project's own images), `page_size` (500), `threads` (4),
    `request_timeout` (30 s), `operation_timeout` (600 s).

    Every change is followed to its operation's DONE, so an operation's error is this call's.
    """

    cloud_type = "gce"
    capabilities = Capabilities(
        kinds=frozenset({*LISTINGS, Kind.IMAGE, Kind.KEYPAIR}),
        create=frozenset(CREATIONS),
        destroy=DESTROYABLE,
        actions=ACTIONS,
        public_kinds=frozenset({Kind.IMAGE}),
    )
    create_fields = declare(
        {kind: creation.fields for kind, creation in CREATIONS.items()},
        {kind: creation.required for kind, creation in CREATIONS.items()},
        name_max=63,  # RFC 1035 labels
    )

    def __init__(self, config: AccountConfig):
        super().__init__(config)
        options = config.options
        self._pool = ThreadPoolExecutor(max_workers=int(options.get("threads", 4)), thread_name_prefix="gce")
        self._made = threading.Lock()
        self._compute: ComputeApi | None = None
        self._image_projects = tuple(options.get("image_projects", PUBLIC_IMAGE_PROJECTS))

    def _api(self) -> ComputeApi:
        with self._made:
            if self._compute is None:
                credentials, project = google_credentials(self.config.credentials)
                options = self.config.options
                self._compute = ComputeApi(
                    self.config.endpoint or DEFAULT_ENDPOINT, credentials, project, int(options.get("page_size", 500)),
                    float(options.get("request_timeout", 30)), float(options.get("operation_timeout", 600)),
                )  # fmt: skip
            return self._compute

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        """Run blocking client code on the driver's pool, its errors turned into cloudgate's."""
        with native_errors():
            return await asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(work, *args))

    # -- identity and time ----------------------------------------------------------------

    async def check_credentials(self) -> CloudIdentity:
        project = await self._run(self._project)
        return CloudIdentity(id=project["name"], name=project["name"], attrs={"number": project.get("id")})

    def _project(self) -> dict[str, Any]:
        api = self._api()
        return api.execute(api.collection("projects").get(project=api.project))

    async def server_time(self) -> datetime:
        return await self._run(lambda: self._api().server_time())

    # -- listing --------------------------------------------------------------------------

    async def list(self, kind: Kind) -> list[CloudResource]:
        self.capabilities.require(kind, "list")
        raws = await self._run(self._listing, kind)
        project = self._api().project
        region = self.config.region
        found: dict[str, CloudResource] = {}
        for raw in raws:
            if region is None or region_of(raw) in (region, None):
                resource = normalize(kind, raw, project)
                found.setdefault(resource.cloud_id, resource)  # a listing names each resource once
        return list(found.values())

    def _listing(self, kind: Kind) -> builtins.list[dict[str, Any]]:
        special = {Kind.KEYPAIR: self._key_pairs, Kind.IMAGE: self._images}
        if kind in special:
            return special[kind]()
        api = self._api()
        return [raw for collection, method in LISTINGS[kind] for raw in api.items(collection, method)]

    def _key_pairs(self) -> builtins.list[dict[str, Any]]:
        return keys.key_pairs(self._project().get("commonInstanceMetadata") or {})

    def _images(self) -> builtins.list[dict[str, Any]]:
        """The project's own images, then each public image project's."""
        api = self._api()
        return [
            image
            for project in (api.project, *self._image_projects)
            for image in api.items("images", "list", project=project)
        ]

    # -- create and destroy ---------------------------------------------------------------

    async def create(self, kind: Kind, spec: Mapping[str, Any]) -> CloudResource:
        self.capabilities.require(kind, "create")
        creation = CREATIONS[kind]
        unknown = set(spec) - creation.fields
        if unknown:
            raise InvalidRequest(f"unknown fields: {', '.join(sorted(unknown))}")
        missing = sorted(field for field in {"name", *creation.required} if spec.get(field) is None)
        if missing:
            raise InvalidRequest(f"a {kind.value} needs {', '.join(missing)}")
        if creation.call is None:
            return await self._create_key_pair(spec)
        call = creation.call(spec)
        raw = await self._run(self._make, call)
        return normalize(kind, raw, self._api().project)

    def _make(self, call: Call) -> dict[str, Any]:
        api = self._api()
        api.call(call.collection, call.method, body=call.body, **call.params)
        return api.get(call.created)

    async def _create_key_pair(self, spec: Mapping[str, Any]) -> CloudResource:
        private_key = None
        if spec.get("public_key") is None:
            public_key, private_key = keys.new_key_pair()
        else:
            public_key = keys.canonical_public_key(spec["public_key"])
        await self._run(self._set_metadata, lambda metadata: keys.with_key(metadata, spec["name"], public_key))
        raw = {"id": f"{spec['name']}:{keys.fingerprint(public_key)}", "name": spec["name"], "key": public_key,
               "fingerprint": keys.fingerprint(public_key), "metadata_key": keys.METADATA_KEYS[0]}  # fmt: skip
        resource = normalize(Kind.KEYPAIR, raw, self._api().project)
        if private_key is not None:
            resource.attrs["private_key"] = private_key
        return resource

    def _set_metadata(self, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
        """Read the project metadata, change it, write it back under its fingerprint (so a race is a Conflict)."""
        changed = change(self._project().get("commonInstanceMetadata") or {})
        if changed is None:
            raise NotFound("no such key pair in the project metadata")
        self._api().call("projects", "setCommonInstanceMetadata", body=changed)

    async def destroy(self, kind: Kind, cloud_id: str) -> None:
        self.capabilities.require(kind, "destroy")
        if kind == Kind.KEYPAIR:  # key pairs are lines of the project metadata, not resources
            await self._run(self._set_metadata, lambda metadata: keys.without_key(metadata, cloud_id))
        else:
            await self._run(self._delete, cloud_id)

    def _delete(self, cloud_id: str) -> None:
        api = self._api()
        collection, params = call_of(cloud_id, api.project)
        api.call(collection, "delete", **params)

    # -- edit and act ---------------------------------------------------------------------

    async def edit(self, kind: Kind, cloud_id: str, changes: Mapping[str, Any]) -> None:
        """Nothing is declared editable: `require` refuses every edit."""
        self.capabilities.require(kind, "edit")

    async def action(self, kind: Kind, cloud_id: str, action: str, params: Mapping[str, Any]) -> None:
        self.capabilities.require(kind, "action", action)
        allowed, required = ACTION_PARAMS.get(action, (frozenset(), frozenset()))
        unknown = set(params) - allowed
        if unknown:
            raise InvalidRequest(f"unknown parameters: {', '.join(sorted(unknown))}")
        missing = sorted(field for field in required if not params.get(field))
        if missing:
            raise InvalidRequest(f"{action} needs {', '.join(missing)}")
        handler = {"attach": self._attach, "detach": self._detach}.get(action, self._power)
        await self._run(handler, cloud_id, action, dict(params))

    def _power(self, instance_id: str, action: str, params: dict[str, Any]) -> None:
        api = self._api()
        _, where = call_of(instance_id, api.project)
        api.call("instances", INSTANCE_ACTIONS[action], **where)

    def _attach(self, disk_id: str, action: str, params: dict[str, Any]) -> None:
        api = self._api()
        _, where = call_of(params["instance"], api.project)
        body = {"source": disk_id, **({"deviceName": params["device"]} if params.get("device") else {})}
        api.call("instances", "attachDisk", body=body, **where)

    def _detach(self, disk_id: str, action: str, params: dict[str, Any]) -> None:
        """A disk is detached through the machine using it, by the device name it has there."""
        api = self._api()
        disk = api.get(disk_id)
        users = disk.get("users") or []
        if not users:
            raise InvalidRequest(f"disk {disk_id} is not attached")
        machine = api.get(users[0])
        device = next(d["deviceName"] for d in machine.get("disks") or [] if last(d.get("source")) == disk["name"])
        _, where = call_of(users[0], api.project)
        api.call("instances", "detachDisk", deviceName=device, **where)

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
