from __future__ import annotations

from collections.abc import Iterator

import pytest

from streamtape_sdk.testing import FakeStreamtape
from tests.emulator.emulator_helpers import Api


@pytest.fixture
def fake() -> Iterator[FakeStreamtape]:
    with FakeStreamtape(conversion_seconds=0.3) as server:
        yield server


@pytest.fixture
def api(fake: FakeStreamtape) -> Iterator[Api]:
    helper = Api(fake)
    yield helper
    helper.session.close()
