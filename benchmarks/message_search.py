"""What full-text search costs each message written, as conversations grow, and what a search costs.

    python -m benchmarks.message_search [--tickets 1000] [--messages 30]

Three databases built from Hearth's own schema files, in the same run:
- ``no index``: today's schema with the message triggers dropped (messages are not searchable) —
  the baseline;
- ``per ticket (schema 9)``: the schema before 0010, one search document per ticket holding its
  whole conversation, rewritten on every message;
- ``per message (schema 10)``: the schema Hearth runs, one document per message.

Each round writes one message of ~20 words to every ticket, one transaction each (as a chat message
is stored: INSERT, then COMMIT, with the server's pragmas: no checkpoint inside a commit, one
between rounds as the server's checkpoint thread does between commits); the p50 and p99 of a message's write are
printed at several conversation lengths, with ratios to the baseline. Then the time of a
two-word search over the company's tickets (the inbox's search box), p50 and p95.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from appliance import migrations
from appliance.db import PRAGMAS

WORDS = ("refund order invoice delivery late broken screen battery charger password login account email payment "
         "card shipping address return exchange warranty parcel courier tracking size colour stock discount").split()
SEARCH = ["refund parcel", "courier tra", "warranty screen", "login password", "discount colour"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[int((len(ordered) - 1) * p)] if ordered else float("nan")


def build(path: Path, upto: int, drop_message_index: bool) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    # as the server runs: commits never checkpoint (a thread does, between them; here between rounds)
    for name, value in {**PRAGMAS, "wal_autocheckpoint": 0}.items():
        db.execute(f"PRAGMA {name} = {value}")
    for number, file in sorted(migrations.MIGRATIONS.items()):
        if number <= upto:
            db.execute("BEGIN")
            for statement in migrations._statements(file.read_text(encoding="utf-8")):
                db.execute(statement)
            db.execute("COMMIT")
    if drop_message_index:
        for trigger in ("message_fts_insert", "message_fts_update", "message_fts_delete"):
            db.execute(f"DROP TRIGGER {trigger}")
    db.execute("INSERT INTO company (id, name, slug, settings, next_ticket_number, created_at) "
               "VALUES (1, 'Bench', 'bench', '{}', 1, '2026-01-01')")
    return db


def body(rng: random.Random, n: int = 20) -> str:
    return " ".join(f"{rng.choice(WORDS)}{rng.randint(0, 300)}" for _ in range(n))


def run(db: sqlite3.Connection, tickets: int, messages: int, marks: list[int], search) -> dict:
    rng = random.Random(5)
    db.execute("BEGIN")
    for t in range(1, tickets + 1):
        db.execute("INSERT INTO customer (id, company_id, token_hash, name, email, created_at, last_seen_at) "
                   "VALUES (?, 1, ?, ?, ?, '2026-01-01', '2026-01-01')", (t, f"v{t}", f"Customer {t}", f"c{t}@example.org"))
        db.execute("INSERT INTO ticket (id, company_id, number, customer_id, subject, status, priority, channel, "
                   "created_at, updated_at, last_message_at, last_message_preview, entities) VALUES "
                   "(?, 1, ?, ?, ?, 'open', 'normal', 'widget', '2026-01-01', '2026-01-01', '2026-01-01', '', '{}')",
                   (t, t, t, body(rng, 6)))
    db.execute("COMMIT")
    writes: dict[int, tuple[float, float]] = {}
    for length in range(1, messages + 1):
        took = []
        for t in range(1, tickets + 1):
            text = body(rng)
            start = time.perf_counter()
            db.execute("BEGIN")
            db.execute("INSERT INTO message (company_id, ticket_id, customer_id, author_role, body, private, metadata, "
                       "created_at) VALUES (1, ?, ?, 'customer', ?, 0, '{}', '2026-01-01')", (t, t, text))
            db.execute("COMMIT")
            took.append((time.perf_counter() - start) * 1000)
        if length in marks:
            writes[length] = (pct(took, 0.5), pct(took, 0.99))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    searches = []
    for _ in range(20):
        for q in SEARCH:
            start = time.perf_counter()
            search(db, q)
            searches.append((time.perf_counter() - start) * 1000)
    return {"writes": writes, "search": (pct(searches, 0.5), pct(searches, 0.95))}


def phrases(q: str) -> list[str]:
    return [f'"{word}"*' for word in q.split()]


def search_per_ticket(db, q):  # the query Hearth ran on schema 9
    expression = " ".join(phrases(q))
    return db.execute("SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ? AND company_id = 1",
                      (f"{{subject customer public_text private_text}} : ({expression})",)).fetchall()


def search_per_message(db, q):  # Hearth's query (services.search), made outside peewee
    from appliance.services.search import matching_ticket_ids

    class Company:
        id = 1
    sql = matching_ticket_ids(Company(), q, include_private=True)
    return db.execute(f"SELECT id FROM ticket WHERE id IN {sql.sql}", sql.params).fetchall()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=30, help="messages written to every ticket")
    args = parser.parse_args(argv)
    marks = sorted({1, 5, 10, 20, args.messages} & set(range(1, args.messages + 1)))
    latest = max(migrations.MIGRATIONS)
    modes = [("no index", latest, True, None), ("per ticket (schema 9)", 9, False, search_per_ticket),
             ("per message (schema 10)", latest, False, search_per_message)]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, upto, drop, search in modes:
            db = build(Path(tmp) / f"{upto}-{drop}.db", upto, drop)
            results[name] = run(db, args.tickets, args.messages, marks, search or (lambda _db, _q: None))
            db.close()
    print(f"Writing a message ({args.tickets} tickets, one transaction per message), ms, by conversation length:")
    base = results["no index"]["writes"]
    print(f"  {'messages in ticket':<26}" + "".join(f"{n:>22}" for n in marks))
    for name, result in results.items():
        cells = []
        for n in marks:
            p50, p99 = result["writes"][n]
            ratio = "" if name == "no index" else f" ({p50 / base[n][0]:.1f}×)"
            cells.append(f"{p50:.3f}/{p99:.2f}{ratio}".rjust(22))
        print(f"  {name:<26}" + "".join(cells))
    print("  (p50/p99; ratio: p50 against no index)")
    for name in ("per ticket (schema 9)", "per message (schema 10)"):
        p50, p95 = results[name]["search"]
        print(f"Search, two words over {args.tickets} tickets × {args.messages} messages, {name}: "
              f"p50 {p50:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
