"""Apache Libcloud's compute providers as cloud types `libcloud:<provider>`."""

from cloudgate.drivers.libcloud.driver import LibcloudDriver, libcloud_driver

__all__ = ["LibcloudDriver", "libcloud_driver"]
