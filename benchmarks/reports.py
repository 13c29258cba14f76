"""Reports speed: how long one company's report takes over a month and a year of busy support.

    python -m benchmarks.reports [--tickets 20000]

Fills a temporary database with a year of tickets (five messages each: two from the customer, an AI
answer with its latency, an agent reply, a private note), half of them resolved and a third rated,
next to a second company of the same size, then times the report for 30 and 366 days.
Rows are bulk-inserted (the services would take minutes to write this much); the report reads them
exactly as it reads rows the services wrote.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from appliance.db import close_database, database, open_database  # noqa: E402
from appliance.domain.models import Company, Customer, Message, Ticket  # noqa: E402
from appliance.events import EventBus  # noqa: E402
from appliance.services import Services  # noqa: E402
from appliance.settings import Settings  # noqa: E402

START = datetime(2025, 11, 1)


def fill(services: Services, slug: str, tickets: int, rng: random.Random) -> Company:
    company, admin = services.companies.create(name=slug.title(), slug=slug, admin_email=f"a@{slug}.invalid",
                                               admin_password="benchmark-password", admin_name="Admin")
    customers = [Customer.create(company=company, token_hash=f"{slug}-{i}") for i in range(500)]
    with database.atomic():
        for start in range(0, tickets, 500):
            rows = []
            for n in range(start, min(start + 500, tickets)):
                created = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
                resolved = created + timedelta(minutes=rng.randrange(5, 3000)) if n % 2 else None
                rows.append({"company": company, "number": n + 1, "customer": customers[n % 500],
                             "status": "resolved" if resolved else "open", "created_at": created,
                             "updated_at": created, "last_message_at": created,
                             "first_response_at": created + timedelta(minutes=rng.randrange(1, 120)),
                             "resolved_at": resolved, "resolved_by": "agent" if resolved else None,
                             "csat_score": rng.randint(1, 5) if n % 3 == 0 else None})
            Ticket.insert_many(rows).execute()
        ids = [(t.id, t.customer_id, t.created_at) for t in Ticket.select().where(Ticket.company == company)]
        for start in range(0, len(ids), 200):
            rows = []
            for tid, cid, created in ids[start:start + 200]:
                for minutes, role, private in ((0, "customer", False), (0, "ai", False), (5, "customer", False),
                                               (9, "agent", False), (10, "agent", True)):
                    meta = {"provider": "ollama", "model": "llama3.2:3b", "latency_ms": rng.randrange(200, 4000),
                            "cached": rng.random() < 0.3} if role == "ai" else {}
                    rows.append({"company": company, "ticket": tid, "author_role": role, "body": "text",
                                 "customer": cid if role == "customer" else None, "private": private,
                                 "metadata": meta, "created_at": created + timedelta(minutes=minutes)})
            Message.insert_many(rows).execute()
    return company


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=20_000, help="tickets per company (default 20000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load({"data_dir": tmp, "embedder": "hashing"}, environ={})
        open_database(settings.database_path)
        services = Services.build(settings, EventBus(), with_ai=False)
        rng = random.Random(7)
        company = fill(services, "busy", args.tickets, rng)
        fill(services, "neighbour", args.tickets, rng)
        print(f"{args.tickets} tickets and {args.tickets * 5} messages per company, two companies")
        for label, first, last in (("30 days", "2026-06-01", "2026-06-30"), ("366 days", "2025-11-01", "2026-11-01")):
            times = []
            for _ in range(5):
                started = time.perf_counter()
                report = services.reports.build(company, first, last)
                times.append((time.perf_counter() - started) * 1000)
            print(f"  report over {label}: median {statistics.median(times):.0f} ms, "
                  f"max {max(times):.0f} ms ({report.summary['tickets']} tickets)")
        close_database()


if __name__ == "__main__":
    main()
