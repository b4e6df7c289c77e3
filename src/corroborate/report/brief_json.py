"""The brief of a story as a JSON document (schema ``corroborate.brief/3``).

Markdown and HTML render this same document, so every format shows the same facts.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from corroborate.model import BRIEF_SCHEMA, Brief, Claim, Mention


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """The JSON document described by ``schemas/brief.schema.json``."""
    articles = {a.article.id: a for a in brief.analyses}
    lineage_of = {aid: lin.id for lin in brief.lineages for aid in lin.articles}

    def outlet(aid: str) -> str:
        article = articles[aid].article
        if article.source == "unknown" and article.path:
            # several outlets may be unknown: name the file so the reader can tell them apart
            return f"unknown ({PurePath(article.path).name})"
        return article.source

    def claim_text(claim: Claim) -> str:
        return articles[claim.article].article.claim_text(claim)

    def claim_dict(claim: Claim) -> dict[str, Any]:
        return {
            "article": claim.article, "outlet": outlet(claim.article), "field": claim.field,
            "sentence": claim.sentence, "start": claim.start, "end": claim.end,
            "gaps": [[g_start, g_end] for g_start, g_end in claim.gaps],
            "text": claim_text(claim),
        }

    def mention_dict(m: Mention) -> dict[str, Any]:
        analysis = articles[m.article]
        return {"article": m.article, "outlet": outlet(m.article), "sentence": m.sentence,
                "start": m.start, "end": m.end, "text": analysis.text_of(m.start, m.end)}

    facts = []
    fact_text: dict[str, str] = {}
    for fact in brief.facts:
        rep = fact.claims[fact.representative]
        fact_text[fact.id] = claim_text(rep)
        facts.append({
            "id": fact.id,
            "status": fact.status,
            "text": fact_text[fact.id],
            "article": rep.article,
            "outlets": fact.outlets,
            "independent_sources": fact.independent_sources,
            "sources": sorted({outlet(c.article) for c in fact.claims}),
            "claims": [claim_dict(c) for c in fact.claims],
            "differences": [
                {"kind": d.kind, "label": d.label, "slot": d.slot,
                 "compatible": d.compatible, "values": [
                    {**claim_dict(v.claim),
                     "text": articles[v.claim.article].article.field_text(
                         v.claim.field)[v.start : v.end],
                     "claim_text": claim_text(v.claim),
                     "claim_start": v.claim.start, "claim_end": v.claim.end,
                     "start": v.start, "end": v.end, "value": v.value,
                     "attributed_to": v.attributed_to}
                    for v in d.values]}
                for d in fact.differences
            ],
        })
    counts = {status: sum(1 for f in brief.facts if f.status == status)
              for status in ("agreed", "single", "disputed")}
    head = articles[brief.headline].article if brief.headline in articles else None
    return {
        "schema": BRIEF_SCHEMA,
        "aligner": brief.aligner,
        "headline": {"text": head.title if head else "", "article": brief.headline},
        "summary": [{"fact": fid, "text": fact_text[fid]} for fid in brief.summary
                    if fid in fact_text],
        "counts": counts,
        "articles": [
            {"id": a.article.id, "source": outlet(a.article.id), "title": a.article.title,
             "published": a.article.published, "url": a.article.url, "path": a.article.path,
             "lineage": lineage_of.get(a.article.id, a.article.id)}
            for a in brief.analyses
        ],
        "excluded": [
            {"id": e.article.id, "source": e.article.source, "title": e.article.title,
             "published": e.article.published, "url": e.article.url, "path": e.article.path,
             "language": e.language, "reason": e.reason}
            for e in brief.excluded
        ],
        "lineages": [
            {"id": lin.id, "articles": list(lin.articles), "root": lin.root,
             "reasons": list(lin.reasons)}
            for lin in brief.lineages
        ],
        "facts": facts,
        "quotes": [
            {"article": a.article.id, "outlet": outlet(a.article.id), "speaker": q.speaker,
             "speaker_role": q.speaker_role, "speaker_kind": q.speaker_kind,
             "anonymous": q.anonymous, "cue": q.cue, "text": a.text_of(q.start, q.end),
             "sentence": q.sentence, "start": q.start, "end": q.end}
            for a in brief.analyses for q in a.quotes
        ],
        "sourcing": [
            {"article": a.article.id, "outlet": outlet(a.article.id),
             "named": sum(1 for x in a.attributions if x.named),
             "anonymous": sum(1 for x in a.attributions if not x.named),
             "quotes_named": sum(1 for q in a.quotes if not q.anonymous),
             "quotes_anonymous": sum(1 for q in a.quotes if q.anonymous),
             "attributions": [
                 {"source": x.source, "kind": x.kind, "named": x.named, "cue": x.cue,
                  "mention": a.text_of(x.start, x.end), "sentence": x.sentence,
                  "start": x.start, "end": x.end}
                 for x in a.attributions]}
            for a in brief.analyses
        ],
        "entities": [
            {"key": e.key, "label": e.label, "name": e.name,
             "articles": sorted({m.article for m in e.mentions}),
             "mentions": [mention_dict(m) for m in e.mentions]}
            for e in brief.entities
        ],
        "timeline": [
            {"date": t.value, "mentions": [
                {**mention_dict(m),
                 "sentence_text": articles[m.article].sentence_text(m.sentence)}
                for m in t.mentions]}
            for t in brief.timeline
        ],
    }

