"""The flags the desktop shell takes; all but --gui are passed on to the server it starts."""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Sequence

GUIS = ("auto", "gtk", "qt")


@dataclass(frozen=True)
class Options:
    data_dir: str | None
    host: str | None
    port: int | None
    gui: str

    def server_flags(self) -> list[str]:
        """The same choices as flags of `serve`."""
        flags: list[str] = []
        for name in ("data_dir", "host", "port"):
            value = getattr(self, name)
            if value is not None:
                flags += [f"--{name.replace('_', '-')}", str(value)]
        return flags

    def overrides(self) -> dict:
        return {"data_dir": self.data_dir, "host": self.host, "port": self.port}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line and exit 2, never a traceback
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hearth", description="Open Hearth, the self-hosted AI support desk, in its window. "
                     "Other commands: serve, create-company, create-user, import-kb, reindex, eval.")
    parser.add_argument("--headless", action="store_true", help="serve without opening a window")
    parser.add_argument("--data-dir", help="data folder (default: the per-user app data folder)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 for the LAN)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8765)")
    parser.add_argument("--gui", choices=GUIS, default="auto",
                        help="window toolkit: gtk (WebKitGTK) or qt (QtWebEngine); default: the first found")
    return parser


def parse(args: Sequence[str]) -> Options:
    ns = build_parser().parse_args(list(args))
    return Options(data_dir=ns.data_dir, host=ns.host, port=ns.port, gui=ns.gui)
