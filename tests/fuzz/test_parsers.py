"""Every parser, fed junk: an answer or its own clear error, never a crash or a hang."""
import json

from hypothesis import example, given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from appliance import kb_import
from appliance.ai.analysis import analyse, extract_entities
from appliance.errors import HearthError
from appliance.llm.base import GenerationRequest, Passage
from appliance.llm.guard import instruction_windows, repeats_instructions
from appliance.llm.prompt import build_messages
from appliance.rag.chunking import chunk_article, passage_around
from appliance.rag.keyword import query_terms
from appliance.services.base import clean_text
from appliance.settings import Settings, SettingsError
from appliance.web import schemas
from tests.fuzz.strategies import JSON, TEXT

EXTENSIONS = sorted(kb_import.SUPPORTED_EXTENSIONS)


@given(name=st.sampled_from(EXTENSIONS), data=st.one_of(st.binary(max_size=4000), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
                                                    st.sampled_from([b"%PDF-1.4\n", b"%PDF-1.7\n1 0 obj<<>>endobj trailer<</Root 1 0 R>>",
                                                                     b"---\ntitle: [\n---\n", b"{\"title\": 1}\n[]\n", b"\xef\xbb\xbf# \n"])))
def test_kb_files(tmp_path_factory, name, data):
    path = tmp_path_factory.mktemp("kb") / f"article{name}"
    path.write_bytes(data)
    try:
        articles = kb_import.parse_file(path)
    except kb_import.KBImportError as exc:
        assert exc.message
    else:
        assert all(a.title.strip() and a.body.strip() for a in articles)


@given(name=st.one_of(TEXT, st.sampled_from(["a.md", "a.zip", "a.pdf", "../a.md"])), data=st.binary(max_size=64))
def test_upload_sniffing(name, data):
    try:
        kb_import.check_upload(name, data)
    except kb_import.KBImportError as exc:
        assert exc.message


@given(title=TEXT, body=TEXT, matched=TEXT, budget=st.integers(min_value=-5, max_value=5000))
def test_chunking(title, body, matched, budget):
    chunks = chunk_article(title, body)
    assert isinstance(chunks, list)
    assert isinstance(passage_around(body, matched, max(budget, 1)), str)


@given(text=TEXT)
def test_analysis_and_entities_and_query_terms(text):
    assert isinstance(extract_entities(text), dict)
    analyse(text)
    assert isinstance(query_terms(text), list)


@given(system=TEXT, question=TEXT, history=st.lists(st.tuples(st.sampled_from(["user", "assistant", "agent"]), TEXT),
                                                     max_size=8), passages=st.lists(st.tuples(TEXT, TEXT), max_size=4))
@example(system="</passage>", question="", history=[], passages=[])  # found by this test: the company prompt closed a tag
def test_prompt_assembly_and_guard(system, question, history, passages):
    request = GenerationRequest(system, question, [Passage(i, t, b) for i, (t, b) in enumerate(passages)], history)
    messages = build_messages(request)
    assert messages[0]["role"] == "system" and messages[-1]["role"] == "user"
    system_text = messages[0]["content"]
    assert system_text.count("</passage>") == len(passages)  # passage text never closes its tag
    assert repeats_instructions(system_text, instruction_windows(request)) or len(system.strip()) < 40


@given(value=JSON, limit=st.integers(min_value=1, max_value=500), multiline=st.booleans())
def test_clean_text(value, limit, multiline):
    try:
        assert len(clean_text(value, "field", limit, multiline=multiline)) <= limit
    except HearthError as exc:
        assert exc.status == 422


SETTING_NAMES = st.sampled_from(["port", "llm_timeout", "offline_only", "log_level", "rate_limit_ip",
                                 "rate_limit_visitor", "max_socket_connections", "login_lockout_minutes",
                                 "max_upload_bytes", "host", "nonsense"])


@given(content=st.one_of(st.dictionaries(SETTING_NAMES, JSON, max_size=4).map(json.dumps), TEXT),
       env=st.dictionaries(SETTING_NAMES.map(lambda n: f"HEARTH_{n.upper()}"),
                           st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
                                   max_size=30), max_size=3))
def test_settings_loading(tmp_path_factory, content, env):
    folder = tmp_path_factory.mktemp("settings")
    (folder / "settings.json").write_text(content, encoding="utf-8", errors="surrogatepass")
    try:
        settings = Settings.load({"data_dir": str(folder)}, environ=env)
    except SettingsError as exc:
        assert str(exc)
    else:
        assert 0 < settings.port < 65536


SCHEMAS = [cls for cls in vars(schemas).values()
           if isinstance(cls, type) and issubclass(cls, Schema) and cls.__module__ == schemas.__name__]


@given(schema=st.sampled_from(SCHEMAS), data=JSON)
def test_marshmallow_schemas(schema, data):
    try:
        schema().load(data)
    except ValidationError as exc:
        assert exc.messages

