"""The OpenStack driver: keystone, nova, glance, cinder and neutron through openstacksdk."""

from cloudgate.drivers.openstack.driver import OpenStackDriver

__all__ = ["OpenStackDriver"]
