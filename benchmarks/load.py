"""Load benchmark: many widget visitors and a handful of agents against a real Hearth server, and the
same load against a bare Flask-SocketIO echo server (benchmarks/echo_server.py) in the same run.

    python -m benchmarks.load [--visitors 1000] [--agents 5] [--duration 60] [--interval 20] [--rounds 1]

Every visitor connects to `/widget` over a websocket, then sends a message every ``--interval``
seconds (first one at a random moment) and waits for its ack. Agents are logged in on `/agent` and
reply over HTTP to a share of the messages (``--reply-share``). Reported per server:

- customer → agent delivery latency (send → first agent receives it) and agent → customer (reply
  POST → the visitor receives it), p50 and p99;
- messages acknowledged, stored (counted in Hearth's database afterwards), delivered to agents;
  lost = acknowledged but not stored, or acknowledged but never delivered;
- errors (failed connects, error acks, timeouts) and the server's resident memory (peak and end).

Customer → agent latency is also reported apart for a visitor's first message (it opens a ticket)
and the follow-ups. ``--rounds N`` runs both servers N times, alternating, and prints each round's
p99 in both directions and the medians: on a shared machine one run's ratio moves by itself.

Loopback only; both servers run as child processes and are stopped at the end; the run is bounded
by ``--rounds`` × (``--duration`` plus connect and drain time).
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import gc
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-1"
# Limits meant for real traffic from many addresses would throttle a load that all comes from
# 127.0.0.1; the benchmark measures delivery, so it lifts them for its own server.
SERVER_ENV = {"HEARTH_LOG_LEVEL": "WARNING", "HEARTH_RATE_LIMIT_IP": "", "HEARTH_RATE_LIMIT_COMPANY": "",
              "HEARTH_RATE_LIMIT_SOCKET_IP": "", "HEARTH_RATE_LIMIT_VISITOR": "", "HEARTH_RATE_LIMIT_CONNECT_IP": ""}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


@dataclass
class Stats:
    acked: set = field(default_factory=set)
    delivered_to_agent: dict = field(default_factory=dict)  # key -> latency s
    replies_sent: dict = field(default_factory=dict)  # reply key -> send time
    replies_received: dict = field(default_factory=dict)  # reply key -> latency s
    sent_at: dict = field(default_factory=dict)  # key -> send time
    ticket_of: dict = field(default_factory=dict)  # key -> ticket id
    errors: list = field(default_factory=list)
    connected: int = 0
    finished_sending: int = 0


class Server:
    """A Hearth (or baseline) server process on a free loopback port."""

    def __init__(self, kind: str, workdir: Path, log_level: str = "WARNING"):
        self.kind = kind
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = workdir / f"{kind}-data"
        self.log = open(workdir / f"{kind}.log", "w")
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "Server":
        env = {**os.environ, **SERVER_ENV, "PYTHONUNBUFFERED": "1"}
        if self.kind == "hearth":
            made = subprocess.run(
                [sys.executable, "-m", "appliance", "create-company", "--name", "Load Shop", "--slug", "load",
                 "--admin-email", "admin@load.test", "--admin-password", PASSWORD, "--data-dir", str(self.data_dir)],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
            if made.returncode != 0:
                raise RuntimeError(made.stderr)
            # Build the knowledge indexes and prepare the embedding model once, before the timed server
            # starts, so its memory is what a running desk holds rather than a first start's one-off peak.
            warm = subprocess.run([sys.executable, "-m", "appliance", "reindex", "--company", "load",
                                   "--data-dir", str(self.data_dir)], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=300)
            if warm.returncode != 0:
                raise RuntimeError(warm.stderr)
            command = [sys.executable, "run.py", "--headless", "--data-dir", str(self.data_dir),
                       "--host", "127.0.0.1", "--port", str(self.port)]
        else:
            command = [sys.executable, "-m", "benchmarks.echo_server", "--port", str(self.port)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited early; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.kind} server not up within {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()

    def stored_keys(self) -> set[str] | None:
        """Keys of the load's customer messages in Hearth's database (None for the baseline)."""
        if self.kind != "hearth":
            return None
        db = sqlite3.connect(f"file:{self.data_dir / 'hearth.db'}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT body FROM message WHERE author_role = 'customer' AND body LIKE 'load %'")
            return {body.split()[1] for (body,) in rows}
        finally:
            db.close()


async def login(http: aiohttp.ClientSession, url: str) -> str:
    async with http.post(f"{url}/api/v1/auth/login", json={"email": "admin@load.test", "password": PASSWORD}) as r:
        r.raise_for_status()
        return (await r.json())["csrf_token"]


async def run_agent(url: str, stats: Stats, stop: asyncio.Event, reply_share: float, rng: random.Random,
                    ready: asyncio.Event, agents_ready: list) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        csrf = await login(http, url)
        cookie = "; ".join(f"{c.key}={c.value}" for c in jar)
        sio = socketio.AsyncClient(reconnection=False)
        pending: asyncio.Queue = asyncio.Queue()

        @sio.on("ticket_created", namespace="/agent")
        async def on_ticket_created(ticket):
            if ticket.get("first_message"):  # Hearth sends a ticket's opening message inside ticket_created
                await on_message(ticket["first_message"])

        @sio.on("message", namespace="/agent")
        async def on_message(message):
            body = message.get("body", "")
            if message.get("author_role") != "customer" or not body.startswith("load "):
                return
            key = body.split()[1]
            if key not in stats.delivered_to_agent and key in stats.sent_at:
                stats.delivered_to_agent[key] = time.perf_counter() - stats.sent_at[key]
                if rng.random() < reply_share:
                    pending.put_nowait((key, message["ticket_id"]))

        await sio.connect(url, namespaces=["/agent"], transports=["websocket"], headers={"Cookie": cookie},
                          auth={"csrf_token": csrf}, wait_timeout=30)
        agents_ready.append(1)
        ready.set()
        headers = {"X-CSRF-Token": csrf}
        while not (stop.is_set() and pending.empty()):
            try:
                key, ticket_id = await asyncio.wait_for(pending.get(), 0.5)
            except asyncio.TimeoutError:
                continue
            reply_key = f"r{key}"
            stats.replies_sent[reply_key] = time.perf_counter()
            try:
                async with http.post(f"{url}/api/v1/tickets/{ticket_id}/messages", headers=headers,
                                     json={"body": f"reply {reply_key}"}) as r:
                    if r.status != 201:
                        stats.errors.append(f"reply HTTP {r.status}")
            except aiohttp.ClientError as exc:
                stats.errors.append(f"reply: {exc}")
        await sio.disconnect()


async def run_visitor(n: int, url: str, stats: Stats, start_sending: asyncio.Event, stop: asyncio.Event,
                      drained: asyncio.Event, interval: float, rng: random.Random,
                      connect_slots: asyncio.Semaphore) -> None:
    sio = socketio.AsyncClient(reconnection=False)
    session = asyncio.get_running_loop().create_future()

    @sio.on("session", namespace="/widget")
    async def on_session(data):
        if not session.done():
            session.set_result(data)

    @sio.on("message", namespace="/widget")
    async def on_message(message):
        body = message.get("body", "")
        if message.get("author_role") == "agent" and body.startswith("reply "):
            key = body.split()[1]
            if key in stats.replies_sent and key not in stats.replies_received:
                stats.replies_received[key] = time.perf_counter() - stats.replies_sent[key]

    try:
        async with connect_slots:
            await sio.connect(url, namespaces=["/widget"], transports=["websocket"], auth={"company": "load"},
                              wait_timeout=30)
            await asyncio.wait_for(session, 30)
        stats.connected += 1
    except Exception as exc:  # noqa: BLE001 — a failed connect is a figure, not a crash
        stats.errors.append(f"connect: {type(exc).__name__}: {exc}")
        return
    await start_sending.wait()
    await asyncio.sleep(rng.uniform(0, interval))
    seq = 0
    while not stop.is_set():
        key = f"v{n}m{seq}"
        seq += 1
        stats.sent_at[key] = time.perf_counter()
        try:
            ack = await sio.call("customer_message", {"text": f"load {key} hello from visitor {n}", "client_id": key},
                                 namespace="/widget", timeout=30)
            if ack.get("ok"):
                stats.acked.add(key)
            else:
                stats.errors.append(f"error ack: {ack.get('error', {}).get('message')}")
        except Exception as exc:  # noqa: BLE001
            stats.errors.append(f"send: {type(exc).__name__}")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
    stats.finished_sending += 1
    await drained.wait()  # stay connected until the agents' last replies have arrived (or the drain timed out)
    await sio.disconnect()


async def drive(server: Server, args: argparse.Namespace) -> dict:
    stats = Stats()
    stop, start_sending, agent_ready, drained = asyncio.Event(), asyncio.Event(), asyncio.Event(), asyncio.Event()
    agents_stop = asyncio.Event()  # agents listen on after the visitors stop, until deliveries are in
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        csrf = await login(http, server.url)
        async with http.patch(f"{server.url}/api/v1/company", headers={"X-CSRF-Token": csrf},
                              json={"settings": {"ai_enabled": False}}) as r:
            r.raise_for_status()  # people answer in this benchmark; the AI's speed is benchmarks.ai's
    agents_ready: list = []
    agents = [asyncio.create_task(run_agent(server.url, stats, agents_stop, args.reply_share, random.Random(i),
                                            agent_ready, agents_ready)) for i in range(args.agents)]
    while len(agents_ready) < args.agents:
        await asyncio.sleep(0.1)
        if any(task.done() for task in agents):
            for task in agents:
                if task.done() and task.exception():
                    raise task.exception()
    slots = asyncio.Semaphore(50)
    t0 = time.perf_counter()
    visitors = [asyncio.create_task(run_visitor(n, server.url, stats, start_sending, stop, drained, args.interval,
                                                random.Random(n), slots)) for n in range(args.visitors)]
    while stats.connected + len(stats.errors) < args.visitors and time.perf_counter() - t0 < 120:
        await asyncio.sleep(0.2)
    connect_s = time.perf_counter() - t0
    # The generator's own full garbage collections walked its 1,000 clients (~200,000 objects, 100 ms
    # and more) while messages were in flight, adding pauses to whichever server was measured: the
    # clients live until the end, so they are left out of collections for the timed part.
    gc.collect()
    gc.freeze()
    start_sending.set()
    sending_from = time.perf_counter()
    peak = 0.0
    end = time.perf_counter() + args.duration
    while time.perf_counter() < end:
        await asyncio.sleep(1)
        peak = max(peak, rss_mb(server.process.pid)[0])
    stop.set()
    deadline = time.perf_counter() + 30  # drain: acks of the last messages, the agents' replies to them
    while time.perf_counter() < deadline and stats.finished_sending < stats.connected:
        await asyncio.sleep(0.2)
    # A message still on its way when the agents hung up was counted lost; it was only late.
    while time.perf_counter() < deadline and not stats.acked <= stats.delivered_to_agent.keys():
        await asyncio.sleep(0.2)
    agents_stop.set()
    await asyncio.gather(*agents, return_exceptions=True)
    while time.perf_counter() < deadline and len(stats.replies_received) < len(stats.replies_sent):
        await asyncio.sleep(0.2)
    drained.set()
    await asyncio.gather(*visitors, return_exceptions=True)
    gc.unfreeze()  # the next server's run starts with a collector that sees everything again
    rss_now, rss_peak = rss_mb(server.process.pid)
    stored = server.stored_keys()
    acked = stats.acked
    return {
        "server": server.kind,
        "visitors_connected": stats.connected,
        "connect_seconds": round(connect_s, 1),
        "acked": len(acked),
        "stored": None if stored is None else len(acked & stored),
        "delivered": len(acked & set(stats.delivered_to_agent)),
        "lost_not_stored": None if stored is None else len(acked - stored),
        "lost_not_delivered": len(acked - set(stats.delivered_to_agent)),
        "replies_sent": len(stats.replies_sent),
        "replies_received": len(stats.replies_received),
        "customer_to_agent_ms": {"p50": round(percentile([v * 1000 for v in stats.delivered_to_agent.values()], 50), 1),
                                 "p99": round(percentile([v * 1000 for v in stats.delivered_to_agent.values()], 99), 1)},
        # a visitor's first message opens a ticket (stored, routed to an agent, pushed as a new
        # ticket); the later ones join it: their latencies apart show where the time goes
        "customer_to_agent_ms_by_kind": {
            kind: {"n": len(values), "p50": round(percentile(values, 50), 1), "p99": round(percentile(values, 99), 1)}
            for kind, values in (("new_ticket", [v * 1000 for k, v in stats.delivered_to_agent.items() if k.endswith("m0")]),
                                 ("follow_up", [v * 1000 for k, v in stats.delivered_to_agent.items() if not k.endswith("m0")]))},
        "agent_to_customer_ms": {"p50": round(percentile([v * 1000 for v in stats.replies_received.values()], 50), 1),
                                 "p99": round(percentile([v * 1000 for v in stats.replies_received.values()], 99), 1)},
        # when the slowest deliveries happened (seconds into the sending), to tell periodic pauses
        # (collections, scheduled jobs) from steady queueing
        "slowest_customer_to_agent": [[round(stats.sent_at[key] - sending_from, 2), round(latency * 1000, 1)]
                                      for key, latency in sorted(stats.delivered_to_agent.items(),
                                                                 key=lambda kv: kv[1], reverse=True)[:20]],
        "errors": len(stats.errors),
        "error_examples": sorted(set(stats.errors))[:5],
        "rss_mb_end": round(rss_now, 1),
        "rss_mb_peak": round(max(rss_peak, peak), 1),
    }


def run_in_own_loop(coro):
    """asyncio.run in a thread of its own, so a caller that already runs an event loop (e.g. a test
    session using Playwright) can drive the load too."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def run_one(kind: str, args: argparse.Namespace, workdir: Path) -> dict:
    server = Server(kind, workdir).start()
    try:
        return run_in_own_loop(drive(server, args))
    finally:
        server.stop()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b and b == b and a == a else "-"


def p99_ratio(base: dict, hearth: dict, key: str = "customer_to_agent_ms") -> float | None:
    b = base[key]["p99"]
    return round(hearth[key]["p99"] / b, 2) if b else None


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Hearth load benchmark (loopback only).")
    parser.add_argument("--visitors", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=5)
    parser.add_argument("--duration", type=float, default=60, help="seconds of sending, after everyone connected")
    parser.add_argument("--interval", type=float, default=20, help="seconds between one visitor's messages")
    parser.add_argument("--reply-share", type=float, default=0.2, help="share of messages an agent answers")
    parser.add_argument("--json", help="write the figures here too")
    parser.add_argument("--hearth-only", action="store_true", help="skip the baseline (e.g. to profile Hearth)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run Hearth and the baseline this many times, alternating, and print the medians "
                             "too (one run's ratio moves with whatever else the machine does)")
    args = parser.parse_args(argv)
    rounds: list[tuple[dict, dict]] = []
    with tempfile.TemporaryDirectory(prefix="hearth-load-") as tmp:
        for n in range(1, max(args.rounds, 1) + 1):
            workdir = Path(tmp) / f"round-{n}"
            workdir.mkdir()
            hearth = run_one("hearth", args, workdir)
            if args.hearth_only:
                print(json.dumps(hearth, indent=2))
                return {"hearth": hearth}
            rounds.append((run_one("baseline", args, workdir), hearth))
    base, hearth = rounds[-1]
    results = [base, hearth]
    print(f"\nLoad: {args.visitors} visitors, {args.agents} agents, one message per visitor every "
          f"{args.interval:g} s for {args.duration:g} s, agents answer {args.reply_share:.0%}")
    print(f"  {'':<28}{'baseline':>12}{'hearth':>12}{'ratio':>10}")
    rows = [("visitors connected", "visitors_connected"), ("connect time (s)", "connect_seconds"),
            ("acknowledged", "acked"), ("stored", "stored"), ("delivered to agents", "delivered"),
            ("lost (not stored)", "lost_not_stored"), ("lost (not delivered)", "lost_not_delivered"),
            ("replies sent / received", None), ("errors", "errors"), ("memory end (MB)", "rss_mb_end"),
            ("memory peak (MB)", "rss_mb_peak")]
    for label, key in rows:
        if key is None:
            b = f"{base['replies_sent']}/{base['replies_received']}"
            h = f"{hearth['replies_sent']}/{hearth['replies_received']}"
            print(f"  {label:<28}{b:>12}{h:>12}")
            continue
        b, h = base[key], hearth[key]
        print(f"  {label:<28}{'-' if b is None else b:>12}{'-' if h is None else h:>12}")
    for label, key in (("customer → agent", "customer_to_agent_ms"), ("agent → customer", "agent_to_customer_ms")):
        for pct in ("p50", "p99"):
            b, h = base[key][pct], hearth[key][pct]
            print(f"  {label + ' ' + pct + ' (ms)':<28}{b:>12}{h:>12}{ratio(h, b):>10}")
    for kind, label in (("new_ticket", "first messages"), ("follow_up", "follow-ups")):
        b, h = base["customer_to_agent_ms_by_kind"][kind]["p99"], hearth["customer_to_agent_ms_by_kind"][kind]["p99"]
        print(f"  {'  ' + label + ' p99 (ms)':<28}{b:>12}{h:>12}{ratio(h, b):>10}")
    for result in results:
        for example in result["error_examples"]:
            print(f"  {result['server']} error: {example}")
    figures = {"args": vars(args), "baseline": base, "hearth": hearth,
               "p99_ratio_customer_to_agent": p99_ratio(base, hearth)}
    if len(rounds) > 1:
        for label, key, name in (("customer → agent", "customer_to_agent_ms", "customer_to_agent"),
                                 ("agent → customer", "agent_to_customer_ms", "agent_to_customer")):
            print(f"\n  {label} p99 (ms) in each round, then the medians over {len(rounds)} rounds:")
            for n, (b, h) in enumerate(rounds, start=1):
                print(f"  {'round ' + str(n):<28}{b[key]['p99']:>12}{h[key]['p99']:>12}{ratio(h[key]['p99'], b[key]['p99']):>10}")
            medians = {kind: round(statistics.median(r[i][key]["p99"] for r in rounds), 1)
                       for i, kind in enumerate(("baseline", "hearth"))}
            ratios = [r for r in (p99_ratio(b, h, key) for b, h in rounds) if r is not None]
            median_ratio = statistics.median(ratios) if ratios else float("nan")
            print(f"  {'median (of the ratios)':<28}{medians['baseline']:>12}{medians['hearth']:>12}{median_ratio:>9.2f}×")
            figures[f"median_{name}_p99_ms"] = medians
            figures[f"median_p99_ratio_{name}"] = median_ratio
        figures["rounds"] = [{"baseline": b, "hearth": h} for b, h in rounds]
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
