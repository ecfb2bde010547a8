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


def test_serve_keeps_a_client_connection_alive_across_requests(tmp_path: Path, django_db_setup: None) -> None:
    """Map clients fetch tiles in bursts over a few connections: the server must not close each after one tile."""
    import http.client
    import signal
    import time

    from django.conf import settings

    db = settings.DATABASES["default"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgis://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": url, "GIS_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen(["/bin/bash", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "serve.sh did not start"
                time.sleep(0.2)
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        replies = []
        for _ in range(3):
            client.request("GET", "/healthz")
            response = client.getresponse()
            response.read()
            replies.append((response.status, response.getheader("Connection"), client.sock))
        assert [status for status, _, _ in replies] == [200] * 3
        assert all(header != "close" for _, header, _ in replies)
        assert replies[0][2] is not None and all(sock is replies[0][2] for _, _, sock in replies), "one connection"
        client.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
