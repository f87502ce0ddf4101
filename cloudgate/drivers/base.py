"""The driver contract: what every cloud plug-in implements, and how drivers are found.

A driver speaks to one account on one cloud endpoint. It never touches the store: it
returns normalized `CloudResource`s and raises `cloudgate.errors` types.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar

from cloudgate.errors import Unsupported
from cloudgate.fields import FieldSpec
from cloudgate.model import CloudResource, Kind

DRIVER_GROUP = "cloudgate.drivers"


@dataclass(frozen=True)
class Capabilities:
    """What a driver can do, as data that the API, CLI and front-ends read."""

    kinds: frozenset[Kind]
    create: frozenset[Kind] = frozenset()
    destroy: frozenset[Kind] = frozenset()
    edit: Mapping[Kind, frozenset[str]] = field(default_factory=dict)
    actions: Mapping[Kind, frozenset[str]] = field(default_factory=dict)
    public_kinds: frozenset[Kind] = frozenset()  # kinds that include resources published to every account
    # Image bytes the driver moves: "read" (an image's data streams out), "write" (a new image streams in).
    # A scope that boots a server from another cloud's image replicates it from a reader to a writer.
    image_transfer: frozenset[str] = frozenset()
    # Kinds the driver's change hints (`Driver.hints`) cover: the cloud tells of their changes as they happen.
    hints: frozenset[Kind] = frozenset()

    def require(self, kind: Kind, operation: str, detail: str | None = None) -> None:
        """Raise Unsupported unless `operation` (list/create/destroy/edit/action) on `kind` is declared."""
        allowed = {
            "list": kind in self.kinds,
            "create": kind in self.create,
            "destroy": kind in self.destroy,
            "edit": bool(self.edit.get(kind)) and (detail is None or detail in self.edit[kind]),
            "action": detail in self.actions.get(kind, frozenset()),
        }[operation]
        if not allowed:
            what = f"{operation} {detail}" if detail else operation
            raise Unsupported(f"this cloud does not support {what} on {kind.value}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kinds": sorted(k.value for k in self.kinds),
            "create": sorted(k.value for k in self.create),
            "destroy": sorted(k.value for k in self.destroy),
            "edit": {k.value: sorted(v) for k, v in sorted(self.edit.items())},
            "actions": {k.value: sorted(v) for k, v in sorted(self.actions.items())},
            "public_kinds": sorted(k.value for k in self.public_kinds),
            "image_transfer": sorted(self.image_transfer),
            "hints": sorted(k.value for k in self.hints),
        }


@dataclass(frozen=True)
class Hint:
    """The cloud says something changed: one resource (`cloud_id`), or anything of `kind` (None). A hint is
    never the change itself: the poller reads the resource (`Driver.get`) or lists the kind again."""

    kind: Kind
    cloud_id: str | None = None


@dataclass(frozen=True)
class ImageData:
    """An image's bytes as they stream out of its cloud, with what the cloud says of them."""

    size: int | None  # bytes, when the cloud knows
    checksums: Mapping[str, str]  # hashlib algorithm name -> hex digest the cloud holds ({"md5": …, "sha512": …})
    properties: Mapping[str, Any]  # disk_format, container_format, min_disk (GB), min_ram (MB) as known
    chunks: AsyncIterator[bytes]


# Called with the bytes sent so far, as an upload goes.
Progress = Callable[[int], None]


@dataclass(frozen=True)
class AccountConfig:
    """Everything a driver needs to reach one account."""

    cloud: str
    endpoint: str
    region: str | None
    credentials: Mapping[str, str]
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CloudIdentity:
    """Who the credentials are on the cloud: `id` is stable and names the account there. `region` is
    the region the driver works in when it chose one itself (no region was asked for): an account
    registered with and without naming its cloud's default region is then one account."""

    id: str
    name: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    region: str | None = None


class Driver(abc.ABC):
    """One account on one cloud endpoint."""

    cloud_type: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    # The fields a create request of each kind takes (`cloudgate.fields.declare`): the core checks a
    # request against them before it accepts it, and `GET /v1/clouds` shows them.
    create_fields: ClassVar[Mapping[Kind, Mapping[str, FieldSpec]]] = {}

    def __init__(self, config: AccountConfig):
        self.config = config

    @abc.abstractmethod
    async def check_credentials(self) -> CloudIdentity:
        """Prove the credentials against the cloud; raise CloudAuthFailed when it refuses them."""

    @abc.abstractmethod
    async def server_time(self) -> datetime:
        """The cloud's clock (timezone-aware), for the skew check."""

    @abc.abstractmethod
    async def list(self, kind: Kind) -> list[CloudResource]:
        """A complete listing of `kind`: every page, or an exception; never partial data."""

    @abc.abstractmethod
    async def create(self, kind: Kind, spec: Mapping[str, Any]) -> CloudResource:
        """Ask the cloud for a new resource; returns it as first seen (at least its cloud id)."""

    @abc.abstractmethod
    async def destroy(self, kind: Kind, cloud_id: str) -> None: ...

    @abc.abstractmethod
    async def edit(self, kind: Kind, cloud_id: str, changes: Mapping[str, Any]) -> None: ...

    @abc.abstractmethod
    async def action(self, kind: Kind, cloud_id: str, action: str, params: Mapping[str, Any]) -> None: ...

    async def get(self, kind: Kind, cloud_id: str) -> CloudResource | None:
        """One resource of the account as its cloud shows it now; None when the cloud says it is gone
        (an error, never None, when the cloud cannot say)."""
        raise Unsupported(f"{self.cloud_type} resources cannot be read one at a time")

    def hints(self) -> AbstractAsyncContextManager[AsyncIterator[Hint]]:
        """The account's change hints, for the kinds `capabilities.hints` names: entering connects to the
        cloud's feed (or raises: Unsupported when the cloud sends none to this account), the iterator yields
        hints as they come until the feed breaks (it raises or ends; the poller connects again)."""
        raise Unsupported(f"{self.cloud_type} sends no change hints")

    def read_image(self, cloud_id: str) -> AbstractAsyncContextManager[ImageData]:
        """The image's bytes, streamed (a driver whose capabilities name "read" in `image_transfer`)."""
        raise Unsupported(f"{self.cloud_type} images cannot be downloaded through cloudgate")

    async def write_image(self, spec: Mapping[str, Any], data: ImageData, progress: Progress) -> CloudResource:
        """A new image named `spec["name"]` from `data`'s bytes, streamed up (no whole copy in memory), active
        when it returns; `progress` hears the bytes sent. A failed upload leaves no image behind. Drivers
        whose capabilities name "write" in `image_transfer`."""
        raise Unsupported(f"{self.cloud_type} images cannot be uploaded through cloudgate")

    async def close(self) -> None:  # noqa: B027 - optional: a driver with nothing to release keeps this
        """Release connections; the default driver holds none."""

    # Settings of a whole cloud endpoint that an admin reads and changes through the gateway (the sim's
    # faults, to rehearse failures); none for a real cloud.
    endpoint_settings: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def configure_endpoint(cls, endpoint: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change settings of an endpoint (nothing, to read them); returns them all."""
        raise Unsupported(f"{cls.cloud_type} endpoints have no settings to change")


def driver_types() -> dict[str, type[Driver]]:
    """Every installed driver, by cloud type, from the `cloudgate.drivers` entry points
    (families such as `libcloud:<provider>` are made on demand by `load_driver`, so not listed)."""
    found: dict[str, type[Driver]] = {}
    for ep in entry_points(group=DRIVER_GROUP):
        loaded = ep.load()
        if isinstance(loaded, type):
            found[ep.name] = loaded
    return found


def load_driver(cloud_type: str) -> type[Driver]:
    """The driver class of a cloud type; `family:variant` asks the `family` entry point's factory for `variant`."""
    family, colon, variant = cloud_type.partition(":")
    for ep in entry_points(group=DRIVER_GROUP):
        if ep.name != family:
            continue
        loaded = ep.load()
        if colon and not isinstance(loaded, type):
            return loaded(variant)  # a family's factory, e.g. libcloud:<provider>
        if not colon and isinstance(loaded, type):
            return loaded
    raise Unsupported(f"unknown cloud type {cloud_type!r}")
