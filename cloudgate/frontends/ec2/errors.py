"""EC2's errors: the one table from the core's error codes to EC2's, and the codes that depend on the kind
of resource (`InvalidInstanceID.NotFound`, `InvalidVolumeID.Malformed`, …)."""

from __future__ import annotations

from cloudgate.errors import CloudgateError
from cloudgate.model import Kind


class Ec2Error(Exception):
    """An answer in EC2's error shape: a code, a message and the HTTP status EC2 gives it."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# Core error code -> (EC2 error code, HTTP status).
CODES: dict[str, tuple[str, int]] = {
    "invalid_request": ("InvalidParameterValue", 400),
    "invalid_scope": ("InvalidParameterValue", 400),  # the key's scope names a cloud the client may not use
    "cross_cloud_reference": ("InvalidParameterCombination", 400),  # a subnet of another cloud than the instance's
    "unknown_kind": ("InvalidParameterValue", 400),
    "unsupported": ("UnsupportedOperation", 400),
    "conflict": ("IncorrectState", 400),
    "operation_failed": ("IncorrectState", 400),
    "quota_exceeded": ("ResourceLimitExceeded", 400),
    "idempotency_key_reused": ("IdempotentParameterMismatch", 400),
    "clock_skew": ("InvalidParameterValue", 400),
    "cloud_auth_failed": ("AuthFailure", 401),
    "unauthenticated": ("AuthFailure", 401),
    "unknown_credential": ("AuthFailure", 401),
    "credential_revoked": ("AuthFailure", 401),
    "signature_mismatch": ("SignatureDoesNotMatch", 403),
    "region_mismatch": ("AuthFailure", 401),
    "forbidden": ("UnauthorizedOperation", 403),
    "payload_too_large": ("InvalidParameterValue", 400),
    "throttled": ("RequestLimitExceeded", 503),
    "cloud_unavailable": ("Unavailable", 503),
    "not_ready": ("Unavailable", 503),
    "operation_timeout": ("Unavailable", 503),
    "interrupted": ("Unavailable", 503),
    "internal_error": ("InternalError", 500),
}

NOT_FOUND: dict[Kind, str] = {
    Kind.INSTANCE: "InvalidInstanceID.NotFound",
    Kind.VOLUME: "InvalidVolume.NotFound",
    Kind.SNAPSHOT: "InvalidSnapshot.NotFound",
    Kind.IMAGE: "InvalidAMIID.NotFound",
    Kind.KEYPAIR: "InvalidKeyPair.NotFound",
    Kind.SECURITY_GROUP: "InvalidGroup.NotFound",
    Kind.SUBNET: "InvalidSubnetID.NotFound",
    Kind.DATACENTER: "InvalidZone.NotFound",
    Kind.FLAVOR: "InvalidInstanceType",
}

MALFORMED: dict[Kind, str] = {
    Kind.INSTANCE: "InvalidInstanceID.Malformed",
    Kind.VOLUME: "InvalidVolumeID.Malformed",
    Kind.SNAPSHOT: "InvalidSnapshotID.Malformed",
    Kind.IMAGE: "InvalidAMIID.Malformed",
    Kind.SECURITY_GROUP: "InvalidGroupId.Malformed",
    Kind.SUBNET: "InvalidSubnetID.Malformed",
    Kind.KEYPAIR: "InvalidKeyPair.Format",
}

DUPLICATE: dict[Kind, str] = {
    Kind.KEYPAIR: "InvalidKeyPair.Duplicate",
    Kind.SECURITY_GROUP: "InvalidGroup.Duplicate",
}


def from_core(error: CloudgateError, kind: Kind | None = None) -> Ec2Error:
    """The EC2 error for a core error; a not-found of a known kind gets that kind's code."""
    return from_code(error.code, error.message, kind)


def from_code(code: str, message: str, kind: Kind | None = None) -> Ec2Error:
    """The EC2 error for a core error code (an operation's failure keeps only its code and message)."""
    if code == "not_found":
        return Ec2Error(NOT_FOUND[kind] if kind is not None else "InvalidParameterValue", message)
    ec2_code, status = CODES.get(code, ("InternalError", 500))
    return Ec2Error(ec2_code, message, status)


def not_found(kind: Kind, ids: list[str]) -> Ec2Error:
    noun = {Kind.INSTANCE: "instance ID", Kind.VOLUME: "volume", Kind.SNAPSHOT: "snapshot", Kind.IMAGE: "image id",
            Kind.SECURITY_GROUP: "security group", Kind.SUBNET: "subnet ID", Kind.KEYPAIR: "key pair"}.get(kind, kind.value)  # fmt: skip
    return Ec2Error(NOT_FOUND[kind], f"The {noun} '{', '.join(ids)}' does not exist")


def malformed(kind: Kind, value: str) -> Ec2Error:
    return Ec2Error(MALFORMED.get(kind, "InvalidParameterValue"), f'Invalid id: "{value[:100]}"')
