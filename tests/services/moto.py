"""moto's standalone server (`moto[server]`) on 127.0.0.1: EC2, STS and IAM behind one endpoint.

IAM authentication is on, so wrong credentials are refused as by AWS. Each account is
provisioned with auth briefly off: an AssumeRole into a fresh account id (moto files
everything done with the returned credentials under that account), then an IAM user
with an access key and a role there, both allowed everything.

Public images: moto loads the AMIs of `MOTO_AMIS_PATH` into every account's EC2 backend
as Amazon's, the way AWS shows its public AMIs to everyone; its own large default
catalogue stays off (`MOTO_EC2_LOAD_DEFAULT_AMIS=false`) to keep it fast. Each account
gets its own copy, though, with its own snapshot ids in the block device mappings: polls
of different accounts keep updating the (shared) public image records, where AWS shows
every account the same AMI.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.services.postgres import free_port

REGION = "us-east-1"
AMAZON_OWNER = "137112412989"  # the owner of Amazon Linux's public AMIs
PUBLIC_AMIS: list[dict[str, Any]] = [
    {"ami_id": "ami-0a1b2c3d4e5f60001", "name": "al2023-ami-2023.6-x86_64", "platform": None,
     "description": "Amazon Linux 2023 AMI", "architecture": "x86_64"},
    {"ami_id": "ami-0a1b2c3d4e5f60002", "name": "debian-12-amd64", "platform": None,
     "description": "Debian 12 (bookworm)", "architecture": "x86_64"},
    {"ami_id": "ami-0a1b2c3d4e5f60003", "name": "Windows_Server-2022-English-Full-Base", "platform": "windows",
     "description": "Microsoft Windows Server 2022", "architecture": "x86_64"},
]  # fmt: skip
ALLOW_EVERYTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
# moto needs some keys to sign the bootstrap AssumeRole while auth is off; it does not check them then.
BOOTSTRAP_KEYS = {"aws_access_key_id": "AKIABOOTSTRAPBOOTSTR", "aws_secret_access_key": "bootstrap"}


@dataclass(frozen=True)
class MotoAccount:
    """An AWS account on the moto server, and credentials of an IAM user in it (the driver's form)."""

    id: str
    credentials: dict[str, str]


@dataclass
class MotoServer:
    root: Path
    port: int
    process: subprocess.Popen
    _ids: itertools.count = field(default_factory=lambda: itertools.count(210000000001))
    _provisioning: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, service: str, credentials: dict[str, str], region: str = REGION) -> Any:
        """A boto3 client on this server: for setting things up, and for changes made behind the gateway's back."""
        return boto3.client(
            service, region_name=region, endpoint_url=self.endpoint, aws_access_key_id=credentials["access_key_id"],
            aws_secret_access_key=credentials["secret_access_key"], aws_session_token=credentials.get("session_token"),
        )  # fmt: skip

    def new_account(self) -> MotoAccount:
        """A fresh account id with an IAM user (and a role `cloudgate`) allowed everything."""
        with self._provisioning:
            account_id = str(next(self._ids))
            self._set_auth(enabled=False)
            try:
                sts = boto3.client("sts", region_name=REGION, endpoint_url=self.endpoint, **BOOTSTRAP_KEYS)
                role_arn = f"arn:aws:iam::{account_id}:role/bootstrap"
                assumed = sts.assume_role(RoleArn=role_arn, RoleSessionName="bootstrap")["Credentials"]
                iam = self.client("iam", {"access_key_id": assumed["AccessKeyId"],
                                          "secret_access_key": assumed["SecretAccessKey"],
                                          "session_token": assumed["SessionToken"]})  # fmt: skip
                iam.create_user(UserName="cloudgate")
                iam.put_user_policy(UserName="cloudgate", PolicyName="all", PolicyDocument=ALLOW_EVERYTHING)
                key = iam.create_access_key(UserName="cloudgate")["AccessKey"]
                user_arn = f"arn:aws:iam::{account_id}:user/cloudgate"  # moto matches the exact caller
                trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                  "Principal": {"AWS": user_arn}}]}  # fmt: skip
                iam.create_role(RoleName="cloudgate", AssumeRolePolicyDocument=json.dumps(trust))
                iam.put_role_policy(RoleName="cloudgate", PolicyName="all", PolicyDocument=ALLOW_EVERYTHING)
            finally:
                self._set_auth(enabled=True)
        credentials = {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}
        return MotoAccount(account_id, credentials)

    def assumed_role_credentials(self, account: MotoAccount) -> dict[str, str]:
        """Temporary credentials (with a session token) of the account's role `cloudgate`."""
        sts = self.client("sts", account.credentials)
        role_arn = f"arn:aws:iam::{account.id}:role/cloudgate"
        assumed = sts.assume_role(RoleArn=role_arn, RoleSessionName="cloudgate")["Credentials"]
        return {"access_key_id": assumed["AccessKeyId"], "secret_access_key": assumed["SecretAccessKey"],
                "session_token": assumed["SessionToken"]}  # fmt: skip

    def _set_auth(self, *, enabled: bool) -> None:
        # moto authenticates once it has served INITIAL_NO_AUTH_ACTION_COUNT requests: 0 is "always".
        response = httpx.post(f"{self.endpoint}/moto-api/reset-auth", content=b"0" if enabled else b"inf")
        response.raise_for_status()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for path in self.root.iterdir():
            path.unlink()
        self.root.rmdir()


def _ami_file(root: Path) -> Path:
    """The public AMIs in the form MOTO_AMIS_PATH takes."""
    amis = [{**ami, "owner_id": AMAZON_OWNER, "public": True, "state": "available", "image_type": "machine",
             "root_device_type": "ebs", "root_device_name": "/dev/xvda", "virtualization_type": "hvm",
             "hypervisor": "xen", "sriov": "simple", "image_location": f"amazon/{ami['name']}"}
            for ami in PUBLIC_AMIS]  # fmt: skip
    path = root / "amis.json"
    path.write_text(json.dumps(amis))
    return path


def start() -> MotoServer:
    root = Path(tempfile.mkdtemp(prefix="cloudgate-moto-"))
    port = free_port()
    env = {**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false", "MOTO_AMIS_PATH": str(_ami_file(root))}
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    log.close()
    server = MotoServer(root, port, process)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{server.endpoint}/moto-api/", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = (root / "server.log").read_text()
            server.stop()
            raise RuntimeError(f"moto did not become ready:\n{output[-2000:]}")
        time.sleep(0.1)  # polling a readiness probe against its deadline
    server._set_auth(enabled=True)
    return server


class _SharedServer:
    """One server for the whole session, whichever test packages ask for it."""

    def __init__(self) -> None:
        self.server: MotoServer | None = None
        self.users = 0

    def acquire(self) -> MotoServer:
        if self.server is None:
            self.server = start()
        self.users += 1
        return self.server

    def release(self) -> None:
        self.users -= 1
        if self.users == 0 and self.server is not None:
            self.server.stop()
            self.server = None


_shared = _SharedServer()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """The moto server, started once per session (import this fixture where it is needed:
    each import is a fixture of its own, and they share the one server)."""
    yield _shared.acquire()
    _shared.release()
