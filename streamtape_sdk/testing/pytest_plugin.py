"""pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

- ``fake_streamtape``: a started :class:`~streamtape_sdk.testing.FakeStreamtape`, stopped
  after the test.
- ``streamtape_client``: ``fake_streamtape.client()`` with default settings, closed after.
- ``async_streamtape_client``: ``fake_streamtape.async_client()`` (an ``AsyncStreamtape``),
  closed after. An ``async def`` fixture: it needs an async test runner. anyio's pytest
  plugin comes with httpx2's ``anyio`` dependency: mark the test ``@pytest.mark.anyio``.

Configuration without writing a fixture, closest first:

1. the marker ``@pytest.mark.streamtape(...)`` on the test, its class or its module,
   taking any ``FakeStreamtape`` keyword (``wait_time=0``, ``error_http_status="mirror"``,
   ``strict_upload=False``, ``max_link_connections=4``, ...) plus
   ``files={"name.mp4": b"bytes"}`` (seeded into the root folder; the ids are in
   ``fake_streamtape.files()``) and ``assert_all_faults_fired=False``;
2. ini options ``streamtape_wait_time``, ``streamtape_error_http_status``,
   ``streamtape_strict_upload``, ``streamtape_assert_all_faults_fired``.

A fault injected with ``inject`` but never fired fails the test at teardown (like
``responses``' unused mocks), unless the test already failed or the check is switched off.

werkzeug is imported only when a fixture is used, so installing the SDK without the
``testing`` extra does not break pytest runs that never ask for these fixtures.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, cast

import pytest

if TYPE_CHECKING:
    from streamtape_sdk import AsyncStreamtape, Streamtape
    from streamtape_sdk.testing import FakeStreamtape

MARKER = "streamtape"
_PLUGIN_KEYS = ("files", "assert_all_faults_fired")
_CALL_FAILED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("streamtape_wait_time", "fake_streamtape: ticket wait_time (s)", default="0")
    parser.addini(
        "streamtape_error_http_status",
        "fake_streamtape: HTTP status of error envelopes ('200' or 'mirror')",
        default="200",
    )
    parser.addini(
        "streamtape_strict_upload",
        "fake_streamtape: refuse chunked uploads and odd part headers (N7)",
        type="bool",
        default=True,
    )
    parser.addini(
        "streamtape_assert_all_faults_fired",
        "fake_streamtape: fail a test that leaves injected faults unfired",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): configure the fake_streamtape fixture (FakeStreamtape "
        "keywords, files={name: bytes}, assert_all_faults_fired=bool)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _options(request: pytest.FixtureRequest) -> dict[str, object]:
    """Ini options, overridden by markers from the farthest (module) to the closest."""
    from streamtape_sdk.testing import FakeStreamtape

    config = request.config
    status = str(config.getini("streamtape_error_http_status"))
    if status not in ("200", "mirror"):
        raise pytest.UsageError(f"streamtape_error_http_status must be 200 or mirror: {status!r}")
    try:
        wait_time = int(str(config.getini("streamtape_wait_time")))
    except ValueError:
        raise pytest.UsageError("streamtape_wait_time must be an integer") from None
    options: dict[str, object] = {
        "wait_time": wait_time,
        "error_http_status": status,
        "strict_upload": bool(config.getini("streamtape_strict_upload")),
        "assert_all_faults_fired": bool(config.getini("streamtape_assert_all_faults_fired")),
    }
    allowed = set(inspect.signature(FakeStreamtape).parameters) | set(_PLUGIN_KEYS)
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        unknown = sorted(set(marker.kwargs) - allowed)
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.{MARKER}: unknown option(s) {', '.join(unknown)}; "
                f"expected some of: {', '.join(sorted(allowed))}"
            )
        options.update(marker.kwargs)
    return options


def _seed_files(value: object) -> dict[str, bytes | str]:
    """Check the marker's ``files=`` option: a mapping of names to bytes or str."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        checked: dict[str, bytes | str] = {}
        for name, content in cast("Mapping[object, object]", value).items():
            if not isinstance(name, str) or not isinstance(content, (bytes, str)):
                break
            checked[name] = content
        else:
            return checked
    raise pytest.UsageError(f"@pytest.mark.{MARKER}(files=...) must map names to bytes or str")


@pytest.fixture
def fake_streamtape(request: pytest.FixtureRequest) -> Iterator[FakeStreamtape]:
    """A running Streamtape emulator with random credentials, stopped after the test.

    Configure it with ``@pytest.mark.streamtape(...)`` or the ``streamtape_*`` ini options.
    """
    from streamtape_sdk.testing import FakeStreamtape

    options = _options(request)
    check_faults = bool(options.pop("assert_all_faults_fired"))
    files = _seed_files(options.pop("files", None))
    fake = FakeStreamtape(**options)  # type: ignore[arg-type]
    fake.start()
    try:
        for name, content in files.items():
            fake.add_file(name, content)
        yield fake
        pending = fake.pending_faults()
        if check_faults and pending and not request.node.stash.get(_CALL_FAILED, False):
            listed = ", ".join(f"{endpoint} x{n}" for endpoint, n in sorted(pending.items()))
            pytest.fail(
                f"injected faults never fired: {listed}. Remove them, or mark the test "
                f"@pytest.mark.{MARKER}(assert_all_faults_fired=False).",
                pytrace=False,
            )
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


@pytest.fixture
async def async_streamtape_client(
    fake_streamtape: FakeStreamtape,
) -> AsyncIterator[AsyncStreamtape]:
    """An ``AsyncStreamtape`` talking to ``fake_streamtape``, closed after the test.

    Needs the ``async`` extra and an async test runner: mark the test ``@pytest.mark.anyio``
    (anyio's pytest plugin is installed with httpx2).
    """
    client = fake_streamtape.async_client()
    try:
        yield client
    finally:
        await client.aclose()
