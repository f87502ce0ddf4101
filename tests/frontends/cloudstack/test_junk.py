"""Junk a CloudStack client may send (unknown commands, missing, repeated or malformed parameters, pages past any
bound, bodies that are not form-encoded text, other HTTP methods) gets CloudStack's error code and shape in JSON
and XML, never a 5xx; names that break XML still make well-formed answers; and an async job that fails after
it was accepted shows as a failed job (jobstatus 2, jobresultcode 530) with the cloud's refusal."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
import pytest
from cs import CloudStackApiException

from tests.frontends.cloudstack.conftest import CsWorld, refusal

NOBODY = "ffffffff-ffff-4fff-8fff-ffffffffffff"  # a well-formed UUID that names nothing
# What is wrong: (command, its parameters, the error code, words of the error text).
CASES: dict[str, tuple[str, dict[str, Any], int, str]] = {
    "an unknown command": ("frobnicate", {}, 432, "The given command does not exist"),
    "no templatefilter": ("listTemplates", {}, 431, "due to missing parameter templatefilter"),
    "no name": ("createSecurityGroup", {"description": "d"}, 431, "due to missing parameter name"),
    "no zoneid": ("deployVirtualMachine", {"serviceofferingid": NOBODY, "templateid": NOBODY}, 431,
                  "due to missing parameter zoneid"),
    "pagesize not a number": ("listZones", {"page": 1, "pagesize": "abc"}, 431, "Invalid parameter pagesize value=abc"),
    "pagesize too big": ("listZones", {"page": 1, "pagesize": 100000}, 431,
                         "can't exceed max allowed page size value: 500"),
    "page past a Java int": ("listZones", {"page": 2**31, "pagesize": 500}, 431,
                             f"Invalid parameter page value={2**31}"),
    "page 0": ("listZones", {"page": 0, "pagesize": 5}, 431, "Page must be a positive number"),
    "id not a UUID": ("listVirtualMachines", {"id": "not-a-uuid"}, 431, "Invalid parameter id value=not-a-uuid"),
    "id naming nothing": ("listVirtualMachines", {"id": NOBODY}, 431, f"Invalid parameter id value={NOBODY}"),
    "jobid naming nothing": ("queryAsyncJobResult", {"jobid": NOBODY}, 431, f"Invalid parameter jobid value={NOBODY}"),
    "an id breaking XML, echoed": ("listVirtualMachines", {"id": "<a&b>\"'\x07"}, 431,
                                   "Invalid parameter id value=<a&b>\"'"),
}  # fmt: skip


@pytest.mark.parametrize("command, params, code, words", CASES.values(), ids=list(CASES))
async def test_junk_from_cs_gets_cloudstack_s_error(cloudstack: CsWorld, command, params, code, words):
    client = cloudstack.client()
    for as_json in (True, False):
        with pytest.raises(CloudStackApiException) as caught:
            await asyncio.to_thread(getattr(client, command), json=as_json, **params)
        name, got, text = refusal(caught.value.response)
        assert (name, got) == (f"{command.lower()}response" if code != 432 else "errorresponse", code)
        assert words in text


# Requests `cs` cannot make, signed: (method, query pairs, body, the answer's name, error code, words of the error
# text, whether `response=json` is honoured: not when the body or the method is refused before any parameter is read).
RAW: dict[str, tuple[str, list[tuple[str, str]], bytes | None, str, int, str, bool]] = {
    "a name given twice": ("GET", [("command", "listZones"), ("name", "a"), ("NAME", "b")], None,
                           "listzonesresponse", 431, "The parameter NAME is given more than once", True),
    "in the query and the body": ("POST", [("command", "listZones")], b"command=listZones", "listzonesresponse",
                                  431, "The parameter command is given more than once", True),
    "a page without pagesize": ("GET", [("command", "listZones"), ("page", "1")], None, "listzonesresponse", 431,
                                '"page" parameter is required', True),
    "a body that is not UTF-8": ("POST", [], b"command=listZones&name=\xff\xfe", "errorresponse", 431,
                                 "not form-encoded text", False),
    "a body that is not form-encoded": ("POST", [], b'{"command": "listZones"}', "errorresponse", 431,
                                        "not form-encoded text", False),
    "a body past the limit": ("POST", [], b"command=listZones&name=" + b"a" * 1_000_000, "errorresponse", 431,
                              "The request body exceeds 1000000 bytes", False),
    "PUT": ("PUT", [("command", "listZones")], None, "errorresponse", 405, "The API takes GET and POST, not PUT",
            False),
    "DELETE": ("DELETE", [("command", "listZones")], None, "errorresponse", 405,
               "The API takes GET and POST, not DELETE", False),
}  # fmt: skip


@pytest.mark.parametrize("method, query, body, name, code, words, json_honoured", RAW.values(), ids=list(RAW))
async def test_raw_junk_gets_cloudstack_s_error(cloudstack: CsWorld, method, query, body, name, code, words,
                                                json_honoured):  # fmt: skip
    async with httpx.AsyncClient() as http:
        for as_json in (True, False):
            pairs = cloudstack.signed([*query, *([("response", "json")] if as_json else [])])
            answer = await http.request(method, f"{cloudstack.endpoint}?{urlencode(pairs)}", content=body,
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
            got_name, got_code, text = refusal(answer)
            assert (got_name, got_code) == (name, code)
            assert words in text
            json_answer = as_json and json_honoured
            assert answer.headers["content-type"].startswith("application/json" if json_answer else "text/xml")


async def test_head_is_refused_with_405(cloudstack: CsWorld):
    async with httpx.AsyncClient() as http:
        answer = await http.head(f"{cloudstack.endpoint}?{urlencode(cloudstack.signed([('command', 'listZones')]))}")
    assert answer.status_code == 405


async def test_names_that_break_xml_make_well_formed_answers(cloudstack: CsWorld):
    client = cloudstack.client()
    names = ["<a&b>\"'", "bell\x07ring"]
    for name in names:
        await asyncio.to_thread(client.createSecurityGroup, name=name, description=name)
    listed = await asyncio.to_thread(client.listSecurityGroups)
    assert sorted(group["name"] for group in listed["securitygroup"]) == sorted(names)
    root = ElementTree.fromstring(await asyncio.to_thread(client.listSecurityGroups, json=False))
    assert root.tag == "listsecuritygroupsresponse"
    assert sorted(g.findtext("name") for g in root.iter("securitygroup")) == ["<a&b>\"'", "bell\ufffdring"]
    assert sorted(g.findtext("description") for g in root.iter("securitygroup")) == ["<a&b>\"'", "bell\ufffdring"]


async def test_a_job_that_fails_after_it_was_accepted_shows_as_failed(cloudstack: CsWorld):
    client = cloudstack.client()
    zones = sorted((await asyncio.to_thread(client.listZones))["zone"], key=lambda zone: zone["name"])
    offering = (await asyncio.to_thread(client.listServiceOfferings))["serviceoffering"][0]["id"]
    template = (await asyncio.to_thread(client.listTemplates, templatefilter="featured"))["template"][0]["id"]
    disk = next(d["id"] for d in (await asyncio.to_thread(client.listDiskOfferings))["diskoffering"]
                if d["name"] == "Small")  # fmt: skip
    machine = (await asyncio.to_thread(client.deployVirtualMachine, serviceofferingid=offering, templateid=template,
                                       zoneid=zones[0]["id"]))["virtualmachine"]  # fmt: skip
    volume = (await asyncio.to_thread(client.createVolume, diskofferingid=disk, zoneid=zones[1]["id"]))["volume"]

    # the cloud refuses to attach across zones only once the job runs: cs sees the job fail
    with pytest.raises(CloudStackApiException) as caught:
        await asyncio.to_thread(client.attachVolume, id=volume["id"], virtualmachineid=machine["id"])
    assert caught.value.args[0] == "Job failure"
    assert caught.value.error["errorcode"] == 431
    assert zones[1]["name"] in caught.value.error["errortext"]
    job = caught.value.response.json()["queryasyncjobresultresponse"]  # what cs read last
    assert (job["jobstatus"], job["jobresultcode"]) == (2, 530)
    assert job["jobresult"] == caught.value.error

    # without fetch_result: cs would look for "jobid" in the XML text as in a dict
    answer = await asyncio.to_thread(client.queryAsyncJobResult, jobid=job["jobid"], json=False, fetch_result=False)
    root = ElementTree.fromstring(answer)
    assert (root.findtext("jobstatus"), root.findtext("jobresultcode")) == ("2", "530")
    assert root.findtext("jobresult/errorcode") == "431"
    assert root.findtext("jobresult/errortext") == job["jobresult"]["errortext"]
    [still] = (await asyncio.to_thread(client.listVolumes, id=volume["id"]))["volume"]
    assert "virtualmachineid" not in still
