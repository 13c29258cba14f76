"""The native window (pywebview): a splash while the server starts, then the agent console."""
from __future__ import annotations

import html
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Callable

from .server_process import ServerProcess

logger = logging.getLogger(__name__)

START_TIMEOUT = 120  # seconds; the first start on a slow disk loads the embedding model and the indexes

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hearth</title><style>
:root {{ color-scheme: light dark; font-family: system-ui, sans-serif; }}
body {{ margin: 0; height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }}
main {{ text-align: center; max-width: 36rem; padding: 2rem; }}
h1 {{ font-size: 2.5rem; margin: 0 0 .5rem; color: #c2410c; }}
p {{ font-size: 1.1rem; line-height: 1.5; }}
</style></head><body><main><h1>Hearth</h1><p role="status">{message}</p></main></body></html>"""


def page(message: str) -> str:
    """The splash (or error) page shown before the console, with ``message`` as inert text."""
    return _PAGE.format(message=html.escape(message))


def system_library_path(environ=os.environ) -> None:
    """In the packaged app, give the GUI toolkit's helper processes the system's libraries.

    The bootloader points LD_LIBRARY_PATH at the bundle, and every process the shell starts inherits
    it; WebKitGTK's web and network processes are the system's programs and would otherwise load the
    bundle's copies of libraries they share with Python (libsqlite3, zlib, liblzma...). The server
    child is the packaged app again, whose bootloader sets the variable anew.
    """
    if getattr(sys, "frozen", False) and "LD_LIBRARY_PATH" in environ:
        original = environ.pop("LD_LIBRARY_PATH_ORIG", None)  # what the person had set, saved by the bootloader
        if original:
            environ["LD_LIBRARY_PATH"] = original
        else:
            del environ["LD_LIBRARY_PATH"]


class Window:
    """One window on one server; ``close()`` may be called from any thread."""

    def __init__(self, server: ServerProcess, console_url: str, backend: str, storage_path: Path,
                 say: Callable[[str], None]):
        self.server = server
        self.console_url = console_url
        self.backend = backend
        self.storage_path = storage_path
        self.say = say
        self.closing = threading.Event()
        self._window = None

    def run(self) -> None:
        """Open the window and block until it is closed."""
        system_library_path()
        import webview

        self._window = webview.create_window("Hearth", html=page("Starting Hearth…"), width=1280, height=820,
                                             min_size=(800, 560))
        self.storage_path.mkdir(parents=True, exist_ok=True)
        if self.closing.is_set():
            return
        # private_mode off and a storage folder in the data dir: the agent stays logged in across starts.
        webview.start(self._show_console, gui=self.backend, private_mode=False, storage_path=str(self.storage_path))

    def close(self) -> None:
        self.closing.set()
        if self._window is not None:
            self._window.destroy()

    def _show_console(self) -> None:  # pywebview runs this on its own thread once the GUI loop is up
        window = self._window
        if not self.server.wait_healthy(START_TIMEOUT, cancelled=self.closing):
            if not self.closing.is_set():
                window.load_html(page("Hearth's server did not start. The terminal or the log file in the "
                                      "data folder's logs/ says why; close this window and start Hearth again."))
                self.say("the server did not start; the window shows an error")
            return
        window.events.loaded.clear()
        window.load_url(self.console_url)
        if window.events.loaded.wait(60):
            self.say(f"window is showing {window.get_current_url()}")
        self.server.process.wait()
        if not self.closing.is_set():
            window.load_html(page("Hearth's server stopped unexpectedly. Close this window and start Hearth again."))
            print("hearth: the server stopped unexpectedly", file=sys.stderr, flush=True)
