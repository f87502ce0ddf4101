"""The Compute Engine API through google-api-python-client (its bundled discovery document): blocking calls,
made from the driver's worker threads, each thread with its own HTTP connection (httplib2 is not thread-safe)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import google.oauth2.credentials
import google_auth_httplib2
import httplib2
from google.auth.credentials import Credentials
from google.oauth2 import service_account
from googleapiclient import discovery

from cloudgate.drivers.gce.translate import error_of
from cloudgate.errors import CloudAuthFailed, NotFound, OperationTimeout, Unavailable

SCOPES = ["https://www.googleapis.com/auth/compute"]
DEFAULT_ENDPOINT = "https://compute.googleapis.com/compute/v1/"

# A resource URL's collection segment -> the parameter naming one of its members in API calls.
MEMBER_PARAMS: dict[str, str] = {
    "instances": "instance",
    "disks": "disk",
    "snapshots": "snapshot",
    "images": "image",
    "firewalls": "firewall",
    "subnetworks": "subnetwork",
    "networks": "network",
    "machineTypes": "machineType",
}
# A URL's scope segment -> the parameter it becomes.
SCOPE_PARAMS: dict[str, str] = {"projects": "project", "zones": "zone", "regions": "region"}
# Where an operation lives (the field it carries) -> the collection that waits on it.
OPERATION_COLLECTIONS: tuple[tuple[str, str], ...] = (("zone", "zoneOperations"), ("region", "regionOperations"))


def _service_account(credentials: Mapping[str, str]) -> tuple[Credentials, str | None]:
    info = json.loads(credentials["service_account_json"])
    return service_account.Credentials.from_service_account_info(info, scopes=SCOPES), info.get("project_id")


def _access_token(credentials: Mapping[str, str]) -> tuple[Credentials, str | None]:
    return google.oauth2.credentials.Credentials(token=credentials["access_token"]), None


# Credential field -> how it becomes Google credentials (and the project it names, if any).
CREDENTIAL_FORMS = {"service_account_json": _service_account, "access_token": _access_token}


def google_credentials(credentials: Mapping[str, str]) -> tuple[Credentials, str]:
    form = next((field for field in CREDENTIAL_FORMS if credentials.get(field)), None)
    if form is None:
        raise CloudAuthFailed(f"GCE credentials need one of {', '.join(CREDENTIAL_FORMS)}")
    try:
        made, named = CREDENTIAL_FORMS[form](credentials)
    except (ValueError, KeyError) as exc:
        raise CloudAuthFailed(f"the GCE {form} is malformed: {exc}") from exc
    project = credentials.get("project") or named
    if not project:
        raise CloudAuthFailed("GCE credentials name no project")
    return made, project


def call_of(path: str, project: str) -> tuple[str, dict[str, str]]:
    """(collection, call parameters) addressing the resource at `path` (an id, or a URL)."""
    parts = (
        path[path.index("projects/") :].split("/") if "projects/" in path else ["projects", project, *path.split("/")]
    )
    params: dict[str, str] = {}
    collection = ""
    pairs = [part for part in parts if part != "global"]
    for scope, value in zip(pairs[::2], pairs[1::2], strict=False):
        if scope in SCOPE_PARAMS:
            params[SCOPE_PARAMS[scope]] = value
        elif scope in MEMBER_PARAMS:
            collection, params[MEMBER_PARAMS[scope]] = scope, value
    if not collection:
        raise NotFound(f"no GCE resource has the id {path!r}")
    return collection, params


class ComputeApi:
    """One project's Compute API, safe to use from several threads."""

    def __init__(
        self,
        endpoint: str,
        credentials: Credentials,
        project: str,
        page_size: int,
        timeout: float,
        operation_timeout: float,
    ):
        self.project = project
        self._operation_timeout = operation_timeout
        self._endpoint = endpoint
        self._credentials = credentials
        self._page_size = page_size
        self._timeout = timeout
        self._local = threading.local()
        self._compute = discovery.build(
            "compute", "v1", http=self._http(), client_options={"api_endpoint": endpoint}, static_discovery=True,
            cache_discovery=False,
        )  # fmt: skip

    def _http(self) -> google_auth_httplib2.AuthorizedHttp:
        if not hasattr(self._local, "http"):
            self._local.http = google_auth_httplib2.AuthorizedHttp(
                self._credentials, http=httplib2.Http(timeout=self._timeout)
            )
        return self._local.http

    def collection(self, name: str) -> Any:
        return getattr(self._compute, name)()

    def execute(self, request: Any) -> dict[str, Any]:
        return request.execute(http=self._http(), num_retries=0)

    def pages(self, collection: str, method: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a listing, following nextPageToken to the end."""
        resource = self.collection(collection)
        request = getattr(resource, method)(**{"project": self.project, **params}, maxResults=self._page_size)
        while request is not None:
            page = self.execute(request)
            yield page
            request = getattr(resource, f"{method}_next")(request, page)

    def items(self, collection: str, method: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a listing; an aggregated one is flattened over its zones or regions."""
        found: list[dict[str, Any]] = []
        for page in self.pages(collection, method, **params):
            items = page.get("items") or []
            if isinstance(items, dict):
                found.extend(item for scoped in items.values() for item in scoped.get(collection, []))
            else:
                found.extend(items)
        return found

    def get(self, path: str) -> dict[str, Any]:
        collection, params = call_of(path, self.project)
        return self.execute(self.collection(collection).get(**params))

    def call(self, collection: str, method: str, **params: Any) -> dict[str, Any]:
        """Call a method of the project (its `project` parameter filled in) and follow the operation it starts."""
        operation = self.execute(getattr(self.collection(collection), method)(**{"project": self.project, **params}))
        return self.wait(operation, self._operation_timeout)

    def wait(self, operation: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Follow an operation until it is DONE (GCE's wait call holds until then, or up to two minutes)."""
        deadline = time.monotonic() + timeout
        where = next(((field, name) for field, name in OPERATION_COLLECTIONS if operation.get(field)), None)
        while operation.get("status") != "DONE":
            if time.monotonic() > deadline:
                raise OperationTimeout(f"GCE operation {operation['name']} was not done in {timeout:.0f} s")
            scope = {where[0]: operation[where[0]].rsplit("/", 1)[-1]} if where else {}
            waiter = self.collection(where[1] if where else "globalOperations")
            operation = self.execute(waiter.wait(project=self.project, operation=operation["name"], **scope))
        errors = (operation.get("error") or {}).get("errors") or []
        if errors:
            code = errors[0].get("code")
            raise error_of(code, operation.get("httpErrorStatusCode"))(
                errors[0].get("message", code), details={"cloud_code": code}
            )
        return operation

    def server_time(self) -> datetime:
        """The Date header of an answer from the API (GCE has no clock call)."""
        response, _ = self._http().request(f"{self._endpoint}projects/{self.project}", "GET")
        if "date" not in response:
            raise Unavailable("GCE's answer carries no Date header")
        return parsedate_to_datetime(response["date"])
