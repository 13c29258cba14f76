"""Choosing the window toolkit: a missing one is named with the reason and the way to get it."""
from __future__ import annotations

import importlib.util

import pytest

from appliance.desktop.gui import NoWindow, choose


def test_no_display_is_said_first():
    with pytest.raises(NoWindow, match="no display"):
        choose("gtk", environ={})


@pytest.mark.skipif(importlib.util.find_spec("qtpy") is not None, reason="a Qt binding is installed here")
def test_a_missing_toolkit_says_why_and_how_to_get_it():
    with pytest.raises(NoWindow) as missing:
        choose("qt", environ={"DISPLAY": ":0"})
    message = str(missing.value)
    assert "qt: No module named 'qtpy'" in message
    assert "pip install PySide6-Essentials PySide6-Addons PySide6-WebEngine qtpy" in message
