"""Tokens scoped to one account (keystone's project-scoped tokens): issued for an account the client has
proven only, acting in that account only, exchanged for another scope with the same expiry, inspected."""

from __future__ import annotations

import pytest

from cloudgate.core import Caller
from cloudgate.errors import NotFound, Unauthenticated
from cloudgate.model import Kind
from cloudgate.query import ResourceQuery
from tests.conftest import SimWorld


async def _client_with_one_account(world: SimWorld) -> tuple[str, str, str, str]:
    """(client id, its secret, the account it proved, an account it did not)."""
    core = world.gateway.core
    row, secret = await core.auth.create_client(world.admin, "team-a")
    mine, others = await world.account("p1"), await world.account("p2")
    token = await core.auth.issue_token(row.id, secret)
    caller = Caller(await core.auth.authenticate(token.token))
    view, created = await core.accounts.register(
        caller, cloud="sim", endpoint=world.cloud.endpoint, region=None,
        credentials={"access_key": "p1-key", "secret_key": "p1-secret"},
    )  # fmt: skip
    assert view.row.id == mine and not created  # proving an account the gateway has grants it
    return row.id, secret, mine, others


async def test_a_scoped_token_acts_in_its_account_only(sim_gateway: SimWorld):
    core = sim_gateway.gateway.core
    client, secret, mine, others = await _client_with_one_account(sim_gateway)
    await sim_gateway.poll_all(mine)
    await sim_gateway.poll_all(others)
    scoped = await core.auth.issue_token("team-a", secret, account_id=mine)  # by name, as keystone users log in
    assert (scoped.client_id, scoped.account_id) == (client, mine)
    principal = await core.auth.authenticate(scoped.token)
    assert principal.account_id == mine
    caller = Caller(principal, account_id=principal.account_id)
    flavors = (await core.resources.query(caller, ResourceQuery(kind=Kind.FLAVOR, limit=1000))).records
    assert flavors and {f.account_id for f in flavors} == {mine}
    with pytest.raises(NotFound):
        await core.accounts.get(caller, others)


async def test_a_token_is_scoped_only_to_an_account_its_client_proved(sim_gateway: SimWorld):
    core = sim_gateway.gateway.core
    _client, secret, _mine, others = await _client_with_one_account(sim_gateway)
    with pytest.raises(NotFound):
        await core.auth.issue_token("team-a", secret, account_id=others)
    with pytest.raises(NotFound):
        await core.auth.issue_token("team-a", secret, account_id="acc-0000000000000000")
    unscoped = await core.auth.issue_token("team-a", secret)
    with pytest.raises(NotFound):
        await core.auth.rescope(unscoped.token, others)


async def test_a_token_is_exchanged_for_another_scope_with_the_same_expiry(sim_gateway: SimWorld):
    core = sim_gateway.gateway.core
    client, secret, mine, _others = await _client_with_one_account(sim_gateway)
    unscoped = await core.auth.issue_token(client, secret)
    scoped = await core.auth.rescope(unscoped.token, mine)
    assert scoped.token != unscoped.token and scoped.account_id == mine
    assert scoped.expires_at == unscoped.expires_at
    view = await core.auth.inspect(scoped.token)
    assert (view.principal.client_id, view.principal.account_id) == (client, mine)
    assert view.issued_at <= view.expires_at == unscoped.expires_at
    await core.auth.revoke(Caller(view.principal), scoped.token)
    with pytest.raises(Unauthenticated):
        await core.auth.inspect(scoped.token)
    with pytest.raises(Unauthenticated):
        await core.auth.rescope(scoped.token, None)
    assert (await core.auth.inspect(unscoped.token)).principal.account_id is None  # the first one lives on
