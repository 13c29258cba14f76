"""Commit latency and gevent-loop stalls with SQLite's automatic checkpoints (inside commits) versus
Hearth's checkpoint thread (db.WalCheckpointer), in the same run.

    python -m benchmarks.checkpoints [--seconds 20] [--rate 150] [--rounds 2]

A writer greenlet commits small transactions (an INSERT and an UPDATE, like a chat message) at
``--rate`` per second into a fresh database with Hearth's pragmas, while a ticker greenlet sleeps
1 ms at a time and records how late it wakes (the loop stall every other connection would feel).
Prints commit and stall percentiles per mode, and the ratio of slow commits (> 4 ms)."""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from playhouse.pool import PooledSqliteDatabase  # noqa: E402

from appliance.db import PRAGMAS, WalCheckpointer  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[int((len(ordered) - 1) * p)] if ordered else float("nan")


def run(folder: Path, background: bool, seconds: float, rate: float) -> dict:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / "h.db"
    pragmas = {**PRAGMAS, "wal_autocheckpoint": 0} if background else PRAGMAS
    db = PooledSqliteDatabase(str(path), pragmas=pragmas, max_connections=4, check_same_thread=False)
    db.execute_sql("CREATE TABLE m (id INTEGER PRIMARY KEY, t INT, c INT, body TEXT, meta TEXT)")
    db.execute_sql("CREATE INDEX m1 ON m (t, id)")
    db.execute_sql("CREATE INDEX m2 ON m (c, id)")
    checkpointer = WalCheckpointer(path).start() if background else None
    stalls: list[float] = []
    commits: list[float] = []
    stop = time.perf_counter() + seconds

    def ticker():
        while time.perf_counter() < stop:
            started = time.perf_counter()
            gevent.sleep(0.001)
            stalls.append((time.perf_counter() - started - 0.001) * 1000)

    def writer():
        i = 0
        while time.perf_counter() < stop:
            started = time.perf_counter()
            with db.atomic():
                db.execute_sql("INSERT INTO m (t, c, body, meta) VALUES (?, ?, ?, ?)",
                               (i % 997, i % 13, "hello " * 60, '{"a": 1}' * 20))
                db.execute_sql("UPDATE m SET meta = ? WHERE id = ?", ("x" * 100, max(1, i // 2)))
            commits.append((time.perf_counter() - started) * 1000)
            i += 1
            gevent.sleep(1 / rate)

    gevent.joinall([gevent.spawn(ticker), gevent.spawn(writer)])
    if checkpointer is not None:
        checkpointer.stop()
    db.close_all()
    return {"commits": len(commits), "slow": sum(1 for c in commits if c > 4),
            "commit_p50": pct(commits, 0.5), "commit_p99": pct(commits, 0.99), "commit_max": max(commits),
            "stall_p99": pct(stalls, 0.99), "stall_p999": pct(stalls, 0.999), "stall_max": max(stalls)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=150, help="commits a second")
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs of each mode")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hearth-ckpt-") as tmp:
        results: dict[str, list[dict]] = {"in commits": [], "thread": []}
        for _ in range(args.rounds):
            results["in commits"].append(run(Path(tmp) / "a", False, args.seconds, args.rate))
            results["thread"].append(run(Path(tmp) / "b", True, args.seconds, args.rate))
    print(f"{'checkpoints':<12}{'commits':>9}{'> 4 ms':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
          f"{'stall p99':>11}{'p99.9':>8}{'max':>8}")
    for mode, runs in results.items():
        for r in runs:
            print(f"{mode:<12}{r['commits']:>9}{r['slow']:>8}{r['commit_p50']:>8.2f}{r['commit_p99']:>8.2f}"
                  f"{r['commit_max']:>8.1f}{r['stall_p99']:>11.2f}{r['stall_p999']:>8.2f}{r['stall_max']:>8.1f}")
    slow = {mode: sum(r["slow"] for r in runs) for mode, runs in results.items()}
    worst = {mode: max(r["stall_max"] for r in runs) for mode, runs in results.items()}
    print(f"slow commits, thread / in commits: {slow['thread']} / {slow['in commits']}; "
          f"worst stall {worst['thread']:.1f} / {worst['in commits']:.1f} ms "
          f"({worst['thread'] / worst['in commits']:.2f}×)")


if __name__ == "__main__":
    main()
