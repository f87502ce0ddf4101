from __future__ import annotations

import httpx
import pytest

from cloudgate.cli import waiting
from cloudgate.cli.failures import EXIT_OPERATION_FAILED, EXIT_WAIT_TIMEOUT, OperationFailed, WaitTimeout
from cloudgate.cli.session import Session, Target

PENDING = {"id": "op-1", "kind": "instance", "resource_id": "i-1", "action": "create", "state": "pending"}


def gateway(operation_states: list[dict], resource_states: list[str]) -> Session:
    """A fake gateway answering the operation and its resource from the given sequences (the last one repeats)."""

    def next_of(states: list) -> object:
        return states.pop(0) if len(states) > 1 else states[0]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/operations/op-1":
            return httpx.Response(200, json=next_of(operation_states))
        state = next_of(resource_states)
        if state == "gone":
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "gone"}})
        return httpx.Response(200, json={"id": "i-1", "state": state})

    return Session(Target("http://gateway", "cgt_x"), transport=httpx.MockTransport(answer))


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(waiting, "POLL_SECONDS", 0.0)


def test_follow_returns_the_operation_once_it_succeeded(capsys):
    session = gateway([{**PENDING, "state": "running"}, {**PENDING, "state": "succeeded"}], ["pending", "running"])
    assert waiting.follow(session, PENDING, timeout=10)["state"] == "succeeded"
    progress = capsys.readouterr().err
    assert "instance i-1: pending" in progress and "instance i-1: running" in progress


def test_a_failed_operation_raises_with_its_error_code():
    failed = {**PENDING, "state": "failed", "error": {"code": "quota_exceeded", "message": "no more cores"}}
    with pytest.raises(OperationFailed) as caught:
        waiting.follow(gateway([failed], ["gone"]), PENDING, timeout=10)
    assert caught.value.exit_code == EXIT_OPERATION_FAILED
    assert caught.value.code == "quota_exceeded"
    assert "no more cores" in caught.value.message


def test_waiting_gives_up_at_the_timeout():
    with pytest.raises(WaitTimeout) as caught:
        waiting.follow(gateway([PENDING], ["pending"]), PENDING, timeout=0)
    assert caught.value.exit_code == EXIT_WAIT_TIMEOUT
    assert "cloudgate operation show op-1 --wait" in caught.value.message


def test_progress_is_shown_as_it_moves(capsys):
    resync = {"id": "op-1", "kind": "account", "resource_id": "*", "action": "resync", "state": "running",
              "progress": {"done": 1, "total": 4, "unit": "listings"}}  # fmt: skip
    later = [{**resync, "progress": {**resync["progress"], "done": 3}},
             {**resync, "state": "succeeded", "progress": {**resync["progress"], "done": 4}}]  # fmt: skip
    assert waiting.follow(gateway(later, ["unused"]), resync, timeout=10)["state"] == "succeeded"
    progress = capsys.readouterr().err
    assert "resync account *: 1/4 listings" in progress and "resync account *: 4/4 listings" in progress


def test_a_failure_names_gateway_ids_and_says_what_to_do_next():
    destroy = {**PENDING, "kind": "volume", "resource_id": "vol-1", "action": "destroy"}
    failed = {**destroy, "state": "failed", "error": {"code": "conflict", "message": "vol-000020 is ATTACHED"}}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/operations/op-1":
            return httpx.Response(200, json=failed)
        return httpx.Response(200, json={"id": "vol-1", "cloud_id": "vol-000020", "state": "in_use"})

    session = Session(Target("http://gateway", "cgt_x"), transport=httpx.MockTransport(answer))
    with pytest.raises(OperationFailed) as caught:
        waiting.follow(session, destroy, timeout=10)
    assert "vol-000020" not in caught.value.message
    assert caught.value.message.endswith("vol-1 is ATTACHED: detach it first: cloudgate volume detach vol-1")
