"""The brief of a story as one standalone HTML5 page, rendered from ``brief_to_dict``'s document.

No external assets and no script: the styles are inline and a Content-Security-Policy forbids
everything else. All article text and metadata is untrusted and escaped; only ``http(s)`` URLs
become links.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from corroborate.report.brief_markdown import (
    STATUS_LABEL,
    Doc,
    anonymous_leader,
    article_label,
    fact_by_id,
    facts_with,
    is_web_url,
    offsets_note,
    one_line,
    outlets,
    overview,
    plural,
    quotes_by_speaker,
    shared_lineages,
    single_by_outlet,
    split_value,
    top_entities,
    trace,
)

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

STYLE = """
:root { --agreed: #1f7a3d; --single: #8a5a00; --disputed: #b3261e; --muted: #5f6368;
        --line: #d9dce1; --bg-soft: #f5f6f8; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1f23;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin-bottom: .3rem; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
nav a { margin-right: .8rem; }
.meta, .muted, .support { color: var(--muted); font-size: .92rem; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; color: #fff;
         border-radius: .6rem; padding: 0 .5rem; margin-right: .4rem; vertical-align: .1rem; }
.badge.agreed { background: var(--agreed); }
.badge.single { background: var(--single); }
.badge.disputed { background: var(--disputed); }
.badge.anonymous { background: var(--muted); }
.fact { border-left: 4px solid var(--line); padding: .3rem .8rem; margin: .8rem 0;
        background: var(--bg-soft); }
.fact.agreed { border-color: var(--agreed); }
.fact.single { border-color: var(--single); }
.fact.disputed { border-color: var(--disputed); }
.fact-text { margin: .2rem 0; font-weight: 500; }
.claims { margin: .3rem 0; padding-left: 1.2rem; font-size: .92rem; }
.trace { font-size: .8rem; color: var(--muted); white-space: nowrap; cursor: help;
         border-bottom: 1px dotted var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th { background: var(--bg-soft); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
mark { background: #ffe08a; padding: 0 .1rem; }
blockquote { margin: .4rem 0; padding-left: .8rem; border-left: 3px solid var(--line); }
.empty { color: var(--muted); font-style: italic; }
@media (prefers-color-scheme: dark) {
  body { background: #16181c; color: #e4e6ea; }
  :root { --line: #3a3f47; --bg-soft: #1f2227; --muted: #a0a6ad; }
  mark { background: #7a5d00; color: #fff; }
}
"""

SECTIONS = (
    ("summary", "Summary"),
    ("agreed", "Agreed facts"),
    ("single", "Reported by one outlet only"),
    ("disputed", "Disputed"),
    ("quotes", "Quotes"),
    ("sourcing", "Sourcing"),
    ("lineages", "Source lineages"),
    ("timeline", "Timeline"),
    ("entities", "Entities"),
    ("articles", "Articles"),
    ("excluded", "Not compared"),
)


def esc(value: object) -> str:
    """Untrusted text as HTML text or attribute value."""
    return html.escape(str(value), quote=True)


def _empty(message: str) -> str:
    return f'<p class="empty">{esc(message)}</p>'


def _badge(status: str) -> str:
    return f'<span class="badge {esc(status)}">{esc(STATUS_LABEL.get(status, status))}</span>'


def _trace(item: Mapping[str, Any], what: str = "") -> str:
    note = esc(offsets_note(item, what))
    return f'<span class="trace" title="{note}">{esc(trace(item))}</span>'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table; ``header`` is plain text, ``rows`` hold ready-made (escaped) cell HTML."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cells) + "</tr>\n" for cells in
                   (tuple(c if c.startswith("<td") else f"<td>{c}</td>" for c in row)
                    for row in rows))
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def _num(value: int) -> str:
    return f'<td class="num">{value}</td>'


# -- Facts -----------------------------------------------------------------------------------


def _support(fact: Mapping[str, Any]) -> str:
    return (f'<p class="support">{esc(", ".join(fact["sources"]))} · '
            f"{esc(plural(fact['outlets'], 'outlet'))}, "
            f"{esc(plural(fact['independent_sources'], 'independent source'))}</p>")


def _claims(fact: Mapping[str, Any]) -> str:
    """Each claim's outlet and sentence; its wording too where it differs from the fact's."""
    shown = one_line(fact["text"])
    items = []
    for claim in fact["claims"]:
        text = one_line(claim["text"])
        items.append(f"<li>{_trace(claim)}" + (f" {esc(text)}" if text != shown else "")
                     + "</li>\n")
    return f'<ul class="claims">\n{"".join(items)}</ul>'


def _marked(value: Mapping[str, Any]) -> str:
    before, found, after = split_value(one_line(value["claim_text"]), one_line(value["text"]))
    marked = f"<mark>{esc(found)}</mark>" if found else ""
    return esc(before) + marked + esc(after)


def _difference(diff: Mapping[str, Any]) -> str:
    rows = [
        (_trace(v, "value"), f"<strong>{esc(v['value'])}</strong>", _marked(v),
         esc(v["attributed_to"]) if v["attributed_to"] else '<span class="muted">—</span>')
        for v in diff["values"]
    ]
    verdict = ("different, but both possible under their hedges" if diff["compatible"]
               else "conflicting")
    caption = (f"<h4>{esc(diff['slot'])} "
               f'<span class="muted">({verdict})</span></h4>')
    return caption + "\n" + _table(("Outlet", "Value", "As written", "Attributed to"), rows)


def _fact(fact: Mapping[str, Any]) -> str:
    parts = [f'<div class="fact {esc(fact["status"])}" id="fact-{esc(fact["id"])}">',
             f'<p class="fact-text">{_badge(fact["status"])}{esc(one_line(fact["text"]))}</p>',
             _support(fact), _claims(fact)]
    parts += [_difference(d) for d in fact["differences"]]
    parts.append("</div>")
    return "\n".join(parts)


def _summary(doc: Doc) -> str:
    facts = fact_by_id(doc)
    items = []
    for item in doc["summary"]:
        fact = facts.get(item["fact"])
        badge = _badge(fact["status"]) if fact else ""
        where = " ".join(_trace(c) for c in fact["claims"]) if fact else ""
        items.append(f"<li>{badge}{esc(one_line(item['text']))} {where}</li>")
    if not items:
        return _empty("Nothing to summarise.")
    return "<ul>\n" + "\n".join(items) + "\n</ul>"


def _agreed(doc: Doc) -> str:
    facts = facts_with(doc, "agreed")
    if not facts:
        return _empty("No fact is reported by more than one outlet.")
    return "\n".join(_fact(f) for f in facts)


def _single(doc: Doc) -> str:
    groups = single_by_outlet(doc)
    if not groups:
        return _empty("None.")
    return "\n".join(f"<h3>{esc(outlet)}</h3>\n" + "\n".join(_fact(f) for f in facts)
                     for outlet, facts in groups)


def _disputed(doc: Doc) -> str:
    facts = facts_with(doc, "disputed")
    if not facts:
        return _empty("The outlets do not contradict each other.")
    return "\n".join(_fact(f) for f in facts)


# -- Quotes, sourcing, lineages, timeline, entities, articles ---------------------------------


def _quotes(doc: Doc) -> str:
    parts = []
    for group in quotes_by_speaker(doc):
        role = f' <span class="muted">{esc(group.role)}</span>' if group.role else ""
        anonymous = group.anonymous and group.speaker
        mark = ' <span class="badge anonymous">anonymous</span>' if anonymous else ""
        parts.append(f"<h3>{esc(group.name)}{role}{mark}</h3>")
        for q in group.quotes:
            cue = f" ({esc(q['cue'])})" if q["cue"] else ""
            parts.append(f"<blockquote>“{esc(one_line(q['text']))}” "
                         f'<span class="muted">— {esc(q["outlet"])}{cue}</span> '
                         f"{_trace(q)}</blockquote>")
    return "\n".join(parts) or _empty("No direct quotes.")


def _sourcing(doc: Doc) -> str:
    if not doc["sourcing"]:
        return _empty("No articles.")
    rows = [(f'<span title="article {esc(r["article"])}">{esc(r["outlet"])}</span>',
             _num(r["named"]), _num(r["anonymous"]), _num(r["quotes_anonymous"]))
            for r in doc["sourcing"]]
    table = _table(("Outlet", "Named sources", "Anonymous attributions", "Anonymous quotes"),
                   rows)
    leader = anonymous_leader(doc)
    if leader is None:
        return table + "\n<p>No article relies on anonymous sources.</p>"
    return (table + f"\n<p>Leans most on anonymous sources: <strong>{esc(leader.outlet)}"
            f"</strong> ({leader.anonymous} of {leader.total} attributions and quotes).</p>")


def _lineages(doc: Doc) -> str:
    parts = []
    for lin in shared_lineages(doc):
        others = "".join(f"<li>{esc(article_label(doc, a))}</li>"
                         for a in lin["articles"] if a != lin["root"])
        reasons = "".join(f"<li>{esc(r)}</li>" for r in lin["reasons"])
        parts.append(
            f"<li><strong>{esc(article_label(doc, lin['root']))}</strong> (root), counted as "
            f"one source with:<ul>{others}</ul>"
            + (f'<p class="muted">Why:</p><ul>{reasons}</ul>' if reasons else "") + "</li>")
    return "<ul>\n" + "\n".join(parts) + "\n</ul>" if parts else ""


def _timeline(doc: Doc) -> str:
    rows = [(f'<span style="white-space:nowrap">{esc(entry["date"])}</span>',
             esc(one_line(m["sentence_text"])), _trace(m))
            for entry in doc["timeline"] for m in entry["mentions"]]
    return _table(("Date", "What was said", "Outlet"), rows) if rows else _empty("No dates.")


def _entities(doc: Doc) -> str:
    rows = [(esc(e["name"]), esc(e["label"]), _num(len(e["articles"])), _num(len(e["mentions"])))
            for e in top_entities(doc)]
    if not rows:
        return _empty("No entities.")
    return _table(("Name", "Type", "Articles", "Mentions"), rows)


def _article_item(article: Mapping[str, Any]) -> str:
    title = esc(one_line(article["title"]) or "(untitled)")
    if is_web_url(article["url"]):
        title = (f'<a href="{esc(article["url"])}" rel="noopener noreferrer nofollow">'
                 f"{title}</a>")
    published = article["published"]
    when = f' <span class="muted">{esc(published)}</span>' if published else ""
    return (f'<li id="article-{esc(article["id"])}"><strong>{esc(article["source"])}</strong>: '
            f"{title}{when}</li>")


def _articles(doc: Doc) -> str:
    items = [_article_item(a) for a in doc["articles"]]
    return "<ul>\n" + "\n".join(items) + "\n</ul>" if items else _empty("No articles.")


def _excluded(doc: Doc) -> str:
    items = [f'<li id="article-{esc(e["id"])}"><strong>{esc(e["source"])}</strong>: '
             f'{esc(one_line(e["title"]) or "(untitled)")} — {esc(e["reason"])}</li>'
             for e in doc.get("excluded", ())]
    return "<ul>\n" + "\n".join(items) + "\n</ul>" if items else ""


# -- Page ------------------------------------------------------------------------------------


def _head(title: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
    )


def _header(doc: Doc, title: str) -> str:
    names = ", ".join(outlets(doc)) or "no outlets"
    aligner = f" · aligner {doc['aligner']}" if doc["aligner"] else ""
    return (f"<header>\n<h1>{esc(title)}</h1>\n"
            f'<p class="meta">{esc(overview(doc))} — {esc(names)}{esc(aligner)}</p>\n</header>')


def brief_to_html(doc: Doc) -> str:
    """The brief (the dict of ``brief_to_dict``) as one standalone HTML page."""
    title = one_line(doc["headline"]["text"]) or "Untitled story"
    renderers = {
        "summary": _summary, "agreed": _agreed, "single": _single, "disputed": _disputed,
        "quotes": _quotes, "sourcing": _sourcing, "lineages": _lineages,
        "timeline": _timeline, "entities": _entities, "articles": _articles,
        "excluded": _excluded,
    }
    bodies = {key: renderers[key](doc) for key, _ in SECTIONS}
    shown = [(key, name) for key, name in SECTIONS if bodies[key]]
    nav = " ".join(f'<a href="#{key}">{esc(name)}</a>' for key, name in shown)
    sections = "\n".join(f'<section id="{key}">\n<h2>{esc(name)}</h2>\n{bodies[key]}\n</section>'
                         for key, name in shown)
    return (_head(title) + "<body>\n" + _header(doc, title) + f"\n<nav>{nav}</nav>\n<main>\n"
            + sections + "\n</main>\n</body>\n</html>\n")
