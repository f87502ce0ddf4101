"""OpenStackDriver: cloudgate's driver for one project on an OpenStack cloud, through openstacksdk."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from cloudgate.drivers.base import AccountConfig, Capabilities, CloudIdentity, Driver, ImageData, Progress
from cloudgate.drivers.openstack import image_data
from cloudgate.drivers.openstack.identity import explain_refusal, server_time, whoami
from cloudgate.drivers.openstack.kinds import KINDS
from cloudgate.drivers.openstack.session import AccountConnection
from cloudgate.drivers.openstack.translate import (
    ACTION_REQUIRED,
    ACTIONS,
    CREATE_FIELDS,
    EDIT_FIELDS,
    REQUIRED_FIELDS,
    to_native,
)  # fmt: skip
from cloudgate.errors import CloudAuthFailed, CloudgateError, InvalidRequest
from cloudgate.fields import declare
from cloudgate.model import CloudResource, Kind


class OpenStackDriver(Driver):
    """One project of an OpenStack cloud, in one region.

    `config.endpoint` is keystone's auth URL (v3), `config.region` a region (default: the one the
    catalog offers), `config.credentials` either `username`, `password`, `project_name` (and
    `user_domain_name`, `project_domain_name`, default "Default") or `application_credential_id`
    and `application_credential_secret`. The project is the account's identity.
    """

    cloud_type = "openstack"
    capabilities = Capabilities(
        kinds=frozenset(KINDS),
        create=frozenset(kind for kind, calls in KINDS.items() if calls.create),
        destroy=frozenset(kind for kind, calls in KINDS.items() if calls.destroy),
        edit={kind: frozenset(fields) for kind, fields in EDIT_FIELDS.items()},
        actions={kind: frozenset(actions) for kind, actions in ACTIONS.items()},
        public_kinds=frozenset({Kind.IMAGE}),
        image_transfer=frozenset({"read", "write"}),
    )
    create_fields = declare(CREATE_FIELDS, REQUIRED_FIELDS)

    def __init__(self, config: AccountConfig):
        super().__init__(config)
        self._connection = AccountConnection(config)

    async def check_credentials(self) -> CloudIdentity:
        try:
            return await self._connection.run(whoami)
        except CloudAuthFailed as refused:
            error = refused  # the except name goes at the block's end; the call runs on another thread
            explained: CloudgateError = await self._connection.run(lambda _conn: explain_refusal(self.config, error))
            raise explained from refused

    async def server_time(self) -> datetime:
        return await self._connection.run(server_time)

    async def list(self, kind: Kind) -> list[CloudResource]:
        self.capabilities.require(kind, "list")
        return await self._connection.run(KINDS[kind].list)

    async def create(self, kind: Kind, spec: Mapping[str, Any]) -> CloudResource:
        self.capabilities.require(kind, "create")
        missing = sorted(field for field in {"name", *REQUIRED_FIELDS[kind]} if spec.get(field) in (None, ""))
        if missing:
            raise InvalidRequest(f"a {kind.value} needs {', '.join(missing)}")
        native = to_native(kind, CREATE_FIELDS[kind], spec)
        create = KINDS[kind].create
        assert create is not None  # the capabilities say so
        return await self._connection.run(lambda conn: create(conn, native))

    async def destroy(self, kind: Kind, cloud_id: str) -> None:
        self.capabilities.require(kind, "destroy")
        destroy = KINDS[kind].destroy
        assert destroy is not None
        await self._connection.run(lambda conn: destroy(conn, cloud_id))

    async def edit(self, kind: Kind, cloud_id: str, changes: Mapping[str, Any]) -> None:
        self.capabilities.require(kind, "edit")
        for field in changes:
            self.capabilities.require(kind, "edit", field)
        native = to_native(kind, EDIT_FIELDS[kind], changes)
        edit = KINDS[kind].edit
        assert edit is not None
        await self._connection.run(lambda conn: edit(conn, cloud_id, native))

    async def action(self, kind: Kind, cloud_id: str, action: str, params: Mapping[str, Any]) -> None:
        self.capabilities.require(kind, "action", action)
        native = to_native(kind, ACTIONS[kind][action], params)
        missing = sorted(ACTION_REQUIRED.get((kind, action), frozenset()) - params.keys())
        if missing:
            raise InvalidRequest(f"{action} needs {', '.join(missing)}")
        call = KINDS[kind].actions[action]
        await self._connection.run(lambda conn: call(conn, cloud_id, native))

    def read_image(self, cloud_id: str) -> AbstractAsyncContextManager[ImageData]:
        return image_data.reading(self.config, cloud_id)

    async def write_image(self, spec: Mapping[str, Any], data: ImageData, progress: Progress) -> CloudResource:
        return await image_data.write(self.config, spec, data, progress)

    async def close(self) -> None:
        await self._connection.close()
