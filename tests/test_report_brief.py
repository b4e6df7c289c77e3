"""The brief as JSON (against its schema), Markdown and HTML, on a brief built by hand."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from corroborate.model import (
    Analysis,
    Article,
    Attribution,
    Brief,
    Claim,
    DateMention,
    Difference,
    DifferenceValue,
    Entity,
    Fact,
    Lineage,
    Mention,
    Quote,
    Sentence,
    StoryEntity,
    TimelineEntry,
)
from corroborate.report import brief_to_dict, brief_to_html, brief_to_markdown

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "brief.schema.json"

WIRE, HERALD, EVIL = "a1a1a1a1a1a1a1a1", "b2b2b2b2b2b2b2b2", "c3c3c3c3c3c3c3c3"
SCRIPT = "<script>alert(1)</script>"
ATTR_BREAK = '" onmouseover="x'
EVIL_SOURCE = f"Evil {SCRIPT} | News \\"

WIRE_SENTENCES = (
    "At least 15 people died in the explosion at the Voltara plant on Monday.",
    "The fire spread very quickly, officials said.",
    "\u201cWe are devastated,\u201d said Eva Markova, a Voltara spokeswoman.",
)
HERALD_SENTENCES = (
    "At least 15 people died in the explosion at the Voltara plant on Monday, "
    "Pacific Wire Service reported.",
    "The fire spread very quickly, officials said.",
    "\u201cNobody warned us,\u201d a worker told the Herald.",
)
EVIL_SENTENCES = (
    f"Twelve people died | in the blast {SCRIPT}, \u201cit was chaos,\u201d a source said \\.",
    f"The plant {ATTR_BREAK} had passed an inspection in May.\n# Not a heading",
)


def _span(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = text.index(part, after)
    return start, start + len(part)


def _analysis(article: Article, sentences: tuple[str, ...], **items: Any) -> Analysis:
    spans, at = [], 0
    for index, sentence in enumerate(sentences):
        start, end = _span(article.text, sentence, at)
        spans.append(Sentence(index, start, end))
        at = end
    return Analysis(article=article, sentences=tuple(spans), analyzer="test", **items)


def _article(aid: str, source: str, title: str, sentences: tuple[str, ...],
             url: str | None, published: str | None) -> Article:
    return Article(id=aid, text=" ".join(sentences), title=title, source=source, url=url,
                   published=published, path=None)


def _claim(article: Article, sentence: int, analysis: Analysis) -> Claim:
    s = analysis.sentences[sentence]
    return Claim(article.id, sentence, s.start, s.end)


def _value(claim: Claim, text: str, part: str, value: str, by: str | None) -> DifferenceValue:
    start, end = _span(text, part, claim.start)
    return DifferenceValue(claim, start, end, value, by)


def make_brief() -> Brief:
    wire = _article(WIRE, "Pacific Wire Service", "Fifteen dead in Voltara plant blast",
                    WIRE_SENTENCES, "https://wire.example/voltara", "2026-10-12T18:00:00Z")
    herald = _article(HERALD, "Harbour Herald", "Voltara blast kills 15", HERALD_SENTENCES,
                      None, None)
    evil = _article(EVIL, EVIL_SOURCE, f"{SCRIPT} {ATTR_BREAK} | headline", EVIL_SENTENCES,
                    "javascript:alert(1)", f"2026-10-13 {SCRIPT}")
    t1, t2, t3 = wire.text, herald.text, evil.text
    a1 = _analysis(
        wire, WIRE_SENTENCES,
        entities=(Entity(0, *_span(t1, "Voltara"), "ORG", "ORG:voltara"),),
        dates=(DateMention(0, *_span(t1, "Monday"), "2026-10-12"),),
        quotes=(Quote(2, *_span(t1, "We are devastated,"), "Eva Markova",
                      "a Voltara spokeswoman", "said", False, "person"),),
        attributions=(Attribution(1, *_span(t1, "officials"), "officials", "anonymous",
                                  False, "said"),),
    )
    a2 = _analysis(
        herald, HERALD_SENTENCES,
        entities=(Entity(0, *_span(t2, "Voltara"), "ORG", "ORG:voltara"),),
        quotes=(Quote(2, *_span(t2, "Nobody warned us,"), "a worker", None, "told", True,
                      "anonymous"),),
        attributions=(Attribution(0, *_span(t2, "Pacific Wire Service"), "Pacific Wire Service",
                                  "media", True, "reported"),),
    )
    a3 = _analysis(
        evil, EVIL_SENTENCES,
        quotes=(Quote(0, *_span(t3, "it was chaos,"), None, None, "said", True, "anonymous"),),
        attributions=(Attribution(0, *_span(t3, "a source"), "a source", "anonymous", False,
                                  "said"),),
    )
    fire = Fact("f-fire", "agreed", (_claim(wire, 1, a1), _claim(herald, 1, a2)), 0, 2, 1)
    inspection = Fact("f-inspection", "single", (_claim(evil, 1, a3),), 0, 1, 1)
    title = Claim(HERALD, None, 0, len(herald.title), "title")
    headline = Fact("f-headline", "single", (title,), 0, 1, 1)
    wire_dead, evil_dead = _claim(wire, 0, a1), _claim(evil, 0, a3)
    dead = Fact(
        "f-dead", "disputed", (wire_dead, evil_dead), 0, 2, 2,
        differences=(Difference("quantity", "dead", (
            _value(wire_dead, t1, "At least 15 people", "15 person", None),
            _value(evil_dead, t3, "Twelve people", "12 person", "a source"),
        )),),
    )
    return Brief(
        analyses=(a1, a2, a3),
        facts=(fire, dead, inspection, headline),
        lineages=(Lineage("L1", (WIRE, HERALD), WIRE,
                          ("near-verbatim copy of Pacific Wire Service",)),),
        entities=(StoryEntity("ORG:voltara", "ORG", "Voltara",
                              (Mention(WIRE, 0, *_span(t1, "Voltara")),
                               Mention(HERALD, 0, *_span(t2, "Voltara")))),),
        timeline=(TimelineEntry("2026-05", (Mention(EVIL, 1, *_span(t3, "May")),)),
                  TimelineEntry("2026-10-12", (Mention(WIRE, 0, *_span(t1, "Monday")),))),
        headline=WIRE,
        summary=("f-fire", "f-dead", "f-inspection", "f-headline"),
        aligner="hand-made",
    )


@pytest.fixture(scope="module")
def brief() -> Brief:
    return make_brief()


@pytest.fixture(scope="module")
def doc(brief: Brief) -> dict[str, Any]:
    return brief_to_dict(brief)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


EMPTY = Brief(analyses=(), facts=(), lineages=(), entities=(), timeline=(), headline="",
              summary=())


# -- JSON ------------------------------------------------------------------------------------


def test_dict_validates_against_schema(doc: dict[str, Any],
                                       validator: jsonschema.Draft202012Validator) -> None:
    validator.validate(doc)
    assert doc["schema"] == "corroborate.brief/3"
    assert doc["counts"] == {"agreed": 1, "single": 2, "disputed": 1}
    json.dumps(doc)  # plain JSON types only


def test_dict_content(doc: dict[str, Any]) -> None:
    facts = {f["id"]: f for f in doc["facts"]}
    title_claim = facts["f-headline"]["claims"][0]
    assert (title_claim["field"], title_claim["sentence"]) == ("title", None)
    assert title_claim["text"] == "Voltara blast kills 15"
    values = facts["f-dead"]["differences"][0]["values"]
    assert [v["text"] for v in values] == ["At least 15 people", "Twelve people"]
    assert [v["attributed_to"] for v in values] == [None, "a source"]
    by_id = {a["id"]: a for a in doc["articles"]}
    assert by_id[HERALD]["lineage"] == "L1" and by_id[EVIL]["lineage"] == EVIL


@pytest.mark.parametrize("breakage", [
    "unknown key", "title claim with sentence", "bad status", "bad attribution kind",
    "wrong schema", "disputed without differences", "bad date",
])
def test_schema_is_strict(doc: dict[str, Any], validator: jsonschema.Draft202012Validator,
                          breakage: str) -> None:
    bad = copy.deepcopy(doc)
    facts = {f["id"]: f for f in bad["facts"]}
    if breakage == "unknown key":
        bad["articles"][0]["extra"] = 1
    elif breakage == "title claim with sentence":
        facts["f-headline"]["claims"][0]["sentence"] = 0
    elif breakage == "bad status":
        facts["f-fire"]["status"] = "confirmed"
    elif breakage == "bad attribution kind":
        bad["sourcing"][0]["attributions"][0]["kind"] = "police"
    elif breakage == "wrong schema":
        bad["schema"] = "corroborate.brief/1"
    elif breakage == "disputed without differences":
        facts["f-dead"]["differences"] = []
    elif breakage == "bad date":
        bad["timeline"][0]["date"] = "Monday"
    assert not validator.is_valid(bad)


# -- Markdown --------------------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    """Split a Markdown table row on pipes that are not backslash-escaped."""
    cells, cell, escaped = [], "", False
    for char in row.strip()[1:-1]:
        if escaped:
            cell, escaped = cell + char, False
        elif char == "\\":
            cell, escaped = cell + char, True
        elif char == "|":
            cells.append(cell)
            cell = ""
        else:
            cell += char
    return [*cells, cell]


def test_markdown_sections_and_values(doc: dict[str, Any]) -> None:
    text = brief_to_markdown(doc)
    assert text.startswith("# Fifteen dead in Voltara plant blast\n")
    assert "3 articles from 3 outlets · 1 agreed, 2 single-source, 1 disputed facts" in text
    for heading in ("Summary", "Agreed facts", "Reported by one outlet only", "Disputed",
                    "Quotes", "Sourcing", "Source lineages", "Timeline", "Entities"):
        assert f"\n## {heading}\n" in text
    assert ("- The fire spread very quickly, officials said. — Harbour Herald, Pacific Wire "
            "Service (2 outlets, 1 independent source) [Pacific Wire Service §1; "
            "Harbour Herald §1]") in text
    assert "### Harbour Herald\n\n- Voltara blast kills 15 [Harbour Herald headline]" in text
    assert "| Pacific Wire Service §0 | 15 person | At least 15 people | — |" in text
    assert "| Twelve people | a source |" in text
    assert "### Eva Markova, a Voltara spokeswoman\n" in text
    assert "### Anonymous source\n" in text
    assert "### a worker _(anonymous)_\n\n- “Nobody warned us,” — Harbour Herald (told)" in text
    assert "Leans most on anonymous sources: **Evil" in text
    assert "near-verbatim copy of Pacific Wire Service" in text
    assert "| 2026-10-12 | At least 15 people died" in text
    assert "- Voltara (ORG) — 2 articles, 2 mentions" in text
    assert "<https://wire.example/voltara>" in text
    assert "javascript:" not in text


def test_markdown_article_text_cannot_break_structure(doc: dict[str, Any]) -> None:
    text = brief_to_markdown(doc)
    assert SCRIPT not in text and "\\<script>" in text
    assert "\n# Not a heading" not in text
    lines = text.splitlines()
    for at, line in enumerate(lines):
        if line.startswith("|---"):
            width = len(_cells(lines[at - 1]))
            body = lines[at + 1:]
            rows = body[: next((i for i, x in enumerate(body) if not x.startswith("|")),
                               len(body))]
            assert rows
            assert all(len(_cells(r)) == width for r in rows), rows


# -- HTML ------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value) for name, value in attrs]


def _parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    collector.close()
    return collector


def test_html_escapes_hostile_content(doc: dict[str, Any]) -> None:
    page = brief_to_html(doc)
    assert SCRIPT not in page
    assert ATTR_BREAK not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot; onmouseover=&quot;x" in page
    assert 'href="javascript:' not in page.lower()
    parsed = _parse(page)
    assert "script" not in parsed.tags
    assert not [a for a in parsed.attrs if a[1].startswith("on")]
    assert not [a for a in parsed.attrs if "javascript:" in (a[2] or "").lower()]


def test_html_is_standalone(doc: dict[str, Any]) -> None:
    page = brief_to_html(doc)
    parsed = _parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    csp = [v for t, n, v in parsed.attrs if t == "meta" and n == "content" and v
           and v.startswith("default-src 'none'")]
    assert csp and "style-src 'unsafe-inline'" in csp[0]
    assert not [a for a in parsed.attrs if a[1] == "src"]
    assert not {"link", "img", "iframe", "object", "embed"} & set(parsed.tags)
    hrefs = [v or "" for _, n, v in parsed.attrs if n == "href"]
    external = [h for h in hrefs if not h.startswith("#")]
    assert external == ["https://wire.example/voltara"]
    anchors = {v for _, n, v in parsed.attrs if n == "id"}
    assert all(h[1:] in anchors for h in hrefs if h.startswith("#"))


def test_html_sections_and_marks(doc: dict[str, Any]) -> None:
    page = brief_to_html(doc)
    for heading in ("Summary", "Agreed facts", "Reported by one outlet only", "Disputed",
                    "Quotes", "Sourcing", "Source lineages", "Timeline", "Entities"):
        assert f"<h2>{heading}</h2>" in page
    for status in ("agreed", "single", "disputed"):
        assert f'<div class="fact {status}"' in page
        assert f'<span class="badge {status}">' in page
    assert "<mark>At least 15</mark> people died" not in page  # the whole value is marked
    assert "<mark>At least 15 people</mark> died in the explosion" in page
    assert "<strong>12 person</strong>" in page
    assert "<mark>Twelve people</mark> died | in the blast &lt;script&gt;" in page
    assert 'title="article a1a1a1a1a1a1a1a1, text characters 73–118">Pacific Wire Service §1<' \
        in page
    assert ">Harbour Herald headline<" in page
    assert '<h3>a worker <span class="badge anonymous">anonymous</span></h3>' in page
    assert "<h3>Anonymous source</h3>" in page
    assert re.search(r"<h3>Eva Markova <span class=\"muted\">a Voltara spokeswoman", page)


# -- Empty briefs ----------------------------------------------------------------------------


@pytest.mark.parametrize("brief_kind", ["nothing", "articles without facts"])
def test_empty_brief_renders(brief: Brief, validator: jsonschema.Draft202012Validator,
                             brief_kind: str) -> None:
    empty = EMPTY if brief_kind == "nothing" else Brief(
        analyses=brief.analyses, facts=(), lineages=(), entities=(), timeline=(),
        headline=WIRE, summary=())
    doc = brief_to_dict(empty)
    validator.validate(doc)
    assert doc["counts"] == {"agreed": 0, "single": 0, "disputed": 0}
    text = brief_to_markdown(doc)
    assert "## Agreed facts" in text and "## Source lineages" not in text
    page = brief_to_html(doc)
    assert page.rstrip().endswith("</html>") and "<h2>Disputed</h2>" in page
    assert "The outlets do not contradict each other." in page


def test_articles_not_compared_are_listed_and_escaped(brief: Brief,
                                                     validator: jsonschema.Draft202012Validator
                                                     ) -> None:
    from dataclasses import replace

    from corroborate.model import Exclusion

    foreign = Article("d4d4d4d4d4d4d4d4", "Ein Brand in der Fabrik.", f"Brand {SCRIPT}",
                      EVIL_SOURCE, "2026-01-05")
    reason = "written in another language than English (detected: de, probability 0.99)"
    with_excluded = replace(brief, excluded=(Exclusion(foreign, reason, "de"),))
    doc = brief_to_dict(with_excluded)
    validator.validate(doc)
    assert doc["excluded"] == [{"id": foreign.id, "source": EVIL_SOURCE, "title": foreign.title,
                                "published": "2026-01-05", "url": None, "path": None,
                                "language": "de", "reason": reason}]
    assert foreign.id not in {a["id"] for a in doc["articles"]}
    text = brief_to_markdown(doc)
    assert "## Not compared" in text and "1 not compared (not in English)" in text
    assert SCRIPT not in text.split("## Not compared")[1]
    page = brief_to_html(doc)
    assert "<h2>Not compared</h2>" in page and SCRIPT not in page
    # nothing compared at all: the brief still renders and says why
    only = brief_to_dict(Brief((), (), (), (), (), "", (), "", (Exclusion(foreign, reason, "de"),)))
    validator.validate(only)
    assert "Not compared" in brief_to_markdown(only) and "Not compared" in brief_to_html(only)
