"""Where Hearth's bundled read-only files live, in a source checkout and in a PyInstaller build."""
from __future__ import annotations

import sys
from pathlib import Path


def bundle_root() -> Path:
    """The folder holding ``webui/`` and ``models/``: the checkout, or the frozen app's data folder."""
    frozen = getattr(sys, "_MEIPASS", None)
    return Path(frozen) if frozen else Path(__file__).resolve().parent.parent


def webui_dir() -> Path:
    return bundle_root() / "webui"
