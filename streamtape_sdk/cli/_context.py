"""What every command gets: the global settings, a lazily built client, output and progress."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from streamtape_sdk import DEFAULT_TIMEOUT, Streamtape
from streamtape_sdk._client import ENV_BASE_URL, ENV_KEY, ENV_LOGIN

from ._format import Symbols, symbols_for
from ._output import Printer
from ._progress import ProgressBar, interactive

__all__ = ["Context", "Settings"]


@dataclass(frozen=True)
class Settings:
    """The global options, after the environment filled in what the command line left out."""

    login: str | None
    key: str | None
    base_url: str | None
    timeout: float | None
    json: bool
    quiet: bool
    debug: bool

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        """Read the global options; `--login`/`--key`/`--base-url` win over the environment."""
        return cls(
            login=args.login or os.environ.get(ENV_LOGIN) or None,
            key=args.key or os.environ.get(ENV_KEY) or None,
            base_url=args.base_url or os.environ.get(ENV_BASE_URL) or None,
            timeout=args.timeout,
            json=bool(args.json),
            quiet=bool(args.quiet),
            debug=bool(args.debug),
        )


class Context:
    """Shared by the commands of one run. The client is created on first use, so commands
    that need none (`demo`, `fake-server`) never touch credentials."""

    def __init__(self, settings: Settings, printer: Printer) -> None:
        self.settings = settings
        self.printer = printer
        self.marks: Symbols = symbols_for()
        self._client: Streamtape | None = None

    @property
    def client(self) -> Streamtape:
        """The `Streamtape` client configured from the settings."""
        if self._client is None:
            settings = self.settings
            self._client = Streamtape(
                settings.login,
                settings.key,
                base_url=settings.base_url,
                timeout=DEFAULT_TIMEOUT if settings.timeout is None else settings.timeout,
            )
        return self._client

    @property
    def interactive(self) -> bool:
        """Whether progress bars and countdowns are drawn (a terminal, and not `--quiet`)."""
        return interactive(self.settings.quiet)

    def bar(self, description: str, waiting: str | None = None) -> ProgressBar:
        """A progress bar for a transfer (a no-op when not interactive)."""
        return ProgressBar(description, enabled=self.interactive, waiting=waiting)

    def close(self) -> None:
        """Release the client's connections."""
        if self._client is not None:
            self._client.close()
            self._client = None
