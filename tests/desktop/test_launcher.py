"""`install-launcher` puts Hearth in the person's application menu: a valid freedesktop.org entry
that starts this very Hearth, with its icon, rewritten in place when Hearth's folder has moved."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from appliance.desktop import launcher
from tests.live import ROOT


def exec_argv(entry_text: str) -> list[str]:
    """The Exec line read as the Desktop Entry spec says: string escapes first, then the quoting."""
    line = next(l for l in entry_text.splitlines() if l.startswith("Exec="))[len("Exec="):]
    value = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), line)
    argv, arg, quoted, chars = [], None, False, iter(value)
    for ch in chars:
        if quoted and ch == "\\":
            arg += next(chars)
        elif ch == '"':
            quoted = not quoted
            arg = arg or ""
        elif ch == " " and not quoted:
            if arg is not None:
                argv.append(arg)
            arg = None
        else:
            arg = (arg or "") + ch
    if arg is not None:
        argv.append(arg)
    return [a.replace("%%", "%") for a in argv]


def test_the_command_writes_a_valid_entry_that_starts_this_hearth(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    done = subprocess.run([sys.executable, "run.py", "install-launcher"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "share" / "applications" / "hearth.desktop"
    assert str(entry) in done.stdout
    text = entry.read_text()
    assert exec_argv(text) == [sys.executable, str(ROOT / "run.py")]
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "hearth.svg"
    assert f"Icon={icon}" in text.splitlines() and icon.read_text().lstrip().startswith("<svg")
    assert os.access(entry, os.X_OK)
    if shutil.which("desktop-file-validate") is None:
        pytest.fail("desktop-file-validate is missing: scripts/ensure-desktop.sh installs desktop-file-utils")
    validated = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert validated.returncode == 0 and not validated.stdout.strip(), validated.stdout


def test_paths_with_spaces_quotes_and_percent_signs_survive_the_exec_line(tmp_path):
    folder = tmp_path / 'Hearth 100% "shop" $HOME'
    folder.mkdir()
    program = folder / "hearth"
    program.write_text("#!/bin/sh\n")
    entry = launcher.install(tmp_path / "share", [str(program)])
    assert exec_argv(entry.read_text()) == [str(program)]
    validated = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert validated.returncode == 0, validated.stdout


def test_installing_again_after_a_move_points_at_the_new_place(tmp_path):
    old, new = tmp_path / "old" / "hearth", tmp_path / "new" / "hearth"
    for program in (old, new):
        program.parent.mkdir()
        program.write_text("#!/bin/sh\n")
    launcher.install(tmp_path / "share", [str(old)])
    entry = launcher.install(tmp_path / "share", [str(new)])
    assert exec_argv(entry.read_text()) == [str(new)]
    assert sorted(p.name for p in entry.parent.iterdir()) == ["hearth.desktop"]  # no partial file left


def test_a_missing_program_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        launcher.install(tmp_path / "share", [str(tmp_path / "gone" / "hearth")])
    assert not (tmp_path / "share").exists()
