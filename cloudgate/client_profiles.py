"""What a client of the gateway's foreign APIs is given to paste: the settings with which boto3 and the aws CLI, `cs`,
the openstack CLI and Google's clients use the gateway. Rendered here once, for the CLI (`credential create`) and
the dashboard (a key's page) alike, from plain values: an issued key (`id`, `secret`, `region`, `account`), the
names of the account and client, and the gateway's URL as the client reaches it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What a page shows in place of a key's secret once it was shown (it is never shown again).
SECRET_SHOWN_ONCE = "<the secret shown once, when the key was issued>"


def aws_profile(issued: Mapping[str, Any], account_name: str, account_region: str | None, url: str) -> str:
    """What to put in ~/.aws/credentials and ~/.aws/config for boto3 and the aws CLI to use the key
    through the gateway's EC2 API (botocore reads endpoint_url from the profile)."""
    profile = f"cloudgate-{account_name}"
    # A region-less account takes any region in signatures: boto3 needs one all the same.
    region = issued.get("region") or account_region or "us-east-1"
    return "\n".join([
        "", "# ~/.aws/credentials", f"[{profile}]", f"aws_access_key_id = {issued['id']}",
        f"aws_secret_access_key = {issued['secret']}", "", "# ~/.aws/config", f"[profile {profile}]",
        f"region = {region}", f"endpoint_url = {url.rstrip('/')}/ec2", "",
        f"# then: aws --profile {profile} ec2 describe-instances",
        f"#   or: boto3.Session(profile_name={profile!r}).client('ec2')",
    ])  # fmt: skip


def cloudstack_region(issued: Mapping[str, Any], account_name: str, url: str) -> str:
    """What to put in ~/.cloudstack.ini for `cs` (and CloudMonkey-style clients) to use the key through the
    gateway's CloudStack API."""
    region = f"cloudgate-{account_name}"
    return "\n".join([
        "", "# ~/.cloudstack.ini", f"[{region}]", f"endpoint = {url.rstrip('/')}/client/api",
        f"key = {issued['id']}", f"secret = {issued['secret']}", "", f"# then: cs --region {region} listZones",
    ])  # fmt: skip


def google_credentials(issued: Mapping[str, Any], url: str) -> str:
    """How Google's clients use the key: google-auth's user credentials at the gateway's token endpoint, which
    issues a token bound to the key's account (the project) and carrying its scope."""
    base = url.rstrip("/")
    return "\n".join([
        "", "# Google's clients (google-auth): a token for the key, in its scope",
        "#   credentials = google.oauth2.credentials.Credentials(token=None, refresh_token='any',",
        f"#       client_id={issued['id']!r}, client_secret='<the secret>', token_uri='{base}/oauth2/token')",
        f"#   then project={issued['account']!r} at api_endpoint '{base}/compute/v1/'",
    ])  # fmt: skip


def openstack_cloud(client_name: str, account_name: str, url: str) -> str:
    """What to put in clouds.yaml for the openstack CLI and openstacksdk: keystone signs in a gateway client (its
    name and secret, not an access key) to a project, which is one of its accounts."""
    cloud = f"cloudgate-{account_name}"
    return "\n".join([
        "", "# ~/.config/openstack/clouds.yaml", "clouds:", f"  {cloud}:", "    auth:",
        f"      auth_url: {url.rstrip('/')}/openstack/identity",
        f"      username: {client_name}                # a gateway client", '      password: "<its secret>"',
        f"      project_name: {account_name}       # an account the client has proven",
        "      user_domain_name: Default", "      project_domain_name: Default", "    identity_api_version: 3", "",
        f"# then: openstack --os-cloud {cloud} server list",
    ])  # fmt: skip
