"""The per-article analysis: sentences, entities, quantities, dates, quotes, attributions."""

from __future__ import annotations

import bisect
import itertools
import multiprocessing
import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from corroborate.analyze.dates import (
    clean_expression,
    looks_like_date,
    parse_published,
    resolve_date,
)
from corroborate.analyze.entities import ENTITY_LABELS, EntitySpan, assign_keys
from corroborate.analyze.nlp import load_nlp, model_version
from corroborate.analyze.quantities import DURATION_UNITS, find_quantities, singular
from corroborate.analyze.quotes import extract_quotes_and_attributions
from corroborate.errors import InputError
from corroborate.model import Analysis, Article, DateMention, Entity, Quantity, Sentence

ANALYZER_VERSION = "corroborate-analyzer/1"
_FUTURE = re.compile(r"\b(?:will|'ll|shall|scheduled|due to|upcoming|expected to|plans? to"
                     r"|is to|are to|next)\b", re.IGNORECASE)
_COMPOUND_AGO = re.compile(
    r"\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
    r"(?:years?|months?|weeks?)(?:,\s*|\s+and\s+)$", re.IGNORECASE)
_SET_FOR = re.compile(r"\b(?:(?:re)?scheduled|slated|planned|set|due)"
                      r"(?:\s+(?:the|its|his|her|their)\s+[\w-]+)?\s+(?:for|on|in)\s+$",
                      re.IGNORECASE)
# ... unless the setting is told as past or undone ("had been scheduled for March 5, was
# postponed", "was originally set for March 12")
_UNSET = re.compile(r"\b(?:had|was|were|originally|initially|postponed|delayed|cancell?ed"
                    r"|pushed\s+back|called\s+off)\b", re.IGNORECASE)
_PAST = re.compile(r"\b(?:was|were|had|did|said|ago|last)\b", re.IGNORECASE)
_DATE_LEAD = re.compile(r"^(?:(?:on|in|since|by|until|as early as|as late as|no later than"
                        r"|no earlier than)\s+)+", re.IGNORECASE)
_CLOCK = re.compile(r"\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)|\d{1,2}:\d{2}", re.IGNORECASE)
_DURATION_WORDS = set(DURATION_UNITS)


class Analyzer:
    """Runs the spaCy pipeline and the rules over articles. Load once, reuse for many."""

    def __init__(self, nlp: Any | None = None) -> None:
        # The packaged model loads on first use, so a command that finds nothing to analyse
        # (an empty file, articles already stored) never pays for it.
        self._nlp = nlp
        self._custom = nlp is not None

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_nlp()
        return self._nlp

    @property
    def version(self) -> str:
        return ANALYZER_VERSION if self._custom else f"{ANALYZER_VERSION}+{model_version()}"

    def _too_long(self, article: Article) -> TextTooLongError | None:
        """The error for a text over the model's length limit, or None when it fits."""
        if len(article.text) > self.nlp.max_length:
            return TextTooLongError(len(article.text), self.nlp.max_length)
        return None

    def analyze(self, article: Article) -> Analysis:
        too_long = self._too_long(article)
        if too_long is not None:
            raise InputError(article.origin or article.path or article.id, str(too_long))
        return analysis_from_doc(article, self.nlp(article.text), self.version)

    def analyze_many(self, articles: Iterable[Article], *, batch_size: int = 32,
                     n_process: int = 1) -> Iterator[Analysis]:
        """Analyses in input order; ``n_process > 1`` parses in worker processes."""
        for _article, result in self.analyze_stream(articles, batch_size=batch_size,
                                                   n_process=n_process):
            if isinstance(result, Exception):
                raise result
            yield result

    def analyze_stream(self, articles: Iterable[Article], *, batch_size: int = 32,
                       n_process: int = 1) -> Iterator[tuple[Article, Analysis | Exception]]:
        """Like :meth:`analyze_many`, lazily over a stream, yielding ``(article, analysis)`` or
        ``(article, exception)`` when the rules fail on one article, so that one bad article
        never stops a batch. With ``n_process > 1`` both the parsing and the rules run in
        forked worker processes, in bounded batches read from ``articles`` in this thread.
        The model is loaded when the first article arrives: none, no model."""
        source = iter(articles)
        first = next(source, None)
        if first is None:
            return
        articles = itertools.chain([first], source)
        if n_process > 1 and "fork" in multiprocessing.get_all_start_methods():
            yield from self._stream_forked(articles, batch_size, n_process)
            return
        # The articles stay in this process (spaCy keeps the order); only texts go to workers.
        waiting: deque[Article] = deque()

        def texts() -> Iterator[str]:
            for article in articles:
                waiting.append(article)
                yield "" if self._too_long(article) else article.text

        for doc in self.nlp.pipe(texts(), batch_size=batch_size, n_process=n_process):
            article = waiting.popleft()
            too_long = self._too_long(article)
            if too_long is not None:
                yield article, too_long
                continue
            try:
                yield article, analysis_from_doc(article, doc, self.version)
            except Exception as exc:
                yield article, exc

    def _stream_forked(self, articles: Iterable[Article], batch_size: int, n_process: int
                       ) -> Iterator[tuple[Article, Analysis | Exception]]:
        global _WORKER
        _WORKER = self
        source = iter(articles)
        size = max(1, batch_size) * n_process

        def next_batch() -> list[Article]:
            return list(itertools.islice(source, size))

        context = multiprocessing.get_context("fork")
        with context.Pool(n_process) as pool:

            def submit(batch: list[Article]) -> Any:
                payload = [("" if self._too_long(a) else a.text, a.published) for a in batch]
                return pool.map_async(_analyse_in_worker, payload,
                                      chunksize=max(1, len(payload) // (n_process * 4)))

            batch = next_batch()
            pending = submit(batch) if batch else None
            while batch and pending is not None:
                following = next_batch()
                following_pending = submit(following) if following else None
                for article, parts in zip(batch, pending.get(), strict=True):
                    too_long = self._too_long(article)
                    if too_long is not None:
                        yield article, too_long
                    elif isinstance(parts, Exception):
                        yield article, parts
                    else:
                        sentences, entities, quantities, dates, quotes, attributions = parts
                        yield article, Analysis(article, sentences, entities, quantities, dates,
                                                quotes, attributions, self.version)
                batch, pending = following, following_pending


class TextTooLongError(ValueError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"text of {length} characters is over the model's limit of {limit}: "
                         "split the article")


_WORKER: Analyzer | None = None


def _analyse_in_worker(payload: tuple[str, str | None]) -> tuple[Any, ...] | Exception:
    """In a forked worker: parse and apply the rules; send back plain data, not the Doc."""
    text, published = payload
    assert _WORKER is not None
    try:
        stub = Article(id="", text=text, title="", source="", published=published)
        a = analysis_from_doc(stub, _WORKER.nlp(text), _WORKER.version)
        return (a.sentences, a.entities, a.quantities, a.dates, a.quotes, a.attributions)
    except Exception as exc:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


_DEFAULT: Analyzer | None = None


def analyze(article: Article) -> Analysis:
    """Analyse one article with the packaged English model (loaded on first use)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Analyzer()
    return _DEFAULT.analyze(article)


def _sentences(doc: Any, text: str) -> list[Sentence]:
    result: list[Sentence] = []
    for sent in doc.sents:
        start = sent.start_char
        end = sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            result.append(Sentence(len(result), start, end))
    return result


def analysis_from_doc(article: Article, doc: Any, version: str) -> Analysis:
    text = article.text
    sentences = _sentences(doc, text)
    starts = [s.start for s in sentences]

    def sentence_of(offset: int) -> int:
        return max(0, bisect.bisect_right(starts, offset) - 1)

    published = parse_published(article.published)

    # Entities.
    ent_spans = [_stripped_span(text, e.start_char, e.end_char, e.label_) for e in doc.ents
                 if e.label_ in ENTITY_LABELS and e.text.strip()]
    keys = assign_keys(ent_spans)
    entities = tuple(Entity(sentence_of(s.start), s.start, s.end, s.label, k)
                     for s, k in zip(ent_spans, keys, strict=True))

    # Dates: spaCy DATE entities that name a calendar point (durations go to quantities).
    dates: list[DateMention] = []
    skip: list[tuple[int, int]] = []
    for ent in doc.ents:
        if ent.label_ == "TIME":
            for m in _CLOCK.finditer(ent.text):
                skip.append((ent.start_char + m.start(), ent.start_char + m.end()))
            continue
        if ent.label_ != "DATE":
            continue
        if _is_duration(ent.text) or not looks_like_date(ent.text):
            continue
        sent_index = sentence_of(ent.start_char)
        start, end = _trim_date(ent)
        expression = text[start:end]
        compound = _COMPOUND_AGO.search(text[max(0, start - 40) : start])
        if compound and clean_expression(expression).endswith("ago"):
            start -= len(compound.group(0))
            expression = text[start:end]
        value = resolve_date(expression, published, future=_is_future(ent))
        dates.append(DateMention(sent_index, start, end, value))
        skip.append((start, end))

    # Quantities: the text scanner, with dates skipped and spaCy naming the counted noun.
    token_starts = [t.idx for t in doc]

    def counted_noun(start: int, end: int) -> tuple[str, int] | None:
        token = _token_at(doc, token_starts, end - 1)
        if token is None:
            return None
        head = token
        # climb number compounds ("1.2 million" -> "million" -> noun)
        for _ in range(3):
            if head.dep_ in {"nummod", "compound", "quantmod"} and head.head.i > head.i:
                head = head.head
            else:
                break
        if head is token or head.pos_ not in {"NOUN", "PROPN", "ADJ"}:
            nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
            if nxt is not None and nxt.pos_ in {"NOUN", "ADJ"} and nxt.is_alpha \
                    and nxt.lower_ in {"dead", "injured", "wounded", "missing", "killed"}:
                return nxt.lower_, nxt.idx + len(nxt.text)
            if nxt is not None and nxt.pos_ == "NOUN" and nxt.is_alpha:
                return _lemma(nxt), nxt.idx + len(nxt.text)
            return None
        if head.lower_ in {"percent"}:
            return None
        return _lemma(head), head.idx + len(head.text)

    quantities = tuple(
        Quantity(sentence_of(q.start), q.start, q.end, q.value, q.unit, q.kind,  # type: ignore[arg-type]
                 q.approximate, q.qualifier)
        for q in find_quantities(text, skip=skip, counted_noun=counted_noun)
    )

    quotes, attributions = extract_quotes_and_attributions(doc, sentence_of, text)
    return Analysis(
        article=article,
        sentences=tuple(sentences),
        entities=entities,
        quantities=quantities,
        dates=tuple(dates),
        quotes=tuple(quotes),
        attributions=tuple(attributions),
        analyzer=version,
    )


def _stripped_span(text: str, start: int, end: int, label: str) -> EntitySpan:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return EntitySpan(start, end, text[start:end], label)


def _is_future(ent: Any) -> bool:
    """Whether the clause a date sits in speaks of the future ("will meet on Friday", "the forum
    ends on Tuesday"), judged from the governing verb's tense and auxiliaries; a date an event
    is set for is the event's, whatever the tense of the setting ("sentencing has been set
    for June 28", "the judge set the hearing for June 28")."""
    before = ent.doc.text[ent.sent.start_char:ent.start_char]
    if _SET_FOR.search(before) and not _UNSET.search(ent.sent.text):
        return True
    token = ent.root
    for _ in range(6):
        if token.pos_ in {"VERB", "AUX"}:
            break
        if token.head.i == token.i:
            break
        token = token.head
    if token.pos_ not in {"VERB", "AUX"}:
        return bool(_FUTURE.search(ent.sent.text)) and not _PAST.search(ent.sent.text)
    # "is preparing to replace ... in June": the infinitive's tense is its governor's.
    while (token.tag_ == "VB" and token.dep_ in {"xcomp", "advcl"}
           and any(c.lower_ == "to" for c in token.children) and token.head.i != token.i):
        token = token.head
    aux = {c.lower_ for c in token.children if c.dep_ in {"aux", "auxpass"}}
    if aux & {"will", "'ll", "shall", "wo", "could", "may", "might", "should", "can"}:
        return True
    if aux & {"would", "had", "has", "have", "did", "was", "were"}:
        return False
    if token.tag_ == "VBN" and aux & {"is", "are", "am", "'s", "'re"}:
        # a present passive ("is scheduled for Dec. 16"): its own clause's cues decide
        return _future_clause(token)
    if token.tag_ in {"VBD", "VBN"}:
        return False
    if token.tag_ in {"VBZ", "VBP"} and token.lemma_ not in {"say", "be", "have", "tell"} \
            and token.lower_ not in {"is", "are", "am", "'s", "'re", "has", "have", "'ve"}:
        return True
    if token.tag_ == "VBG" and aux & {"is", "are", "am", "'s", "'re"}:
        return True
    if token.tag_ == "VB" and any(c.lower_ == "to" for c in token.children):
        return bool(_FUTURE.search(ent.sent.text))
    if token.lower_ in {"is", "are", "am", "'s", "'re"}:
        # a present-tense copula has no tense of its own ("the next meeting is in
        # December"): its clause's cues decide
        return _future_clause(token)
    return False


def _future_clause(verb: Any) -> bool:
    """Whether the clause of ``verb`` (its subtree, not the whole sentence: "the man, who is
    accused of a robbery in March, will appear ...") speaks of the future by its words."""
    clause = verb.doc[verb.left_edge.i : verb.right_edge.i + 1].text
    return bool(_FUTURE.search(clause)) and not _PAST.search(clause)


def _lemma(token: Any) -> str:
    lemma = token.lemma_.lower() if token.lemma_ else ""
    return singular(lemma) if lemma and lemma != "-pron-" else singular(token.text)


def _token_at(doc: Any, token_starts: list[int], offset: int) -> Any | None:
    """The token covering a character offset (binary search over token starts)."""
    i = bisect.bisect_right(token_starts, offset) - 1
    if i < 0:
        return None
    token = doc[i]
    return token if offset < token.idx + len(token.text) else None


def _is_duration(text: str) -> bool:
    expr = clean_expression(text)
    if expr.endswith("ago") or expr.startswith(("last", "next", "this", "past")):
        return False
    words = re.findall(r"[a-z]+", expr)
    has_number = bool(re.search(r"\d", expr)) or any(
        w in {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
              "eleven", "twelve", "a", "an", "half", "several", "few", "couple", "dozen"}
        for w in words)
    return has_number and any(w in _DURATION_WORDS for w in words)


def _trim_date(ent: Any) -> tuple[int, int]:
    """The date span without a leading preposition or trailing punctuation."""
    tokens = list(ent)
    lead = _DATE_LEAD.match(ent.text)
    if lead and lead.end() < len(ent.text):
        cut = ent.start_char + lead.end()
        tokens = [t for t in tokens if t.idx >= cut] or tokens
    # "Sunday, South Korea's Joint Chiefs of Staff": the model ran the date over a comma.
    for k, token in enumerate(tokens):
        if token.text == "," and k > 0:
            rest = " ".join(t.text for t in tokens[k + 1 :])
            if not looks_like_date(rest) and not rest.strip().isdigit():
                tokens = tokens[:k]
                break
    while len(tokens) > 1 and (tokens[-1].is_punct or tokens[-1].is_space):
        tokens = tokens[:-1]
    while len(tokens) > 1 and tokens[0].is_space:
        tokens = tokens[1:]
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
