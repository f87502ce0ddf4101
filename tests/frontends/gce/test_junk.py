"""Junk a GCE client may send (unknown or mistyped fields, names GCE refuses, filters and `fields` that do not
parse or name nothing, maxResults past 500, page tokens never given, requestIds too long, stale fingerprints,
projects the client has no account for) and junk no client sends (bodies that are not a JSON object or too
large, unknown routes, other methods, no or a bad bearer token) gets GCE's error object, never a 5xx: 401
only for a token, 403 for a project. A requestId repeated answers the operation it started; an operation
that fails after it was accepted is DONE with `error.errors[]`, `httpErrorStatusCode` and `httpErrorMessage`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import google.oauth2.credentials
import httpx
import orjson
import pytest
from google.api_core import exceptions
from google.auth.exceptions import RefreshError
from google.cloud import compute_v1
from googleapiclient.errors import HttpError

from cloudgate.core import Caller, Principal
from cloudgate.drivers.sim import SimCloud
from tests.frontends.conftest import ADMIN, Served
from tests.frontends.gce.conftest import GceWorld, gce_world
from tests.frontends.gce.test_cloud_compute import gateway_client

ZONE = "sim-east-a"
MACHINE = {"name": "web-1", "machineType": f"zones/{ZONE}/machineTypes/s1.small",
           "disks": [{"boot": True, "initializeParams": {
               "sourceImage": "projects/debian-cloud/global/images/family/debian-12"}}]}  # fmt: skip


def gce_error(status: int, content: bytes) -> dict[str, Any]:
    """The error object of an answer, checked to be GCE's: its code the HTTP status, one error or more, each
    with a domain, a reason and a message."""
    error = orjson.loads(content)["error"]
    assert set(error) == {"code", "message", "errors"} and error["code"] == status
    assert error["errors"] and all(set(e) == {"domain", "reason", "message"} for e in error["errors"])
    assert isinstance(error["message"], str) and error["message"]
    return error


# What is wrong: (the call, of google-api-python-client's compute and the project, the status, GCE's reason,
# words of the message).
CLIENT_CASES: dict[str, tuple[Callable[[Any, str], Any], int, str, str]] = {
    "an unknown field": (lambda c, p: c.instances().insert(project=p, zone=ZONE, body={**MACHINE, "colour": "blue"}),
                         400, "invalid", 'Unknown name "colour" at \'resource\''),
    "a number for a string": (lambda c, p: c.instances().insert(project=p, zone=ZONE, body={**MACHINE, "name": 5}),
                              400, "invalid", "'resource.name': a string is expected"),
    "a list for an object": (lambda c, p: c.instances().insert(project=p, zone=ZONE, body={**MACHINE, "labels": []}),
                             400, "invalid", "'resource.labels': a object is expected"),
    "a name GCE refuses": (lambda c, p: c.instances().insert(project=p, zone=ZONE, body={**MACHINE, "name": "Web_1"}),
                           400, "invalid", "'resource.name': 'Web_1'. Must be a match of regex"),
    "no machine type": (lambda c, p: c.instances().insert(project=p, zone=ZONE, body={"name": "web-1"}),
                        400, "required", "Required field 'resource.machineType' not specified"),
    "a disk size that is no number": (lambda c, p: c.disks().insert(project=p, zone=ZONE,
                                                                     body={"name": "d", "sizeGb": "ten"}),
                                      400, "invalid", "Invalid value for field 'sizeGb': 'ten'"),
    "a filter that does not parse": (lambda c, p: c.zones().list(project=p, filter="name = ("), 400, "invalid",
                                     "Invalid list filter expression"),
    "a filter on no field": (lambda c, p: c.zones().list(project=p, filter="colour = blue"), 400, "invalid",
                             "Invalid field name 'colour'"),
    "a filter's regular expression": (lambda c, p: c.instances().list(project=p, zone=ZONE, filter="name eq '(web'"),
                                      400, "invalid", "is no regular expression"),
    "maxResults past 500": (lambda c, p: c.zones().list(project=p, maxResults=501), 400, "invalid",
                            "Must be in the range [0, 500]"),
    "a page token never given": (lambda c, p: c.zones().list(project=p, pageToken="junk"), 400, "invalid",
                                 "invalid pagination cursor"),
    "fields that do not parse": (lambda c, p: c.zones().list(project=p, fields="items(name"), 400, "invalid",
                                 "Invalid field selection"),
    "fields no zone list has": (lambda c, p: c.zones().list(project=p, fields="items(name,colour)"), 400, "invalid",
                                "Invalid field selection colour"),
    "fields no operation has, on an insert": (lambda c, p: c.instances().insert(project=p, zone=ZONE, body=MACHINE,
                                                                                fields="name,colour"),
                                              400, "invalid", "Invalid field selection colour"),
    "a requestId too long": (lambda c, p: c.instances().stop(project=p, zone=ZONE, instance="web-1",
                                                             requestId="r" * 129),
                             400, "invalid", "'requestId': at most 128 characters"),
    "an unknown zone": (lambda c, p: c.instances().list(project=p, zone="nowhere-1"), 404, "notFound",
                        "zones/nowhere-1' was not found"),
    "an unknown instance": (lambda c, p: c.instances().get(project=p, zone=ZONE, instance="nothing"), 404,
                            "notFound", "instances/nothing' was not found"),
    "an unknown operation": (lambda c, p: c.zoneOperations().get(project=p, zone=ZONE, operation="operation-123"),
                             404, "notFound", "operations/operation-123' was not found"),
    "a project of no account": (lambda c, p: c.zones().list(project="someone-else"), 403, "forbidden",
                                "Required permission for 'projects/someone-else'"),
    "a public image project's zones": (lambda c, p: c.zones().list(project="debian-cloud"), 403, "forbidden",
                                       "Required permission for 'projects/debian-cloud'"),
}  # fmt: skip


async def test_junk_from_google_api_python_client_gets_gce_s_error(gce: GceWorld):
    compute = gce.compute()
    for case, (call, status, reason, words) in CLIENT_CASES.items():
        with pytest.raises(HttpError) as caught:
            await asyncio.to_thread(call(compute, gce.project).execute)
        error = gce_error(caught.value.status_code, caught.value.content)
        assert (caught.value.status_code, error["errors"][0]["reason"]) == (status, reason), case
        assert words in error["message"], (case, error["message"])
    for listing in (compute.instances(), compute.disks()):  # refused before anything was made
        assert "items" not in await asyncio.to_thread(listing.aggregatedList(project=gce.project).execute)


# Requests no client sends: (method, path under the project, or from /compute/v1 when it starts with "/", body,
# the Authorization header (None: the gateway token's), the status, GCE's reason).
RAW: dict[str, tuple[str, str, bytes | None, str | None, int, str]] = {
    "a body that is not JSON": ("POST", f"zones/{ZONE}/instances", b'{"name": ', None, 400, "parseError"),
    "a JSON array": ("POST", f"zones/{ZONE}/instances", b"[]", None, 400, "parseError"),
    "a body that is not UTF-8": ("POST", f"zones/{ZONE}/instances", b'{"name": "\xff"}', None, 400, "parseError"),
    "JSON nested past any bound": ("POST", f"zones/{ZONE}/instances", b"[" * 100_000, None, 400, "parseError"),
    "a body past 1 MB": ("POST", f"zones/{ZONE}/instances", b'{"name": "' + b"a" * 1_000_001 + b'"}', None, 413,
                         "badRequest"),
    "a requestId that is empty": ("POST", f"zones/{ZONE}/instances?requestId=", b"{}", None, 400, "invalid"),
    "an unknown collection": ("GET", "frobnicators", None, None, 404, "notFound"),
    "an unknown instance method": ("POST", f"zones/{ZONE}/instances/web-1/frobnicate", b"", None, 404, "notFound"),
    "the API's root": ("GET", "/", None, None, 404, "notFound"),
    "PUT on a listing": ("PUT", "zones", b"{}", None, 405, "httpMethodNotAllowed"),
    "DELETE on a zone": ("DELETE", f"zones/{ZONE}", None, None, 405, "httpMethodNotAllowed"),
    "OPTIONS": ("OPTIONS", "zones", None, None, 405, "httpMethodNotAllowed"),
    "OPTIONS on no route": ("OPTIONS", "frobnicators", None, None, 404, "notFound"),
    "no Authorization": ("GET", "zones", None, "", 401, "required"),
    "HTTP Basic": ("GET", "zones", None, "Basic YWRtaW46c2VjcmV0", 401, "required"),
    "a bearer with no token": ("GET", "zones", None, "Bearer", 401, "required"),
    "a token never issued": ("GET", "zones", None, "Bearer cgt_never-issued", 401, "authError"),
    "a bad token on no route": ("GET", "frobnicators", None, "Bearer cgt_never-issued", 404, "notFound"),
    "a bad token on a foreign project": ("GET", "/projects/someone-else/zones", None, "Bearer cgt_never-issued", 401,
                                         "authError"),
}  # fmt: skip


async def test_raw_junk_gets_gce_s_error(gce: GceWorld):
    async with httpx.AsyncClient(timeout=30) as http:
        for case, (method, path, body, authorization, status, reason) in RAW.items():
            url = f"{gce.served.url}/compute/v1" + (path if path.startswith("/") else f"/projects/{gce.project}/{path}")
            headers = {"Authorization": f"Bearer {gce.token}" if authorization is None else authorization,
                       "Content-Type": "application/json"}  # fmt: skip
            answer = await http.request(method, url, content=body, headers=headers)
            assert answer.status_code == status, (case, answer.status_code, answer.text[:300])
            assert answer.headers["content-type"].startswith("application/json"), case
            assert gce_error(status, answer.content)["errors"][0]["reason"] == reason, case


async def test_a_revoked_token_is_401_and_a_bare_token_cannot_refresh(gce: GceWorld):
    await gce.served.gateway.core.auth.revoke(ADMIN, gce.token)
    with pytest.raises(RefreshError):  # google-auth's answer to a 401 it cannot refresh
        await asyncio.to_thread(gce.compute().zones().list(project=gce.project).execute)
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{gce.endpoint}projects/{gce.project}/zones",
                                headers={"Authorization": f"Bearer {gce.token}"})  # fmt: skip
    assert gce_error(401, answer.content)["errors"][0]["reason"] == "authError"


async def test_a_project_the_client_has_no_account_for_is_403_never_401(served: Served, quick_sim: SimCloud):
    """A client with project b only asks for project a (registered by the admin): 403, which google-auth does
    not answer by refreshing; a token scoped to project a asks for b, which its client has: 403 as well."""
    world = await gce_world(served, quick_sim)  # project a, the admin's
    row, secret = await served.gateway.core.auth.create_client(ADMIN, "gce-b")
    account_b = await served.account(quick_sim, "AK-B", caller=Caller(Principal(row.id, row.name, False)))
    issued = await served.gateway.core.auth.issue_token(row.id, secret)
    with pytest.raises(HttpError) as caught:
        await asyncio.to_thread(world.compute(issued.token).zones().list(project=world.project).execute)
    error = gce_error(caught.value.status_code, caught.value.content)
    assert (caught.value.status_code, error["errors"][0]["reason"]) == (403, "forbidden")

    granted = await served.account(quick_sim, "AK-A", caller=Caller(Principal(row.id, row.name, False)))
    scoped = await served.gateway.core.auth.issue_token(row.id, secret, account_id=granted)
    project_b = (await served.gateway.core.accounts.get(ADMIN, account_b)).row.name or account_b
    with pytest.raises(HttpError) as caught:
        await asyncio.to_thread(world.compute(scoped.token).zones().list(project=project_b).execute)
    assert caught.value.status_code == 403
    zones = await asyncio.to_thread(world.compute(scoped.token).zones().list(project=world.project).execute)
    assert len(zones["items"]) == 3


async def test_fingerprints_and_request_ids_on_an_instance(gce: GceWorld):
    compute, project = gce.compute(), gce.project
    instances = compute.instances()
    key = str(uuid.uuid4())
    first = await asyncio.to_thread(instances.insert(project=project, zone=ZONE, body=MACHINE, requestId=key).execute)
    again = await asyncio.to_thread(instances.insert(project=project, zone=ZONE, body=MACHINE, requestId=key).execute)
    assert (again["name"], again["id"], again["targetId"]) == (first["name"], first["id"], first["targetId"])
    with pytest.raises(HttpError) as caught:  # the same requestId for another request
        await asyncio.to_thread(instances.insert(project=project, zone=ZONE, body={**MACHINE, "name": "web-2"},
                                                 requestId=key).execute)  # fmt: skip
    assert gce_error(409, caught.value.content)["errors"][0]["reason"] == "alreadyExists"
    done = await asyncio.to_thread(compute.zoneOperations().wait(project=project, zone=ZONE,
                                                                 operation=first["name"]).execute)  # fmt: skip
    assert done["status"] == "DONE" and "error" not in done
    listed = await asyncio.to_thread(instances.list(project=project, zone=ZONE).execute)
    assert [i["name"] for i in listed["items"]] == ["web-1"]  # made once

    shown = await asyncio.to_thread(instances.get(project=project, zone=ZONE, instance="web-1").execute)
    stale: dict[str, tuple[Any, str]] = {
        "labels": (instances.setLabels(project=project, zone=ZONE, instance="web-1",
                                       body={"labels": {"env": "prod"}, "labelFingerprint": "c3RhbGU="}),
                   "does not match current labelFingerprint"),
        "metadata": (instances.setMetadata(project=project, zone=ZONE, instance="web-1",
                                           body={"items": [{"key": "k", "value": "v"}], "fingerprint": "c3RhbGU="}),
                     "does not match current fingerprint"),
        "project metadata": (compute.projects().setCommonInstanceMetadata(
                                 project=project, body={"items": [], "fingerprint": "c3RhbGU="}),
                             "does not match current metadata fingerprint"),
    }  # fmt: skip
    for case, (request, words) in stale.items():
        with pytest.raises(HttpError) as caught:
            await asyncio.to_thread(request.execute)
        error = gce_error(caught.value.status_code, caught.value.content)
        assert (caught.value.status_code, error["errors"][0]["reason"]) == (412, "conditionNotMet"), case
        assert words in error["message"], case
    with pytest.raises(HttpError) as caught:
        await asyncio.to_thread(instances.setLabels(project=project, zone=ZONE, instance="web-1",
                                                    body={"labels": {"env": "prod"}}).execute)  # fmt: skip
    assert gce_error(400, caught.value.content)["errors"][0]["reason"] == "required"
    again = await asyncio.to_thread(instances.get(project=project, zone=ZONE, instance="web-1").execute)
    assert (again.get("labels"), again["labelFingerprint"]) == (shown.get("labels"), shown["labelFingerprint"])


async def test_an_operation_that_fails_after_it_was_accepted(gce: GceWorld):
    """Attaching a disk of another zone: accepted, then refused by the cloud; DONE with GCE's error fields, and
    google-cloud-compute's `.result()` raises what its httpErrorStatusCode says."""
    compute, project = gce.compute(), gce.project
    operations = compute.zoneOperations()
    made = [
        (ZONE, compute.instances().insert(project=project, zone=ZONE, body=MACHINE)),
        ("sim-east-b", compute.disks().insert(project=project, zone="sim-east-b", body={"name": "data", "sizeGb": 10})),
    ]
    for zone, request in made:
        operation = await asyncio.to_thread(request.execute)
        await asyncio.to_thread(operations.wait(project=project, zone=zone, operation=operation["name"]).execute)
    elsewhere = "zones/sim-east-b/disks/data"
    accepted = await asyncio.to_thread(
        compute.instances().attachDisk(project=project, zone=ZONE, instance="web-1", body={"source": elsewhere}).execute
    )
    assert accepted["status"] in ("PENDING", "RUNNING") and "error" not in accepted
    done = await asyncio.to_thread(operations.wait(project=project, zone=ZONE, operation=accepted["name"]).execute)
    assert done["status"] == "DONE"
    [error] = done["error"]["errors"]
    assert error["code"] == "INVALID_FIELD_VALUE" and "sim-east-b" in error["message"]
    assert (done["httpErrorStatusCode"], done["httpErrorMessage"]) == (400, "BAD REQUEST")
    shown = await asyncio.to_thread(operations.get(project=project, zone=ZONE, operation=accepted["name"]).execute)
    assert (shown["status"], shown["error"], shown["httpErrorStatusCode"]) == ("DONE", done["error"], 400)

    instances = gateway_client(compute_v1.InstancesClient, gce.served.url,
                               google.oauth2.credentials.Credentials(token=gce.token))  # fmt: skip
    attach = await asyncio.to_thread(instances.attach_disk, project=project, zone=ZONE, instance="web-1",
                                     attached_disk_resource=compute_v1.AttachedDisk(source=elsewhere))  # fmt: skip
    with pytest.raises(exceptions.BadRequest) as caught:  # its message is httpErrorMessage, as GCE's
        await asyncio.to_thread(attach.result, timeout=30)
    assert "sim-east-b" in caught.value.response.error.errors[0].message
