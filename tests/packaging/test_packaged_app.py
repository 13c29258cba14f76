"""The packaged app (PyInstaller, packaging/hearth.spec) runs with no Python: built once into a
temporary folder, started with an empty environment, it creates a company and serves /healthz and
the console; on a screen it opens its window on the system's WebKitGTK, and without WebKitGTK it
says so and serves headless."""
from __future__ import annotations

import glob
import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.desktop.launch import closes_cleanly, read_until, server_pid
from tests.desktop.xvfb import Xvfb, write_png
from tests.live import ROOT, free_port

CLEAN_ENV = {"HOME": "/tmp", "PATH": "/usr/bin:/bin"}  # no virtualenv, no PYTHONPATH
ARTIFACTS = ROOT / "test-artifacts"
needs_xvfb = pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb: scripts/ensure-desktop.sh")


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


def start(packaged: Path, data: Path, env: dict, wrapper: tuple[str, ...] = ()) -> subprocess.Popen:
    return subprocess.Popen([*wrapper, str(packaged), "--data-dir", str(data), "--host", "127.0.0.1",
                             "--port", str(free_port())], env=env, cwd=data.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as fh:
                ppid = int(fh.read().rsplit(") ", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(stat.split("/")[2]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def bundle_libraries(pid: int, bundle: Path) -> set[str]:
    with open(f"/proc/{pid}/maps") as maps:
        return {line.split()[-1] for line in maps if str(bundle) in line and ".so" in line}


@needs_xvfb
def test_the_packaged_app_opens_its_window_on_the_console(packaged, tmp_path):
    screen = Xvfb().start()
    shell = start(packaged, tmp_path / "data", {**CLEAN_ENV, "DISPLAY": screen.display})
    seen: list[str] = []
    try:
        pid = server_pid(read_until(shell, "server started", seen))
        assert read_until(shell, "window is showing", seen).strip().endswith("/console")
        time.sleep(1)  # the page has loaded; give the compositor a frame to paint it
        pixels = screen.pixels()
        write_png(ARTIFACTS / "packaged-window.png", pixels)
        assert pixels.std() > 20, "the screen is blank"
        # WebKitGTK's web and network processes are the system's programs: they load the system's
        # libraries, none of the bundle's copies.
        helpers = [p for p in descendants(shell.pid) if open(f"/proc/{p}/comm").read().startswith("WebKit")]
        assert helpers, "no WebKit process runs under the window"
        for helper in helpers:
            assert bundle_libraries(helper, packaged.parent) == set()
        closes_cleanly(shell, pid, seen)
    finally:
        if shell.poll() is None:
            shell.kill()
        screen.stop()


def hide_webkitgtk(tmp_path: Path) -> tuple[str, ...]:
    """A command prefix that runs a program as if gir1.2-webkit2-4.1 were not installed, or skips."""
    found = glob.glob("/usr/lib*/girepository-1.0/WebKit2-4.*.typelib") + \
        glob.glob("/usr/lib/*/girepository-1.0/WebKit2-4.*.typelib")  # Fedora's lib64; Debian's multiarch
    if not found or subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs WebKitGTK's typelib and unshare --mount (root)")
    typelibs = Path(found[0]).parent
    without = tmp_path / "typelibs"
    shutil.copytree(typelibs, without, ignore=shutil.ignore_patterns("WebKit2-*"))
    # A private mount namespace: the folder is replaced for this program only.
    return ("unshare", "--mount", "sh", "-c", f'mount --bind "{without}" "{typelibs}" && exec "$@"', "sh")


@needs_xvfb
def test_without_webkitgtk_the_packaged_app_says_so_and_serves_headless(packaged, tmp_path):
    wrapper = hide_webkitgtk(tmp_path)
    screen = Xvfb().start()
    shell = start(packaged, tmp_path / "data", {**CLEAN_ENV, "DISPLAY": screen.display}, wrapper)
    seen: list[str] = []
    try:
        said = read_until(shell, "cannot open the window", seen)
        assert "WebKit2" in said and "apt-get install gir1.2-webkit2-4.1" in said, said
        assert "Serving headless" in said
        read_until(shell, "Hearth is running at", seen)
        url = said.split("open ")[-1].split("/console")[0]
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
            assert json.load(answer)["status"] == "ok"
        shell.send_signal(signal.SIGTERM)
        assert shell.wait(30) == 0, "".join(seen + shell.stdout.readlines())
    finally:
        if shell.poll() is None:
            shell.kill()
        screen.stop()


def test_the_packaged_app_adds_itself_to_the_application_menu(packaged, tmp_path):
    from tests.desktop.test_launcher import exec_argv

    done = subprocess.run([str(packaged), "install-launcher"], env={**CLEAN_ENV, "XDG_DATA_HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "applications" / "hearth.desktop"
    assert exec_argv(entry.read_text()) == [str(packaged.resolve())]
    assert (tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "hearth.svg").is_file()
