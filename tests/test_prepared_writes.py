"""PreparedWrites: INSERT/UPDATE whose SQL is written once behave as peewee's create/save(only=)."""
import pytest
from peewee import IntegrityError

from appliance.db import PreparedWrites, close_database, database, open_database
from appliance.domain.models import Company


@pytest.fixture
def db(tmp_path):
    open_database(tmp_path / "h.db")
    with database.connection_context():
        yield
    close_database()


def test_create_applies_defaults_and_returns_the_stored_row(db):
    writes = PreparedWrites(Company)
    first = writes.create(name="Acme", slug="acme", settings={"ai_enabled": False})
    second = writes.create(name="Globex", slug="globex")  # other columns given: a statement of its own
    third = writes.create(name="Initech", slug="initech", settings={"sla": {"first_response_minutes": 5}})
    assert first.id and second.id and third.id and len({first.id, second.id, third.id}) == 3
    assert not first.dirty_fields
    stored = {c.slug: c for c in Company.select()}
    assert stored["acme"].settings == {"ai_enabled": False} and stored["acme"].next_ticket_number == 1
    assert stored["globex"].settings == {} and stored["globex"].created_at == second.created_at
    assert stored["initech"].settings == {"sla": {"first_response_minutes": 5}}


def test_create_raises_integrity_errors_as_model_create_does(db):
    writes = PreparedWrites(Company)
    writes.create(name="Acme", slug="acme")
    with pytest.raises(IntegrityError):
        writes.create(name="Acme again", slug="acme")
    assert Company.select().count() == 1


def test_save_writes_only_the_given_columns(db):
    writes = PreparedWrites(Company)
    company = writes.create(name="Acme", slug="acme")
    Company.update(settings={"theme": "dark"}).where(Company.id == company.id).execute()  # someone else's change
    company.name = "Acme Ltd"
    company.next_ticket_number = 7
    writes.save(company, company.dirty_fields)
    assert not company.dirty_fields
    stored = Company.get_by_id(company.id)
    assert (stored.name, stored.next_ticket_number, stored.settings) == ("Acme Ltd", 7, {"theme": "dark"})
    company.name = "Acme Limited"
    writes.save(company, ["name"])  # names work as fields do; the statement is reused
    assert Company.get_by_id(company.id).name == "Acme Limited"
    writes.save(company, [])  # nothing to write
