"""The CloudStack driver (cloud type `cloudstack`), on the `cs` package's asyncio client."""

from cloudgate.drivers.cloudstack.driver import CloudStackDriver

__all__ = ["CloudStackDriver"]
