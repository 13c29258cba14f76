"""End to end with a REAL generative model: a widget visitor's question is answered by SmolLM2-135M-Instruct
through Hearth's real pipeline (retrieval, OllamaProvider, the official `ollama` client, streaming to the widget).

The model runs in llama.cpp behind tests/llamacpp_ollama.py, a TEST DOUBLE of the Ollama server (there is no
Ollama binary here). A 135M model answers poorly: this checks the real streaming path, not answer quality.
It is a required test: if llama-cpp-python or the model is not installed it FAILS, saying how to install them.
"""
import pytest

from appliance.domain.models import Message, Ticket
from tests.llamacpp_ollama import LlamaCppOllama, RealModelMissing, require_llama_cpp, smollm2_gguf

MODEL = "smollm2:135m"


def require_real_model() -> str:
    """The GGUF's path; fails the test (never skips it) when the model or llama.cpp is missing."""
    try:
        require_llama_cpp()
        return smollm2_gguf()
    except RealModelMissing as exc:
        missing = str(exc)
    pytest.fail(missing, pytrace=False)


@pytest.fixture(scope="module")
def real_ollama():
    """The model loads once for the module."""
    with LlamaCppOllama(require_real_model(), name=MODEL, seed=7) as server:
        yield server


@pytest.fixture
def fake_ollama(real_ollama):
    """tests/ai/conftest.py's make_ai_app points Hearth at `fake_ollama`: here that is the real model."""
    real_ollama.requests.clear()
    return real_ollama


@pytest.fixture
def ai_app(make_ai_app):
    # The CPU is slow; the generous timeout keeps Hearth from falling back to the extractive answer.
    return make_ai_app(ollama_model=MODEL, llm_timeout=60.0)


def test_a_real_model_streams_a_cited_answer_to_the_widget(request):
    require_real_model()  # checked here first so that a missing install is a FAILED test, not a setup error
    ai_app = request.getfixturevalue("ai_app")
    request.getfixturevalue("shop")  # the bike shop, AI on, three articles (tests/ai/conftest.py)
    server = request.getfixturevalue("fake_ollama")
    visitor = ai_app.extensions["socketio"].test_client(ai_app, namespace="/widget", auth={"company": "bikes"})
    visitor.get_received("/widget")

    ack = visitor.emit("customer_message", {"text": "How long until I get my refund?", "client_id": "real-1"},
                       namespace="/widget", callback=True)
    assert ack["ok"], ack
    received = visitor.get_received("/widget")

    tokens = [e["args"][0] for e in received if e["name"] == "ai_token"]
    answers = [e["args"] for e in received if e["name"] == "message" and e["args"]["author_role"] == "ai"]
    assert answers, f"no AI answer reached the widget: {[e['name'] for e in received]}"
    answer = answers[-1]
    stored = Message.get_by_id(answer["id"])
    meta = stored.metadata
    assert meta["provider"] == "ollama", f"the real model did not answer; fallbacks: {meta.get('fallbacks')}"
    assert meta["model"] == MODEL and not meta["fallbacks"]
    assert len(tokens) > 1, tokens  # streamed piece by piece, not in one block
    assert {t["stream_id"] for t in tokens} == {answer["stream_id"]} == {meta["stream_id"]}
    assert answer["body"] and answer["body"] == "".join(t["delta"] for t in tokens).strip() == stored.body
    assert meta["sources"] and meta["sources"][0]["title"] == "Refunds and returns"
    assert [s["title"] for s in answer["sources"]] == [s["title"] for s in meta["sources"]]  # widget: no scores
    assert Ticket.get_by_id(ack["ticket_id"]).status == "bot"

    chat = server.chat_requests()
    assert len(chat) == 1 and chat[0]["model"] == MODEL and chat[0]["stream"] is True
    assert "30 days" in chat[0]["messages"][0]["content"]  # the KB passage went into the prompt
    assert chat[0]["options"]["num_predict"] > 0
