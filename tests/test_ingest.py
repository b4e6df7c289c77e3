"""Every input kind, and one test per kind of bad input: one clear reason, the rest still read."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
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
    # article:published_time with its time and zone; never article:modified_time (10:02)
    assert a.published == "2026-09-22T08:15:00+09:00"
    assert a.metadata["published_source"] == "metadata"
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


# -- issue 13: stdin and files share one reader ----------------------------------------------

GOOD_LINES = [json.dumps({"title": f"Good {i}", "text": f"{BODY} ({i})", "source": "A"})
              for i in range(6)]


def _stdin(data: bytes, options: IngestOptions | None = None) -> list[Article | Rejection]:
    return list(read_inputs(["-"], options, stdin=io.BytesIO(data)))


def test_stdin_jsonl_with_a_bad_line_among_the_first_five_keeps_the_good_ones() -> None:
    # was: 0 of 6 stored (read as one JSON document, rejected as malformed)
    feed = "\n".join([GOOD_LINES[0], "not json", *GOOD_LINES[1:]]) + "\n"
    results = _stdin(feed.encode())
    assert len(articles(results)) == 6
    [bad] = rejections(results)
    assert bad.input == "<stdin>:2" and "malformed JSON" in bad.reason


def test_stdin_jsonl_whose_first_line_is_bad_is_still_json_lines() -> None:
    for first in ("[1, 2]", "{broken"):
        results = _stdin(("\n".join([first, *GOOD_LINES]) + "\n").encode())
        assert len(articles(results)) == 6
        assert [r.input for r in rejections(results)] == ["<stdin>:1"]


def test_stdin_jsonl_with_comment_lines() -> None:
    # was: the whole feed stored as one text article titled "comment", exit 0
    feed = "# comment: exported 2026-09-21\n// another\n\n" + "\n".join(GOOD_LINES) + "\n"
    results = _stdin(feed.encode())
    assert not rejections(results)
    found = articles(results)
    assert [a.title for a in found] == [f"Good {i}" for i in range(6)]
    assert found[0].origin == "<stdin>:4"


def test_file_and_stdin_read_alike(tmp_path: Path) -> None:
    feed = ("# header\n" + "\n".join([GOOD_LINES[0], "not json", *GOOD_LINES[1:]])).encode()
    f = tmp_path / "feed.log"  # no telling extension: recognised as on stdin
    f.write_bytes(feed)
    from_file = list(read_inputs([str(f)]))
    from_stdin = _stdin(feed)
    assert [a.id for a in articles(from_file)] == [a.id for a in articles(from_stdin)]
    assert [r.input for r in rejections(from_file)] == [f"{f}:3"]
    assert [r.input for r in rejections(from_stdin)] == ["<stdin>:3"]


def test_pretty_printed_json_on_stdin_is_one_article() -> None:
    data = json.dumps({"title": "T", "text": BODY, "source": "X"}, indent=2).encode()
    [a] = articles(_stdin(data))
    assert a.title == "T" and a.source == "X"


def test_input_format_forces_the_kind(tmp_path: Path) -> None:
    from corroborate.ingest import INPUT_FORMATS

    assert INPUT_FORMATS == ("text", "html", "jsonl", "json", "feed", "warc")
    f = tmp_path / "feed.txt"
    f.write_text("\n".join(GOOD_LINES))
    assert len(articles(list(read_inputs([str(f)])))) == 1  # a .txt file is text
    forced = list(read_inputs([str(f)], IngestOptions(input_format="jsonl")))
    assert len(articles(forced)) == 6
    as_text = _stdin("\n".join(GOOD_LINES).encode(), IngestOptions(input_format="text"))
    assert len(articles(as_text)) == 1


def test_unknown_input_format_is_a_usage_error_and_feed_and_warc_are_read() -> None:
    from corroborate.errors import UsageError
    from corroborate.ingest import PLANNED_FORMATS

    assert PLANNED_FORMATS == ()  # feeds and WARC are read now (issue 11)
    IngestOptions(input_format="feed")
    IngestOptions(input_format="warc")
    with pytest.raises(UsageError, match="unknown input format"):
        IngestOptions(input_format="csv")


def test_stdin_jsonl_streams_past_the_first_block() -> None:
    lines = [json.dumps({"title": f"t{i}", "text": f"{BODY} {i}"}) for i in range(2000)]
    lines[1500] = "{oops"
    results = _stdin(("\n".join(lines) + "\n").encode(), IngestOptions(max_bytes=400))
    assert len(articles(results)) == 1999
    assert [r.input for r in rejections(results)] == ["<stdin>:1501"]


# -- issue 13: encodings -------------------------------------------------------------------

RUSSIAN = ("Президент России заявил в понедельник, что переговоры продолжатся на следующей "
           "неделе в Москве, сообщили в Кремле.")
POLISH = ("Prezydent Polski powiedział w poniedziałek, że rozmowy będą kontynuowane w "
          "przyszłym tygodniu w Łodzi. Źródło: ministerstwo.")
CZECH = ("Předseda vlády v pondělí řekl, že jednání budou pokračovat příští týden v Praze. "
         "Ministerstvo to potvrdilo.")
GREEK = ("Ο πρωθυπουργός δήλωσε τη Δευτέρα ότι οι συνομιλίες θα συνεχιστούν την επόμενη "
         "εβδομάδα στην Αθήνα.")
TURKISH = ("Cumhurbaşkanı pazartesi günü görüşmelerin gelecek hafta İstanbul'da devam "
           "edeceğini söyledi. Şehir kapalı.")
FRENCH = ("Le président a déclaré lundi que les négociations se poursuivraient la semaine "
          "prochaine à Genève, selon l'Élysée.")


@pytest.mark.parametrize(("text", "encoding"), [
    (RUSSIAN, "koi8-r"), (RUSSIAN, "cp1251"), (RUSSIAN, "iso-8859-5"),
    (POLISH, "iso-8859-2"), (POLISH, "cp1250"), (CZECH, "iso-8859-2"), (CZECH, "cp1250"),
    (GREEK, "iso-8859-7"), (TURKISH, "cp1254"), (FRENCH, "cp1252"), (FRENCH, "latin-1"),
])
def test_legacy_single_byte_encodings_are_not_stored_as_mojibake(tmp_path: Path, text: str,
                                                                  encoding: str) -> None:
    # was: KOI8-R (and every legacy encoding) read as Windows-1252
    f = tmp_path / "legacy.txt"
    f.write_bytes(f"Title\n\n{text}\n".encode(encoding))
    [a] = articles(list(read_inputs([str(f)])))
    assert a.text == text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("kind", ["txt", "html", "json", "jsonl"])
def test_utf16_with_or_without_bom_for_every_kind(tmp_path: Path, encoding: str,
                                                   kind: str) -> None:
    # was: UTF-16 JSON Lines with a BOM rejected line by line; without a BOM "binary"
    content = {
        "txt": f"Title\n\n{RUSSIAN} {BODY}\n",
        "html": f"<html><body><article><h1>Title</h1><p>{RUSSIAN}</p><p>{BODY}</p>"
                "</article></body></html>",
        "json": json.dumps({"title": "Title", "text": f"{RUSSIAN} {BODY}"}, ensure_ascii=False),
        "jsonl": "\r\n".join(json.dumps({"title": f"Title {i}", "text": f"{RUSSIAN} {BODY}"},
                                        ensure_ascii=False) for i in range(3)) + "\r\n",
    }[kind]
    f = tmp_path / f"input.{kind}"
    f.write_bytes(content.encode(encoding))
    for results in (list(read_inputs([str(f)])), _stdin(f.read_bytes())):
        assert not rejections(results)
        found = articles(results)
        assert len(found) == (3 if kind == "jsonl" else 1)
        assert all("Президент" in a.text and "SEOUL" in a.text for a in found)


def test_powershell_style_jsonl_names_each_line(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"  # what PowerShell's `>` writes: UTF-16 LE with a BOM, CRLF
    f.write_bytes("\r\n".join([GOOD_LINES[0], "{bad", GOOD_LINES[1]]).encode("utf-16"))
    results = list(read_inputs([str(f)]))
    assert [a.title for a in articles(results)] == ["Good 0", "Good 1"]
    [bad] = rejections(results)
    assert bad.input == f"{f}:2" and "malformed JSON" in bad.reason


def test_real_binary_stays_rejected(tmp_path: Path) -> None:
    import struct

    for data in (b"abc\x00def" * 50, b"\x00" * 400, b"\x00\x01" * 100, b"\x01\x00" * 100,
                 struct.pack("<300I", *range(300)),
                 b"%PDF-1.7\n" + bytes(range(256)), bytes(range(256)) * 4):
        results = list(read_bytes(data, "blob", IngestOptions()))
        assert [type(r) for r in results] == [Rejection], data[:16]
        assert results[0].reason.startswith(("binary", "cannot detect"))  # type: ignore[union-attr]


# -- issue 13: directories -----------------------------------------------------------------

def test_unreadable_subdirectory_is_a_named_rejection(tmp_path: Path, examples: Path) -> None:
    import shutil

    if os.geteuid() == 0:
        pytest.skip("root reads any directory")
    shutil.copy(examples / "summit" / "pacific-wire.txt", tmp_path / "a.txt")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text(f"Title\n\n{BODY}")
    locked.chmod(0)
    try:
        results = list(read_inputs([str(tmp_path)]))
    finally:
        locked.chmod(0o755)
    assert len(articles(results)) == 1
    [r] = rejections(results)
    assert r.input == str(locked) and r.reason == "cannot read directory: Permission denied"


def test_unlistable_subdirectory_is_named_even_as_root(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text(f"Title\n\n{BODY}")
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    results = list(read_inputs([str(tmp_path)]))
    assert len(articles(results)) == 1
    [r] = rejections(results)
    assert r.input.endswith("locked") and r.reason == "cannot read directory: Permission denied"


def test_directory_names_files_it_does_not_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"Title\n\n{BODY}")
    (tmp_path / "saved.php").write_text(f"<html><body><p>{BODY}</p></body></html>")
    (tmp_path / "notes.php").write_text(f"Notes\n\n{BODY}")  # a .php that is no page
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / "style.css").write_text("p {}")
    results = list(read_inputs([str(tmp_path)]))
    assert len(articles(results)) == 2  # a.txt, and saved.php: its content is a web page
    named = {Path(r.input).name: r.reason for r in rejections(results)}
    assert set(named) == {"notes.php", "report.pdf"}  # images and styles are no articles
    assert "name the file itself" in named["notes.php"] and "but text" in named["notes.php"]
    assert "convert it" in named["report.pdf"]
    # named by itself, the .php file is read: its kind is recognised from its content
    assert len(articles(list(read_inputs([str(tmp_path / "notes.php")])))) == 1


# -- issue 13: publication dates -------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("2026", "2026"),  # was: the current month
    ("2026-09", "2026-09"),
    ("September 2026", "2026-09"),
    ("Monday, 2026", "2026"),  # was: today
    ("3pm Monday 2026", "2026"),
    ("Sunday, 31st 2026", "2026"),
    ("12/2026", "2026-12"),
    ("Q3 2026", "2026"),
    ("Sept. 21, 2026", "2026-09-21"),
    ("Tuesday 22 September 2026", "2026-09-22"),
    ("Mon, 21 Sep 2026 10:00:00 GMT", "2026-09-21T10:00:00+00:00"),
    ("Monday", None),
    ("21 September", None),
])
def test_partial_publication_dates_stay_partial(raw: str, expected: str | None) -> None:
    assert normalise_published(raw) == expected


def test_jsonl_year_only_date_is_stored_partial(tmp_path: Path) -> None:
    f = tmp_path / "y.jsonl"
    f.write_text(json.dumps({"text": BODY, "published": "2026"}) + "\n"
                 + json.dumps({"text": BODY + " x", "published": "Monday, 2026"}) + "\n"
                 + json.dumps({"text": BODY + " y", "published": 2026}) + "\n")
    assert [a.published for a in articles(list(read_inputs([str(f)])))] == ["2026"] * 3


@pytest.mark.parametrize("raw", ["0001-01-01", "9999-12-31", "-0001-01-01", "1799-12-31",
                                 "0001-01-01T00:00:00+05:00", "0001"])
def test_out_of_range_years_are_rejected_with_the_line(tmp_path: Path, raw: str) -> None:
    from corroborate.ingest.base import read_published

    assert read_published(raw)[0] is None and "1800 to 2199" in (read_published(raw)[1] or "")
    f = tmp_path / "d.jsonl"
    f.write_text(json.dumps({"text": BODY, "published": raw}) + "\n"
                 + json.dumps({"text": BODY + " ok", "published": "1850-06-01"}) + "\n")
    results = list(read_inputs([str(f)]))
    assert [a.published for a in articles(results)] == ["1850-06-01"]
    [r] = rejections(results)
    assert r.input == f"{f}:1" and "outside 1800 to 2199" in r.reason and raw in r.reason


# -- fuzzing: every reader, arbitrary bytes and text, only Articles and Rejections ---------

def _only_results(results: Iterable[Article | Rejection]) -> None:
    for result in results:
        assert isinstance(result, Article | Rejection)
        if isinstance(result, Rejection):
            assert result.input and result.reason


# Bounded in CI (about a second each); HYPOTHESIS_PROFILE=long (tests/conftest.py) runs the
# profile's many examples instead.
_FUZZ = (settings(deadline=None) if os.environ.get("HYPOTHESIS_PROFILE") == "long"
         else settings(max_examples=60, deadline=None))
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "text", "source", "url", "published", "date", "author", "x"]),
        inner, max_size=6),
    max_leaves=12)


@_FUZZ
@given(st.sampled_from([b"", b"\x1f\x8b\x08\x00", b"WARC/1.0\r\n", b"filedesc://",
                        b"<?xml version='1.0'?><rss><channel><item>", b'{"version": '
                        b'"https://jsonfeed.org/version/1.1", "items": [',
                        b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 50\r\n\r\n"
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"]),
       st.binary(max_size=3000),
       st.sampled_from([None, *("text", "html", "jsonl", "json", "feed", "warc")]))
def test_fuzz_every_reader_on_bytes(start: bytes, data: bytes, kind: str | None) -> None:
    _only_results(read_bytes(start + data, "<fuzz>", IngestOptions(max_bytes=2000), kind=kind))


@_FUZZ
@given(st.text(max_size=1500),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
                        "cp1252", "koi8-r"]),
       st.sampled_from([None, "text", "html", "jsonl", "json", "feed", "warc"]))
def test_fuzz_text_in_any_encoding(text: str, encoding: str, kind: str | None) -> None:
    data = text.encode(encoding, errors="replace")
    _only_results(read_bytes(data, "<fuzz>", IngestOptions(), kind=kind))
    _only_results(read_inputs(["-"], IngestOptions(input_format=kind),
                              stdin=io.BytesIO(data)))


@_FUZZ
@given(st.lists(st.one_of(_JSONISH.map(json.dumps), st.text(max_size=80),
                          st.sampled_from(["# c", "// c", "", "{", "[]"])), max_size=12),
       st.sampled_from(["\n", "\r\n"]))
def test_fuzz_json_lines_from_stdin_and_files(lines: list[str], newline: str) -> None:
    data = newline.join(lines).encode("utf-8", errors="replace")
    _only_results(read_inputs(["-"], stdin=io.BytesIO(data)))
    _only_results(read_bytes(data, "f.jsonl", IngestOptions(max_bytes=300), kind="jsonl"))
    _only_results(read_bytes(data, "f.json", IngestOptions(), kind="json"))


@_FUZZ
@given(st.binary(max_size=4000))
def test_fuzz_decode_bytes(data: bytes) -> None:
    from corroborate.errors import InputError
    from corroborate.ingest.decode import decode_bytes

    try:
        assert isinstance(decode_bytes(data, "<fuzz>"), str)
    except InputError as exc:
        assert exc.reason


@_FUZZ
@given(st.text(max_size=60) | st.from_regex(
    r"[+-]?\d{1,6}(-\d{1,2}(-\d{1,2}(T\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:\d\d)?)?)?)?", fullmatch=True))
def test_fuzz_publication_dates(raw: str) -> None:
    from corroborate.analyze.dates import parse_published
    from corroborate.ingest.base import PUBLISHED_YEARS, read_published
    from corroborate.stories.features import article_day

    value, problem = read_published(raw)
    assert value is None or problem is None
    if value is not None:
        assert int(value[:4]) in PUBLISHED_YEARS
        day = parse_published(value)
        assert day is None or len(value) >= 10
    article_day(raw)
    parse_published(raw)
