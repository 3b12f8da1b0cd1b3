"""What every resource shares: the transport, argument checks, and parsing into models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar, cast

from pydantic import TypeAdapter, ValidationError

from .._endpoints import Endpoint
from .._redaction import redact
from .._transport import ParamValue, Transport
from ..errors import ResponseFormatError

__all__ = ["Resource", "require_id", "require_name"]

T = TypeVar("T")

_MAX_PROBLEMS_SHOWN = 3


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
        parsed = _adapter(target).validate_python(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'result'}: {err['msg']}"
            for err in exc.errors()[:_MAX_PROBLEMS_SHOWN]
        )
        more = exc.error_count() - _MAX_PROBLEMS_SHOWN
        if more > 0:
            problems += f" (and {more} more)"
        error = ResponseFormatError(
            f"{endpoint.path} returned a result of an unexpected shape ({redact(problems)}). "
            "The API may have changed; upgrade streamtape-sdk or report this."
        )
    else:
        return parsed
    # Raised outside the handler: the ValidationError quotes raw input values.
    raise error


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
