"""One encrypted file holding a whole installation, and bringing it back.

File format (``HEARTHBK1``): a header (magic, scrypt salt and cost, a passphrase check value), then the payload — a tar
stream of the files below — in authenticated chunks: AES-256-GCM with a key derived from the
passphrase by scrypt; each chunk's nonce is a per-file random prefix plus the chunk's number, and
its associated data binds the header, the number and a "last chunk" flag, so a chunk that is
changed, moved, dropped or cut off fails to decrypt. Chunks are 1 MiB: nothing needs to fit in memory.

What is inside: ``hearth.db`` (taken with SQLite's online backup API: consistent while Hearth
runs), ``chroma/`` (the vector indexes, copied while nothing can write them: under the knowledge
service's index lock when the server takes the backup, under the data folder's lock
(appliance/data_lock.py) when the command line does), ``settings.json``, ``installation.json``,
``secret.key``, ``cloud-api.key`` and ``manifest.json``. The command line cannot stop a running
server's writes to the indexes, so beside a running server it leaves them out; SQLite is the
source of truth, and the restored Hearth rebuilds missing or out-of-step indexes from it at its
first start.
"""
from __future__ import annotations

import contextlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import struct
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, ContextManager

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .data_lock import LOCK_FILE

MAGIC = b"HEARTHBK1"
CHUNK = 1024 * 1024
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1
_HEADER = struct.Struct(">9s16sIBB4s16s")  # magic, salt, n, r, p, nonce prefix, passphrase check
_LENGTH = struct.Struct(">I")
KEY_FILES = ("secret.key", "cloud-api.key", "installation.json")
INDEX_DIR = "chroma"
PLAIN_FILES = ("settings.json",)
MIN_PASSPHRASE = 8


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    """The AES key and a check value that tells a wrong passphrase from a changed file."""
    derived = Scrypt(salt=salt, length=48, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return derived[:32], derived[32:]


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts into ``out`` chunk by chunk; close() seals the last chunk."""

    def __init__(self, out: BinaryIO, passphrase: str):
        salt, prefix = os.urandom(16), os.urandom(4)
        key, check = _key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        self._header = _HEADER.pack(MAGIC, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, prefix, check)
        self._aead = AESGCM(key)
        self._prefix, self._out, self._buffer, self._number = prefix, out, bytearray(), 0
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = self._prefix + struct.pack(">Q", self._number)
        sealed = self._aead.encrypt(nonce, plain, self._header + struct.pack(">Q?", self._number, last))
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._number += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only stream of the plaintext; raises BackupError on a wrong passphrase or damage."""

    def __init__(self, source: BinaryIO, passphrase: str):
        header = source.read(_HEADER.size)
        if len(header) < _HEADER.size or not header.startswith(MAGIC):
            raise BackupError("this is not a Hearth backup file (or its start is damaged)")
        _magic, salt, n, r, p, prefix, check = _HEADER.unpack(header)
        if n > 2 ** 20 or r > 16 or p > 4 or n < 2 or n & (n - 1):
            raise BackupError("the backup file's header is damaged (impossible key-derivation cost)")
        key, expected = _key(passphrase, salt, n, r, p)
        if not hmac.compare_digest(expected, check):
            raise BackupError("wrong passphrase (or the backup file's header was changed)")
        self._aead = AESGCM(key)
        self._header, self._prefix, self._source = header, prefix, source
        self._number, self._plain, self._done = 0, b"", False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        raw_length = self._source.read(_LENGTH.size)
        if len(raw_length) < _LENGTH.size:
            raise BackupError("the backup file is cut short: it ends before its last part")
        (length,) = _LENGTH.unpack(raw_length)
        sealed = self._source.read(length)
        if len(sealed) < length or length > CHUNK + 16:
            raise BackupError("the backup file is cut short or damaged")
        nonce = self._prefix + struct.pack(">Q", self._number)
        for last in (False, True):
            try:
                self._plain = self._aead.decrypt(nonce, sealed, self._header + struct.pack(">Q?", self._number, last))
            except InvalidTag:
                continue
            self._done = last
            break
        else:
            raise BackupError(f"the backup file was changed or damaged (part {self._number + 1} fails its check)")
        self._number += 1
        if self._done and self._source.read(1):
            raise BackupError("the backup file has data after its last part: it was changed")

    def readinto(self, buffer) -> int:
        while not self._plain and not self._done:
            self._next_chunk()
        n = min(len(buffer), len(self._plain))
        buffer[:n] = self._plain[:n]
        self._plain = self._plain[n:]
        return n

    @property
    def finished(self) -> bool:
        """True once the sealed last chunk was read and checked (nothing is missing)."""
        return self._done and not self._plain


def snapshot_database(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (online backup API; WAL writers may continue)."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst, pages=1024)
    finally:
        src.close()
        dst.close()


def stage(data_dir: Path, scratch: Path, *, index_lock: ContextManager | None = None,
          snapshot=None, with_indexes: bool = True) -> None:
    """Gather a consistent copy of the installation in ``scratch``: the database through the online
    backup API, the vector indexes under ``index_lock`` (unless ``with_indexes`` is false), settings
    and keys. ``snapshot`` runs the database copy (the server passes its thread pool so the event
    loop keeps serving)."""
    if not (data_dir / "hearth.db").exists():
        raise BackupError(f"{data_dir} holds no Hearth database")
    (snapshot or (lambda fn, *a: fn(*a)))(snapshot_database, data_dir / "hearth.db", scratch / "hearth.db")
    for name in PLAIN_FILES + KEY_FILES:
        if (data_dir / name).is_file():
            shutil.copy2(data_dir / name, scratch / name)
    chroma = data_dir / INDEX_DIR
    if with_indexes and chroma.is_dir():
        with index_lock or contextlib.nullcontext():  # nothing writes the index files while they are copied
            shutil.copytree(chroma, scratch / INDEX_DIR)


def seal(scratch: Path, out: Path, passphrase: str, manifest: dict | None = None) -> Path:
    """Write the staged files as one encrypted file at ``out`` (atomically, owner-only)."""
    check_passphrase(passphrase)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    info = {"format": 1, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **(manifest or {})}
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh, EncryptingWriter(fh, passphrase) as sealed, \
                tarfile.open(fileobj=sealed, mode="w|") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(info, indent=2).encode())
            for item in sorted(scratch.iterdir()):
                tar.add(item, arcname=item.name)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out


def check_passphrase(passphrase: str) -> None:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"the passphrase must be at least {MIN_PASSPHRASE} characters long")


def write_backup(data_dir: Path, out: Path, passphrase: str, *, with_indexes: bool = True,
                 manifest: dict | None = None) -> Path:
    """Stage and seal in one go (the command line, which holds the data folder's lock when
    ``with_indexes``)."""
    check_passphrase(passphrase)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".hearth-backup-") as scratch:
        stage(data_dir, Path(scratch), with_indexes=with_indexes)
        return seal(Path(scratch), out, passphrase, manifest)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size, member.mode = len(data), 0o600
    member.mtime = int(datetime.now(timezone.utc).timestamp())
    tar.addfile(member, io.BytesIO(data))


def restore_backup(backup: Path, data_dir: Path, passphrase: str, *, force: bool = False) -> dict:
    """Bring a backup back into ``data_dir``. Everything is decrypted and checked in a scratch
    folder first: a wrong passphrase or a changed file writes nothing. Returns the manifest."""
    if not backup.is_file():
        raise BackupError(f"no such backup file: {backup}")
    if data_dir.exists() and any(p.name != LOCK_FILE for p in data_dir.iterdir()) and not force:
        raise BackupError(f"{data_dir} is not empty; restore into an empty folder, or pass --force to replace "
                          "the installation there")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=data_dir.parent, prefix=f".{data_dir.name}-restore-"))
    try:
        with open(backup, "rb") as fh:
            reader = DecryptingReader(fh, passphrase)
            buffered = io.BufferedReader(reader, CHUNK)
            try:
                with tarfile.open(fileobj=buffered, mode="r|") as tar:
                    tar.extractall(scratch, filter="data")
                while buffered.read(CHUNK):  # tar's end blocks: read to the sealed end
                    pass
            except tarfile.TarError as exc:
                raise BackupError(f"the backup's contents are not readable ({exc})") from exc
            if not reader.finished:
                raise BackupError("the backup file is cut short: it ends before its last part")
        manifest_path = scratch / "manifest.json"
        if not manifest_path.is_file() or not (scratch / "hearth.db").is_file():
            raise BackupError("the backup holds no Hearth database")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest_path.unlink()
        for name in KEY_FILES:
            if (scratch / name).exists():
                os.chmod(scratch / name, 0o600)
        data_dir.mkdir(parents=True, exist_ok=True)
        # Everything a backup may hold is replaced, also where this backup lacks it: the old
        # installation's cloud key or settings must not outlive a restore of one without them, and
        # its indexes belong to its own database (Hearth rebuilds them from the restored one).
        replaced = {p.name for p in scratch.iterdir()} | set(KEY_FILES) | set(PLAIN_FILES) | {
            "hearth.db", "hearth.db-wal", "hearth.db-shm", INDEX_DIR}
        for child in list(data_dir.iterdir()):
            if child.name in replaced:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        for item in scratch.iterdir():
            os.replace(item, data_dir / item.name)
        return manifest
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
