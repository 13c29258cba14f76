"""A virtual X screen (Xvfb) for the desktop tests, and screenshots of it as PNG files.

Xvfb picks a free display number itself (-displayfd) and keeps its framebuffer in an XWD file
(-fbdir), which is read here: no screenshot tool is needed.
"""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import numpy as np


class Xvfb:
    def __init__(self, width: int = 1280, height: int = 860):
        self.size = (width, height)
        self.display: str | None = None
        self.process: subprocess.Popen | None = None
        self._fbdir = Path(tempfile.mkdtemp(prefix="hearth-xvfb-"))

    def start(self) -> "Xvfb":
        binary = shutil.which("Xvfb")
        if binary is None:
            raise RuntimeError("Xvfb is not installed: run scripts/ensure-desktop.sh (apt-get install xvfb)")
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [binary, "-displayfd", str(write), "-screen", "0", f"{self.size[0]}x{self.size[1]}x24",
             "-fbdir", str(self._fbdir), "-nolisten", "tcp"], pass_fds=(write,),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()  # blocks until Xvfb is ready to accept clients
        if not number:
            self.process.wait(5)
            raise RuntimeError(f"Xvfb did not start (exit code {self.process.returncode})")
        self.display = f":{number}"
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self._fbdir, ignore_errors=True)

    def pixels(self) -> np.ndarray:
        """The screen now, as an (height, width, 3) RGB array."""
        return read_xwd((self._fbdir / "Xvfb_screen0").read_bytes())


def read_xwd(data: bytes) -> np.ndarray:
    """Decode a 24/32-bit TrueColor XWD image (what Xvfb writes) to RGB."""
    header = struct.unpack(">25I", data[:100])
    header_size, _version, _format, depth, width, height = header[:6]
    byte_order, bits_per_pixel, bytes_per_line = header[7], header[11], header[12]
    red_mask, green_mask, blue_mask = header[14:17]
    ncolors = header[19]
    if bits_per_pixel != 32 or depth != 24:
        raise ValueError(f"unsupported XWD image: depth {depth}, {bits_per_pixel} bits per pixel")
    start = header_size + ncolors * 12
    rows = np.frombuffer(data, dtype=np.uint8, count=bytes_per_line * height, offset=start)
    words = rows.reshape(height, bytes_per_line)[:, :width * 4].copy().view("<u4" if byte_order == 0 else ">u4")
    channels = []
    for mask in (red_mask, green_mask, blue_mask):
        shift = (mask & -mask).bit_length() - 1
        channels.append(((words & mask) >> shift).astype(np.uint8))
    return np.stack(channels, axis=-1)


def write_png(path: Path, rgb: np.ndarray) -> None:
    """Save an RGB array as a PNG file (zlib only)."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
