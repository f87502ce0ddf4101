"""Foreign credentials: issued per client and account, verified with the real clients' signers (botocore's
SigV4, `cs`'s CloudStack signature), revoked, sealed at rest, never logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from cloudgate.core import Caller, Principal
from cloudgate.errors import InvalidRequest, NotFound, RevokedCredential, SignatureMismatch, UnknownCredential
from cloudgate.frontends.cloudstack.signing import signature_matches as cloudstack_signature_matches
from cloudgate.frontends.ec2.signing import read_signature
from cloudgate.frontends.ec2.signing import signature_matches as sigv4_signature_matches
from cloudgate.model import Kind
from cloudgate.query import ResourceQuery
from cloudgate.store.schema import foreign_credentials
from tests.conftest import SimWorld
from tests.frontends.signed import CloudStackRequest, SigV4Request, cloudstack_signed, sigv4_signed


def sigv4_check(request: SigV4Request):
    signature = read_signature(request.headers)
    return lambda secret: sigv4_signature_matches(
        signature, secret, method=request.method, url=request.url, headers=request.headers, body=request.body
    )


def cloudstack_check(request: CloudStackRequest):
    return lambda secret: cloudstack_signature_matches(request.params, request.signature, secret)


async def _client(world: SimWorld, name: str) -> Caller:
    row, _secret = await world.gateway.core.auth.create_client(world.admin, name)
    return Caller(Principal(row.id, row.name, False))


async def test_a_sigv4_request_signed_by_botocore_speaks_for_the_key_s_account_only(sim_gateway: SimWorld):
    core = sim_gateway.gateway.core
    alice = await _client(sim_gateway, "alice")
    mine = await sim_gateway.account("p1")
    other = await sim_gateway.account("p2")
    await core.accounts.register(alice, cloud="sim", endpoint=sim_gateway.cloud.endpoint, region=None,
                                 credentials={"access_key": "p1-key", "secret_key": "p1-secret"})  # fmt: skip
    await core.accounts.register(alice, cloud="sim", endpoint=sim_gateway.cloud.endpoint, region=None,
                                 credentials={"access_key": "p2-key", "secret_key": "p2-secret"})  # fmt: skip
    sim_gateway.cloud.populate("p1", sim_gateway.cloud.regions[0], servers=2)
    sim_gateway.cloud.populate("p2", sim_gateway.cloud.regions[0], servers=3)
    await sim_gateway.poll_all(mine)
    await sim_gateway.poll_all(other)

    view, secret = await core.credentials.issue(alice, mine, name="ci")
    assert view.id.startswith("CG") and len(view.id) == 20 and view.account_id == mine
    request = sigv4_signed(view.id, secret, region=sim_gateway.cloud.regions[0])

    caller = await core.credentials.authenticate(view.id, sigv4_check(request), request_id="req-1")
    assert (caller.client_id, caller.account_id, caller.request_id) == (alice.client_id, mine, "req-1")
    seen = await core.resources.query(caller, ResourceQuery(kind=Kind.INSTANCE))
    assert {r.account_id for r in seen.records} == {mine} and len(seen.records) == 2
    with pytest.raises(NotFound):  # the key's caller cannot reach the client's other account
        await core.accounts.get(caller, other)

    tampered = SigV4Request(request.method, request.url, request.headers, request.body + b"&DryRun=true")
    with pytest.raises(SignatureMismatch):
        await core.credentials.authenticate(view.id, sigv4_check(tampered))
    wrong_secret = sigv4_signed(view.id, secret + "x", region=sim_gateway.cloud.regions[0])
    with pytest.raises(SignatureMismatch):
        await core.credentials.authenticate(view.id, sigv4_check(wrong_secret))
    with pytest.raises(UnknownCredential):
        await core.credentials.authenticate("CGAAAAAAAAAAAAAAAAAA", sigv4_check(request))


async def test_a_cloudstack_request_signed_by_cs_is_verified_as_cloudstack_verifies_it(sim_gateway: SimWorld):
    core = sim_gateway.gateway.core
    account = await sim_gateway.account()
    view, secret = await core.credentials.issue(sim_gateway.admin, account)

    plain = cloudstack_signed(view.id, secret, "listVirtualMachines", name="web 1", keyword="a/b:c*")
    caller = await core.credentials.authenticate(view.id, cloudstack_check(plain))
    assert caller.account_id == account and not caller.is_admin  # bound to its account, whatever its client may do

    with pytest.raises(SignatureMismatch):  # cs leaves "~" unencoded where CloudStack's server encodes it
        await core.credentials.authenticate(view.id, cloudstack_check(cloudstack_signed(view.id, secret, "listZones", name="a~b")))
    forged = CloudStackRequest([*plain.params[:-1], ("name", "web 2")], plain.signature)
    with pytest.raises(SignatureMismatch):
        await core.credentials.authenticate(view.id, cloudstack_check(forged))


async def test_a_revoked_key_and_a_key_of_a_withdrawn_account_are_refused(sim_gateway: SimWorld):
    core = sim_gateway.gateway.core
    alice = await _client(sim_gateway, "alice")
    account = await sim_gateway.account()
    await core.accounts.register(alice, cloud="sim", endpoint=sim_gateway.cloud.endpoint, region=None,
                                 credentials={"access_key": "p1-key", "secret_key": "p1-secret"})  # fmt: skip
    first, first_secret = await core.credentials.issue(alice, account)
    second, second_secret = await core.credentials.issue(alice, account)
    request = cloudstack_signed(first.id, first_secret, "listZones")
    await core.credentials.authenticate(first.id, cloudstack_check(request))  # checked once: now trusted a while

    revoked = await core.credentials.revoke(alice, first.id)
    assert revoked.revoked_at is not None
    with pytest.raises(RevokedCredential):  # at once in this process, trust window or not
        await core.credentials.authenticate(first.id, cloudstack_check(request))
    assert [v.id for v in await core.credentials.list(alice) if v.revoked_at is None] == [second.id]
    bob = await _client(sim_gateway, "bob")
    with pytest.raises(NotFound):  # another client's key
        await core.credentials.revoke(bob, second.id)

    other = cloudstack_signed(second.id, second_secret, "listZones")
    await core.credentials.authenticate(second.id, cloudstack_check(other))
    await core.accounts.remove(alice, account)  # alice withdraws her access; the admin keeps the account
    with pytest.raises(RevokedCredential):
        await core.credentials.authenticate(second.id, cloudstack_check(other))


async def test_secrets_are_sealed_at_rest_and_never_logged(
    sim_gateway: SimWorld, caplog: pytest.LogCaptureFixture, tmp_path: Path
):
    core = sim_gateway.gateway.core
    account = await sim_gateway.account()
    with caplog.at_level(logging.DEBUG):
        view, secret = await core.credentials.issue(sim_gateway.admin, account)
        await core.credentials.authenticate(view.id, cloudstack_check(cloudstack_signed(view.id, secret, "listZones")))
        with pytest.raises(SignatureMismatch):
            await core.credentials.authenticate(view.id, lambda _secret: False)
        await core.credentials.revoke(sim_gateway.admin, view.id)
    assert all(secret not in record.getMessage() and secret not in str(record.args) for record in caplog.records)
    async with sim_gateway.gateway.store.read() as conn:
        stored = (await conn.execute(select(foreign_credentials))).mappings().all()
    assert len(stored) == 1 and secret.encode() not in bytes(stored[0]["secret"])
    assert all(secret not in str(value) for value in stored[0].values())
    assert secret not in str(view.to_dict())
    for path in tmp_path.glob("store.sqlite*"):  # the SQLite store, its WAL included
        assert secret.encode() not in path.read_bytes()


async def test_a_key_may_be_bound_to_the_account_s_region_only(sim_gateway: SimWorld):
    core = sim_gateway.gateway.core
    region = sim_gateway.cloud.regions[0]
    account = await sim_gateway.account(region=region)
    view, _secret = await core.credentials.issue(sim_gateway.admin, account, region=region)
    assert [v.region for v in await core.credentials.list(sim_gateway.admin, account)] == [region]
    with pytest.raises(InvalidRequest, match="region"):
        await core.credentials.issue(sim_gateway.admin, account, region="elsewhere-1")
