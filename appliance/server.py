"""Serving Hearth: the gevent WSGI server with websockets. The caller has monkey-patched already."""
from __future__ import annotations

import errno
import gc
import logging
import signal
import socket
import sys

from .logs import configure_logging
from .settings import Settings

logger = logging.getLogger(__name__)


def wsgi_server(app, host: str, port: int):
    """The HTTP and websocket server, as Flask-SocketIO's ``run`` builds it on gevent (gevent's WSGI
    server with gevent-websocket's handler), except that every connection sends at once.

    gevent leaves Nagle's algorithm on, so a small write (a socket event, a short HTTP answer) that
    follows one not yet acknowledged waits for the peer's ACK, which the peer delays by up to 40 ms
    hoping to send it with data of its own. A chat's traffic is exactly such small writes: under
    load, agent → customer deliveries took 35 ms at the median mostly waiting for ACKs.
    """
    from gevent import pywsgi
    from geventwebsocket.handler import WebSocketHandler

    class Server(pywsgi.WSGIServer):
        def handle(self, sock, address):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().handle(sock, address)

    return Server((host, port), app, handler_class=WebSocketHandler, log=None)


def _bind_advice(exc: OSError, lan_serving: bool) -> str:
    """What to change when the listening address cannot be bound, naming the setting it came from."""
    if exc.errno == errno.EADDRNOTAVAIL:
        setting = "the lan_host setting (used while LAN serving is on)" if lan_serving else "the host setting (--host)"
        return f"it is not an address of this computer: set {setting} to one of its addresses, or 0.0.0.0"
    return "choose another --port or stop the program using it"


LOCAL = "127.0.0.1"


def listen_addresses(bind: str) -> list[str]:
    """The addresses to listen on: ``bind``, and this computer's 127.0.0.1 when ``bind`` does not
    cover it (one LAN interface, ::1) — the desktop window and a console on this computer reach
    Hearth there, and the agent side answers loopback."""
    return [bind] if bind in (LOCAL, "localhost", "0.0.0.0", "::", "") else [bind, LOCAL]


def serve(settings: Settings) -> None:
    """Build Hearth on ``settings`` and serve it until interrupted."""
    import gevent
    from .app import create_app
    from .data_lock import DataLock
    from .db import WalCheckpointer, close_database

    from . import netguard
    from .installation import load_policy

    # Before anything opens the database or the indexes; held until the process ends.
    lock = DataLock(settings.path, "the server").acquire(
        advice="stop it first, or start this one with another --data-dir")
    configure_logging(settings)
    network = load_policy(settings)
    netguard.install(network)  # offline-only, enforced for every socket of the process from here on
    logger.info("offline-only is %s", "on" if network.offline_only else "off")
    app = create_app(settings, async_mode="gevent", network=network, background_checkpoints=True)
    checkpointer = WalCheckpointer(settings.database_path).start()
    from .jobs import start_scheduler

    lan = app.extensions["hearth"].lan
    bind = lan.serving_host()  # lan_host (every interface) when an admin turned LAN serving on, else the host setting
    url = f"http://localhost:{settings.port}"  # every way of serving answers this computer on 127.0.0.1

    def announce():
        # Printed once the server listens; the console is at /console, the widget at /chat/<slug>.
        print(f"Hearth is running at {url}/console  (data: {settings.data_dir})", flush=True)
        if lan.listening_on_lan():
            print(f"Customers on the local network: http://{lan.lan_address()}:{settings.port}/chat/<company>", flush=True)
        elif notice := lan.loopback_notice():
            logger.warning("%s", notice)
            print(f"warning: {notice}", flush=True)

    servers = [(address, wsgi_server(app, address, settings.port)) for address in listen_addresses(bind)]

    def stop(*_):
        logger.info("stopping")
        for _address, server in servers:
            server.stop()

    gevent.signal_handler(signal.SIGTERM, stop)
    # What start-up built (libraries, models, the app) lives as long as the process, yet every full
    # garbage collection walked it again: ~150,000 objects, 75 ms and more with the whole server
    # stopped. Frozen, they are left out of collections; garbage made while serving is still collected.
    gc.collect()
    gc.freeze()
    address, scheduler = bind, None
    try:
        for address, server in servers:
            server.start()
        # Only a server that listens runs the scheduled jobs and says it is running.
        scheduler = start_scheduler(app.extensions["hearth"])
        announce()
        servers[0][1].serve_forever()  # until stop()
    except OSError as exc:
        print(f"error: cannot listen on {address}:{settings.port}: {exc.strerror}; {_bind_advice(exc, lan.started_lan)}",
              file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        close_database()
        checkpointer.stop()
        lock.release()
