"""The one entry point of `run.py` and of the packaged `hearth` executable.

    hearth [desktop] [--headless] [--data-dir DIR] [--host HOST] [--port PORT] [--gui gtk|qt]
    hearth serve [--data-dir DIR] [--host HOST] [--port PORT]
    hearth create-company ... | create-user ... | import-kb ... | reindex ... | eval ... | install-launcher

With no command Hearth opens its desktop window. `serve` (and `--headless`) run the server in this
process, which is monkey-patched by gevent first; the desktop shell never imports gevent, since
pywebview hangs in a monkey-patched process.
"""
from __future__ import annotations

import sys
from typing import Sequence

CLI_COMMANDS = ("serve", "create-company", "create-user", "import-kb", "reindex", "backup", "restore", "eval",
                "install-launcher")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["desktop"]:
        args = args[1:]
    elif args[:1] and args[0] in CLI_COMMANDS:
        return _cli(args)
    if "--headless" in args:
        from .desktop.flags import parse

        options = parse([a for a in args if a != "--headless"])
        return _cli(["serve", *options.server_flags()])
    from .desktop.shell import main as desktop

    return desktop(args)


def _cli(args: list[str]) -> int:
    if args[0] == "serve":
        from gevent import monkey

        monkey.patch_all()
    from .cli import main as cli

    return cli(args)
