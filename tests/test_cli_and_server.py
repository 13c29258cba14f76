"""The command line and the real server process, as a user runs them."""
import json
import urllib.request

import pytest

from tests.conftest import PASSWORD
from tests.live import NO_MODELS, LiveServer, cli, company_data_dir


def test_create_company_and_user(tmp_path):
    made = cli(tmp_path, "create-company", "--name", "Corner Shop", "--slug", "corner", "--admin-email",
               "owner@corner.test", "--admin-password", PASSWORD)
    assert made.returncode == 0, made.stderr
    assert "created company 'corner'" in made.stdout
    user = cli(tmp_path, "create-user", "--company", "corner", "--email", "sam@corner.test", "--name", "Sam",
               "--password", PASSWORD)
    assert user.returncode == 0, user.stderr


@pytest.mark.parametrize("args, message", [
    (["create-company", "--name", "X"], "required"),
    (["create-company", "--name", "X", "--slug", "Bad Slug", "--admin-email", "a@b.test", "--admin-password",
      PASSWORD], "slug"),
    (["create-company", "--name", "X", "--slug", "okay", "--admin-email", "nope", "--admin-password", PASSWORD],
     "email"),
    (["create-user", "--company", "missing", "--email", "a@b.test", "--name", "A", "--password", PASSWORD],
     "no company"),
    (["frobnicate"], "invalid choice"),
    (["eval", "--threshold", "5", "--kb", "k", "--questions", "q"], "must be between 0 and 1"),
    (["serve", "--port", "eighty"], "invalid int"),
])
def test_bad_arguments_get_one_clear_line(tmp_path, args, message):
    company_data_dir(tmp_path, settings=NO_MODELS)
    result = cli(tmp_path, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_server_starts_serves_health_and_keeps_data(tmp_path):
    data = company_data_dir(tmp_path / "data", admin_email="a@shop.test")
    server = LiveServer(data).start()
    try:
        with urllib.request.urlopen(f"{server.url}/healthz") as response:
            assert json.load(response)["status"] == "ok"
        login = urllib.request.Request(f"{server.url}/api/v1/auth/login", method="POST",
                                       data=json.dumps({"email": "a@shop.test", "password": PASSWORD}).encode(),
                                       headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(login) as response:
            assert json.load(response)["company"]["slug"] == "shop"
        assert (data / "hearth.db").exists() and (data / "hearth.db-wal").exists()
        assert (data / "logs" / "hearth.log").exists()
    finally:
        server.stop()
    assert server.process.returncode == 0 or server.process.returncode == -15


def test_python_m_appliance_serve_is_the_same_server(tmp_path):
    server = LiveServer(tmp_path / "data", entry=("-m", "appliance", "serve")).start()
    try:
        with urllib.request.urlopen(f"{server.url}/healthz") as response:
            assert response.status == 200
    finally:
        server.stop()


def test_port_in_use_is_a_clear_error(tmp_path):
    first = LiveServer(tmp_path / "a").start()
    try:
        result = cli(tmp_path / "b", "serve", "--port", str(first.port))
        assert result.returncode == 1
        assert "cannot listen" in result.stderr and "Traceback" not in result.stderr
        assert "Hearth is running" not in result.stdout  # it said so before it tried to listen
    finally:
        first.stop()


def test_every_connection_has_nagle_off(monkeypatch):
    """Small writes (socket events, short answers) go out at once instead of waiting up to 40 ms for
    the peer's delayed ACK: the server turns Nagle's algorithm off on each connection it accepts."""
    import socket

    import gevent
    from gevent import pywsgi
    from gevent import socket as gsocket

    from appliance.server import wsgi_server

    seen = []
    handle = pywsgi.WSGIServer.handle

    def spy(self, sock, address):  # what the connection is like when Hearth's handler gets it
        seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return handle(self, sock, address)

    monkeypatch.setattr(pywsgi.WSGIServer, "handle", spy)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = wsgi_server(app, "127.0.0.1", 0)
    server.start()
    try:
        with gsocket.create_connection(server.address, timeout=10) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := client.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
        assert seen == [1]
    finally:
        server.stop()
        gevent.sleep(0)


# Hearth's own start (run.py --headless → serve()) with a probe in the server process: before handing
# a connection to pywsgi's handler, it prints the connection's client port and TCP_NODELAY as set then.
NODELAY_PROBE = """
import runpy
import socket

from gevent import monkey

monkey.patch_all()
from gevent import pywsgi

handle = pywsgi.WSGIServer.handle


def probe(self, sock, address):
    nodelay = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    print(f"accepted {address[1]} TCP_NODELAY={nodelay}", flush=True)
    return handle(self, sock, address)


pywsgi.WSGIServer.handle = probe
runpy.run_path("run.py", run_name="__main__")
"""


def test_the_running_server_has_nagle_off_on_every_connection(tmp_path):
    """serve(), started as production starts it, accepts through appliance.server.wsgi_server: were it
    to build another server, its connections would reach the handler with Nagle on (or not at all)."""
    import socket

    server = LiveServer(tmp_path / "data", entry=("-c", NODELAY_PROBE, "--headless")).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
            mine = client.getsockname()[1]
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := client.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
    finally:
        server.stop()
    accepted = [line for line in server.log.read_text().splitlines() if line.startswith("accepted ")]
    assert f"accepted {mine} TCP_NODELAY=1" in accepted  # printed before the answer was written
    assert all(line.endswith(" TCP_NODELAY=1") for line in accepted), accepted  # the start-up health checks too


@pytest.mark.parametrize("bind, addresses", [
    ("127.0.0.1", ["127.0.0.1"]), ("localhost", ["localhost"]), ("0.0.0.0", ["0.0.0.0"]), ("::", ["::"]),
    ("192.168.1.10", ["192.168.1.10", "127.0.0.1"]), ("::1", ["::1", "127.0.0.1"])])
def test_this_computer_is_always_answered_on_127_0_0_1(bind, addresses):
    from appliance.server import listen_addresses

    assert listen_addresses(bind) == addresses


def test_a_visitors_burst_is_handled_in_the_order_sent(tmp_path, monkeypatch):
    """The running server handles a connection's events one after the other: a burst sent without
    waiting is stored in the order typed, and a bad event in the middle gets its error ack without
    stopping the rest."""
    import threading

    import socketio

    monkeypatch.setenv("HEARTH_RATE_LIMIT_VISITOR", "")  # 31 events at once: over a visitor's 5 a second
    data = company_data_dir(tmp_path / "data", admin_email="a@shop.test", settings=NO_MODELS)
    acks, lock, done = {}, threading.Lock(), threading.Event()
    texts = [f"line {n}" for n in range(30)]
    sends = [{"text": text, "client_id": f"burst-{n}"} for n, text in enumerate(texts)]
    sends.insert(15, {"client_id": "no-text"})  # missing its text: refused, alone

    def acked(n):
        def callback(answer):  # the client runs each ack in a thread of its own: keyed by what was sent
            with lock:
                acks[n] = answer
                if len(acks) == len(sends):
                    done.set()
        return callback

    server = LiveServer(data).start()
    client, again = socketio.Client(), socketio.SimpleClient()
    try:
        sessions = []
        client.on("session", sessions.append, namespace="/widget")
        client.connect(server.url, namespaces=["/widget"], transports=["websocket"], auth={"company": "shop"},
                       wait_timeout=10)
        for n, event in enumerate(sends):
            client.emit("customer_message", event, namespace="/widget", callback=acked(n))
        assert done.wait(20), f"{len(acks)} of {len(sends)} acknowledged"
        refused = acks.pop(15)
        assert refused["ok"] is False and refused["error"]["code"] == "invalid_input"
        answers = [acks[n] for n in sorted(acks)]
        assert all(answer["ok"] for answer in answers)
        ids = [answer["message_id"] for answer in answers]
        assert ids == sorted(ids) and len(set(ids)) == len(texts)  # stored in the order sent
        client.disconnect()

        again.connect(server.url, namespace="/widget", transports=["websocket"],
                      auth={"company": "shop", "token": sessions[0]["visitor_token"]})
        session = again.receive(timeout=10)[1]
        assert [m["body"] for m in session["messages"] if m["author_role"] == "customer"] == texts
    finally:
        client.disconnect()
        again.disconnect()
        server.stop()


def test_commands_on_a_mistyped_data_dir_create_nothing(tmp_path):
    """A wrong --data-dir used to become a new, empty installation (57 MB) before the command failed."""
    missing = tmp_path / "typo"
    (tmp_path / "p").write_text("a long backup passphrase")
    for args in (["import-kb", "--company", "shop", str(tmp_path)], ["reindex", "--company", "shop"],
                 ["create-user", "--company", "shop", "--email", "a@b.test", "--name", "A", "--password", PASSWORD],
                 ["backup", "--out", str(tmp_path / "b.hearthbak"), "--passphrase-file", str(tmp_path / "p")]):
        result = cli(missing, *args)
        assert result.returncode == 1 and "no Hearth installation in" in result.stderr, (args, result.stderr)
        assert not missing.exists()


def test_unusable_paths_are_one_line_errors(tmp_path):
    data = company_data_dir(tmp_path / "data", settings=NO_MODELS)
    pass_file = tmp_path / "pass"
    pass_file.write_text("a long backup passphrase")
    into_folder = cli(data, "backup", "--out", str(tmp_path), "--passphrase-file", str(pass_file))
    assert into_folder.returncode == 1 and "is a folder" in into_folder.stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    unwritable = cli(data, "backup", "--out", str(a_file / "b.hearthbak"), "--passphrase-file", str(pass_file))
    restore_into_file = cli(a_file, "restore", "--in", str(pass_file), "--passphrase-file", str(pass_file))
    a_file_as_data = cli(a_file, "reindex", "--company", "shop")
    assert "no Hearth installation" in a_file_as_data.stderr
    served_on_a_file = cli(a_file, "serve", "--port", "9")
    assert f"cannot use {a_file} as the data folder: it is a file, not a folder" in served_on_a_file.stderr
    for result in (into_folder, unwritable, restore_into_file, a_file_as_data, served_on_a_file):
        assert result.returncode == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_eval_says_which_question_it_cannot_read(tmp_path):
    kb = tmp_path / "kb.jsonl"
    kb.write_text('{"id": "a1", "title": "Returns", "body": "Return within 30 days."}\n')
    for line, problem in (('{"qid": "q1"}', '"text" must be the question'), ('["a", "list"]', "JSON object"),
                          ('{"text": "hi", "gold_ids": "a1"}', '"gold_ids" must be a list'),
                          ('{"text": "hi", "context": ["earlier"]}', '"context" must be a list of turns'),
                          ('{"text": ', "line 2: not valid JSON")):
        questions = tmp_path / "q.jsonl"
        questions.write_text('{"text": "how do returns work", "gold_ids": ["a1"]}\n' + line + "\n")
        result = cli(tmp_path, "eval", "--kb", str(kb), "--questions", str(questions), "--embedder", "hashing")
        assert result.returncode == 1 and problem in result.stderr and "Traceback" not in result.stderr, result.stderr
    questions.write_text('{"text": "how do returns work", "gold_ids": ["a1"]}\n')
    unwritable = cli(tmp_path, "eval", "--kb", str(kb), "--questions", str(questions), "--embedder", "hashing",
                     "--json", str(tmp_path / "no-such-folder" / "out.json"))
    assert unwritable.returncode == 1 and "cannot write the figures" in unwritable.stderr


@pytest.mark.parametrize("which, content, problem", [
    # each used to end in a traceback: TypeError (unhashable list), UnicodeDecodeError, RecursionError
    ("questions", b'{"qid": "q1", "text": "x", "gold_ids": [["a1"]]}\n',
     'line 1: "gold_ids" must be a list of article ids'),
    ("questions", b'{"text": "hi", "gold_ids": ["a1"]}\n\n\xff\xfe\xfa{"text": "x"}\n', "line 3: not UTF-8 text"),
    ("questions", b"[" * 100_000 + b"\n", "line 1: nested too deeply"),
    ("kb", b"[" * 100_000 + b"\n", "line 1: is nested too deeply"),
    ("kb", b'{"id": ' + b"1" * 5000 + b', "title": "t", "body": "b"}\n', "line 1: holds a number too long to read"),
    ("kb", b"\xff\xfe\xfa{}\n", "is not UTF-8 text"),
])
def test_eval_says_which_line_of_a_malformed_file_it_cannot_read(tmp_path, which, content, problem):
    files = {"kb": tmp_path / "kb.jsonl", "questions": tmp_path / "q.jsonl"}
    files["kb"].write_text('{"id": "a1", "title": "Returns", "body": "Return within 30 days."}\n')
    files["questions"].write_text('{"text": "how do returns work", "gold_ids": ["a1"]}\n')
    files[which].write_bytes(content)
    result = cli(tmp_path, "eval", "--kb", str(files["kb"]), "--questions", str(files["questions"]),
                 "--embedder", "hashing")
    assert result.returncode == 1 and result.stderr.startswith(f"error: {files[which]}"), result.stderr
    assert problem in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_eval_reads_numeric_article_ids_as_the_kb_does(tmp_path):
    kb, questions = tmp_path / "kb.jsonl", tmp_path / "q.jsonl"
    kb.write_text('{"id": 7, "title": "Returns", "body": "Return within 30 days."}\n')
    questions.write_text('{"text": "how do returns work", "gold_ids": [7], "answerable": true}\n')
    result = cli(tmp_path, "eval", "--kb", str(kb), "--questions", str(questions), "--embedder", "hashing")
    assert result.returncode == 0, result.stderr
    assert "recall_at_1                        1.0000" in result.stdout
