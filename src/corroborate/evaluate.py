"""Scoring the analytic stages on annotated data (the `eval` commands call this)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corroborate.errors import InputError
from corroborate.model import Analysis, Article
from corroborate.textnorm import article_id


@dataclass(frozen=True, slots=True)
class Annotated:
    id: str
    text: str
    published: str | None
    gold: dict[str, list[dict[str, Any]]]


def load_annotations(path: Path) -> list[Annotated]:
    records: list[Annotated] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            records.append(Annotated(
                id=str(raw["id"]), text=str(raw["text"]), published=raw.get("published"),
                gold={k: list(raw.get(k) or []) for k in
                      ("quotes", "attributions", "quantities", "dates")},
            ))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number}", f"not an annotation record ({exc})") from exc
    return records


@dataclass(slots=True)
class FieldScore:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    attribute_hits: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "gold": self.gold, "predicted": self.predicted, "matched": self.matched,
            "precision": round(self.precision, 4), "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }
        for name, hits in self.attribute_hits.items():
            out[f"{name}_accuracy"] = round(hits / self.matched, 4) if self.matched else None
        return out


@dataclass(slots=True)
class AnalysisEval:
    passages: int
    sentences: int
    seconds: float
    fields: dict[str, FieldScore]

    def to_dict(self, include_errors: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "passages": self.passages, "sentences": self.sentences,
            "seconds": round(self.seconds, 2),
        }
        for name, score in self.fields.items():
            out[name] = score.to_dict()
            if include_errors:
                out[name]["errors"] = score.errors
        return out

    def to_text(self, include_errors: bool = False) -> str:
        lines = [f"{self.passages} passages, {self.sentences} sentences, {self.seconds:.1f} s",
                 f"{'field':<14}{'gold':>6}{'pred':>6}{'P':>8}{'R':>8}{'F1':>8}  attributes"]
        for name, s in self.fields.items():
            attrs = ", ".join(
                f"{k} {v / s.matched:.3f}" for k, v in s.attribute_hits.items() if s.matched)
            lines.append(f"{name:<14}{s.gold:>6}{s.predicted:>6}{s.precision:>8.3f}"
                         f"{s.recall:>8.3f}{s.f1:>8.3f}  {attrs}")
            if include_errors:
                lines += [f"    {e}" for e in s.errors]
        return "\n".join(lines)


_NORM = re.compile(r"[^\w\s-]")


def norm_name(text: str | None) -> str:
    text = (text or "").replace("\u2019", "'").casefold()
    text = re.sub(r"'s\b", "", text)
    text = _NORM.sub(" ", text)
    words = text.split()
    while words and words[0] in {"the", "a", "an"}:
        words = words[1:]
    return " ".join(words)


def same_source(gold: str | None, predicted: str | None) -> bool:
    """Names agree when equal after normalisation, or when one is the other with more words
    around it ("Kishida" / "Fumio Kishida", "the ministry" / "the foreign ministry")."""
    g, p = norm_name(gold), norm_name(predicted)
    if not g or not p:
        return g == p
    if g == p:
        return True
    return f" {g} " in f" {p} " or f" {p} " in f" {g} "


def _span(text: str, piece: str, used: set[tuple[int, int]]) -> tuple[int, int] | None:
    start = text.find(piece)
    while start >= 0:
        span = (start, start + len(piece))
        if span not in used:
            return span
        start = text.find(piece, start + 1)
    return None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _match(
    score: FieldScore, record: Annotated, gold: Sequence[dict[str, Any]],
    predicted: Sequence[dict[str, Any]], same: Callable[[dict[str, Any], dict[str, Any]], bool],
    attributes: dict[str, Callable[[dict[str, Any], dict[str, Any]], bool]],
    label: Callable[[dict[str, Any]], str],
) -> None:
    score.gold += len(gold)
    score.predicted += len(predicted)
    taken: set[int] = set()
    for g in gold:
        hit = next((i for i, p in enumerate(predicted) if i not in taken and same(g, p)), None)
        if hit is None:
            score.errors.append(f"{record.id} missed: {label(g)}")
            continue
        taken.add(hit)
        score.matched += 1
        for name, check in attributes.items():
            ok = check(g, predicted[hit])
            score.attribute_hits[name] = score.attribute_hits.get(name, 0) + int(ok)
            if not ok:
                score.errors.append(f"{record.id} wrong {name}: gold {label(g)} / predicted "
                                    f"{label(predicted[hit])}")
    for i, p in enumerate(predicted):
        if i not in taken:
            score.errors.append(f"{record.id} false alarm: {label(p)}")


def _with_spans(text: str, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    used: set[tuple[int, int]] = set()
    out = []
    for item in items:
        span = _span(text, str(item.get("text", "")), used)
        if span is not None:
            used.add(span)
        out.append({**item, "_span": span})
    return out


def evaluate_analysis(records: Sequence[Annotated],
                      analyze: Callable[[Article], Analysis] | None = None) -> AnalysisEval:
    """Precision/recall per field and attribute accuracies of the analyzer on ``records``."""
    if analyze is None:
        from corroborate.analyze import Analyzer

        analyze = Analyzer().analyze
    fields = {name: FieldScore() for name in ("quotes", "attributions", "quantities", "dates")}
    sentences = 0
    started = time.perf_counter()
    for record in records:
        article = Article(id=article_id(record.text, "eval"), text=record.text, title=record.id,
                          source="eval", published=record.published)
        analysis = analyze(article)
        sentences += len(analysis.sentences)
        text = record.text
        pred_quotes = [{"text": text[q.start:q.end], "_span": (q.start, q.end),
                        "speaker": q.speaker, "anonymous": q.anonymous}
                       for q in analysis.quotes]
        _match(fields["quotes"], record, _with_spans(text, record.gold["quotes"]), pred_quotes,
               lambda g, p: g["_span"] is not None and _overlap(g["_span"], p["_span"]),
               {"speaker": lambda g, p: same_source(g.get("speaker"), p.get("speaker")),
                "anonymous": lambda g, p: bool(g.get("anonymous")) == bool(p.get("anonymous"))},
               lambda x: f"“{x['text'][:50]}” by {x.get('speaker')}")
        pred_attr = [{"text": a.source, "mention": text[a.start:a.end], "kind": a.kind,
                      "named": a.named, "_span": (a.start, a.end)}
                     for a in analysis.attributions]
        _match(fields["attributions"], record, _with_spans(text, record.gold["attributions"]),
               pred_attr,
               lambda g, p: same_source(g.get("text"), p["text"])
               or same_source(g.get("text"), p["mention"])
               or (g["_span"] is not None and _overlap(g["_span"], p["_span"])),
               {"kind": lambda g, p: g.get("kind") == p["kind"],
                "named": lambda g, p: bool(g.get("named")) == p["named"]},
               lambda x: f"{x['text']} ({x.get('kind')})")
        pred_q = [{"text": text[q.start:q.end], "_span": (q.start, q.end), "value": q.value,
                   "unit": q.unit, "approximate": q.approximate}
                  for q in analysis.quantities]
        _match(fields["quantities"], record, _with_spans(text, record.gold["quantities"]), pred_q,
               lambda g, p: g["_span"] is not None and _overlap(g["_span"], p["_span"])
               and abs(float(g.get("value", 0)) - p["value"]) <= 1e-6 * max(1.0, abs(p["value"])),
               {"unit": lambda g, p: str(g.get("unit", "")).lower() == p["unit"].lower(),
                "approximate": lambda g, p: bool(g.get("approximate")) == p["approximate"]},
               lambda x: f"{x['text']} = {x.get('value')} {x.get('unit')}"
                         f"{' ~' if x.get('approximate') else ''}")
        pred_d = [{"text": text[d.start:d.end], "_span": (d.start, d.end), "value": d.value}
                  for d in analysis.dates]
        _match(fields["dates"], record, _with_spans(text, record.gold["dates"]), pred_d,
               lambda g, p: g["_span"] is not None and _overlap(g["_span"], p["_span"]),
               {"value": lambda g, p: g.get("value") == p["value"]},
               lambda x: f"{x['text']} = {x.get('value')}")
    return AnalysisEval(len(records), sentences, time.perf_counter() - started, fields)


def spacy_baseline(nlp: Any) -> Callable[[Article], Analysis]:
    """The peer baseline: what plain spaCy (same model) gives without Corroborate's rules.

    Quantities are the model's CARDINAL/MONEY/PERCENT/QUANTITY/ORDINAL entities with the first
    number in them; dates its DATE entities resolved by dateparser against the publication
    date; quotes every span in quotation marks, spoken by the nearest PERSON or ORG entity of
    the sentence; attributions the subjects of "say"/"tell"."""
    import bisect
    from datetime import datetime

    import dateparser

    from corroborate.analyze.dates import parse_published
    from corroborate.analyze.numbers import parse_number_words
    from corroborate.analyze.quote_spans import find_quote_spans
    from corroborate.model import (
        Attribution,
        AttributionKind,
        DateMention,
        Quantity,
        Quote,
        Sentence,
    )

    def run(article: Article) -> Analysis:
        doc = nlp(article.text)
        sentences = [Sentence(i, s.start_char, s.end_char) for i, s in enumerate(doc.sents)]
        starts = [s.start for s in sentences]

        def sentence_of(offset: int) -> int:
            return max(0, bisect.bisect_right(starts, offset) - 1)

        published = parse_published(article.published)
        settings: dict[str, Any] = {"PREFER_DATES_FROM": "past"}
        if published is not None:
            settings["RELATIVE_BASE"] = datetime(published.year, published.month, published.day)
        quantities, dates = [], []
        for ent in doc.ents:
            if ent.label_ in {"CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"}:
                m = re.search(r"\d[\d,]*(?:\.\d+)?", ent.text)
                value = float(m.group().replace(",", "")) if m else (
                    parse_number_words(ent.text.lower().split()) or 0.0)
                quantities.append(Quantity(sentence_of(ent.start_char), ent.start_char,
                                           ent.end_char, value, "", "count", False))
            elif ent.label_ == "DATE":
                parsed = dateparser.parse(ent.text, languages=["en"], settings=settings)
                dates.append(DateMention(sentence_of(ent.start_char), ent.start_char,
                                         ent.end_char,
                                         parsed.date().isoformat() if parsed else None))
        quotes = []
        for span in find_quote_spans(article.text):
            sent = doc[doc.char_span(span.start, span.end, alignment_mode="expand").start].sent
            names = [e for e in sent.ents if e.label_ in {"PERSON", "ORG"}
                     and not span.open <= e.start_char < span.close]
            near = min(names, key=lambda e: min(abs(e.start_char - span.close),
                                                abs(span.open - e.end_char)), default=None)
            quotes.append(Quote(sentence_of(span.start), span.start, span.end,
                                near.text if near else None, None, "said", False))
        attributions = []
        for token in doc:
            if token.lemma_ in {"say", "tell"}:
                for child in token.children:
                    if child.dep_ == "nsubj":
                        tokens = list(child.subtree)
                        start = tokens[0].idx
                        end = tokens[-1].idx + len(tokens[-1].text)
                        kind: AttributionKind = (
                            "person" if child.ent_type_ == "PERSON" else "organisation")
                        attributions.append(Attribution(sentence_of(start), start, end,
                                                        article.text[start:end], kind, True,
                                                        token.text))
        return Analysis(article, tuple(sentences), (), tuple(quantities), tuple(dates),
                        tuple(quotes), tuple(attributions), "spacy-baseline")

    return run
