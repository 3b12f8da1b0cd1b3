"""The base of every model, and the wire conversions the API's quirks call for."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from .._redaction import redact

__all__ = [
    "APIDateTime",
    "EpochMillis",
    "FolderId",
    "OptionalStr",
    "StreamtapeModel",
]

#: The API's one date format; the API gives no zone, so values are taken as UTC.
WIRE_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class StreamtapeModel(BaseModel):
    """Frozen, keeps unknown wire fields (read them with `model_extra`), accepts both the wire
    names and the Python names."""

    model_config = ConfigDict(
        frozen=True,
        extra="allow",
        validate_by_alias=True,
        validate_by_name=True,
        use_attribute_docstrings=True,
        # Validators are built on first use, not at import: `import streamtape_sdk` stays
        # cheap, and a program pays only for the models it uses.
        defer_build=True,
    )

    def __repr__(self) -> str:
        # Belt and braces: a field could echo a credential (the docs say `apiid` is the key).
        return redact(super().__repr__())

    def __str__(self) -> str:
        return redact(super().__str__())


def _parse_api_datetime(value: object) -> object:
    """`"2019-12-31 23:59:59"` -> aware UTC datetime; other values go to pydantic as they are."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.strptime(text, WIRE_DATETIME_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return value  # pydantic reports it as a validation error
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _parse_epoch_millis(value: object) -> object:
    """`1585532987430` (ms since the epoch) -> aware UTC datetime."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            # pydantic turns a ValueError into a validation error, hence ResponseFormatError.
            raise ValueError(f"epoch milliseconds out of range: {value!r}") from None
    return value


def _false_as_none(value: object) -> object:
    """The API says `false` (or `null`) for "not yet"; the SDK says None."""
    return None if value is False else value


def _root_as_none(value: object) -> object:
    """The root folder is `"0"`, `""`, `false` or `null` on the wire; None in the SDK."""
    if value in ("0", "", 0) or value is None or value is False:
        return None
    return value


#: A `YYYY-MM-DD HH:MM:SS` wire string, as a timezone-aware UTC datetime.
APIDateTime = Annotated[datetime, BeforeValidator(_parse_api_datetime)]
#: Epoch milliseconds on the wire, as a timezone-aware UTC datetime.
EpochMillis = Annotated[datetime, BeforeValidator(_parse_epoch_millis)]
#: A folder id where the root folder ("0" or "") becomes None.
FolderId = Annotated[str | None, BeforeValidator(_root_as_none)]


#: A string, or None where the wire sends `false` or `null` ("not yet", "not found").
OptionalStr = Annotated[str | None, BeforeValidator(_false_as_none)]
