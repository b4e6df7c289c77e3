"""What every reader produces: an Article, or a typed Rejection naming the input and the reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import urlparse

from corroborate.ingest.language import detect_language
from corroborate.ingest.outlets import OutletChoice, OutletNames, choose
from corroborate.model import Article
from corroborate.textnorm import article_id, clean_text, word_count


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that could not become an article. ``input`` names the file (and line), ``reason``
    says why in words a user can act on."""

    input: str
    reason: str

    def __str__(self) -> str:
        return f"{self.input}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry a directory walk passed over on purpose because it is no article (an image,
    a hidden file, a sitemap, ...): no error, unlike a :class:`Rejection`. ``input`` names it,
    ``kind`` is its class (a key of :data:`corroborate.ingest.SKIP_KINDS`), ``reason`` says
    why in words a user can act on."""

    input: str
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.input}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Fields:
    """What a reader extracted from one input, before the outlet is chosen and the id computed."""

    text: str
    title: str | None = None
    #: The site name the input declares (HTML ``og:site_name``, a feed's title): used when
    #: it is a real name (see :mod:`corroborate.ingest.outlets`).
    site_name: str | None = None
    #: The site's domain when nothing else names it (news-please ``source_domain``; the site
    #: an archived page with no URL of its own was saved from).
    header_source: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    metadata: Mapping[str, Any] | None = None
    #: The order of day and month in an all-numeric ``published`` ("DMY", "MDY" or "YMD"),
    #: when the input says it; None leaves "04/03/2024" unread (see :func:`read_published`).
    date_order: str | None = None
    #: Where ``published`` comes from: "metadata" (what the input declares about itself: an
    #: HTML page's JSON-LD/meta/``<time>``, a JSON record's date field), "url" (a dated URL
    #: path), "feed" (a feed entry's date), "header" (a text file's ``Date:`` header).
    #: Stored as ``published_source`` in the article's metadata, "none" when it has no date
    #: (a fetched page dated by its news sitemap says "sitemap": see ingest/fetch.py).
    published_source: str | None = None
    #: The outlet the input names itself (a JSON record's ``source``/``outlet``/``publisher``,
    #: a text file's ``Source:`` header, a feed entry's ``<source>``): trusted over the URL.
    outlet: str | None = None


@dataclass(frozen=True, slots=True)
class BuildOptions:
    source: str | None = None
    min_words: int = 8
    max_chars: int = 1_000_000
    #: Domains and names of outlets -> canonical outlet names; None: the shipped mapping.
    outlets: OutletNames | None = None


#: Years a publication date may have. Wide enough for digitised archives (the 19th century
#: on) and for dates well ahead; outside it a date is a placeholder or a typo ("0001-01-01",
#: .NET's and Go's "no date"; "9999-12-31", "never") that date arithmetic cannot use.
PUBLISHED_YEARS: Final = range(1800, 2200)
YEARS_TEXT: Final = f"{PUBLISHED_YEARS.start} to {PUBLISHED_YEARS.stop - 1}"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_YEAR = re.compile(r"^(?:[+-]\d{1,6}|\d{4})$")
_ISO_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
_ISO_YEARS = re.compile(r"^\s*[+-]?(?P<year>\d{1,6})-\d{2}(?:-\d{2})?(?:[T ]|$)")
_FREE_YEAR = re.compile(r"(?<![\d:])(?P<year>\d{4})(?![\d:])")
_CLOCK = re.compile(r"\d{1,2}:\d{2}|\d\s*[ap]\.?m\b", re.IGNORECASE)
_MONTH_NAMES = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?![a-z])",
    re.IGNORECASE)
_NUMERIC_DAY = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b|\b\d{4}[/.-]\d{1,2}[/.-]\d{1,2}\b")
#: Day and month written as numbers, in either order: "04/03/2024", "4-3-2024 10:00", "04.03.2024".
_DAY_MONTH_NUMBERS = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\d/.-])")
DATE_ORDERS: Final = ("DMY", "MDY", "YMD")
_NUMERIC_MONTH = re.compile(r"\b\d{1,2}[/.-]\d{4}\b|\b\d{4}[/.-]\d{1,2}\b")
_DAY_NUMBER = re.compile(r"(?<![\d:])(?:[0-2]?\d|3[01])(?:st|nd|rd|th)?(?![\d:])",
                         re.IGNORECASE)


def normalise_published(value: str | None, *, date_order: str | None = None) -> str | None:
    """ISO 8601 for a publication date given in any common form; None when it cannot be read
    (or is out of range: see :func:`read_published`)."""
    return read_published(value, date_order=date_order)[0]


def read_published(value: str | None, *, date_order: str | None = None
                   ) -> tuple[str | None, str | None]:
    """``(ISO value, problem)`` for a publication date as given.

    A date alone stays a date ("2026-09-21"); a date with a time keeps the time and its offset;
    a year or a month alone stays partial ("2026", "2026-09"): nothing is filled in from the
    clock. A weekday with a year and no day and month ("Monday, 2026") is the year. Unreadable
    or relative dates ("yesterday", "Monday") give ``(None, None)``; a year outside
    PUBLISHED_YEARS gives ``(None, reason)``.

    Day and month written as two numbers of 12 or less ("04/03/2024": 4 March or April 3?)
    are ambiguous and give ``(None, None)`` unless ``date_order`` ("DMY", "MDY", "YMD") says
    the order; with dots ("04.03.2024", as German, Russian, Polish, ... write) the day comes
    first; a number over 12 says which is the day ("21/09/2026")."""
    if value is None:
        return None, None
    value = str(value).strip()
    if not value:
        return None, None
    year = _year_of(value)
    if year is not None and year not in PUBLISHED_YEARS:
        return None, (f"publication date {value[:40]!r} has the year {year}, outside "
                      f"{YEARS_TEXT}: correct it, or leave the date out if it is unknown")
    return _normalise(value, date_order), None


def _year_of(value: str) -> int | None:
    """The year a date names, when it is written as digits (ISO forms, or free text holding
    one four-digit year)."""
    if _ISO_YEAR.match(value):
        return int(value)
    match = _ISO_YEARS.match(value)
    if match:
        return (-1 if value.startswith("-") else 1) * int(match.group("year"))
    years = {int(m.group("year")) for m in _FREE_YEAR.finditer(value)}
    return years.pop() if len(years) == 1 else None


def _normalise(value: str, date_order: str | None = None) -> str | None:
    if _ISO_YEAR.match(value):
        return f"{int(value):04d}" if len(value) == 4 else None
    match = _ISO_MONTH.match(value)
    if match:
        return value if 1 <= int(match.group("month")) <= 12 else None
    if _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return _free_form(value, date_order)
    if parsed.year not in PUBLISHED_YEARS:
        return None
    if (parsed.hour == parsed.minute == parsed.second == 0 and parsed.tzinfo is None
            and not _CLOCK.search(value)):
        return parsed.date().isoformat()
    return str(parsed.isoformat(timespec="seconds"))


def _day_month_order(value: str, date_order: str | None) -> tuple[bool, str | None]:
    """``(readable, order)`` for a date that may write day and month as numbers: not readable
    when both are 12 or less, differ, and nothing says their order."""
    match = _DAY_MONTH_NUMBERS.search(value)
    if match is None:
        return True, date_order if date_order in DATE_ORDERS else None
    if date_order in DATE_ORDERS:
        return True, date_order
    first, separator, second = int(match.group(1)), match.group(2), int(match.group(3))
    if separator == ".":
        return True, "DMY"
    if first == second:
        return True, "DMY"
    if first > 12 >= second:
        return True, "DMY"
    if second > 12 >= first:
        return True, "MDY"
    return False, None  # both 12 or less and different: ambiguous


def _free_form(value: str, date_order: str | None = None) -> str | None:
    """A date in words ("Sept. 21, 2026", "Mon, 21 Sep 2026 10:00:00 GMT", "September 2026"),
    read by dateparser; only as precise as the text (dateparser fills in missing parts from the
    clock: those are dropped). An all-numeric day and month in an order nothing says is not
    read (see :func:`read_published`)."""
    years = {m.group("year") for m in _FREE_YEAR.finditer(value)}
    if len(years) != 1:
        return None  # relative ("yesterday", "Monday"), yearless, or two years: never the clock
    [year] = years
    if int(year) not in PUBLISHED_YEARS or len(value) > 200:
        return None
    readable, order = _day_month_order(value, date_order)
    if not readable:
        return None  # "04/03/2024": 4 March or April 3; kept raw, never guessed month-first
    from dateparser.date import DateDataParser  # heavy import, only for free-form dates

    settings: dict[str, Any] = {"PREFER_DAY_OF_MONTH": "first", "RETURN_TIME_AS_PERIOD": True}
    if order is not None:
        settings["DATE_ORDER"] = order
    try:
        found = DateDataParser(languages=["en"], settings=settings).get_date_data(value)
    except (ValueError, OverflowError, TypeError, KeyError, IndexError, AttributeError):
        return None  # dateparser gives up on some odd strings by raising
    parsed, period = found.date_obj, found.period
    if parsed is None or f"{parsed.year:04d}" != year:
        return None
    has_month = bool(_MONTH_NAMES.search(value) or _NUMERIC_DAY.search(value)
                     or _NUMERIC_MONTH.search(value))
    has_day = bool(_NUMERIC_DAY.search(value)) or any(
        m.group(0) != year for m in _DAY_NUMBER.finditer(value))
    if period in {"year", "quarter"} or not has_month:
        return year
    if period == "month" or not has_day:
        return f"{year}-{parsed.month:02d}"
    if period == "time" and _CLOCK.search(value):
        return str(parsed.isoformat(timespec="seconds"))
    return str(parsed.date().isoformat())


def url_host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlparse(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def outlet_choice(fields: Fields, override: str | None,
                  names: OutletNames | None = None) -> OutletChoice:
    """The canonical outlet of an input (precedence in :mod:`corroborate.ingest.outlets`:
    --source, the outlet the input names, the outlet map's name for the URL's domain, a real
    site name, the registered domain, the site's domain, "unknown"), with the article's URL
    (an archived page's original) and the metadata to keep."""
    canonical = (fields.metadata or {}).get("canonical_url")
    return choose(override=override, declared=fields.outlet, site_name=fields.site_name,
                  url=fields.url, canonical_url=canonical if isinstance(canonical, str) else None,
                  domain_hint=fields.header_source, title=fields.title, names=names)


def choose_outlet(fields: Fields, override: str | None,
                  names: OutletNames | None = None) -> str:
    """The canonical outlet name of an input (see :func:`outlet_choice`)."""
    return outlet_choice(fields, override, names).outlet


def build_article(
    fields: Fields, input_name: str, path: str | None, options: BuildOptions
) -> Article | Rejection:
    text = clean_text(fields.text or "")
    title = clean_text(fields.title or "")
    if title and "\n" in title:
        title = " ".join(title.split())
    # Readers put the title on the first line sometimes (HTML <h1>); the title is kept apart.
    first_line, _, rest = text.partition("\n")
    if title and first_line.strip() == title and rest.strip():
        text = rest.strip()
    if len(text) > options.max_chars:
        return Rejection(input_name, f"article text of {len(text)} characters is over the "
                                     f"analysis limit of {options.max_chars}: split it")
    words = word_count(text)
    if words == 0:
        return Rejection(input_name, "empty article: no text after extraction")
    if words < options.min_words:
        return Rejection(
            input_name,
            f"near-empty article: {words} words (at least {options.min_words} needed)",
        )
    if not title:
        title = _title_from_text(text)
    choice = outlet_choice(fields, options.source, options.outlets)
    outlet = choice.outlet
    metadata = dict(fields.metadata or {})
    metadata.update(choice.metadata)
    metadata["outlet_from"] = choice.outlet_from
    published, problem = read_published(fields.published, date_order=fields.date_order)
    if problem is not None:
        return Rejection(input_name, problem)
    if fields.published and published is None:
        metadata["published_raw"] = fields.published
    metadata["published_source"] = (fields.published_source or "metadata") if published \
        else "none"
    language = detect_language(title, text)
    if "language" in metadata:  # what the input says (news-please's field): kept beside
        metadata["language_declared"] = metadata.pop("language")
    metadata["language"] = language.code
    metadata["language_confidence"] = language.confidence
    return Article(
        id=article_id(text, outlet),
        text=text,
        title=title,
        source=outlet,
        published=published,
        url=choice.url or None,
        path=path,
        author=fields.author or None,
        metadata=metadata,
        origin=input_name,
    )


def _title_from_text(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= 200 else first[:197].rstrip() + "..."
