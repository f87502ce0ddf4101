"""keystone: who the credentials are, why keystone refused them, the region, and the cloud's clock.
Blocking calls, run in the driver's pool."""

from __future__ import annotations

from datetime import datetime

from keystoneauth1 import exceptions as ksa
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3
from openstack.connection import Connection

from cloudgate.drivers.base import AccountConfig, CloudIdentity
from cloudgate.drivers.openstack.errors import status_of
from cloudgate.drivers.openstack.session import API_TIMEOUT_SECONDS, Auth
from cloudgate.errors import CloudAuthFailed, InvalidRequest


def whoami(conn: Connection) -> CloudIdentity:
    """The project the credentials are scoped to names the account."""
    access = conn.session.auth.get_access(conn.session)
    region = region_of(conn)
    return CloudIdentity(
        id=access.project_id, name=access.project_name, region=region,
        attrs={"user_id": access.user_id, "user_name": access.username, "project_domain": access.project_domain_name,
               "region": region},
    )  # fmt: skip


def region_of(conn: Connection) -> str:
    """The account's region: the one asked for, which the catalog must offer, else the catalog's first."""
    catalog = conn.session.auth.get_access(conn.session).service_catalog
    endpoints = [endpoint for listed in catalog.get_endpoints().values() for endpoint in listed]
    regions = {endpoint.get("region_id") or endpoint.get("region") for endpoint in endpoints} - {None}
    wanted = conn.config.region_name
    if wanted and wanted not in regions:
        raise InvalidRequest(f"region {wanted!r} is not in the cloud's catalog, which has {', '.join(sorted(regions))}")
    return wanted or min(regions, default="")


def server_time(conn: Connection) -> datetime:
    """keystone's clock, as the issue time of a token it makes now (its answers need not carry a Date header)."""
    conn.session.auth.invalidate()
    return conn.session.auth.get_access(conn.session).issued


def explain_refusal(config: AccountConfig, error: CloudAuthFailed) -> CloudAuthFailed:
    """Say why keystone refused password credentials: the user's password, or the project.

    keystone answers 401 to both; an unscoped token for the same user tells them apart.
    """
    auth = Auth.of(config)
    if auth.auth_type != "password":
        return CloudAuthFailed("keystone refused the application credential (wrong id or secret, or expired)",
                               details={**error.details, "reason": "application_credential"})  # fmt: skip
    options = auth.options
    user = v3.Password(auth_url=options["auth_url"], username=options["username"], password=options["password"],
                       user_domain_name=options["user_domain_name"])  # fmt: skip
    try:
        ksa_session.Session(auth=user, timeout=API_TIMEOUT_SECONDS).get_token()
    except ksa.HttpError as exc:
        if status_of(exc) != 401:
            raise
        return CloudAuthFailed(
            f"keystone refused user {options['username']!r} of domain {options['user_domain_name']!r}: "
            "wrong username or password", details={**error.details, "reason": "user"},
        )  # fmt: skip
    return CloudAuthFailed(
        f"user {options['username']!r} authenticated, but project {options['project_name']!r} "
        f"(domain {options['project_domain_name']!r}) does not exist or the user has no role on it",
        details={**error.details, "reason": "project"},
    )  # fmt: skip
