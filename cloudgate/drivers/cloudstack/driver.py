"""CloudStackDriver: one CloudStack account, spoken to through `cs`'s asyncio client (which signs every request)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from cs import AIOCloudStack

from cloudgate.drivers.base import AccountConfig, Capabilities, CloudIdentity, Driver
from cloudgate.drivers.cloudstack.commands import (
    ACTIONS,
    CREATIONS,
    DESTRUCTION_OPTIONS,
    DESTRUCTIONS,
    LISTINGS,
    rule_params,
    to_native,
)
from cloudgate.drivers.cloudstack.translate import native_errors, normalize
from cloudgate.errors import CloudAuthFailed, InvalidRequest, Unavailable
from cloudgate.fields import declare
from cloudgate.model import CloudResource, Kind


class CloudStackDriver(Driver):
    """One CloudStack account.

    `config.endpoint` is the API URL (`https://host:8080/client/api`), `config.credentials`
    holds `api_key` and `secret_key`. Options: `page_size` (500), `poll_interval` between job
    polls (2 s), `job_timeout` (600 s), `request_timeout` (30 s), `expunge` (destroy machines
    for good, off by default: CloudStack allows it to admins or where
    allow.user.expunge.recover.vm is set). A CloudStack account spans every zone of its
    endpoint, so `config.region` is not used.

    Every asynchronous command (deploy, start, stop, attach, …) is followed to the end of its
    job through queryAsyncJobResult (`cs`'s fetch_result), so a job's failure is this call's.
    """

    cloud_type = "cloudstack"
    capabilities = Capabilities(
        kinds=frozenset(LISTINGS),
        create=frozenset(CREATIONS),
        destroy=frozenset(DESTRUCTIONS),
        actions={kind: frozenset(actions) for kind, actions in ACTIONS.items()},
        public_kinds=frozenset({Kind.IMAGE}),
    )
    create_fields = declare(
        {kind: [*creation.fields, *creation.after] for kind, creation in CREATIONS.items()},
        {kind: creation.required for kind, creation in CREATIONS.items()},
        name_max=63,  # a virtual machine's name is its host name
    )

    def __init__(self, config: AccountConfig):
        super().__init__(config)
        self._session: aiohttp.ClientSession | None = None
        self._client: AIOCloudStack | None = None
        self._page_size = int(config.options.get("page_size", 500))

    def _api(self) -> AIOCloudStack:
        # Made on first use: an aiohttp session belongs to the running event loop.
        if self._client is None:
            options = self.config.options
            timeout = float(options.get("request_timeout", 30))
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
            self._client = AIOCloudStack(
                endpoint=self.config.endpoint,
                key=self.config.credentials.get("api_key", ""),
                secret=self.config.credentials.get("secret_key", ""),
                session=self._session,
                fetch_result=True,
                timeout=int(timeout),
                poll_interval=float(options.get("poll_interval", 2.0)),
                job_timeout=int(options.get("job_timeout", 600)),
            )
        return self._client

    async def _call(self, command: str, **params: Any) -> Any:
        return await getattr(self._api(), command)(**params)

    async def _list(self, command: str, **params: Any) -> list[dict[str, Any]]:
        """Every page of a listing (`cs` follows page/pagesize to the end)."""
        return await self._call(command, fetch_list=True, pagesize=self._page_size, **params)

    async def check_credentials(self) -> CloudIdentity:
        with native_errors():
            accounts = await self._list("listAccounts")
        if not accounts:
            raise CloudAuthFailed("CloudStack lists no account for these keys")
        account = accounts[0]
        return CloudIdentity(
            id=str(account["id"]),
            name=account["name"],
            attrs={"domain": account.get("domain"), "role": account.get("roletype")},
        )

    async def server_time(self) -> datetime:
        # CloudStack has no clock call: every answer carries the server's Date header.
        with native_errors():
            async with self._api().session.get(self.config.endpoint) as response:
                date = response.headers.get("Date")
        if date is None:
            raise Unavailable("CloudStack's answer carries no Date header")
        return parsedate_to_datetime(date)

    async def list(self, kind: Kind) -> list[CloudResource]:
        self.capabilities.require(kind, "list")
        found: dict[str, CloudResource] = {}
        with native_errors():
            for listing in LISTINGS[kind]:
                for raw in await self._list(listing.command, **listing.params):
                    resource = normalize(kind, raw)
                    found.setdefault(resource.cloud_id, resource)
        return list(found.values())

    async def create(self, kind: Kind, spec: Mapping[str, Any]) -> CloudResource:
        self.capabilities.require(kind, "create")
        creation = CREATIONS[kind]
        missing = sorted(field for field in {"name", *creation.required} if spec.get(field) is None)
        if missing:
            raise InvalidRequest(f"a {kind.value} needs {', '.join(missing)}")
        native = to_native(creation.fields, {key: value for key, value in spec.items() if key not in creation.after})
        native.update({param: spec[generic] for param, generic in creation.copies.items()})
        rules = [rule_params(rule) for rule in _rules(spec)] if "rules" in creation.after else []
        command = creation.command
        if creation.alternate is not None and spec.get(creation.alternate[0]) is not None:
            command = creation.alternate[1]
        with native_errors():
            if kind == Kind.VOLUME:
                native = await self._with_disk_offering(native)
            raw = _record(await self._call(command, **native))
            for rule_command, params in rules:
                raw = _record(await self._call(rule_command, securitygroupid=raw["id"], **params))
        private_key = raw.pop("privatekey", None)  # handed out by this call only; kept out of cloud_attrs
        resource = normalize(kind, raw)
        if private_key is not None:
            resource.attrs["private_key"] = private_key
        return resource

    async def _with_disk_offering(self, native: dict[str, Any]) -> dict[str, Any]:
        """A volume needs a disk offering: one of exactly its size, else one of a custom size."""
        if "diskofferingid" in native or "snapshotid" in native:
            return native
        offerings = await self._list("listDiskOfferings")
        size = native.get("size")
        exact = next((o for o in offerings if not o.get("iscustomized") and o.get("disksize") == size), None)
        if exact is not None:
            return {**{key: value for key, value in native.items() if key != "size"}, "diskofferingid": exact["id"]}
        custom = next((o for o in offerings if o.get("iscustomized")), None)
        if custom is None:
            raise InvalidRequest(f"this cloud offers no {size} GB disk and no disk of a custom size")
        return {**native, "diskofferingid": custom["id"]}

    async def destroy(self, kind: Kind, cloud_id: str) -> None:
        self.capabilities.require(kind, "destroy")
        command, id_param = DESTRUCTIONS[kind]
        options = DESTRUCTION_OPTIONS.get(kind, {})
        extra = {param: True for option, param in options.items() if self.config.options.get(option)}
        with native_errors():
            await self._call(command, **{id_param: cloud_id}, **extra)

    async def edit(self, kind: Kind, cloud_id: str, changes: Mapping[str, Any]) -> None:
        """Nothing is declared editable: `require` refuses every edit."""
        self.capabilities.require(kind, "edit")

    async def action(self, kind: Kind, cloud_id: str, action: str, params: Mapping[str, Any]) -> None:
        self.capabilities.require(kind, "action", action)
        command, fields, required = ACTIONS[kind][action]
        missing = sorted(field for field in required if params.get(field) is None)
        if missing:
            raise InvalidRequest(f"{action} needs {', '.join(missing)}")
        native = to_native(fields, params)
        with native_errors():
            await self._call(command, id=cloud_id, **native)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = self._client = None


def _record(result: Mapping[str, Any]) -> dict[str, Any]:
    """The resource in a command's answer or job result ({"virtualmachine": {…}}, {"keypair": {…}}, …)."""
    records = [value for value in result.values() if isinstance(value, dict)]
    if len(records) != 1:
        raise Unavailable(f"unexpected CloudStack answer: {sorted(result)}")
    return records[0]


def _rules(spec: Mapping[str, Any]) -> list[Any]:
    rules = spec.get("rules") or []
    if not isinstance(rules, list):
        raise InvalidRequest("rules must be a list of objects")
    return rules
