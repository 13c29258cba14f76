"""Run as a separate process: gevent monkey-patching first (as the server does), then the
offline-only guard, then connection attempts through several libraries. Prints one JSON line."""
from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import logging  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import urllib.request  # noqa: E402
from http.server import BaseHTTPRequestHandler, HTTPServer  # noqa: E402

from appliance import netguard  # noqa: E402
from appliance.netguard import NetworkPolicy, OfflineRefused  # noqa: E402

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
policy = NetworkPolicy(offline_only=True)
netguard.install(policy)
results = {}


def attempt(name, fn):
    try:
        fn()
        results[name] = "ok"
    except OfflineRefused:
        results[name] = "refused"
    except BaseException as exc:  # the library's own wrapping of the refusal, or another failure
        chain, seen = exc, []
        while chain is not None and len(seen) < 10:
            seen.append(chain)
            chain = chain.__cause__ or chain.__context__
        results[name] = "refused" if any(isinstance(e, OfflineRefused) for e in seen) else f"error {type(exc).__name__}"


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Hello)
threading.Thread(target=server.serve_forever, daemon=True).start()
local_url = f"http://127.0.0.1:{server.server_address[1]}/"


def gevent_socket_public():
    with socket.create_connection(("203.0.113.10", 443), timeout=2):
        pass


def udp_public():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", ("8.8.8.8", 53))


def urllib_name():
    urllib.request.urlopen("http://example.com/", timeout=2)


def httpx_public():
    import httpx

    httpx.get("https://203.0.113.10/v1/models", timeout=2)


def openai_public():
    import openai

    client = openai.OpenAI(api_key="sk-test-not-real", base_url="https://api.openai.com/v1", max_retries=0, timeout=2)
    client.models.list()


def openai_ip():
    import openai

    client = openai.OpenAI(api_key="sk-test-not-real", base_url="http://203.0.113.10/v1", max_retries=0, timeout=2)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])


def loopback_urllib():
    assert urllib.request.urlopen(local_url, timeout=5).read() == b"hello"


def loopback_httpx():
    import httpx

    assert httpx.get(local_url, timeout=5).text == "hello"


def unix_socket():
    path = tempfile.mktemp(suffix=".sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(1)
    client = socket.socket(socket.AF_UNIX)
    client.connect(path)
    client.close()
    listener.close()


results["patched"] = monkey.is_module_patched("socket")
for name, fn in [("gevent_socket_public", gevent_socket_public), ("udp_public", udp_public),
                 ("urllib_name", urllib_name), ("httpx_public", httpx_public), ("openai_public", openai_public),
                 ("openai_ip", openai_ip), ("loopback_urllib", loopback_urllib), ("loopback_httpx", loopback_httpx),
                 ("unix_socket", unix_socket)]:
    attempt(name, fn)
results["refused_count"] = policy.refused
policy.offline_only = False  # the admin turned offline-only off: the same attempt is no longer refused by us
attempt("public_when_off", lambda: socket.create_connection(("203.0.113.10", 9), timeout=0.3).close())
policy.offline_only = True
attempt("public_when_on_again", gevent_socket_public)
print(json.dumps(results), flush=True)
