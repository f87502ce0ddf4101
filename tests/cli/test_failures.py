"""How commands fail: a clear `error: <code>: <message>` line, a distinct exit code, never a traceback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from cloudgate.cli import app
from cloudgate.cli.failures import EXIT_API_ERROR, EXIT_UNREACHABLE, EXIT_USAGE


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.setenv("CLOUDGATE_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("CLOUDGATE_URL", "CLOUDGATE_TOKEN", "CLOUDGATE_OUTPUT", "CLOUDGATE_FORMAT", "CLOUDGATE_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


INSTANCE = "i-0123456789abcdef0123"  # gateway ids: a name would be looked up first
VOLUME = "vol-0123456789abcdef0123"


class ErrorAnswers(BaseHTTPRequestHandler):
    """Answers every request the way the gateway answers an unknown resource, and records what it got."""

    seen: list[tuple[str, str, str | None]] = []

    def _answer(self) -> None:
        self.seen.append((self.command, self.path, self.headers.get("Authorization")))
        body = json.dumps({"error": {"code": "not_found", "message": f"instance {INSTANCE} not found"}}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def error_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ErrorAnswers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_api_error_is_one_line_with_its_code(runner, error_server):
    result = runner.invoke(app, ["instance", "show", INSTANCE, "--url", error_server, "--token", "cgt_x"])
    assert result.exit_code == EXIT_API_ERROR
    assert result.stderr.strip() == f"error: not_found: instance {INSTANCE} not found"
    assert result.stdout == ""
    assert ErrorAnswers.seen[-1] == ("GET", f"/v1/instances/{INSTANCE}", "Bearer cgt_x")


def test_global_options_work_before_the_command_too(runner, error_server):
    result = runner.invoke(app, ["--url", error_server, "--output", "json", "volume", "delete", VOLUME])
    assert result.exit_code == EXIT_API_ERROR
    assert ErrorAnswers.seen[-1][:2] == ("DELETE", f"/v1/volumes/{VOLUME}")


def test_an_unreachable_gateway_is_named_without_a_traceback(runner):
    url = f"http://127.0.0.1:{closed_port()}"
    result = runner.invoke(app, ["whoami", "--url", url])
    assert result.exit_code == EXIT_UNREACHABLE
    assert result.stderr.startswith(f"error: unreachable: cannot reach {url}")
    assert "Traceback" not in result.output


def test_a_bad_assignment_is_a_usage_error_before_any_request(runner):
    result = runner.invoke(app, ["instance", "create", "--account", "acc-1", "--set", "flavor"])
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.strip() == "error: bad_option: --set expects key=value, got 'flavor'"


def test_a_missing_required_option_is_a_usage_error(runner):
    result = runner.invoke(app, ["volume", "attach", "vol-1"])
    assert result.exit_code == EXIT_USAGE
    assert "--instance" in result.output
