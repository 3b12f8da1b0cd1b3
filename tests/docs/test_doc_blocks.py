"""The Python code blocks of the documentation run against the emulator.

Convention (for writers of `docs/`):

- Every block fenced as ```` ```python ```` (attributes such as `title="..."` allowed, also
  indented inside tabs or admonitions) is executed.
- A block that cannot run as written (it needs the real service, a file you do not have, or
  shows the old API) is preceded by the line `<!-- skip -->`. Blocks in other languages
  (`bash`, `text`, `toml`, ...) never run.
- The blocks of one page run in order, in one shared namespace, like a notebook: a later
  block may use the names an earlier one defined.
- Each page gets a fresh emulator: `STREAMTAPE_LOGIN`, `STREAMTAPE_KEY` and
  `STREAMTAPE_BASE_URL` point at it, so `Streamtape()` in a block talks to it; the working
  directory is an empty temporary directory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from streamtape_sdk.testing import FakeStreamtape

DOCS = Path(__file__).resolve().parents[2] / "docs"
SKIP_MARK = "<!-- skip -->"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^\n`]*)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: str
    line: int
    language: str
    code: str
    skipped: bool


def blocks_of(path: Path) -> list[Block]:
    """Every fenced block of a markdown page, with its language and skip mark."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        language = (match["info"].split() or [""])[0].strip("{}.")
        previous = next((text.strip() for text in reversed(lines[:i]) if text.strip()), "")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            text = lines[j]
            body.append(text[len(indent) :] if text.startswith(indent) else text.lstrip())
            j += 1
        found.append(
            Block(
                page=str(path.relative_to(DOCS)),
                line=i + 1,
                language=language,
                code="\n".join(body) + "\n",
                skipped=previous == SKIP_MARK,
            )
        )
        i = j + 1
    return found


def runnable(path: Path) -> list[Block]:
    return [b for b in blocks_of(path) if b.language == "python" and not b.skipped]


PAGES = sorted(
    p for p in DOCS.rglob("*.md") if "reference" not in p.relative_to(DOCS).parts and runnable(p)
)


def test_quickstart_is_executed() -> None:
    assert DOCS / "quickstart.md" in PAGES
    assert len(runnable(DOCS / "quickstart.md")) >= 2


def test_skip_marks_only_precede_python_blocks() -> None:
    for page in DOCS.rglob("*.md"):
        lines = page.read_text(encoding="utf-8").splitlines()
        marks = [n for n, text in enumerate(lines) if text.strip() == SKIP_MARK]
        starts = {b.line - 1: b for b in blocks_of(page)}
        for n in marks:
            nxt = next(k for k in range(n + 1, len(lines)) if lines[k].strip())
            assert nxt in starts, f"{page}:{n + 1}: {SKIP_MARK} is not followed by a code block"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_blocks_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeStreamtape() as fake:
        monkeypatch.setenv("STREAMTAPE_LOGIN", fake.login)
        monkeypatch.setenv("STREAMTAPE_KEY", fake.key)
        monkeypatch.setenv("STREAMTAPE_BASE_URL", fake.base_url)
        monkeypatch.chdir(tmp_path)
        namespace: dict[str, object] = {"__name__": "__doc_block__"}
        for block in runnable(page):
            code = compile(block.code, f"docs/{block.page}:{block.line}", "exec")
            try:
                exec(code, namespace)  # noqa: S102 - executing our own documentation
            except BaseException as error:
                pytest.fail(f"docs/{block.page}, block at line {block.line}: {error!r}")
        client = namespace.get("client")
        close = getattr(client, "close", None)
        if callable(close):
            close()
    output = capsys.readouterr().out
    assert fake.key not in output


README = DOCS.parent / "README.md"


def test_readme_quickstart_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's quickstart, as written, against the emulator (with the files it names)."""
    text = README.read_text(encoding="utf-8")
    quickstart = r"```python\n(from streamtape_sdk import NotFoundError.*?)```"
    (code,) = re.findall(quickstart, text, re.DOTALL)
    (tmp_path / "beach.mp4").write_bytes(b"\x00" * 4096)
    with FakeStreamtape() as fake:
        monkeypatch.setenv("STREAMTAPE_LOGIN", fake.login)
        monkeypatch.setenv("STREAMTAPE_KEY", fake.key)
        monkeypatch.setenv("STREAMTAPE_BASE_URL", fake.base_url)
        monkeypatch.chdir(tmp_path)
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})  # noqa: S102
    output = capsys.readouterr().out
    assert "dev@example.com" in output
    assert "('beach.mp4', 4096)" in output
    assert "404 File not found" in output
    assert (tmp_path / "beach-copy.mp4").read_bytes() == b"\x00" * 4096
