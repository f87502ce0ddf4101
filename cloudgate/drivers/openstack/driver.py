"""OpenStackDriver: cloudgate's driver for one project on an OpenStack cloud, through openstacksdk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any

from cloudgate.drivers.base import AccountConfig, Capabilities, CloudIdentity, Driver, Hint, ImageData, Progress
from cloudgate.drivers.openstack import image_data, notifications
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
from cloudgate.errors import CloudAuthFailed, CloudgateError, InvalidRequest, Unsupported
from cloudgate.fields import declare
from cloudgate.model import CloudResource, Kind


class OpenStackDriver(Driver):
    """One project of an OpenStack cloud, in one region.

    `config.endpoint` is keystone's auth URL (v3), `config.region` a region (default: the one the
    catalog offers), `config.credentials` either `username`, `password`, `project_name` (and
    `user_domain_name`, `project_domain_name`, default "Default") or `application_credential_id`
    and `application_credential_secret`. The project is the account's identity. With a `notification_url`
    credential the driver hears the cloud's notifications as change hints (notifications.py).
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
        hints=notifications.HINTED_KINDS,
    )
    create_fields = declare(CREATE_FIELDS, REQUIRED_FIELDS)

    def __init__(self, config: AccountConfig):
        super().__init__(config)
        self._connection = AccountConnection(config)
        self._bus = notifications.Bus.of(config)

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

    async def get(self, kind: Kind, cloud_id: str) -> CloudResource | None:
        self.capabilities.require(kind, "list")
        get = KINDS[kind].get
        if get is None:
            raise Unsupported(f"OpenStack {kind.value}s are not read one at a time")
        return await self._connection.run(lambda conn: get(conn, cloud_id))

    def hints(self) -> AbstractAsyncContextManager[AsyncIterator[Hint]]:
        return self._hinting()

    @asynccontextmanager
    async def _hinting(self) -> AsyncIterator[AsyncIterator[Hint]]:
        if self._bus is None:
            raise Unsupported("the account names no notification_url: its changes are polled only")
        owner = await self._connection.run(notifications.owner_of)
        async with notifications.listening(self._bus, owner) as hints:
            yield hints

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
