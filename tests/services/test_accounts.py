import pytest

from appliance.domain.models import Company, User
from appliance.errors import BadRequest, Conflict, Unauthorized
from tests.conftest import PASSWORD


def test_passwords_are_salted_slow_hashes(acme):
    assert acme.admin.password_hash.startswith("scrypt:")
    assert PASSWORD not in acme.admin.password_hash
    assert acme.admin.password_hash != acme.agent.password_hash


def test_authenticate(acme, services):
    assert services.users.authenticate("ADMIN@acme.test ", PASSWORD).id == acme.admin.id
    with pytest.raises(Unauthorized):
        services.users.authenticate("admin@acme.test", "wrong")
    with pytest.raises(Unauthorized):
        services.users.authenticate("nobody@acme.test", PASSWORD)


def test_deactivated_user_cannot_log_in(acme, services):
    services.users.update(acme.company, acme.admin, acme.agent.id, active=False)
    with pytest.raises(Unauthorized):
        services.users.authenticate(acme.agent.email, PASSWORD)


def test_company_creation_is_all_or_nothing(services):
    with pytest.raises(BadRequest, match="password"):
        services.companies.create(name="Shop", slug="shop", admin_email="a@shop.test", admin_password="short")
    assert Company.select().count() == 0 and User.select().count() == 0


@pytest.mark.parametrize("slug", ["A", "ab", "has space", "-dash", "x" * 70, "ünï"])
def test_bad_slugs(services, slug):
    with pytest.raises(BadRequest, match="slug"):
        services.companies.create(name="Shop", slug=slug, admin_email="a@shop.test", admin_password=PASSWORD)


def test_duplicate_slug_and_email(acme, services):
    with pytest.raises(Conflict):
        services.companies.create(name="Acme 2", slug="acme", admin_email="x@y.test", admin_password=PASSWORD)
    with pytest.raises(Conflict):
        services.users.create(acme.company, acme.admin, email="agent@acme.test", password=PASSWORD, name="Dup")


def test_last_admin_cannot_be_removed(acme, services):
    with pytest.raises(BadRequest, match="own admin role"):
        services.users.update(acme.company, acme.admin, acme.admin.id, role="agent")


def test_company_settings_are_checked(acme, services):
    company = services.companies.update(acme.company, acme.admin, settings={"widget_color": "#FF0000"})
    assert company.setting("widget_color") == "#ff0000"
    with pytest.raises(BadRequest, match="settings.widget_color"):
        services.companies.update(acme.company, acme.admin, settings={"widget_color": "red"})
    with pytest.raises(BadRequest, match="unknown setting"):
        services.companies.update(acme.company, acme.admin, settings={"favourite": 1})


def test_a_settings_change_through_an_old_company_object_keeps_newer_data(acme, services):
    stale = Company.get_by_id(acme.company.id)  # loaded before tickets were numbered and other changes
    customer, _ = services.customers.start_visit(acme.company)
    for n in range(3):
        services.tickets.post_customer_message(acme.company, customer, text=f"question {n}", client_id=f"q{n}")
    services.companies.update(Company.get_by_id(acme.company.id), acme.admin, name="Acme Bikes",
                              settings={"widget_greeting": "Hi!"})

    services.companies.update(stale, acme.admin, settings={"widget_color": "#00FF00"})

    stored = Company.get_by_id(acme.company.id)
    assert stored.next_ticket_number > 1  # not put back to what the old object held
    assert stored.setting("widget_greeting") == "Hi!" and stored.setting("widget_color") == "#00ff00"
    assert stored.name == "Acme Bikes"
    other, _ = services.customers.start_visit(acme.company)
    services.tickets.post_customer_message(acme.company, other, text="a new ticket", client_id="n1")  # no clash


def test_visitor_tokens_are_per_company(acme, globex, services):
    customer, token = services.customers.start_visit(acme.company)
    again, same = services.customers.start_visit(acme.company, token)
    assert again.id == customer.id and same == token
    other, _ = services.customers.start_visit(globex.company, token)
    assert other.id != customer.id and other.company_id == globex.company.id


def test_get_or_none_by_a_bare_id_finds_that_row_only(services):
    from tests.conftest import Tenant

    first, second = Tenant(services, "first"), Tenant(services, "second")
    assert Company.get_or_none(second.company.id).slug == "second"
    assert Company.get_or_none(first.company.id).slug == "first"
    assert Company.get_or_none(10_000) is None


def test_the_session_user_comes_with_its_company(acme, services):
    user = services.users.active_session_user(acme.agent.id, acme.company.id, 0)
    assert (user.id, user.email, user.role, user.company_id) == \
        (acme.agent.id, acme.agent.email, "agent", acme.company.id)
    stored = Company.get_by_id(acme.company.id)
    company = user.company
    assert (company.id, company.name, company.slug, company.settings, company.created_at) == \
        (stored.id, stored.name, stored.slug, stored.settings, stored.created_at)
    assert company.setting("ai_enabled") is False
    assert not user.is_dirty() and not company.is_dirty()


def test_the_session_user_must_be_active_and_in_the_sessions_company(acme, globex, services):
    """A session naming a user with another company's id (or a user that no longer may log in)
    gets no user, never the other company."""
    assert services.users.active_session_user(acme.agent.id, globex.company.id, 0) is None
    assert services.users.active_session_user(globex.admin.id, acme.company.id, 0) is None
    assert services.users.active_session_user(globex.admin.id, globex.company.id, 0).company.slug == "globex"
    for user_id, company_id in ((None, acme.company.id), (acme.agent.id, None), (str(acme.agent.id), acme.company.id),
                                (acme.agent.id, True), (10_000, acme.company.id), (acme.agent.id, 2**64)):
        assert services.users.active_session_user(user_id, company_id, 0) is None
    services.users.update(acme.company, acme.admin, acme.agent.id, active=False)
    assert services.users.active_session_user(acme.agent.id, acme.company.id, 0) is None
