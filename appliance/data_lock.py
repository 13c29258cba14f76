"""One Hearth process at a time owns a data folder's search indexes.

Chroma's embedded vector index is not safe to open from two processes: each keeps its own copy of
the index in memory and writes it back to the same files, so a command-line import beside a running
server, or two servers on one folder, can lose vectors or tear the index files. The server holds an
exclusive lock on ``hearth.lock`` in the data folder for as long as it runs; the commands that write
the indexes (``import-kb``, ``reindex``, ``restore`` over an installation) take the same lock or stop
with an error that says what to do, and a ``backup`` beside a running server leaves the indexes out
(Hearth rebuilds them from the database, its source of truth, when the backup is restored).

The lock is ``flock`` on an open file: the operating system drops it when the process ends, however
it ends (kill -9 included), so a crash never leaves the folder locked. The file itself stays; it
only says who holds the lock.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from .errors import HearthError

LOCK_FILE = "hearth.lock"


class DataFolderInUse(HearthError):
    """Another Hearth process holds the data folder."""

    status = 409
    code = "data_folder_in_use"

    def __init__(self, data_dir: Path, holder: str, advice: str):
        super().__init__(f"{holder} is using the data folder {data_dir}; {advice}")
        self.holder = holder


class DataLock:
    """The data folder's lock, held from ``acquire`` until ``release`` (or the process ends)."""

    def __init__(self, data_dir: Path, purpose: str):
        self.data_dir = Path(data_dir)
        self.purpose = purpose  # written into the file, shown to whoever finds the folder locked
        self._fd: int | None = None

    @property
    def path(self) -> Path:
        return self.data_dir / LOCK_FILE

    def try_acquire(self) -> str | None:
        """Take the lock; None when taken, else a description of the process holding it."""
        if self._fd is not None:
            return None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(os.pread(fd, 200, 0))
            os.close(fd)
            return holder
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {self.purpose}\n".encode(), 0)
        self._fd = fd
        return None

    def acquire(self, advice: str) -> "DataLock":
        """Take the lock or raise DataFolderInUse, whose message ends with ``advice``."""
        holder = self.try_acquire()
        if holder is not None:
            raise DataFolderInUse(self.data_dir, holder, advice)
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> "DataLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _describe(content: bytes) -> str:
    pid, _, purpose = content.decode("utf-8", "replace").strip().partition(" ")
    if not pid.isdigit():
        return "another Hearth process"
    return f"Hearth ({purpose or 'another command'}, process {pid})"
