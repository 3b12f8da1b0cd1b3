"""Property: whatever a link host does between attempts (drops, short ranges, wrong ranges,
wrong totals, ignored ranges, 429s, 503s, expiry), a download ends in exactly one of two
ways: the byte-identical file at `dest`, or a typed `StreamtapeError` with nothing at `dest`.

Tickets come from the emulator; the link host is `tests.linkhost`, scripted per example.
Hypothesis runs derandomized (stable in CI).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from streamtape_sdk import RetryPolicy, Streamtape, StreamtapeError
from streamtape_sdk._core.effects import Flow
from streamtape_sdk._core.files import FilesCore
from streamtape_sdk.models import DownloadLink
from streamtape_sdk.testing import FakeStreamtape
from streamtape_sdk.transfers import state_paths
from tests.linkhost import LinkHost, link_host

STEPS = (
    "ok",
    "drop",
    "short",
    "wrong_offset",
    "wrong_total",
    "ignore_range",
    "429",
    "403",
    "503",
)
CONTENT = os.urandom(96 * 1024)


class Env:
    def __init__(self, fake: FakeStreamtape, host: LinkHost, client: Streamtape) -> None:
        self.fake = fake
        self.host = host
        self.client = client
        self.file_id = fake.add_file("prop.bin", CONTENT)


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    real = FilesCore.get_download_link
    with FakeStreamtape() as fake, link_host(CONTENT) as host:

        def get_link(self: FilesCore, *args: object, **kwargs: object) -> Flow[DownloadLink]:
            link = yield from real(self, *args, **kwargs)  # type: ignore[arg-type]
            return link.model_copy(update={"url": host.url})

        patch = pytest.MonkeyPatch()
        patch.setattr(FilesCore, "get_download_link", get_link)
        retry = RetryPolicy(max_retries=2, base_delay=0.0, max_retry_after=10.0)
        client = Streamtape(fake.login, fake.key, base_url=fake.base_url, retry=retry)
        client._transport.sleep = lambda _seconds: None
        try:
            yield Env(fake, host, client)
        finally:
            client.close()
            patch.undo()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    script=st.lists(st.sampled_from(STEPS), max_size=12),
    resume_first=st.booleans(),
)
@pytest.mark.slow
def test_a_download_is_byte_identical_or_a_typed_error_with_nothing_at_dest(
    env: Env, script: list[str], resume_first: bool
) -> None:
    env.host.script.clear()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        dest = out / "prop.bin"
        if resume_first:  # start from kept state: the first call stops after a drop
            env.host.push("drop", "403", "403", "403", "403")
            with pytest.raises(StreamtapeError):
                env.client.files.download(env.file_id, dest)
            assert not dest.exists()
        env.host.script.clear()
        env.host.push(*script)
        try:
            path = env.client.files.download(env.file_id, dest)
        except StreamtapeError as error:
            event(f"error: {type(error).__name__}")
            assert not dest.exists()
            assert not os.path.lexists(state_paths(dest, env.file_id)[2])  # lock released
        else:
            event("published")
            assert path == dest
            assert dest.read_bytes() == CONTENT
            assert sorted(p.name for p in out.iterdir()) == ["prop.bin"]
