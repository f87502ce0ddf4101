"""`cloudgate serve` on a port that is taken: it says so, and which option chooses another, before it
generates (and would lose) the admin secret."""

from __future__ import annotations

import socket
import subprocess

from cloudgate.cli.failures import EXIT_USAGE
from tests.cli.conftest import CLOUDGATE, COMMAND_SECONDS
from tests.services.served import clean_env


def test_a_port_in_use_is_named_before_any_admin_secret(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [CLOUDGATE, "serve", "--demo", "--port", str(port), "--data-dir", str(tmp_path / "data")],
            env=clean_env(tmp_path), capture_output=True, text=True, timeout=COMMAND_SECONDS,
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    assert done.returncode == EXIT_USAGE
    assert done.stderr.startswith(f"error: port_in_use: 127.0.0.1:{port} is already in use"), done.stderr
    assert "--port" in done.stderr and "CLOUDGATE_PORT" in done.stderr
    assert "admin secret" not in done.stdout and "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()  # no store, no key, no admin client: nothing was generated
