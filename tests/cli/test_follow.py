"""`cloudgate events tail` follows the feed by default, through a gateway restart and a new login."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import pytest

from tests.cli.conftest import CLOUDGATE, Served, cli, login, wait_for

pytestmark = pytest.mark.slow

EVENT_SECONDS = 60.0


@dataclass
class Lines:
    """What a stream has printed so far, read by a thread of its own (a pipe read would block the test)."""

    lines: list[str] = field(default_factory=list)

    def read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\\n"))

    def count(self, *texts: str) -> int:
        """Lines holding every one of `texts`."""
        return sum(all(text in line for text in texts) for line in list(self.lines))


@dataclass
class Follower:
    process: subprocess.Popen[str]
    out: Lines
    err: Lines

    def printed(self, *texts: str, notice: bool = False) -> None:
        """Wait for a line of its output (its stderr, for a `notice`) with every one of `texts`."""
        lines = self.err if notice else self.out

        def there() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"events tail exited with {self.process.returncode}:\\n" + "\\n".join(self.err.lines))
            return lines.count(*texts) > 0

        wait_for(there, EVENT_SECONDS, f"{texts} from events tail, which printed:\\n"
                 + "\\n".join(self.out.lines + self.err.lines))  # fmt: skip

    def seqs(self) -> list[int]:
        return [int(line.split()[0]) for line in list(self.out.lines)[1:]]


@pytest.fixture
def follower(served: Served) -> Iterator[Follower]:
    """`cloudgate events tail` as a person starts it, logged in as admin; stopped with Ctrl+C (SIGINT)."""
    login(served)
    process = subprocess.Popen(
        [CLOUDGATE, "events", "tail", "-c", "seq", "-c", "name", "-c", "change"], env=served.env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        # Ctrl+C as in a terminal, even when the tests run as a background job (which ignores SIGINT, and a
        # Python started with SIGINT ignored never turns it into KeyboardInterrupt).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    out, err = Lines(), Lines()
    readers = [threading.Thread(target=lines.read, args=(stream,), daemon=True)
               for lines, stream in ((out, process.stdout), (err, process.stderr))]  # fmt: skip
    for reader in readers:
        reader.start()
    try:
        yield Follower(process, out, err)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0, "\\n".join(err.lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for reader in readers:
            reader.join(timeout=5)


def history(served: Served) -> list[int]:
    done = cli(served, "events", "tail", "--no-follow", "-f", "value", "-c", "seq")
    assert done.returncode == 0, done.stderr
    return [int(seq) for seq in done.stdout.split()]


def test_events_tail_follows_by_default_and_goes_on_after_a_gateway_restart(served, follower):
    follower.printed("SEQ", "NAME", "CHANGE")  # the header, at once
    follower.printed(f"{history(served)[-1]} ")  # then what happened so far
    assert cli(served, "instance", "stop", "web-2").returncode == 0
    follower.printed("web-2", "updated state=stopping")

    served.restart()  # stopped by its pid, started again on the same port and data directory
    follower.printed("gateway unreachable", notice=True)
    assert cli(served, "instance", "stop", "db-1").returncode == 0
    follower.printed("db-1", "updated state=stopping")
    follower.printed("reached the gateway again", notice=True)

    every = history(served)
    follower.printed(f"{every[-1]} ")
    printed = follower.seqs()  # once: it may print more meanwhile
    assert printed[: len(every)] == every  # each event once, in order: none lost or repeated across the restart
    assert printed == sorted(set(printed))


def test_events_tail_takes_the_new_login_when_its_token_is_refused(served, follower):
    follower.printed("SEQ")
    login(served, "--profile", "other")  # admin's second token, for the changes made meanwhile
    assert cli(served, "logout").returncode == 0  # revokes the token the follower holds
    assert cli(served, "--profile", "other", "instance", "stop", "web-1").returncode == 0
    follower.printed("waiting for a new login", notice=True)

    assert cli(served, "--profile", "other", "instance", "stop", "db-1").returncode == 0
    login(served)  # what a person runs in another terminal
    follower.printed("logged in again", notice=True)
    follower.printed("db-1", "updated state=stopping")
    printed = follower.seqs()  # once: it may print more meanwhile
    assert printed == history(served)[: len(printed)]  # nothing lost or repeated while it waited
