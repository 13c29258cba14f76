"""The desktop shell, as a person starts it: a window under Xvfb, headless with no display, clean stops."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.desktop.launch import closes_cleanly, read_until, server_pid, wait_gone
from tests.desktop.xvfb import Xvfb, write_png
from tests.live import ROOT, free_port

ARTIFACTS = ROOT / "test-artifacts"


def start_shell(data_dir: Path, port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "run.py", "--data-dir", str(data_dir), "--port", str(port)],
                            cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.mark.skipif(not os.path.exists("/usr/bin/Xvfb"), reason="needs Xvfb: scripts/ensure-desktop.sh")
def test_the_window_shows_the_console_and_closing_stops_the_server(tmp_path):
    screen = Xvfb().start()
    shell = start_shell(tmp_path / "data", free_port(), {**os.environ, "DISPLAY": screen.display})
    seen: list[str] = []
    try:
        pid = server_pid(read_until(shell, "server started", seen))
        shown = read_until(shell, "window is showing", seen)
        assert shown.strip().endswith("/console")
        time.sleep(1)  # the page has loaded; give the compositor a frame to paint it
        pixels = screen.pixels()
        write_png(ARTIFACTS / "desktop-window.png", pixels)
        assert pixels.std() > 20, "the screen is blank"
        closes_cleanly(shell, pid, seen)
    finally:
        if shell.poll() is None:
            shell.kill()
        screen.stop()


def test_no_display_serves_headless_and_the_server_dies_with_the_shell(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    port = free_port()
    shell = start_shell(tmp_path / "data", port, env)
    seen: list[str] = []
    try:
        assert "no display" in read_until(shell, "cannot open the window", seen)
        pid = server_pid(read_until(shell, "server started", seen))
        read_until(shell, "Hearth is running at", seen)
        shell.kill()  # even a SIGKILL of the shell leaves no server behind
        shell.wait(10)
        assert wait_gone(pid), "the server outlived the shell"
    finally:
        if shell.poll() is None:
            shell.kill()
