"""Every driver's state tables, checked against what each cloud's states mean, written out here on their own:
each raw state of an instance and a volume maps to the right normalized state (and no raw state is
added or dropped without this list changing with it)."""

from __future__ import annotations

import pytest

from cloudgate.drivers.cloudstack import translate as cloudstack
from cloudgate.drivers.ec2 import normalize as ec2_normalize
from cloudgate.drivers.ec2 import tables as ec2
from cloudgate.drivers.gce import translate as gce
from cloudgate.drivers.libcloud import tables as libcloud
from cloudgate.drivers.openstack import translate as openstack
from cloudgate.drivers.sim import translate as sim
from cloudgate.model import Kind

EXPECTED_INSTANCE = {
    "ec2": {"pending": "pending", "running": "running", "stopping": "stopping", "stopped": "stopped",
            "shutting-down": "stopping", "terminated": "terminated"},
    "sim": {"BUILD": "pending", "ACTIVE": "running", "POWERING_OFF": "stopping", "SHUTOFF": "stopped",
            "POWERING_ON": "pending", "REBOOT": "rebooting", "DELETING": "stopping", "DELETED": "terminated",
            "ERROR": "error"},
    "openstack": {"BUILD": "pending", "ACTIVE": "running", "SHUTOFF": "stopped", "REBOOT": "rebooting",
                  "HARD_REBOOT": "rebooting", "PAUSED": "stopped", "SUSPENDED": "stopped", "SHELVED": "stopped",
                  "SHELVED_OFFLOADED": "stopped", "RESCUE": "running", "RESIZE": "pending", "VERIFY_RESIZE": "running",
                  "REVERT_RESIZE": "pending", "MIGRATING": "running", "REBUILD": "pending", "PASSWORD": "running",
                  "SOFT_DELETED": "terminated", "DELETED": "terminated", "ERROR": "error", "UNKNOWN": "error"},
    "cloudstack": {"Starting": "pending", "Running": "running", "Stopping": "stopping", "Stopped": "stopped",
                   "Shutdown": "stopped", "Migrating": "running", "Restoring": "pending", "Destroyed": "terminated",
                   "Expunging": "terminated", "Error": "error", "Unknown": "error"},
    # GCE's TERMINATED is a stopped machine that can start again; deleted ones simply disappear.
    "gce": {"PROVISIONING": "pending", "STAGING": "pending", "RUNNING": "running", "STOPPING": "stopping",
            "STOPPED": "stopped", "SUSPENDING": "stopping", "SUSPENDED": "stopped", "REPAIRING": "pending",
            "TERMINATED": "stopped"},
    "libcloud": {"running": "running", "starting": "pending", "rebooting": "rebooting", "terminated": "terminated",
                 "pending": "pending", "unknown": "error", "stopping": "stopping", "stopped": "stopped",
                 "suspended": "stopped", "error": "error", "paused": "stopped", "reconfiguring": "pending",
                 "migrating": "running", "normal": "running", "updating": "pending"},
}  # fmt: skip

EXPECTED_VOLUME = {
    "ec2": {("creating", None): "creating", ("available", None): "available", ("in-use", None): "in_use",
            ("in-use", "attaching"): "attaching", ("in-use", "attached"): "in_use", ("in-use", "busy"): "in_use",
            ("in-use", "detaching"): "detaching", ("deleting", None): "deleting", ("deleted", None): "deleted",
            ("error", None): "error"},
    "sim": {"CREATING": "creating", "READY": "available", "ATTACHING": "attaching", "ATTACHED": "in_use",
            "DETACHING": "detaching", "DELETING": "deleting", "ERROR": "error"},
    "openstack": {"creating": "creating", "available": "available", "reserved": "attaching", "attaching": "attaching",
                  "in-use": "in_use", "detaching": "detaching", "deleting": "deleting", "maintenance": "available",
                  "extending": "available", "retyping": "available", "backing-up": "available",
                  "restoring-backup": "available", "downloading": "creating", "uploading": "available",
                  "awaiting-transfer": "available", "error": "error", "error_deleting": "error",
                  "error_backing-up": "error", "error_restoring": "error", "error_extending": "error",
                  "error_managing": "error"},
    "cloudstack": {"Allocated": "available", "Creating": "creating", "Ready": "available", "Resizing": "available",
                   "Migrating": "available", "Snapshotting": "available", "Copying": "creating",
                   "UploadOp": "creating", "Uploaded": "available", "NotUploaded": "creating",
                   "UploadError": "error", "UploadAbandoned": "error", "Attaching": "attaching",
                   "Destroy": "deleting", "Expunging": "deleting", "Expunged": "deleted"},
    "gce": {"CREATING": "creating", "RESTORING": "creating", "READY": "available", "FAILED": "error",
            "UNAVAILABLE": "error", "DELETING": "deleting"},
    "libcloud": {"available": "available", "error": "error", "inuse": "in_use", "creating": "creating",
                 "deleting": "deleting", "deleted": "deleted", "backup": "available", "attaching": "attaching",
                 "unknown": "error", "migrating": "available", "updating": "available"},
}  # fmt: skip

TABLES = {
    "ec2": (ec2.INSTANCE_STATES, ec2.VOLUME_STATES),
    "sim": (sim.STATES[Kind.INSTANCE], sim.STATES[Kind.VOLUME]),
    "openstack": (openstack.STATES[Kind.INSTANCE], openstack.STATES[Kind.VOLUME]),
    "cloudstack": (cloudstack.STATES[Kind.INSTANCE], cloudstack.STATES[Kind.VOLUME]),
    "gce": (gce.STATES[Kind.INSTANCE], gce.STATES[Kind.VOLUME]),
    "libcloud": (libcloud.NODE_STATES, libcloud.VOLUME_STATES),
}


@pytest.mark.parametrize("cloud", sorted(TABLES))
def test_each_raw_state_maps_to_the_right_state(cloud: str):
    instances, volumes = TABLES[cloud]
    for raw, expected in EXPECTED_INSTANCE[cloud].items():
        assert instances.get(raw) == expected, f"{cloud} instance {raw!r}"
    for raw, expected in EXPECTED_VOLUME[cloud].items():
        assert volumes.get(raw) == expected, f"{cloud} volume {raw!r}"
    assert set(instances) == set(EXPECTED_INSTANCE[cloud]) and set(volumes) == set(EXPECTED_VOLUME[cloud])


def test_ec2_reads_an_instance_and_a_volume_as_the_cloud_describes_them():
    # Through the driver's own normalizing, not only its tables.
    instance = {"InstanceId": "i-1", "State": {"Name": "stopping"}, "InstanceType": "t3.nano", "ImageId": "ami-1",
                "Placement": {"AvailabilityZone": "us-east-1a"}}  # fmt: skip
    volume = {"VolumeId": "vol-1", "State": "in-use", "Size": 8, "AvailabilityZone": "us-east-1a",
              "Attachments": [{"InstanceId": "i-1", "State": "detaching", "Device": "/dev/sdf"}]}  # fmt: skip
    assert ec2_normalize.instance(instance).state == "stopping"
    assert ec2_normalize.volume(volume).state == "detaching"
