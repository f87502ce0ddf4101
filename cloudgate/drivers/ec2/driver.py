"""Ec2Driver: one AWS account in one region, on EC2's API through aiobotocore."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from cloudgate.drivers.base import AccountConfig, Capabilities, CloudIdentity, Driver
from cloudgate.drivers.ec2 import modify, provision
from cloudgate.drivers.ec2.account import Ec2Account
from cloudgate.drivers.ec2.clients import Ec2Clients
from cloudgate.drivers.ec2.errors import cloud_errors
from cloudgate.drivers.ec2.listing import LISTINGS
from cloudgate.drivers.ec2.scope import Scope
from cloudgate.drivers.ec2.tables import ACTIONS, CREATE_FIELDS, DESTROY_OPERATIONS, EDIT_FIELDS, REQUIRED_FIELDS
from cloudgate.errors import InvalidRequest, Unavailable
from cloudgate.fields import declare
from cloudgate.model import CloudResource, Kind


class Ec2Driver(Driver):
    """`config.endpoint` is "aws" (AWS's own endpoints) or an endpoint URL, `config.region` the region,
    `config.credentials` {access_key_id, secret_access_key, session_token?}; options: see `Ec2Options`."""

    cloud_type = "ec2"
    capabilities = Capabilities(
        kinds=frozenset(LISTINGS),
        create=frozenset(CREATE_FIELDS),
        destroy=frozenset(DESTROY_OPERATIONS),
        edit=EDIT_FIELDS,
        actions={kind: frozenset(actions) for kind, actions in ACTIONS.items()},
        public_kinds=frozenset({Kind.IMAGE}),
    )
    create_fields = declare(CREATE_FIELDS, REQUIRED_FIELDS, name_max=256)  # a Name tag value

    def __init__(self, config: AccountConfig):
        super().__init__(config)
        self.account = Ec2Account.of(config)
        self.clients = Ec2Clients(self.account)
        self._identity: CloudIdentity | None = None

    async def _caller_identity(self) -> dict[str, Any]:
        with cloud_errors():
            return await (await self.clients.sts()).get_caller_identity()

    async def check_credentials(self) -> CloudIdentity:
        """STS GetCallerIdentity: the AWS account id names the account; it needs no permission."""
        response = await self._caller_identity()
        self._identity = CloudIdentity(
            id=response["Account"], name=response["Arn"], attrs={"arn": response["Arn"], "user_id": response["UserId"]}
        )
        return self._identity

    async def server_time(self) -> datetime:
        """The Date header of an STS answer."""
        date = (await self._caller_identity())["ResponseMetadata"]["HTTPHeaders"].get("date")
        if not date:
            raise Unavailable("the cloud's answer carries no Date header")
        return parsedate_to_datetime(date)

    async def _scope(self) -> Scope:
        identity = self._identity or await self.check_credentials()
        with cloud_errors():
            ec2 = await self.clients.ec2()
        return Scope(ec2, self.account, identity.id)

    async def list(self, kind: Kind) -> list[CloudResource]:
        self.capabilities.require(kind, "list")
        scope = await self._scope()
        with cloud_errors():
            return await LISTINGS[kind](scope)

    async def create(self, kind: Kind, spec: Mapping[str, Any]) -> CloudResource:
        self.capabilities.require(kind, "create")
        missing = sorted(field for field in {"name", *REQUIRED_FIELDS[kind]} if spec.get(field) is None)
        if missing:
            raise InvalidRequest(f"an EC2 {kind.value} needs {', '.join(missing)}", details={"fields": missing})
        scope = await self._scope()
        with cloud_errors():
            return await provision.create(scope, kind, spec)

    async def destroy(self, kind: Kind, cloud_id: str) -> None:
        self.capabilities.require(kind, "destroy")
        scope = await self._scope()
        with cloud_errors():
            await provision.destroy(scope, kind, cloud_id)

    async def edit(self, kind: Kind, cloud_id: str, changes: Mapping[str, Any]) -> None:
        self.capabilities.require(kind, "edit")
        for field in changes:
            self.capabilities.require(kind, "edit", field)
        scope = await self._scope()
        with cloud_errors():
            await modify.edit(scope, kind, cloud_id, changes)

    async def action(self, kind: Kind, cloud_id: str, action: str, params: Mapping[str, Any]) -> None:
        self.capabilities.require(kind, "action", action)
        scope = await self._scope()
        with cloud_errors():
            await modify.act(scope, kind, cloud_id, action, params)

    async def close(self) -> None:
        await self.clients.close()
