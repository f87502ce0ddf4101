"""The simulated cloud (SimCloud) and its cloudgate driver (SimDriver), for demos and tests."""

from cloudgate.drivers.sim.clock import SimClock
from cloudgate.drivers.sim.cloud import Credentials, SimCloud
from cloudgate.drivers.sim.driver import SimDriver
from cloudgate.drivers.sim.faults import Faults
from cloudgate.drivers.sim.lifecycle import Delays
from cloudgate.drivers.sim.native import SimApiError
from cloudgate.drivers.sim.registry import get_cloud, register, unregister

__all__ = [
    "Credentials",
    "Delays",
    "Faults",
    "SimApiError",
    "SimClock",
    "SimCloud",
    "SimDriver",
    "get_cloud",
    "register",
    "unregister",
]
