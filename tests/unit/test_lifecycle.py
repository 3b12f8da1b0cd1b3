"""Lifecycle: a closed client refuses calls; a forked child gets its own connections."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import responses

from streamtape_sdk import ClientClosedError, Streamtape
from streamtape_sdk import _endpoints as ep
from tests.unit.conftest import LOGIN, PLAIN_KEY, LocalServer, envelope, make_client, reply_json


def _calls(client: Streamtape, tmp_path: Path) -> dict[str, Callable[[], object]]:
    """One call of every kind of entry point: plain calls, transfers, generators, waits."""
    return {
        "account.info": lambda: client.account.info(),
        "files.info": lambda: client.files.info("abc"),
        "files.get_download_ticket": lambda: client.files.get_download_ticket("abc"),
        "files.upload": lambda: client.files.upload(tmp_path / "f.bin"),
        "files.download": lambda: client.files.download("abc", tmp_path),
        "remote.add": lambda: client.remote.add("https://example.org/x"),
        "remote.wait": lambda: client.remote.wait("r1"),
        "folders.walk": lambda: list(client.folders.walk()),
        "folders.list": lambda: client.folders.list(),
    }


@pytest.mark.parametrize("how", ["close", "with"])
def test_calls_after_close_raise_client_closed(
    how: str, rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    (tmp_path / "f.bin").write_bytes(b"x")
    client = make_client(key=PLAIN_KEY)
    if how == "close":
        client.close()
    else:
        with client:
            pass
    assert client.closed
    for name, call in _calls(client, tmp_path).items():
        with pytest.raises(ClientClosedError, match="closed"):
            call()
        assert not rsps.calls, f"{name} reached the network after close()"
    client.close()  # closing twice is harmless
    with pytest.raises(ClientClosedError), client:
        pass


def _reply_with_client_port(handler: BaseHTTPRequestHandler) -> None:
    # The port identifies the connection: one keep-alive connection, one port.
    reply_json(envelope(handler.client_address[1]))(handler)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_forked_child_gets_its_own_connection(local_server: LocalServer) -> None:
    local_server.default = _reply_with_client_port
    with Streamtape(login=LOGIN, key=PLAIN_KEY, base_url=local_server.base_url) as client:
        transport = client._transport
        parent_port = transport.call(ep.ACCOUNT_INFO)  # leaves a keep-alive connection pooled
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report the port its call used, then leave at once
            code = 0
            try:
                os.close(read_end)
                ports = [transport.call(ep.ACCOUNT_INFO) for _ in range(2)]
                os.write(write_end, json.dumps(ports).encode())
            except BaseException as exc:  # any failure must reach the parent
                os.write(write_end, json.dumps(repr(exc)).encode())
                code = 1
            finally:
                sys.stdout.flush()
                os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as reader:
            child = json.loads(reader.read() or b"null")
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status), child
        assert os.WEXITSTATUS(status) == 0, child
        assert isinstance(child, list)
        # the child opened its own connection, and kept reusing it
        assert child[0] != parent_port
        assert child[0] == child[1]
        # the parent's pooled connection is intact and still its own
        assert transport.call(ep.ACCOUNT_INFO) == parent_port
