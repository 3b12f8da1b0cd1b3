"""Keyed and listed results parsed entry by entry: one bad entry never loses the good ones.

streamtape-api.md §5.6 shows replies where one entry of many carries an odd value (`false`
for a size, a number for an id). Each entry is validated on its own; the good ones are
returned and every bad one is kept as an `InvalidEntry` on the returned container.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import ValidationError

from .._redaction import redact
from ._base import InvalidEntry, StreamtapeModel

__all__ = ["KeyedResult", "ListResult", "describe_validation_error", "validate_entries"]

M = TypeVar("M", bound=StreamtapeModel)
V = TypeVar("V")

_MAX_PROBLEMS_SHOWN = 3


def describe_validation_error(error: ValidationError, *, prefix: str = "") -> str:
    """`size: Input should be a valid integer; ...`: what is wrong, never the input values
    (they could carry secrets)."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in (prefix, *err['loc']) if p != '') or 'result'}: {err['msg']}"
        for err in error.errors(include_input=False)[:_MAX_PROBLEMS_SHOWN]
    )
    more = error.error_count() - _MAX_PROBLEMS_SHOWN
    if more > 0:
        problems += f" (and {more} more)"
    return redact(problems)


def validate_entries(
    model: type[M], entries: Iterable[tuple[str, object]]
) -> tuple[list[tuple[str, M]], list[InvalidEntry]]:
    """Validate each `(location, raw)` pair as `model`; return the good ones and the bad ones."""
    good: list[tuple[str, M]] = []
    bad: list[InvalidEntry] = []
    for location, raw in entries:
        try:
            good.append((location, model.model_validate(raw)))
        except ValidationError as error:
            problem = describe_validation_error(error)
            bad.append(InvalidEntry(location=location, problem=problem, raw=raw))
    return good, bad


class KeyedResult(dict[str, V]):
    """A `dict` of parsed entries, plus the entries that could not be parsed.

    Attributes:
        invalid: key -> `InvalidEntry` for each entry that does not have the documented
            shape (empty when all are well-formed).

    Examples:
        >>> infos = client.files.info(["a", "b"])  # doctest: +SKIP
        >>> infos["a"].name, infos.invalid.get("b")  # doctest: +SKIP
    """

    def __init__(
        self, entries: Iterable[tuple[str, V]] = (), invalid: Iterable[InvalidEntry] = ()
    ) -> None:
        super().__init__(entries)
        self.invalid: dict[str, InvalidEntry] = {entry.location: entry for entry in invalid}

    def merge(self, other: KeyedResult[V]) -> None:
        """Add another batch's entries and invalid entries."""
        self.update(other)
        self.invalid.update(other.invalid)


class ListResult(list[V]):
    """A `list` of parsed entries, plus the entries that could not be parsed.

    Attributes:
        invalid: an `InvalidEntry` for each entry that does not have the documented shape,
            its `location` giving the position in the reply (`"[3]"`).
    """

    def __init__(self, entries: Iterable[V] = (), invalid: Iterable[InvalidEntry] = ()) -> None:
        super().__init__(entries)
        self.invalid: list[InvalidEntry] = list(invalid)
