"""The pytest plugin: marker and ini configuration, and unfired faults failing a test.

Each case runs an inner pytest session in-process on a generated test file; the plugin
is loaded by its ``pytest11`` entry point there, as in a user's project.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


class _Outcomes:
    """Collects the inner session's reports: {test name: (setup, call, teardown) outcomes}."""

    def __init__(self) -> None:
        self.by_test: dict[str, dict[str, str]] = {}
        self.messages: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        name = report.nodeid.split("::")[-1]
        self.by_test.setdefault(name, {})[report.when] = report.outcome
        if report.failed:
            self.messages.append(report.longreprtext)


def _run(tmp_path: Path, source: str, ini: str = "") -> _Outcomes:
    (tmp_path / "pytest.ini").write_text(f"[pytest]\n{ini}\n")
    # A fresh module name per case: the inner sessions share this process's sys.modules.
    (tmp_path / f"test_{tmp_path.name}.py").write_text(textwrap.dedent(source))
    outcomes = _Outcomes()
    args = [str(tmp_path), "-q", "-p", "no:cacheprovider", "--import-mode=importlib"]
    pytest.main([*args, "--rootdir", str(tmp_path)], plugins=[outcomes])
    return outcomes


def test_marker_configures_the_fixture(tmp_path: Path) -> None:
    outcomes = _run(
        tmp_path,
        """
        import pytest, requests

        @pytest.mark.streamtape(wait_time=3, error_http_status="mirror",
                                strict_upload=False, files={"seed.mp4": b"abc"})
        def test_configured(fake_streamtape):
            (seed,) = fake_streamtape.files()
            assert seed.name == "seed.mp4"
            r = requests.get(fake_streamtape.base_url + "/file/dlticket",
                             params={"login": fake_streamtape.login,
                                     "key": fake_streamtape.key, "file": seed.id})
            assert r.json()["result"]["wait_time"] == 3
            assert requests.get(fake_streamtape.base_url + "/account/info").status_code == 403
            assert fake_streamtape._strict_upload is False

        def test_defaults(fake_streamtape):
            assert fake_streamtape.files() == []
            assert fake_streamtape._strict_upload is True
        """,
    )
    assert outcomes.by_test["test_configured"]["call"] == "passed", outcomes.messages
    assert outcomes.by_test["test_defaults"]["call"] == "passed", outcomes.messages


def test_ini_options_apply_and_markers_win(tmp_path: Path) -> None:
    outcomes = _run(
        tmp_path,
        """
        import pytest, requests

        def _wait(fake):
            file_id = fake.add_file("a.mp4", b"a")
            return requests.get(fake.base_url + "/file/dlticket",
                                params={"login": fake.login, "key": fake.key,
                                        "file": file_id}).json()["result"]["wait_time"]

        def test_from_ini(fake_streamtape):
            assert _wait(fake_streamtape) == 7
            assert fake_streamtape._strict_upload is False

        @pytest.mark.streamtape(wait_time=1)
        def test_marker_wins(fake_streamtape):
            assert _wait(fake_streamtape) == 1
        """,
        ini="streamtape_wait_time = 7\nstreamtape_strict_upload = false",
    )
    assert outcomes.by_test["test_from_ini"]["call"] == "passed", outcomes.messages
    assert outcomes.by_test["test_marker_wins"]["call"] == "passed", outcomes.messages


def test_unfired_faults_fail_at_teardown_unless_opted_out(tmp_path: Path) -> None:
    outcomes = _run(
        tmp_path,
        """
        import pytest

        def test_unfired(fake_streamtape):
            fake_streamtape.inject("/file/info", "http_503", times=2)

        @pytest.mark.streamtape(assert_all_faults_fired=False)
        def test_opted_out(fake_streamtape):
            fake_streamtape.inject("/file/info", "http_503")

        def test_fired(fake_streamtape, streamtape_client):
            fake_streamtape.inject("download", "http_429")
            import requests
            requests.get(fake_streamtape.base_url + "/dl/x/y")

        def test_failing_anyway(fake_streamtape):
            fake_streamtape.inject("/file/info", "http_503")
            assert False, "the test's own failure"
        """,
    )
    assert outcomes.by_test["test_unfired"] == {
        "setup": "passed",
        "call": "passed",
        "teardown": "failed",
    }
    assert any("file/info x2" in m and "assert_all_faults_fired" in m for m in outcomes.messages)
    assert outcomes.by_test["test_opted_out"]["teardown"] == "passed"
    assert outcomes.by_test["test_fired"]["teardown"] == "passed"
    # Only the test's own failure is reported, not a second one about its faults.
    assert outcomes.by_test["test_failing_anyway"]["call"] == "failed"
    assert outcomes.by_test["test_failing_anyway"]["teardown"] == "passed"


def test_unknown_marker_option_is_a_clear_error(tmp_path: Path) -> None:
    outcomes = _run(
        tmp_path,
        """
        import pytest

        @pytest.mark.streamtape(wait_tme=0)
        def test_typo(fake_streamtape):
            pass
        """,
    )
    assert outcomes.by_test["test_typo"]["setup"] == "failed"
    assert any("unknown option(s) wait_tme" in m for m in outcomes.messages)
