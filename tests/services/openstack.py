"""A small, real OpenStack on 127.0.0.1, brought up by scripts/openstack-dev once per test session.

`openstack_cloud` is the session fixture: it runs `scripts/openstack-dev up` (a no-op when the cloud
is already up), gives what the cloud is, and runs `down` when the session ends, if it was the one
that brought the cloud up. Test modules that need it import it; they share one bring-up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TypeVar

import openstack
import pytest
from openstack.connection import Connection

from cloudgate.drivers.base import DRIVER_GROUP, AccountConfig
from cloudgate.drivers.openstack import OpenStackDriver

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "openstack-dev"
UP_TIMEOUT_SECONDS = 1200  # a cold bring-up builds the services' venv and their databases
ENTRY_POINT = f"openstack = {OpenStackDriver.__module__}:{OpenStackDriver.__name__}"

# The marks of every test on this cloud: `openstack`, and the time limit on the test function only,
# since the first test to ask for the cloud waits for its bring-up (minutes on a machine with no caches).
MARKS = [pytest.mark.openstack, pytest.mark.timeout(300, func_only=True)]


def on_openstack(test: T) -> T:
    """Gives a test function or class the marks of tests on this cloud."""
    for mark in MARKS:
        test = mark(test)
    return test


@dataclass(frozen=True)
class OpenStackCloud:
    """The cloud as `scripts/openstack-dev info` describes it."""

    info: dict[str, Any]
    started_here: bool
    bring_up: str  # what `up` said last: how long it took, or that the cloud was already up

    @property
    def auth_url(self) -> str:
        return self.info["auth_url"]

    def project(self, name: str) -> dict[str, Any]:
        return self.info["projects"][name]

    def password_credentials(self, project: str, **overrides: str) -> dict[str, str]:
        described = self.project(project)
        return {"username": described["user"], "password": described["password"], "project_name": project,
                "user_domain_name": "Default", "project_domain_name": "Default", **overrides}  # fmt: skip

    def application_credentials(self) -> dict[str, str]:
        credential = self.info["application_credential"]
        return {"application_credential_id": credential["id"], "application_credential_secret": credential["secret"]}

    def account_config(self, credentials: dict[str, str], region: str | None = None) -> AccountConfig:
        return AccountConfig("openstack", self.auth_url, region, credentials)

    def connect(self, cloud: str = "admin") -> Connection:
        """openstacksdk, as a cloud of clouds.yaml: admin, alice (project-a) or bob (project-b)."""
        config = openstack.config.OpenStackConfig(config_files=[self.info["clouds_yaml"]], load_envvars=False)
        return openstack.connection.Connection(config=config.get_one(cloud))

    def close_connections(self, name: str) -> int:
        """Have the cloud's broker drop the AMQP connections a client named `name`; how many it dropped."""
        listed = _run("rabbitmqctl", 60, "list_connections", "pid", "client_properties", "--no-table-headers", "--quiet")
        assert listed.returncode == 0, listed.stderr
        # a line per connection: its pid, a tab, its client properties in Erlang's terms
        said = f'{{"connection_name","{name}"}}'
        pids = [line.split("\t", 1)[0] for line in listed.stdout.splitlines() if said in line]
        for pid in pids:
            closed = _run("rabbitmqctl", 60, "close_connection", pid, "closed by a cloudgate test")
            assert closed.returncode == 0, closed.stderr
        return len(pids)

    def cli(self, cloud: str, *args: str) -> Any:
        """Run the `openstack` CLI as a cloud of clouds.yaml; its JSON output, parsed (None if it printed none)."""
        return openstack_cli(self.info["clouds_yaml"], cloud, *args)


def run_openstack_cli(clouds_yaml: str | Path, cloud: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The unmodified `openstack` CLI in its own process, as a cloud of a clouds.yaml file."""
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(clouds_yaml), "OS_CLOUD": cloud}
    env = {k: v for k, v in env.items() if not k.startswith("OS_") or k in ("OS_CLIENT_CONFIG_FILE", "OS_CLOUD")}
    return subprocess.run(
        [str(Path(sys.executable).with_name("openstack")), *args], env=env, capture_output=True, text=True,
        timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def openstack_cli(clouds_yaml: str | Path, cloud: str, *args: str) -> Any:
    """Run the `openstack` CLI; fails the test if it fails. Its output: parsed where `-f json` asked for JSON,
    else as printed (None if it printed nothing)."""
    done = run_openstack_cli(clouds_yaml, cloud, *args)
    assert done.returncode == 0, f"openstack {' '.join(args)} failed: {done.stderr[-3000:]}"
    if not done.stdout.strip():
        return None
    return json.loads(done.stdout) if "json" in args else done.stdout


def _run(command: str, timeout: float, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), command, *args], capture_output=True, text=True, timeout=timeout)


def start() -> OpenStackCloud:
    was_up = _run("status", 60).returncode == 0
    try:
        up = _run("up", UP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        _run("down", 300)
        pytest.fail(f"scripts/openstack-dev up took more than {UP_TIMEOUT_SECONDS} s")
    if up.returncode != 0:
        pytest.fail(f"scripts/openstack-dev up failed:\n{up.stdout[-4000:]}\n{up.stderr[-4000:]}")
    info = _run("info", 60)
    said = up.stdout.strip().splitlines()
    return OpenStackCloud(json.loads(info.stdout), started_here=not was_up, bring_up=said[-1] if said else "")


def stop(cloud: OpenStackCloud) -> None:
    if cloud.started_here:
        _run("down", 300)


def register_driver() -> Callable[[], None]:
    """Make the `openstack` cloud type loadable through the driver entry points; returns what undoes it.

    Until cloudgate's own metadata lists the entry point, a distribution holding just that entry
    point is put on sys.path, where importlib.metadata finds distributions.
    """
    if any(ep.name == "openstack" for ep in entry_points(group=DRIVER_GROUP)):
        return lambda: None
    where = tempfile.mkdtemp(prefix="cloudgate-openstack-ep-")
    dist = Path(where) / "cloudgate_openstack_driver-0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: cloudgate-openstack-driver\nVersion: 0\n")
    (dist / "entry_points.txt").write_text(f"[{DRIVER_GROUP}]\n{ENTRY_POINT}\n")
    sys.path.insert(0, where)

    def undo() -> None:
        sys.path.remove(where)
        shutil.rmtree(where)

    return undo


_CLOUD = pytest.StashKey["OpenStackCloud | str"]()


@pytest.fixture(scope="session")
def openstack_cloud(request: pytest.FixtureRequest) -> OpenStackCloud:
    """The session's OpenStack: one bring-up (or one failed attempt) however many modules import this fixture."""
    config = request.config
    if _CLOUD not in config.stash:
        config.stash[_CLOUD] = "the OpenStack bring-up failed earlier in this session"
        cloud = start()
        config.stash[_CLOUD] = cloud
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        capture = config.pluginmanager.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"scripts/openstack-dev up: {cloud.bring_up}")
        config.add_cleanup(lambda: stop(cloud))
        config.add_cleanup(register_driver())
    found = config.stash[_CLOUD]
    if isinstance(found, str):
        pytest.fail(found)
    return found
