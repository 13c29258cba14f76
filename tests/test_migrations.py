import sqlite3

import pytest

from appliance import migrations
from appliance.app import create_app
from appliance.db import close_database, open_database
from appliance.domain.models import ALL_MODELS


def test_fresh_database_matches_the_models(tmp_path):
    open_database(tmp_path / "h.db")
    close_database()
    db = sqlite3.connect(tmp_path / "h.db")
    assert db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == migrations.SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for model in ALL_MODELS:
        columns = {row[1] for row in db.execute(f'PRAGMA table_info("{model._meta.table_name}")')}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, model.__name__
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'chunk_fts'").fetchone()


def test_migrating_twice_changes_nothing_and_a_newer_database_is_refused(tmp_path):
    open_database(tmp_path / "h.db")
    close_database()
    open_database(tmp_path / "h.db")
    close_database()
    db = sqlite3.connect(tmp_path / "h.db")
    assert db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(migrations.MIGRATIONS)
    db.execute("INSERT INTO schema_version VALUES (999)")
    db.commit()
    with pytest.raises(RuntimeError, match="newer than this Hearth"):
        open_database(tmp_path / "h.db")
    close_database()


@pytest.fixture
def app(settings, clock):
    """Hearth on the test clock; its AI never answers by itself (each answer is stored by the test)."""
    app = create_app(settings, async_mode="threading", spawn=lambda *args: None, clock=clock)
    yield app
    close_database()


def test_version_12_dates_when_each_earlier_ticket_reached_the_people(services, clock):
    """Tickets from before version 12 get ``queued_at`` from their history: at creation with the AI
    off, at the AI's hand-over, at a person's first reply after the AI answered; none when the AI
    handled the conversation alone."""
    from datetime import timedelta

    from appliance.db import database
    from appliance.domain.models import Ticket
    from tests.conftest import Tenant

    shop = Tenant(services, "bikes")
    plain, _ = shop.customer_message("AI off")
    shop.company = services.companies.update(shop.company, shop.admin, settings={"ai_enabled": True})
    tickets = {name: shop.customer_message(name)[0] for name in ("alone", "solved", "handed", "taken")}
    for name, ticket in tickets.items():
        services.tickets.post_ai_message(shop.company, ticket, body="An answer.",
                                         metadata={"provider": "extractive", "sources": [{"article_id": 1}]})
    clock.advance(minutes=5)
    services.csat.resolve_by_ai(shop.company, tickets["solved"].customer, tickets["solved"].id)
    services.tickets.hand_over(shop.company, Ticket.get_by_id(tickets["handed"].id), reason="unsure",
                               customer_notice="A person will answer.")
    clock.advance(minutes=5)
    services.tickets.reply(shop.company, shop.agent, tickets["taken"].id, body="Let me help.")
    expected = {plain.id: plain.created_at, tickets["alone"].id: None, tickets["solved"].id: None,
                tickets["handed"].id: plain.created_at + timedelta(minutes=5),
                tickets["taken"].id: plain.created_at + timedelta(minutes=10)}
    assert {t.id: t.queued_at for t in Ticket.select()} == expected  # as Hearth keeps it from now on

    database.execute_sql('ALTER TABLE "ticket" DROP COLUMN "queued_at"')  # back to version 11
    database.execute_sql('ALTER TABLE "article_chunk" DROP COLUMN "article_version"')
    database.execute_sql('ALTER TABLE "article" DROP COLUMN "version"')
    database.execute_sql("DELETE FROM schema_version WHERE version >= 12")
    migrations.migrate(database)
    assert {t.id: t.queued_at for t in Ticket.select()} == expected
