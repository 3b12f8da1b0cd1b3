"""After an ambiguous failure of a non-idempotent call, find out whether it took effect.

The upload POST, `remote.add` and `folders.create` are never repeated automatically: the
request may have reached the server (a timeout while waiting for the reply, a dropped
connection, an unreadable reply) and a repeat could create a duplicate. Instead the SDK looks
for the result, as clients of the real service do (streamtape-api.md §5.6 N8): the folder
listing for a file of that name and size, the parent's listing for the folder name, the
remote-upload list for the URL. When exactly one candidate is found it is the result; when
none or several are, `OutcomeUnknownError` says what to check before trying again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from ..errors import APIConnectionError, OutcomeUnknownError, ResponseFormatError, StreamtapeError

__all__ = [
    "CLOCK_SKEW",
    "TIMEOUT_TIP",
    "is_ambiguous",
    "newer_than",
    "outcome_unknown",
    "reconcile",
]

logger = logging.getLogger("streamtape_sdk")

T = TypeVar("T")

#: How far the service's clock may be behind ours when telling a new item from an old one
#: by its creation time. The reference gives no figure; ten minutes is generous.
CLOCK_SKEW = timedelta(minutes=10)


def is_ambiguous(error: BaseException) -> bool:
    """Whether a failure leaves unknown if the server acted: the request was sent and no
    readable answer came back (a refusal with a status code is not ambiguous)."""
    if isinstance(error, APIConnectionError):
        return error.request_sent
    return isinstance(error, ResponseFormatError)


def newer_than(started: datetime, created: datetime | None) -> bool:
    """Whether an item created at `created` (server time) can be the one made after
    `started` (local time), allowing for `CLOCK_SKEW`. Unknown times count as new."""
    return created is None or created >= started - CLOCK_SKEW


def now() -> datetime:
    """The local wall-clock time, as the service's timestamps are compared with it."""
    return datetime.now(timezone.utc)


#: The closing advice for calls whose reply wait is the per-call timeout.
TIMEOUT_TIP = "A longer timeout= makes this less likely."


def describe_failure(error: BaseException) -> str:
    """What went wrong, without the generic advice that ends the SDK's messages ("try
    again"): that advice is wrong for a call that may already have taken effect."""
    text = str(error)
    head, sep, _ = text.rpartition("). ")
    return f"{type(error).__name__}: {head + ')' if sep else text}"


def outcome_unknown(
    what: str, cause: BaseException | str, check: str, tip: str = TIMEOUT_TIP
) -> str:
    """The message of an `OutcomeUnknownError`: what may or may not have happened, why it is
    not known, and what to check before trying again (never just "try again")."""
    reason = cause if isinstance(cause, str) else describe_failure(cause)
    return (
        f"{what} may or may not have taken effect ({reason}). Do not simply repeat it: that "
        f"can create a duplicate. Before trying again, {check}. If it is not there yet, the "
        f"service may still be processing the request: check again in a minute. {tip}"
    ).strip()


def reconcile(
    endpoint: str,
    error: StreamtapeError,
    what: str,
    check: str,
    find: Callable[[], list[T]],
    describe: Callable[[T], str],
    tip: str = TIMEOUT_TIP,
) -> T:
    """Look for the result of an ambiguous call with `find`; return it when exactly one
    candidate turns up, else raise `OutcomeUnknownError` (chained to the original failure)."""
    try:
        found = find()
    except StreamtapeError as lookup_error:
        message = outcome_unknown(
            what,
            f"{describe_failure(error)}; looking for the result failed too: "
            f"{describe_failure(lookup_error)}",
            check,
            tip,
        )
    else:
        if len(found) == 1:
            logger.info("%s: the reply was lost, but the result was found: %s", endpoint, what)
            return found[0]
        if found:
            names = ", ".join(describe(item) for item in found)
            message = outcome_unknown(
                what,
                f"{describe_failure(error)}; several candidates were found: {names}",
                check,
                tip,
            )
        else:
            message = outcome_unknown(what, error, check, tip)
    raise OutcomeUnknownError(message, endpoint=endpoint) from error
