"""What every resource shares: the transport, argument checks, and parsing into models."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Mapping
from typing import TypeVar, cast

from pydantic import TypeAdapter, ValidationError

from .._endpoints import Endpoint
from .._transport import ParamValue, Transport
from ..errors import ResponseFormatError
from ..models import InvalidEntry, KeyedResult, ListResult
from ..models._base import StreamtapeModel
from ..models._entries import describe_validation_error, validate_entries

__all__ = ["Resource", "parse_keyed", "parse_listed", "require_id", "require_name"]

T = TypeVar("T")
M = TypeVar("M", bound=StreamtapeModel)

logger = logging.getLogger("streamtape_sdk")


def require_id(value: object, what: str) -> str:
    """Check an id argument before any I/O; return it unchanged.

    Raises:
        ValueError: it is not a string, or it is empty or blank.
    """
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{what} must not be empty or blank")
    return value


def require_name(value: object, what: str = "name") -> str:
    """Check a name argument (file or folder name) before any I/O; return it unchanged."""
    return require_id(value, what)


# Building a TypeAdapter costs far more than using one: keep one per target type.
_adapters: dict[object, TypeAdapter[object]] = {}


def _adapter(target: type[T]) -> TypeAdapter[T]:
    adapter = _adapters.get(target)
    if adapter is None:
        adapter = _adapters.setdefault(target, cast(TypeAdapter[object], TypeAdapter(target)))
    return cast(TypeAdapter[T], adapter)


def parse(target: type[T], value: object, endpoint: Endpoint) -> T:
    """Validate `value` (an envelope's `result`) as `target`.

    Raises:
        ResponseFormatError: the value does not have the documented shape.
    """
    try:
        # Wire keys count by their wire names only: `file_id` on the wire is not `extid`.
        parsed = _adapter(target).validate_python(value, by_alias=True, by_name=False)
    except ValidationError as exc:
        error = ResponseFormatError(
            f"{endpoint.path} returned a result of an unexpected shape "
            f"({describe_validation_error(exc)}). "
            "The API may have changed; upgrade streamtape-sdk or report this."
        )
    else:
        _log_invalid(endpoint, getattr(parsed, "invalid", None))
        return parsed
    # Raised outside the handler: the ValidationError quotes raw input values.
    raise error


def _log_invalid(endpoint: Endpoint, invalid: object) -> None:
    if isinstance(invalid, builtins.list) and invalid:
        for entry in cast("builtins.list[InvalidEntry]", invalid):
            logger.warning(
                "%s: skipped entry %s of an unexpected shape (%s)",
                endpoint.path,
                entry.location,
                entry.problem,
            )


def _not_entries(endpoint: Endpoint, value: object, expected: str) -> ResponseFormatError:
    return ResponseFormatError(
        f"{endpoint.path} returned a result of an unexpected shape (result: expected "
        f"{expected}, got {type(value).__name__}). The API may have changed; upgrade "
        "streamtape-sdk or report this."
    )


def parse_keyed(
    model: type[M], value: object, endpoint: Endpoint, *, key: str = "id"
) -> KeyedResult[M]:
    """Parse a keyed (`{"k": {...}}`) or listed (`[{...}]`) result entry by entry.

    A listed result is keyed by each entry's `key` field. Bad entries go to `.invalid` (and
    a WARNING log line), never raising for the good ones; `null`, `false` or `[]` is empty.

    Raises:
        ResponseFormatError: the result is neither a mapping nor a list.
    """
    if value is None or value is False or value == []:
        return KeyedResult()
    if isinstance(value, dict):
        entries = cast("dict[object, object]", value)
        good, bad = validate_entries(model, ((str(k), v) for k, v in entries.items()))
        result = KeyedResult(good, bad)
    elif isinstance(value, builtins.list):
        items = cast("builtins.list[object]", value)
        listed, bad = validate_entries(model, ((f"[{i}]", v) for i, v in enumerate(items)))
        result = KeyedResult(((str(getattr(m, key)), m) for _, m in listed), bad)
    else:
        raise _not_entries(endpoint, value, "a mapping or list of entries")
    _log_invalid(endpoint, builtins.list(result.invalid.values()))
    return result


def parse_listed(model: type[M], value: object, endpoint: Endpoint) -> ListResult[M]:
    """Parse a listed result (`[{...}]`) entry by entry; see `parse_keyed`."""
    if value is None or value is False:
        return ListResult()
    if not isinstance(value, builtins.list):
        raise _not_entries(endpoint, value, "a list of entries")
    items = cast("builtins.list[object]", value)
    good, bad = validate_entries(model, ((f"[{i}]", v) for i, v in enumerate(items)))
    _log_invalid(endpoint, bad)
    return ListResult((m for _, m in good), bad)


def expect_true(value: object, endpoint: Endpoint) -> None:
    """Check a mutation's `result` is `true`, as documented.

    Raises:
        ResponseFormatError: anything else came back.
    """
    if value is not True:
        raise ResponseFormatError(
            f"{endpoint.path} returned {type(value).__name__} instead of true; the change may "
            "not have been applied. Check its state (e.g. list the folder) before retrying."
        )


class Resource:
    """Base of the four resources: holds the transport."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._transport!r}>"

    def _call(
        self,
        endpoint: Endpoint,
        params: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None,
    ) -> object:
        return self._transport.call(endpoint, params, timeout=timeout)
