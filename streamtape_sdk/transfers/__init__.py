"""Streaming transfers: multipart upload from disk, resumable download, progress protocol.

Depends on the transport only; the resources turn its results into models.
"""

from ._download import PART_SUFFIX, DownloadTarget, check_writable_dir, fetch_to_file, part_path
from ._manifest import Manifest, ManifestEntry
from ._outcome import BatchEvent, BatchListener, TransferOutcome, TransferState
from ._progress import ProgressCallback
from ._source import CHUNK_SIZE, SourceLike, UploadSource, open_source, sha256_hex
from ._upload import post_upload

__all__ = [
    "CHUNK_SIZE",
    "PART_SUFFIX",
    "BatchEvent",
    "BatchListener",
    "DownloadTarget",
    "Manifest",
    "ManifestEntry",
    "ProgressCallback",
    "SourceLike",
    "TransferOutcome",
    "TransferState",
    "UploadSource",
    "check_writable_dir",
    "fetch_to_file",
    "open_source",
    "part_path",
    "post_upload",
    "sha256_hex",
]
