"""pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

- ``fake_streamtape``: a started :class:`~streamtape_sdk.testing.FakeStreamtape`, stopped
  after the test.
- ``streamtape_client``: ``fake_streamtape.client()`` with default settings, closed after.

werkzeug is imported only when a fixture is used, so installing the SDK without the
``testing`` extra does not break pytest runs that never ask for these fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from streamtape_sdk import Streamtape
    from streamtape_sdk.testing import FakeStreamtape


@pytest.fixture
def fake_streamtape() -> Iterator[FakeStreamtape]:
    """A running Streamtape emulator with random credentials, stopped after the test."""
    from streamtape_sdk.testing import FakeStreamtape

    fake = FakeStreamtape()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def streamtape_client(fake_streamtape: FakeStreamtape) -> Iterator[Streamtape]:
    """A ``Streamtape`` client talking to ``fake_streamtape``, closed after the test."""
    client = fake_streamtape.client()
    try:
        yield client
    finally:
        client.close()
