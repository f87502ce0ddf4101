"""Foreign id formats: every gateway id round-trips, the values are fixed forever, and a resync gives the
same foreign ids (found again through the store)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from hypothesis import given
from hypothesis import strategies as st

from cloudgate.foreign_ids import (
    EC2_PREFIX, UUID_CODES, from_ec2_id, from_gce_id, from_uuid, numeric_id, to_ec2_id, to_gce_id, to_uuid,
)  # fmt: skip
from cloudgate.model import ID_PREFIX, Kind, gateway_id, new_gateway_id
from cloudgate.query import Match, ResourceQuery
from tests.conftest import SimWorld

hex_digits = st.text("0123456789abcdef", min_size=1, max_size=1)


@given(st.sampled_from(list(UUID_CODES)), st.data())
def test_every_gateway_id_round_trips_through_its_uuid(prefix: str, data: st.DataObject):
    digits = UUID_CODES[prefix][1]
    gateway = f"{prefix}-{''.join(data.draw(st.lists(hex_digits, min_size=digits, max_size=digits)))}"
    text = to_uuid(gateway)
    assert uuid.UUID(text).version == 8 and str(uuid.UUID(text)) == text
    assert from_uuid(text) == gateway
    assert from_uuid(text.upper()) == gateway


@given(st.sampled_from(sorted(EC2_PREFIX)), st.text(min_size=1, max_size=40))
def test_ec2_and_gce_ids_carry_the_numeric_id(kind: Kind, cloud_id: str):
    gateway = gateway_id("acc-1", kind, cloud_id)
    ec2 = to_ec2_id(kind, gateway)
    assert len(ec2.split("-", 1)[1]) == 17
    assert from_ec2_id(ec2) == (kind, numeric_id(gateway))
    assert from_gce_id(to_gce_id(gateway)) == numeric_id(gateway) < 2**63


def test_the_values_are_fixed():
    # Handed out to clients once, these must never change: a different value here breaks every client.
    gateway = gateway_id("acc-0123456789abcdef", Kind.INSTANCE, "srv-000001")
    assert gateway == "i-8c2c87f130a52585b38a"
    assert to_uuid(gateway) == "48c2c87f-130a-8525-885b-38a000000000"
    assert to_ec2_id(Kind.INSTANCE, gateway) == "i-03a2b4669a6ed95fb"
    assert to_gce_id(gateway) == "4191521297784477179"
    assert to_uuid("acc-0123456789abcdef") == "a0123456-789a-8bcd-8ef0-000000000000"


def test_anything_else_decodes_to_nothing():
    for text in ("", "i-03a2b4669a6ed95fb0", "i-13a2b4669a6ed95fb", "x-03a2b4669a6ed95fb", "i-083a2b4669a6ed95f"):
        assert from_ec2_id(text) is None, text
    for text in ("", "-1", "1" * 20, "9223372036854775808", "١٢٣", "12a"):
        assert from_gce_id(text) is None, text
    random_v4 = str(uuid.uuid4())
    for text in ("", random_v4, "48c2c87f-130a-8525-885b-38a000000001", "f8c2c87f-130a-8525-885b-38a000000000"):
        assert from_uuid(text) is None, text



def test_pre_assigned_ids_of_every_kind_have_a_uuid():
    for kind in Kind:
        fresh = new_gateway_id(kind)
        assert fresh.startswith(ID_PREFIX[kind]) and from_uuid(to_uuid(fresh)) == fresh


async def test_a_resync_gives_the_same_foreign_ids(sim_gateway: SimWorld):
    core = sim_gateway.gateway.core
    account = await sim_gateway.account()
    sim_gateway.cloud.populate("p1", sim_gateway.cloud.regions[0], servers=3, volumes=2)
    await sim_gateway.poll_all(account)
    before = {(r.kind, r.id): (to_uuid(r.id), to_gce_id(r.id)) for r in await sim_gateway.stored(account)}

    await core.operations.resync(sim_gateway.admin, rebuild=True)
    await sim_gateway.settle()

    after = {(r.kind, r.id): (to_uuid(r.id), to_gce_id(r.id)) for r in await sim_gateway.stored(account)}
    assert after == before
    for kind, resource_id in before:
        if kind in EC2_PREFIX:  # found again by the number its EC2 id holds
            _kind, number = from_ec2_id(to_ec2_id(kind, resource_id)) or (None, 0)
            query = ResourceQuery(kind=kind, matches=(Match("numeric_id", (number,)),))
            assert (await core.resources.find(sim_gateway.admin, query)).id == resource_id


def test_gateway_ids_are_the_same_in_another_process():
    # Another interpreter with another hash seed: ids must not depend on anything per process.
    script = "from cloudgate.model import Kind, gateway_id; print(gateway_id('acc-0123456789abcdef', Kind.INSTANCE, 'srv-000001'))"
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60,
                           env={**os.environ, "PYTHONHASHSEED": "12345"})  # fmt: skip
    assert other.stdout.strip() == "i-8c2c87f130a52585b38a" == gateway_id("acc-0123456789abcdef", Kind.INSTANCE, "srv-000001")
