"""Issue 11 item 6, "nothing lost silently": every entry of a directory is read, rejected or
skipped, and what is skipped is counted by reason in the ingest summary (listed with -v)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from corroborate.cli import main
from corroborate.ingest import (
    SKIP_KINDS,
    Rejection,
    Skipped,
    count_skipped,
    expand_inputs,
    list_inputs,
)

TEXT = ("SEOUL, Sept 21 (Pacific Wire) - The two leaders met for about 30 minutes on Monday, "
        "officials said, in their first talks since 2019.")
PAGE = ("<html><head><title>Harbour budget</title></head><body><article><p>The council "
        "approved the new budget for the harbour on Tuesday, officials said, after a long "
        "debate about costs and the dredging of the northern channel.</p></article></body>"
        "</html>")
SITEMAP = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           "<url><loc>https://x.example/a</loc></url></urlset>")
RSS = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Harbour News</title>"
       "<item><title>Dredging starts</title><link>https://harbour.example/dredging</link>"
       "<description>Dredging of the northern channel starts next week, the port authority "
       "said on Tuesday, and will take three months.</description></item></channel></rss>")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _folder(root: Path) -> Path:
    """An image, a style sheet, a hidden file, a sitemap, a README, a .csv, a page saved as
    .php and a text article."""
    root.mkdir()
    (root / "a.txt").write_text(f"Leaders meet\n\n{TEXT}")
    (root / "saved.php").write_text(PAGE)
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "style.css").write_text("p { margin: 0 }")
    (root / ".hidden.txt").write_text(f"Hidden\n\n{TEXT} Hidden.")
    (root / "sitemap.xml").write_text(SITEMAP)
    (root / "README.md").write_text("# Notes\n\nWhat this folder holds.")
    (root / "data.csv").write_text("a,b\n1,2\n")
    return root


SUMMARY = ("2 ingested, 0 already present, 0 rejected, 6 skipped (2 images, styles, scripts or "
           "media; 1 sitemap; 1 README/LICENSE/CHANGELOG file; 1 hidden; 1 file of another "
           "extension), 1 flagged as a possible stub")


def test_summary_counts_what_the_walk_skipped(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in")
    r = run("ingest", str(folder), "--db", str(tmp_path / "x.db"), "--no-analyze",
            "--no-stories")
    assert r.exit_code == 0, r.output
    assert SUMMARY in r.stdout
    assert "skipped:" not in r.stderr and "flagged:" not in r.stderr  # counts only


def test_verbose_lists_each_skipped_input(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in")
    r = run("ingest", str(folder), "--db", str(tmp_path / "x.db"), "--no-analyze",
            "--no-stories", "-v")
    assert r.exit_code == 0, r.output
    lines = [line for line in r.stderr.splitlines() if line.startswith("skipped:")]
    assert lines == [
        f"skipped: {folder / '.hidden.txt'}: hidden (its name starts with a dot): name it to "
        "have it read",
        f"skipped: {folder / 'README.md'}: a folder's README, LICENSE, CHANGELOG or "
        "CONTRIBUTING, not an article: name it to have it read",
        f"skipped: {folder / 'data.csv'}: not an article extension (.csv): name the file itself "
        "to have its kind recognised from its content",
        f"skipped: {folder / 'logo.png'}: an image (.png), not an article",
        f"skipped: {folder / 'sitemap.xml'}: a sitemap (a list of page addresses, not "
        "articles): its pages are not fetched from a directory; name the file to fetch them",
        f"skipped: {folder / 'style.css'}: a style sheet (.css), not an article",
    ]
    [flag] = [line for line in r.stderr.splitlines() if line.startswith("flagged:")]
    assert flag.startswith(f"flagged: {folder / 'saved.php'}: flagged as a possible stub: only ")
    assert SUMMARY in r.stdout
    assert "rejected:" not in r.stderr


def test_json_summary_lists_skipped_and_summaries(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in")
    (folder / "feed.rss").write_text(RSS)
    r = run("ingest", str(folder), "--db", str(tmp_path / "x.db"), "--no-analyze",
            "--no-stories", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [(Path(s["input"]).name, s["kind"]) for s in doc["skipped"]] == [
        (".hidden.txt", "hidden"), ("README.md", "project-file"),
        ("data.csv", "other-extension"), ("logo.png", "asset"), ("sitemap.xml", "sitemap"),
        ("style.css", "asset")]
    assert all(s["reason"] for s in doc["skipped"])
    assert doc["skipped_counts"] == {"asset": 2, "sitemap": 1, "project-file": 1, "hidden": 1,
                                     "other-extension": 1}
    assert len(doc["ingested"]) == 3 and doc["rejected"] == [] and doc["present"] == []
    assert len(doc["summaries_only"]) == 1 and len(doc["stubs"]) == 1
    assert set(doc["summaries_only"]) | set(doc["stubs"]) <= set(doc["ingested"])
    text = run("ingest", str(folder / "feed.rss"), "--db", str(tmp_path / "y.db"),
               "--no-analyze", "--no-stories")
    assert "1 ingested, 0 already present, 0 rejected, 1 stored as a summary only (" \
        in text.stdout


def test_library_gives_the_skipped_entries(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in")
    (folder / "pages").mkdir()
    (folder / "pages" / "changelog.blog.html").write_text(PAGE)  # a page, not a changelog
    (folder / "pages" / "CHANGES.txt").write_text("1.0: first")
    (folder / "license").mkdir()  # a folder of articles named so is searched
    (folder / "license" / "b.txt").write_text(f"Second\n\n{TEXT} Again.")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main")
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")
    (folder / "loop").symlink_to(folder)
    listed = list_inputs([str(folder)])
    assert expand_inputs([str(folder)]) == list(listed.items)
    assert all(isinstance(s, Skipped) and s.kind in SKIP_KINDS and s.reason
               for s in listed.skipped)
    kinds = {Path(s.input).name: s.kind for s in listed.skipped}
    assert kinds == {".git": "hidden", ".hidden.txt": "hidden", "README.md": "project-file",
                     "CHANGES.txt": "project-file", "data.csv": "other-extension",
                     "logo.png": "asset", "style.css": "asset", "sitemap.xml": "sitemap",
                     "gone.txt": "not-a-file", "loop": "seen-before"}
    read = sorted(Path(i).name for i in listed.items if isinstance(i, str))
    assert read == ["a.txt", "b.txt", "changelog.blog.html", "saved.php"]
    assert not [i for i in listed.items if isinstance(i, Rejection)]
    assert count_skipped(listed.skipped) == {"asset": 2, "sitemap": 1, "project-file": 2,
                                             "hidden": 2, "other-extension": 1,
                                             "not-a-file": 1, "seen-before": 1}


def test_gzipped_sitemap_and_styles_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "sitemap.xml.gz").write_bytes(gzip.compress(SITEMAP.encode()))
    (tmp_path / "site.css.gz").write_bytes(gzip.compress(b"p {}"))
    (tmp_path / "a.txt").write_text(f"Leaders meet\n\n{TEXT}")
    listed = list_inputs([str(tmp_path)])
    assert [Path(i).name for i in listed.items if isinstance(i, str)] == ["a.txt"]
    assert count_skipped(listed.skipped) == {"asset": 1, "sitemap": 1}


def test_a_folder_of_only_skipped_files_is_rejected_saying_so(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    listed = list_inputs([str(tmp_path)])
    [r] = listed.items
    assert isinstance(r, Rejection) and "holds no articles" in r.reason
    assert "(1 other entries skipped)" in r.reason and len(listed.skipped) == 1


def test_summary_without_skips_is_unchanged(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"Leaders meet\n\n{TEXT}")
    r = run("ingest", str(tmp_path / "a.txt"), "--db", str(tmp_path / "x.db"), "--no-analyze",
            "--no-stories")
    assert r.stdout.startswith("1 ingested, 0 already present, 0 rejected (")


# -- real folders ---------------------------------------------------------------------------

def _files(folder: Path) -> int:
    return sum(len(names) for _, _, names in os.walk(folder))


def _ingest_json(folder: Path, db: Path) -> dict:  # type: ignore[type-arg]
    r = run("ingest", str(folder), "--db", str(db), "--no-analyze", "--no-stories",
            "--format", "json")
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def test_every_file_of_a_real_folder_is_accounted_for(shared_data: Path, tmp_path: Path) -> None:
    """Saved pages (one article each): ingested + present + rejected + skipped is every file."""
    folder = shared_data / "web" / "pages" / "cache"
    doc = _ingest_json(folder, tmp_path / "x.db")
    counted = (len(doc["ingested"]) + len(doc["present"]) + len(doc["rejected"])
               + len(doc["skipped"]))
    assert counted == _files(folder) == 110
    assert sum(doc["skipped_counts"].values()) == len(doc["skipped"])


def test_a_real_mixed_folder_counts_exactly(shared_data: Path, tmp_path: Path) -> None:
    """Real files of every sort in one folder: a page saved as .php, a sitemap, an image, a
    style sheet, a hidden copy, a WARC saved under an unknown extension."""
    web = shared_data / "web"
    folder = tmp_path / "mixed"
    folder.mkdir()
    page = sorted((web / "pages" / "eval").glob("*.html.gz"))[0]
    (folder / "story.php").write_bytes(gzip.decompress(page.read_bytes()))
    (folder / "copy.html.gz").write_bytes(page.read_bytes())
    (folder / ".story.html.gz").write_bytes(page.read_bytes())
    (folder / "sitemap.xml").write_bytes((web / "feeds" / "trafilatura" / "sitemap.xml")
                                         .read_bytes())
    (folder / "example-bad.warc.gz.bad").write_bytes(
        (web / "warc" / "example-bad.warc.gz.bad").read_bytes())
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))
    (folder / "site.css").write_text("body { color: black }")
    (folder / "note.txt").write_text(f"Leaders meet\n\n{TEXT}")
    doc = _ingest_json(folder, tmp_path / "x.db")
    results = (len(doc["ingested"]), len(doc["present"]), len(doc["rejected"]))
    # the page as .php and as .html.gz is one article (the second is already present)
    assert results == (2, 1, 0), doc["rejected"]
    assert doc["skipped_counts"] == {"asset": 2, "sitemap": 1, "hidden": 1,
                                     "other-extension": 1}
    assert sum(results) + len(doc["skipped"]) == _files(folder) == 8


@pytest.mark.parametrize(("sub", "skipped"), [
    ("feeds/trafilatura", {"sitemap": 4}),
    ("warc", {"other-extension": 1}),
])
def test_real_folders_skip_what_is_no_article(shared_data: Path, sub: str,
                                              skipped: dict[str, int]) -> None:
    listed = list_inputs([str(shared_data / "web" / sub)])
    assert count_skipped(listed.skipped) == skipped
    assert len(listed.items) + len(listed.skipped) == _files(shared_data / "web" / sub)
