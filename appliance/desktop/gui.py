"""Is there a screen, and a toolkit pywebview can draw the window with?"""
from __future__ import annotations

import os
import sys


class NoWindow(Exception):
    """Why Hearth cannot open its window here; the message says what to do."""


GTK_HINT = "sudo apt-get install gir1.2-webkit2-4.1 (WebKitGTK and its GObject introspection data)"
QT_HINT = "pip install PySide6-Essentials PySide6-Addons PySide6-WebEngine qtpy (in a Python checkout)"


def has_display(environ=os.environ) -> bool:
    if not sys.platform.startswith("linux"):
        return True  # Windows and macOS always have a desktop session for a user's program
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def _gtk_missing() -> str | None:
    """None when GTK 3 and WebKitGTK can be loaded, else what is missing."""
    try:
        import gi

        gi.require_version("Gtk", "3.0")
        try:
            gi.require_version("WebKit2", "4.1")
        except ValueError:
            gi.require_version("WebKit2", "4.0")
        from gi.repository import Gtk, WebKit2  # noqa: F401
    except (ImportError, ValueError) as exc:  # no PyGObject, no typelib, or a library that does not load
        return str(exc)
    return None


def _qt_missing() -> str | None:
    """None when a Qt binding with QtWebEngine can be loaded, else what is missing."""
    try:
        from qtpy import QtWebEngineWidgets  # noqa: F401
    except Exception as exc:  # qtpy raises its own errors when no binding or no WebEngine is installed
        return str(exc) or type(exc).__name__
    return None


def choose(preference: str = "auto", environ=os.environ) -> str:
    """The toolkit to use ('gtk' or 'qt'), or NoWindow saying why there is none."""
    if not has_display(environ):
        raise NoWindow("no display: DISPLAY and WAYLAND_DISPLAY are not set")
    checks = {"gtk": _gtk_missing, "qt": _qt_missing}
    order = ("gtk", "qt") if preference == "auto" else (preference,)
    if preference == "auto" and getattr(sys, "frozen", False):
        order = ("gtk",)  # the packaged app carries the GTK binding only
    reasons = []
    for name in order:
        missing = checks[name]()
        if missing is None:
            return name
        reasons.append(f"{name}: {missing}")
    hints = {"gtk": GTK_HINT, "qt": QT_HINT}
    wanted = " or ".join(hints[name] for name in order)
    raise NoWindow(f"no GUI toolkit for the window ({'; '.join(reasons)}); to get the window: {wanted}")
