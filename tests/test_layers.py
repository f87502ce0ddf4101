"""The layers of docs/architecture.md are contracts: `lint-imports` keeps them on the package, and breaks
on an upward import (checked on a copy of the package with one added)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import cloudgate

PROJECT = Path(cloudgate.__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_package_keeps_every_contract():
    result = _lint(PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_and_a_driver_reaching_the_store_break_the_contracts(tmp_path: Path):
    shutil.copytree(PROJECT / "cloudgate", tmp_path / "cloudgate", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "cloudgate" / "store" / "upward.py").write_text("from cloudgate.api import create_api\n")
    (tmp_path / "cloudgate" / "drivers" / "sim" / "reach.py").write_text("from cloudgate.store import Store\n")

    result = _lint(tmp_path)

    assert result.returncode == 1, result.stdout
    assert "cloudgate.store.upward -> cloudgate.api" in result.stdout
    assert "cloudgate.drivers.sim.reach -> cloudgate.store" in result.stdout
    assert "2 broken" in result.stdout
