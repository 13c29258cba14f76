"""`python -m appliance <command>`: serve Hearth and manage companies and users from a shell."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from .backup import BackupError
from .data_lock import DataLock
from .errors import HearthError
from .kb_import import KBImportError
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
    kb = commands.add_parser("import-kb", help="import articles from files or folders (md, html, txt, pdf, jsonl)")
    kb.add_argument("--data-dir")
    kb.add_argument("--company", required=True, help="the company's slug")
    kb.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to import")

    reindex = commands.add_parser("reindex", help="rebuild a company's search indexes from its articles")
    reindex.add_argument("--data-dir")
    reindex.add_argument("--company", required=True, help="the company's slug")

    backup = commands.add_parser("backup", help="write the whole installation to one encrypted file")
    backup.add_argument("--data-dir")
    backup.add_argument("--out", required=True, help="the backup file to write, e.g. hearth.hearthbak")
    _add_passphrase_flag(backup)

    restore = commands.add_parser("restore", help="bring a backup back into a data folder (e.g. on a new PC)")
    restore.add_argument("--in", dest="source", required=True, type=_existing_file, help="the backup file")
    restore.add_argument("--data-dir", required=True, help="the data folder to restore into (empty, or --force)")
    restore.add_argument("--force", action="store_true", help="replace the installation in a non-empty data folder")
    _add_passphrase_flag(restore)

    commands.add_parser("install-launcher", help="add Hearth to this user's application menu (a .desktop entry)")

    evaluate = commands.add_parser("eval", help="measure retrieval and answer-or-escalate on labelled questions")
    evaluate.add_argument("--kb", required=True, type=_existing_file, help="knowledge base (kb.jsonl)")
    evaluate.add_argument("--questions", required=True, type=_existing_file, help="questions (questions.jsonl)")
    evaluate.add_argument("--json", help="also write the figures to this JSON file")
    evaluate.add_argument("--retriever", choices=("hybrid", "semantic", "bm25"), default="hybrid")
    evaluate.add_argument("--threshold", type=_share, help="confidence threshold, 0 to 1 (default: the company default)")
    evaluate.add_argument("--generate", action="store_true", help="also generate the answers (slow)")
    evaluate.add_argument("--embedder", default="minilm", help=argparse.SUPPRESS)
    return parser


def _add_passphrase_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passphrase-file", type=_existing_file,
                        help=f"read the passphrase from this file (else ${PASSPHRASE_ENV}, else a prompt)")


PASSPHRASE_ENV = "HEARTH_BACKUP_PASSPHRASE"


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    """The backup passphrase: --passphrase-file, the environment variable, or asked twice."""
    import getpass
    import os

    if args.passphrase_file:
        return args.passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise HearthError(f"no passphrase: pass --passphrase-file FILE or set {PASSPHRASE_ENV}")
    passphrase = getpass.getpass("Backup passphrase: ")
    if confirm and getpass.getpass("Again, to be sure: ") != passphrase:
        raise HearthError("the two passphrases differ; nothing was written")
    return passphrase


# Commands that work on an existing installation (the others may start one).
NEEDS_INSTALLATION = ("create-user", "import-kb", "reindex", "backup")
# Commands that write the search indexes, and what to do instead while the server runs.
INDEX_WRITERS = {
    "import-kb": "import the files in the console while it runs (Knowledge base, Import files...), or stop "
                 "Hearth and run this again",
    "reindex": "stop Hearth and run this again (at start Hearth also rebuilds any index that is out of step "
               "with the database)",
}


def _share(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value}") from None
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {value}")
    return share


def _existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (HearthError, SettingsError, KBImportError, BackupError) as exc:
        message = exc.message if isinstance(exc, (HearthError, KBImportError, BackupError)) else str(exc)
        print(f"error: {message}", file=sys.stderr)
        return 1
    except OSError as exc:  # a path the command cannot use: say which and why, without a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    from . import netguard
    from .installation import load_policy
    from .netguard import NetworkPolicy
    from .settings import Settings, resolve_data_dir

    if args.command == "serve":
        from .server import serve

        serve(Settings.load({"data_dir": args.data_dir, "host": args.host, "port": args.port}))
        return 0

    if args.command == "install-launcher":
        from .desktop import launcher

        argv = launcher.command()
        try:
            entry = launcher.install(argv=argv)
        except OSError as exc:
            raise HearthError(f"could not write the menu entry: {exc}") from exc
        print(launcher.describe(entry, argv))
        return 0

    if args.command == "restore":
        netguard.install(NetworkPolicy(offline_only=True))  # restoring needs no network at all
        return _restore(args)

    if args.command == "eval":
        netguard.install(NetworkPolicy(offline_only=True))
        return _eval(args)

    data_dir = resolve_data_dir(args.data_dir)
    if args.command in NEEDS_INSTALLATION and not (data_dir / "hearth.db").is_file():
        # a mistyped --data-dir used to become a new, empty installation before the command failed
        raise HearthError(f"no Hearth installation in {data_dir} (it has no hearth.db); check --data-dir "
                          "(or HEARTH_DATA_DIR), or start one with create-company")

    from .db import close_database, open_database
    from .events import EventBus
    from .services import Services

    settings = Settings.load({"data_dir": args.data_dir})
    network = load_policy(settings)
    netguard.install(network)  # offline-only holds for commands too
    if args.command == "backup":
        return _backup(settings, args)
    lock = DataLock(settings.path, f"the {args.command} command")
    if args.command in INDEX_WRITERS:  # the server must not have the indexes open meanwhile
        lock.acquire(advice=INDEX_WRITERS[args.command])
    open_database(settings.database_path)
    services = Services.build(settings, EventBus(), with_ai=args.command in INDEX_WRITERS,
                              network=network)
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
        elif args.command == "import-kb":
            _import_kb(services, args)
        elif args.command == "reindex":
            company = services.companies.by_slug(args.company)
            from tqdm import tqdm

            with tqdm(desc="reindexing", unit="art") as bar:
                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.n = done
                    bar.refresh()
                chunks = services.knowledge.reindex(company, progress=progress)
            print(f"rebuilt the indexes of {company.slug!r}: {chunks} chunks")
    finally:
        close_database()
        lock.release()
    return 0


def _backup(settings, args: argparse.Namespace) -> int:
    from . import __version__
    from .backup import write_backup
    from .migrations import SCHEMA_VERSION

    out = Path(args.out).expanduser().resolve()
    if out.is_dir():
        raise HearthError(f"--out {args.out} is a folder; give the backup file's name, e.g. {out / 'hearth.hearthbak'}")
    passphrase = _passphrase(args, confirm=True)
    with DataLock(settings.path, "the backup command") as lock:
        server = lock.try_acquire()  # held: no server can open the indexes while they are copied
        write_backup(settings.path, out, passphrase, with_indexes=server is None,
                     manifest={"hearth_version": __version__, "schema_version": SCHEMA_VERSION,
                               "indexes": server is None})
    print(f"backup written to {out} ({out.stat().st_size:,} bytes); keep the passphrase: without it the file "
          "cannot be opened")
    if server is not None:
        print(f"note: {server} is using the data folder, so the search indexes were left out; Hearth rebuilds "
              "them from the database when it first starts from this backup (or back up from the console)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from .backup import restore_backup

    target = Path(args.data_dir).expanduser().resolve()
    passphrase = _passphrase(args, confirm=False)
    with DataLock(target, "the restore command") as lock:
        if target.is_dir():  # a folder that does not exist yet has no server; a refused restore leaves none behind
            lock.acquire(advice="stop Hearth before restoring over its data folder")
        manifest = restore_backup(args.source, target, passphrase, force=args.force)
    print(f"restored the backup of {manifest.get('created_at', '?')} into {target}; start Hearth with "
          f"--data-dir {target}")
    return 0


def _import_kb(services, args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from .kb_import import discover, parse_file

    company = services.companies.by_slug(args.company)
    files = discover(args.paths)
    records = []
    for path in tqdm(files, desc="reading", unit="file", leave=False):
        records.extend(parse_file(path))
    with tqdm(total=len(records), desc="importing", unit="art") as bar:
        imported = services.importer.import_articles(company, None, records, progress=bar.update)
    skipped = len(records) - imported
    already = f" ({skipped} already there)" if skipped else ""
    print(f"imported {imported} articles{already} from {len(files)} file(s) into {company.slug!r}")


def _eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, format_table

    if args.json:  # checked before the minutes of work whose figures it would hold
        out = Path(args.json).expanduser()
        if out.is_dir() or not os.access(out.parent if str(out.parent) else ".", os.W_OK):
            raise HearthError(f"cannot write the figures to {args.json}: choose a file in a folder you can write")

    summary = evaluate(args.kb, args.questions, mode=args.retriever, generate=args.generate,
                       threshold=args.threshold, embedder=args.embedder, progress=sys.stderr.isatty())
    print(format_table(summary))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0
