"""LibcloudDriver: any Apache Libcloud compute provider, as cloud type `libcloud:<provider>`.

Libcloud drivers are blocking and not thread-safe: each account gets its own libcloud driver
object, used from one worker thread of its own, so calls to one account run one at a time and
nothing above this driver waits on them.
"""

from __future__ import annotations

import asyncio
import builtins
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

import requests
from libcloud.common.exceptions import BaseHTTPError, RateLimitReachedError
from libcloud.common.types import InvalidCredsError, LibcloudError, ProviderError
from libcloud.compute.base import NodeDriver
from libcloud.compute.providers import get_driver

from cloudgate.drivers.base import AccountConfig, CloudIdentity, Driver
from cloudgate.drivers.libcloud.tables import (
    ACTION_ARGS,
    ACTION_METHODS,
    ACTION_REQUIRED,
    ALTERNATE_CREATE_METHODS,
    CREATE_ARGS,
    CREATE_METHODS,
    DESTROY_METHODS,
    HTTP_ERRORS,
    LIST_METHODS,
    REQUIRED_FIELDS,
    capabilities_of,
    implements,
    normalize,
)
from cloudgate.errors import (
    CloudAuthFailed,
    CloudgateError,
    InvalidRequest,
    NotFound,
    Throttled,
    Unavailable,
    Unsupported,
)
from cloudgate.fields import declare
from cloudgate.model import CloudResource, Kind

T = TypeVar("T")

# Listings that prove credentials cheaply, best first.
CREDENTIAL_CHECKS: tuple[str, ...] = ("list_locations", "list_sizes", "list_nodes")


@contextmanager
def native_errors() -> Iterator[None]:
    """Turn libcloud's exceptions into cloudgate's, keeping the provider's HTTP status in `details`."""
    try:
        yield
    except InvalidCredsError as exc:
        raise CloudAuthFailed(str(exc.value), details={"cloud_code": 401}) from exc
    except RateLimitReachedError as exc:
        raise Throttled(str(exc), retry_after=exc.retry_after or None, details={"cloud_code": exc.code}) from exc
    except ProviderError as exc:
        raise HTTP_ERRORS.get(exc.http_code, CloudgateError)(
            str(exc.value), details={"cloud_code": exc.http_code}
        ) from exc
    except BaseHTTPError as exc:
        raise HTTP_ERRORS.get(exc.code, CloudgateError)(exc.message, details={"cloud_code": exc.code}) from exc
    except LibcloudError as exc:
        raise CloudgateError(str(exc.value)) from exc
    except NotImplementedError as exc:
        raise Unsupported(f"the provider does not implement this: {exc}") from exc
    except (OSError, requests.RequestException) as exc:
        raise Unavailable(f"the provider did not answer: {exc!r}") from exc


def driver_arguments(provider_class: type[NodeDriver], config: AccountConfig) -> tuple[list[Any], dict[str, Any]]:
    """The provider driver's arguments: the key (and secret), and the endpoint and region where its
    driver takes them. An endpoint that is not an http(s) URL is a name for a provider with a fixed
    endpoint (`dummy`, or a public cloud's default) and is not passed."""
    credentials = config.credentials
    if "key" not in credentials:
        raise InvalidRequest("libcloud accounts need a 'key' credential (and a 'secret' for most providers)")
    args = [credentials["key"], *([credentials["secret"]] if credentials.get("secret") else [])]
    kwargs: dict[str, Any] = dict(config.options.get("driver_args", {}))
    url = urlsplit(config.endpoint)
    if url.scheme in ("http", "https"):
        kwargs.update(host=url.hostname, port=url.port, secure=url.scheme == "https")
        if url.path.strip("/"):
            kwargs["path"] = url.path
    if config.region:
        kwargs["region"] = config.region
    parameters = inspect.signature(provider_class.__init__).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        refused = sorted(set(kwargs) - parameters.keys())
        if refused:
            raise InvalidRequest(
                f"libcloud's {provider_class.__name__} takes no {', '.join(refused)}: give a plain name as the "
                "endpoint (not a URL), and no region",
                details={"field": "endpoint" if "host" in refused else refused[0]},
            )
    return args, kwargs


class LibcloudDriver(Driver):
    """One account on a libcloud provider (made per provider by `libcloud_driver`).

    `config.credentials` holds `key` and, for most providers, `secret`; `config.endpoint`
    (optional) is the provider URL, passed as host/port/secure/path; `config.region` is passed
    as `region`; `options["driver_args"]` are further keyword arguments of the provider's driver.
    """

    provider_class: ClassVar[type[NodeDriver]]

    def __init__(self, config: AccountConfig):
        super().__init__(config)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"libcloud-{self.cloud_type}")
        self._native: NodeDriver | None = None

    def _provider(self) -> NodeDriver:
        """The account's libcloud driver, made on the worker thread at first use."""
        if self._native is None:
            args, kwargs = driver_arguments(self.provider_class, self.config)
            try:
                self._native = self.provider_class(*args, **kwargs)
            except TypeError as exc:  # the provider's driver wants other arguments than the account gives
                raise InvalidRequest(f"{self.cloud_type} cannot be set up with these credentials: {exc}") from exc
        return self._native

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        with native_errors():
            return await asyncio.get_running_loop().run_in_executor(self._thread, functools.partial(work, *args))

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self._provider(), method)(*args, **kwargs)

    # -- identity and time ----------------------------------------------------------------

    async def check_credentials(self) -> CloudIdentity:
        check = next(method for method in CREDENTIAL_CHECKS if implements(self.provider_class, method))
        await self._run(self._call, check)
        # Libcloud has no portable "who am I": the key names the account on the provider.
        key = self.config.credentials["key"]
        return CloudIdentity(id=str(key), name=str(key), attrs={"provider": self.cloud_type})

    async def server_time(self) -> datetime:
        return await self._run(self._last_date)

    def _last_date(self) -> datetime:
        """The Date header of the provider's last answer (one is fetched first if there was none)."""
        native = self._provider()
        if _last_response(native) is None and implements(self.provider_class, "list_locations"):
            native.list_locations()
        response = _last_response(native)
        if response is None:
            return datetime.now(UTC)  # the provider speaks no HTTP (dummy, local hypervisors): its clock is ours
        return parsedate_to_datetime(response.headers["date"])

    # -- listing --------------------------------------------------------------------------

    async def list(self, kind: Kind) -> list[CloudResource]:
        self.capabilities.require(kind, "list")
        found: dict[str, CloudResource] = {}
        for resource in [normalize(kind, thing) for thing in await self._run(self._objects, kind)]:
            found.setdefault(resource.cloud_id, resource)
        return list(found.values())

    def _objects(self, kind: Kind) -> builtins.list[Any]:
        if kind == Kind.SNAPSHOT:  # libcloud lists snapshots volume by volume
            return [
                snap for volume in self._call("list_volumes") for snap in self._call("list_volume_snapshots", volume)
            ]
        return self._call(LIST_METHODS[kind][0])

    def _find(self, kind: Kind, cloud_id: Any, missing: type[CloudgateError] = NotFound) -> Any:
        """The libcloud object a generic reference names (libcloud methods take objects, not ids)."""
        for thing in self._objects(kind):
            if normalize(kind, thing).cloud_id == str(cloud_id):
                return thing
        raise missing(f"no {kind.value} {cloud_id!r} on this provider")

    # -- create, destroy, act -------------------------------------------------------------

    async def create(self, kind: Kind, spec: Mapping[str, Any]) -> CloudResource:
        self.capabilities.require(kind, "create")
        fields = CREATE_ARGS[kind]
        unknown = set(spec) - fields.keys()
        if unknown:
            raise InvalidRequest(f"unknown fields: {', '.join(sorted(unknown))}")
        missing = sorted(field for field in {"name", *REQUIRED_FIELDS[kind]} if spec.get(field) is None)
        if missing:
            raise InvalidRequest(f"a {kind.value} needs {', '.join(missing)}")
        method = CREATE_METHODS[kind]
        alternate = ALTERNATE_CREATE_METHODS.get(kind)
        if alternate is not None and spec.get(alternate[0]) is not None:
            method = alternate[1]
        made = await self._run(self._create, kind, method, dict(spec))
        resource = normalize(kind, made)
        if getattr(made, "private_key", None):
            resource.attrs["private_key"] = made.private_key
        return resource

    def _create(self, kind: Kind, method: str, spec: dict[str, Any]) -> Any:
        return self._call(method, **self._arguments(CREATE_ARGS[kind], spec))

    def _arguments(self, fields: Mapping[str, tuple[str, Kind | None]], values: Mapping[str, Any]) -> dict[str, Any]:
        """Method arguments from generic values: references become the libcloud objects they name."""
        arguments = {}
        for field, value in values.items():
            argument, refers_to = fields[field]
            arguments[argument] = value if refers_to is None else self._find(refers_to, value, InvalidRequest)
        return arguments

    async def destroy(self, kind: Kind, cloud_id: str) -> None:
        self.capabilities.require(kind, "destroy")
        await self._run(lambda: self._call(DESTROY_METHODS[kind], self._find(kind, cloud_id)))

    async def edit(self, kind: Kind, cloud_id: str, changes: Mapping[str, Any]) -> None:
        """Nothing is declared editable: `require` refuses every edit."""
        self.capabilities.require(kind, "edit")

    async def action(self, kind: Kind, cloud_id: str, action: str, params: Mapping[str, Any]) -> None:
        self.capabilities.require(kind, "action", action)
        fields = ACTION_ARGS.get(action, {})
        unknown = set(params) - fields.keys()
        if unknown:
            raise InvalidRequest(f"unknown parameters: {', '.join(sorted(unknown))}")
        missing = sorted(field for field in ACTION_REQUIRED.get(action, ()) if params.get(field) is None)
        if missing:
            raise InvalidRequest(f"{action} needs {', '.join(missing)}")
        await self._run(self._act, kind, cloud_id, action, dict(params))

    def _act(self, kind: Kind, cloud_id: str, action: str, params: dict[str, Any]) -> None:
        target = self._find(kind, cloud_id)
        arguments = self._arguments(ACTION_ARGS.get(action, {}), params)
        # libcloud's attach_volume takes the node first, then the volume.
        positional = (arguments.pop("node"), target) if "node" in arguments else (target,)
        self._call(ACTION_METHODS[kind][action], *positional, **arguments)

    async def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)


def _last_response(native: NodeDriver) -> Any:
    return getattr(getattr(getattr(native, "connection", None), "connection", None), "response", None)


@functools.cache
def libcloud_driver(provider: str) -> type[LibcloudDriver]:
    """The driver class for one libcloud provider (`cloudgate.drivers` entry point `libcloud`, cloud type `libcloud:<provider>`)."""
    try:
        provider_class = get_driver(provider)
    except AttributeError as exc:
        raise Unsupported(f"libcloud has no compute provider {provider!r}") from exc
    capabilities = capabilities_of(provider_class)
    return type(
        f"Libcloud{provider.title().replace('_', '')}Driver",
        (LibcloudDriver,),
        {
            "cloud_type": f"libcloud:{provider}",
            "capabilities": capabilities,
            "create_fields": declare({kind: CREATE_ARGS[kind] for kind in capabilities.create}, REQUIRED_FIELDS),
            "provider_class": provider_class,
            "__module__": __name__,
        },
    )
