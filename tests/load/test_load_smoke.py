"""The load benchmark's fast version: a few dozen visitors against a real Hearth process and the bare
baseline. Checks what must hold at any size (nothing lost, no errors), never the timings."""
from benchmarks import load


def test_small_load_loses_nothing(tmp_path):
    figures = load.main(["--visitors", "40", "--agents", "3", "--duration", "6", "--interval", "2",
                         "--json", str(tmp_path / "load.json")])
    hearth = figures["hearth"]
    assert hearth["visitors_connected"] == 40
    assert hearth["errors"] == 0, hearth["error_examples"]
    assert hearth["acked"] >= 40  # every visitor sent at least once in 6 s at one message per 2 s
    assert hearth["lost_not_stored"] == 0
    assert hearth["lost_not_delivered"] == 0
    assert hearth["stored"] == hearth["acked"]
    assert hearth["replies_received"] == hearth["replies_sent"] > 0
    assert figures["baseline"]["lost_not_delivered"] == 0
    assert (tmp_path / "load.json").exists()
