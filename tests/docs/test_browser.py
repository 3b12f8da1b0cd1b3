"""The built API reference, checked in a real browser (headless Chromium).

The reference pages once rendered every `>>>` example as one flattened blockquote with
`# doctest: +SKIP` showing, and the errors table broke class names mid-word. Both are
layout facts, so they are checked on the built site: statically (always), and in Chromium
(laid out at a laptop width, with a screenshot of each page). Without Chromium the browser
test is skipped with a reason, except in CI (`CI` set), where it fails.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

#: Slow as a whole; the CI runs it on python3 only (see pyproject's `slow` marker).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
#: The pages checked: every API reference page, and the errors guide with its table.
PAGES = [
    "reference/client",
    "reference/resources",
    "reference/models",
    "reference/errors",
    "reference/transfers",
    "reference/testing",
    "errors",
]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Laid out in the browser (each costs a browser start): the pages with tables and examples.
BROWSER_PAGES = ["reference/client", "reference/resources", "reference/errors", "errors"]
WIDTH, HEIGHT = 1024, 2000

# Runs in the page after layout: inline code in tables laid out on more than one line is a
# name broken mid-word; a blockquote inside an API object is a flattened `>>>` example.
_PROBE = """<script>
(function () {
  var broken = [];
  document.querySelectorAll("td code, th code").forEach(function (c) {
    if (c.getClientRects().length > 1) { broken.push(c.textContent); }
  });
  document.body.setAttribute("data-probe", JSON.stringify({
    broken: broken,
    quotes: document.querySelectorAll(".doc blockquote").length,
    doctest: document.body.innerText.indexOf("doctest:") >= 0,
    examples: document.querySelectorAll(".doc .highlight").length
  }));
})();
</script>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def test_reference_examples_are_code_blocks_in_the_html(site: Path) -> None:
    for page in PAGES:
        text = (site / page / "index.html").read_text(encoding="utf-8")
        assert "doctest:" not in text, f"{page}: a doctest flag is shown"
        assert "<blockquote>" not in text, f"{page}: an example renders as a blockquote"
    client = (site / "reference/client/index.html").read_text(encoding="utf-8")
    assert '<span class="gp">&gt;&gt;&gt; </span>' in client  # `>>>` examples are code blocks


def _browser() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def _run_browser(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",  # CI containers run as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{HEIGHT}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_reference_pages_in_a_browser(site: Path, tmp_path: Path) -> None:
    browser = _browser()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium for the docs browser check (see .ci/run)")
        pytest.skip("chromium is not installed (apt-get install chromium): browser check skipped")
    problems: list[str] = []
    for page in BROWSER_PAGES:
        source = site / page / "index.html"
        probed = source.with_name("probe.html")
        probed.write_text(
            source.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
            encoding="utf-8",
        )
        name = page.replace("/", "-")
        shot = tmp_path / f"{name}.png"
        # One browser run: the DOM after layout (with the probe's verdict) and a screenshot.
        dom = _run_browser(
            browser, tmp_path / "profile", f"--screenshot={shot}", "--dump-dom", probed.as_uri()
        ).stdout
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{page}: no screenshot"
        assert shot.stat().st_size > 10_000, f"{page}: the screenshot is blank"
        match = re.search(r'data-probe="([^"]*)"', dom)
        assert match, f"{page}: the probe did not run in the browser"
        probe = json.loads(html.unescape(match.group(1)))
        if probe["broken"]:
            problems.append(f"{page}: names broken across lines: {probe['broken']}")
        if probe["quotes"] or probe["doctest"]:
            problems.append(f"{page}: examples render as blockquotes / show doctest flags")
        if page == "reference/client" and not probe["examples"]:
            problems.append(f"{page}: the examples are not code blocks")
    assert not problems, "\n".join(problems)
