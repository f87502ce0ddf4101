"""Request and response bodies of the /v1 API, so the OpenAPI spec says exactly what goes over the wire.

Views of core records allow extra fields: a field the core adds reaches clients before the
spec names it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery, TagMatch

Name = Annotated[str, Field(min_length=1, max_length=200)]
Secret = Annotated[str, Field(min_length=1, max_length=1000)]


class View(BaseModel):
    model_config = ConfigDict(extra="allow")


# -- errors --------------------------------------------------------------------------------


class ErrorInfo(View):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`, `invalid_request`.")
    message: str
    retry_after: float | None = Field(None, description="Seconds to wait before retrying (throttling).")
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    error: ErrorInfo


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "The request was refused; `error.code` says why."},
    "5XX": {"model": ErrorBody, "description": "The gateway or a cloud failed."},
}


# -- clients and tokens ---------------------------------------------------------------------


class TokenRequest(BaseModel):
    client_id: Name
    secret: Secret


class TokenOut(BaseModel):
    token: str
    expires_at: float = Field(description="Unix time after which the token is refused.")
    client_id: str


class TokenRevoke(BaseModel):
    token: Secret


class WhoAmI(BaseModel):
    client_id: str
    name: str
    is_admin: bool


class ClientCreate(BaseModel):
    name: Name
    admin: bool = False


class ClientOut(BaseModel):
    id: str
    name: str
    is_admin: bool
    created_at: float


class ClientCreated(BaseModel):
    id: str
    name: str
    is_admin: bool
    secret: str = Field(description="Shown once: only its hash is kept.")


class ClientList(BaseModel):
    items: list[ClientOut]


# -- accounts --------------------------------------------------------------------------------


class AccountCreate(BaseModel):
    cloud: str = Field(min_length=1, max_length=100, description="A cloud type from `GET /v1/clouds`.")
    endpoint: str = Field(min_length=1, max_length=2000)
    region: str | None = Field(None, max_length=200)
    credentials: dict[str, str]
    name: str | None = Field(None, max_length=200)
    options: dict[str, Any] = Field(default_factory=dict)
    alias: str | None = Field(None, max_length=64, description="What you call the account in scopes (CloudOne).")


class AliasUpdate(BaseModel):
    alias: str | None = Field(max_length=64, description="What you call the account in scopes; null removes it.")


class CredentialsUpdate(BaseModel):
    credentials: dict[str, str]


class PollStateOut(View):
    kind: str
    last_success_at: float | None
    last_attempt_at: float | None
    failures: int
    last_error: dict[str, Any] | None
    resources: int | None


class AccountOut(View):
    id: str
    name: str
    alias: str | None = Field(None, description="What the caller calls it in scopes.")
    cloud: str
    endpoint: str
    region: str | None
    identity: str
    identity_name: str
    options: dict[str, Any] = Field(default_factory=dict, description="The driver's options, as registered.")
    health: str
    last_error: dict[str, Any] | None
    created_at: float
    updated_at: float
    polls: list[PollStateOut]


class AccountList(BaseModel):
    items: list[AccountOut]


class CheckResult(View):
    ok: bool
    identity: str | None = None
    identity_name: str | None = None
    clock_skew_seconds: float | None = None
    error: ErrorInfo | None = None


# -- foreign credentials ---------------------------------------------------------------------


class CredentialCreate(BaseModel):
    account: str = Field(min_length=1, max_length=200, description="The account the key acts in.")
    region: str | None = Field(None, min_length=1, max_length=100, description="Bind the key to this region.")
    name: str | None = Field(None, min_length=1, max_length=200)
    scope: dict[str, Annotated[str, Field(max_length=200)]] | None = Field(
        None, description='A default scope for requests signed with the key (`{"image": "acc-…"}`).'
    )


class CredentialOut(View):
    id: str = Field(description="The access key id.")
    client_id: str
    account: str
    region: str | None
    scope: dict[str, str] | None
    name: str
    created_at: float
    revoked_at: float | None


class CredentialIssued(CredentialOut):
    secret: str = Field(description="Shown once: the gateway keeps it sealed, to verify signatures.")


class CredentialList(BaseModel):
    items: list[CredentialOut]


# -- resources and operations ----------------------------------------------------------------


class ResourceOut(View):
    id: str = Field(description="Gateway id, prefixed by kind (`i-…`, `vol-…`).")
    cloud_id: str | None = Field(description="The cloud's own id; null while the create is under way.")
    kind: str
    cloud: str
    account: str | None = Field(description="null for public resources of the cloud endpoint.")
    scope: str
    public: bool
    name: str
    state: str
    cloud_state: str | None
    attrs: dict[str, Any]
    cloud_attrs: dict[str, Any]
    tags: dict[str, str]
    created_at: float
    updated_at: float
    revision: int


class ResourcePage(BaseModel):
    items: list[ResourceOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


def _values(max_length: int, description: str) -> Any:
    return Field(None, max_length=100, description=f"{description} Repeat for any of several values.")


Text200 = Annotated[str, Field(max_length=200)]
Text500 = Annotated[str, Field(max_length=500)]


class ResourceFilters(BaseModel):
    """Listing filters: each an exact match, repeated for any of several values; `account` is what the
    account can use (its own and its endpoint's public resources), by id or name; `datacenter` by
    gateway id, cloud id or name."""

    id: list[Text200] | None = _values(200, "Gateway id.")
    account: list[Text200] | None = _values(200, "Account id or name.")
    cloud: list[Annotated[str, Field(max_length=100)]] | None = _values(100, "Cloud type.")
    datacenter: list[Text500] | None = _values(500, "Datacenter: gateway id, cloud id or name.")
    state: list[Annotated[str, Field(max_length=100)]] | None = _values(100, "Normalized state.")
    name: list[Text500] | None = _values(500, "Name.")
    tag: list[Annotated[str, Field(max_length=1000, pattern=r"^[^=]+=")]] | None = Field(
        None, max_length=20, description="`key=value`; repeat for several tags that must all match."
    )
    cloud_id: list[Text500] | None = _values(500, "The cloud's own id.")

    def query(self, kind: Kind, *, cursor: str | None, limit: int) -> ResourceQuery:
        """The core's query for these filters."""
        given = self.model_dump(exclude_none=True)
        tags = tuple(TagMatch(key, (value,)) for key, _, value in (tag.partition("=") for tag in given.pop("tag", ())))
        matches = tuple(Match(name, tuple(values)) for name, values in given.items())
        return ResourceQuery(kind=kind, matches=matches, tags=tags, cursor=cursor, limit=limit)


class ResourceSpec(BaseModel):
    """A create request: the account, and the fields the kind needs on that cloud (`GET /v1/clouds`)."""

    model_config = ConfigDict(extra="allow")

    account: str | None = Field(
        None, min_length=1, max_length=200,
        description="Id of the account to create in (may be left out when the scope names the kind's service).",
    )  # fmt: skip
    name: str = Field("", max_length=500)
    tags: dict[str, str] = Field(default_factory=dict)
    scope: dict[str, str] | None = Field(
        None,
        description='Clouds per service for this request, e.g. {"compute": "CloudOne", "image": "CloudTwo"} '
        "(account ids or aliases); over the X-Cloudgate-Scope header.",
    )


class OperationOut(View):
    id: str
    account: str | None = Field(description="null for a resync of every account.")
    kind: str = Field(description="The resource's kind, or `account` for a resync.")
    resource_id: str
    action: str = Field(description="`create`, `edit`, `destroy`, `resync`, or an action name.")
    state: str = Field(description="`pending`, `running`, `succeeded` or `failed`.")
    error: ErrorInfo | None
    result: dict[str, Any] | None
    progress: dict[str, Any] | None = Field(None, description="`{done, total, unit}` while a long operation runs.")
    scope: dict[str, str] | None = Field(None, description="The scope it runs in: account ids per service.")
    request_id: str | None = Field(None, description="The `X-Request-Id` of the request that started it.")
    created_at: float
    updated_at: float


class OperationPage(BaseModel):
    items: list[OperationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class ResyncRequest(BaseModel):
    account: str | None = Field(None, min_length=1, max_length=200, description="One account; every one when absent.")
    rebuild: bool = Field(False, description="Forget the stored resources before listing them again.")


class CreateAccepted(BaseModel):
    resource: ResourceOut
    operation: OperationOut


class OperationAccepted(BaseModel):
    operation: OperationOut


# -- events ------------------------------------------------------------------------------------


class EventOut(View):
    seq: int
    at: float
    type: str = Field(description="`created`, `updated` or `deleted`.")
    kind: str
    resource_id: str
    account: str | None
    cloud: str
    changed: list[str]
    resource: ResourceOut


class EventPage(BaseModel):
    events: list[EventOut]
    next_after: int = Field(description="Pass as `after` to read on: the last event's seq, or `after` if none.")


# -- the service -----------------------------------------------------------------------------


class CapabilitiesOut(View):
    kinds: list[str]
    create: list[str]
    destroy: list[str]
    edit: dict[str, list[str]]
    actions: dict[str, list[str]]
    public_kinds: list[str]
    image_transfer: list[str] = Field(
        description='Image bytes the cloud moves: "read" (an image\'s data out), "write" (a new image in).'
    )
    hints: list[str] = Field(
        default_factory=list,
        description="Kinds the cloud tells the gateway of changes to as they happen (change hints).",
    )


class CloudInfo(View):
    capabilities: CapabilitiesOut
    endpoint_settings: list[str] = Field(
        description="Settings of an endpoint an admin may change (`PATCH /v1/clouds/{cloud}/settings`)."
    )
    create_fields: dict[str, list[str]] = Field(description="Fields a create request of each kind must carry.")
    fields: dict[str, dict[str, dict[str, Any]]] = Field(
        description="Every field a create of each kind takes: type, required, bounds, the kind it references."
    )


class Status(BaseModel):
    status: str
