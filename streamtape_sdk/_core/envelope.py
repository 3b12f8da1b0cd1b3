"""Turning a reply into a `result` or a `StreamtapeError`, without I/O.

The one decoder of the `{status, msg, result}` envelope, shared by both drivers: the JSON
`status` decides, whatever the HTTP status; an HTTP 5xx/429 without the envelope is a
retryable `APIError`; any other body that is not the envelope is a `ResponseFormatError`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import cast

from .._endpoints import Endpoint
from .._redaction import mask_param, redact
from ..errors import ResponseFormatError, error_for_status
from .effects import Reply

__all__ = ["decode_envelope", "describe_params", "drop_none", "parse_retry_after"]

ParamValue = str | int | None

_SNIPPET_CHARS = 120
_DETAIL_VALUE_CHARS = 60


def drop_none(params: Mapping[str, ParamValue]) -> dict[str, str]:
    """The query parameters to send: None values left out, the rest as strings."""
    return {name: str(value) for name, value in params.items() if value is not None}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no zone information, not local time
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - time.time())


def describe_params(params: Mapping[str, ParamValue], endpoint: Endpoint) -> str | None:
    """`file='abc', name='x'`: the caller's parameters (never credentials, secret parameters
    masked) for messages."""
    secret = dict(endpoint.secret_params)
    parts: list[str] = []
    for name, value in params.items():
        if value is None:
            continue
        text = str(value)
        if name in secret:
            text = mask_param(secret[name], text)
        if len(text) > _DETAIL_VALUE_CHARS:
            text = text[:_DETAIL_VALUE_CHARS] + "..."
        parts.append(f"{name}={text!r}")
    return redact(", ".join(parts)) or None


def _describe_body(body: bytes, content_type: str) -> str:
    text = body.lstrip()[:64].lower()
    if not body.strip():
        return "an empty body"
    if "html" in content_type.lower() or text.startswith((b"<!doctype", b"<html", b"<")):
        return "an HTML page (an error or challenge page from the CDN in front of the API)"
    return "a body that is not valid JSON"


def snippet(body: bytes) -> str:
    """The start of a body for an error message, whitespace folded, secrets masked."""
    # Redact before cutting: a key straddling the cut would not be recognised afterwards.
    text = redact(" ".join(body[: _SNIPPET_CHARS * 4].decode("utf-8", "replace").split()))
    if len(text) > _SNIPPET_CHARS:
        text = text[:_SNIPPET_CHARS] + "..."
    return text


def decode_envelope(reply: Reply, endpoint: Endpoint, detail: str | None = None) -> object:
    """Unwrap `{status, msg, result}` and return `result`.

    `detail` names the request in error messages (e.g. `file='abc'`).

    Raises:
        APIError: the envelope's status is not 200 (or HTTP 5xx/429 without an envelope).
        ResponseFormatError: the body is not the envelope.
    """
    body = reply.body
    http_status = reply.status
    retry_after = parse_retry_after(reply.header("Retry-After"))
    try:
        data: object = json.loads(body) if body.strip() else None
        parsed = True
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        data, parsed = None, False
    envelope = cast("dict[str, object]", data) if isinstance(data, dict) else None
    status = envelope.get("status") if envelope is not None else None
    if isinstance(status, str) and status.isascii() and status.isdigit():
        status = int(status)
    if envelope is None or not isinstance(status, int) or isinstance(status, bool):
        if parsed and body.strip():
            kind = "JSON without the {status, msg, result} envelope"
        else:
            kind = _describe_body(body, reply.header("Content-Type") or "")
        if http_status >= 500 or http_status == 429:
            raise error_for_status(
                http_status,
                f"HTTP {http_status} with {kind}",
                endpoint=endpoint.path,
                http_status=http_status,
                retry_after=retry_after,
            )
        raise ResponseFormatError(
            f"{endpoint.path} answered HTTP {http_status} with {kind} instead of the JSON "
            f"envelope (body starts: {snippet(body)!r}). The service may be down or "
            "behind a challenge page; try again later, and report it if it persists."
        )
    if status == 200:
        return envelope.get("result")
    message = envelope.get("msg")
    raise error_for_status(
        status,
        redact(message) if isinstance(message, str) else "",
        endpoint=endpoint.path,
        http_status=http_status,
        retry_after=retry_after,
        detail=detail,
    )
