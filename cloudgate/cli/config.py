"""The CLI's saved login: gateway URL and bearer token, in a file only its owner can read."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from cloudgate.cli.failures import UsageFailure

CONFIG_FILE = "config.json"


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


def load(directory: Path | None = None) -> SavedLogin:
    path = (directory or config_dir()) / CONFIG_FILE
    try:
        body = json.loads(path.read_text())
    except FileNotFoundError:
        return SavedLogin()
    except (OSError, ValueError) as exc:
        raise UsageFailure("bad_config", f"cannot read {path}: {exc}") from exc
    if not isinstance(body, dict):
        raise UsageFailure("bad_config", f"{path} does not hold a JSON object")
    known = SavedLogin.__slots__
    return SavedLogin(**{k: v for k, v in body.items() if k in known})


def save(login: SavedLogin, directory: Path | None = None) -> Path:
    """Write the login with mode 0600 (the token is a credential); returns the file's path."""
    directory = directory or config_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / CONFIG_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        os.fchmod(file.fileno(), 0o600)  # O_CREAT's mode is ignored for a file that already existed
        json.dump(asdict(login), file, indent=2)
        file.write("\n")
    return path
