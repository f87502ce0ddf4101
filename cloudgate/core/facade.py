"""`Core`: the one public face of the gateway. Front-ends (/v1, AMQP request/reply, the foreign APIs,
the dashboard) and the CLI's server side call it and nothing else; every call takes a `Caller`.
The store, the driver pool and the poller stay behind it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cloudgate.connections import DriverPool
from cloudgate.core.accounts import Accounts
from cloudgate.core.auth import Auth
from cloudgate.core.caller import Caller
from cloudgate.core.credentials import ForeignCredentials
from cloudgate.core.events import Events
from cloudgate.core.operations import Operations
from cloudgate.core.resources import Resources
from cloudgate.core.scope import Scopes
from cloudgate.drivers.base import driver_types, load_driver
from cloudgate.errors import Forbidden
from cloudgate.events.hub import EventHub
from cloudgate.events.relay import EventRelay, RelayStatus
from cloudgate.fields import FieldSpec, required_fields
from cloudgate.model import Kind
from cloudgate.poller.observation import Observation
from cloudgate.sealing import Sealer
from cloudgate.settings import Settings
from cloudgate.store import Store


class Core:
    """Clients and tokens (`auth`), accounts, resources, operations, events and foreign credentials."""

    def __init__(
        self, settings: Settings, store: Store, sealer: Sealer, hub: EventHub, pool: DriverPool,
        observation: Observation, relay: EventRelay | None = None,
    ):  # fmt: skip
        self.settings = settings
        self.auth = Auth(store, settings.token_ttl_seconds, settings.token_recheck_seconds)
        self.scopes = Scopes(store)
        self.credentials = ForeignCredentials(store, sealer, settings.token_recheck_seconds, self.scopes)
        self.accounts = Accounts(store, pool, sealer, observation, self.credentials, settings.max_clock_skew_seconds)
        self.resources = Resources(store)
        self.operations = Operations(store, pool, observation, sealer, settings)
        self.events = Events(store, hub, settings.events_page_max)
        self._relay = relay

    @staticmethod
    def clouds() -> dict[str, dict[str, Any]]:
        """Installed cloud types: what each can do, and the fields a create of each kind takes."""
        return {
            name: {
                "capabilities": driver.capabilities.to_dict(),
                "endpoint_settings": sorted(driver.endpoint_settings),
                "create_fields": {
                    kind.value: sorted(names) for kind, names in required_fields(driver.create_fields).items()
                },
                "fields": {
                    kind.value: {name: spec.to_dict() for name, spec in fields.items()}
                    for kind, fields in driver.create_fields.items()
                },
            }
            for name, driver in sorted(driver_types().items())
        }

    @staticmethod
    def capabilities(cloud: str) -> dict[str, Any]:
        """What one cloud type can do (a family's member too, `libcloud:<provider>`); Unsupported for none."""
        return load_driver(cloud).capabilities.to_dict()

    @staticmethod
    def create_fields(cloud: str, kind: Kind) -> dict[str, FieldSpec]:
        """The fields a create of `kind` takes on one cloud type (as its driver declares them); Unsupported when
        the cloud type is not installed or cannot create one."""
        driver = load_driver(cloud)
        driver.capabilities.require(kind, "create")
        return dict(driver.create_fields.get(kind, {}))

    @staticmethod
    def configure_endpoint(caller: Caller, cloud: str, endpoint: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """An admin reads (no changes) or changes the settings of a cloud endpoint (the sim's faults)."""
        if not caller.is_admin:
            raise Forbidden("only an admin client can change a cloud endpoint's settings")
        return load_driver(cloud).configure_endpoint(endpoint, changes)

    def relay_status(self) -> RelayStatus | None:
        """The event relay to AMQP, when this process runs one."""
        return self._relay.status() if self._relay is not None else None


# How an app finds the core: the composition root gives each front-end one; it raises NotReady until the
# gateway is open (an app may be built before its gateway, and outlive it).
CoreSource = Callable[[], Core]
