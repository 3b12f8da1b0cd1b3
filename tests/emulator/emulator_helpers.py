"""Plain-`requests` helpers for the emulator's own tests (no SDK code involved)."""

from __future__ import annotations

import re
from typing import Any

import requests

from streamtape_sdk.testing import DATE_FORMAT, FakeStreamtape

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
FILE_ID_RE = re.compile(r"^[A-Za-z0-9]{15}$")
B64_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")

assert DATE_FORMAT == "%Y-%m-%d %H:%M:%S"


class Api:
    """Talks to a running FakeStreamtape over real HTTP."""

    def __init__(self, fake: FakeStreamtape) -> None:
        self.fake = fake
        self.session = requests.Session()

    def call(
        self, endpoint: str, *, auth: bool = True, method: str = "GET", **params: str
    ) -> requests.Response:
        return self.send(endpoint, params, auth=auth, method=method)

    def send(
        self, endpoint: str, params: dict[str, str], *, auth: bool = True, method: str = "GET"
    ) -> requests.Response:
        query: dict[str, str] = {}
        if auth:
            query.update(login=self.fake.login, key=self.fake.key)
        url = f"{self.fake.base_url}/{endpoint.lstrip('/')}"
        if method == "POST":
            return self.session.post(url, params=query, data=params, timeout=10)
        query.update(params)
        return self.session.get(url, params=query, timeout=10)

    def envelope(self, endpoint: str, **params: str) -> dict[str, Any]:
        body = self.send(endpoint, params).json()
        assert isinstance(body, dict)
        assert set(body) == {"status", "msg", "result"}
        return body

    def ok(self, endpoint: str, **params: str) -> Any:
        response = self.send(endpoint, params)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/json")
        body = response.json()
        assert body["status"] == 200, body
        assert body["msg"] == "OK"
        return body["result"]

    def error(self, endpoint: str, status: int, **params: str) -> str:
        body = self.envelope(endpoint, **params)
        assert body["status"] == status, body
        assert body["result"] is None
        msg = body["msg"]
        assert isinstance(msg, str)
        return msg

    def upload(
        self, content: bytes, name: str = "clip.mp4", field: str = "file1", **params: str
    ) -> requests.Response:
        url = self.ok("file/ul", **params)["url"]
        return self.session.post(url, files={field: (name, content)}, timeout=10)
