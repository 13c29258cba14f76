"""`python -m appliance <command>`: serve Hearth and manage companies and users from a shell."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .errors import HearthError
from .settings import SettingsError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line and exit 2, never a traceback
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _add_server_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="data folder (default: the per-user app data folder)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 for the LAN)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8765)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m appliance", description="Hearth, the self-hosted AI support desk.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    serve = commands.add_parser("serve", help="serve Hearth without a window")
    _add_server_flags(serve)

    company = commands.add_parser("create-company", help="create a company and its first admin")
    company.add_argument("--data-dir")
    company.add_argument("--name", required=True, help="the company's name, e.g. 'Acme Bikes'")
    company.add_argument("--slug", required=True, help="short id used in URLs, e.g. 'acme-bikes'")
    company.add_argument("--admin-email", required=True)
    company.add_argument("--admin-password", required=True)
    company.add_argument("--admin-name", default="Admin")

    user = commands.add_parser("create-user", help="add an agent or admin to a company")
    user.add_argument("--data-dir")
    user.add_argument("--company", required=True, help="the company's slug")
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", choices=("agent", "admin"), default="agent")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (HearthError, SettingsError) as exc:
        message = exc.message if isinstance(exc, HearthError) else str(exc)
        print(f"error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    from .settings import Settings

    if args.command == "serve":
        from .server import serve

        serve(Settings.load({"data_dir": args.data_dir, "host": args.host, "port": args.port}))
        return 0

    from .db import close_database, open_database
    from .events import EventBus
    from .services import Services

    settings = Settings.load({"data_dir": args.data_dir})
    open_database(settings.database_path)
    services = Services.build(settings, EventBus())
    try:
        if args.command == "create-company":
            company, admin = services.companies.create(name=args.name, slug=args.slug, admin_email=args.admin_email,
                                                       admin_password=args.admin_password, admin_name=args.admin_name)
            print(f"created company {company.slug!r} with admin {admin.email}")
        elif args.command == "create-user":
            company = services.companies.by_slug(args.company)
            user = services.users.create(company, None, email=args.email, password=args.password, name=args.name,
                                         role=args.role)
            print(f"created {user.role} {user.email} in {company.slug!r}")
    finally:
        close_database()
    return 0
