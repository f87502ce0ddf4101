"""The peers of the read benchmark: a moto account's instances listed straight from moto's EC2 server,
with boto3 and with Apache Libcloud's EC2 driver (what a client does without the gateway)."""

from __future__ import annotations

import time
from collections.abc import Callable

import boto3
import httpx
from libcloud.compute.drivers.ec2 import EC2Connection, EC2NodeDriver, EC2Response

# moto writes EC2's XML namespace without the trailing slash that AWS's answers have and libcloud looks for.
MOTO_NAMESPACE = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15"'
AWS_NAMESPACE = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"'


class _MotoResponse(EC2Response):
    def parse_body(self):  # noqa: ANN201 - libcloud's own signature
        self.body = self.body.replace(MOTO_NAMESPACE, AWS_NAMESPACE, 1)
        return super().parse_body()


class _MotoConnection(EC2Connection):
    responseCls = _MotoResponse


class MotoEC2NodeDriver(EC2NodeDriver):
    """libcloud's EC2 driver, reading moto's answers as it reads AWS's."""

    connectionCls = _MotoConnection


def set_moto_auth(endpoint: str, *, enabled: bool) -> None:
    """Turn moto's IAM request checks on or off. Off while the peers list: moto cannot verify a SigV4-signed
    GET query (libcloud's form) and answers AuthFailure, so both peers list with the checks off, alike."""
    # moto authenticates once it has served INITIAL_NO_AUTH_ACTION_COUNT requests: 0 is "always".
    httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"0" if enabled else b"inf").raise_for_status()


def boto3_lister(
    endpoint: str, region: str, credentials: dict[str, str], answers: list[float] | None = None
) -> Callable[[], int]:
    """A function listing every instance with boto3's DescribeInstances paginator; it returns how many.
    With `answers`, each page's wait for the server (request sent → answer read, before boto3 parses it)
    is appended there."""
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=endpoint, aws_access_key_id=credentials["access_key_id"],
                       aws_secret_access_key=credentials["secret_access_key"])  # fmt: skip
    if answers is not None:
        sent_at = [0.0]
        ec2.meta.events.register("before-send.ec2.DescribeInstances", lambda **_: sent_at.__setitem__(0, time.perf_counter()))
        ec2.meta.events.register("before-parse.ec2.DescribeInstances", lambda **_: answers.append(time.perf_counter() - sent_at[0]))
    paginator = ec2.get_paginator("describe_instances")

    def list_all() -> int:
        return sum(len(r["Instances"]) for page in paginator.paginate() for r in page["Reservations"])

    return list_all


def libcloud_lister(endpoint: str, region: str, credentials: dict[str, str]) -> Callable[[], int]:
    """A function listing every instance with libcloud's `list_nodes`; it returns how many."""
    url = httpx.URL(endpoint)
    driver = MotoEC2NodeDriver(credentials["access_key_id"], credentials["secret_access_key"], secure=False,
                               host=url.host, port=url.port, region=region, signature_version="4")  # fmt: skip
    return lambda: len(driver.list_nodes())
