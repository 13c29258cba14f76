"""The answer cache's hits and misses are one company's own, and each AI answer says whether it
came from the cache (reports count the hit rate from that)."""
from appliance.ai.cache import AnswerCache, CachedAnswer
from appliance.domain.models import Message
from tests.conftest import PASSWORD, Tenant


def test_stats_are_kept_per_company():
    cache = AnswerCache()
    cache.put(1, "Opening hours?", CachedAnswer("9 to 5", {}))
    assert cache.get(1, "opening hours") is not None
    assert cache.get(1, "parking?") is None
    assert cache.get(2, "opening hours") is None
    assert cache.stats(1) == {"hits": 1, "misses": 1, "hit_rate": 0.5}
    assert cache.stats(2) == {"hits": 0, "misses": 1, "hit_rate": 0.0}
    assert cache.stats(3) == {"hits": 0, "misses": 0, "hit_rate": 0.0}


def ask(client, text, client_id):
    ack = client.emit("customer_message", {"text": text, "client_id": client_id}, namespace="/widget", callback=True)
    assert ack["ok"], ack
    return Message.select().where((Message.ticket == ack["ticket_id"]) & (Message.author_role == "ai")) \
        .order_by(Message.id.desc()).first()


def test_one_companys_traffic_never_shows_in_anothers_hit_rate(make_ai_app):
    app = make_ai_app("hashing")
    hearth = app.extensions["hearth"]
    shops = {}
    for slug in ("bikes", "books"):
        tenant = Tenant(hearth, slug, ai=True)
        hearth.companies.update(tenant.company, tenant.admin, settings={"ai_confidence_threshold": 0.0})
        hearth.articles.create(tenant.company, tenant.admin, title="Refunds",
                               body="Refunds go back to the original payment within 5 business days.")
        shops[slug] = tenant
    socketio = app.extensions["socketio"]
    def visitor():
        return socketio.test_client(app, namespace="/widget", auth={"company": "bikes"})

    first = ask(visitor(), "How long do refunds take?", "b1")
    again = ask(visitor(), "how long do refunds take", "b2")  # another customer's first question
    assert first.metadata["cached"] is False and again.metadata["cached"] is True

    assert hearth.responder.cache.stats(shops["bikes"].company.id) == {"hits": 1, "misses": 1, "hit_rate": 0.5}
    assert hearth.responder.cache.stats(shops["books"].company.id)["hits"] == 0

    books_admin = app.test_client()
    books_admin.post("/api/v1/auth/login", json={"email": "admin@books.test", "password": PASSWORD})
    assert books_admin.get("/api/v1/ai/status").get_json()["cache"] == {"hits": 0, "misses": 0, "hit_rate": 0.0}
    bikes_admin = app.test_client()
    bikes_admin.post("/api/v1/auth/login", json={"email": "admin@bikes.test", "password": PASSWORD})
    assert bikes_admin.get("/api/v1/ai/status").get_json()["cache"]["hits"] == 1
