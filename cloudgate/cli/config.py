"""The CLI's saved logins: one per named profile (a gateway URL and a bearer token), in one file only
its owner can read. A file from before profiles (one login at the top level) reads as the default profile."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cloudgate.cli.failures import UsageFailure

CONFIG_FILE = "config.json"
DEFAULT_PROFILE = "default"


def config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`$CLOUDGATE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/cloudgate`, else `~/.config/cloudgate`."""
    if environ.get("CLOUDGATE_CONFIG_DIR"):
        return Path(environ["CLOUDGATE_CONFIG_DIR"])
    base = Path(environ["XDG_CONFIG_HOME"]) if environ.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "cloudgate"


@dataclass(slots=True)
class SavedLogin:
    url: str | None = None
    token: str | None = None
    client_id: str | None = None
    expires_at: float | None = None
    ca_file: str | None = None  # the CAs the gateway's certificate is checked against, when not the system's
    insecure: bool | None = None  # its certificate is not checked


def _login(body: Any, path: Path) -> SavedLogin:
    if not isinstance(body, dict):
        raise UsageFailure("bad_config", f"{path} holds a profile that is not a JSON object")
    known = SavedLogin.__slots__
    return SavedLogin(**{k: v for k, v in body.items() if k in known})


def load_all(directory: Path | None = None) -> dict[str, SavedLogin]:
    """Every saved profile by name (none when there is no file)."""
    path = (directory or config_dir()) / CONFIG_FILE
    try:
        body = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise UsageFailure("bad_config", f"cannot read {path}: {exc}") from exc
    if not isinstance(body, dict):
        raise UsageFailure("bad_config", f"{path} does not hold a JSON object")
    if "profiles" not in body:  # the single login of a file written before profiles
        return {DEFAULT_PROFILE: _login(body, path)} if body else {}
    profiles = body["profiles"]
    if not isinstance(profiles, dict):
        raise UsageFailure("bad_config", f"{path}: profiles is not a JSON object")
    return {name: _login(login, path) for name, login in profiles.items()}


def load(directory: Path | None = None, profile: str = DEFAULT_PROFILE) -> SavedLogin:
    """The login saved in `profile` (an empty one when there is none)."""
    return load_all(directory).get(profile, SavedLogin())


def save(login: SavedLogin, directory: Path | None = None, profile: str = DEFAULT_PROFILE) -> Path:
    """Save the login as `profile`, keeping the other profiles; the file has mode 0600 (tokens are
    credentials) and is replaced whole, so a command reading it meanwhile (a follower renewing its
    token) never sees half of it. Returns the file's path."""
    directory = directory or config_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    profiles = {name: asdict(saved) for name, saved in load_all(directory).items()}
    profiles[profile] = asdict(login)
    path = directory / CONFIG_FILE
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{CONFIG_FILE}.")  # created with mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            json.dump({"profiles": profiles}, file, indent=2)
            file.write("\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path
