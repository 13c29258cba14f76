"""`hearth` with no command: start the server as a child, show it in a window, stop it on exit.

With no display or no GUI toolkit, Hearth says so and serves headless, still as a child that is
stopped when the shell is.
"""
from __future__ import annotations

import signal
import sys
import threading
from typing import Callable, Sequence

from .flags import parse
from .gui import NoWindow, choose
from .server_process import SHELL_SIGNALS, ServerProcess, server_command


def say(message: str) -> None:
    print(f"hearth: {message}", file=sys.stderr, flush=True)


def _on_signal(handler: Callable[[int], None]) -> None:
    """Deliver SIGINT/SIGTERM/SIGHUP to ``handler`` on a thread of their own.

    A Python signal handler only runs when the main thread runs Python code, which it does not
    while a GUI toolkit's loop runs; so the signals are blocked here (threads started later inherit
    that) and a watcher thread takes them with sigwait.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, SHELL_SIGNALS)

    def watch() -> None:
        handler(signal.sigwait(SHELL_SIGNALS))

    threading.Thread(target=watch, name="hearth-signals", daemon=True).start()


def main(args: Sequence[str]) -> int:
    options = parse(args)
    stop = threading.Event()
    window = None

    def on_signal(signum: int) -> None:
        say(f"stopping ({signal.Signals(signum).name})")
        stop.set()
        if window is not None:
            window.close()

    _on_signal(on_signal)

    from ..settings import Settings, SettingsError

    try:
        settings = Settings.load(options.overrides())
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{settings.port}"  # the server answers this computer there however it serves the LAN

    try:
        backend = choose(options.gui)
    except NoWindow as exc:
        backend = None
        say(f"cannot open the window: {exc}. Serving headless instead; open {url}/console in a browser.")

    server = ServerProcess(server_command(options.server_flags()), url).start()
    say(f"server started (pid {server.pid}), waiting for {url}/healthz")
    try:
        if backend is None:
            threading.Thread(target=lambda: (server.process.wait(), stop.set()), daemon=True).start()
            stop.wait()
        else:
            from .window import Window

            window = Window(server, f"{url}/console", backend, settings.path / "webview", say)
            if stop.is_set():
                return 0
            window.run()
    finally:
        code = server.stop()
        say(f"server stopped (exit code {code})")
    return 0 if code in (0, -signal.SIGTERM) else 1
