from datetime import datetime

import pytest

from appliance.app import create_app
from appliance.db import close_database
from appliance.services import run_now
from tests.ops.receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


class Clock:
    """An injected clock that tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def clocked_app(settings, clock):
    """The shared fixture's app, on the injected clock (tests override ``app`` with it)."""
    app = create_app(settings, async_mode="threading", clock=clock, spawn=run_now)
    app.config["TESTING"] = True
    yield app
    close_database()
