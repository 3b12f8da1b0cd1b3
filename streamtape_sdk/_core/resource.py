"""Base of the core's resources: the flows of one API resource, bound to a client's settings."""

from __future__ import annotations

from collections.abc import Mapping

from .._endpoints import Endpoint
from .calls import CallSettings, api_call
from .effects import Flow
from .envelope import ParamValue

__all__ = ["CoreResource"]


class CoreResource:
    """The flows of one resource. Methods return flows (generators of effects); the sync and
    async shells in `streamtape_sdk.resources` and `streamtape_sdk._async` run them."""

    def __init__(self, settings: CallSettings) -> None:
        self._settings = settings

    def _call(
        self,
        endpoint: Endpoint,
        params: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None,
    ) -> Flow[object]:
        return api_call(self._settings, endpoint, params, timeout=timeout)
