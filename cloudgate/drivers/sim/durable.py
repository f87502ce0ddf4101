"""A sim cloud kept in a file, shared by every process that opens it.

Each call on the cloud takes the file's lock, reads the state again when another process wrote it
since, and writes it back when the call changed it (to a new file renamed over the old one, so a
crash leaves the last whole state). The cloud then outlives the gateway process: ids never repeat,
and a restarted gateway sees exactly the cloud it left. The whole state is written per change, which
suits a demo's hundreds or thousands of resources, not the 250k of the benchmarks (those clouds live
in memory).
"""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol


class Persistent(Protocol):
    def saved_state(self) -> dict[str, Any]: ...

    def restore_state(self, state: dict[str, Any]) -> None: ...


class StateFile:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # The lock is on a file of its own: the state file is replaced by a rename at each save.
        self._lock = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        self._version: tuple[int, int] | None = None  # (inode, mtime) of the state file last read or written
        self._saved = b""

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def held(self, owner: Persistent) -> Iterator[None]:
        """Run a call on `owner` with the file's lock held: its state reloaded first when another
        process changed the file, saved after when the call changed it (even when the call failed:
        the cloud keeps what a failed call did, as a live cloud would)."""
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            self._reload(owner)
            try:
                yield
            finally:
                self.save(owner)
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    def _reload(self, owner: Persistent) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return
        if (stat.st_ino, stat.st_mtime_ns) != self._version:
            blob = self.path.read_bytes()
            owner.restore_state(pickle.loads(blob))
            self._saved, self._version = blob, (stat.st_ino, stat.st_mtime_ns)

    def save(self, owner: Persistent) -> None:
        blob = pickle.dumps(owner.saved_state(), protocol=pickle.HIGHEST_PROTOCOL)
        if blob == self._saved:
            return
        fresh = self.path.with_name(self.path.name + ".new")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(blob)
            file.flush()
            os.fsync(file.fileno())
        os.replace(fresh, self.path)
        stat = self.path.stat()
        self._saved, self._version = blob, (stat.st_ino, stat.st_mtime_ns)

    def load(self, owner: Persistent) -> None:
        """Read the state into `owner` (the file must exist)."""
        with self.held(owner):
            pass
