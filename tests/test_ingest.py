"""Every input kind, and one test per kind of bad input: one clear reason, the rest still read."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corroborate.ingest import IngestOptions, Rejection, read_bytes, read_inputs
from corroborate.ingest.base import normalise_published
from corroborate.ingest.text import parse_text
from corroborate.model import Article


def articles(results: list[Article | Rejection]) -> list[Article]:
    return [r for r in results if isinstance(r, Article)]


def rejections(results: list[Article | Rejection]) -> list[Rejection]:
    return [r for r in results if isinstance(r, Rejection)]


BODY = ("SEOUL, Sept 21 (Pacific Wire) - The two leaders met for about 30 minutes on Monday, "
        "officials said, in their first talks since 2019.")


def test_text_file_with_header(examples: Path) -> None:
    [a] = articles(list(read_inputs([str(examples / "summit" / "pacific-wire.txt")])))
    assert a.source == "Pacific Wire Service"
    assert a.published == "2026-09-21T21:40:00+12:00"
    assert a.url and a.url.startswith("https://")
    assert a.title.startswith("South Korea's Kang")
    assert a.text.startswith("AUCKLAND, Sept 21")
    assert a.author == "Park Min-ji"


def test_text_file_without_header_has_unknown_outlet(examples: Path) -> None:
    [a] = articles(list(read_inputs([str(examples / "summit" / "northbridge-times.txt")])))
    assert a.source == "unknown"
    assert a.published is None
    assert a.title and a.title not in a.text[:5]


def test_html_page(examples: Path) -> None:
    [a] = articles(list(read_inputs([str(examples / "summit" / "meridian-post.html")])))
    assert a.source == "The Meridian Post"
    assert a.published == "2026-09-22"
    assert a.url and "meridian" in a.url
    assert "Related" not in a.text and "All rights reserved" not in a.text
    assert not a.text.startswith(a.title)


def test_jsonl_keeps_extra_fields_as_metadata(examples: Path) -> None:
    found = articles(list(read_inputs([str(examples / "rate-decision" / "meridian-post.jsonl")])))
    assert len(found) == 2
    assert all(a.source == "The Meridian Post" for a in found)
    assert all("section" in a.metadata for a in found)


def test_directory_is_recursive_and_skips_readme(examples: Path) -> None:
    found = list(read_inputs([str(examples)]))
    assert not rejections(found)
    assert len(articles(found)) == 10
    assert all("README" not in (a.path or "") for a in articles(found))


def test_source_override_wins(examples: Path) -> None:
    opts = IngestOptions(source="My Outlet")
    [a] = articles(list(read_inputs([str(examples / "summit" / "pacific-wire.txt")], opts)))
    assert a.source == "My Outlet"


def test_stdin_is_sniffed() -> None:
    data = json.dumps({"title": "T", "text": BODY, "source": "X"}).encode()
    [a] = articles(list(read_inputs(["-"], stdin=io.BytesIO(data))))
    assert a.source == "X"
    [b] = articles(list(read_inputs(["-"], stdin=io.BytesIO(f"Title\n\n{BODY}".encode()))))
    assert b.title == "Title"


def test_same_text_same_id_and_wire_copy_differs_by_outlet(examples: Path) -> None:
    wire = articles(list(read_inputs([str(examples / "factory-fire" / "pacific-wire.txt")])))[0]
    copy = articles(list(read_inputs([str(examples / "factory-fire" / "daily-ledger.html")])))[0]
    assert wire.text == copy.text
    assert wire.id != copy.id
    again = articles(list(read_inputs([str(examples / "factory-fire" / "pacific-wire.txt")])))[0]
    assert again.id == wire.id


# -- bad input: one test per kind ----------------------------------------------------------

def _one_rejection(results: list[Article | Rejection]) -> Rejection:
    [r] = rejections(results)
    return r


def test_missing_path(tmp_path: Path) -> None:
    r = _one_rejection(list(read_inputs([str(tmp_path / "nope.txt")])))
    assert r.input.endswith("nope.txt") and "no such file" in r.reason


def test_binary_file(tmp_path: Path) -> None:
    f = tmp_path / "image.txt"
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    r = _one_rejection(list(read_inputs([str(f)])))
    assert "binary" in r.reason and "PNG" in r.reason


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    f = tmp_path / "blob.txt"
    f.write_bytes(b"abc\x00def" * 50)
    assert "binary" in _one_rejection(list(read_inputs([str(f)]))).reason


def test_legacy_encoding_is_detected(tmp_path: Path) -> None:
    f = tmp_path / "latin.txt"
    text = ("Café owners in Zürich said the señor's déjà vu was très étrange, "
            "according to the mayor's office, which confirmed 12 closures.")
    f.write_bytes(f"Title\n\n{text}\n".encode("cp1252"))
    [a] = articles(list(read_inputs([str(f)])))
    assert "Zürich" in a.text


def test_undecodable_text(tmp_path: Path) -> None:
    f = tmp_path / "garbage.txt"
    f.write_bytes(bytes(range(128, 256)) * 10)
    r = _one_rejection(list(read_inputs([str(f)])))
    assert r.reason.startswith(("cannot detect", "binary"))


def test_empty_and_near_empty(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "short.txt").write_text("Title\n\nToo short.")
    results = list(read_inputs([str(tmp_path / "empty.txt"), str(tmp_path / "short.txt")]))
    reasons = [r.reason for r in rejections(results)]
    assert len(reasons) == 2
    assert "empty" in reasons[0] and "near-empty" in reasons[1]


def test_oversized_file(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_text("Title\n\n" + BODY * 50)
    r = _one_rejection(list(read_inputs([str(f)], IngestOptions(max_bytes=1000))))
    assert "size limit" in r.reason and "--max-bytes" in r.reason


def test_malformed_jsonl_line_names_file_and_line_and_keeps_the_rest(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    good = json.dumps({"title": "Good", "text": BODY, "source": "A"})
    f.write_text("\n".join([good, "{not json", json.dumps([1, 2]),
                            json.dumps({"title": "no text"}),
                            json.dumps({"title": "Also good", "text": BODY, "source": "B"})]))
    results = list(read_inputs([str(f)]))
    assert [a.title for a in articles(results)] == ["Good", "Also good"]
    bad = rejections(results)
    assert [r.input for r in bad] == [f"{f}:2", f"{f}:3", f"{f}:4"]
    assert "malformed JSON" in bad[0].reason
    assert "JSON object" in bad[1].reason
    assert "'text'" in bad[2].reason


def test_html_without_article(tmp_path: Path) -> None:
    f = tmp_path / "empty.html"
    f.write_text("<html><head><title>x</title></head><body><nav>Home</nav></body></html>")
    r = _one_rejection(list(read_inputs([str(f)])))
    assert "no article text" in r.reason or "empty" in r.reason


def test_bad_input_does_not_stop_the_batch(tmp_path: Path, examples: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\x00" * 100)
    results = list(read_inputs([str(tmp_path / "bad.txt"), str(examples / "summit")]))
    assert len(rejections(results)) == 1
    assert len(articles(results)) == 3


def test_published_dates_are_normalised() -> None:
    assert normalise_published("2026-09-21") == "2026-09-21"
    assert normalise_published("2026-09-21T10:00:00Z") == "2026-09-21T10:00:00+00:00"
    assert normalise_published("September 21, 2026") == "2026-09-21"
    assert normalise_published("not a date at all") is None


@given(st.binary(max_size=2000))
def test_reader_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    for result in read_bytes(data, "<fuzz>", IngestOptions()):
        assert isinstance(result, Article | Rejection)


@given(st.text(max_size=500))
def test_text_parser_never_raises(text: str) -> None:
    fields = parse_text(text)
    assert isinstance(fields.text, str)


@pytest.mark.parametrize("kind", ["text", "html", "jsonl"])
def test_every_reader_rejects_whitespace_only(kind: str) -> None:
    results = list(read_bytes(b"   \n\n  ", "<ws>", IngestOptions(), kind=kind))
    assert results and all(isinstance(r, Rejection) for r in results)


# -- hostile and odd inputs found in review -------------------------------------------------

def test_lone_surrogate_and_nan_in_jsonl(tmp_path: Path) -> None:
    f = tmp_path / "s.jsonl"
    f.write_text('{"title": "T \\ud800", "text": "' + BODY + ' \\ud800", "x": NaN}\n'
                 + json.dumps({"title": "ok", "text": BODY}) + "\n")
    found = articles(list(read_inputs([str(f)])))
    assert len(found) == 2
    assert "\ud800" not in found[0].text and found[0].metadata["x"] is None
    json.dumps(dict(found[0].metadata))  # writable as JSON


def test_deeply_nested_json_line(tmp_path: Path) -> None:
    f = tmp_path / "deep.jsonl"
    f.write_text("[" * 100000 + "]" * 100000 + "\n" + json.dumps({"text": BODY}) + "\n")
    results = list(read_inputs([str(f)]))
    assert len(articles(results)) == 1
    assert "nested too deeply" in rejections(results)[0].reason


def test_non_string_fields_are_rejected(tmp_path: Path) -> None:
    f = tmp_path / "t.jsonl"
    f.write_text(json.dumps({"title": ["a", "b"], "text": BODY}) + "\n")
    assert "must be a string" in _one_rejection(list(read_inputs([str(f)]))).reason


def test_stray_byte_in_utf8_keeps_utf8(tmp_path: Path) -> None:
    f = tmp_path / "m.txt"
    f.write_bytes("Title\n\nThe café's plan cost ".encode() + b"\xa3" + b"300m, officials said.")
    [a] = articles(list(read_inputs([str(f)])))
    assert "café" in a.text and "\ufffd300m" in a.text


def test_special_files_are_refused() -> None:
    r = _one_rejection(list(read_inputs(["/dev/zero"])))
    assert "not a regular file" in r.reason


def test_oversized_jsonl_line_is_skipped_and_the_rest_read(tmp_path: Path) -> None:
    f = tmp_path / "big.jsonl"
    f.write_text(json.dumps({"text": BODY * 40}) + "\n" + json.dumps({"text": BODY}) + "\n")
    results = list(read_inputs([str(f)], IngestOptions(max_bytes=1000)))
    assert len(articles(results)) == 1
    assert rejections(results)[0].input == f"{f}:1"


def test_stdin_jsonl_is_limited_per_line() -> None:
    lines = "".join(json.dumps({"title": f"t{i}", "text": BODY}) + "\n" for i in range(5))
    results = list(read_inputs(["-"], IngestOptions(max_bytes=400),
                               stdin=io.BytesIO(lines.encode())))
    assert len(articles(results)) == 5


def test_json_file_with_an_array(tmp_path: Path) -> None:
    f = tmp_path / "a.json"
    f.write_text(json.dumps([{"title": "A", "text": BODY}, {"title": "B", "text": BODY + " x"}],
                            indent=2))
    assert [a.title for a in articles(list(read_inputs([str(f)])))] == ["A", "B"]


def test_html_fragment_on_stdin_is_html() -> None:
    page = f"<div><h1>Headline</h1><p>{BODY}</p><p>{BODY}</p></div>".encode()
    [a] = articles(list(read_inputs(["-"], stdin=io.BytesIO(page))))
    assert "<" not in a.text


def test_relative_publication_dates_are_not_resolved_against_the_clock() -> None:
    assert normalise_published("yesterday") is None
    assert normalise_published("Monday") is None


def test_overlong_article_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "long.txt"
    f.write_text("Title\n\n" + ("word " * 250_000))
    r = _one_rejection(list(read_inputs([str(f)])))
    assert "analysis limit" in r.reason


def test_hard_wrapped_text_is_unwrapped_and_single_paragraph_kept() -> None:
    fields = parse_text('Flood hits town\n\n"We have never seen the water rise\nthis fast," said '
                        "Mayor Lisa Chen.\n\nThe river rose two metres, officials said.\n")
    assert fields.title == "Flood hits town"
    assert fields.text.split("\n")[0].endswith("said Mayor Lisa Chen.")
    one = parse_text("The ministry said on Monday that at least 12 people were hurt.")
    assert one.title is None and one.text.startswith("The ministry said")
