"""The one-line message the CLI shows for a failure, in the CLI's words (its option names)."""

from __future__ import annotations

from streamtape_sdk import CaptchaRequiredError, MissingCredentialsError, StreamtapeError

__all__ = ["describe"]

_CREDENTIALS_HINT = (
    "no API credentials: pass --login and --key, or set STREAMTAPE_LOGIN and STREAMTAPE_KEY "
    "(both are in the Streamtape user panel, 'Account Settings' tab)"
)

_OPTION_NAMES: tuple[tuple[str, str], ...] = (
    (
        CaptchaRequiredError.hint,
        "Open the captcha URL and run the command again on a terminal, without --json: it "
        "asks for the answer.",
    ),
    ("timeout=", "--timeout"),
    # files.download's FileExistsError, for `streamtape download ID DIR`.
    (
        "pass overwrite=True to replace it, or a file path as dest",
        "use --overwrite to replace it, or give a file path as DEST",
    ),
)


def describe(error: BaseException) -> str:
    """The one-line message for a failure (the SDK's messages are already key-free)."""
    if isinstance(error, MissingCredentialsError):
        return _CREDENTIALS_HINT  # the SDK's text speaks of Python arguments, not CLI flags
    message = str(error).strip()
    if isinstance(error, (StreamtapeError, FileExistsError)):
        # The SDK's advice names its Python arguments; say the CLI's options instead.
        for python_name, option in _OPTION_NAMES:
            message = message.replace(python_name, option)
    if isinstance(error, (OSError, ValueError)) or error.__class__.__module__.startswith(
        "streamtape_sdk"
    ):
        return message or type(error).__name__
    return f"unexpected {type(error).__name__}: {message} (run with --debug for a traceback)"
