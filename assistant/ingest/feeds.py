"""RSS and Atom feeds, parsed with feedparser (imported inside functions).

The rule for an entry's text: the entry's own content (or, failing that, its summary), as
text, when it has at least ``MIN_ENTRY_WORDS`` words; otherwise the entry's link is fetched
and the page extracted (trafilatura). An entry with neither enough text nor a link keeps the
short text it has; an entry with no text and no link is reported and skipped.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import InputError
from ..types import ParsedArticle
from .loaders import clean_paragraphs

MIN_ENTRY_WORDS = 50
DEFAULT_MAX_ENTRIES = 200

_FEED_ROOT = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^>]*>\s*)?<(?:rss|feed|rdf:RDF)\b", re.S | re.I)


@dataclass
class Entry:
    key: str  # stable within its feed: guid, else link, else title
    fingerprint: str  # changes when the entry changes
    article: ParsedArticle | None  # None: the text must come from the link
    link: str = ""
    meta: dict = field(default_factory=dict)  # title, published, updated, author as the feed gives them
    text: str = ""  # the entry's own text (content or summary), however short: the fallback when its page fails


@dataclass
class Feed:
    url: str
    title: str
    entries: list[Entry] = field(default_factory=list)
    total: int = 0  # entries in the document, before --max-entries


def looks_like_feed(content_type: str, body: bytes) -> bool:
    """By its root element (rss, feed, rdf:RDF); a content type alone is not trusted."""
    if _FEED_ROOT.match(body[:4096]):
        return True
    return content_type in ("application/rss+xml", "application/atom+xml", "application/rdf+xml") and b"<html" not in body[:2048].lower()


def fragment_to_text(fragment: str) -> str:
    """HTML from a feed's content/summary as paragraphs separated by blank lines."""
    if not fragment:
        return ""
    if "<" not in fragment:
        import html

        return "\n\n".join(clean_paragraphs(html.unescape(fragment), []))
    marked = re.sub(r"(?i)<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote|tr|section|article)>", "\n\n", fragment)
    try:
        import lxml.html

        text = lxml.html.fromstring(f"<div>{marked}</div>").text_content()
    except Exception:  # broken markup in a feed: strip tags by hand
        import html

        text = html.unescape(re.sub(r"<[^>]+>", " ", marked))
    return "\n\n".join(clean_paragraphs(text, []))


def _iso(struct) -> str:
    if not struct:
        return ""
    try:
        return datetime(*struct[:6], tzinfo=timezone.utc).isoformat()
    except (TypeError, ValueError):
        return ""


def parse_feed(body: bytes, url: str, max_entries: int = DEFAULT_MAX_ENTRIES) -> Feed:
    """The feed's entries (at most max_entries, in document order). InputError if it is not a feed."""
    import feedparser

    try:
        doc = feedparser.parse(io.BytesIO(body), sanitize_html=True, resolve_relative_uris=True, response_headers={"content-location": url})
    except Exception as exc:
        raise InputError(f"{url}: not a readable feed ({exc.__class__.__name__})", "check that the URL is an RSS or Atom feed")
    if not doc.get("version") and not doc.entries:
        reason = f" ({str(doc.get('bozo_exception', '')).splitlines()[0][:100]})" if doc.get("bozo") else ""
        raise InputError(f"{url}: not an RSS or Atom feed{reason}", "check the URL; a web page can be ingested directly")
    title = " ".join((doc.feed.get("title") or "").split())
    feed = Feed(url=url, title=title, total=len(doc.entries))
    keys: set[str] = set()
    for n, e in enumerate(doc.entries[:max_entries]):
        link = (e.get("link") or "").strip()
        contents = [c.get("value", "") for c in e.get("content") or [] if c.get("value")]
        body_html = max(contents, key=len) if contents else ""
        summary_html = e.get("summary") or ""
        content_text, summary_text = fragment_to_text(body_html), fragment_to_text(summary_html)
        text = content_text if len(content_text.split()) >= len(summary_text.split()) else summary_text
        entry_title = " ".join((e.get("title") or "").split())
        key = (e.get("id") or link or entry_title or f"entry-{n}").strip()
        if key in keys:  # a feed that repeats a guid: keep the entries apart
            key = f"{key}#{n}"
        keys.add(key)
        published = _iso(e.get("published_parsed")) or (e.get("published") or "")
        # dict.get: feedparser's own get() maps a missing updated date to the published one
        updated = _iso(dict.get(e, "updated_parsed")) or (dict.get(e, "updated") or "")
        if updated == published:
            updated = ""
        fingerprint = hashlib.sha256("\x1f".join([key, link, entry_title, published, updated, text]).encode()).hexdigest()
        art = None
        if len(text.split()) >= MIN_ENTRY_WORDS or (not link and text):
            art = ParsedArticle(text=text, title=entry_title, url=link, source=title, author=" ".join((e.get("author") or "").split()),
                                published=published, updated=updated, origin=link or f"{url}#{key}", raw=body_html or summary_html, fmt="feed")
            if not link:
                art.explicit_id = f"{url}#{key}"
            art.extra["feed"] = url
        meta = {"title": entry_title, "published": published, "updated": updated, "author": " ".join((e.get("author") or "").split())}
        feed.entries.append(Entry(key, fingerprint, art, link, meta, text))
    return feed


MIN_FALLBACK_WORDS = 8  # a summary shorter than this ("Short.", "Read more") is no article


def summary_article(entry: Entry, feed: Feed) -> ParsedArticle | None:
    """The entry's own summary as the article, for when its page cannot be fetched; None if it is too short."""
    if len(entry.text.split()) < MIN_FALLBACK_WORDS:
        return None
    art = ParsedArticle(text=entry.text, title=entry.meta.get("title", ""), url=entry.link, source=feed.title, author=entry.meta.get("author", ""),
                        published=entry.meta.get("published", ""), updated=entry.meta.get("updated", ""), origin=entry.link, fmt="feed")
    art.extra["feed"] = feed.url
    art.extra["summary_only"] = True
    return art


def complete_from_entry(page: ParsedArticle, entry: Entry, feed: Feed) -> ParsedArticle:
    """A fetched entry page, completed with what the feed says (title, dates, author, outlet) where the page is silent."""
    page.origin = entry.link
    page.url = page.url or entry.link
    page.extra["feed"] = feed.url
    for name in ("title", "published", "updated", "author"):
        if not getattr(page, name) and entry.meta.get(name):
            setattr(page, name, entry.meta[name])
    page.source = page.source or feed.title
    return page
