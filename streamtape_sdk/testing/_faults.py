"""Fault injection: a thread-safe plan of "the next N requests to X fail like Y"."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum

#: The 18 API paths of the reference §2, without the leading slash.
API_ENDPOINTS: tuple[str, ...] = (
    "account/info",
    "file/dlticket",
    "file/dl",
    "file/info",
    "file/ul",
    "remotedl/add",
    "remotedl/remove",
    "remotedl/status",
    "file/listfolder",
    "file/createfolder",
    "file/renamefolder",
    "file/deletefolder",
    "file/rename",
    "file/move",
    "file/delete",
    "file/runningconverts",
    "file/failedconverts",
    "file/getsplash",
)

#: Pseudo-endpoints: the upload POST and the download-link GET.
UPLOAD = "upload"
DOWNLOAD = "download"
#: Thumbnail GETs are logged under this name (faults cannot target them).
THUMB = "thumb"
#: Captcha image GETs are logged under this name (faults cannot target them).
CAPTCHA = "captcha"
#: Requests no endpoint takes (unknown paths, wrong methods) are logged under this name.
UNKNOWN = "unknown"

FAULTABLE_ENDPOINTS: frozenset[str] = frozenset((*API_ENDPOINTS, UPLOAD, DOWNLOAD))


class Fault(str, Enum):
    """Ways a request can fail. Pass a member or its string value to ``inject``."""

    HTTP_500 = "http_500"
    """HTTP 500 with a JSON envelope ``status: 500``."""
    HTTP_502 = "http_502"
    """HTTP 502 with a JSON envelope ``status: 502``."""
    HTTP_503 = "http_503"
    """HTTP 503 with a JSON envelope ``status: 503``."""
    HTTP_429 = "http_429"
    """HTTP 429 with ``Retry-After: 1`` and a JSON envelope ``status: 429``."""
    JSON_509 = "json_509"
    """JSON ``status: 509`` "Bandwidth usage exceeded" (HTTP status per ``error_http_status``)."""
    HTML = "html"
    """HTTP 503 with a Cloudflare-like HTML page (``text/html``)."""
    HTML_200 = "html_200"
    """HTTP 200 with an HTML page (``text/html``)."""
    INVALID_JSON = "invalid_json"
    """HTTP 200, ``application/json``, truncated JSON body."""
    EMPTY = "empty"
    """HTTP 200 with an empty body."""
    SLOW = "slow"
    """Sleep ``delay`` seconds, then answer normally (state changes happen)."""
    DROP = "drop"
    """Process normally (state changes happen), send headers with the full
    Content-Length, send part of the body, then close the connection."""
    CLOUDFLARE_403 = "cloudflare_403"
    """HTTP 403 with a Cloudflare challenge HTML page (``text/html``) (§5.6 N14)."""
    STRING_STATUS = "string_status"
    """Process normally (state changes happen), but send the envelope ``status`` as a
    JSON string: ``"200"``, or the error code as a string (§5.6 N13)."""
    JSON_429 = "json_429"
    """``{"status": "429", "msg": "Too Many Requests", "result": null}``; HTTP 200, or
    HTTP 429 with ``error_http_status="mirror"``; no ``Retry-After`` (§5.6 N13)."""
    NULL_RESULT = "null_result"
    """Envelope ``status: 200``, ``msg: "OK"``, ``result: null``; nothing changes
    (``/file/dl``: §5.6 N9 "file vanished"; ``listfolder``: N16)."""
    RANGE_IGNORED = "range_ignored"
    """Download links only: HTTP 200 with the whole body, whatever ``Range`` asked."""
    SHORT_206 = "short_206"
    """Download links only: a 206 that ends before the requested end (the first half of
    the requested bytes, at least one), with a ``Content-Range`` naming the shorter
    range honestly. Without ``Range``, the "requested range" is the whole file."""
    WRONG_OFFSET_206 = "wrong_offset_206"
    """Download links only: a 206 whose body and ``Content-Range`` start at byte 0
    instead of the requested offset (same length as requested)."""


#: Faults that only make sense on a download link (``"download"``).
DOWNLOAD_ONLY_FAULTS: frozenset[Fault] = frozenset(
    (Fault.RANGE_IGNORED, Fault.SHORT_206, Fault.WRONG_OFFSET_206)
)
#: Faults that alter a JSON envelope, which download links do not send.
ENVELOPE_ONLY_FAULTS: frozenset[Fault] = frozenset(
    (Fault.STRING_STATUS, Fault.NULL_RESULT, Fault.JSON_429)
)
#: Faults that let the request be processed (state changes happen).
PROCESSING_FAULTS: frozenset[Fault] = frozenset(
    (Fault.SLOW, Fault.DROP, Fault.STRING_STATUS, *DOWNLOAD_ONLY_FAULTS)
)


def normalize_endpoint(endpoint: str) -> str:
    """``"/file/info"`` or ``"file/info"`` -> ``"file/info"``; validates the name.

    Raises:
        ValueError: not one of the 18 API paths, ``"upload"`` or ``"download"``.
    """
    name = endpoint.strip().strip("/")
    if name not in FAULTABLE_ENDPOINTS:
        allowed = ", ".join(sorted(FAULTABLE_ENDPOINTS))
        raise ValueError(f"unknown endpoint {endpoint!r}; expected one of: {allowed}")
    return name


@dataclass(frozen=True)
class ActiveFault:
    """One fault to apply to the current request."""

    fault: Fault
    delay: float


@dataclass
class _Pending:
    fault: Fault
    remaining: int
    delay: float


class FaultPlan:
    """Queued faults per endpoint; each request consumes at most one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, list[_Pending]] = {}

    def inject(self, endpoint: str, fault: Fault | str, times: int, delay: float) -> None:
        """Queue ``fault`` for the next ``times`` requests of ``endpoint``.

        Faults queued for the same endpoint apply one after the other, in order.

        Raises:
            ValueError: unknown endpoint or fault, a fault that cannot apply to that
                endpoint, ``times < 1`` or ``delay < 0``.
        """
        name = normalize_endpoint(endpoint)
        try:
            kind = Fault(fault)
        except ValueError:
            allowed = ", ".join(f.value for f in Fault)
            raise ValueError(f"unknown fault {fault!r}; expected one of: {allowed}") from None
        if kind in DOWNLOAD_ONLY_FAULTS and name != DOWNLOAD:
            raise ValueError(f"fault {kind.value!r} applies only to the 'download' endpoint")
        if kind in ENVELOPE_ONLY_FAULTS and name == DOWNLOAD:
            raise ValueError(f"fault {kind.value!r} alters a JSON envelope; 'download' has none")
        if times < 1:
            raise ValueError(f"times must be >= 1, got {times}")
        if delay < 0:
            raise ValueError(f"delay must be >= 0, got {delay}")
        with self._lock:
            self._queues.setdefault(name, []).append(_Pending(kind, times, delay))

    def take(self, endpoint: str) -> ActiveFault | None:
        """Consume and return the fault for one request to ``endpoint``, if any."""
        with self._lock:
            queue = self._queues.get(endpoint)
            if not queue:
                return None
            head = queue[0]
            head.remaining -= 1
            if head.remaining <= 0:
                queue.pop(0)
            return ActiveFault(head.fault, head.delay)

    def pending(self) -> dict[str, int]:
        """How many faulted requests are still queued, per endpoint."""
        with self._lock:
            return {k: sum(p.remaining for p in q) for k, q in self._queues.items() if q}

    def reset(self) -> None:
        """Forget every queued fault."""
        with self._lock:
            self._queues.clear()
