"""httpx2 is an optional extra: `import streamtape_sdk` never imports it, and building an
`AsyncStreamtape` without it raises an ImportError naming `streamtape-sdk[async]`."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_importing_the_package_does_not_import_httpx2() -> None:
    result = run(
        """
        import sys
        import streamtape_sdk
        from streamtape_sdk import AsyncStreamtape, Streamtape
        Streamtape("login", "key").close()
        optional = ("httpx2", "httpcore2", "anyio")
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in optional)
        print(loaded)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_building_the_async_client_without_httpx2_names_the_extra() -> None:
    result = run(
        """
        import sys
        sys.modules["httpx2"] = None  # as if it were not installed
        from streamtape_sdk import AsyncStreamtape
        try:
            AsyncStreamtape("login", "key")
        except ImportError as error:
            print(type(error).__name__, error)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "streamtape-sdk[async]" in result.stdout
    assert result.stdout.startswith("ImportError")
