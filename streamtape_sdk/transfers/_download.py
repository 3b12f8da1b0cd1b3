"""The download destination check.

The download itself (resume state, validated ranges, retry budget) is a core flow,
`streamtape_sdk._core.download`, run by both clients.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["check_writable_dir"]


def check_writable_dir(directory: Path) -> None:
    """Fail early, with a clear message, when files cannot be created in `directory`."""
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot download into {str(directory)!r}: no such directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot download into {str(directory)!r}: it is not writable")
