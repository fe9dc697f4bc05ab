"""The SQLite library: the source of truth for articles, revisions, sentences and chunks."""
