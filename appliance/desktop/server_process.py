"""The Hearth server as a child process of the desktop shell: start it, wait for /healthz, stop it."""
from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
SHELL_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def server_command(flags: list[str]) -> list[str]:
    """How to start `serve`: the frozen app runs itself, a checkout runs run.py with this Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "serve", *flags]
    return [sys.executable, str(Path(__file__).resolve().parents[2] / "run.py"), "serve", *flags]


def _child_setup(parent_pid: int, prctl) -> None:  # runs in the child between fork and exec
    # The shell may block its stop signals for a watcher thread; the server must receive them.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SHELL_SIGNALS)
    if prctl is not None:
        # If the shell dies, even by SIGKILL, the kernel sends the server SIGTERM: no lingering server.
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:  # the shell died before prctl took effect
            os._exit(1)


class ServerProcess:
    """One server child. ``url`` is where its /healthz answers."""

    def __init__(self, command: list[str], url: str, output: IO | None = None):
        self.command = command
        self.url = url.rstrip("/")
        self.output = output
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> "ServerProcess":
        parent = os.getpid()
        prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(self.command, env=env, stdout=self.output, stderr=self.output,
                                        preexec_fn=lambda: _child_setup(parent, prctl))
        logger.info("server started (pid %s): %s", self.process.pid, " ".join(self.command))
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                return json.load(response).get("status") == "ok"
        except (OSError, ValueError):
            return False

    def wait_healthy(self, timeout: float, cancelled: threading.Event | None = None) -> bool:
        """Poll /healthz until it answers ok; False if the server exits, is cancelled or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running() or (cancelled is not None and cancelled.is_set()):
                return False
            if self.healthy():
                return True
            (cancelled or threading.Event()).wait(0.1)
        return False

    def stop(self, grace: float = 10) -> int | None:
        """SIGTERM, wait up to ``grace`` seconds, then SIGKILL. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                logger.warning("server did not stop within %ss; killing it", grace)
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode
