"""Change hints from the real OpenStack's notifications (scripts/openstack-dev turns them on): what the
`openstack` CLI changes is heard of as it happens, only the account's own, and the bus's password never
shows in an error."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from cloudgate.drivers.base import AccountConfig, Hint
from cloudgate.drivers.openstack import OpenStackDriver
from cloudgate.drivers.openstack.notifications import Bus
from cloudgate.errors import InvalidRequest, Unavailable, Unsupported
from cloudgate.model import Kind
from tests.services.openstack import OpenStackCloud, on_openstack, openstack_cloud  # noqa: F401 - the session fixture

TIMEOUT = 60.0  # seconds a hint may take to come before the test fails


def notified(cloud: OpenStackCloud, project: str = "project-a", **overrides: str) -> OpenStackDriver:
    """A driver for `project` that listens to the cloud's notifications."""
    credentials = {**cloud.password_credentials(project), "notification_url": cloud.info["notifications"]["url"]}
    return OpenStackDriver(cloud.account_config({**credentials, **overrides}))


class Heard:
    """One feed's hints, read as a test waits for them."""

    def __init__(self, hints: AsyncIterator[Hint]):
        self._hints = hints
        self.seen: list[Hint] = []

    async def until(self, hint: Hint) -> list[Hint]:
        """Read hints until `hint` comes (within TIMEOUT); the hints read before it."""
        before = len(self.seen)
        async with asyncio.timeout(TIMEOUT):
            while hint not in self.seen[before:]:
                self.seen.append(await anext(self._hints))
        return self.seen[before:]


@pytest.fixture
async def heard(openstack_cloud: OpenStackCloud) -> AsyncIterator[Heard]:  # noqa: F811
    driver = notified(openstack_cloud)
    try:
        async with driver.hints() as hints:
            yield Heard(hints)
    finally:
        await driver.close()


@on_openstack
async def test_cli_changes_are_hinted_to_the_projects_account(openstack_cloud: OpenStackCloud, heard: Heard) -> None:  # noqa: F811
    name = f"hinted-{secrets.token_hex(3)}"
    group = openstack_cloud.cli("alice", "security", "group", "create", name, "-f", "json")
    await heard.until(Hint(Kind.SECURITY_GROUP, group["id"]))
    openstack_cloud.cli("alice", "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
                        group["id"])  # fmt: skip
    await heard.until(Hint(Kind.SECURITY_GROUP, group["id"]))
    volume = openstack_cloud.cli("alice", "volume", "create", "--size", "1", name, "-f", "json")
    await heard.until(Hint(Kind.VOLUME, volume["id"]))
    openstack_cloud.cli("alice", "volume", "delete", volume["id"])
    openstack_cloud.cli("alice", "security", "group", "delete", group["id"])
    read = await heard.until(Hint(Kind.SECURITY_GROUP, group["id"]))
    assert {hint.kind for hint in read} <= {Kind.SECURITY_GROUP, Kind.VOLUME}  # nothing of other projects


@on_openstack
async def test_another_projects_changes_are_not_hinted(openstack_cloud: OpenStackCloud, heard: Heard) -> None:  # noqa: F811
    name = f"theirs-{secrets.token_hex(3)}"
    theirs = openstack_cloud.cli("bob", "security", "group", "create", name, "-f", "json")
    mine = openstack_cloud.cli("alice", "security", "group", "create", f"mine-{name}", "-f", "json")
    try:
        read = await heard.until(Hint(Kind.SECURITY_GROUP, mine["id"]))  # said after bob's: bob's was passed over
        assert Hint(Kind.SECURITY_GROUP, theirs["id"]) not in read
    finally:
        openstack_cloud.cli("bob", "security", "group", "delete", theirs["id"])
        openstack_cloud.cli("alice", "security", "group", "delete", mine["id"])


@on_openstack
async def test_a_refused_bus_says_where_without_the_password(openstack_cloud: OpenStackCloud) -> None:  # noqa: F811
    url = urlsplit(openstack_cloud.info["notifications"]["url"])
    wrong = urlunsplit(url._replace(netloc=f"guest:not-the-password-{secrets.token_hex(4)}@{url.hostname}:{url.port}"))
    driver = notified(openstack_cloud, notification_url=wrong)
    try:
        with pytest.raises(Unavailable) as refused:
            async with driver.hints():
                pass
    finally:
        await driver.close()
    said = str(refused.value.to_dict())
    assert f"{url.hostname}:{url.port}" in said and "not-the-password" not in said


@on_openstack
async def test_without_a_bus_the_account_is_polled_only(openstack_cloud: OpenStackCloud) -> None:  # noqa: F811
    driver = OpenStackDriver(openstack_cloud.account_config(openstack_cloud.password_credentials("project-a")))
    try:
        with pytest.raises(Unsupported):
            async with driver.hints():
                pass
    finally:
        await driver.close()


@pytest.mark.parametrize(
    "url", ["http://guest:guest@127.0.0.1:5672/", "rabbit://guest:guest@h1:5672,guest:guest@h2:5672/", "rabbit://"]
)
def test_a_notification_url_that_is_not_one_broker_is_refused_without_echoing_it(url: str) -> None:
    config = AccountConfig("openstack", "http://127.0.0.1:1/v3", None, {"notification_url": url})
    with pytest.raises(InvalidRequest) as refused:
        Bus.of(config)
    assert "guest" not in str(refused.value.to_dict())
    assert refused.value.details == {"field": "credentials.notification_url"}
