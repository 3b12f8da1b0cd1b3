"""The `streamtape` command line (install the `cli` extra for progress bars).

Run `streamtape --help`, or `streamtape demo` for a tour of the whole API against a local
emulator. `main` is also callable from Python: `main(["ls", "--json"])` returns the exit status.
"""

from ._app import main

__all__ = ["main"]
