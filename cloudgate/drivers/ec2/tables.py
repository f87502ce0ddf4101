"""Every difference between EC2's vocabulary and cloudgate's, as tables.

States, error codes, create and edit fields, actions, tag resource types, page sizes:
the rest of the driver only looks things up here.
"""

from __future__ import annotations

from cloudgate.errors import (
    ClockSkew,
    CloudAuthFailed,
    CloudgateError,
    Conflict,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    Throttled,
    Unavailable,
    Unsupported,
)
from cloudgate.model import Kind

# -- states: EC2 state name -> normalized state, per kind ------------------------------------

INSTANCE_STATES: dict[str, str] = {
    "pending": "pending",
    "running": "running",
    "stopping": "stopping",
    "stopped": "stopped",
    "shutting-down": "stopping",  # on its way to terminated
    "terminated": "terminated",
}

# (volume state, state of its first live attachment or None) -> state; (state, None) is the fallback.
VOLUME_STATES: dict[tuple[str, str | None], str] = {
    ("creating", None): "creating",
    ("available", None): "available",
    ("in-use", None): "in_use",
    ("in-use", "attaching"): "attaching",
    ("in-use", "attached"): "in_use",
    ("in-use", "busy"): "in_use",
    ("in-use", "detaching"): "detaching",
    ("deleting", None): "deleting",
    ("deleted", None): "deleted",
    ("error", None): "error",
}
# Attachment states in which the volume is still bound to the instance.
LIVE_ATTACHMENT_STATES = frozenset({"attaching", "attached", "busy", "detaching"})

SNAPSHOT_STATES: dict[str, str] = {
    "pending": "pending",
    "completed": "available",
    "recovering": "pending",  # coming back from the archive tier
    "recoverable": "error",
    "error": "error",
}

IMAGE_STATES: dict[str, str] = {
    "pending": "pending",
    "transient": "pending",
    "available": "available",
    "deregistered": "deleted",
    "invalid": "error",
    "failed": "error",
    "error": "error",
    "disabled": "error",  # cannot be launched until someone re-enables it
}

SUBNET_STATES: dict[str, str] = {
    "pending": "pending",
    "available": "available",
    "unavailable": "error",
    "failed": "error",
    "failed-insufficient-capacity": "error",
}

ZONE_STATES: dict[str, str] = {
    "available": "available",
    "information": "available",
    "constrained": "available",
    "impaired": "unavailable",
    "unavailable": "unavailable",
}

REGION_STATES: dict[str, str] = {
    "opt-in-not-required": "available",
    "opted-in": "available",
    "not-opted-in": "unavailable",
}

# Platform, lowercased -> generic os (EC2 names only Windows; the rest are Linux/UNIX images).
IMAGE_OS: dict[str, str] = {"": "linux", "windows": "windows"}

# -- errors: EC2 error code patterns (fnmatch, first match wins) -> cloudgate error ------------

ERRORS: tuple[tuple[str, type[CloudgateError]], ...] = (
    ("AuthFailure*", CloudAuthFailed),
    ("InvalidClientTokenId", CloudAuthFailed),
    ("SignatureDoesNotMatch", CloudAuthFailed),
    ("IncompleteSignature", CloudAuthFailed),
    ("InvalidAccessKeyId", CloudAuthFailed),
    ("InvalidToken", CloudAuthFailed),
    ("ExpiredToken*", CloudAuthFailed),
    ("UnauthorizedOperation", CloudAuthFailed),  # the credentials work but may not do this
    ("AccessDenied*", CloudAuthFailed),
    ("OptInRequired", CloudAuthFailed),
    ("Blocked", CloudAuthFailed),
    ("RequestExpired", ClockSkew),  # the request was signed too far from the cloud's clock
    ("RequestTimeTooSkewed", ClockSkew),
    ("RequestLimitExceeded", Throttled),
    ("Throttling*", Throttled),
    ("RequestThrottled", Throttled),
    ("TooManyRequests*", Throttled),
    ("*LimitExceeded", QuotaExceeded),  # InstanceLimitExceeded, VolumeLimitExceeded, VcpuLimitExceeded…
    ("MaxSpotInstanceCountExceeded", QuotaExceeded),
    ("InsufficientFreeAddressesInSubnet", QuotaExceeded),
    ("Insufficient*Capacity", Unavailable),  # none left in this zone for now: later or elsewhere
    ("Unavailable", Unavailable),
    ("ServiceUnavailable", Unavailable),
    ("InternalError", Unavailable),
    ("InternalFailure", Unavailable),
    ("*.NotFound", NotFound),
    ("InvalidAMIID.Unavailable", NotFound),
    ("Incorrect*State", Conflict),  # IncorrectState, IncorrectInstanceState, IncorrectModificationState
    ("InvalidState*", Conflict),
    ("*InUse", Conflict),  # VolumeInUse, InvalidGroup.InUse, InvalidIPAddress.InUse
    ("DependencyViolation", Conflict),
    ("*.Duplicate", Conflict),
    ("*.Conflict", Conflict),
    ("IdempotentParameterMismatch", Conflict),
    ("UnsupportedOperation", Unsupported),
    ("Unsupported", Unsupported),
    ("InvalidParameter*", InvalidRequest),
    ("*.Malformed", InvalidRequest),
    ("MissingParameter", InvalidRequest),
    ("UnknownParameter", InvalidRequest),
    ("ValidationError", InvalidRequest),
    ("Invalid*", InvalidRequest),  # every other Invalid… code names a bad request
)

# Seconds to wait after throttling when the response carries no Retry-After (EC2's never does).
THROTTLE_RETRY_AFTER = 2.0

# -- requests ----------------------------------------------------------------------------------

# Kinds whose name is their "Name" tag; the others have a name of their own (AMI name, key name…).
NAMED_BY_TAG = frozenset({Kind.INSTANCE, Kind.VOLUME, Kind.SNAPSHOT, Kind.SUBNET})
NAME_TAG = "Name"
RESERVED_TAG_PREFIX = "aws:"  # tags AWS sets itself; nobody may change them

# TagSpecifications resource type of each kind, to tag resources as they are created.
TAG_RESOURCE_TYPES: dict[Kind, str] = {
    Kind.INSTANCE: "instance",
    Kind.VOLUME: "volume",
    Kind.SNAPSHOT: "snapshot",
    Kind.IMAGE: "image",
    Kind.SUBNET: "subnet",
    Kind.KEYPAIR: "key-pair",
    Kind.SECURITY_GROUP: "security-group",
}

# Generic create fields -> request parameter (dotted for nested ones), per kind. "name" and
# "tags" become tags or the resource's own name; fields mapped to None are read by the driver.
CREATE_FIELDS: dict[Kind, dict[str, str | None]] = {
    Kind.INSTANCE: {
        "name": None,
        "tags": None,
        "flavor": "InstanceType",
        "image": "ImageId",
        "datacenter": "Placement.AvailabilityZone",
        "keypair": "KeyName",
        "security_groups": "SecurityGroupIds",
        "subnet": "SubnetId",
        "user_data": "UserData",
    },
    Kind.VOLUME: {
        "name": None,
        "tags": None,
        "size_gb": "Size",
        "datacenter": "AvailabilityZone",
        "snapshot": "SnapshotId",
        "volume_type": "VolumeType",
    },
    Kind.SNAPSHOT: {"name": None, "tags": None, "volume": "VolumeId", "description": "Description"},
    Kind.IMAGE: {"name": "Name", "tags": None, "instance": "InstanceId", "description": "Description"},
    Kind.SUBNET: {
        "name": None,
        "tags": None,
        "cidr": "CidrBlock",
        "datacenter": "AvailabilityZone",
        "vpc": "VpcId",
    },
    Kind.KEYPAIR: {"name": "KeyName", "tags": None, "public_key": None, "key_type": "KeyType"},
    Kind.SECURITY_GROUP: {
        "name": "GroupName",
        "tags": None,
        "description": "Description",
        "vpc": "VpcId",
        "rules": None,
    },
}

# Create fields that must be present, beyond "name".
REQUIRED_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.INSTANCE: frozenset({"flavor", "image"}),
    Kind.VOLUME: frozenset({"size_gb", "datacenter"}),
    Kind.SNAPSHOT: frozenset({"volume"}),
    Kind.IMAGE: frozenset({"instance"}),
    Kind.SUBNET: frozenset(),
    Kind.KEYPAIR: frozenset(),
    Kind.SECURITY_GROUP: frozenset(),
}

# Fields each kind can change after creation (EC2 renames only what is named by a tag).
EDIT_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.INSTANCE: frozenset({"name", "tags"}),
    Kind.VOLUME: frozenset({"name", "tags", "size_gb"}),
    Kind.SNAPSHOT: frozenset({"name", "tags"}),
    Kind.IMAGE: frozenset({"tags"}),
    Kind.SUBNET: frozenset({"name", "tags"}),
    Kind.SECURITY_GROUP: frozenset({"tags", "rules"}),
}

# Generic action -> (operation, generic params -> request parameters), per kind.
ACTIONS: dict[Kind, dict[str, tuple[str, dict[str, str]]]] = {
    Kind.INSTANCE: {
        "start": ("start_instances", {}),
        "stop": ("stop_instances", {}),
        "reboot": ("reboot_instances", {}),
    },
    Kind.VOLUME: {
        "attach": ("attach_volume", {"instance": "InstanceId", "device": "Device"}),
        "detach": ("detach_volume", {}),
    },
}

# How each kind's id goes into a request that names one resource.
ID_PARAMETERS: dict[Kind, tuple[str, bool]] = {  # (parameter, takes a list)
    Kind.INSTANCE: ("InstanceIds", True),
    Kind.VOLUME: ("VolumeId", False),
    Kind.SNAPSHOT: ("SnapshotId", False),
    Kind.IMAGE: ("ImageId", False),
    Kind.SUBNET: ("SubnetId", False),
    Kind.KEYPAIR: ("KeyName", False),
    Kind.SECURITY_GROUP: ("GroupId", False),
}

DESTROY_OPERATIONS: dict[Kind, str] = {
    Kind.INSTANCE: "terminate_instances",
    Kind.VOLUME: "delete_volume",
    Kind.SNAPSHOT: "delete_snapshot",
    Kind.IMAGE: "deregister_image",
    Kind.SUBNET: "delete_subnet",
    Kind.KEYPAIR: "delete_key_pair",
    Kind.SECURITY_GROUP: "delete_security_group",
}

# Deletes that succeed whatever the id names: (describe call, its id list parameter) asked first,
# so that an unknown id is NotFound as with every other kind.
EXISTENCE_CHECKS: dict[Kind, tuple[str, str]] = {Kind.KEYPAIR: ("describe_key_pairs", "KeyNames")}

# Action parameters that must be given.
ACTION_REQUIRED: dict[tuple[Kind, str], frozenset[str]] = {(Kind.VOLUME, "attach"): frozenset({"instance"})}

# Device names offered to an attached volume when the request names none, in order.
ATTACH_DEVICES: tuple[str, ...] = tuple(f"/dev/sd{letter}" for letter in "fghijklmnop")

# -- listings -----------------------------------------------------------------------------------

# Owners whose public AMIs are the endpoint's public images. Fixed, not per account: public
# images are stored once per endpoint and region, so every account must list the same ones.
PUBLIC_IMAGE_OWNERS: tuple[str, ...] = ("amazon",)

# The largest page each paginated describe call allows.

PAGE_SIZES: dict[str, int] = {
    "describe_instances": 1000,
    "describe_instance_types": 100,
    "describe_images": 1000,
    "describe_volumes": 500,
    "describe_snapshots": 1000,
    "describe_subnets": 1000,
    "describe_vpcs": 1000,
    "describe_security_groups": 1000,
    "describe_tags": 1000,
}
MIN_PAGE_SIZE = 5  # the smallest MaxResults every paginated describe call accepts
