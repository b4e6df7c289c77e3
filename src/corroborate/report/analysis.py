"""The analysis of one article as JSON (schema ``corroborate.analysis/1``) or text."""

from __future__ import annotations

from typing import Any

from corroborate.model import ANALYSIS_SCHEMA, Analysis


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    """The JSON document described by ``schemas/analysis.schema.json``."""
    a = analysis.article
    text = a.text
    return {
        "schema": ANALYSIS_SCHEMA,
        "analyzer": analysis.analyzer,
        "article": {
            "id": a.id, "source": a.source, "title": a.title, "published": a.published,
            "url": a.url, "path": a.path, "author": a.author, "metadata": dict(a.metadata),
            "length": len(text),
        },
        "sentences": [
            {"index": s.index, "start": s.start, "end": s.end, "text": text[s.start : s.end]}
            for s in analysis.sentences
        ],
        "entities": [
            {"text": text[e.start : e.end], "label": e.label, "key": e.key,
             "sentence": e.sentence, "start": e.start, "end": e.end}
            for e in analysis.entities
        ],
        "quantities": [
            {"text": text[q.start : q.end], "value": q.value, "unit": q.unit, "kind": q.kind,
             "approximate": q.approximate, "qualifier": q.qualifier,
             "sentence": q.sentence, "start": q.start, "end": q.end}
            for q in analysis.quantities
        ],
        "dates": [
            {"text": text[d.start : d.end], "value": d.value,
             "sentence": d.sentence, "start": d.start, "end": d.end}
            for d in analysis.dates
        ],
        "quotes": [
            {"text": text[q.start : q.end], "speaker": q.speaker, "speaker_role": q.speaker_role,
             "speaker_kind": q.speaker_kind, "cue": q.cue, "anonymous": q.anonymous,
             "speaker_mention": (
                 None if q.speaker_start is None or q.speaker_end is None
                 else {"start": q.speaker_start, "end": q.speaker_end,
                       "text": text[q.speaker_start : q.speaker_end]}),
             "sentence": q.sentence, "start": q.start, "end": q.end}
            for q in analysis.quotes
        ],
        "attributions": [
            {"text": x.source, "mention": text[x.start : x.end], "kind": x.kind,
             "named": x.named, "cue": x.cue, "sentence": x.sentence, "start": x.start,
             "end": x.end}
            for x in analysis.attributions
        ],
    }


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def analysis_to_text(analysis: Analysis) -> str:
    """A readable summary for the terminal."""
    a = analysis.article
    text = a.text
    lines = [
        f"{a.title}",
        f"id {a.id} · {a.source} · {a.published or 'date unknown'}"
        + (f" · {a.url}" if a.url else ""),
        f"{len(analysis.sentences)} sentences, {len(analysis.entities)} entities, "
        f"{len(analysis.quantities)} quantities, {len(analysis.dates)} dates, "
        f"{len(analysis.quotes)} quotes, {len(analysis.attributions)} attributions",
    ]
    if analysis.quotes:
        lines += ["", "Quotes:"]
        for q in analysis.quotes:
            who = q.speaker or "(speaker unknown)"
            if q.speaker_role:
                who += f", {q.speaker_role}"
            if q.anonymous:
                who += " [anonymous]"
            lines.append(f"  [{q.sentence}] {who} ({q.cue or 'no cue'}): "
                         f"“{_short(text[q.start:q.end])}”")
    if analysis.attributions:
        lines += ["", "Attributions:"]
        for x in analysis.attributions:
            lines.append(f"  [{x.sentence}] {x.source} — {x.kind} ({x.cue})")
    if analysis.quantities:
        lines += ["", "Quantities:"]
        for n in analysis.quantities:
            approx = " ~" if n.approximate else ""
            lines.append(f"  [{n.sentence}] {text[n.start:n.end]} = {n.value:g} {n.unit}{approx}")
    if analysis.dates:
        lines += ["", "Dates:"]
        for d in analysis.dates:
            lines.append(f"  [{d.sentence}] {text[d.start:d.end]} = {d.value or '?'}")
    if analysis.entities:
        lines += ["", "Entities:"]
        seen: dict[str, list[str]] = {}
        for e in analysis.entities:
            forms = seen.setdefault(e.key, [])
            form = text[e.start : e.end]
            if form not in forms:
                forms.append(form)
        for key, forms in seen.items():
            lines.append(f"  {key}: {' / '.join(forms)}")
    return "\n".join(lines)
