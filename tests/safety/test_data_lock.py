"""One process at a time owns a data folder's indexes (appliance/data_lock.py): a second server, a
command-line import or reindex, or a restore over the folder is refused while the server runs, with
what to do instead; a backup beside it leaves the indexes out; a killed holder frees the folder."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from appliance.data_lock import DataFolderInUse, DataLock
from tests.live import NO_MODELS, ROOT, LiveServer, cli, company_data_dir, free_port


def test_a_second_holder_is_told_who_holds_the_folder(tmp_path):
    first = DataLock(tmp_path, "the server").acquire(advice="stop it first")
    with pytest.raises(DataFolderInUse) as refused:
        DataLock(tmp_path, "the import-kb command").acquire(advice="try later")
    assert refused.value.message == (f"Hearth (the server, process {os.getpid()}) is using the data "
                                     f"folder {tmp_path}; try later")
    assert DataLock(tmp_path, "the backup command").try_acquire() == refused.value.holder
    first.release()
    with DataLock(tmp_path, "the import-kb command") as again:
        assert again.try_acquire() is None and again.held


def test_a_killed_holder_leaves_the_folder_free(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from appliance.data_lock import DataLock; "
                               "DataLock(sys.argv[1], 'the server').acquire(advice=''); print('held', flush=True); "
                               "time.sleep(120)", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert DataLock(tmp_path, "a test").try_acquire() == f"Hearth (the server, process {holder.pid})"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    deadline = time.monotonic() + 10
    lock = DataLock(tmp_path, "a test")
    while lock.try_acquire() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lock.held
    lock.release()


def test_while_the_server_runs_index_writers_are_refused_and_a_backup_leaves_the_indexes_out(tmp_path):
    data = company_data_dir(tmp_path / "data", settings=NO_MODELS)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hours.md").write_text("# Opening hours\n\nMonday to Saturday, 9 to 6.\n")
    pass_file = tmp_path / "pass"
    pass_file.write_text("a long backup passphrase")
    server = LiveServer(data).start()
    try:
        held_by = f"Hearth (the server, process {server.process.pid}) is using the data folder {data.resolve()}"
        imported = cli(data, "import-kb", "--company", "shop", str(docs))
        assert imported.returncode == 1 and held_by in imported.stderr and "Import files" in imported.stderr
        reindexed = cli(data, "reindex", "--company", "shop")
        assert reindexed.returncode == 1 and held_by in reindexed.stderr and "stop Hearth" in reindexed.stderr
        second = cli(data, "serve", "--host", "127.0.0.1", "--port", str(free_port()))
        assert second.returncode == 1 and held_by in second.stderr and "another --data-dir" in second.stderr
        for refused in (imported, reindexed, second):
            assert "Traceback" not in refused.stderr

        backup = cli(data, "backup", "--out", str(tmp_path / "b.hearthbak"), "--passphrase-file", str(pass_file))
        assert backup.returncode == 0, backup.stderr
        assert "the search indexes were left out" in backup.stdout
        restored = cli(data, "restore", "--in", str(tmp_path / "b.hearthbak"), "--passphrase-file", str(pass_file),
                       "--force")
        assert restored.returncode == 1 and held_by in restored.stderr and "before restoring" in restored.stderr
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as response:
            assert json.load(response)["status"] == "ok"  # the refused commands left the running server alone
    finally:
        server.stop()

    after = cli(data, "import-kb", "--company", "shop", str(docs))  # stopped: the folder is free again
    assert after.returncode == 0, after.stderr
    assert "imported 1 articles" in after.stdout
