"""One canonical outlet per publisher (issue 11, item 4): the outlet map, registered domains,
real site names, archives unwrapped, per-input outlets and --source-map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corroborate.cli import main
from corroborate.errors import UsageError
from corroborate.ingest import IngestOptions, OutletNames, load_outlet_names, read_bytes
from corroborate.ingest.outlets import (
    choose,
    registered_domain,
    site_name_verdict,
    unwrap_archive,
)
from corroborate.model import Article

BODY = ("SEOUL, Sept 21 (Pacific Wire) - The two leaders met for about 30 minutes on Monday, "
        "officials said, in their first talks since 2019. They agreed to meet again soon.")


def page(*, site_name: str | None = None, canonical: str | None = None,
         title: str = "Leaders meet in Seoul for the first time since 2019",
         body: str = BODY, extra_head: str = "", tail: str = "") -> bytes:
    meta = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(f"<p>{body} ({i})</p>" for i in range(4))
    return (f"<!doctype html><html><head><title>{title}</title>{meta}{link}{extra_head}</head>"
            f"<body><article><h1>{title}</h1>{paragraphs}</article>{tail}</body></html>"
            ).encode()


def one(data: bytes, kind: str, options: IngestOptions | None = None) -> Article:
    [result] = list(read_bytes(data, f"input.{kind}", options or IngestOptions(), kind=kind))
    assert isinstance(result, Article), result
    return result


def jsonl(**record: object) -> bytes:
    return json.dumps({"title": "Leaders meet", "text": BODY, **record}).encode()


# --- the outlet map: names and domains are one outlet -----------------------------------------

def test_the_guardian_and_theguardian_com_are_one_outlet() -> None:
    named = one(page(site_name="The Guardian",
                     canonical="https://www.theguardian.com/world/2026/sep/21/leaders"), "html")
    hosted = one(page(canonical="https://www.theguardian.com/world/2026/sep/22/talks"), "html")
    by_record = one(jsonl(source="theguardian.com"), "jsonl")
    by_name = one(jsonl(source="the guardian"), "jsonl")
    assert {named.source, hosted.source, by_record.source, by_name.source} == {"The Guardian"}
    assert hosted.metadata["outlet_from"] == "outlet map"


@pytest.mark.parametrize(("url", "outlet"), [
    ("https://amp.theguardian.com/world/x", "The Guardian"),
    ("https://edition.cnn.com/2021/03/08/uk/x/index.html", "CNN"),
    ("https://www.cnn.com/2021/03/08/uk/x/index.html", "CNN"),
    ("https://news.bbc.co.uk/2/hi/x.stm", "BBC"),
    ("https://www.bbc.com/news/x", "BBC"),
    ("https://abcnews.go.com/Politics/x", "ABC News"),
    ("https://wien.orf.at/stories/3017954/", "ORF"),
])
def test_subdomains_map_to_the_publisher(url: str, outlet: str) -> None:
    assert one(page(canonical=url), "html").source == outlet


def test_an_unmapped_domain_is_its_registered_domain() -> None:
    assert registered_domain("news.example.co.uk") == "example.co.uk"
    assert registered_domain("www.meridianpost.example") == "meridianpost.example"
    a = one(page(canonical="https://blog.kleine-zeitung-am-see.de/2026/x"), "html")
    b = one(page(canonical="https://www.kleine-zeitung-am-see.de/2026/y"), "html")
    assert a.source == b.source == "kleine-zeitung-am-see.de"
    assert a.url == "https://blog.kleine-zeitung-am-see.de/2026/x"


def test_blogs_on_a_hosting_service_stay_apart() -> None:
    assert registered_domain("someone.wordpress.com") == "someone.wordpress.com"
    assert registered_domain("someone.blogspot.com") == "someone.blogspot.com"


def test_registered_domains_never_download_the_suffix_list(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    import requests

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("tldextract tried to fetch the public suffix list")

    monkeypatch.setattr(requests.Session, "send", no_network)
    monkeypatch.setattr(requests.Session, "get", no_network)
    from corroborate.ingest import outlets

    outlets._extractor.cache_clear()
    outlets.registered_domain.cache_clear()
    try:
        assert registered_domain("www.theguardian.co.uk") == "theguardian.co.uk"
    finally:
        outlets._extractor.cache_clear()
        outlets.registered_domain.cache_clear()


# --- site names: real names kept, junk passed over --------------------------------------------

@pytest.mark.parametrize("junk", [
    "Copyright 2003 - 2019 by speicherguide.de GbR Karl Fröhlich, Ulrike Haak",
    "(C) 2020 By Iberische Weine In Berlin - Vinos Y Tapas Und Vinho Iberico",
    "{$plugin.tx_news.opengraph.site_name}",
    "https://www.facebook.com/someoutlet",
    "Vegetarier zu sein. Bedarf, Trend oder eigene Entscheidung?",
    "Home",
    "web.archive.org",
])
def test_junk_site_names_give_way_to_the_domain(junk: str) -> None:
    a = one(page(site_name=junk, canonical="https://www.speicherguide.de/2019/backup"), "html")
    assert a.source == "speicherguide.de"
    assert a.metadata["outlet_from"] == "domain"


def test_a_headline_as_site_name_gives_way_to_the_domain() -> None:
    title = "UK university student halls too full to be safe, experts warn"
    a = one(page(site_name=title, title=title, canonical="https://www.campusnews.example/x"),
            "html")
    assert a.source == "campusnews.example"
    assert "site_name_rejected" in a.metadata


def test_real_site_names_are_kept_and_taglines_cut() -> None:
    assert site_name_verdict("Frollein Herr | Information und Inspiration rund um Fashion",
                             domain="frolleinherr.de") == ("Frollein Herr", None)
    assert site_name_verdict("Achtsam durch die Krise | Die FURCHE",
                             domain="furche.at") == ("Die FURCHE", None)
    assert site_name_verdict("Deutscher Feuerwehrverband e. V. (DFV)", domain="feuerwehrverband.de"
                             )[0] == "Deutscher Feuerwehrverband e. V. (DFV)"
    a = one(page(site_name="Die Kleine Zeitung am See",
                 canonical="https://www.kleine-zeitung-am-see.de/x"), "html")
    assert a.source == "Die Kleine Zeitung am See" and a.metadata["outlet_from"] == "site name"


def test_a_site_name_written_as_the_domain_is_the_domain() -> None:
    a = one(page(site_name="Dziennik.pl", canonical="https://wiadomosci.dziennik.pl/x"), "html")
    b = one(page(canonical="https://www.dziennik.pl/y"), "html")
    assert a.source == b.source == "dziennik.pl"


# --- archives: unwrapped to the page they saved -----------------------------------------------

@pytest.mark.parametrize(("archived", "original"), [
    ("https://web.archive.org/web/20190523000000/https://www.theguardian.com/world/x",
     "https://www.theguardian.com/world/x"),
    ("https://web.archive.org/web/20190717140047/http:/www.modabot.de/paris",
     "http://www.modabot.de/paris"),
    ("https://web.archive.org/web/20130307194448id_/the-pain.net/2008/05/x.html",
     "http://the-pain.net/2008/05/x.html"),
    ("https://archive.ph/2019.05.23-010203/https://www.bbc.co.uk/news/x",
     "https://www.bbc.co.uk/news/x"),
    ("https://archive.is/20190523010203/https://www.bbc.co.uk/news/x",
     "https://www.bbc.co.uk/news/x"),
])
def test_archive_urls_unwrap_to_the_original(archived: str, original: str) -> None:
    assert unwrap_archive(archived) == original


def test_archive_urls_without_a_page_do_not_unwrap() -> None:
    assert unwrap_archive("https://archive.ph/AbC12") is None
    assert unwrap_archive("https://web.archive.org/web/*/example.com") is None
    assert unwrap_archive("https://www.theguardian.com/world/x") is None


def test_two_outlets_saved_from_the_wayback_machine_stay_two() -> None:
    first = one(page(site_name="web.archive.org", canonical=(
        "https://web.archive.org/web/20190523000000/https://www.theguardian.com/world/x")),
        "html")
    second = one(page(site_name="web.archive.org", body=BODY.replace("Monday", "Tuesday"),
                      canonical="https://web.archive.org/web/20190524000000/"
                                "http://www.kleine-zeitung-am-see.de/2019/y"), "html")
    assert (first.source, second.source) == ("The Guardian", "kleine-zeitung-am-see.de")
    assert first.url == "https://www.theguardian.com/world/x"
    assert first.metadata["archive_url"].startswith("https://web.archive.org/web/20190523")


def test_an_archive_today_page_counts_as_the_page_it_saved() -> None:
    data = page(canonical="https://archive.ph/AbC12", extra_head=(
        '<meta itemprop="url" content="https://archive.ph/2019.05.23-010203/'
        'https://edition.cnn.com/2019/05/22/x">'))
    a = one(data, "html")
    assert a.source == "CNN"


def test_a_wayback_page_without_a_url_takes_its_site_from_the_archived_links() -> None:
    links = "".join(f'<a href="https://web.archive.org/web/20080731095558/http://www.dimido.de/'
                    f'2008/07/{i}/">more</a>' for i in range(3))
    tail = ("<!-- FILE ARCHIVED ON 09:55:58 Jul 31, 2008 AND RETRIEVED FROM THE\n"
            "INTERNET ARCHIVE ON 14:54:09 May 07, 2020. -->")
    a = one(page(tail=f"<nav>{links}</nav>{tail}"), "html")
    assert a.source == "dimido.de" and a.metadata["outlet_from"] == "site domain"


def test_choose_prefers_the_canonical_url_when_the_final_url_is_an_archive() -> None:
    choice = choose(override=None, declared=None, site_name=None,
                    url="https://archive.ph/AbC12",
                    canonical_url="https://archive.ph/2019.05.23-010203/https://apnews.com/x")
    assert choice.outlet == "Associated Press" and choice.url == "https://apnews.com/x"


# --- per-input outlets ------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["source", "outlet", "publisher"])
def test_a_json_record_names_its_outlet(field: str) -> None:
    a = one(jsonl(**{field: "Pacific Wire Service"},
                  url="https://www.theguardian.com/world/x"), "jsonl")
    assert a.source == "Pacific Wire Service" and a.metadata["outlet_from"] == "input"
    assert field not in a.metadata


def test_a_publisher_object_names_the_outlet() -> None:
    a = one(jsonl(publisher={"@type": "Organization", "name": "Reuters"}), "jsonl")
    assert a.source == "Reuters"


def test_news_please_source_domain_maps_through_the_outlet_map() -> None:
    a = one(jsonl(source_domain="www.reuters.com"), "jsonl")
    assert a.source == "Reuters" and a.metadata["outlet_from"] == "site domain"


def test_the_override_wins_and_is_canonicalised() -> None:
    assert one(jsonl(source="X"), "jsonl", IngestOptions(source="My Outlet")).source == \
        "My Outlet"
    assert one(jsonl(source="X"), "jsonl", IngestOptions(source="guardian")).source == \
        "The Guardian"


# --- user mappings ----------------------------------------------------------------------------

def test_a_user_mapping_wins_over_the_shipped_one(tmp_path: Path) -> None:
    mapping = tmp_path / "outlets.json"
    mapping.write_text(json.dumps({"The Guardian": "Guardian News & Media",
                                   "edition.cnn.com": "CNN International",
                                   "kleine-zeitung-am-see.de": "Kleine Zeitung am See",
                                   "KZaS": "Kleine Zeitung am See"}), encoding="utf-8")
    names = load_outlet_names(mapping)
    options = IngestOptions(outlets=names)
    assert one(page(canonical="https://amp.theguardian.com/x"), "html", options).source == \
        "Guardian News & Media"
    assert one(jsonl(source="The Guardian"), "jsonl", options).source == \
        "Guardian News & Media"
    assert one(page(canonical="https://www.kleine-zeitung-am-see.de/x"), "html",
               options).source == "Kleine Zeitung am See"
    assert one(jsonl(source="kzas"), "jsonl", options).source == "Kleine Zeitung am See"
    assert one(page(canonical="https://edition.cnn.com/x"), "html", options).source == \
        "CNN International"
    assert one(page(canonical="https://www.cnn.com/x"), "html", options).source == "CNN"
    # the shipped mapping itself is unchanged
    assert OutletNames.shipped().for_host("theguardian.com") == "The Guardian"


def test_renaming_every_domain_of_an_outlet_renames_its_names() -> None:
    names = OutletNames.shipped().merged(OutletNames.from_mapping(
        {"theguardian.com": "GNM", "guardian.co.uk": "GNM"}))
    assert names.for_name("the guardian") == "GNM"
    one_domain = OutletNames.shipped().merged(OutletNames.from_mapping(
        {"thelocal.de": "The Local Germany"}))
    assert one_domain.for_host("thelocal.fr") == "The Local"
    assert one_domain.for_host("www.thelocal.de") == "The Local Germany"


def test_a_csv_mapping_with_a_header_and_comments(tmp_path: Path) -> None:
    mapping = tmp_path / "outlets.csv"
    mapping.write_text("# my outlets\ndomain,outlet\nhttps://www.example.org/,Example Org\n"
                       '"Ex, Org",Example Org\n', encoding="utf-8")
    names = load_outlet_names(mapping)
    assert names.for_host("news.example.org") == "Example Org"
    assert names.for_name("ex org") == "Example Org"


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "malformed JSON"),
    ('["a", "b"]', "expected a JSON object"),
    ('{"cnn.com": 3}', "must be a string"),
    ("cnn.com\n", "needs two cells"),
    ("# nothing\n", "holds no entries"),
])
def test_a_bad_mapping_file_is_a_usage_error(tmp_path: Path, content: str, problem: str
                                             ) -> None:
    mapping = tmp_path / "outlets.txt"
    mapping.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=problem):
        load_outlet_names(mapping)


def test_source_map_option_of_ingest(tmp_path: Path) -> None:
    db = tmp_path / "test.db"
    mapping = tmp_path / "map.csv"
    mapping.write_text("kleine-zeitung-am-see.de,Kleine Zeitung am See\n", encoding="utf-8")
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_bytes(page(canonical="https://www.kleine-zeitung-am-see.de/x"))
    (pages / "b.html").write_bytes(page(site_name="The Guardian", body=BODY.replace(
        "Monday", "Sunday"), canonical="https://amp.theguardian.com/y"))
    runner = CliRunner()
    r = runner.invoke(main, ["ingest", str(pages), "--db", str(db), "--no-analyze",
                             "--no-stories", "--source-map", str(mapping)],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    listed = runner.invoke(main, ["articles", "--db", str(db), "--format", "json"])
    assert sorted(a["source"] for a in json.loads(listed.stdout)) == [
        "Kleine Zeitung am See", "The Guardian"]
    bad = runner.invoke(main, ["ingest", str(pages), "--db", str(db), "--source-map",
                               str(tmp_path / "missing.csv")])
    assert bad.exit_code == 2 and "cannot read outlet map" in bad.output


def test_the_shipped_mapping_is_consistent() -> None:
    data = json.loads((Path(__file__).resolve().parent.parent / "src" / "corroborate" / "ingest"
                       / "data" / "outlets.json").read_text(encoding="utf-8"))
    assert len(data["domains"]) >= 300
    names = OutletNames.shipped()
    assert {d.lower() for d in data["domains"]} <= set(names.domains)
    outlets = set(data["domains"].values())
    assert set(data["aliases"].values()) <= outlets  # aliases point at mapped outlets
    keys: dict[str, str] = {}
    from corroborate.ingest.outlets import name_key

    for outlet in outlets:  # no two outlets share a lookup key ("The Nation", "Nation")
        assert keys.setdefault(name_key(outlet), outlet) == outlet
    assert names.for_name("Associated Press") == names.for_host("apnews.com")
