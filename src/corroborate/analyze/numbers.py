"""Number words and numerals to values (pure, total: never raises on odd input)."""

from __future__ import annotations

import re

SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
SCALES = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000,
}
SCALE_ABBREVIATIONS = {
    "k": 1_000, "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000, "bn": 1_000_000_000,
    "b": 1_000_000_000, "tn": 1_000_000_000_000, "trn": 1_000_000_000_000,
}
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100,
}
NUMBER_WORDS = set(SMALL) | set(TENS) | set(SCALES) | {"dozen"}

_NUMERAL = re.compile(r"^\d{1,3}(?:,\d{3}){0,5}(?:\.\d{1,12})?$|^\d{1,18}(?:\.\d{1,12})?$"
                      r"|^\.\d{1,12}$")


def parse_numeral(token: str) -> float | None:
    """'3,000' -> 3000.0, '1.5' -> 1.5; None for anything else."""
    if not _NUMERAL.match(token):
        return None
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


def parse_number_words(words: list[str]) -> float | None:
    """['two', 'hundred', 'and', 'fifty'] -> 250.0; None when the words are not a number."""
    total = 0.0
    current = 0.0
    seen = False
    for raw in words:
        word = raw.lower()
        if word in {"and", "-"}:
            continue
        if word in {"a", "an"}:
            current = current or 1.0
            continue
        if word in SMALL:
            current += SMALL[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "dozen":
            current = (current or 1.0) * 12
        elif word == "hundred":
            current = (current or 1.0) * 100
        elif word in SCALES:
            total += (current or 1.0) * SCALES[word]
            current = 0.0
        else:
            return None
        seen = True
    if not seen:
        return None
    return total + current


def parse_ordinal(token: str) -> int | None:
    """'seventh' -> 7, '21st' -> 21, 'twenty-first' -> 21; None otherwise."""
    word = token.lower()
    if word in ORDINAL_WORDS:
        return ORDINAL_WORDS[word]
    match = re.fullmatch(r"(\d{1,6})(st|nd|rd|th)", word)
    if match:
        return int(match.group(1))
    if "-" in word:
        head, _, tail = word.partition("-")
        if head in TENS and tail in ORDINAL_WORDS and ORDINAL_WORDS[tail] < 10:
            return TENS[head] + ORDINAL_WORDS[tail]
    return None
