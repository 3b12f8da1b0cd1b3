"""Formatting helpers: sizes, dates, tables, symbols, JSON conversion, key scrubbing."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from streamtape_sdk import Folder, FolderListing
from streamtape_sdk.cli._format import human_date, human_size, key_values, symbols_for, table
from streamtape_sdk.cli._output import Outcome, Printer, to_jsonable


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (None, "-"),
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (50 * 1024**2, "50.0 MiB"),
        (3 * 1024**3 + 1024**3 // 2, "3.5 GiB"),
        (2 * 1024**4, "2.0 TiB"),
        (5 * 1024**6, "5120.0 PiB"),
    ],
)
def test_human_size(size: int | None, text: str) -> None:
    assert human_size(size) == text


def test_human_date_is_utc() -> None:
    moment = datetime(2019, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert human_date(moment) == "2019-12-31 23:59:59 UTC"
    paris = moment.astimezone(timezone(timedelta(hours=1)))
    assert human_date(paris) == "2019-12-31 23:59:59 UTC"
    assert human_date(datetime(2020, 1, 1)) == "2020-01-01 00:00:00 UTC"
    assert human_date(None) == "-"


def test_table_aligns_and_right_aligns_numbers() -> None:
    text = table(["NAME", "SIZE"], [["a", "1 B"], ["long-name", "10.0 KiB"]], right=(1,))
    assert text.splitlines() == [
        "NAME           SIZE",
        "a               1 B",
        "long-name  10.0 KiB",
    ]


def test_key_values() -> None:
    assert key_values([("Id", "1"), ("Status", "ok")]) == "Id:      1\nStatus:  ok"


def test_symbols_fall_back_to_ascii() -> None:
    ascii_stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    utf8_stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert symbols_for(ascii_stream).ok == "OK"
    assert symbols_for(utf8_stream).ok == "✔"


def test_to_jsonable() -> None:
    listing = FolderListing(folders=[Folder(id="abc", name="x")], files=[])
    assert to_jsonable(None) == {"ok": True}
    assert to_jsonable(listing) == {"folders": [{"id": "abc", "name": "x"}], "files": []}
    assert to_jsonable({"k": listing}) == {
        "k": {"folders": [{"id": "abc", "name": "x"}], "files": []}
    }
    assert to_jsonable([Path("/tmp/x")]) == ["/tmp/x"]
    assert to_jsonable({"when": datetime(2020, 1, 1, tzinfo=timezone.utc)}) == {
        "when": "2020-01-01T00:00:00+00:00"
    }


def test_printer_scrubs_secrets_and_flattens_errors() -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = Printer(json_mode=False, secrets=["SecretKey123", None, "ab"], stdout=out, stderr=err)
    printer.result(Outcome(None, "key is SecretKey123, ab stays"))
    printer.error("bad\nthing SecretKey123")
    assert out.getvalue() == "key is ***, ab stays\n"
    assert err.getvalue() == "streamtape: error: bad thing ***\n"


def test_printer_json_mode_prints_one_document() -> None:
    out = io.StringIO()
    Printer(json_mode=True, stdout=out).result(Outcome([1, 2], "ignored"))
    assert out.getvalue() == "[\n  1,\n  2\n]\n"
