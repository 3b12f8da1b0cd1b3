"""One client shared by 16 threads making 1000 mixed calls: no errors, every result right,
the emulator's state consistent at the end."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from streamtape_sdk import Streamtape
from streamtape_sdk.testing import FakeStreamtape
from tests.reliability.conftest import REMOTE_URL, make_client, record_figure

THREADS = 16
TOTAL_CALLS = 1000


@dataclass(frozen=True)
class Seed:
    """What the emulator holds before the threads start."""

    shared_folder: str
    files: dict[str, str]  # file id -> name, all in the shared folder
    remote_id: str
    parents: list[str]  # one parent folder per thread for its own folders


def _seed(fake: FakeStreamtape, client: Streamtape) -> Seed:
    shared = fake.add_folder("shared")
    files = {fake.add_file(f"clip-{i}.mp4", b"x" * i, shared): f"clip-{i}.mp4" for i in range(5)}
    remote_id = client.remote.add(REMOTE_URL).id
    assert fake.wait_remote_upload(remote_id).status == "error"  # not on loopback: ends at once
    parents = [fake.add_folder(f"thread-{t}") for t in range(THREADS)]
    return Seed(shared, files, remote_id, parents)


class Worker:
    """One thread's share of the calls, each checked against the emulator's state."""

    def __init__(
        self, index: int, budget: int, client: Streamtape, fake: FakeStreamtape, seed: Seed
    ) -> None:
        self.index = index
        self.budget = budget
        self.client = client
        self.fake = fake
        self.seed = seed
        self.calls = 0
        self.created = 0
        self.errors: list[str] = []
        self._file_ids = list(seed.files)

    def run(self, barrier: threading.Barrier) -> None:
        units: list[tuple[int, Callable[[int], None]]] = [
            (1, self._account),
            (3, self._folder_lifecycle),
            (1, self._listing),
            (1, self._file_info),
            (1, self._remote_status),
            (1, self._thumbnail),
            (1, self._ticket),
        ]
        barrier.wait()
        step = 0
        while self.calls < self.budget:
            cost, unit = units[step % len(units)]
            step += 1
            if cost > self.budget - self.calls:
                continue  # finish the budget exactly with one-call units
            try:
                unit(step)
            except Exception as exc:  # every failure is reported, none stops the others
                self.errors.append(f"thread {self.index} step {step}: {exc!r}")
            self.calls += cost

    def _account(self, step: int) -> None:
        assert self.client.account.info().api_id == self.fake.login

    def _folder_lifecycle(self, step: int) -> None:
        parent = self.seed.parents[self.index]
        name = f"t{self.index}-s{step}"
        created = self.client.folders.create(name, parent).folder_id
        self.created += 1
        assert self._folder(created) == (name, parent)
        self.client.folders.rename(created, name + "-renamed")
        assert self._folder(created) == (name + "-renamed", parent)
        self.client.folders.delete(created)
        assert self._folder(created) is None

    def _folder(self, folder_id: str) -> tuple[str, str | None] | None:
        found = [(f.name, f.parent_id) for f in self.fake.folders() if f.id == folder_id]
        assert len(found) <= 1
        return found[0] if found else None

    def _listing(self, step: int) -> None:
        listing = self.client.folders.list(self.seed.shared_folder)
        assert listing.folders == []
        assert {f.link_id: f.name for f in listing.files} == self.seed.files

    def _file_info(self, step: int) -> None:
        wanted = [*self._file_ids[step % len(self._file_ids) :], "UNKNOWNFILE0000"]
        infos = self.client.files.info(wanted)
        assert list(infos) == wanted
        assert {i: e.name for i, e in infos.items() if e.exists} == {
            i: self.seed.files[i] for i in wanted[:-1]
        }
        assert infos["UNKNOWNFILE0000"].exists is False

    def _remote_status(self, step: int) -> None:
        status = self.client.remote.status(self.seed.remote_id)
        assert (status.id, status.status, status.remote_url) == (
            self.seed.remote_id,
            "error",
            REMOTE_URL,
        )

    def _thumbnail(self, step: int) -> None:
        file_id = self._file_ids[step % len(self._file_ids)]
        expected = f"{self.fake.base_url}/thumb/{file_id}.jpg"
        assert self.client.files.thumbnail_url(file_id) == expected

    def _ticket(self, step: int) -> None:
        file_id = self._file_ids[step % len(self._file_ids)]
        assert self.client.files.get_download_ticket(file_id).ticket.startswith(file_id + "~~")


def test_one_client_many_threads(fake: FakeStreamtape) -> None:
    client = make_client(fake.base_url, timeout=30.0, max_retries=3)
    seed = _seed(fake, client)
    folders_before = sorted((f.id, f.name, f.parent_id) for f in fake.folders())
    fake.clear_requests_log()
    budgets = [TOTAL_CALLS // THREADS + (t < TOTAL_CALLS % THREADS) for t in range(THREADS)]
    workers = [Worker(t, budgets[t], client, fake, seed) for t in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    threads = [
        threading.Thread(target=w.run, args=(barrier,), name=f"worker-{w.index}") for w in workers
    ]

    started = time.monotonic()
    with client:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    elapsed = time.monotonic() - started

    assert not any(t.is_alive() for t in threads)
    errors = [e for w in workers for e in w.errors]
    assert errors == []
    assert sum(w.calls for w in workers) == TOTAL_CALLS
    # Exactly one request per call: nothing was retried, nothing was lost.
    assert len(fake.requests_log) == TOTAL_CALLS
    assert all(r.fault is None for r in fake.requests_log)
    assert fake.calls("/file/createfolder") == sum(w.created for w in workers) > THREADS
    # No per-thread folder left behind, nothing else changed.
    assert sorted((f.id, f.name, f.parent_id) for f in fake.folders()) == folders_before
    assert {f.id: f.name for f in fake.files()} == seed.files
    record_figure(
        "concurrency",
        f"{THREADS} threads x {TOTAL_CALLS} calls in {elapsed:.1f} s "
        f"({TOTAL_CALLS / elapsed:.0f} calls/s), 0 errors",
    )


#: Every test here runs against both clients (see `client_kind` in conftest.py).
pytestmark = pytest.mark.usefixtures("client_kind")
