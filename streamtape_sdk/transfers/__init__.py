"""Streaming transfers: multipart upload from disk, resumable download, progress protocol.

Depends on the transport only; the resources turn its results into models.
"""

from ._download import check_writable_dir
from ._manifest import Manifest, ManifestEntry
from ._outcome import BatchEvent, BatchListener, TransferOutcome, TransferState
from ._progress import ProgressCallback
from ._resume import STATE_SUFFIXES, state_base, state_paths
from ._source import CHUNK_SIZE, SourceLike, UploadSource, open_source, sha256_hex

__all__ = [
    "CHUNK_SIZE",
    "STATE_SUFFIXES",
    "BatchEvent",
    "BatchListener",
    "Manifest",
    "ManifestEntry",
    "ProgressCallback",
    "SourceLike",
    "TransferOutcome",
    "TransferState",
    "UploadSource",
    "check_writable_dir",
    "open_source",
    "sha256_hex",
    "state_base",
    "state_paths",
]
