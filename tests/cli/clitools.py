"""Shared names of the CLI tests: the emulator credentials and the `Run` result type."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

#: A distinctive key: no output, error or log line may ever contain it.
KEY = "Zq8SecretKey4Cli"
LOGIN = "0123456789abcdef0123"
#: A wrong key of the real shape (a short word like "wrong" would also appear in messages).
WRONG_KEY = "Xx9WrongKeyValue"


@dataclass(frozen=True)
class Run:
    """The result of one CLI invocation."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> object:
        """stdout parsed as one JSON document."""
        return json.loads(self.out)

    @property
    def json_lines(self) -> list[dict[str, object]]:
        """stdout parsed as JSON Lines: one object per line (batch commands)."""
        rows: list[dict[str, object]] = []
        for line in self.out.splitlines():
            value = json.loads(line)
            assert isinstance(value, dict), line
            rows.append(cast("dict[str, object]", value))
        return rows

    @property
    def err_lines(self) -> list[str]:
        """The non-empty lines written to stderr."""
        return [line for line in self.err.splitlines() if line.strip()]

    def assert_one_error_line(self) -> str:
        """Exactly one `streamtape...: error: ...` line on stderr, no traceback, no key."""
        assert len(self.err_lines) == 1, self.err
        line = self.err_lines[0]
        assert "error:" in line
        assert "Traceback" not in self.err
        assert KEY not in self.err
        assert KEY not in self.out
        return line


Runner = Callable[..., Run]
