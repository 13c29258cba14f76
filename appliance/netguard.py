"""Offline-only, enforced inside the process: an audit hook refuses every network destination
beyond this machine and the LAN while the switch is on, whatever library tries to connect.

``install(policy)`` is called once by the entry points (server, command line), never at import.
Audit hooks cannot be removed, so the hook reads the switch of the policy installed last
(``NetworkPolicy.offline_only``) at each event: turning offline-only off in the console takes
effect at once, and turning it back on too. Each refusal is logged (what, where, which code)
and counted; the URL's path or query and any credential never reach the hook, so never the log.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import sys
import threading
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone

logger = logging.getLogger(__name__)

# Names that stay on this machine or the LAN. Any other name is refused before it is looked up,
# so not even a DNS query for it leaves while offline-only is on.
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
LAN_SUFFIXES = (".local", ".lan", ".home.arpa", ".internal", ".localdomain", ".localhost")
_LAN_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "169.254.0.0/16",                                 # IPv4 link-local
    "fc00::/7", "fe80::/10",                          # IPv6 unique-local and link-local
))
_EVENTS = frozenset({"socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.gethostbyname",
                     "socket.gethostbyname_ex"})
# Frames of the plumbing between the caller and the socket, skipped when naming "which code".
_PLUMBING = ("/socket.py", "/ssl.py", "/selectors.py", "/gevent/", "/netguard.py", "/asyncio/")


class OfflineRefused(PermissionError):
    """A connection beyond the LAN was refused because Hearth is in offline-only mode."""


def is_local_address(host: str) -> bool:
    """Is ``host`` (an IP literal or a name) on this machine or the LAN?"""
    host = host.strip().strip("[]").rstrip(".").lower()
    if "%" in host:  # fe80::1%eth0
        host = host.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host in LOCAL_NAMES or "." not in host or host.endswith(LAN_SUFFIXES)
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_unspecified
            or any(address in network for network in _LAN_NETWORKS if network.version == address.version))


@dataclass
class Refusal:
    at: str
    event: str
    host: str
    port: int | None
    code: str


@dataclass
class NetworkPolicy:
    """The offline-only switch the guard and the provider chain read, and what the guard refused."""

    offline_only: bool = True
    refused: int = 0
    recent: deque = field(default_factory=lambda: deque(maxlen=20))

    def check(self, event: str, host: str, port: int | None) -> None:
        """Raise OfflineRefused (and log it) if this destination is not allowed now."""
        if not self.offline_only or is_local_address(host):
            return
        code = _calling_code()
        self.refused += 1
        self.recent.append(Refusal(datetime.now(timezone.utc).isoformat(timespec="seconds"), event, host, port, code))
        logger.warning("offline-only: refused %s to %s%s from %s", event, host,
                       f":{port}" if port is not None else "", code)
        raise OfflineRefused(13, f"offline-only mode: connections beyond this machine and the LAN are refused "
                                 f"({host}); an admin can turn offline-only off in Settings")


_policy: NetworkPolicy | None = None
_installed = False
_busy = threading.local()


def install(policy: NetworkPolicy) -> None:
    """Make ``policy`` the one the guard enforces; add the audit hook the first time."""
    global _policy, _installed
    _policy = policy
    if not _installed:
        sys.addaudithook(_hook)
        _check_names_in_the_calling_greenlet()
        _installed = True


def _check_names_in_the_calling_greenlet() -> None:
    """Under gevent, name lookups run in a native thread pool, where the audit hook would still
    refuse them but could not say which code asked. Check them in the asking greenlet first."""
    try:
        from gevent import get_hub, monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return
    if not monkey.is_module_patched("socket"):
        return
    from gevent.hub import Hub

    Hub.NOT_ERROR = Hub.NOT_ERROR + (OfflineRefused,)  # refused and logged here; gevent need not print it again
    resolver = type(get_hub().resolver)
    original = resolver.getaddrinfo

    def getaddrinfo(self, host, port, *args, **kwargs):
        _hook("socket.getaddrinfo", (host, port, *args))
        return original(self, host, port, *args, **kwargs)
    resolver.getaddrinfo = getaddrinfo


def current() -> NetworkPolicy | None:
    return _policy


def _hook(event: str, args: tuple) -> None:
    if event not in _EVENTS or _policy is None or not _policy.offline_only or getattr(_busy, "on", False):
        return
    destination = _destination(event, args)
    if destination is None:
        return
    _busy.on = True  # logging a refusal must not re-enter the guard
    try:
        _policy.check(event, *destination)
    finally:
        _busy.on = False


def _destination(event: str, args: tuple) -> tuple[str, int | None] | None:
    """(host, port) of an audited socket event; None for unix sockets and anything without a host."""
    if event in ("socket.getaddrinfo",):
        host, port = args[0], args[1]
    elif event in ("socket.gethostbyname", "socket.gethostbyname_ex"):
        host, port = args[0], None
    else:  # connect / sendto: (socket, address)
        address = args[1]
        if not isinstance(address, tuple) or not address:
            return None  # AF_UNIX path (str/bytes) or an abstract address
        host, port = address[0], address[1] if len(address) > 1 else None
    if host is None:
        return None  # getaddrinfo(None, port): a local wildcard for bind()
    if isinstance(host, (bytes, bytearray)):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or not host:
        return None
    return host, port if isinstance(port, int) else (int(port) if isinstance(port, str) and port.isdigit() else None)


def _calling_code() -> str:
    """The innermost frame outside the socket plumbing, and Hearth's own frame when there is one."""
    frames = traceback.extract_stack()[:-3]
    caller = next((f for f in reversed(frames) if not any(p in f.filename for p in _PLUMBING)), None)
    ours = next((f for f in reversed(frames) if "/appliance/" in f.filename and f is not caller
                 and "/netguard.py" not in f.filename), None)
    parts = [f"{_short(f.filename)}:{f.lineno} {f.name}" for f in (caller, ours) if f is not None]
    return " via ".join(parts) or "unknown code"


def _short(filename: str) -> str:
    """A file name without the installation's folders: site-packages/…, appliance/…, stdlib."""
    for marker in ("/site-packages/", "/appliance/"):
        if marker in filename:
            return ("appliance/" if marker == "/appliance/" else "") + filename.split(marker, 1)[1]
    stdlib = re.search(r"/lib/python\d+\.\d+/(.*)$", filename)
    if stdlib:
        return stdlib.group(1)
    return filename.rsplit("/", 2)[-1] if "/" in filename else filename
