"""Time from launch to a usable window: the packaged app against `python run.py`, under Xvfb.

    python -m benchmarks.desktop_start [--runs 5] [--bundle dist/hearth] [--python PY] [--gui auto|gtk|qt]

Usable means the agent console has loaded in the window, which the shell only asks for once the
server's /healthz answered ok: the shell prints "window is showing <url>/console" when pywebview
reports the console page loaded. That line is the stop of the clock; a screenshot of the virtual
screen is then checked as not blank. Each app starts once first on a new data folder, not counted
(the first start prepares the embedding model); the timed runs reuse that folder, as a person's
second and later starts do. Also printed: the memory of the window (PSS of the shell and the web
processes it starts, the server left out), the folder's size and the archive's. Loopback only;
every start is given at most --timeout seconds.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from appliance.evaluation import percentile  # noqa: E402
from tests.desktop.launch import read_until, server_pid, wait_gone  # noqa: E402
from tests.desktop.xvfb import Xvfb  # noqa: E402
from tests.live import free_port  # noqa: E402

SHOWN = "window is showing"


@dataclass
class Target:
    name: str
    command: list[str]
    env: dict
    seconds: list[float] = field(default_factory=list)
    window_mib: list[float] = field(default_factory=list)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def window_pss_mib(shell: int, server: int) -> float:
    """PSS of the shell and its descendants, leaving out the server and its own children."""
    tree, total, todo = _children(), 0, [shell]
    while todo:
        pid = todo.pop()
        if pid == server:
            continue
        todo += tree.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass  # a process that ended meanwhile
    return total / 1024


def start_once(target: Target, data: Path, port: int, timeout: float, screen: Xvfb) -> tuple[float, float]:
    """Seconds from launch to the console shown in the window, and the window's memory."""
    command = [*target.command, "--data-dir", str(data), "--host", "127.0.0.1", "--port", str(port)]
    started = time.monotonic()
    shell = subprocess.Popen(command, cwd=ROOT, env=target.env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(timeout, shell.kill)  # bounds the reads below: a killed shell ends its output
    watchdog.start()
    seen: list[str] = []
    try:
        server = server_pid(read_until(shell, "server started", seen))
        read_until(shell, SHOWN, seen)
        elapsed = time.monotonic() - started
        time.sleep(1)  # one frame for the compositor to paint the page, and the web processes to settle
        if screen.pixels().std() < 20:
            raise RuntimeError(f"{target.name}: the window is blank although the shell says it is showing")
        memory = window_pss_mib(shell.pid, server)
        shell.send_signal(signal.SIGTERM)
        shell.wait(30)
        wait_gone(server)
        return elapsed, memory
    except AssertionError as exc:
        raise RuntimeError(f"{target.name} did not show its window within {timeout:.0f} s:\n{exc}") from None
    finally:
        watchdog.cancel()
        if shell.poll() is None:
            shell.kill()
            shell.wait(10)


def size_mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed starts of each app (default 5)")
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "hearth", help="the packaged app's folder")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs run.py (default: this one)")
    parser.add_argument("--gui", default="auto", choices=("auto", "gtk", "qt"), help="window toolkit (default: the first found)")
    parser.add_argument("--only", choices=("packaged", "dev"), help="time one of the two")
    parser.add_argument("--timeout", type=float, default=180, help="seconds allowed for one start")
    args = parser.parse_args()

    executable = args.bundle / "hearth"
    home = Path(tempfile.mkdtemp(prefix="hearth-bench-home-"))
    screen = Xvfb().start()
    base = {"HOME": str(home), "PATH": "/usr/bin:/bin", "DISPLAY": screen.display,
            # QtWebEngine (--gui qt) refuses to start as root with its sandbox on
            **({"QTWEBENGINE_DISABLE_SANDBOX": "1"} if os.geteuid() == 0 else {})}
    targets = []
    if args.only != "dev":
        if not executable.exists():
            sys.exit(f"{executable} is missing: build it with `make package` (or pass --bundle, or --only dev)")
        gui = [] if args.gui == "auto" else ["--gui", args.gui]
        targets.append(Target("packaged", [str(executable), *gui], dict(base)))
    if args.only != "packaged":
        dev_env = {**os.environ, **base, "PATH": os.environ.get("PATH", base["PATH"]), "PYTHONUNBUFFERED": "1"}
        targets.append(Target(f"dev ({args.gui})", [args.python, "run.py", "--gui", args.gui], dev_env))
    try:
        with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
            for target in targets:
                data = Path(tmp) / target.name.split()[0]
                first, _ = start_once(target, data, free_port(), args.timeout, screen)
                print(f"{target.name}: first start on a new data folder {first:.1f} s (not counted)", flush=True)
                for run in range(args.runs):
                    seconds, memory = start_once(target, data, free_port(), args.timeout, screen)
                    target.seconds.append(seconds)
                    target.window_mib.append(memory)
                    print(f"{target.name}: run {run + 1}: {seconds:.2f} s, window {memory:.0f} MiB", flush=True)
    finally:
        screen.stop()
        shutil.rmtree(home, ignore_errors=True)

    load = os.getloadavg()[0]
    print(f"\nlaunch to usable window, {args.runs} runs each ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())},"
          f" {os.cpu_count()} cores, load average {load:.1f}):")
    for target in targets:
        print(f"  {target.name:<14} p50 {percentile(target.seconds, 50):5.2f} s   p95 {percentile(target.seconds, 95):5.2f} s"
              f"   window PSS {statistics.median(target.window_mib):4.0f} MiB")
    if len(targets) == 2:
        packaged, dev = targets
        print(f"  packaged/dev   p50 ratio {percentile(packaged.seconds, 50) / percentile(dev.seconds, 50):.2f}")
    if args.only != "dev":
        print(f"bundle {args.bundle}: {size_mib(args.bundle):.0f} MiB")
        archives = sorted(args.bundle.parent.glob("hearth-*.tar.gz"))
        print(f"archive {archives[-1]}: {size_mib(archives[-1]):.0f} MiB" if archives
              else f"no archive next to {args.bundle} (make package writes it)")


if __name__ == "__main__":
    main()
