"""The base of every model, and the wire conversions the API's quirks call for."""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar, Literal, Union, cast, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    SerializationInfo,
    model_validator,
)
from typing_extensions import Self

from .._redaction import SecretKind, mask_param, redact

__all__ = [
    "REVEAL_SECRETS",
    "APIDateTime",
    "EpochMillis",
    "FolderId",
    "InvalidEntry",
    "OptionalId",
    "OptionalStr",
    "Secret",
    "SecretStr",
    "SecretURL",
    "StreamtapeModel",
    "WireId",
]

#: The `model_dump(context=...)` key that gives secret fields raw: `{REVEAL_SECRETS: True}`.
REVEAL_SECRETS = "reveal_secrets"


@dataclass(frozen=True)
class Secret:
    """Marks a model field as secret-bearing (see `StreamtapeModel`)."""

    kind: SecretKind


def _reveal(info: SerializationInfo) -> bool:
    context: object = info.context
    if not isinstance(context, dict):
        return False
    return cast("dict[str, object]", context).get(REVEAL_SECRETS) is True


def _dump_secret_value(value: str | None, info: SerializationInfo) -> str | None:
    return value if value is None or _reveal(info) else mask_param("value", value)


def _dump_secret_url(value: str | None, info: SerializationInfo) -> str | None:
    return value if value is None or _reveal(info) else mask_param("url", value)


#: The API's one date format; the API gives no zone, so values are taken as UTC.
WIRE_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class StreamtapeModel(
    BaseModel,
    frozen=True,
    extra="allow",
    validate_by_alias=True,
    validate_by_name=True,
    use_attribute_docstrings=True,
    # Validators are built on first use, not at import: `import streamtape_sdk` stays cheap,
    # and a program pays only for the models it uses.
    defer_build=True,
):
    """Frozen, keeps unknown wire fields (read them with `model_extra`). Built from Python
    field names (`Model(file_id=...)`) or validated from wire data by wire names only
    (`Model.model_validate(reply)`), where `false` or `null` on an optional field means
    "absent" (streamtape-api.md §5.6).

    Secret fields (`AccountInfo.api_id`; the userinfo and query values of
    `RemoteUploadStatus.remote_url`) follow one rule: the attribute holds the raw value, and
    every rendering masks it as `***`: `repr`, `str`, `model_dump` and `model_dump_json`. Ask
    for the raw values explicitly with `model.model_dump(context={"reveal_secrets": True})`.

    The configuration is given as class keywords so that type checkers see `frozen` and
    flag `info.size = 5` too.
    """

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        fields = type(self).model_fields
        for name, value in super().__repr_args__():
            field = fields.get(name) if name else None
            marks: list[object] = list(field.metadata) if field else []
            kinds: list[SecretKind] = [m.kind for m in marks if isinstance(m, Secret)]
            if kinds and isinstance(value, str):
                value = mask_param(kinds[0], value)
            yield name, value

    # Wire keys of the optional fields where `false`/`null` mean "absent" (computed per class).
    _absent_keys: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        keys: set[str] = set()
        for name, field in cls.model_fields.items():
            if field.is_required() or _admits_bool(field.annotation):
                continue
            keys.add(name)
            keys.update(_wire_names(field.alias, field.validation_alias))
        cls._absent_keys = frozenset(keys)

    @model_validator(mode="before")
    @classmethod
    def _false_means_absent(cls, data: object) -> object:
        # streamtape-api.md §5.6: `false` (and `null`) stand for "absent" on every optional
        # field; dropping them lets the field's default apply instead of failing validation.
        if not isinstance(data, dict):
            return data
        fields = cast("dict[str, object]", data)
        if not cls._absent_keys:
            return fields
        return {
            key: value
            for key, value in fields.items()
            if not (key in cls._absent_keys and (value is False or value is None))
        }

    @classmethod
    def model_validate(
        cls,
        obj: object,
        *,
        strict: bool | None = None,
        extra: Literal["allow", "ignore", "forbid"] | None = None,
        from_attributes: bool | None = None,
        context: object | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a wire value (a decoded JSON object) into this model.

        Wire keys are matched by their wire names only: a wire key that happens to equal a
        Python field name (e.g. `file_id` next to `extid`) is kept in `model_extra`, never
        taken for that field. Pass `by_name=True` to validate a dict of Python names.
        """
        return super().model_validate(
            obj,
            strict=strict,
            extra=extra,
            from_attributes=from_attributes,
            context=context,
            by_alias=True if by_alias is None else by_alias,
            by_name=False if by_name is None else by_name,
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


def _wire_names(alias: str | None, validation_alias: object) -> set[str]:
    names = {alias} if alias else set[str]()
    if isinstance(validation_alias, str):
        names.add(validation_alias)
    choices = getattr(validation_alias, "choices", None)
    if isinstance(choices, list):
        names.update(c for c in cast("list[object]", choices) if isinstance(c, str))
    return names


def _admits_bool(annotation: object) -> bool:
    """Whether a field's type takes `bool` (there `false` is a value, not "absent")."""
    if annotation is bool:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _admits_bool(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return any(_admits_bool(arg) for arg in get_args(annotation))
    return False


def _id_text(value: object) -> object:
    """An id as text: the wire sends ids as strings or as JSON numbers (§5.6 N15)."""
    if isinstance(value, bool):
        return value  # never an id; pydantic reports it
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _optional_id(value: object) -> object:
    return None if value is False else _id_text(value)


def _false_as_none(value: object) -> object:
    """The API says `false` (or `null`) for "not yet"; the SDK says None."""
    return None if value is False else value


def _root_as_none(value: object) -> object:
    """The root folder is `"0"`, `""`, `false` or `null` on the wire; None in the SDK."""
    if value in ("0", "", 0) or value is None or value is False:
        return None
    return _id_text(value)


#: A `YYYY-MM-DD HH:MM:SS` wire string, as a timezone-aware UTC datetime.
APIDateTime = Annotated[datetime, BeforeValidator(_parse_api_datetime)]
#: Epoch milliseconds on the wire, as a timezone-aware UTC datetime.
EpochMillis = Annotated[datetime, BeforeValidator(_parse_epoch_millis)]
#: A folder id where the root folder ("0" or "") becomes None.
FolderId = Annotated[str | None, BeforeValidator(_root_as_none)]


#: A string, or None where the wire sends `false` or `null` ("not yet", "not found").
OptionalStr = Annotated[str | None, BeforeValidator(_false_as_none)]

#: An id: a JSON string, or a JSON number turned into its decimal string (§5.6 N15).
WireId = Annotated[str, BeforeValidator(_id_text)]
#: An id, or None where the wire sends `false` or `null` ("not yet").
OptionalId = Annotated[str | None, BeforeValidator(_optional_id)]


class InvalidEntry(StreamtapeModel, frozen=True):
    """One entry of a keyed or listed result that does not have the documented shape.

    The SDK parses such results entry by entry: the good entries are returned, and each bad
    one is reported as an `InvalidEntry` (in the `invalid` attribute of the returned mapping,
    list or listing) rather than discarding the whole reply.
    """

    location: str
    """Where the entry was: its key (`"abc123"`) or position (`"files[3]"`)."""
    problem: str
    """What is wrong with it, e.g. `size: Input should be a valid integer`."""
    raw: object = Field(default=None, repr=False)
    """The entry as the wire sent it (kept for inspection; not shown in the repr)."""


#: A secret string: masked as `***` in repr, str and dumps (see `StreamtapeModel`).
SecretStr = Annotated[str, Secret("value"), PlainSerializer(_dump_secret_value)]
#: A URL whose userinfo and query values are secret (`false`/`null` -> None); masked in
#: repr, str and dumps (see `StreamtapeModel`).
SecretURL = Annotated[
    str | None,
    BeforeValidator(_false_as_none),
    Secret("url"),
    PlainSerializer(_dump_secret_url),
]
