"""A real Hearth server process (gevent, websockets) on 127.0.0.1 for tests that need one."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
# settings.json for a server that needs no model: the hashing embedder, no model server listening
NO_MODELS = {"embedder": "hashing", "ollama_host": "http://127.0.0.1:9"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `python -m appliance ARGS` on this data dir (eval makes its own, so it gets none)."""
    data_args = [] if args[:1] == ("eval",) else ["--data-dir", str(data_dir)]
    return subprocess.run([sys.executable, "-m", "appliance", *args, *data_args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def company_data_dir(data_dir: Path, *, name: str = "Shop", slug: str = "shop", admin_email: str | None = None,
                     settings: dict | None = None, extra: tuple[str, ...] = ()) -> Path:
    """A data dir holding one company made by `python -m appliance create-company` (its admin's password
    is tests.conftest.PASSWORD), with `settings` as its settings.json when given."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if settings is not None:
        (data_dir / "settings.json").write_text(json.dumps(settings))
    made = cli(data_dir, "create-company", "--name", name, "--slug", slug, "--admin-email",
               admin_email or f"owner@{slug}.test", "--admin-password", PASSWORD, *extra)
    assert made.returncode == 0, made.stderr
    return data_dir


class LiveServer:
    def __init__(self, data_dir: Path, *, entry: tuple[str, ...] = ("run.py", "--headless")):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"server-{self.port}.log"
        self.entry = entry
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "LiveServer":
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._log_file = open(self.log, "w")
        self.process = subprocess.Popen(
            [sys.executable, *self.entry, "--data-dir", str(self.data_dir), "--host", "127.0.0.1",
             "--port", str(self.port)], cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if json.load(response)["status"] == "ok":
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not healthy within {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if getattr(self, "_log_file", None):
            self._log_file.close()
