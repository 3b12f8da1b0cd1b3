"""The exception hierarchy: everything the SDK raises is a `StreamtapeError`.

```
StreamtapeError
├── MissingCredentialsError
├── APIError                              .status, .message, .endpoint
│   ├── BadRequestError                   400
│   ├── PermissionDeniedError             403
│   │   └── CaptchaRequiredError          the ticket demands a captcha (.captcha_url)
│   ├── NotFoundError                     404
│   ├── UnavailableForLegalReasonsError   451
│   ├── BandwidthExceededError            509 (and 429), retryable
│   └── ServerError                       5xx, retryable
├── APIConnectionError                    network failure
│   └── APITimeoutError
├── ResponseFormatError                   not JSON, an HTML page, or an undocumented shape
├── OutcomeUnknownError                   a non-idempotent call may or may not have acted
├── ClientClosedError                     a call after close() / the `with` block
└── TransferError                         upload/download failures
    ├── IntegrityError                    size or sha256 mismatch
    ├── TransferCancelledError            a CancelToken fired; partial state kept
    ├── RemoteUploadFailedError           a remote upload ended in status "error"
    │   └── RemoteUploadIncompleteError   "finished" with fewer bytes than announced
    └── WaitTimeoutError                  `remote.wait` ran out of time
```

`error_for_status` is the one place that maps an API status code (and, where the status
alone is not enough, the endpoint and the reply's message) to its class; `hint_for` is the one
place that picks the advice appended to an `APIError`'s message, from the class, the endpoint
and the message. Messages never contain the API key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "BadRequestError",
    "BandwidthExceededError",
    "CaptchaRequiredError",
    "ClientClosedError",
    "IntegrityError",
    "MissingCredentialsError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RemoteUploadFailedError",
    "RemoteUploadIncompleteError",
    "ResponseFormatError",
    "ServerError",
    "StreamtapeError",
    "TransferCancelledError",
    "TransferError",
    "UnavailableForLegalReasonsError",
    "WaitTimeoutError",
    "error_for_status",
    "hint_for",
]


class StreamtapeError(Exception):
    """Base class of every exception the SDK raises."""


class MissingCredentialsError(StreamtapeError):
    """The API login or key is missing; raised before any network I/O."""

    def __init__(self, missing: str = "login and key") -> None:
        self.missing = missing
        super().__init__(
            f"Streamtape API {missing} missing: pass login= and key= to Streamtape(...) or set "
            "the STREAMTAPE_LOGIN and STREAMTAPE_KEY environment variables (both are shown in "
            "the Streamtape user panel, 'Account Settings' tab)."
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.missing,))


class APIError(StreamtapeError):
    """The API answered with a non-200 JSON `status` (or an HTTP error without an envelope).

    Attributes:
        status: the API status code (the JSON `status`, or the HTTP status without one).
        message: the API's `msg`, for display only.
        endpoint: the API path that failed, e.g. `/file/info`.
        http_status: the HTTP status line's code, when a response arrived.
        retry_after: seconds the server asked to wait (`Retry-After`), if any.
        detail: the request's parameters (never the credentials), e.g. `file='abc'`, so
            the message says which id failed.
    """

    #: What a user can do about this kind of failure; appended to the message.
    hint = "Check the request and try again."

    def __init__(
        self,
        message: str,
        *,
        status: int,
        endpoint: str,
        http_status: int | None = None,
        retry_after: float | None = None,
        detail: str | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.endpoint = endpoint
        self.http_status = http_status
        self.retry_after = retry_after
        self.detail = detail
        #: The advice for this failure, chosen from its class, endpoint and message.
        self.hint = hint_for(type(self), endpoint, message)
        where = f"{endpoint} ({detail})" if detail else endpoint
        super().__init__(f"{where} failed with status {status}: {message}. {self.hint}")

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments need this to survive pickling (multiprocessing, caches).
        return (
            _rebuild_api_error,
            (
                type(self),
                self.message,
                self.status,
                self.endpoint,
                self.http_status,
                self.retry_after,
                self.detail,
            ),
        )


def _rebuild_api_error(
    cls: type[APIError],
    message: str,
    status: int,
    endpoint: str,
    http_status: int | None,
    retry_after: float | None,
    detail: str | None,
) -> APIError:
    return cls(
        message,
        status=status,
        endpoint=endpoint,
        http_status=http_status,
        retry_after=retry_after,
        detail=detail,
    )


class BadRequestError(APIError):
    """400: wrong or missing parameters."""

    hint = "A parameter is wrong or missing; check the ids and names you passed."


class PermissionDeniedError(APIError):
    """403: wrong login/key, a file that is not yours, or a download ticket used too early."""

    hint = (
        "Check STREAMTAPE_LOGIN / STREAMTAPE_KEY, that the file or folder belongs to this "
        "account, and that a download ticket's wait_time has passed."
    )


class CaptchaRequiredError(PermissionDeniedError):
    """The download ticket demands a captcha and no answer was given (streamtape-api.md §5.6
    N10).

    Attributes:
        captcha_url: the captcha image to solve; pass the answer as `captcha_response=` (or a
            `captcha_solver=` to `files.download`).
    """

    hint = (
        "Solve the captcha at the URL above and pass the answer as captcha_response= "
        "(or give files.download a captcha_solver=)."
    )

    def __init__(
        self,
        message: str,
        *,
        captcha_url: str | None,
        status: int = 403,
        endpoint: str = "/file/dl",
        http_status: int | None = None,
        retry_after: float | None = None,
        detail: str | None = None,
    ) -> None:
        self.captcha_url = captcha_url
        super().__init__(
            message,
            status=status,
            endpoint=endpoint,
            http_status=http_status,
            retry_after=retry_after,
            detail=detail,
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_captcha_error,
            (
                self.message,
                self.captcha_url,
                self.status,
                self.endpoint,
                self.http_status,
                self.retry_after,
                self.detail,
            ),
        )


def _rebuild_captcha_error(
    message: str,
    captcha_url: str | None,
    status: int,
    endpoint: str,
    http_status: int | None,
    retry_after: float | None,
    detail: str | None,
) -> CaptchaRequiredError:
    return CaptchaRequiredError(
        message,
        captcha_url=captcha_url,
        status=status,
        endpoint=endpoint,
        http_status=http_status,
        retry_after=retry_after,
        detail=detail,
    )


class NotFoundError(APIError):
    """404: the file, folder or remote upload does not exist."""

    hint = "Check the id; the item may have been deleted."


class UnavailableForLegalReasonsError(APIError):
    """451: the file is blocked for legal reasons."""

    hint = "The file was taken down; it cannot be downloaded."


class BandwidthExceededError(APIError):
    """509 (or 429): bandwidth or rate limit exceeded; retried automatically."""

    hint = "The service is busy or your bandwidth is used up; try again later."


class ServerError(APIError):
    """5xx: a server-side failure (also an HTML error page from the CDN); retried automatically."""

    hint = "This is a failure on Streamtape's side; try again later."


class APIConnectionError(StreamtapeError):
    """The request could not reach the API or the connection broke (DNS, refused, reset).

    Attributes:
        request_sent: False when the failure happened before the request left this machine
            (connection refused, DNS failure), so the server cannot have acted on it.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        self.request_sent = request_sent

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_connection_error, (type(self), str(self), self.request_sent))


def _rebuild_connection_error(
    cls: type[APIConnectionError], message: str, request_sent: bool
) -> APIConnectionError:
    return cls(message, request_sent=request_sent)


class APITimeoutError(APIConnectionError):
    """The API did not answer within the timeout."""


class ResponseFormatError(StreamtapeError):
    """The API answered with something that is not the documented JSON envelope or shape."""


class OutcomeUnknownError(StreamtapeError):
    """A non-idempotent call (the upload POST, `remote.add`, `folders.create`) may or may not
    have taken effect, and reconciliation could not tell. Never retried automatically.

    Deliberately not an `APIConnectionError`: a generic "retry on connection error" loop must
    not repeat it and create a duplicate. The message says what to check before retrying.

    Attributes:
        endpoint: the API path (or `upload`) whose outcome is unknown.
    """

    def __init__(self, message: str, *, endpoint: str) -> None:
        super().__init__(message)
        self.endpoint = endpoint

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_outcome_error, (str(self), self.endpoint))


def _rebuild_outcome_error(message: str, endpoint: str) -> OutcomeUnknownError:
    return OutcomeUnknownError(message, endpoint=endpoint)


class ClientClosedError(StreamtapeError):
    """A call on a client after `close()` or after its `with` block; create a new client."""


class TransferError(StreamtapeError):
    """An upload or download failed."""


class TransferCancelledError(TransferError):
    """A `CancelToken` fired; a download's partial state is kept so a later call resumes."""


class IntegrityError(TransferError):
    """The transferred bytes do not match the expected size or sha256."""


class RemoteUploadFailedError(TransferError):
    """A remote upload ended in status `error`."""


class RemoteUploadIncompleteError(RemoteUploadFailedError):
    """A remote upload was reported `finished` with fewer bytes than the source announced
    (streamtape-api.md §5.6 N12): the stored file is cut short.

    Attributes:
        upload_id: the remote upload's id.
        file_id: the stored (truncated) file's id, when the service gave one.
        bytes_loaded: the bytes the service fetched.
        bytes_total: the bytes the source announced.
    """

    def __init__(
        self,
        message: str,
        *,
        upload_id: str,
        file_id: str | None,
        bytes_loaded: int,
        bytes_total: int,
    ) -> None:
        super().__init__(message)
        self.upload_id = upload_id
        self.file_id = file_id
        self.bytes_loaded = bytes_loaded
        self.bytes_total = bytes_total

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_incomplete_error,
            (str(self), self.upload_id, self.file_id, self.bytes_loaded, self.bytes_total),
        )


def _rebuild_incomplete_error(
    message: str, upload_id: str, file_id: str | None, bytes_loaded: int, bytes_total: int
) -> RemoteUploadIncompleteError:
    return RemoteUploadIncompleteError(
        message,
        upload_id=upload_id,
        file_id=file_id,
        bytes_loaded=bytes_loaded,
        bytes_total=bytes_total,
    )


class WaitTimeoutError(TransferError):
    """`remote.wait` gave up before the remote upload finished."""


_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: BadRequestError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: BandwidthExceededError,
    451: UnavailableForLegalReasonsError,
    509: BandwidthExceededError,
}


@dataclass(frozen=True)
class _Rule:
    """A refinement: for errors of `cls` (or a subclass) from one of `endpoints` (any when
    empty) whose message matches `message` (any when None), use `result`."""

    cls: type[APIError]
    endpoints: frozenset[str]
    message: re.Pattern[str] | None
    result: str

    def matches(self, cls: type[APIError], endpoint: str, message: str) -> bool:
        return (
            issubclass(cls, self.cls)
            and (not self.endpoints or endpoint in self.endpoints)
            and (self.message is None or self.message.search(message) is not None)
        )


_CAPTCHA = re.compile(r"captcha", re.IGNORECASE)
_TOO_EARLY = re.compile(r"wait|too early|not ready", re.IGNORECASE)

#: Advice by class, endpoint and message; the first match wins, else the class's `hint`.
#: Ordered from the most to the least specific. `/file/dl` and the transfers carry no login
#: or key, so a 403 there is never about them.
_HINT_RULES: tuple[_Rule, ...] = (
    _Rule(CaptchaRequiredError, frozenset(), None, CaptchaRequiredError.hint),
    _Rule(
        PermissionDeniedError,
        frozenset({"/file/dl"}),
        _CAPTCHA,
        CaptchaRequiredError.hint,
    ),
    _Rule(
        PermissionDeniedError,
        frozenset({"/file/dl"}),
        _TOO_EARLY,
        "The download ticket's wait_time had not passed yet; wait it out, then ask again.",
    ),
    _Rule(
        PermissionDeniedError,
        frozenset({"/file/dl"}),
        None,
        "The download ticket was refused: it may have expired or belong to another file; "
        "get a new ticket with get_download_ticket().",
    ),
    _Rule(
        PermissionDeniedError,
        frozenset({"upload"}),
        None,
        "The one-time upload URL was refused (expired or already used); upload again, which "
        "asks for a new URL.",
    ),
    _Rule(
        PermissionDeniedError,
        frozenset({"download"}),
        None,
        "The download link was refused (expired or bound to another address); get a new link.",
    ),
)

#: Class refinements of `error_for_status` by endpoint and message.
_CLASS_RULES: tuple[tuple[_Rule, type[APIError]], ...] = (
    (_Rule(PermissionDeniedError, frozenset({"/file/dl"}), _CAPTCHA, ""), CaptchaRequiredError),
)


def hint_for(cls: type[APIError], endpoint: str, message: str) -> str:
    """The advice appended to an `APIError`'s message: chosen from the error's class, the
    endpoint and the reply's message, so that e.g. a captcha refusal on `/file/dl` (which
    sends no credentials) never tells the user to check their login and key."""
    for rule in _HINT_RULES:
        if rule.matches(cls, endpoint, message):
            return rule.result
    return cls.hint


def error_for_status(
    status: int,
    message: str,
    *,
    endpoint: str,
    http_status: int | None = None,
    retry_after: float | None = None,
    detail: str | None = None,
) -> APIError:
    """Build the `APIError` subclass for an API status code (the one mapping in the SDK)."""
    cls = _STATUS_CLASSES.get(status)
    if cls is None:
        cls = ServerError if 500 <= status <= 599 else APIError
    for rule, refined in _CLASS_RULES:
        if rule.matches(cls, endpoint, message):
            cls = refined
    if cls is CaptchaRequiredError:
        # The refusal names the captcha but not its image: that is on the ticket.
        return CaptchaRequiredError(
            message or "no message",
            captcha_url=None,
            status=status,
            endpoint=endpoint,
            http_status=http_status,
            retry_after=retry_after,
            detail=detail,
        )
    return cls(
        message or "no message",
        status=status,
        endpoint=endpoint,
        http_status=http_status,
        retry_after=retry_after,
        detail=detail,
    )


def is_retryable(error: StreamtapeError) -> bool:
    """Whether a failure is transient (bandwidth, server error, network)."""
    return isinstance(error, (BandwidthExceededError, ServerError, APIConnectionError))
