"""Quantities in free text: counts, durations, money, percentages, ordinals and measures.

A pure scanner over the text (no model needed), so it is fast, deterministic and total: it never
raises, whatever the input. The spaCy pipeline passes the spans to skip (calendar dates, clock
times) and a function naming the counted noun; without them, a light heuristic is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corroborate.analyze.numbers import (
    NUMBER_WORDS,
    SCALE_ABBREVIATIONS,
    SCALES,
    parse_number_words,
    parse_numeral,
    parse_ordinal,
)

_TOKEN = re.compile(
    r"US\$|HK\$|A\$|C\$|[$€£¥₩]|%"
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:st|nd|rd|th)?|\d+(?:\.\d+)?(?:st|nd|rd|th)?"
    r"|[A-Za-z]+(?:['’][A-Za-z]+)?"
    r"|[^\s\w]"
)

# Hedges, longest first; each maps to whether it makes the number approximate.
HEDGES: tuple[tuple[str, ...], ...] = tuple(
    tuple(h.split())
    for h in sorted(
        [
            "about", "around", "roughly", "approximately", "nearly", "almost", "some",
            "at least", "more than", "over", "up to", "fewer than", "less than", "an estimated",
            "estimated", "close to", "upwards of", "as many as", "as much as", "at most",
            "just over", "just under", "under", "well over", "more than", "in excess of",
            "no fewer than", "no more than", "approx", "circa", "almost", "nearly all",
            "exceed", "exceeds", "exceeded", "exceeding", "above", "below", "between",
            "top", "tops", "topped", "topping", "surpass", "surpassed",
        ],
        key=lambda h: -len(h.split()),
    )
)
_TRAILING_HEDGES = (("or", "so"), ("or", "more"), ("and", "counting"))

CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "HK$": "HKD", "A$": "AUD", "C$": "CAD",
                    "€": "EUR", "£": "GBP", "¥": "JPY", "₩": "KRW"}
CURRENCY_WORDS = {
    "dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound": "GBP",
    "pounds": "GBP", "sterling": "GBP", "yen": "JPY", "won": "KRW", "yuan": "CNY",
    "renminbi": "CNY", "franc": "CHF", "francs": "CHF", "rupee": "INR", "rupees": "INR",
    "rouble": "RUB", "roubles": "RUB", "ruble": "RUB", "rubles": "RUB", "usd": "USD",
    "eur": "EUR", "gbp": "GBP", "jpy": "JPY", "krw": "KRW", "cny": "CNY", "chf": "CHF",
}
DURATION_UNITS = {
    "second": "second", "seconds": "second", "minute": "minute", "minutes": "minute",
    "min": "minute", "mins": "minute", "hour": "hour", "hours": "hour", "hr": "hour",
    "hrs": "hour", "day": "day", "days": "day", "week": "week", "weeks": "week",
    "month": "month", "months": "month", "year": "year", "years": "year", "decade": "decade",
    "decades": "decade", "century": "century", "centuries": "century",
}
# Conversion of durations to a common smallest unit when a compound is merged.
IN_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800,
               "month": 2_629_800, "year": 31_557_600, "decade": 315_576_000,
               "century": 3_155_760_000}
_EXACT = {("year", "month"): 12, ("decade", "year"): 10, ("week", "day"): 7,
          ("day", "hour"): 24, ("hour", "minute"): 60, ("minute", "second"): 60,
          ("year", "day"): 365, ("month", "day"): 30, ("year", "week"): 52}
MEASURE_UNITS = {
    "km": "km", "kilometre": "km", "kilometres": "km", "kilometer": "km", "kilometers": "km",
    "m": "m", "metre": "m", "metres": "m", "meter": "m", "meters": "m", "cm": "cm",
    "mm": "mm", "mile": "mile", "miles": "mile", "foot": "foot", "feet": "foot",
    "ft": "foot", "inch": "inch", "inches": "inch", "kg": "kg", "kilogram": "kg",
    "kilograms": "kg", "kilo": "kg", "kilos": "kg", "g": "g", "gram": "g", "grams": "g",
    "tonne": "tonne", "tonnes": "tonne", "ton": "tonne", "tons": "tonne", "lb": "pound",
    "lbs": "pound", "pound": "pound", "pounds": "pound", "acre": "acre", "acres": "acre",
    "hectare": "hectare",
    "hectares": "hectare", "degree": "degree", "degrees": "degree", "mph": "mph",
    "kph": "km/h", "litre": "litre", "litres": "litre", "liter": "litre", "liters": "litre",
    "gallon": "gallon", "gallons": "gallon", "magnitude": "magnitude",
    "celsius": "degree", "fahrenheit": "degree F",
}
PERCENT_WORDS = {"percent", "per", "pct", "percentage"}  # "basis points" handled apart
# Words after a number that are not what it counts.
NOT_UNITS = {
    "of", "on", "to", "the", "a", "an", "and", "or", "in", "at", "by", "for", "with", "from",
    "who", "that", "which", "is", "are", "was", "were", "be", "been", "would", "will", "said",
    "had", "have", "has", "as", "than", "more", "other", "others", "another", "per", "p",
    "am", "pm", "a.m", "p.m", "o'clock", "times", "out", "after", "before", "but", "it",
    "they", "he", "she", "we", "this", "these", "those", "its", "their", "his", "her", "up",
    "also", "not", "so", "if", "when", "while", "into", "over", "under", "about", "each",
    "all", "both", "only", "just", "still", "then", "there", "what",
}
ORDINAL_SKIP = {"first", "last"}
# The second word of a number compound that is not what the number counts ("two-way",
# "two-thirds", "three-pointer"); "a 48-page indictment" counts pages.
_NOT_COMPOUND_UNITS = {"way", "ways", "thirds", "third", "quarters", "quarter", "fifths",
                       "half", "halves", "fold", "time", "times", "off", "sided", "pointer",
                       "pointers", "star", "d", "s"}
_IRREGULAR = {"people": "person", "men": "man", "women": "woman", "children": "child",
              "police": "police", "personnel": "personnel", "staff": "staff",
              "feet": "foot", "teeth": "tooth", "mice": "mouse", "geese": "goose",
              "crises": "crisis", "analyses": "analysis", "series": "series",
              "species": "species", "news": "news", "lives": "life", "wives": "wife",
              "thieves": "thief", "leaves": "leaf", "halves": "half"}


@dataclass(frozen=True, slots=True)
class QuantityMatch:
    start: int
    end: int
    value: float
    unit: str
    kind: str
    approximate: bool
    qualifier: str | None


@dataclass(frozen=True, slots=True)
class _Tok:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()


def singular(word: str) -> str:
    """A cheap singular for counted nouns (the spaCy lemma is preferred when available)."""
    low = word.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low.endswith("ies") and len(low) > 4:
        return low[:-3] + "y"
    if low.endswith(("ches", "shes", "sses", "xes", "zes")):
        return low[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")) and len(low) > 3:
        return low[:-1]
    return low


def tokenize(text: str) -> list[_Tok]:
    return [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _read_number(toks: Sequence[_Tok], i: int) -> tuple[float, int] | None:
    """A number starting at token i: (value, index after it), covering numerals with scale words
    ("1.2 million", "5bn") and number words ("twenty-five", "a dozen", "two hundred")."""
    tok = toks[i]
    value = parse_numeral(tok.text)
    j = i + 1
    if value is not None:
        # "5bn", "1.2 million"
        if j < len(toks) and toks[j].low in SCALES and toks[j].low != "hundred":
            value *= SCALES[toks[j].low]
            j += 1
        elif (j < len(toks) and toks[j].low in SCALE_ABBREVIATIONS
              and toks[j].start == toks[i].end):
            value *= SCALE_ABBREVIATIONS[toks[j].low]
            j += 1
        elif j < len(toks) and toks[j].low == "hundred":
            value *= 100
            j += 1
        return value, j
    low = tok.low
    scale_words = {"dozen", "hundred", "thousand", "million", "billion", "trillion"}
    article_scale = low in {"a", "an"} and j < len(toks) and toks[j].low in scale_words
    if article_scale or (low in NUMBER_WORDS and low not in scale_words):
        words = [low]
    else:
        return None
    while j < len(toks):
        nxt = toks[j].low
        if nxt in NUMBER_WORDS:
            words.append(nxt)
            j += 1
        elif nxt in {"-", "and"} and j + 1 < len(toks) and toks[j + 1].low in NUMBER_WORDS:
            if nxt == "and" and words[-1] not in {"hundred", "thousand", "million", "billion"}:
                break
            words.append(nxt)
            j += 1
        else:
            break
    parsed = parse_number_words(words)
    if parsed is None:
        return None
    return parsed, j


def _hedge_before(toks: Sequence[_Tok], i: int) -> tuple[int, str] | None:
    for hedge in HEDGES:
        n = len(hedge)
        if i - n < 0:
            continue
        if tuple(t.low for t in toks[i - n : i]) == hedge:
            return i - n, " ".join(hedge)
    return None


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def find_quantities(
    text: str,
    skip: Sequence[tuple[int, int]] = (),
    counted_noun: Callable[[int, int], tuple[str, int] | None] | None = None,
) -> list[QuantityMatch]:
    """Every quantity in ``text``, left to right, never overlapping.

    ``skip``: character spans to ignore (dates, clock times). ``counted_noun(start, end)``: the
    lemma of the noun the number at ``start:end`` counts and the end offset of that noun (the span
    is extended to it when it follows closely), or None; when not given, the next word.
    """
    fractions = _fractional_durations(text, skip)
    if fractions:
        skip = [*skip, *((m.start, m.end) for m in fractions)]
    toks = tokenize(text)
    found: list[QuantityMatch] = []
    i = 0
    while i < len(toks):
        match, nxt = _match_at(text, toks, i, skip, counted_noun)
        if match is not None:
            if (found and found[-1].qualifier in {"range", "between"}
                    and text[found[-1].end : match.start].strip().lower() in {"and", "to", "-",
                                                                             "or"}):
                match = QuantityMatch(match.start, match.end, match.value, match.unit,
                                      match.kind, True, "range")
            if found and found[-1].kind == "duration" and match.kind == "duration":
                merged = _merge_durations(text, found[-1], match)
                if merged is not None:
                    found[-1] = merged
                    i = nxt
                    continue
            found.append(match)
            i = nxt
        else:
            i += 1
    if fractions:
        found = sorted([*found, *fractions], key=lambda m: m.start)
    return found


# Durations written with fractions: "half an hour", "an hour and a half", "two and a half
# years", "a quarter of an hour". Values go to the next smaller unit ("half an hour" = 30
# minute) so that they compare with figures written in that unit.
_SMALLER = {"hour": ("minute", 60), "day": ("hour", 24), "week": ("day", 7),
            "month": ("day", 30), "year": ("month", 12), "decade": ("year", 10),
            "century": ("year", 100)}
_FRACTION_UNIT = r"(hour|day|week|month|year|decade|century)s?"
_FRACTION_HEDGE = (r"(?:(about|around|roughly|approximately|nearly|almost|some|more than|"
                   r"less than|over|under|just over|just under|at least)\s+)?")
_FRACTIONS = re.compile(
    _FRACTION_HEDGE + r"(?:"
    r"(?P<half>half\s+an?\s+" + _FRACTION_UNIT + r")"
    r"|(?P<quarter>(?:a|one|three)\s+quarters?\s+of\s+an?\s+" + _FRACTION_UNIT + r")"
    r"|(?P<andhalf>(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+"
    r"(?:and\s+a\s+half\s+" + _FRACTION_UNIT + r"|" + _FRACTION_UNIT + r"\s+and\s+a\s+half))"
    r")\b", re.IGNORECASE)


def _fractional_durations(text: str, skip: Sequence[tuple[int, int]]) -> list[QuantityMatch]:
    found: list[QuantityMatch] = []
    for m in _FRACTIONS.finditer(text):
        start = m.start() if m.group(1) is None else m.start(1)
        if _overlaps(start, m.end(), skip):
            continue
        words = m.group(0).lower().split()
        unit = next(u for u in m.groups()[1:] if u and u.lower() in _SMALLER).lower()
        smaller, factor = _SMALLER[unit]
        if m.group("half"):
            amount = 0.5
        elif m.group("quarter"):
            amount = 0.75 if "three" in words else 0.25
        else:
            lead = words[len(m.group(1).split()) if m.group(1) else 0]
            number = parse_numeral(lead) if lead[0].isdigit() else (
                1.0 if lead in ("a", "an") else parse_number_words([lead]))
            if number is None:
                continue
            amount = number + 0.5
        hedge = m.group(1).lower() if m.group(1) else None
        found.append(QuantityMatch(start, m.end(), amount * factor, smaller, "duration",
                                   hedge is not None, hedge))
    return found


def _match_at(
    text: str,
    toks: Sequence[_Tok],
    i: int,
    skip: Sequence[tuple[int, int]],
    counted_noun: Callable[[int, int], tuple[str, int] | None] | None,
) -> tuple[QuantityMatch | None, int]:
    tok = toks[i]
    # Glued to letters ("G7", "COVID-19", "F-35"): part of a name.
    if i > 0 and toks[i - 1].end == tok.start and (
        toks[i - 1].text[-1:].isalpha()
        or (toks[i - 1].text == "-" and i > 1 and toks[i - 2].end == toks[i - 1].start
            and toks[i - 2].text[-1:].isalnum())
    ):
        return None, i + 1
    # Ordinals: "seventh", "21st", "twenty-first".
    ordinal_text = tok.text
    end_index = i + 1
    if (tok.low in {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
            and i + 2 < len(toks) and toks[i + 1].text == "-"):
        ordinal_text = f"{tok.text}-{toks[i + 2].text}"
        end_index = i + 3
    ordinal = parse_ordinal(ordinal_text)
    if ordinal is not None:
        start, end = tok.start, toks[end_index - 1].end
        if tok.low in ORDINAL_SKIP or _overlaps(start, end, skip):
            return None, end_index
        if (i > 0 and toks[i - 1].low in {"a", "one", "two", "three", "four"}
                and _next_word_noun(toks, end_index) is None):
            return None, end_index  # "fell by a third": a fraction, not a rank
        if tok.low == "second" and end_index < len(toks) and toks[end_index].low in {
                "of", "and", "or", ",", "."}:
            return None, end_index
        if tok.text[0].isdigit() and (end_index >= len(toks) or not toks[end_index].text.isalpha()):
            return None, end_index  # "the 21st." is a date or a list marker, not a count
        return QuantityMatch(start, end, float(ordinal), "ordinal", "ordinal", False, None), \
            end_index

    currency: str | None = None
    j = i
    if tok.text in CURRENCY_SYMBOLS or (tok.text.isupper() and tok.low in CURRENCY_WORDS
                                        and len(tok.text) == 3):
        currency = CURRENCY_SYMBOLS.get(tok.text) or CURRENCY_WORDS[tok.low]
        j = i + 1
        if j >= len(toks):
            return None, i + 1
    number = _read_number(toks, j)
    if number is None:
        return None, i + 1
    value, k = number
    start = tok.start
    num_end = toks[k - 1].end
    if _overlaps(start, num_end, skip):
        return None, k
    # Times of day and scores: "10:30", "3-2".
    if k < len(toks) and toks[k].text in {":", "/"} and k + 1 < len(toks) and \
            toks[k + 1].text[:1].isdigit() and toks[k].start == toks[k - 1].end:
        return None, k + 2
    first_num_tok = toks[j]
    is_numeral = first_num_tok.text[:1].isdigit()

    unit: str | None = None
    kind = "count"
    end = num_end
    scaled = toks[k - 1].low in SCALES or toks[k - 1].low in SCALE_ABBREVIATIONS
    ambiguous = {"won", "pound", "pounds"}  # a verb, a weight
    if currency is None and k < len(toks) and toks[k].low in CURRENCY_WORDS and (
        toks[k].low not in ambiguous or scaled
        or (toks[k].low == "won" and is_numeral)
        or (toks[k].low.startswith("pound") and k + 1 < len(toks)
            and toks[k + 1].low == "sterling")
    ):
        currency = CURRENCY_WORDS[toks[k].low]
        end = toks[k].end
        k += 1
    if currency is not None:
        unit, kind = currency, "money"
    elif k < len(toks) and toks[k].text == "%":
        unit, kind, end = "percent", "percent", toks[k].end
        k += 1
    elif k < len(toks) and toks[k].low in PERCENT_WORDS:
        if toks[k].low == "per" and k + 1 < len(toks) and toks[k + 1].low == "cent":
            unit, kind, end = "percent", "percent", toks[k + 1].end
            k += 2
        elif toks[k].low in {"percent", "pct"}:
            unit, kind, end = "percent", "percent", toks[k].end
            k += 1
        elif (toks[k].low == "percentage" and k + 1 < len(toks)
              and toks[k + 1].low in {"point", "points"}):
            unit, kind, end = "percentage point", "percent", toks[k + 1].end
            k += 2
    elif (k + 1 < len(toks) and toks[k].low == "basis" and toks[k + 1].low in {"point", "points"}):
        unit, kind, end = "basis point", "percent", toks[k + 1].end
        k += 2
    if unit is None:
        # "30 minutes", "30-minute", "three years"
        u = k
        if u < len(toks) and toks[u].text == "-" and toks[u].start == toks[u - 1].end:
            u += 1
        if u < len(toks) and toks[u].low in DURATION_UNITS:
            # "45-year-old" is an age, not a duration.
            if (u + 2 < len(toks) and toks[u + 1].text == "-" and toks[u + 2].low == "old"):
                return None, u + 3
            if toks[u].low.endswith("s") or toks[u].low in DURATION_UNITS:
                unit, kind, end = DURATION_UNITS[toks[u].low], "duration", toks[u].end
                k = u + 1
                if k < len(toks) and toks[k].low == "ago":
                    return None, k + 1  # "two years ago" is a date reference
        elif u < len(toks) and toks[u].low in MEASURE_UNITS and (
            toks[u].low not in {"m", "g"} or u == k
        ):
            if toks[u].low == "m" and toks[u].start == toks[u - 1].end:
                pass  # "5m" handled as a scale above
            else:
                unit, kind, end = MEASURE_UNITS[toks[u].low], "measure", toks[u].end
                k = u + 1
    if unit is None and k + 1 < len(toks) and toks[k].low in {"and", "to", "-", "or"} \
            and currency is None:
        # A range, "between 40 and 50 people", "30 to 40 minutes": the first number takes the
        # unit of the second and both are approximate.
        upper, _after = _match_at(text, toks, k + 1, skip, counted_noun)
        if upper is not None and upper.kind in {"count", "duration", "measure", "percent",
                                                "money"}:
            hedge = _hedge_before(toks, i)
            low_start = toks[hedge[0]].start if hedge else start
            return QuantityMatch(low_start, num_end, value, upper.unit, upper.kind, True,
                                 "range"), k
    if unit is None:
        if k + 1 < len(toks) and toks[k].text == "-" and toks[k].start == num_end:
            # "a 48-page indictment", "a five-term congressman", "a 12-member jury": the
            # number counts the noun of the compound
            word = toks[k + 1]
            compound = (word.start == toks[k].end and word.text.isalpha()
                        and word.low not in NOT_UNITS and word.low not in NUMBER_WORDS
                        and word.low not in _NOT_COMPOUND_UNITS and value >= 2
                        and not (k + 2 < len(toks) and toks[k + 2].text == "-"
                                 and toks[k + 2].start == word.end))
            if not compound:
                return None, k + 1  # "one-on-one", "two-way": part of a compound word
            unit, end, k = singular(word.text), word.end, k + 2
        else:
            noun = counted_noun(start, num_end) if counted_noun else _next_word_noun(toks, k)
            if noun is None:
                return None, k
            unit, noun_end = noun
            if num_end < noun_end <= num_end + 40 and "." not in text[num_end:noun_end]:
                end = noun_end
    # A bare four-digit number between 1800 and 2100 is a year, not a count.
    if kind == "count" and is_numeral and re.fullmatch(r"(18|19|20|21)\d\d", first_num_tok.text):
        return None, k
    qualifier: str | None = None
    approximate = False
    hedge = _hedge_before(toks, i)
    if hedge is not None:
        h_index, qualifier = hedge
        start = toks[h_index].start
        approximate = True
    if k + 1 < len(toks) and (toks[k].low, toks[k + 1].low) in _TRAILING_HEDGES:
        qualifier = qualifier or f"{toks[k].low} {toks[k + 1].low}"
        approximate = True
    return QuantityMatch(start, end, value, unit, kind, approximate, qualifier), k


def _next_word_noun(toks: Sequence[_Tok], k: int) -> tuple[str, int] | None:
    if k >= len(toks):
        return None
    word = toks[k]
    if not word.text.isalpha() or word.low in NOT_UNITS or word.low in NUMBER_WORDS:
        return None
    return singular(word.text), word.end


def _merge_durations(text: str, first: QuantityMatch, second: QuantityMatch
                     ) -> QuantityMatch | None:
    """'two years and 10 months' -> 34 months (the smallest unit written)."""
    between = text[first.end : second.start].strip().lower()
    if between not in {"and", ",", ", and"}:
        return None
    big, small = first.unit, second.unit
    if IN_SECONDS.get(big, 0) <= IN_SECONDS.get(small, 0):
        return None
    factor = _EXACT.get((big, small))
    if factor is None:
        factor = round(IN_SECONDS[big] / IN_SECONDS[small])
    return QuantityMatch(
        first.start, second.end, first.value * factor + second.value, small, "duration",
        first.approximate or second.approximate, first.qualifier or second.qualifier,
    )
