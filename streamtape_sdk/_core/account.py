"""`account` as flows."""

from __future__ import annotations

from .. import _endpoints as ep
from ..models import AccountInfo
from .effects import Flow
from .parsing import parse
from .resource import CoreResource

__all__ = ["AccountCore"]


class AccountCore(CoreResource):
    """The account behind the credentials."""

    def info(self, *, timeout: float | None = None) -> Flow[AccountInfo]:
        """Return the account's details; also the cheapest way to check credentials.

        Raises:
            MissingCredentialsError: no login or key configured.
            PermissionDeniedError: wrong login or key.

        Examples:
            >>> client.account.info().email  # doctest: +SKIP
            'me@example.com'
        """
        result = yield from self._call(ep.ACCOUNT_INFO, timeout=timeout)
        return parse(AccountInfo, result, ep.ACCOUNT_INFO)
