"""Models of `/account/info`."""

from __future__ import annotations

from pydantic import Field

from ._base import APIDateTime, SecretStr, StreamtapeModel

__all__ = ["AccountInfo"]


class AccountInfo(StreamtapeModel, frozen=True):
    """The account behind the credentials (`client.account.info()`).

    The docs promise more ("total used storage, reward, ..."); any such extra field is kept
    and readable through `model_extra`.
    """

    api_id: SecretStr = Field(alias="apiid")
    """The account's API id, wire name `apiid` (the docs call it the API key; real values look
    like the API login). Secret: `***` in repr and dumps, raw here (see `StreamtapeModel`)."""
    email: str
    """The account's e-mail address."""
    signup_at: APIDateTime
    """When the account was created (UTC)."""
