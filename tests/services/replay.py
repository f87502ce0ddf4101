"""A local HTTP server that answers cloud API calls with responses recorded from real clouds.

The recordings are the ones apache-libcloud ships with its tests
(`libcloud/test/compute/fixtures/<cloud>/`), overlaid by `tests/drivers/recordings/<cloud>/`.
A request is mapped to a recording the way libcloud's own MockHttp classes map them:

- CloudStack, `/cloudstack/<scenario>?command=…`: `<command>_<scenario>.json`, else
  `<command>_default.json`; `queryAsyncJobResult` answers `queryAsyncJobResult_<jobid>.json`.
  The signature is checked against `CLOUDSTACK_KEYS` (401 otherwise, as CloudStack does), an
  error recording is answered with its own `errorcode` as HTTP status, and `page`/`pagesize`
  are honoured by slicing the recorded list.
- GCE, `/gce/<scenario>/compute/v1/projects/<project>/<path>`: the path's segments joined by
  `_` (dashes kept, else turned to `_`), `_post`/`_delete`/`_put` added for those methods,
  `projects_<project>_` put first for a project other than the recorded one; operations are
  found by their name. The bearer token must be `GCE_TOKEN`; `maxResults`/`pageToken` page the
  recorded items. Unrecorded resources answer GCE's 404.

Every request is kept in a journal (`GET /_replay/journal?since=N`), and `POST /_replay/fault`
arms a one-shot failure for the next request that matches. Run it with
`python -m tests.services.replay`: it prints `PORT <n>` once it listens on 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import pytest

CLOUDSTACK_KEYS = {"replay-api-key": "replay-secret-key"}
GCE_TOKEN = "replay-access-token"
GCE_PROJECT = "project_name"  # the project the GCE recordings were made in

REPO = Path(__file__).resolve().parents[2]
OWN_RECORDINGS = REPO / "tests" / "drivers" / "recordings"

Answer = tuple[int, Any, str | None]  # (HTTP status, JSON body, recording it came from)


def libcloud_recordings() -> Path:
    import libcloud

    return Path(libcloud.__file__).parent / "test" / "compute" / "fixtures"


def load_recording(cloud: str, name: str) -> Any | None:
    for folder in (OWN_RECORDINGS / cloud, libcloud_recordings() / cloud):
        path = folder / f"{name}.json"
        if path.is_file():
            return json.loads(path.read_text())
    return None


# -- CloudStack ---------------------------------------------------------------------------


def cloudstack_encode(value: str) -> str:
    """A value URL-encoded as CloudStack's server does before checking a signature (Java's URLEncoder, %20 for space)."""
    return quote(value, safe="*").replace("~", "%7E")


def cloudstack_signature(params: dict[str, str], secret: str) -> str:
    """The CloudStack API signature as its server checks it (ApiServer.verifyRequest): the parameters
    sorted by name, values URL-encoded, the whole lower-cased, HMAC-SHA1 with the secret, base64."""
    fields = sorted((key, value) for key, value in params.items() if key.lower() != "signature")
    message = "&".join(f"{key}={cloudstack_encode(value)}" for key, value in fields).lower()
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha1).digest()).decode()


def _cloudstack_error(command: str, code: int, text: str) -> Answer:
    return code, {f"{command.lower()}response": {"uuidList": [], "errorcode": code, "errortext": text}}, None


def _signature_refused(params: dict[str, str]) -> bool:
    secret = CLOUDSTACK_KEYS.get(params.get("apiKey", ""))
    if secret is None or not hmac.compare_digest(params.get("signature", ""), cloudstack_signature(params, secret)):
        return True
    expires = params.get("expires")
    return expires is not None and datetime.strptime(expires, "%Y-%m-%dT%H:%M:%S%z") < datetime.now(UTC)


def answer_cloudstack(scenario: str, params: dict[str, str]) -> Answer:
    command = params.get("command", "")
    if _signature_refused(params):
        return _cloudstack_error(command, 401, "unable to verify user credentials and/or request signature")
    if command == "queryAsyncJobResult":
        names = [f"queryAsyncJobResult_{params.get('jobid')}"]
    else:
        names = [f"{command}_{scenario}", f"{command}_default"]
    for name in names:
        recorded = load_recording("cloudstack", name)
        if recorded is not None:
            status, body = _cloudstack_page(recorded, params)
            return status, body, name
    return _cloudstack_error(command, 432, f"no recording for {command} ({scenario})")


def _cloudstack_page(recorded: dict[str, Any], params: dict[str, str]) -> tuple[int, Any]:
    [(wrapper, value)] = recorded.items()
    if "errorcode" in value:
        return int(value["errorcode"]), recorded
    lists = [key for key, items in value.items() if isinstance(items, list)]
    if "page" not in params or len(lists) != 1:
        return 200, recorded
    items = value[lists[0]]
    size, page = int(params.get("pagesize", 500)), int(params["page"])
    sliced = items[(page - 1) * size : page * size]
    return 200, {wrapper: {**value, "count": len(items), lists[0]: sliced} if sliced else {"count": len(items)}}


# -- GCE ----------------------------------------------------------------------------------


def _gce_error(code: int, status: str, reason: str, message: str) -> Answer:
    body = {"error": {"code": code, "message": message, "status": status,
                      "errors": [{"domain": "global", "reason": reason, "message": message}]}}  # fmt: skip
    return code, body, None


def _operation_recordings() -> dict[str, str]:
    """Operation name -> the recording that shows it DONE (or, failing that, any that shows it)."""
    found: dict[str, str] = {}
    for path in sorted(libcloud_recordings().joinpath("gce").glob("*.json")):
        try:
            recorded = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(recorded, dict) and recorded.get("kind") == "compute#operation":
            if recorded.get("status") == "DONE" or recorded["name"] not in found:
                found[recorded["name"]] = path.stem
    return found


_OPERATIONS: dict[str, str] = {}


def answer_gce(method: str, path: str, query: dict[str, str], token: str | None) -> Answer:
    if token != GCE_TOKEN:
        return _gce_error(401, "UNAUTHENTICATED", "authError", "Request had invalid authentication credentials.")
    segments = path.strip("/").split("/")
    if segments[:3] != ["compute", "v1", "projects"] or len(segments) < 4:
        return _gce_error(404, "NOT_FOUND", "notFound", f"no such API path {path}")
    project, rest = segments[3], segments[4:]
    names = _gce_names(method, project, rest)
    for name in names:
        recorded = load_recording("gce", name)
        if recorded is not None:
            return 200, _gce_page(recorded, query), name
    resource = "/".join(["projects", project, *rest])
    return _gce_error(404, "NOT_FOUND", "notFound", f"The resource '{resource}' was not found")


def _gce_names(method: str, project: str, rest: list[str]) -> list[str]:
    if "operations" in rest:
        name = rest[rest.index("operations") + 1]
        if not _OPERATIONS:
            _OPERATIONS.update(_operation_recordings())
        by_file = "operations_" + name.replace("operation-", "operation_", 1)
        return [by_file, *([_OPERATIONS[name]] if name in _OPERATIONS else [])]
    parts = rest or ["project"]
    if project != GCE_PROJECT:
        parts = ["projects", project, *parts]
    # libcloud's recordings spell dashes as dashes, or as underscores in the resource's name, or everywhere.
    variants = ("_".join(parts), "_".join([*parts[:-1], parts[-1].replace("-", "_")]), "_".join(parts).replace("-", "_"))
    suffixes = [f"_{method.lower()}", ""] if method != "GET" else [""]
    return [variant + suffix for suffix in suffixes for variant in dict.fromkeys(variants)]


def _gce_page(recorded: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    # The recordings' own nextPageToken points at pages that were never recorded: pages are made here.
    body = {key: value for key, value in recorded.items() if key != "nextPageToken"}
    items = body.get("items")
    if items is None or "maxResults" not in query:
        return body
    keys = list(items) if isinstance(items, dict) else None
    entries = keys if keys is not None else items
    start, size = int(query.get("pageToken") or 0), int(query["maxResults"])
    page = entries[start : start + size]
    body["items"] = {key: items[key] for key in page} if keys is not None else page
    if start + size < len(entries):
        body["nextPageToken"] = str(start + size)
    return body


# -- the server ---------------------------------------------------------------------------


@dataclass
class Fault:
    path_prefix: str
    params: dict[str, str]
    status: int
    body: Any


class ReplayState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.journal: list[dict[str, Any]] = []
        self.faults: list[Fault] = []

    def take_fault(self, path: str, params: dict[str, str]) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault.path_prefix) and fault.params.items() <= params.items():
                    self.faults.remove(fault)
                    return fault
        return None


class ReplayHandler(BaseHTTPRequestHandler):
    state: ReplayState  # set on the subclass the server uses

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the journal is the log."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path.startswith("/_replay/"):
            self._control(method, url.path, query, body)
            return
        form = dict(parse_qsl(body, keep_blank_values=True)) if "form-urlencoded" in (self.headers.get("Content-Type") or "") else {}
        params = {**query, **form}
        fault = self.state.take_fault(url.path, params)
        if fault is not None:
            status, answer, recording = fault.status, fault.body, "fault"
        else:
            status, answer, recording = self._route(method, url.path, params)
        with self.state.lock:
            self.state.journal.append({
                "method": method, "path": url.path, "query": url.query, "params": params,
                "headers": {key.lower(): value for key, value in self.headers.items()}, "body": body,
                "status": status, "recording": recording,
            })  # fmt: skip
        self._send(status, answer)

    def _route(self, method: str, path: str, params: dict[str, str]) -> Answer:
        cloud, _, rest = path.strip("/").partition("/")
        scenario, _, api_path = rest.partition("/")
        if cloud == "cloudstack":
            return answer_cloudstack(scenario or "default", params)
        if cloud == "gce":
            bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            return answer_gce(method, "/" + api_path, params, bearer or None)
        return 404, {"error": f"no cloud at {path}"}, None

    def _control(self, method: str, path: str, query: dict[str, str], body: str) -> None:
        if method == "GET" and path == "/_replay/journal":
            with self.state.lock:
                self._send(200, self.state.journal[int(query.get("since", 0)) :])
        elif method == "POST" and path == "/_replay/fault":
            spec = json.loads(body)
            with self.state.lock:
                self.state.faults.append(Fault(spec["path_prefix"], spec.get("params", {}), spec["status"], spec["body"]))
            self._send(200, {"armed": True})
        else:
            self._send(404, {"error": f"no control {method} {path}"})

    def _send(self, status: int, answer: Any) -> None:
        payload = json.dumps(answer).encode()
        self.send_response(status)  # also sends Date, which the drivers read the cloud's clock from
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve() -> None:
    handler = type("BoundReplayHandler", (ReplayHandler,), {"state": ReplayState()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()
    server.server_close()


# -- the test side --------------------------------------------------------------------------


@dataclass
class ReplayServer:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def mark(self) -> int:
        """How many requests the journal holds now: pass it to `requests(since=…)`."""
        return len(self.requests())

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/_replay/journal", params={"since": since}).json()

    def fail_next(self, path_prefix: str, status: int, body: Any, **params: str) -> None:
        """Answer the next request under `path_prefix` whose parameters include `params` with this error."""
        spec = {"path_prefix": path_prefix, "params": params, "status": status, "body": body}
        httpx.post(f"{self.url}/_replay/fault", json=spec).raise_for_status()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start() -> ReplayServer:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.services.replay"], cwd=REPO, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    line = process.stdout.readline() if process.stdout else ""  # blocks until the server listens, or exits
    if not line.startswith("PORT "):
        process.kill()
        process.wait(timeout=10)
        raise RuntimeError(f"the replay server did not start: {line!r}")
    return ReplayServer(int(line.split()[1]), process)


_shared: list[ReplayServer] = []
_users: list[str] = []


@pytest.fixture(scope="session")
def replay_server(request: pytest.FixtureRequest) -> Iterator[ReplayServer]:
    """The replay server, started once however many test modules import this fixture, stopped after the last."""
    if not _shared:
        _shared.append(start())
    _users.append(request.node.nodeid)
    yield _shared[0]
    _users.pop()
    if not _users:
        _shared.pop().stop()


if __name__ == "__main__":
    serve()
