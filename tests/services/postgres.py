"""A throwaway PostgreSQL server (Debian's postgresql package) in a temporary directory on 127.0.0.1."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def available() -> bool:
    return _bindir() is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user() -> list[str]:
    # PostgreSQL refuses to run as root; setpriv execs in place, so the pid we hold is the server itself.
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] if os.geteuid() == 0 else []


@dataclass
class PostgresServer:
    root: Path
    port: int
    process: subprocess.Popen

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://cloudgate@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://cloudgate@127.0.0.1:{self.port}/{database}"

    async def _admin(self, statement: str) -> None:
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(statement)
        finally:
            await admin.close()

    async def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"t_{secrets.token_hex(6)}"
        await self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        await self._admin(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> PostgresServer:
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="cloudgate-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (root, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    run_as = _as_postgres_user()
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "cloudgate", "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [*run_as, str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(sockets),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
         "-c", "full_page_writes=off", "-c", "max_connections=200"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = PostgresServer(root, port, process)
    deadline = time.monotonic() + 60
    while True:
        ready = subprocess.run(
            [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", "cloudgate"], capture_output=True
        )
        if ready.returncode == 0:
            return server
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError("PostgreSQL did not become ready")
        time.sleep(0.1)  # polling a readiness probe against its deadline
