"""An image's bytes on the sim cloud: made up for the images the cloud made itself, kept in spool files for
uploaded ones.

An image the cloud made (a public one, one made from a server or at the console) holds `size` bytes of one
1 MiB block drawn from a seed (its id), repeated and cut at the size: an image of any size costs nothing to
make, and reading it costs no disk. Its checksums are computed the first time it is read and kept on the
image (md5 and sha512 side by side on two threads: about a second and a half per GiB, paid once), so that
every read reports the true checksums of what it streams and a reader's verification means something (the
`image_corruption` fault flips a byte of what is read, never of what is reported).

An uploaded image's bytes go to a file of its own in the cloud's spool directory, hashed as they arrive;
rows keep the file's name only, so a durable cloud's state file never holds image bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import shutil
import tempfile
import weakref
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, BinaryIO

BLOCK = 1 << 20
# What glance keeps of every image, and so the sim too: its `checksum` (md5) and `os_hash_value` (sha512).
CHECKSUMS = ("md5", "sha512")


def mebibytes(size: int) -> int:
    """What `size` bytes count against an image storage quota: whole MiB, rounded up."""
    return -(-size // BLOCK)


def _hasher(algorithm: str) -> Any:
    return hashlib.new(algorithm, usedforsecurity=False)


@lru_cache(maxsize=8)
def pattern(seed: str) -> bytes:
    """The block that a made-up image's bytes repeat."""
    return random.Random(f"image:{seed}").randbytes(BLOCK)


def made_up(seed: str, offset: int, length: int) -> bytes:
    """Bytes `offset` to `offset + length` of the made-up image of `seed`, within one block."""
    start = offset % BLOCK
    if start + length > BLOCK:
        raise ValueError("a read of made-up bytes stays within one block")
    block = pattern(seed)
    return block if length == BLOCK else block[start : start + length]


def chunk_length(rate: float) -> int:
    """The bytes a chunk holds: a block, or at a capped rate about an eighth of a second's worth (a power of
    two from 4 KiB up), so that a paced transfer moves steadily and stops soon when told to."""
    if not rate:
        return BLOCK
    return max(4096, min(BLOCK, 1 << max(0, int(rate / 8).bit_length() - 1)))


def flipped(chunk: bytes) -> bytes:
    """`chunk` with its middle byte inverted: what the `image_corruption` fault does to a read."""
    if not chunk:
        return chunk
    damaged = bytearray(chunk)
    damaged[len(damaged) // 2] ^= 0xFF
    return bytes(damaged)


def _made_up_digest(seed: str, size: int, algorithm: str) -> str:
    hasher, block = _hasher(algorithm), pattern(seed)
    whole, rest = divmod(size, BLOCK)
    for _ in range(whole):
        hasher.update(block)
    hasher.update(block[:rest])
    return str(hasher.hexdigest())


async def made_up_checksums(seed: str, size: int) -> dict[str, str]:
    """The checksums of a made-up image, each algorithm on a thread of its own (hashlib lets go of the GIL)."""
    digests = await asyncio.gather(*(asyncio.to_thread(_made_up_digest, seed, size, alg) for alg in CHECKSUMS))
    return dict(zip(CHECKSUMS, digests, strict=True))


class Spool:
    """The directory of a cloud's uploaded image files: a given one (beside a durable cloud's state file,
    kept with it), or a temporary one made on first use and removed when the cloud is dropped."""

    def __init__(self, directory: Path | None = None):
        self._directory = directory
        self.kept = directory is not None  # a durable cloud's: written files reach the disk before they count
        self._removal: weakref.finalize | None = None

    def path(self, name: str) -> Path:
        """Where file `name` goes, the directory made if need be. Called on the event loop (no thread races
        to make the temporary directory twice); the file itself is opened off it."""
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="cloudgate-sim-images-"))
            self._removal = weakref.finalize(self, shutil.rmtree, self._directory, ignore_errors=True)
        self._directory.mkdir(parents=True, exist_ok=True)
        return self._directory / name

    def discard(self, name: str | None) -> None:
        if name is not None and self._directory is not None:
            (self._directory / name).unlink(missing_ok=True)

    def __getstate__(self) -> dict[str, Any]:
        # Only a durable cloud is saved, and its directory outlives every process: no removal to carry.
        return {**vars(self), "_removal": None}


class SpoolWriter:
    """An uploaded image's file being written, hashed as its bytes arrive. Blocking: run it off the loop."""

    def __init__(self, path: Path, *, sync: bool):
        self._file: BinaryIO = path.open("wb")
        self._sync = sync
        self._hashers = {algorithm: _hasher(algorithm) for algorithm in CHECKSUMS}

    def steps(self, chunk: bytes) -> list[Callable[[], object]]:
        """What taking `chunk` takes: writing it, and each hash's update. Independent of one another, they
        run side by side on threads of their own (file writes and hashlib both let go of the GIL); the steps
        of the next chunk wait for these."""
        return [partial(self._file.write, chunk), *(partial(hasher.update, chunk) for hasher in self._hashers.values())]

    def finish(self) -> dict[str, str]:
        """Close the file (on disk first, when the spool is kept); the checksums of what was written."""
        self._file.flush()
        if self._sync:
            os.fsync(self._file.fileno())
        self.close()
        return {algorithm: hasher.hexdigest() for algorithm, hasher in self._hashers.items()}

    def close(self) -> None:
        self._file.close()
