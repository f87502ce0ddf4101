"""Seed the deployment with what cloudgate's tests use, then describe it in a JSON file.

Creates neutron's stock security group rules, flavors, a public image, a shared network, a volume
type, and two projects (project-a, project-b) each with a member user (alice, bob) and no quota
limits; alice also gets an application credential. Waits for nova-compute to be mapped and for
cinder to schedule.

usage: seed.py OUTPUT_JSON     (as the admin of clouds.yaml; env NOVA_CONF, passwords, ports)
"""
import json
import os
import subprocess
import sys
import time

import openstack

FLAVORS = (("m1.tiny", 512, 1, 1), ("m1.small", 2048, 1, 20), ("m1.medium", 4096, 2, 40))
IMAGE = "cirros-fake"
NETWORK, SUBNET, SUBNET_CIDR = "shared-net", "shared-subnet", "192.0.2.0/24"
VOLUME_TYPE = "fake"
PROJECTS = {"project-a": ("alice", "ALICE_PASSWORD"), "project-b": ("bob", "BOB_PASSWORD")}
APP_CREDENTIAL = "cloudgate-tests"
UNLIMITED = -1
# neutron's stock rules for new security groups, which its migrations insert and the schema made from
# its models lacks: egress anywhere for every group, ingress from members for each project's default.
DEFAULT_GROUP_RULES = (
    {"direction": "egress", "ethertype": "IPv4", "used_in_default_sg": True, "used_in_non_default_sg": True},
    {"direction": "egress", "ethertype": "IPv6", "used_in_default_sg": True, "used_in_non_default_sg": True},
    {"direction": "ingress", "ethertype": "IPv4", "remote_group_id": "PARENT", "used_in_default_sg": True,
     "used_in_non_default_sg": False},
    {"direction": "ingress", "ethertype": "IPv6", "remote_group_id": "PARENT", "used_in_default_sg": True,
     "used_in_non_default_sg": False},
)

conn = openstack.connect(cloud="admin")
keystone_url = f"http://127.0.0.1:{os.environ['KEYSTONE_PORT']}/v3"


def wait(what, probe, timeout=180.0):
    started = time.monotonic()
    while True:
        try:
            found = probe()
        except openstack.exceptions.SDKException as exc:
            found, last = None, exc
        else:
            last = None
        if found:
            print(f"  {what} after {time.monotonic() - started:.1f} s")
            return found
        if time.monotonic() - started > timeout:
            sys.exit(f"timed out waiting for {what} ({last})")
        time.sleep(0.5)


def seed_security_group_rules():
    if not list(conn.network.default_security_group_rules()):
        for rule in DEFAULT_GROUP_RULES:
            conn.network.create_default_security_group_rule(**rule)


def seed_catalog():
    for name, ram, vcpus, disk in FLAVORS:
        if not conn.compute.find_flavor(name):
            conn.compute.create_flavor(name=name, ram=ram, vcpus=vcpus, disk=disk)
    image = conn.image.find_image(IMAGE)
    if image is None:
        # Not a bootable disk: the fake virt driver never reads it.
        image = conn.image.create_image(
            name=IMAGE, data=b"\0" * (1024 * 1024), disk_format="raw", container_format="bare",
            visibility="public", min_disk=1, os_distro="cirros", allow_duplicates=True)
    network = conn.network.find_network(NETWORK) or conn.network.create_network(name=NETWORK, shared=True)
    if not conn.network.find_subnet(SUBNET):
        conn.network.create_subnet(name=SUBNET, network_id=network.id, ip_version=4, cidr=SUBNET_CIDR)
    if not conn.block_storage.find_type(VOLUME_TYPE):
        conn.block_storage.create_type(name=VOLUME_TYPE, extra_specs={"volume_backend_name": "fake"})
    return image, network


def seed_projects():
    identity = conn.identity
    member = identity.find_role("member")
    described = {}
    for project_name, (user_name, password_variable) in PROJECTS.items():
        project = identity.find_project(project_name, domain_id="default") or identity.create_project(
            name=project_name, domain_id="default")
        password = os.environ[password_variable]
        user = identity.find_user(user_name, domain_id="default") or identity.create_user(
            name=user_name, password=password, domain_id="default", default_project_id=project.id)
        identity.assign_project_role_to_user(project, user, member)
        conn.set_compute_quotas(project.id, instances=UNLIMITED, cores=UNLIMITED, ram=UNLIMITED,
                                key_pairs=UNLIMITED)
        conn.set_volume_quotas(project.id, volumes=UNLIMITED, snapshots=UNLIMITED, gigabytes=UNLIMITED)
        conn.set_network_quotas(project.id, network=UNLIMITED, subnet=UNLIMITED, port=UNLIMITED,
                                security_group=UNLIMITED, security_group_rule=UNLIMITED)
        described[project_name] = {"id": project.id, "name": project_name, "user": user_name,
                                   "user_id": user.id, "password": password}
    return described


def seed_application_credential(project):
    """An application credential of the first project's user, made by that user (keystone requires it)."""
    user_conn = openstack.connect(
        auth={"auth_url": keystone_url, "username": project["user"], "password": project["password"],
              "project_id": project["id"], "user_domain_name": "Default"},
        region_name="RegionOne", load_yaml_config=False, load_envvars=False)
    identity = user_conn.identity
    existing = identity.find_application_credential(project["user_id"], APP_CREDENTIAL)
    if existing is not None:
        identity.delete_application_credential(project["user_id"], existing)
    created = identity.create_application_credential(project["user_id"], name=APP_CREDENTIAL)
    return {"id": created.id, "secret": created.secret}


def start_mapping_compute_host():
    """Map the compute host into cell1 in the background (nova-manage takes seconds to start): the
    scheduler's own discovery runs only about once a minute."""

    def compute_up():
        return [s for s in conn.compute.services() if s.binary == "nova-compute" and s.state == "up"]

    wait("nova-compute up", compute_up)
    command = ["nova-manage", "--config-file", os.environ["NOVA_CONF"], "cell_v2", "discover_hosts"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_compute_and_volumes(mapping):
    _, errors = mapping.communicate(timeout=180)
    if mapping.returncode != 0:
        sys.exit(f"nova-manage cell_v2 discover_hosts failed: {errors}")
    wait("hypervisor mapped to cell1", lambda: list(conn.compute.hypervisors()))
    wait("placement resource provider", lambda: list(conn.placement.resource_providers()))

    def volumes_schedule():
        states = {s.binary: s.state for s in conn.block_storage.services()}
        return states.get("cinder-volume") == "up" and states.get("cinder-scheduler") == "up"

    wait("cinder-volume + cinder-scheduler up", volumes_schedule)


def main():
    mapping = start_mapping_compute_host()
    seed_security_group_rules()
    image, network = seed_catalog()
    projects = seed_projects()
    app_credential = seed_application_credential(projects["project-a"])
    wait_for_compute_and_volumes(mapping)
    description = {
        "auth_url": keystone_url,
        "region": "RegionOne",
        "clouds_yaml": os.path.join(os.environ["ETC"], "openstack", "clouds.yaml"),
        "admin": {"username": "admin", "password": os.environ["ADMIN_PASSWORD"], "project_name": "admin"},
        "projects": projects,
        "application_credential": {**app_credential, "project": "project-a"},
        "image": {"id": image.id, "name": IMAGE},
        "flavors": [name for name, *_ in FLAVORS],
        "network": {"id": network.id, "name": NETWORK, "subnet": SUBNET},
        "volume_type": VOLUME_TYPE,
        # The bus the services announce their changes on (an account's notification_url).
        "notifications": {"url": os.environ["RABBIT_URL"], "exchanges": ["nova", "glance", "neutron", "openstack"]},
    }
    path = sys.argv[1]
    with open(os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        json.dump(description, out, indent=2)
    os.replace(path + ".tmp", path)
    print(f"seed done: {path}")


main()
