"""The set-up scripts fail with one clear line, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_find_python_says_clearly_when_there_is_none(tmp_path: Path) -> None:
    system = [Path(d, f"python3.{v}") for d in ("/usr/bin", "/usr/local/bin") for v in range(12, 20)]
    if any(p.exists() for p in system):
        pytest.skip("this machine has a system Python >= 3.12")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    result = _run(["/bin/bash", "scripts/find-python.sh"], env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no Python >= 3.12 found" in lines[0]


def test_find_python_finds_one_here() -> None:
    result = _run(["/bin/bash", "scripts/find-python.sh"], dict(os.environ))
    assert result.returncode == 0
    version = subprocess.run([result.stdout.strip(), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("Python 3.1")


def test_serve_refuses_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "PORT": str(port)}
        result = _run(["/bin/bash", "scripts/serve.sh"], env)
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_packages_without_apt_is_one_clear_line(tmp_path: Path) -> None:
    """A machine where dpkg says nothing is installed and apt-get is absent."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    (fake / "dpkg-query").chmod(0o755)
    for tool in ("grep", "ls", "sort", "id"):
        (fake / tool).symlink_to(f"/usr/bin/{tool}" if Path(f"/usr/bin/{tool}").exists() else f"/bin/{tool}")
    env = {"PATH": str(fake), "HOME": str(tmp_path)}
    result = _run(["/bin/bash", "scripts/system-packages.sh"], env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: apt-get is not available to install: gdal-bin")
