"""The packaged app (PyInstaller, packaging/hearth.spec) runs with no Python: built once into a
temporary folder, started with an empty environment, it creates a company and serves /healthz and
the console."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.live import ROOT, free_port

CLEAN_ENV = {"HOME": "/tmp", "PATH": "/usr/bin:/bin"}  # no virtualenv, no PYTHONPATH


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    out = tmp_path_factory.mktemp("package")
    built = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR",
                            "--distpath", str(out / "dist"), "--workpath", str(out / "build"),
                            "packaging/hearth.spec"], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr[-3000:]
    return out / "dist" / "hearth" / "hearth"


def test_the_packaged_app_serves_without_python(packaged, tmp_path):
    data = tmp_path / "data"
    made = subprocess.run([str(packaged), "create-company", "--name", "Packed Shop", "--slug", "packed",
                           "--admin-email", "owner@packed.test", "--admin-password", "correct-horse-battery",
                           "--data-dir", str(data)], env=CLEAN_ENV, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert made.returncode == 0, made.stderr[-2000:]
    port = free_port()
    server = subprocess.Popen([str(packaged), "--headless", "--data-dir", str(data), "--host", "127.0.0.1",
                               "--port", str(port)], env=CLEAN_ENV, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    health = json.load(answer)
                    break
            except OSError:
                time.sleep(0.5)
        assert health is not None and health["status"] == "ok", server.stdout.read() if server.poll() else "no answer"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/console", timeout=5) as page:
            assert page.status == 200 and b"Hearth" in page.read()
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    assert server.returncode == 0 or server.returncode == -15
