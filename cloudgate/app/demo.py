"""The embedded demo (`cloudgate serve --demo`): two simulated clouds with accounts and a few resources.

Importing this module changes nothing; `register_demo_clouds()` puts the clouds in the sim
registry (once per process) and `seed_demo(gateway)` registers the demo accounts with the
gateway. `serve` keeps the clouds in files of the data dir: a restarted gateway (or another
process on the same directory) finds the cloud as it was left; registering an account the
gateway already knows only grants it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudgate.app.gateway import Gateway
from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.drivers.sim import Delays, SimApiError, SimClock, SimCloud, get_cloud, register

ADMIN = Caller(Principal(ADMIN_ID, "admin", True))

# Short transitions so that changes made during the demo show within seconds.
DEMO_DELAYS = Delays(
    boot=2.5, stop=2.0, start=2.0, reboot=1.5, terminate=2.0, linger=30.0, volume_create=1.5, attach=1.0,
    detach=1.0, volume_delete=1.0, snapshot=2.5, snapshot_delete=1.0, image=4.0, image_delete=1.0, subnet=1.0,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    """A project on a demo cloud and the keys that open it."""

    endpoint: str
    project: str
    access_key: str
    secret_key: str
    account_name: str | None  # the name it is registered under, or None when left for the user to add

    def as_credentials(self) -> dict[str, str]:
        return {"access_key": self.access_key, "secret_key": self.secret_key}


@dataclass(frozen=True, slots=True)
class DemoAccount:
    id: str
    name: str
    endpoint: str
    project: str


@dataclass(frozen=True, slots=True)
class DemoInfo:
    accounts: list[DemoAccount]  # registered with the gateway for the admin client
    unregistered: list[DemoCredentials]  # valid keys nobody registered yet: try `cloudgate account add`


DEMO_PROJECTS: tuple[DemoCredentials, ...] = (
    DemoCredentials("sim://alpha", "demo", "demo", "demo-secret", "alpha-demo"),
    DemoCredentials("sim://alpha", "team-b", "team-b", "team-b-secret", None),
    DemoCredentials("sim://beta", "demo", "demo", "demo-secret", "beta-demo"),
)

# endpoint -> (project, native collection, native create spec with image names for ids)
STARTING_RESOURCES: dict[str, tuple[tuple[str, str, dict[str, Any]], ...]] = {
    "sim://alpha": (
        ("demo", "servers", {"name": "web-1", "flavor_id": "s1.small", "image_id": "ubuntu-24.04", "zone": "sim-east-a",
                             "tags": {"role": "web", "env": "demo"}}),
        ("demo", "servers", {"name": "web-2", "flavor_id": "s1.small", "image_id": "ubuntu-24.04", "zone": "sim-east-b",
                             "tags": {"role": "web", "env": "demo"}}),
        ("demo", "servers", {"name": "db-1", "flavor_id": "s1.medium", "image_id": "debian-12", "zone": "sim-east-a",
                             "tags": {"role": "db", "env": "demo"}}),
        ("demo", "volumes", {"name": "db-data", "size": 50, "zone": "sim-east-a", "tags": {"env": "demo"}}),
        ("demo", "volumes", {"name": "backups", "size": 100, "zone": "sim-east-b"}),
        ("team-b", "servers", {"name": "ci-runner", "flavor_id": "s1.large", "image_id": "rocky-9",
                               "zone": "sim-east-c"}),
    ),
    "sim://beta": (
        ("demo", "servers", {"name": "batch-1", "flavor_id": "s1.large", "image_id": "debian-12", "zone": "sim-east-a",
                             "tags": {"role": "batch"}}),
        ("demo", "volumes", {"name": "scratch", "size": 20, "zone": "sim-east-a"}),
    ),
}  # fmt: skip

# The state a starting resource is put in at once, rather than after its transition delay.
SETTLED_STATUS = {"servers": "ACTIVE", "volumes": "READY"}


def _public_image_id(cloud: SimCloud, name: str) -> str:
    for image in cloud.catalog.public_images.rows.values():
        if image.name == name:
            return image.id
    raise ValueError(f"the sim cloud has no public image {name!r}")


def _build_cloud(endpoint: str, seed: int) -> SimCloud:
    cloud = SimCloud(endpoint, seed=seed, clock=SimClock.real(), delays=DEMO_DELAYS)
    for project in DEMO_PROJECTS:
        if project.endpoint == endpoint:
            cloud.add_account(project.access_key, project.secret_key, project.project)
    for owner, collection, spec in STARTING_RESOURCES.get(endpoint, ()):
        if "image_id" in spec:
            spec = {**spec, "image_id": _public_image_id(cloud, spec["image_id"])}
        created = cloud.oob_create(owner, collection, **spec)
        cloud.oob_update(owner, collection, created["id"], status=SETTLED_STATUS[collection])
    return cloud


def register_demo_clouds(state_dir: Path | None = None, faults: Mapping[str, Any] | None = None) -> dict[str, SimCloud]:
    """The demo clouds by endpoint, registered on the first call, found again on later ones. With a
    `state_dir` each is kept in a file there (read when it exists, built and written when not), shared
    with every process using the directory; `faults` are turned on in each."""
    clouds = {}
    for seed, endpoint in enumerate(sorted({p.endpoint for p in DEMO_PROJECTS})):
        try:
            clouds[endpoint] = get_cloud(endpoint)
        except SimApiError:

            def build(endpoint: str = endpoint, seed: int = seed) -> SimCloud:
                return _build_cloud(endpoint, seed)

            path = state_dir / f"{endpoint.split('://', 1)[-1]}.state" if state_dir else None
            clouds[endpoint] = register(SimCloud.durable(path, build) if path else build())
        if faults:
            clouds[endpoint].set_faults(**faults)
    return clouds


async def seed_demo(gateway: Gateway) -> DemoInfo:
    """Register the demo accounts for the admin client (the clouds must be registered first)."""
    accounts = []
    for project in DEMO_PROJECTS:
        if project.account_name is None:
            continue
        view, _created = await gateway.core.accounts.register(
            ADMIN, cloud="sim", endpoint=project.endpoint, region=None,
            credentials=project.as_credentials(), name=project.account_name,
        )  # fmt: skip
        accounts.append(DemoAccount(view.row.id, view.row.name, project.endpoint, project.project))
    return DemoInfo(accounts, [p for p in DEMO_PROJECTS if p.account_name is None])
