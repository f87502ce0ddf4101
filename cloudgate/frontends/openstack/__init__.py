"""The OpenStack-compatible front-end: keystone, nova, glance, cinder and neutron over the core."""
