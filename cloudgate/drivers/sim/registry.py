"""Where drivers find sim clouds: endpoint name -> live SimCloud, in this process."""

from __future__ import annotations

from cloudgate.drivers.sim.cloud import SimCloud
from cloudgate.drivers.sim.native import SimApiError

_clouds: dict[str, SimCloud] = {}


def register(cloud: SimCloud) -> SimCloud:
    """Make `cloud` reachable at its endpoint; returns it."""
    if _clouds.get(cloud.endpoint, cloud) is not cloud:
        raise ValueError(f"another sim cloud is already registered at {cloud.endpoint!r}")
    _clouds[cloud.endpoint] = cloud
    return cloud


def get_cloud(endpoint: str) -> SimCloud:
    try:
        return _clouds[endpoint]
    except KeyError:
        # What a client sees when nothing listens at an address.
        raise SimApiError("ServiceUnavailable", f"no sim cloud at {endpoint!r}") from None


def unregister(endpoint: str) -> None:
    _clouds.pop(endpoint, None)
