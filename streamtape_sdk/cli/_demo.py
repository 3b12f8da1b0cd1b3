"""`streamtape demo`: a guided tour of the whole API against an in-process emulator.

Each step is a real SDK call over HTTP to `FakeStreamtape`; the output shows the call, what
came back and how long it took, then a summary. It needs no account and no network, so it
is the first thing to run after installing. Any failing step stops the tour (exit 1) and
the cleanup still runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from streamtape_sdk import (
    DownloadLink,
    DownloadTicket,
    Streamtape,
    UploadedFile,
    __version__,
)
from streamtape_sdk.testing import FakeStreamtape

from ._format import Symbols, human_date, human_size, symbols_for
from ._output import Printer
from ._progress import ProgressBar, countdown, interactive
from ._render import tree_text

__all__ = ["run_demo"]

#: Seconds the emulator makes a download ticket wait: long enough to see the countdown.
TICKET_WAIT = 3
#: Conversions last this long in the demo, so the "running conversions" step has some to show.
CONVERSION_SECONDS = 60.0
#: A loopback fetch takes well under a second per 50 MiB; a stuck one must fail the step,
#: not poll for remote.wait's default hour.
REMOTE_TIMEOUT = 120.0
_CHUNK = 1024 * 1024
_MIB = 1024 * 1024
_FOLDER_NAME = "streamtape-demo"
_TITLE_WIDTH = 22


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _elapsed(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _rate(size: int, seconds: float) -> str:
    return f"{human_size(int(size / seconds))}/s" if seconds > 0 else "instant"


@dataclass(frozen=True)
class StepResult:
    """What a step reports: a one-line detail and an optional indented block (a tree)."""

    detail: str
    block: str | None = None


@dataclass(frozen=True)
class Step:
    """One stop of the tour: a title, the SDK call it demonstrates, and the code to run."""

    title: str
    code: str
    run: Callable[[], StepResult]


@dataclass
class _Style:
    """ANSI colours on a terminal (unless NO_COLOR is set), plain text elsewhere."""

    enabled: bool

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def good(self, text: str) -> str:
        return self._wrap("32", text)

    def bad(self, text: str) -> str:
        return self._wrap("31", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)


@dataclass
class _Record:
    title: str
    ok: bool
    seconds: float
    detail: str


@dataclass
class Tour:
    """The demo's state, shared by its steps (each step fills in what the next ones use)."""

    client: Streamtape
    workdir: Path
    size: int
    show_progress: bool
    folder_id: str = ""
    archive_id: str = ""
    source: Path = field(default_factory=Path)
    source_sha256: str = ""
    uploaded: UploadedFile | None = None
    ticket: DownloadTicket | None = None
    link: DownloadLink | None = None
    downloaded: Path = field(default_factory=Path)
    remote_file_id: str = ""
    bytes_up: int = 0
    bytes_down: int = 0
    bytes_remote: int = 0
    marks: Symbols = field(default_factory=symbols_for)

    @property
    def file_id(self) -> str:
        if self.uploaded is None:
            raise RuntimeError("no file uploaded yet")
        return self.uploaded.id

    def steps(self) -> list[Step]:
        """The tour, in order."""
        mib = human_size(self.size)
        return [
            Step("Account info", "client.account.info()", self.account),
            Step("Create a folder", f'client.folders.create("{_FOLDER_NAME}")', self.mkdir),
            Step(f"Generate {mib} file", "random bytes, written 1 MiB at a time", self.generate),
            Step("Upload", "client.files.upload(path, folder=id, progress=bar)", self.upload),
            Step("List the folder", "client.folders.list(folder_id)", self.listing),
            Step("Folder tree", "client.folders.walk()", self.tree),
            Step("File info", "client.files.info(file_id)", self.info),
            Step("Download ticket", "client.files.get_download_ticket(file_id)", self.get_ticket),
            Step("Download link", "client.files.get_download_link(file_id, ticket)", self.get_link),
            Step("Download", "client.files.download(file_id, dest, progress=bar)", self.download),
            Step("Verify sha256", "hashlib.sha256(downloaded) == original", self.verify),
            Step("Remote upload", "client.remote.add(url) + client.remote.wait(id)", self.remote),
            Step("Rename", 'client.files.rename(file_id, "renamed.bin")', self.rename),
            Step("Move", "client.folders.create(...) + client.files.move(file_id, id)", self.move),
            Step("Delete", "client.files.delete(remote_copy_id)", self.delete),
            Step("Conversions", "client.files.running_conversions()", self.conversions),
            Step("Thumbnail", "client.files.thumbnail_url(file_id)", self.thumbnail),
            Step("Clean up", "client.folders.delete(folder_id)", self.cleanup),
        ]

    def account(self) -> StepResult:
        info = self.client.account.info()
        return StepResult(f"{info.email}, signed up {human_date(info.signup_at)}")

    def mkdir(self) -> StepResult:
        self.folder_id = self.client.folders.create(_FOLDER_NAME).folder_id
        return StepResult(f"folder {self.folder_id}")

    def generate(self) -> StepResult:
        # Written and hashed chunk by chunk: the demo never holds the file in memory,
        # just like the SDK's upload and download.
        self.source = self.workdir / f"demo-{self.size // _MIB or 1}MiB.bin"
        digest = hashlib.sha256()
        with self.source.open("wb") as out:
            left = self.size
            while left:
                chunk = os.urandom(min(_CHUNK, left))
                out.write(chunk)
                digest.update(chunk)
                left -= len(chunk)
        self.source_sha256 = digest.hexdigest()
        return StepResult(f"{self.source.name}, sha256 {self.source_sha256[:16]}...")

    def upload(self) -> StepResult:
        started = time.monotonic()
        with ProgressBar(
            f"upload {self.source.name}",
            enabled=self.show_progress,
            waiting=f"Hashing {self.source.name}...",
        ) as bar:
            self.uploaded = self.client.files.upload(
                self.source, folder=self.folder_id, progress=bar
            )
        self.bytes_up += self.uploaded.size
        rate = _rate(self.uploaded.size, time.monotonic() - started)
        return StepResult(f"file {self.uploaded.id}, {human_size(self.uploaded.size)} at {rate}")

    def listing(self) -> StepResult:
        listing = self.client.folders.list(self.folder_id)
        names = ", ".join(f"{f.name} ({human_size(f.size)})" for f in listing.files)
        return StepResult(f"{len(listing.files)} file(s): {names}")

    def tree(self) -> StepResult:
        entries = list(self.client.folders.walk())
        return StepResult(f"{len(entries)} folder(s) walked", tree_text(entries, self.marks))

    def info(self) -> StepResult:
        entry = self.client.files.info(self.file_id)[self.file_id]
        converted = "converted" if entry.converted else "still converting"
        return StepResult(
            f"{entry.name}, {human_size(entry.size)}, {entry.content_type}, {converted}"
        )

    def get_ticket(self) -> StepResult:
        self.ticket = self.client.files.get_download_ticket(self.file_id)
        # The API refuses the link before wait_time has passed: count it down visibly.
        countdown(
            self.ticket.remaining_wait,
            f"Waiting {self.ticket.wait_time} s, as the ticket asks:",
            enabled=self.show_progress,
        )
        valid = human_date(self.ticket.valid_until)
        return StepResult(f"wait_time {self.ticket.wait_time} s, valid until {valid}")

    def get_link(self) -> StepResult:
        if self.ticket is None:
            raise RuntimeError("no download ticket yet")
        self.link = self.client.files.get_download_link(self.file_id, self.ticket)
        return StepResult(self.link.url)

    def download(self) -> StepResult:
        dest = self.workdir / "downloads"
        dest.mkdir()
        with ProgressBar(
            f"download {self.source.name}",
            enabled=self.show_progress,
            waiting="Waiting for a fresh download ticket...",
        ) as bar:
            self.downloaded = self.client.files.download(self.file_id, dest, progress=bar)
        size = self.downloaded.stat().st_size
        self.bytes_down += size
        return StepResult(
            f"{human_size(size)} saved as {self.downloaded.name}, after a fresh ticket's "
            f"{TICKET_WAIT} s wait"
        )

    def verify(self) -> StepResult:
        actual = _sha256_of(self.downloaded)
        if actual != self.source_sha256:
            raise RuntimeError(f"sha256 mismatch: got {actual}, expected {self.source_sha256}")
        return StepResult(f"identical to the original ({actual[:16]}...)")

    def remote(self) -> StepResult:
        if self.link is None:
            raise RuntimeError("no download link yet")
        # The source is the emulator's own download link: loopback, so no network is needed.
        job = self.client.remote.add(self.link.url, folder=self.folder_id, name="remote-copy.bin")
        with ProgressBar(f"remote {job.id}", enabled=self.show_progress) as bar:
            status = self.client.remote.wait(
                job.id, timeout=REMOTE_TIMEOUT, poll_interval=0.2, progress=bar
            )
        self.remote_file_id = status.file_id or ""
        self.bytes_remote += status.bytes_total or 0
        return StepResult(
            f"job {job.id} {status.status}: {human_size(status.bytes_total)} "
            f"fetched into new file {status.file_id}"
        )

    def rename(self) -> StepResult:
        self.client.files.rename(self.file_id, "renamed.bin")
        name = self.client.files.info(self.file_id)[self.file_id].name
        return StepResult(f"{self.source.name} is now {name}")

    def move(self) -> StepResult:
        self.archive_id = self.client.folders.create("archive", parent=self.folder_id).folder_id
        self.client.files.move(self.file_id, self.archive_id)
        moved = self.client.folders.list(self.archive_id).files
        return StepResult(f"archive/ ({self.archive_id}) now holds {moved[0].name}")

    def delete(self) -> StepResult:
        self.client.files.delete(self.remote_file_id)
        gone = not self.client.files.info(self.remote_file_id)[self.remote_file_id].exists
        return StepResult(f"file {self.remote_file_id} deleted (info says gone: {gone})")

    def conversions(self) -> StepResult:
        running = self.client.files.running_conversions()
        failed = self.client.files.failed_conversions()
        shown = ", ".join(f"{c.name} {c.status} {c.progress:.0%}" for c in running[:3])
        return StepResult(f"{len(running)} running ({shown or 'none'}), {len(failed)} failed")

    def thumbnail(self) -> StepResult:
        return StepResult(self.client.files.thumbnail_url(self.file_id))

    def cleanup(self) -> StepResult:
        self.client.folders.delete(self.folder_id)
        self.folder_id = ""
        left = len(self.client.folders.list().folders)
        return StepResult(f"folder and its files deleted ({left} folders left at the root)")

    def bytes_moved(self) -> int:
        return self.bytes_up + self.bytes_down + self.bytes_remote


class _Reporter:
    """Prints the tour: a header, a line (and the SDK call) per step, and a summary."""

    def __init__(self, printer: Printer, total: int) -> None:
        self.printer = printer
        self.total = total
        self.marks = symbols_for()
        self.style = _Style(sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        self.quiet_text = printer.json_mode  # JSON mode prints one document at the end

    def say(self, text: str = "") -> None:
        if not self.quiet_text:
            self.printer.line(text)

    def header(self, base_url: str, size: int) -> None:
        title = f"Streamtape SDK {__version__} demo"
        self.say(self.style.bold(title))
        self.say(self.marks.rule * len(title))
        self.say(f"A Streamtape emulator is running in this process at {base_url}.")
        self.say(f"Every step is a real SDK call over HTTP; the test file is {human_size(size)}.")
        self.say("No account and no network needed.")
        self.say()

    def step(self, number: int, step: Step, seconds: float, result: StepResult) -> None:
        counter = f"{number:>2}/{self.total}"
        mark = self.style.good(self.marks.ok.ljust(len(self.marks.fail)))
        self.say(
            f" {mark} {counter}  {self.style.bold(step.title.ljust(_TITLE_WIDTH))} {result.detail}"
        )
        indent = " " * (len(counter) + len(self.marks.fail) + 4)  # under the title
        self.say(self.style.dim(f"{indent}{step.code}  ({_elapsed(seconds)})"))
        if result.block:
            for line in result.block.splitlines():
                self.say(f"{indent}  {line}".rstrip())

    def failure(self, number: int, step: Step, error: BaseException) -> None:
        counter = f"{number:>2}/{self.total}"
        mark = self.style.bad(self.marks.fail)
        message = " ".join(str(error).split())
        self.say(f" {mark} {counter}  {self.style.bold(step.title.ljust(_TITLE_WIDTH))} {message}")

    def summary(self, passed: int, moved: int, seconds: float, failed: str | None) -> None:
        self.say()
        self.say(self.marks.rule * 60)
        if failed is None:
            text = f"{self.marks.ok} {passed}/{self.total} steps passed"
            self.say(self.style.good(text) + f", {human_size(moved)} moved in {seconds:.1f} s.")
            self.say(
                "Next: export STREAMTAPE_LOGIN=... STREAMTAPE_KEY=... and try `streamtape ls`."
            )
        else:
            text = f"{self.marks.fail} demo failed at step {passed + 1}/{self.total} ({failed})"
            self.say(self.style.bad(text) + f" after {passed} passed steps, {seconds:.1f} s.")


def _run_steps(tour: Tour, reporter: _Reporter, records: list[_Record]) -> tuple[int, str | None]:
    """Run the steps in order; return (steps passed, error line of the failed step or None)."""
    steps = tour.steps()
    for number, step in enumerate(steps, start=1):
        started = time.monotonic()
        try:
            result = step.run()
        except Exception as error:  # any failure ends the tour; report it as one step
            records.append(_Record(step.title, False, time.monotonic() - started, str(error)))
            reporter.failure(number, step, error)
            return number - 1, f"demo failed at step {number} ({step.title}): {error}"
        seconds = time.monotonic() - started
        records.append(_Record(step.title, True, seconds, result.detail))
        reporter.step(number, step, seconds, result)
    return len(steps), None


def _best_effort_cleanup(tour: Tour) -> None:
    # After a failure the folder may still exist; the emulator is discarded anyway, but a
    # tour against a real account (a future option) must not leave files behind.
    if tour.folder_id:
        with contextlib.suppress(Exception):  # the failure itself is already reported
            tour.client.folders.delete(tour.folder_id)


def run_demo(size_mb: int, printer: Printer, quiet: bool) -> int:
    """Run the tour with a `size_mb` MiB test file; return the exit status (0 or 1)."""
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="streamtape-demo-"))
    records: list[_Record] = []
    fake = FakeStreamtape(wait_time=TICKET_WAIT, conversion_seconds=CONVERSION_SECONDS)
    try:
        fake.start()
        printer.add_secret(fake.key)  # throwaway, but `--debug` logs must not show it either
        with fake.client() as client:
            tour = Tour(client, workdir, size_mb * _MIB, interactive(quiet))
            reporter = _Reporter(printer, len(tour.steps()))
            reporter.header(fake.base_url, tour.size)
            try:
                passed, error = _run_steps(tour, reporter, records)
            finally:
                _best_effort_cleanup(tour)
    finally:
        fake.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    seconds = time.monotonic() - started
    failed_title = records[-1].title if error else None
    reporter.summary(passed, tour.bytes_moved(), seconds, failed_title)
    if printer.json_mode:
        printer.line(json.dumps(_json_summary(records, tour, seconds, error), indent=2))
    if error:
        printer.error(error)
        return 1
    return 0


def _json_summary(
    records: list[_Record], tour: Tour, seconds: float, error: str | None
) -> dict[str, object]:
    return {
        "ok": error is None,
        "error": error,
        "steps": [
            {"title": r.title, "ok": r.ok, "seconds": round(r.seconds, 3), "detail": r.detail}
            for r in records
        ],
        "bytes_uploaded": tour.bytes_up,
        "bytes_downloaded": tour.bytes_down,
        "bytes_remote": tour.bytes_remote,
        "seconds": round(seconds, 3),
    }
