"""One canonical outlet per publisher.

An article's outlet is decided from what its input says, in this order (:func:`choose`):

1. the outlet given for the whole batch (``--source``);
2. the outlet the input names itself (a JSON record's ``source``/``outlet``/``publisher``, a
   text file's ``Source:`` header, a feed entry's ``<source>``);
3. the name the outlet mapping gives the registered domain of the article's URL (the
   canonical or final URL; a page saved from the Wayback Machine or archive.today counts as
   the page it saved): ``theguardian.com``, ``amp.theguardian.com`` -> "The Guardian";
4. the site name the page declares (``og:site_name``, a feed's title) when it is a real name:
   a tagline is cut to the part that names the domain ("Frollein Herr | Information und
   Inspiration ..." -> "Frollein Herr"); a copyright line, a headline, a URL, a template
   placeholder or a generic word ("Home", "Blog") is no name;
5. the registered domain itself (``example.de`` for ``news.example.de``; a blog on a
   hosting service keeps its own name: ``someone.wordpress.com``);
6. the site's domain when nothing else names it (news-please ``source_domain``, the site
   of an archived page without a URL of its own);
7. ``unknown``.

Every name found is looked up in the mapping (case, a leading "The" and punctuation
ignored), so "Guardian", "the guardian" and "theguardian.com" are the one outlet
"The Guardian". The shipped mapping (``data/outlets.json``: major outlets and wires, written
by hand) is merged with the user's (:func:`load_outlet_names`, ``--source-map FILE``: JSON or
CSV, domain or name -> outlet), the user's entries winning. Registered domains come from
``tldextract`` with the public suffix list it ships (never downloaded).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import unquote, urlparse

from corroborate.errors import UsageError

UNKNOWN: Final = "unknown"

#: Hosting services whose subdomains are separate publishers (blogs, newsletters), beyond the
#: private domains of the public suffix list (blogspot.com, github.io, ...).
BLOG_HOSTS: Final = ("wordpress.com", "substack.com", "tumblr.com", "livejournal.com",
                     "typepad.com", "over-blog.com", "jimdofree.com", "jimdo.com",
                     "wixsite.com", "weebly.com", "blog.de", "beehiiv.com", "ghost.io")
#: Hosts of web archives: never an outlet, their pages are unwrapped to the page they saved.
WAYBACK_HOSTS: Final = frozenset({"web.archive.org", "wayback.archive.org", "archive.org"})
ARCHIVE_TODAY_HOSTS: Final = frozenset({"archive.today", "archive.ph", "archive.is",
                                        "archive.li", "archive.vn", "archive.md",
                                        "archive.fo"})
ARCHIVE_HOSTS: Final = WAYBACK_HOSTS | ARCHIVE_TODAY_HOSTS | {"webcache.googleusercontent.com"}

_WAYBACK_PATH = re.compile(r"^/web/(?P<ts>\d{4,14})(?:[a-z]{2}_)?/+(?P<url>.+)$", re.I)
_ARCHIVE_TODAY_PATH = re.compile(
    r"^/(?:o/\w+/|(?P<ts>\d{4}\.\d\d\.\d\d-\d{6}|\d{14})/)(?P<url>.+)$")
_SCHEME = re.compile(r"^(https?):/*", re.I)
_HOSTLIKE = re.compile(r"^(?:[\w-]+\.)+[^\W\d_]{2,}\.?$", re.UNICODE)
_HOST_IN_TEXT = re.compile(r"(?<![\w@.-])(?:https?://)?(?:www\.)?((?:[\w-]+\.)+[a-z]{2,})(?![\w-])",
                           re.I)


@dataclass(frozen=True, eq=False)
class OutletNames:
    """Domains and names of outlets, each mapped to the outlet's canonical name.

    ``domains`` maps a lower-cased host or registered domain ("theguardian.com",
    "abcnews.go.com") to a name; ``names`` maps a name key (:func:`name_key`) to a name. Build
    one with :meth:`shipped`, :meth:`from_mapping` or :func:`load_outlet_names`; combine with
    :meth:`merged` (the argument's entries win)."""

    domains: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def shipped(cls) -> OutletNames:
        """The mapping shipped with Corroborate (``corroborate/ingest/data/outlets.json``)."""
        return _shipped()

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str], *, what: str = "the outlet map"
                     ) -> OutletNames:
        """Entries "domain or name" -> "outlet name": a key that is a host ("cnn.com",
        "https://www.cnn.com/") maps that domain and its subdomains; any other key is a name
        ("Guardian", "AP"). Every outlet name is also a name of itself."""
        domains: dict[str, str] = {}
        names: dict[str, str] = {}
        for raw_key, raw_value in mapping.items():
            key, value = _clean(raw_key), _clean(raw_value)
            if not key or not value:
                raise UsageError(f"{what}: an entry with an empty domain, name or outlet "
                                 f"({str(raw_key)[:40]!r} -> {str(raw_value)[:40]!r})")
            host = _host_of(key)
            names.setdefault(name_key(value), value)
            if host is not None:
                domains[host] = value
            else:
                names[name_key(key)] = value
        return cls(MappingProxyType(domains), MappingProxyType(names))

    def merged(self, other: OutletNames) -> OutletNames:
        """This mapping with ``other``'s entries over it. When ``other`` renames every
        domain of an outlet ("theguardian.com" -> "Guardian News & Media"), the outlet's
        names and aliases ("The Guardian") follow, so that they stay one outlet."""
        domains = {**self.domains, **other.domains}
        names = {**self.names}
        renamed: dict[str, set[str]] = {}
        for host, new in other.domains.items():
            old = self.domains.get(host)
            if old is not None and old != new:
                renamed.setdefault(old, set()).add(new)
        for old, news in renamed.items():
            if len(news) == 1 and old not in domains.values():
                [new] = news
                names.update({k: new for k, v in self.names.items() if v == old})
        names.update(other.names)
        return OutletNames(MappingProxyType(domains), MappingProxyType(names))

    def for_host(self, host: str) -> str | None:
        """The outlet a host belongs to: the host itself, else each parent domain down to
        the registered domain ("edition.cnn.com", then "cnn.com")."""
        host = host.lower().rstrip(".").removeprefix("www.")
        registered = registered_domain(host)
        labels = host.split(".")
        for i in range(len(labels) - 1):
            candidate = ".".join(labels[i:])
            if candidate in self.domains:
                return self.for_name(self.domains[candidate]) or self.domains[candidate]
            if candidate == registered:
                break
        return None

    def for_name(self, name: str) -> str | None:
        """The canonical outlet for a name ("the guardian" -> "The Guardian"), or None."""
        key = name_key(name)
        return self.names.get(key) if key else None


@cache
def _shipped() -> OutletNames:
    data = json.loads(resources.files("corroborate.ingest").joinpath("data/outlets.json")
                      .read_text(encoding="utf-8"))
    return OutletNames.from_mapping(data["domains"], what="outlets.json").merged(
        OutletNames.from_mapping(data["aliases"], what="outlets.json"))


def load_outlet_names(path: str | Path, base: OutletNames | None = None) -> OutletNames:
    """The shipped mapping (or ``base``) with the entries of a user's file over it.

    The file is JSON (an object ``{"domain or name": "outlet", ...}``, or the shipped
    layout ``{"domains": {...}, "aliases": {...}}``) or CSV (two columns, domain or name and
    outlet; a header row ``domain,outlet`` and ``#`` comment lines are skipped). Raises
    UsageError naming the file and the problem."""
    path = Path(path)
    what = f"outlet map {path}"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"cannot read {what}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} is not UTF-8 text: save it as UTF-8") from exc
    entries = (_json_entries(text, what) if text.lstrip().startswith(("{", "["))
               else _csv_entries(text, what))
    if not entries:
        raise UsageError(f"{what} holds no entries: write one 'domain or name,outlet' per "
                         "line, or a JSON object")
    return (base or OutletNames.shipped()).merged(OutletNames.from_mapping(entries, what=what))


def _json_entries(text: str, what: str) -> dict[str, str]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what}: malformed JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(data, dict) and isinstance(data.get("domains", data.get("aliases")), dict):
        data = {**data.get("domains", {}), **data.get("aliases", {})}
    if not isinstance(data, dict):
        raise UsageError(f"{what}: expected a JSON object of \"domain or name\": \"outlet\", "
                         f"got {type(data).__name__}")
    entries: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, str):
            if key in ("about", "_comment"):
                continue
            raise UsageError(f"{what}: the outlet for {key!r} must be a string, not "
                             f"{type(value).__name__}")
        if key in ("about", "_comment"):
            continue
        entries[key] = value
    return entries


def _csv_entries(text: str, what: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line.strip()
             and not line.lstrip().startswith("#")]
    delimiter = "\t" if lines and "\t" in lines[0] and "," not in lines[0] else ","
    entries: dict[str, str] = {}
    for number, row in enumerate(csv.reader(io.StringIO("\n".join(lines)),
                                            delimiter=delimiter), start=1):
        cells = [cell.strip() for cell in row]
        if len(cells) != 2 or not all(cells):
            raise UsageError(f"{what}: row {number} ({delimiter.join(row)[:60]!r}) needs two "
                             "cells, a domain or name and the outlet")
        if number == 1 and cells[0].lower() in {"domain", "name", "key", "host", "source"} \
                and cells[1].lower() in {"outlet", "name", "source", "publisher"}:
            continue
        entries[cells[0]] = cells[1]
    return entries


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def name_key(name: str) -> str:
    """The key a name is looked up by: lower case, accents kept, punctuation dropped, a
    leading "the" dropped ("The Guardian", "the guardian", "Guardian" -> "guardian")."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", name).casefold())
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _host_of(value: str) -> str | None:
    """The host a value names when it is a host or a URL ("www.cnn.com", "https://cnn.com/"),
    lower-cased without "www."; None for a name."""
    value = value.strip()
    if "://" in value or value.startswith("//"):
        try:
            host = urlparse(value if "://" in value else "http:" + value).hostname
        except ValueError:
            return None
    else:
        host = value.rstrip("/").lower()
        if " " in host or "/" in host or not _HOSTLIKE.match(host):
            return None
    if not host:
        return None
    return host.lower().rstrip(".").removeprefix("www.")


@cache
def _extractor() -> Any:
    import tldextract  # heavy (requests): only when an outlet is chosen

    # suffix_list_urls=() and cache_dir=None: the suffix list bundled with tldextract, never
    # a download or a cache file.
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(),
                                 include_psl_private_domains=True, extra_suffixes=BLOG_HOSTS)


@cache
def registered_domain(host: str) -> str:
    """The registered domain of a host ("edition.cnn.com" -> "cnn.com", "news.bbc.co.uk" ->
    "bbc.co.uk", "someone.blogspot.com" stays); the host itself for an IP address, a single
    label or an unknown suffix ("www.meridianpost.example" -> "meridianpost.example")."""
    host = host.lower().rstrip(".").removeprefix("www.")
    result = _extractor()(host)
    if result.domain and result.suffix:
        return f"{result.domain}.{result.suffix}"
    return host


def url_host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlparse(url if "://" in url or url.startswith("//") else "//" + url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def unwrap_archive(url: str | None) -> str | None:
    """The URL of the page a web-archive URL saved, or None when ``url`` is not one (or
    names no page): ``https://web.archive.org/web/20190523000000/https://example.com/a``
    (also ``.../web/2019...id_/...`` and the ``http:/`` the Wayback Machine writes),
    ``https://archive.ph/2019.05.23-000000/https://example.com/a`` (archive.today and its
    other domains), Google's cache ``...search?q=cache:ID:https://example.com/a``."""
    if not url:
        return None
    try:
        parts = urlparse(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    path = parts.path + (f";{parts.params}" if parts.params else "") + \
        (f"?{parts.query}" if parts.query else "")
    original: str | None = None
    if host in WAYBACK_HOSTS:
        match = _WAYBACK_PATH.match(path)
        original = match.group("url") if match else None
    elif host in ARCHIVE_TODAY_HOSTS:
        match = _ARCHIVE_TODAY_PATH.match(path)
        original = match.group("url") if match else None
    elif host == "webcache.googleusercontent.com":
        match = re.search(r"[?&]q=cache:[^:]*:([^&\s]+)", path)
        original = unquote(match.group(1)) if match else None
    if not original:
        return None
    original = _SCHEME.sub(lambda m: m.group(1).lower() + "://", original, count=1)
    if "://" not in original:
        original = "http://" + original
    original_host = url_host(original)
    if not original_host or original_host in ARCHIVE_HOSTS or "." not in original_host:
        return None
    return original


_WAYBACK_PAGE = re.compile(r"INTERNET ARCHIVE ON|JAVASCRIPT APPENDED BY WAYBACK MACHINE|"
                           r"__wm\.init\(|archive\.org/_static/")
_WAYBACK_LINK = re.compile(r"(?:web\.archive\.org)?/web/\d{14}/(https?:/+[^\s\"'<>]+)", re.I)
_ARCHIVE_TODAY_LINK = re.compile(
    r"https?://archive\.(?:today|ph|is|li|vn|md|fo)/(?:\d{4}\.\d\d\.\d\d-\d{6}|\d{14})/"
    r"(https?://[^\s\"'<>]+)")


def archived_site(content: str) -> str | None:
    """For a page saved from a web archive with no URL of its own: the URL it saved, when the
    page names it (an archive.today page's dated link), else the home page of the site most of
    its archived links point to (a Wayback Machine page: ``/web/<time>/http://site/...``:
    at least 3 and more than half of them); None for other pages. Only for the outlet: the
    path may not be the article's."""
    if "archive" not in content:
        return None
    today = _ARCHIVE_TODAY_LINK.search(content)
    if today is not None and unwrap_archive(today.group(0)):
        return unwrap_archive(today.group(0))
    if not _WAYBACK_PAGE.search(content):
        return None
    hosts: Counter[str] = Counter()
    for match in _WAYBACK_LINK.finditer(content):
        host = url_host(_SCHEME.sub(lambda m: m.group(1) + "://", match.group(1), count=1))
        if host and host not in ARCHIVE_HOSTS and "." in host:
            hosts[registered_domain(host)] += 1
    if not hosts:
        return None
    [(site, count)] = hosts.most_common(1)
    # most of the links, and at least 3: a page that mostly links elsewhere names no site
    return f"http://{site}/" if count >= 3 and 2 * count > hosts.total() else None


#: Site names that name no outlet: platforms, generic words, placeholders.
GENERIC_NAMES: Final = frozenset({
    "home", "homepage", "home page", "startseite", "index", "news", "blog", "blogs", "my blog",
    "mein blog", "website", "webseite", "welcome", "willkommen", "untitled", "default",
    "aktuelles", "nachrichten", "article", "articles", "artikel", "page", "seite", "site",
    "wordpress", "blogger", "blogspot", "medium", "tumblr", "wix", "squarespace", "jimdo",
    "substack", "weebly", "typepad", "livejournal", "ghost", "facebook", "twitter", "x",
    "instagram", "youtube", "linkedin", "google", "none", "null", "undefined", "n a",
    "site name", "sitename", "inicio", "accueil", "portada"})
_SEGMENT_SPLIT = re.compile(r"\s+(?:\||-{1,2}|–|—|·|•|»|«|::|//)\s+|\s*(?:\|)\s*|\s*::\s*|"
                            r"\s+/\s+")
_COPYRIGHT = re.compile(r"©|\(c\)|&copy;|\bcopyright\b|\ball rights reserved\b|"
                        r"\balle rechte\b|\btous droits\b", re.I)
_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_PLACEHOLDER = re.compile(r"\{\{|\{\$|\$\{|%[a-z_]+%|\[\[|<[a-z]", re.I)
_MAX_WORDS: Final = 8
_STRIPPED: Final = " \"'’:;,·•|-–—☆★*"
_MAX_CHARS: Final = 70


def _fold(text: str) -> str:
    """Letters and digits only, lower case, umlauts as ae/oe/ue and accents dropped, for
    comparing a site name with a domain ("Süddeutsche" ~ "sueddeutsche")."""
    text = text.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue") \
        .replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


def _names_domain(segment: str, label: str) -> bool:
    """Whether a site-name segment names the domain whose label (the registered domain
    without its suffix, folded) is ``label``: one holds the other."""
    folded = _fold(segment)
    if len(folded) < 2 or len(label) < 2:
        return False
    return label in folded or (folded in label if len(folded) >= 3
                               else label.startswith(folded))


def site_name_verdict(site_name: str | None, *, title: str | None = None,
                      domain: str | None = None, strict: bool = True
                      ) -> tuple[str | None, str | None]:
    """``(name, why not)`` for the site name a page declares: the real name in it (a
    tagline cut to the part that names ``domain``), or None with the reason it is no name
    ("copyright line", "headline", "URL", ...). A site name that is a host comes back as
    it is (the caller maps it as a domain). ``strict``: a name of several parts none of which
    names ``domain`` is no name (False when the domain is only a guess)."""
    name = " ".join((site_name or "").split()).strip(_STRIPPED).lstrip(".")
    if not name:
        return None, "empty"
    if _COPYRIGHT.search(name):
        return None, "copyright line"
    if _PLACEHOLDER.search(name):
        return None, "template placeholder"
    if re.search(r"[\w.+-]+@[\w-]+\.[\w.-]{2,}", name):
        return None, "e-mail address"
    if "/" in re.sub(r"^\w+://", "", name).rstrip("/"):
        return None, "URL"  # a page's address (a social-media profile, ...), not a site
    if _host_of(name) is not None:
        return name, None
    if "://" in name or re.search(r"\bwww\.", name, re.I):
        return None, "URL"
    label = _fold(domain.split(".")[0]) if domain else ""
    segments = [s.strip(_STRIPPED).lstrip(".") for s in _SEGMENT_SPLIT.split(name)]
    segments = [s for s in segments if s]
    if len(segments) > 1:
        named = [s for s in segments if label and (_names_domain(s, label) or
                                                   _host_in(s, domain))]
        if named:
            name = min(named, key=len)
        elif domain and strict:
            return None, "tagline or headline naming no part of the domain"
    host = _host_in(name, domain)
    if host is not None:
        return host, None  # "Zobacz na przepisy.pl": the domain
    if _YEAR.search(name):
        return None, "holds a year (a headline, date or copyright line)"
    if name_key(name) in GENERIC_NAMES or not re.search(r"[^\W\d_]", name):
        return None, "generic word"
    words = name.split()
    if len(words) > _MAX_WORDS or len(name) > _MAX_CHARS:
        return None, "too long for a name (a headline or tagline)"
    if title and len(words) >= 4 and name_key(name) == name_key(title):
        return None, "headline (the page's title)"
    if len(words) >= 4 and (re.search(r"\w{3,}[?!]$", name)
                            or re.search(r"\w{3,}[.?!:]\s+\w{2,}", name)):
        return None, "headline (a sentence)"
    return name, None


def _host_in(text: str, domain: str | None) -> str | None:
    """The host of ``domain`` that ``text`` is or holds ("Dziennik.pl", "Zobacz na
    przepisy.pl"), or None."""
    if not domain:
        return None
    for match in _HOST_IN_TEXT.finditer(text):
        host = match.group(1).lower()
        if host == domain or host.endswith("." + domain):
            return match.group(1)
    return None


@dataclass(frozen=True, slots=True)
class OutletChoice:
    """The outlet chosen for an article, how it was found (``outlet_from``: "option",
    "input", "outlet map", "site name", "domain", "site domain", "none"), the article's
    URL (an archived page's original URL) and the metadata to keep (``archive_url``, and
    ``site_name_rejected`` with the reason when the site name was no name)."""

    outlet: str
    outlet_from: str
    url: str | None
    metadata: Mapping[str, str]


def choose(*, override: str | None, declared: str | None, site_name: str | None,
           url: str | None, canonical_url: str | None = None, domain_hint: str | None = None,
           title: str | None = None, names: OutletNames | None = None) -> OutletChoice:
    """The outlet of one article (see the module's docstring for the order)."""
    names = names if names is not None else OutletNames.shipped()
    metadata: dict[str, str] = {}
    article_url = url or None
    original = unwrap_archive(url)
    if original is not None:
        metadata["archive_url"] = str(url)
        article_url = original
    elif url_host(url) in ARCHIVE_HOSTS:
        original = unwrap_archive(canonical_url)
        if original is not None:
            metadata["archive_url"] = str(url)
            article_url = original
    hosts = [h for h in (url_host(article_url), url_host(canonical_url)) if h]
    host = next((h for h in hosts if h not in ARCHIVE_HOSTS), None)
    domain = registered_domain(host) if host else None

    def done(outlet: str, how: str) -> OutletChoice:
        return OutletChoice(" ".join(outlet.split()), how, article_url, metadata)

    for given, how in ((override, "option"), (declared, "input")):
        if given and given.strip():
            return done(_resolve_name(given, names), how)
    if host:
        mapped = names.for_host(host)
        if mapped:
            return done(mapped, "outlet map")
    hint_host = url_host(unwrap_archive(domain_hint) or domain_hint)
    if hint_host in ARCHIVE_HOSTS:
        hint_host = None
    hint_domain = registered_domain(hint_host) if hint_host else None
    name, why_not = site_name_verdict(site_name, title=title, domain=domain or hint_domain,
                                      strict=domain is not None)
    if name is not None:
        site_host = _host_of(name)
        if site_host is None or site_host not in ARCHIVE_HOSTS:
            resolved = _resolve_name(name, names)
            if site_host is not None and domain and registered_domain(site_host) != domain:
                resolved = names.for_host(domain) or domain  # another site's host: the URL's
            return done(resolved, "site name" if site_host is None else "domain")
        why_not = "a web archive's host"
    if why_not is not None and why_not != "empty":
        metadata["site_name_rejected"] = why_not
    if domain:
        return done(domain, "domain")
    if hint_host and hint_domain:
        return done(names.for_host(hint_host) or hint_domain, "site domain")
    return done(UNKNOWN, "none")


def _resolve_name(name: str, names: OutletNames) -> str:
    """A name as its canonical outlet: a known name or alias, else a host's outlet or
    registered domain, else the name as given."""
    known = names.for_name(name)
    if known:
        return known
    host = _host_of(name)
    if host is not None:
        return names.for_host(host) or registered_domain(host)
    return name


def outlet_names(entries: Iterable[tuple[str, str]]) -> OutletNames:
    """The shipped mapping with ``entries`` ("domain or name", "outlet") over it: for the
    library, when the mapping is not in a file."""
    return OutletNames.shipped().merged(OutletNames.from_mapping(dict(entries)))
