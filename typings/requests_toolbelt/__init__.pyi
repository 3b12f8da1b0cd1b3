from collections.abc import Mapping
from typing import Protocol

class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...

class MultipartEncoder:
    len: int
    content_type: str
    def __init__(
        self,
        fields: Mapping[str, str | tuple[str, _Readable | bytes | str, str]],
        boundary: str | None = ...,
        encoding: str = ...,
    ) -> None: ...
    def read(self, size: int = ...) -> bytes: ...
