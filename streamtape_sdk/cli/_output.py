"""What a command produced, and writing it: human text or one JSON document on stdout."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TextIO, cast, runtime_checkable

from ._format import printable

__all__ = ["CLIError", "Outcome", "Printer", "to_jsonable"]

MASK = "***"
#: Shorter "secrets" are not masked: replacing a 2-character string everywhere would mangle
#: output, and no real key is that short.
_MIN_SECRET_LENGTH = 4


class CLIError(Exception):
    """A failure the CLI itself detects (a missing extra, an impossible request)."""


@runtime_checkable
class _Dumpable(Protocol):
    """A pydantic model, recognised by its method so the CLI needs no pydantic import."""

    def model_dump(self, *, mode: str = ..., by_alias: bool = ...) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Outcome:
    """The result of one command.

    Attributes:
        data: what `--json` prints (models, dicts/lists of models, None for `{"ok": true}`).
        text: the human rendering, printed to stdout without `--json` (empty: print nothing).
        error: a failure to report after printing the result (exit status 1), e.g. some of
            the files asked about do not exist.
        streamed: the JSON form was already printed, as JSON Lines while items finished
            (batch commands); `--json` prints nothing more at the end.
    """

    data: object
    text: str
    error: str | None = None
    streamed: bool = False


def to_jsonable(value: object) -> object:
    """Turn a command's data into JSON-ready values.

    Models go through `model_dump(mode="json", by_alias=False)` (Python field names, ISO
    dates); mappings become objects, other iterables arrays, paths strings, and None (the
    result of rename, delete...) becomes `{"ok": true}` at the top level.
    """
    if value is None:
        return {"ok": True}
    return _convert(value)


def _convert(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, _Dumpable):
        return value.model_dump(mode="json", by_alias=False)
    if isinstance(value, Mapping):
        mapping = cast("Mapping[object, object]", value)
        return {str(key): _convert(item) for key, item in mapping.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(cast("os.PathLike[str]", value))
    if isinstance(value, Iterable):
        return [_convert(item) for item in cast("Iterable[object]", value)]
    return str(value)


class Printer:
    """Writes results and notes, masking the API key in everything it prints.

    The SDK already keeps the key out of its messages; this is the CLI's own guarantee,
    since the API documents `apiid` as "your api key" and a model dump is not redacted.
    """

    def __init__(
        self,
        *,
        json_mode: bool,
        secrets: Iterable[str | None] = (),
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.json_mode = json_mode
        self._secrets = sorted(
            {s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True
        )
        self._stdout = stdout
        self._stderr = stderr

    @property
    def stdout(self) -> TextIO:
        # Looked up at write time so pytest's capsys (which swaps sys.stdout) sees the text.
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    def add_secret(self, secret: str) -> None:
        """Also mask `secret` from now on (the demo's emulator key, for `--debug` logs)."""
        if len(secret) >= _MIN_SECRET_LENGTH and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """Return `text` with every known secret replaced by `***`."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def result(self, outcome: Outcome) -> None:
        """Print a command's result: one JSON document, or its human text.

        JSON strings stay exact; the few characters a terminal would act on that JSON allows
        raw (DEL, C1 controls, bidirectional overrides) are written as `\\uXXXX` escapes,
        which decode to the same string. A streamed result (JSON Lines) was printed already.
        """
        if self.json_mode and outcome.streamed:
            return
        if self.json_mode:
            self._json(json.dumps(to_jsonable(outcome.data), indent=2, ensure_ascii=False))
        elif outcome.text:
            self.line(outcome.text)

    def json_line(self, value: object) -> None:
        """Print one compact JSON object on one line (JSON Lines), flushed at once."""
        self._json(json.dumps(to_jsonable(value), ensure_ascii=False))

    def _json(self, document: str) -> None:
        document = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
        self.stdout.write(self.scrub(document) + "\n")
        self.stdout.flush()

    def line(self, text: str = "") -> None:
        """Print human text on stdout; control characters other than line breaks are escaped
        (the renderers escape line breaks inside server strings themselves)."""
        self.stdout.write(self.scrub(_terminal_safe(text)) + "\n")
        self.stdout.flush()

    def error(self, message: str) -> None:
        """Print the one-line `streamtape: error: ...` report on stderr."""
        one_line = printable(" ".join(message.split()))
        self.stderr.write(self.scrub(f"streamtape: error: {one_line}") + "\n")
        self.stderr.flush()

    def note(self, text: str) -> None:
        """Print an informational line on stderr (never mixed into stdout's results)."""
        self.stderr.write(self.scrub(_terminal_safe(text)) + "\n")
        self.stderr.flush()


# Raw in JSON text, yet acted on by terminals.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _terminal_safe(text: str) -> str:
    """Escape control characters except the line breaks the text is laid out with."""
    return "\n".join(printable(line) for line in text.split("\n"))
