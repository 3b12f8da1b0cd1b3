"""`account` endpoints as flows."""

from __future__ import annotations

from .. import _endpoints as ep
from ..models import AccountInfo
from ..resources._base import parse
from .calls import CallSettings, api_call
from .effects import Flow

__all__ = ["info"]


def info(settings: CallSettings, *, timeout: float | None) -> Flow[AccountInfo]:
    """The account's details (see `Account.info`)."""
    result = yield from api_call(settings, ep.ACCOUNT_INFO, timeout=timeout)
    return parse(AccountInfo, result, ep.ACCOUNT_INFO)
