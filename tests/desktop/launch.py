"""Following a desktop shell started as a person starts it: its output lines, its server child."""
from __future__ import annotations

import os
import signal
import subprocess
import time


def read_until(process: subprocess.Popen, marker: str, seen: list[str]) -> str:
    """The first output line holding ``marker``; every line read is added to ``seen``."""
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            return line
    raise AssertionError(f"{marker!r} never printed:\n{''.join(seen)}")


def server_pid(line: str) -> int:
    """The pid in the shell's "server started (pid N)" line."""
    return int(line.split("(pid ")[1].split(")")[0])


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as stat:  # a zombie awaiting its reaper has stopped too
        return stat.read().split(") ")[1].startswith("Z")


def wait_gone(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if gone(pid):
            return True
        time.sleep(0.1)
    return False


def closes_cleanly(shell: subprocess.Popen, server: int, seen: list[str]) -> None:
    """SIGTERM, as the desktop sends when the window is closed: the shell exits 0 and its server goes."""
    shell.send_signal(signal.SIGTERM)
    assert shell.wait(30) == 0, "".join(seen + shell.stdout.readlines())
    assert wait_gone(server)
