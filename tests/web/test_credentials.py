"""Access keys in a real browser: one issued from the dashboard shows its secret once, with the settings to paste
for each client; boto3 configured with the EC2 settings as shown works against the gateway, and is refused once the
key is revoked from its page; the secret is on no other page (not the list, not the key's page, not after a
reload)."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from playwright.sync_api import Page, expect

from tests.web.conftest import Dashboard, check_page, sign_in


def _ec2_from(settings: str, home: Path, monkeypatch: pytest.MonkeyPatch):
    """An EC2 client of boto3 configured by the files the page says to write, as shown."""
    credentials, config = settings.split("# ~/.aws/config\n")
    config, usage = config.split("# then: ")
    (home / "credentials").write_text(credentials.removeprefix("# ~/.aws/credentials\n"))
    (home / "config").write_text(config)
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                     "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_DEFAULT_REGION"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    profile = re.search(r"--profile (\S+)", usage)
    assert profile, usage
    return boto3.Session(profile_name=profile.group(1)).client("ec2")


def _names(ec2) -> set[str]:
    instances = [instance for r in ec2.describe_instances()["Reservations"] for instance in r["Instances"]]
    return {tag["Value"] for instance in instances for tag in instance.get("Tags", []) if tag["Key"] == "Name"}


def test_issue_use_and_revoke_an_access_key(page: Page, dashboard: Dashboard, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch):  # fmt: skip
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Access keys").click()
    page.get_by_role("link", name="Issue an access key").click()
    expect(page.get_by_role("heading", name="Issue an access key", level=1)).to_be_visible()
    check_page(page, "credential-issue")

    page.get_by_label("Account").select_option(label="alpha-demo")
    page.get_by_label("Name (optional)").fill("laptop")
    page.get_by_label("Default scope (optional)").fill("{not json")
    page.get_by_role("button", name="Issue the key").click()
    expect(page.get_by_role("alert")).to_contain_text("A scope is a JSON object")
    expect(page.get_by_label("Name (optional)")).to_have_value("laptop")
    page.get_by_label("Default scope (optional)").fill("")
    page.get_by_role("button", name="Issue the key").click()

    expect(page.get_by_role("heading", name=re.compile("^laptop"), level=1)).to_be_visible()
    key_id, secret = page.locator("#key-id").inner_text(), page.locator("#key-secret").inner_text()
    assert re.fullmatch(r"CG[A-Z2-7]{18}", key_id) and len(secret) >= 30
    aws = page.locator("#settings-aws").inner_text()
    assert f"aws_access_key_id = {key_id}" in aws and f"aws_secret_access_key = {secret}" in aws
    assert f"endpoint_url = {dashboard.url}/ec2" in aws
    expect(page.locator("#settings-cloudstack")).to_contain_text(f"secret = {secret}")
    expect(page.locator("#settings-openstack")).to_contain_text(f"auth_url: {dashboard.url}/openstack/identity")
    expect(page.locator("#settings-google")).to_contain_text(f"client_id='{key_id}'")
    check_page(page, "credential-issued")

    ec2 = _ec2_from(aws, tmp_path, monkeypatch)
    assert {"web-1", "web-2", "db-1"} <= _names(ec2)  # the key's account, through the gateway's EC2 API

    # Once only: a reload shows the key's own page, without the secret; so do the list and the key's page.
    expect(page).to_have_url(f"{dashboard.url}/ui/credentials/{key_id}")
    page.reload()
    expect(page.locator("#key-secret")).to_have_count(0)
    expect(page.locator("#settings-aws")).to_contain_text("<the secret shown once, when the key was issued>")
    assert secret not in page.content()
    page.get_by_role("link", name="Access keys", exact=True).first.click()
    row = page.locator(f"#keys tr[data-key='{key_id}']")
    expect(row).to_contain_text("alpha-demo")
    expect(row).to_contain_text("active")
    assert secret not in page.content()
    check_page(page, "credentials")

    row.get_by_role("link", name=key_id).click()
    page.get_by_role("link", name="Revoke…").click()
    expect(page.get_by_role("heading", name=f"Revoke the access key {key_id}?")).to_be_visible()
    check_page(page, "credential-revoke")
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.locator("#notice")).to_contain_text("Access key revoked")
    expect(page.locator("#key-state")).to_contain_text("revoked")
    expect(page.locator("#settings-aws")).to_have_count(0)  # nothing to paste for a revoked key
    with pytest.raises(ClientError) as refused:
        _names(ec2)
    assert refused.value.response["Error"]["Code"] == "AuthFailure"
