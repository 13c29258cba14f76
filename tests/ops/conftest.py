import pytest

from tests.ops.receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()

