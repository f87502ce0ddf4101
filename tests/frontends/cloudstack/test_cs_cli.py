"""The `cs` command line, unmodified, in a subprocess: `cloudgate credential create` prints the
~/.cloudstack.ini section it reads as it is, and it lists and deploys through the gateway with it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from cloudgate.drivers.sim import SimCloud
from tests.api.conftest import ADMIN_SECRET
from tests.frontends.conftest import Served
from tests.services.served import CLOUDGATE, clean_env

CS = str(Path(sys.executable).parent / "cs")


async def test_credential_create_prints_a_region_the_cs_command_uses_as_it_is(
    served: Served, quick_sim: SimCloud, tmp_path: Path
) -> None:
    account = await served.account(quick_sim, "AK-B")
    env = clean_env(tmp_path)

    def cloudgate(*args: str, given: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLOUDGATE, *args], env=env, input=given, capture_output=True, text=True, timeout=60)

    def run() -> tuple[list[str], dict]:
        assert cloudgate("login", "--url", served.url, "--secret", "-", given=f"{ADMIN_SECRET}\n").returncode == 0
        made = cloudgate("credential", "create", "--account", account)
        assert made.returncode == 0, made.stderr
        _before, section = made.stdout.split("# ~/.cloudstack.ini\n")
        section, usage = section.split("# then: ")
        home = tmp_path / "home"
        home.mkdir()
        (home / ".cloudstack.ini").write_text(section)
        region = usage.split()[2]  # "cs --region <name> listZones"
        cs_env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}  # where cs looks by default

        def cs(*args: str) -> dict:
            done = subprocess.run([CS, "--region", region, *args], env=cs_env, capture_output=True, text=True,
                                  timeout=120, cwd=home)  # fmt: skip
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)

        zones = cs("listZones")["zone"]
        [offering] = [o for o in cs("listServiceOfferings")["serviceoffering"] if o["name"] == "s1.small"]
        [template] = [t for t in cs("listTemplates", "templatefilter=featured")["template"] if t["name"] == "debian-12"]
        deployed = cs("deployVirtualMachine", f"serviceofferingid={offering['id']}", f"templateid={template['id']}",
                      f"zoneid={zones[0]['id']}", "name=from-cs")  # cs waits for the job  # fmt: skip
        return [z["name"] for z in zones], deployed

    zones, deployed = await asyncio.to_thread(run)
    assert sorted(zones) == sorted(quick_sim.catalog.regions[quick_sim.regions[0]])
    assert (deployed["virtualmachine"]["name"], deployed["virtualmachine"]["state"]) == ("from-cs", "Running")
