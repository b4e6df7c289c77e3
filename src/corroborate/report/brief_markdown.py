"""The brief of a story as Markdown, rendered from the JSON document of ``brief_to_dict``.

The grouping helpers here (facts by outlet, quotes by speaker, the outlet that leans most on
anonymous sources ...) are shared with the HTML renderer, so both show the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Doc = Mapping[str, Any]

TOP_ENTITIES = 15
STATUS_LABEL = {"agreed": "agreed", "single": "single-source", "disputed": "disputed"}


# -- Shared helpers (also used by brief_html) ----------------------------------------------


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def one_line(text: str) -> str:
    """Whitespace, newlines included, collapsed to single spaces."""
    return " ".join(text.split())


def trace(item: Mapping[str, Any]) -> str:
    """Where a claim (or a mention) sits: ``Outlet §3``, or ``Outlet headline``."""
    if item.get("field") == "title" or item.get("sentence") is None:
        return f"{item['outlet']} headline"
    return f"{item['outlet']} §{item['sentence']}"


def offsets_note(item: Mapping[str, Any], what: str = "") -> str:
    """Article id, field and character offsets of a claim or mention, for tooltips
    (``what`` says what the offsets cover when it is not the item itself: "value")."""
    field = "title" if item.get("field") == "title" else "text"
    covers = f"{what} at " if what else ""
    return f"article {item['article']}, {covers}{field} characters {item['start']}–{item['end']}"


def outlets(doc: Doc) -> list[str]:
    """Distinct outlets of the articles, in the order the brief lists them."""
    return list(dict.fromkeys(a["source"] for a in doc["articles"]))


def overview(doc: Doc) -> str:
    """``3 articles from 3 outlets · 1 agreed, 0 single-source, 2 disputed facts``."""
    counts = doc["counts"]
    facts = ", ".join(f"{counts[s]} {label}" for s, label in STATUS_LABEL.items())
    left_out = len(doc.get("excluded", ()))
    note = f" · {left_out} not compared (not in English)" if left_out else ""
    return (f"{plural(len(doc['articles']), 'article')} from "
            f"{plural(len(outlets(doc)), 'outlet')} · {facts} facts{note}")


def facts_with(doc: Doc, status: str) -> list[Mapping[str, Any]]:
    return [f for f in doc["facts"] if f["status"] == status]


def fact_by_id(doc: Doc) -> dict[str, Mapping[str, Any]]:
    return {f["id"]: f for f in doc["facts"]}


def single_by_outlet(doc: Doc) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Single-source facts grouped under the outlet (or outlets) that report them."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for fact in facts_with(doc, "single"):
        groups.setdefault(", ".join(fact["sources"]), []).append(fact)
    return sorted(groups.items(), key=lambda item: item[0].casefold())


@dataclass(frozen=True, slots=True)
class SpeakerQuotes:
    speaker: str | None
    role: str | None
    anonymous: bool
    quotes: tuple[Mapping[str, Any], ...]

    @property
    def name(self) -> str:
        if self.speaker:
            return self.speaker
        return "Anonymous source" if self.anonymous else "Unidentified speaker"


def quotes_by_speaker(doc: Doc) -> list[SpeakerQuotes]:
    """Quotes grouped by speaker (as written), most quoted first."""
    groups: dict[tuple[str | None, bool], list[Mapping[str, Any]]] = {}
    for quote in doc["quotes"]:
        groups.setdefault((quote["speaker"], bool(quote["anonymous"])), []).append(quote)
    result = [
        SpeakerQuotes(speaker=speaker, anonymous=anonymous, quotes=tuple(quotes),
                      role=next((q["speaker_role"] for q in quotes if q["speaker_role"]), None))
        for (speaker, anonymous), quotes in groups.items()
    ]
    return sorted(result, key=lambda g: -len(g.quotes))


@dataclass(frozen=True, slots=True)
class AnonymousLeader:
    outlet: str
    article: str
    anonymous: int
    total: int


def anonymous_leader(doc: Doc) -> AnonymousLeader | None:
    """The article whose attributions and quotes are most often anonymous (None if none is)."""
    best: AnonymousLeader | None = None
    for row in doc["sourcing"]:
        anonymous = row["anonymous"] + row["quotes_anonymous"]
        total = anonymous + row["named"] + row["quotes_named"]
        if anonymous == 0:
            continue
        candidate = AnonymousLeader(row["outlet"], row["article"], anonymous, total)
        if best is None or _share_key(candidate) > _share_key(best):
            best = candidate
    return best


def _share_key(leader: AnonymousLeader) -> tuple[float, int]:
    return (leader.anonymous / leader.total, leader.anonymous)


def shared_lineages(doc: Doc) -> list[Mapping[str, Any]]:
    """Lineages that fold more than one article into one source."""
    return [lin for lin in doc["lineages"] if len(lin["articles"]) > 1]


def article_label(doc: Doc, article_id: str) -> str:
    """``Outlet — Title`` for an article id (the id itself when unknown)."""
    for article in doc["articles"]:
        if article["id"] == article_id:
            return f"{article['source']} — {one_line(article['title'])}"
    return article_id


def top_entities(doc: Doc, limit: int = TOP_ENTITIES) -> list[Mapping[str, Any]]:
    """Entities named by the most articles (then with the most mentions)."""
    ranked = sorted(doc["entities"],
                    key=lambda e: (-len(e["articles"]), -len(e["mentions"]), e["name"]))
    return ranked[:limit]


def split_value(claim_text: str, value_text: str) -> tuple[str, str, str]:
    """The claim around the first occurrence of the value as written: before, value, after.
    When the value does not occur in the claim, everything is ``before``."""
    at = claim_text.find(value_text) if value_text else -1
    if at < 0:
        return claim_text, "", ""
    return claim_text[:at], value_text, claim_text[at + len(value_text):]


def is_web_url(url: object) -> bool:
    """True for an ``http://`` or ``https://`` URL (the only ones we turn into links)."""
    return isinstance(url, str) and url[:8].lower().startswith(("http://", "https://"))


# -- Markdown escaping -----------------------------------------------------------------------

_INLINE = re.compile(r"([\\`|<\[\]])")
_BLOCK_MARK = re.compile(r"^(?:#|>|[-+*](?=\s|$))")
_ORDERED_MARK = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def md(text: object) -> str:
    """Article text made safe for one line of Markdown: newlines collapsed; backslashes, pipes,
    ``<``, square brackets and backticks escaped (so it cannot break a table, open a link, raw
    HTML or a code span), and a leading block marker (``#``, ``>``, ``-``, ``1.``) escaped."""
    line = _INLINE.sub(r"\\\1", one_line(str(text)))
    if _BLOCK_MARK.match(line):
        return "\\" + line
    return _ORDERED_MARK.sub(r"\1\\\2", line)


def md_trace(items: Iterable[Mapping[str, Any]]) -> str:
    return "[" + "; ".join(md(trace(i)) for i in items) + "]"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines


# -- Sections --------------------------------------------------------------------------------


def _header(doc: Doc) -> list[str]:
    title = doc["headline"]["text"] or "Untitled story"
    names = ", ".join(md(o) for o in outlets(doc)) or "no outlets"
    return [f"# {md(title)}", "", f"{md(overview(doc))} — {names}"]


def _summary(doc: Doc) -> list[str]:
    facts = fact_by_id(doc)
    lines = []
    for item in doc["summary"]:
        fact = facts.get(item["fact"])
        where = f" {md_trace(fact['claims'])}" if fact else ""
        lines.append(f"- {md(item['text'])}{where}")
    return lines or ["_Nothing to summarise._"]


def _fact_support(fact: Mapping[str, Any]) -> str:
    return (f"{plural(fact['outlets'], 'outlet')}, "
            f"{plural(fact['independent_sources'], 'independent source')}")


def _agreed(doc: Doc) -> list[str]:
    lines = [
        f"- {md(f['text'])} — {md(', '.join(f['sources']))} ({_fact_support(f)}) "
        f"{md_trace(f['claims'])}"
        for f in facts_with(doc, "agreed")
    ]
    return lines or ["_No fact is reported by more than one outlet._"]


def _single(doc: Doc) -> list[str]:
    lines: list[str] = []
    for outlet, facts in single_by_outlet(doc):
        lines += [f"### {md(outlet)}", ""]
        lines += [f"- {md(f['text'])} {md_trace(f['claims'])}" for f in facts]
        lines.append("")
    return lines[:-1] or ["_None._"]


def _difference(diff: Mapping[str, Any]) -> list[str]:
    rows = [
        (md(trace(v)), md(v["value"]), md(v["text"]),
         md(v["attributed_to"]) if v["attributed_to"] else "—")
        for v in diff["values"]
    ]
    verdict = ("different, but both possible under their hedges" if diff["compatible"]
               else "conflicting")
    return [f"**{md(diff['slot'])}** ({verdict})", "",
            *_table(("Outlet", "Value", "As written", "Attributed to"), rows)]


def _disputed(doc: Doc) -> list[str]:
    lines: list[str] = []
    for fact in facts_with(doc, "disputed"):
        lines += [f"### {md(fact['text'])} {md_trace(fact['claims'])}", "",
                  f"{md(', '.join(fact['sources']))} ({_fact_support(fact)})", ""]
        for diff in fact["differences"]:
            lines += [*_difference(diff), ""]
    return lines[:-1] or ["_The outlets do not contradict each other._"]


def _quotes(doc: Doc) -> list[str]:
    lines: list[str] = []
    for group in quotes_by_speaker(doc):
        role = f", {md(group.role)}" if group.role else ""
        mark = " _(anonymous)_" if group.anonymous and group.speaker else ""
        lines += [f"### {md(group.name)}{role}{mark}", ""]
        for q in group.quotes:
            cue = f" ({md(q['cue'])})" if q["cue"] else ""
            lines.append(f"- “{md(q['text'])}” — {md(q['outlet'])}{cue} {md_trace([q])}")
        lines.append("")
    return lines[:-1] or ["_No direct quotes._"]


def _sourcing(doc: Doc) -> list[str]:
    rows = [(md(r["outlet"]), str(r["named"]), str(r["anonymous"]), str(r["quotes_anonymous"]))
            for r in doc["sourcing"]]
    if not rows:
        return ["_No articles._"]
    lines = _table(("Outlet", "Named sources", "Anonymous attributions", "Anonymous quotes"),
                   rows)
    leader = anonymous_leader(doc)
    if leader is None:
        lines += ["", "No article relies on anonymous sources."]
    else:
        lines += ["", f"Leans most on anonymous sources: **{md(leader.outlet)}** "
                      f"({leader.anonymous} of {leader.total} attributions and quotes)."]
    return lines


def _lineages(doc: Doc) -> list[str]:
    lines: list[str] = []
    for lin in shared_lineages(doc):
        lines.append(f"- **{md(article_label(doc, lin['root']))}** (root), counted as one source"
                     f" with {plural(len(lin['articles']) - 1, 'other article')}:")
        others = [a for a in lin["articles"] if a != lin["root"]]
        lines += [f"  - {md(article_label(doc, a))}" for a in others]
        lines += [f"  - why: {md(reason)}" for reason in lin["reasons"]]
    return lines


def _timeline(doc: Doc) -> list[str]:
    rows = [(md(entry["date"]), md(m["sentence_text"]), md(trace(m)))
            for entry in doc["timeline"] for m in entry["mentions"]]
    return _table(("Date", "What was said", "Outlet"), rows) if rows else ["_No dates._"]


def _entities(doc: Doc) -> list[str]:
    lines = [
        f"- {md(e['name'])} ({md(e['label'])}) — {plural(len(e['articles']), 'article')}, "
        f"{plural(len(e['mentions']), 'mention')}"
        for e in top_entities(doc)
    ]
    return lines or ["_No entities._"]


def _articles(doc: Doc) -> list[str]:
    lines = []
    for a in doc["articles"]:
        when = f", {md(a['published'])}" if a["published"] else ""
        link = f" <{a['url']}>" if is_web_url(a["url"]) and _safe_autolink(a["url"]) else ""
        lines.append(f"- {md(a['source'])}: {md(a['title'])}{when}{link}")
    return lines or ["_No articles._"]


def _excluded(doc: Doc) -> list[str]:
    return [f"- {md(e['source'])}: {md(e['title'])} — {md(e['reason'])}"
            for e in doc.get("excluded", ())]


def _safe_autolink(url: str) -> bool:
    return not any(c in url for c in "<> \t\r\n")


def brief_to_markdown(doc: Doc) -> str:
    """The brief (the dict of ``brief_to_dict``) as a Markdown document for people."""
    sections: list[tuple[str, list[str]]] = [
        ("Summary", _summary(doc)),
        ("Agreed facts", _agreed(doc)),
        ("Reported by one outlet only", _single(doc)),
        ("Disputed", _disputed(doc)),
        ("Quotes", _quotes(doc)),
        ("Sourcing", _sourcing(doc)),
        ("Source lineages", _lineages(doc)),
        ("Timeline", _timeline(doc)),
        ("Entities", _entities(doc)),
        ("Articles", _articles(doc)),
        ("Not compared", _excluded(doc)),
    ]
    lines = _header(doc)
    for title, body in sections:
        if body:
            lines += ["", f"## {title}", "", *body]
    return "\n".join(lines) + "\n"
