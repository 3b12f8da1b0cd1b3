"""What `import streamtape_sdk` loads (behaviour, not time: timings live in bench/run.py).

The package imports its errors and configuration only; the client (requests), the models
(pydantic) and the transfer code load on first use of a name that needs them, and nothing
loads the CLI, the emulator or their dependencies."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import streamtape_sdk

NEVER = ("werkzeug", "tqdm", "requests_toolbelt", "streamtape_sdk.cli", "streamtape_sdk.testing")


def _modules_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out))


def test_import_loads_neither_requests_nor_pydantic_models() -> None:
    loaded = _modules_after("import streamtape_sdk")
    for name in (*NEVER, "requests", "pydantic.main", "streamtape_sdk._client"):
        assert name not in loaded, name


def test_the_client_import_loads_no_cli_or_emulator() -> None:
    loaded = _modules_after("from streamtape_sdk import Streamtape")
    assert "streamtape_sdk._client" in loaded
    for name in NEVER:
        assert name not in loaded, name


@pytest.mark.parametrize("name", streamtape_sdk.__all__)
def test_every_public_name_resolves_and_is_listed(name: str) -> None:
    assert getattr(streamtape_sdk, name) is not None
    assert name in dir(streamtape_sdk)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Streamtap'"):
        getattr(streamtape_sdk, "Streamtap")  # noqa: B009
