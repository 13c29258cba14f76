"""Logging, configured once at start-up: to the console and to a rotated file in the data dir."""
from __future__ import annotations

import logging
import logging.handlers

from .settings import Settings


def configure_logging(settings: Settings) -> None:
    log_dir = settings.path / "logs"
    log_dir.mkdir(exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(log_dir / "hearth.log", maxBytes=5_000_000, backupCount=5,
                                                        encoding="utf-8")
    file_handler.setFormatter(formatter)
    console = logging.StreamHandler()
    console.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [file_handler, console]
    root.setLevel(settings.log_level.upper())
    for noisy in ("engineio", "socketio", "geventwebsocket", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
