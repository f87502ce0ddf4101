"""The Google Compute Engine driver (cloud type `gce`), on google-api-python-client and its bundled discovery document."""

from cloudgate.drivers.gce.driver import GceDriver

__all__ = ["GceDriver"]
