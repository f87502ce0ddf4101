"""The driver conformance suite: one set of tests that every cloud driver must pass.

A driver's test module plugs its cloud in by subclassing `DriverConformance` and giving
it a `backend` fixture that returns a `ConformanceBackend` (the sim in memory, EC2 on
moto, OpenStack on real services, recorded responses…). The suite only speaks the
driver contract and cloudgate's generic vocabulary, and checks what the driver's
declared capabilities claim.
"""

from __future__ import annotations

import abc
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import pytest

from cloudgate.drivers.base import Driver
from cloudgate.errors import CloudAuthFailed, CloudgateError, InvalidRequest, NotFound, Unsupported
from cloudgate.fields import required_fields
from cloudgate.model import ALL_KINDS, SETTLED_STATES, STATES, CloudResource, Kind

SpecMaker = Callable[[Driver], Awaitable[dict[str, Any]]]

# The generic attrs every driver fills for each kind (values may be None where the cloud has none).
GENERIC_ATTRS: dict[Kind, frozenset[str]] = {
    Kind.DATACENTER: frozenset({"type", "region", "parent"}),
    Kind.FLAVOR: frozenset({"vcpus", "ram_mb", "disk_gb"}),
    Kind.IMAGE: frozenset({"os", "min_disk_gb", "visibility"}),
    Kind.INSTANCE: frozenset({"flavor", "image", "datacenter", "addresses", "keypair", "security_groups", "subnet"}),
    Kind.VOLUME: frozenset({"size_gb", "datacenter", "attached_to", "device"}),
    Kind.SNAPSHOT: frozenset({"volume", "size_gb"}),
    Kind.SUBNET: frozenset({"cidr", "datacenter"}),
    Kind.KEYPAIR: frozenset({"fingerprint", "public_key"}),
    Kind.SECURITY_GROUP: frozenset({"description", "rules"}),
}

GONE_STATES = frozenset({"deleted", "terminated"})

# Editable field -> (new value given the resource, where the value shows after the edit).
EDITS: dict[str, tuple[Callable[[CloudResource], Any], Callable[[CloudResource], Any]]] = {
    "name": (lambda r: f"{r.name}-edited", lambda r: r.name),
    "tags": (lambda r: {"conformance": "edited"}, lambda r: r.tags),
    "size_gb": (lambda r: r.attrs["size_gb"] + 1, lambda r: r.attrs["size_gb"]),
    "description": (lambda r: "edited by the conformance suite", lambda r: r.attrs["description"]),
    "rules": (
        lambda r: [{"direction": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr": "0.0.0.0/0"}],
        lambda r: r.attrs["rules"],
    ),
}

# (kind, action, actions run first, state the resource settles in)
ACTION_PLANS: tuple[tuple[Kind, str, tuple[str, ...], str], ...] = (
    (Kind.INSTANCE, "stop", (), "stopped"),
    (Kind.INSTANCE, "start", ("stop",), "running"),
    (Kind.INSTANCE, "reboot", (), "running"),
    (Kind.VOLUME, "attach", (), "in_use"),
    (Kind.VOLUME, "detach", ("attach",), "available"),
)

_names = itertools.count(1)


def unique_name(kind: Kind) -> str:
    return f"conformance-{kind.value.replace('_', '-')}-{next(_names)}"


class ConformanceBackend(abc.ABC):
    """What a cloud's test module provides so that the suite can run against its driver."""

    # Async callables building a valid create spec per kind (they may create what the
    # spec refers to through the driver); kinds absent here are not created by the suite.
    create_specs: Mapping[Kind, SpecMaker]
    # A well-formed id that names nothing, per kind, for the NotFound checks.
    missing_ids: Mapping[Kind, str]
    # Rounds of settle-then-list a change may take to show.
    settle_rounds: int = 10

    @abc.abstractmethod
    def make_driver(self) -> Driver:
        """A driver for a valid account."""

    @abc.abstractmethod
    def make_driver_bad_credentials(self) -> Driver:
        """A driver for the same cloud whose credentials the cloud refuses."""

    @abc.abstractmethod
    async def settle(self) -> None:
        """Let pending transitions happen (advance a simulated clock, or wait on a real cloud)."""

    async def inject_listing_failure(self, driver: Driver) -> Kind | None:
        """Make the next listing of some kind fail after at least one good page; return that kind.

        None (the default) means the backend cannot, and the test is skipped.
        """
        return None


async def wait_for(
    backend: ConformanceBackend,
    driver: Driver,
    kind: Kind,
    cloud_id: str,
    check: Callable[[CloudResource | None], bool],
    what: str,
) -> CloudResource | None:
    """Settle and list until the resource (None when not listed) passes `check`."""
    seen = None
    for _ in range(backend.settle_rounds):
        await backend.settle()
        seen = next((r for r in await driver.list(kind) if r.cloud_id == cloud_id), None)
        if check(seen):
            return seen
    pytest.fail(f"{kind.value} {cloud_id} never {what}; last seen: {seen}")


def is_live(kind: Kind) -> Callable[[CloudResource | None], bool]:
    """Listed and settled in a usable state."""
    live = SETTLED_STATES[kind] - GONE_STATES - {"error"}
    return lambda r: r is not None and r.state in live


def is_gone(r: CloudResource | None) -> bool:
    return r is None or r.state in GONE_STATES


async def create_live(backend: ConformanceBackend, driver: Driver, kind: Kind, **overrides: Any) -> CloudResource:
    spec = {**await backend.create_specs[kind](driver), **overrides}
    created = await driver.create(kind, spec)
    assert created.kind == kind and created.cloud_id
    return await wait_for(backend, driver, kind, created.cloud_id, is_live(kind), "settled")


# -- building blocks for create specs, in generic terms -------------------------------------


async def pick_zone(driver: Driver) -> str:
    return next(dc.cloud_id for dc in await driver.list(Kind.DATACENTER) if dc.attrs["type"] == "zone")


async def pick_image_and_flavor(driver: Driver) -> tuple[str, str]:
    """A public image and the smallest flavor whose disk fits it."""
    images = [image for image in await driver.list(Kind.IMAGE) if image.public and image.state == "available"]
    flavors = sorted(await driver.list(Kind.FLAVOR), key=lambda f: (f.attrs["disk_gb"], f.attrs["vcpus"]))
    for image in images:
        for flavor in flavors:
            if flavor.attrs["disk_gb"] >= image.attrs["min_disk_gb"]:
                return image.cloud_id, flavor.cloud_id
    pytest.fail("the cloud offers no public image that fits a flavor")


def standard_create_specs(backend: ConformanceBackend) -> dict[Kind, SpecMaker]:
    """Create specs built from generic fields alone; a backend overrides the kinds its cloud needs more for."""

    async def instance(driver: Driver) -> dict[str, Any]:
        image, flavor = await pick_image_and_flavor(driver)
        zone = await pick_zone(driver)
        return {"name": unique_name(Kind.INSTANCE), "flavor": flavor, "image": image, "datacenter": zone}

    async def volume(driver: Driver) -> dict[str, Any]:
        return {"name": unique_name(Kind.VOLUME), "size_gb": 1, "datacenter": await pick_zone(driver)}

    async def snapshot(driver: Driver) -> dict[str, Any]:
        source = await create_live(backend, driver, Kind.VOLUME)
        return {"name": unique_name(Kind.SNAPSHOT), "volume": source.cloud_id}

    async def image(driver: Driver) -> dict[str, Any]:
        source = await create_live(backend, driver, Kind.INSTANCE)
        return {"name": unique_name(Kind.IMAGE), "instance": source.cloud_id}

    async def named(driver: Driver, kind: Kind) -> dict[str, Any]:
        return {"name": unique_name(kind)}

    return {
        Kind.INSTANCE: instance,
        Kind.VOLUME: volume,
        Kind.SNAPSHOT: snapshot,
        Kind.IMAGE: image,
        Kind.SUBNET: lambda driver: named(driver, Kind.SUBNET),
        Kind.KEYPAIR: lambda driver: named(driver, Kind.KEYPAIR),
        Kind.SECURITY_GROUP: lambda driver: named(driver, Kind.SECURITY_GROUP),
    }


def _matches(observed: Any, wanted: Any) -> bool:
    # Tags may carry more than the suite set (some clouds add their own).
    if isinstance(wanted, dict) and isinstance(observed, dict):
        return wanted.items() <= observed.items()
    return observed == wanted


class DriverConformance:
    """The suite. Subclass it as `Test<Cloud>Conformance` and define a `backend` fixture."""

    @pytest.fixture
    def backend(self) -> ConformanceBackend:
        raise NotImplementedError("a driver's test module provides the backend fixture")

    @pytest.fixture
    async def driver(self, backend: ConformanceBackend) -> AsyncIterator[Driver]:
        driver = backend.make_driver()
        yield driver
        await driver.close()

    def _require(self, driver: Driver, kind: Kind, operation: str, detail: str | None = None) -> None:
        try:
            driver.capabilities.require(kind, operation, detail)
        except Unsupported:
            pytest.skip(f"the driver does not declare {' '.join(filter(None, (operation, detail)))} on {kind.value}")

    # -- declarations -------------------------------------------------------------------

    def test_capabilities_are_coherent(self, driver: Driver) -> None:
        caps = driver.capabilities
        assert driver.cloud_type
        for declared in (caps.create, caps.destroy, caps.edit.keys(), caps.actions.keys(), caps.public_kinds):
            assert set(declared) <= caps.kinds
        assert set(driver.create_fields) <= caps.create
        assert all(fields for fields in caps.edit.values())
        assert all(actions for actions in caps.actions.values())
        # image transfer is declared exactly when the driver implements it (the base raises Unsupported)
        assert caps.image_transfer <= {"read", "write"}
        assert ("read" in caps.image_transfer) == (type(driver).read_image is not Driver.read_image)
        assert ("write" in caps.image_transfer) == (type(driver).write_image is not Driver.write_image)
        # change hints likewise, over kinds it lists, with `get` to read a hinted resource
        assert caps.hints <= caps.kinds
        assert bool(caps.hints) == (type(driver).hints is not Driver.hints)
        assert not caps.hints or type(driver).get is not Driver.get

    def test_every_declared_edit_and_action_is_exercised(self, driver: Driver) -> None:
        for kind, fields in driver.capabilities.edit.items():
            unplanned = sorted(fields - EDITS.keys())
            assert not unplanned, f"the suite has no edit plan for {kind.value} {unplanned}"
        planned = {(kind, action) for kind, action, _, _ in ACTION_PLANS}
        for kind, actions in driver.capabilities.actions.items():
            assert {(kind, action) for action in actions} <= planned, f"no plan for some {kind.value} actions"

    # -- identity and time --------------------------------------------------------------

    async def test_check_credentials_names_the_account(self, driver: Driver) -> None:
        identity = await driver.check_credentials()
        assert isinstance(identity.id, str) and identity.id
        assert identity.id == (await driver.check_credentials()).id

    async def test_bad_credentials_are_refused(self, backend: ConformanceBackend) -> None:
        driver = backend.make_driver_bad_credentials()
        with pytest.raises(CloudAuthFailed):
            await driver.check_credentials()
        kinds = driver.capabilities.kinds
        with pytest.raises(CloudAuthFailed):
            await driver.list(Kind.INSTANCE if Kind.INSTANCE in kinds else min(kinds))
        await driver.close()

    async def test_server_time_is_timezone_aware(self, driver: Driver) -> None:
        assert (await driver.server_time()).utcoffset() is not None

    # -- listing ------------------------------------------------------------------------

    @pytest.mark.parametrize("kind", ALL_KINDS)
    async def test_listing_is_well_formed(self, backend: ConformanceBackend, driver: Driver, kind: Kind) -> None:
        self._require(driver, kind, "list")
        created = None
        if kind in driver.capabilities.create and kind in backend.create_specs:
            created = await create_live(backend, driver, kind)
        listed = await driver.list(kind)
        ids = [r.cloud_id for r in listed]
        assert len(ids) == len(set(ids)), "cloud ids repeat within one listing"
        for resource in listed:
            assert isinstance(resource, CloudResource) and resource.kind == kind
            assert isinstance(resource.cloud_id, str) and resource.cloud_id
            assert isinstance(resource.name, str)
            assert resource.state in STATES[kind], f"{resource.state!r} is not a {kind.value} state"
            assert GENERIC_ATTRS[kind] <= resource.attrs.keys(), f"{kind.value} attrs lack some generic ones"
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in resource.tags.items())
            assert not resource.public or kind in driver.capabilities.public_kinds
            assert "private_key" not in resource.attrs
        if created is not None:
            assert created.cloud_id in ids
        if kind in driver.capabilities.hints:  # a hinted resource is read alone: as the listing shows it
            for resource in [r for r in listed if created is None or r.cloud_id == created.cloud_id][:1]:
                alone = await driver.get(kind, resource.cloud_id)
                assert alone is not None
                seen = (alone.cloud_id, alone.name, alone.state, alone.attrs, alone.tags, alone.public)
                assert seen == (resource.cloud_id, resource.name, resource.state, resource.attrs, resource.tags,
                                resource.public)  # fmt: skip
            assert await driver.get(kind, backend.missing_ids[kind]) is None

    async def test_a_listing_that_fails_part_way_raises(self, backend: ConformanceBackend, driver: Driver) -> None:
        kind = await backend.inject_listing_failure(driver)
        if kind is None:
            pytest.skip("the backend cannot make a listing fail part-way")
        with pytest.raises(CloudgateError):
            await driver.list(kind)
        assert await driver.list(kind), "the listing after the failure should succeed"

    # -- create, edit, act, destroy ---------------------------------------------------------

    @pytest.mark.parametrize("kind", ALL_KINDS)
    async def test_create_then_destroy(self, backend: ConformanceBackend, driver: Driver, kind: Kind) -> None:
        self._require(driver, kind, "create")
        spec = await backend.create_specs[kind](driver)
        created = await driver.create(kind, spec)
        assert created.kind == kind and created.cloud_id
        assert created.state in STATES[kind]
        live = await wait_for(backend, driver, kind, created.cloud_id, is_live(kind), "settled")
        assert live.name == spec["name"]
        if kind in driver.capabilities.destroy:
            await driver.destroy(kind, created.cloud_id)
            await wait_for(backend, driver, kind, created.cloud_id, is_gone, "went away")

    @pytest.mark.parametrize("kind", ALL_KINDS)
    async def test_create_without_a_required_field_is_invalid(
        self, backend: ConformanceBackend, driver: Driver, kind: Kind
    ) -> None:
        self._require(driver, kind, "create")
        spec = await backend.create_specs[kind](driver)
        for field in {"name", *required_fields(driver.create_fields).get(kind, ())}:
            with pytest.raises(InvalidRequest):
                await driver.create(kind, {k: v for k, v in spec.items() if k != field})

    @pytest.mark.parametrize("kind", ALL_KINDS)
    async def test_edit_each_declared_field(self, backend: ConformanceBackend, driver: Driver, kind: Kind) -> None:
        self._require(driver, kind, "edit")
        resource = await create_live(backend, driver, kind)
        for field in sorted(driver.capabilities.edit[kind]):
            make_value, observe = EDITS[field]
            wanted = make_value(resource)
            await driver.edit(kind, resource.cloud_id, {field: wanted})

            def shows_edit(r: CloudResource | None, observe=observe, wanted=wanted) -> bool:
                return r is not None and _matches(observe(r), wanted)

            resource = await wait_for(backend, driver, kind, resource.cloud_id, shows_edit, f"showed its new {field}")

    @pytest.mark.parametrize(("kind", "action", "before", "settles_in"), ACTION_PLANS)
    async def test_action(
        self, backend: ConformanceBackend, driver: Driver, kind: Kind, action: str, before: tuple[str, ...],
        settles_in: str,
    ) -> None:
        self._require(driver, kind, "action", action)
        resource = await create_live(backend, driver, kind)
        params = await self._action_params(backend, driver, resource)
        for step in (*before, action):
            await driver.action(kind, resource.cloud_id, step, params.get(step, {}))
            resource = await wait_for(backend, driver, kind, resource.cloud_id, is_live(kind), f"settled after {step}")
        assert resource.state == settles_in
        if action == "attach":
            assert resource.attrs["attached_to"] == params["attach"]["instance"]
        if action == "detach":
            assert resource.attrs["attached_to"] is None

    async def _action_params(
        self, backend: ConformanceBackend, driver: Driver, resource: CloudResource
    ) -> dict[str, dict[str, Any]]:
        if resource.kind != Kind.VOLUME:
            return {}
        instance = await create_live(backend, driver, Kind.INSTANCE, datacenter=resource.attrs["datacenter"])
        return {"attach": {"instance": instance.cloud_id}}

    # -- errors -------------------------------------------------------------------------

    @pytest.mark.parametrize("kind", ALL_KINDS)
    async def test_destroying_an_unknown_id_is_not_found(
        self, backend: ConformanceBackend, driver: Driver, kind: Kind
    ) -> None:
        self._require(driver, kind, "destroy")
        with pytest.raises(NotFound):
            await driver.destroy(kind, backend.missing_ids[kind])

    @pytest.mark.parametrize("kind", ALL_KINDS)
    async def test_undeclared_operations_are_unsupported(self, driver: Driver, kind: Kind) -> None:
        caps = driver.capabilities
        attempts: list[Callable[[], Awaitable[Any]]] = [
            lambda: driver.edit(kind, "any-id", {"no_such_field": 1}),
            lambda: driver.action(kind, "any-id", "no_such_action", {}),
        ]
        if kind not in caps.kinds:
            attempts.append(lambda: driver.list(kind))
        if kind not in caps.create:
            attempts.append(lambda: driver.create(kind, {"name": "x"}))
        if kind not in caps.destroy:
            attempts.append(lambda: driver.destroy(kind, "any-id"))
        for attempt in attempts:
            with pytest.raises(Unsupported):
                await attempt()
