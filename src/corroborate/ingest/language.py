"""The language an article is written in, detected from its text (py3langid: a naive Bayes
classifier over byte n-grams for 97 languages, its model shipped inside the PyPI package, so
nothing is downloaded). The analysis and comparison use English rules and an English model:
an article in another language is still stored and grouped into stories, but it is marked,
so that the command line and the brief can say its facts and quotes are not to be relied on.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: the language the analysis pipeline is built for
ANALYSED_LANGUAGE = "en"
#: how much of an article is read to tell its language (characters)
SAMPLE_CHARS = 3000
#: below this probability the guess is "und" (undetermined, as in BCP 47)
MIN_CONFIDENCE = 0.5


def analysable(code: object) -> bool:
    """True when the English pipeline can analyse text of language ``code`` (an ISO 639-1
    code as stored in an article's metadata): English, or a language that cannot be told
    ("und", or no code at all)."""
    return not isinstance(code, str) or code in (ANALYSED_LANGUAGE, "und", "")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """An ISO 639-1 code ("en", "de", ...; "und" when the text does not tell) and the
    classifier's probability for it."""

    code: str
    confidence: float

    @property
    def analysable(self) -> bool:
        """True when the English pipeline can analyse the text (or when it cannot be told)."""
        return analysable(self.code)


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(title: str, text: str) -> LanguageGuess:
    """The language of an article from its title and the start of its text."""
    sample = f"{title}\n{text}"[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < 20:
        return LanguageGuess("und", 0.0)
    code, probability = _identifier().classify(sample)
    if probability < MIN_CONFIDENCE:
        return LanguageGuess("und", round(float(probability), 3))
    return LanguageGuess(str(code), round(float(probability), 3))


def not_analysable(metadata: Mapping[str, Any]) -> tuple[str, str] | None:
    """(language code, reason) when an article's stored language (``metadata["language"]``,
    set at ingest) is one the English pipeline cannot analyse; None when it is English or
    cannot be told. The comparison leaves such an article out and says so."""
    code = metadata.get("language")
    if not isinstance(code, str) or analysable(code):
        return None
    confidence = metadata.get("language_confidence")
    how = (f", probability {confidence:.2f}" if isinstance(confidence, int | float) else "")
    return code, (f"written in another language than English (detected: {code}{how}): the "
                  "analysis and the comparison use English rules, so it is not compared")
