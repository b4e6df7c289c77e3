"""Schema migrations: each entry moves the database one version up, in its own transaction."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # version 1: articles and their per-article analysis
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        published TEXT,
        url TEXT,
        path TEXT,
        author TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        ingested_at TEXT NOT NULL,
        analyzer TEXT
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_source ON articles(source);
    CREATE TABLE sentences (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        PRIMARY KEY (article_id, idx)
    );
    CREATE TABLE entities (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        sentence INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        label TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (article_id, idx)
    );
    CREATE INDEX entities_key ON entities(key);
    CREATE TABLE quantities (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        sentence INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        value REAL NOT NULL,
        unit TEXT NOT NULL,
        kind TEXT NOT NULL,
        approximate INTEGER NOT NULL,
        qualifier TEXT,
        PRIMARY KEY (article_id, idx)
    );
    CREATE TABLE dates (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        sentence INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        value TEXT,
        PRIMARY KEY (article_id, idx)
    );
    CREATE TABLE quotes (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        sentence INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        speaker TEXT,
        speaker_role TEXT,
        speaker_kind TEXT,
        speaker_start INTEGER,
        speaker_end INTEGER,
        cue TEXT,
        anonymous INTEGER NOT NULL,
        PRIMARY KEY (article_id, idx)
    );
    CREATE TABLE attributions (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        sentence INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        named INTEGER NOT NULL,
        cue TEXT NOT NULL,
        PRIMARY KEY (article_id, idx)
    );
    """,
    # version 2: stories (online assignment state, membership, change log)
    """
    CREATE TABLE story_features (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL UNIQUE,
        day REAL,
        embedding BLOB NOT NULL,
        terms TEXT NOT NULL
    );
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        created_seq INTEGER NOT NULL,
        updated_seq INTEGER NOT NULL,
        merged_into INTEGER
    );
    CREATE TABLE story_articles (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id INTEGER NOT NULL REFERENCES stories(id)
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE TABLE story_changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        story_id INTEGER NOT NULL,
        article_id TEXT,
        previous INTEGER,
        at TEXT NOT NULL
    );
    CREATE INDEX story_changes_story ON story_changes(story_id)
    """,
    # version 3: computed briefs of stories (the web server's cache; see store/brief_cache.py)
    """
    CREATE TABLE brief_cache (
        story_id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        engine TEXT NOT NULL,
        brief TEXT NOT NULL,
        seconds REAL NOT NULL,
        computed_at TEXT NOT NULL
    )
    """,
    # version 4: what was fetched from the web (conditional GET validators per address) and
    # the feed entries and sitemap pages already read (see store/fetch_state.py)
    """
    CREATE TABLE fetch_state (
        url TEXT PRIMARY KEY,
        final_url TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        status INTEGER NOT NULL,
        etag TEXT,
        last_modified TEXT
    );
    CREATE TABLE fetch_seen (
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (source, key)
    )
    """,
    # version 5: no new table; story_features.terms may hold a recipe marker in place of the
    # terms (made again from the article's text when read), which a version that knows schema
    # 4 only cannot read: the number tells it to refuse the database with a clear message
    """
    -- story_features.terms: FROM_TEXT marker rows (corroborate.stories.features)
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
