"""The Python versions the package promises are exactly the ones CI tests.

pyproject.toml's classifiers and `requires-python` are what installers and PyPI show; `.ci/run`
runs the suite on python3 and on each version in its OTHER_PYTHONS. (tomllib is 3.11+, and
the suite runs on 3.10 too: the few lines needed are read with regular expressions.)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
CI_RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _version_key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def _classified() -> list[str]:
    found = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', PYPROJECT)
    return sorted(found, key=_version_key)


def _ci_tested() -> list[str]:
    match = re.search(r"^OTHER_PYTHONS=\(([^)]*)\)", CI_RUN, flags=re.MULTILINE)
    assert match, "OTHER_PYTHONS=(...) not found in .ci/run"
    main = "3.11"  # python3 on the CI machine (docs/performance.md: CPython 3.11.7)
    return sorted({main, *match.group(1).split()}, key=_version_key)


def test_classifiers_list_exactly_the_tested_versions() -> None:
    assert _classified() == _ci_tested()


def test_requires_python_starts_at_the_oldest_tested_version() -> None:
    match = re.search(r'^requires-python = ">=(3\.\d+)"$', PYPROJECT, flags=re.MULTILINE)
    assert match, "requires-python must be a plain lower bound"
    assert match.group(1) == _ci_tested()[0]


def test_this_interpreter_is_one_of_them() -> None:
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert running in _classified(), f"the suite runs on {running}, which is not classified"
