"""Backup and restore speed and memory on a synthetic installation with a large index file.

    python -m benchmarks.backup_speed [--mib 200]
"""
from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from appliance.backup import restore_backup, write_backup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=200, help="size of the synthetic index file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        (data / "chroma").mkdir(parents=True)
        sqlite3.connect(data / "hearth.db").execute("CREATE TABLE t (x)").connection.close()
        with open(data / "chroma" / "index.bin", "wb") as fh:
            for _ in range(args.mib):
                fh.write(os.urandom(1024 * 1024))
        started = time.perf_counter()
        out = write_backup(data, Path(tmp) / "b.hearthbak", "a long passphrase")
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        restore_backup(out, Path(tmp) / "restored", "a long passphrase")
        restore_s = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.mib} MiB of index: backup {backup_s:.1f} s, restore {restore_s:.1f} s, peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
