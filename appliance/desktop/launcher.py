"""A menu entry for Hearth (a freedesktop.org `.desktop` file), so it starts from the desktop's
application menu or its desktop with a double-click, like any installed program.

`hearth install-launcher` writes it for the person running it: the entry under
``$XDG_DATA_HOME/applications`` (``~/.local/share/applications``) pointing at this very executable
(the packaged app, or ``python run.py`` in a checkout), and the icon under the hicolor theme.
"""
from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from ..resources import bundle_root, webui_dir

ENTRY_NAME = "hearth.desktop"
ICON_NAME = "hearth"


def command() -> list[str]:
    """How to start this Hearth: the frozen executable itself, or this Python with run.py."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    return [str(Path(sys.executable).absolute()), str(bundle_root() / "run.py")]


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def entry_text(argv: list[str], icon: str) -> str:
    # Exec follows the Desktop Entry spec: each argument in double quotes with `"`, `` ` ``, `$` and `\`
    # escaped by a backslash, `%` doubled so no field code is read into a path; then, as for any string
    # value, every backslash written twice (readers undo that first).
    def quote(arg: str) -> str:
        escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
        return ('"' + escaped.replace("%", "%%") + '"').replace("\\", "\\\\")

    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.1",
        "Name=Hearth",
        "GenericName=Support desk",
        "Comment=Answer your customers' chats with your own AI, on this computer",
        f"Exec={' '.join(quote(a) for a in argv)}",
        f"TryExec={argv[0]}",
        f"Icon={icon}",
        "Terminal=false",
        "Categories=Network;Chat;",
        "StartupNotify=true",
        "",
    ])


def install(target: Path | None = None, argv: list[str] | None = None) -> Path:
    """Write the menu entry and its icon for this user; returns the entry's path. Run again after
    moving Hearth's folder: it points the entry at where Hearth is now."""
    target = target or data_home()
    argv = argv or command()
    if not Path(argv[0]).is_file():
        raise FileNotFoundError(f"cannot point the menu entry at {argv[0]}: no such file")
    icon = target / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(webui_dir() / "favicon.svg", icon)
    entry = target / "applications" / ENTRY_NAME
    entry.parent.mkdir(parents=True, exist_ok=True)
    partial = entry.with_suffix(".tmp")
    partial.write_text(entry_text(argv, str(icon)), encoding="utf-8")
    partial.chmod(0o755)  # desktops launch only entries marked executable when they sit on the desktop
    partial.replace(entry)
    return entry


def describe(entry: Path, argv: list[str]) -> str:
    return (f"added Hearth to the application menu: {entry}\n"
            f"  it starts: {shlex.join(argv)}\n"
            f"  to put it on the desktop too: cp {shlex.quote(str(entry))} \"$(xdg-user-dir DESKTOP)\"")
