"""Create the `service` project, one user per service (admin + service roles) and the catalog
(public, internal and admin endpoints in RegionOne, all on 127.0.0.1).

Runs as the keystone admin of clouds.yaml (OS_CLIENT_CONFIG_FILE, cloud `admin`).
"""
import os

import openstack

# service name -> (service type, endpoint path); the port comes from <NAME>_PORT.
SERVICES = {
    "glance": ("image", ""),
    "placement": ("placement", ""),
    "nova": ("compute", "/v2.1"),
    "neutron": ("network", ""),
    "cinder": ("block-storage", "/v3/%(project_id)s"),
}

conn = openstack.connect(cloud="admin")
identity = conn.identity
domain = identity.find_domain("default")
project = identity.find_project("service", domain_id=domain.id) or identity.create_project(
    name="service", domain_id=domain.id)
admin_role = identity.find_role("admin")
service_role = identity.find_role("service") or identity.create_role(name="service")
for name, (service_type, path) in SERVICES.items():
    user = identity.find_user(name, domain_id=domain.id) or identity.create_user(
        name=name, password=os.environ["SERVICE_PASSWORD"], domain_id=domain.id, default_project_id=project.id)
    identity.assign_project_role_to_user(project, user, admin_role)
    identity.assign_project_role_to_user(project, user, service_role)
    service = identity.find_service(name) or identity.create_service(name=name, type=service_type)
    url = f"http://127.0.0.1:{os.environ[name.upper() + '_PORT']}{path}"
    present = {endpoint.interface for endpoint in identity.endpoints(service_id=service.id)}
    for interface in ("public", "internal", "admin"):
        if interface not in present:
            identity.create_endpoint(service_id=service.id, interface=interface, url=url, region_id="RegionOne")
    print(f"registered {name:10} {service_type:14} {url}")
