"""The core service: the one API every front-end calls (accounts, clients, resources, operations,
events, foreign credentials), each call with a `Caller`."""

from cloudgate.core.caller import Caller, Principal
from cloudgate.core.facade import Core, CoreSource

__all__ = ["Caller", "Core", "CoreSource", "Principal"]
