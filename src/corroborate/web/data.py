"""What the web pages read: story listings with search, filters and pages, article views with
their sentences, and the compare form's pasted articles. Plain functions over a Store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corroborate.ingest import IngestOptions, Rejection, read_bytes
from corroborate.model import Analysis, Article
from corroborate.store import Store
from corroborate.store.stories import StorySummary, story_article_ids, story_summary

MAX_QUERY_WORDS = 8


@dataclass(frozen=True, slots=True)
class StoryPage:
    stories: list[StorySummary]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def outlets(store: Store) -> list[str]:
    sql = "SELECT DISTINCT source FROM articles ORDER BY source"
    return [r[0] for r in store.conn.execute(sql)]


@dataclass(frozen=True, slots=True)
class StoryRow:
    """What the listing filters and sorts on, for one live story."""

    id: int
    articles: int
    last: str | None
    last_seq: int
    outlets: frozenset[str]
    titles: str  # every title, case-folded, one per line


def story_stamp(store: Store) -> tuple[object, ...]:
    """Changes whenever an article or a story membership is written (cheap to read)."""
    row = store.conn.execute(
        "SELECT (SELECT COUNT(*) FROM story_articles), (SELECT MAX(rowid) FROM story_articles),"
        " (SELECT MAX(id) FROM story_changes), (SELECT MAX(rowid) FROM articles)").fetchone()
    return tuple(row)


def story_index(store: Store) -> list[StoryRow]:
    """Every live story in one pass (the listing then filters, sorts and pages in memory)."""
    rows = store.conn.execute(
        "SELECT sa.story_id AS id, COUNT(*) AS n, MAX(a.published) AS last,"
        " MAX(f.seq) AS last_seq, group_concat(a.source, char(31)) AS sources,"
        " group_concat(a.title, char(10)) AS titles"
        " FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
        " LEFT JOIN story_features f ON f.article_id = sa.article_id GROUP BY sa.story_id")
    return [StoryRow(int(r["id"]), int(r["n"]), r["last"], int(r["last_seq"] or -1),
                     frozenset((r["sources"] or "").split("\x1f")), (r["titles"] or "").casefold())
            for r in rows]


def story_entities(store: Store) -> dict[int, str]:
    """The entity keys of each story (``GPE:tokyo,PERSON:hideo-sakuraba``), case-folded."""
    return {int(r[0]): str(r[1]).casefold() for r in store.conn.execute(
        "SELECT sa.story_id, group_concat(DISTINCT e.key) FROM entities e"
        " JOIN story_articles sa ON sa.article_id = e.article_id GROUP BY sa.story_id")}


def search_stories(store: Store, *, q: str = "", outlet: str | None = None,
                   since: str | None = None, order: str = "recent", page: int = 1,
                   per_page: int = 20, index: list[StoryRow] | None = None,
                   entities: Mapping[int, str] | None = None) -> StoryPage:
    """Live stories matching every word of ``q`` (in an article title or an entity name of
    the story), reported by ``outlet``, with an article published on or after ``since``,
    newest activity first (``order="size"``: most articles first); one page.
    ``index`` and ``entities`` are :func:`story_index` and :func:`story_entities` when the
    caller keeps them."""
    found = story_index(store) if index is None else index
    if outlet:
        found = [s for s in found if outlet in s.outlets]
    if since:
        found = [s for s in found if s.last is not None and s.last >= since]
    words = q.casefold().split()[:MAX_QUERY_WORDS]
    if words and entities is None:
        entities = story_entities(store)
    for word in words:
        found = [s for s in found if word in s.titles or word in (entities or {}).get(s.id, "")]
    found = sorted(found, key=lambda s: s.id)
    if order == "size":
        found.sort(key=lambda s: (s.articles, s.last_seq), reverse=True)
    else:
        found.sort(key=lambda s: (s.last or "", s.last_seq), reverse=True)
    page = max(1, page)
    shown = found[(page - 1) * per_page: page * per_page]
    return StoryPage([story_summary(store, s.id) for s in shown], len(found), page, per_page)


def story_articles(store: Store, story_id: int) -> list[dict[str, Any]]:
    """The live story's articles in brief order: id, source, title, published, url (no text,
    no analysis: cheap enough for a page that waits for its brief)."""
    ids = story_article_ids(store, story_id)
    rows = {r["id"]: r for chunk in range(0, len(ids), 500) for r in store.conn.execute(
        "SELECT id, source, title, published, url FROM articles WHERE id IN"
        f" ({','.join('?' * len(ids[chunk:chunk + 500]))})", ids[chunk:chunk + 500])}
    return [{"id": aid, "source": rows[aid]["source"], "title": rows[aid]["title"],
             "published": rows[aid]["published"], "url": rows[aid]["url"]}
            for aid in ids if aid in rows]


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of article text: inside sentence ``sentence`` or between sentences (None)."""

    text: str
    sentence: int | None


def pieces(analysis: Analysis) -> list[Piece]:
    """The article text cut at sentence boundaries, so every character is shown once."""
    text = analysis.article.text
    out: list[Piece] = []
    at = 0
    for s in sorted(analysis.sentences, key=lambda s: s.start):
        if s.start < at:
            continue
        if s.start > at:
            out.append(Piece(text[at:s.start], None))
        out.append(Piece(text[s.start:s.end], s.index))
        at = s.end
    if at < len(text):
        out.append(Piece(text[at:], None))
    return out


def entity_groups(analysis: Analysis) -> list[tuple[str, str, list[int]]]:
    """(label, name as first written, sentences) for each entity key, most mentioned first."""
    found: dict[str, tuple[str, str, list[int]]] = {}
    for e in analysis.entities:
        sentences = found.setdefault(
            e.key, (e.label, analysis.text_of(e.start, e.end), []))[2]
        if e.sentence not in sentences:
            sentences.append(e.sentence)
    return sorted(found.values(), key=lambda g: (-len(g[2]), g[1].casefold()))


def quote_rows(analysis: Analysis) -> list[dict[str, Any]]:
    return [{"sentence": q.sentence, "speaker": q.speaker, "role": q.speaker_role,
             "anonymous": q.anonymous, "text": analysis.text_of(q.start, q.end)}
            for q in analysis.quotes]


@dataclass(frozen=True, slots=True)
class PastedArticle:
    title: str
    outlet: str
    text: str


def pasted_articles(form: Mapping[str, Sequence[str]], *, slots: int) -> list[PastedArticle]:
    """The filled-in article slots of the compare form (fields title-N, outlet-N, text-N)."""
    def field(name: str) -> str:
        values = form.get(name) or [""]
        return values[0].strip()

    found = []
    for n in range(1, slots + 1):
        text = field(f"text-{n}")
        title = field(f"title-{n}")
        if text or title:
            found.append(PastedArticle(title, field(f"outlet-{n}") or f"Article {n}", text))
    return found


def to_articles(pasted: Sequence[PastedArticle]) -> tuple[list[Article], list[Rejection]]:
    """Pasted articles read as text files would be (title line, then the text)."""
    articles: list[Article] = []
    rejected: list[Rejection] = []
    for n, item in enumerate(pasted, 1):
        title = " ".join(item.title.split())
        if not item.text:
            rejected.append(Rejection(f"article {n}", "no text"))
            continue
        data = ((title + "\n\n" if title else "") + item.text).encode("utf-8")
        for result in read_bytes(data, f"article {n}", IngestOptions(source=item.outlet),
                                 kind="text"):
            if isinstance(result, Rejection):
                rejected.append(result)
            else:
                articles.append(result)
    return articles, rejected
