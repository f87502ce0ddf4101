"""The unmodified `aws` CLI (awscli from PyPI), in subprocesses, against the EC2 front-end: describe, run,
wait, terminate — configured by its own environment variables and --endpoint-url, or only by the profile
`cloudgate credential create` prints."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from cloudgate.drivers.sim import SimCloud
from tests.api.conftest import ADMIN_SECRET
from tests.frontends.conftest import Served
from tests.frontends.ec2.conftest import Ec2World
from tests.services.served import CLOUDGATE, clean_env

AWS = str(Path(sys.executable).parent / "aws")


def aws(world: Ec2World, tmp: Path, *args: str) -> Any:
    env = {
        "AWS_ACCESS_KEY_ID": world.key_id, "AWS_SECRET_ACCESS_KEY": world.secret, "AWS_DEFAULT_REGION": world.region,
        "AWS_CONFIG_FILE": str(tmp / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "credentials"),
        "HOME": str(tmp), "PATH": "/usr/bin:/bin",
    }  # fmt: skip
    done = subprocess.run(
        [AWS, "ec2", *args, "--endpoint-url", f"{world.served.url}/ec2", "--output", "json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


async def test_the_aws_cli_describes_runs_and_terminates(ec2: Ec2World, tmp_path: Path):
    def run() -> None:
        images = aws(ec2, tmp_path, "describe-images", "--filters", "Name=name,Values=debian-*")["Images"]
        assert [i["Name"] for i in images] == ["debian-12"]
        launched = aws(ec2, tmp_path, "run-instances", "--image-id", images[0]["ImageId"], "--instance-type", "s1.tiny",
                       "--count", "1", "--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=cli-vm}]")  # fmt: skip
        instance = launched["Instances"][0]["InstanceId"]
        aws(ec2, tmp_path, "wait", "instance-running", "--instance-ids", instance)
        found = aws(ec2, tmp_path, "describe-instances", "--filters", "Name=tag:Name,Values=cli-vm")
        (shown,) = [i for r in found["Reservations"] for i in r["Instances"]]
        assert shown["InstanceId"] == instance and shown["State"]["Name"] == "running"
        ended = aws(ec2, tmp_path, "terminate-instances", "--instance-ids", instance)
        assert ended["TerminatingInstances"][0]["CurrentState"]["Name"] == "shutting-down"
        aws(ec2, tmp_path, "wait", "instance-terminated", "--instance-ids", instance)

    await asyncio.to_thread(run)


async def test_credential_create_prints_a_profile_the_aws_cli_uses_as_it_is(served: Served, quick_sim: SimCloud,
                                                                              tmp_path: Path):  # fmt: skip
    account = await served.account(quick_sim, "AK-B")
    env = clean_env(tmp_path)

    def cloudgate(*args: str, given: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLOUDGATE, *args], env=env, input=given, capture_output=True, text=True, timeout=60)

    def run() -> list[str]:
        assert cloudgate("login", "--url", served.url, "--secret", "-", given=f"{ADMIN_SECRET}\n").returncode == 0
        made = cloudgate("credential", "create", "--account", account)
        assert made.returncode == 0, made.stderr
        _record, credentials = made.stdout.split("# ~/.aws/credentials\n")
        credentials, config = credentials.split("# ~/.aws/config\n")
        config, usage, *_others = config.split("# then: ")  # the other tools' settings follow
        home = tmp_path / "home"
        (home / ".aws").mkdir(parents=True)
        (home / ".aws" / "credentials").write_text(credentials)
        (home / ".aws" / "config").write_text(config)
        profile = usage.split()[2]  # "aws --profile <name> ec2 …"
        aws_env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}  # the files where the aws CLI looks by default
        done = subprocess.run([AWS, "--profile", profile, "ec2", "describe-availability-zones", "--output", "json"],
                              env=aws_env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return [zone["ZoneName"] for zone in json.loads(done.stdout)["AvailabilityZones"]]

    assert sorted(await asyncio.to_thread(run)) == sorted(quick_sim.catalog.regions[quick_sim.regions[0]])
