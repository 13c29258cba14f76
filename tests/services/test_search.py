"""Full-text search over tickets (SQLite FTS5), kept in step by triggers."""
import sqlite3

import pytest

from appliance.db import close_database, database, open_database
from appliance.domain.models import Company, Customer, Message, Ticket
from appliance.services.search import MAX_WORDS, matching_ticket_ids, word_phrases


def indexes_intact() -> bool:
    """FTS5's own checks: each index is consistent, and the message index holds exactly the
    messages' current text (it raises otherwise)."""
    database.execute_sql("INSERT INTO message_fts (message_fts, rank) VALUES ('integrity-check', 1)")
    database.execute_sql("INSERT INTO ticket_fts (ticket_fts) VALUES ('integrity-check')")
    return database.execute_sql("SELECT count(*) FROM ticket_fts").fetchone()[0] == Ticket.select().count()


def found(services, tenant, q, **kw):
    items, total = services.tickets.list(tenant.company, viewer=tenant.agent, q=q, **kw)
    assert total == len(items)
    return {t.id for t in items}


def test_search_finds_subject_messages_customer_and_notes_for_agents_only(acme, services):
    customer, _ = services.customers.start_visit(acme.company)
    services.customers.identify(customer, name="Zoë Quinn", email="zoe@example.org")
    ticket, _ = acme.customer_message("Parcel never arrived", customer=customer)
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="We re-sent the shipment today")
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="suspect fraudulent chargeback", private=True)
    other, _ = acme.customer_message("Unrelated question about colours")

    assert found(services, acme, "parcel") == {ticket.id}
    assert found(services, acme, "ship") == {ticket.id}            # a word prefix
    assert found(services, acme, "zoe") == {ticket.id}             # diacritics folded, customer name
    assert found(services, acme, "zoe@example.org") == {ticket.id}
    assert found(services, acme, "parcel shipment") == {ticket.id}  # words from subject and a reply
    assert found(services, acme, "parcel colours") == set()         # every word must match
    assert found(services, acme, "chargeback") == {ticket.id}
    assert found(services, acme, "chargeback", include_private=False) == set()  # the customer's view
    assert found(services, acme, f"#{other.number}") == {other.id}


def test_words_may_come_from_different_messages_but_notes_only_count_for_agents(acme, services):
    ticket, _ = acme.customer_message("first message mentions kiwi")
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="second one mentions mango")
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="a note about papaya", private=True)
    acme.customer_message("kiwi alone here")

    assert found(services, acme, "kiwi mango") == {ticket.id}
    assert found(services, acme, "kiwi papaya") == {ticket.id}
    assert found(services, acme, "kiwi papaya", include_private=False) == set()


@pytest.mark.parametrize("q", ['"', '""', "*", "***", "parcel*", '"parcel', "parcel\"", "NEAR(parcel", "a OR",
                               "-parcel", "parcel AND", "^parcel", "{subject}:x", "(", ")", "'; DROP TABLE ticket;--",
                               "🙂", "パーセル", "\\", "%", "_", "col:umn"])
def test_odd_input_never_breaks_search(acme, services, q):
    acme.customer_message("Parcel never arrived")
    items, total = services.tickets.list(acme.company, viewer=acme.agent, q=q)
    assert total == len(items)
    assert Ticket.select().count() == 1


def test_quotes_asterisks_and_unicode_are_searched_as_text(acme, services):
    t1, _ = acme.customer_message('The "Deluxe*" plan costs 5€')
    t2, _ = acme.customer_message("Größe 42 passt nicht, 配送が遅い")
    assert found(services, acme, '"deluxe*"') == {t1.id}
    assert found(services, acme, "größe") == {t2.id} and found(services, acme, "PASST") == {t2.id}
    assert found(services, acme, "配送が遅い") == {t2.id}
    assert found(services, acme, "***") == set()
    assert word_phrases('say "hi"') == ['"say"*', '"""hi"""*']
    assert word_phrases("*** -- !!") == []


def test_repeated_one_letter_and_extra_words_are_not_searched_again(acme, services):
    ticket, _ = acme.customer_message("Refund for a parcel")
    assert word_phrases("Refund refund REFUND a parcel") == ['"refund"*', '"parcel"*']
    assert word_phrases("a b") == ['"a"*', '"b"*']  # only short words: searched as they are
    assert len(word_phrases(" ".join(f"w{n}" for n in range(100)))) == MAX_WORDS
    assert found(services, acme, "r " * 100) == {ticket.id}
    assert found(services, acme, "refund " * 25 + "a") == {ticket.id}


def test_index_follows_updates_deletes_and_merges(acme, services):
    customer, _ = services.customers.start_visit(acme.company)
    a, _ = acme.customer_message("alpha request", customer=customer)
    services.tickets.update(acme.company, acme.agent, a.id, status="resolved")
    b, _ = acme.customer_message("bravo request", customer=customer)
    services.tickets.reply(acme.company, acme.agent, b.id, body="foxtrot answer")
    assert found(services, acme, "foxtrot") == {b.id}

    Ticket.update(subject="charlie").where(Ticket.id == a.id).execute()
    assert found(services, acme, "charlie") == {a.id}
    services.customers.identify(customer, name="Delta Person")
    assert found(services, acme, "delta") == {a.id, b.id}

    services.merges.merge(acme.company, acme.agent, b.id, a.id)
    assert found(services, acme, "foxtrot") == {a.id}  # the message moved, and its words with it
    assert indexes_intact()

    message = Message.get(Message.body == "alpha request")
    message.body = "echo"
    message.save()
    assert found(services, acme, "echo") == {a.id} and found(services, acme, "alpha") == set()
    assert indexes_intact()
    message.delete_instance()
    assert found(services, acme, "echo") == set()
    Ticket.get_by_id(a.id).delete_instance(recursive=True)
    assert found(services, acme, "foxtrot") == set() and found(services, acme, "charlie") == set()
    assert indexes_intact()
    Customer.delete().where(Customer.id == customer.id).execute()  # foreign-key cascades, not row by row
    assert found(services, acme, "bravo") == set() and indexes_intact()


def test_search_is_scoped_to_the_company(acme, globex, services):
    mine, _ = acme.customer_message("shared word zebra")
    globex.customer_message("shared word zebra")
    assert found(services, acme, "zebra") == {mine.id}


def test_migration_backfills_existing_tickets(tmp_path):
    """A database from before full-text search gets every ticket and message indexed when it is upgraded."""
    from appliance import migrations

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    earlier = [(number, file) for number, file in sorted(migrations.MIGRATIONS.items()) if number < 4]
    for number, file in earlier:
        for statement in migrations._statements(file.read_text(encoding="utf-8")):
            db.execute(statement)
        db.execute("INSERT INTO schema_version VALUES (?)", (number,))
    db.execute("INSERT INTO company VALUES (1, 'A', 'a', '{}', 2, '2026-01-01')")
    db.execute("INSERT INTO customer VALUES (1, 1, 'h', 'Old Customer', 'old@example.com', '2026-01-01', '2026-01-01')")
    db.execute("INSERT INTO ticket (id, company_id, number, customer_id, subject, status, priority, channel, created_at, "
               "updated_at, last_message_at, last_message_preview, entities) VALUES (1, 1, 1, 1, 'Legacy subject', "
               "'open', 'normal', 'widget', '2026-01-01', '2026-01-01', '2026-01-01', '', '{}')")
    db.execute("INSERT INTO message (company_id, ticket_id, author_role, body, private, metadata, created_at) "
               "VALUES (1, 1, 'customer', 'kumquat delivery', 0, '{}', '2026-01-01')")
    db.execute("INSERT INTO message (company_id, ticket_id, author_role, body, private, metadata, created_at) "
               "VALUES (1, 1, 'agent', 'internal persimmon', 1, '{}', '2026-01-01')")
    db.commit()
    db.close()
    open_database(path)  # upgrades through 0004 (one document per ticket) and 0010 (one per message)
    try:
        company = Company.get_by_id(1)

        def matching(q, include_private):
            subquery = matching_ticket_ids(company, q, include_private=include_private)
            return [t.id for t in Ticket.select(Ticket.id).where(Ticket.id.in_(subquery))]

        assert matching("kumquat", False) == [1]
        assert matching("persimmon", True) == [1]
        assert matching("persimmon", False) == []
        assert matching("legacy old kumquat", False) == [1]  # subject, customer and a message together
    finally:
        close_database()
