"""URLs and feeds for ``ingest`` and ``update``: fetch, tell a page from a feed, yield articles.

A URL that answers with an RSS/Atom document (judged by its root element, not only its
content type) is a feed: its entries are ingested (see feeds.py for the entry-text rule) and
the feed is remembered in the ``feeds`` table. Anything else is a web page (html.py).
Entries already ingested with the same fingerprint are skipped without fetching anything;
entries whose page could not be fetched are reported and retried by the next ``update``.
The feed's row (etag, last_modified) and its entries' fingerprints are written only after
the articles are committed, so an interrupted run is simply repeated by the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ..errors import InputError
from ..library import feeds as feed_rows
from ..types import ParsedArticle
from . import feeds as feedlib
from .fetch import MAX_DOWNLOAD_BYTES, Fetched, fetch
from .html import load_html

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")


@dataclass
class FeedRun:
    url: str
    title: str = ""
    etag: str = ""
    last_modified: str = ""
    status: str = "ok"
    entries: int = 0  # in the document
    over_cap: int = 0
    already_seen: int = 0
    fetched_pages: int = 0
    failed: int = 0
    summaries: int = 0  # entries whose page failed, ingested from the feed's summary instead
    rechecked: int = 0  # pages of recent entries asked again (conditional GET)
    retry: bool = False  # an entry's page could not be fetched: the next update fetches the feed in full
    seen: dict = field(default_factory=dict)  # origin -> (entry_key, fingerprint)

    def to_dict(self) -> dict:
        return {"url": self.url, "title": self.title, "status": self.status, "entries": self.entries,
                "already_seen": self.already_seen, "over_max_entries": self.over_cap, "pages_fetched": self.fetched_pages,
                "failed": self.failed, "summaries": self.summaries, "pages_rechecked": self.rechecked}


class WebSource:
    """Turns URLs into ParsedArticles for the Writer, and records feeds once the Writer is done."""

    def __init__(self, lib, report, fail, max_entries: int = feedlib.DEFAULT_MAX_ENTRIES, max_bytes: int = MAX_DOWNLOAD_BYTES,
                 recheck_hours: float = 0.0):
        self.recheck_hours = recheck_hours
        self.lib = lib
        self.report = report
        self.max_entries = max_entries
        self.max_bytes = min(max_bytes, MAX_DOWNLOAD_BYTES) if max_bytes else MAX_DOWNLOAD_BYTES
        self.fail = fail  # fail(origin, InputError): records a failed outcome
        self.feeds: list[FeedRun] = []

    # -- ingest URL -----------------------------------------------------------------------
    def articles(self, url: str) -> Iterator[ParsedArticle]:
        try:
            got = fetch(url, max_bytes=self.max_bytes)
        except InputError as exc:
            self.fail(url, exc)
            return
        if feedlib.looks_like_feed(got.content_type, got.body):
            yield from self._feed(url, got, FeedRun(url))
            return
        try:
            yield self._page(url, got)
        except InputError as exc:
            self.fail(url, exc)

    def _page(self, url: str, got: Fetched) -> ParsedArticle:
        try:
            return load_html(got.text(), url, url=got.url, fetched_at=got.fetched_at)
        except InputError as exc:
            if got.content_type in _FEED_TYPES:
                raise InputError(f"{url}: served as a feed ({got.content_type}) but it is not RSS or Atom, and no article text was found in it",
                                 "check the feed's address on the site")
            raise exc

    # -- feeds ----------------------------------------------------------------------------
    def _feed(self, url: str, got: Fetched, run: FeedRun) -> Iterator[ParsedArticle]:
        try:
            feed = feedlib.parse_feed(got.body, url, self.max_entries)
        except InputError as exc:
            run.status = "failed"
            self.fail(url, exc)
            return
        run.title, run.etag, run.last_modified = feed.title, got.etag, got.last_modified
        run.entries, run.over_cap = feed.total, max(0, feed.total - len(feed.entries))
        self.feeds.append(run)
        if run.over_cap:
            from ..library.writer import Outcome

            self.report.outcomes.append(Outcome(url, "skipped", message=f"{run.over_cap} of {feed.total} feed entries not ingested (over --max-entries {self.max_entries})",
                                                hint="raise --max-entries to take more"))
        known = feed_rows.known_entries(self.lib, url)
        for entry in feed.entries:
            if known.get(entry.key) == entry.fingerprint:
                run.already_seen += 1
                continue
            if entry.article is not None:
                art = entry.article
            elif entry.link:
                try:
                    page = fetch(entry.link, max_bytes=self.max_bytes)
                    run.fetched_pages += 1
                    if feedlib.looks_like_feed(page.content_type, page.body):
                        raise InputError(f"{entry.link}: the entry links to another feed, not an article", "the entry was skipped")
                    art = feedlib.complete_from_entry(load_html(page.text(), entry.link, url=page.url, fetched_at=page.fetched_at), entry, feed)
                    _keep_validators(art, page)
                except InputError as exc:
                    run.retry = True  # the next update fetches the feed in full and the page again
                    fallback = feedlib.summary_article(entry, feed)
                    if fallback is None:
                        run.failed += 1
                        self.fail(entry.link, exc)
                        continue
                    run.summaries += 1
                    self._warn(entry.link, f"{exc.message}; ingested the feed's summary instead ({len(fallback.text.split())} words); "
                                           "update tries the page again")
                    yield fallback  # not recorded as seen: the entry counts as new until its page is read
                    continue
            else:
                run.failed += 1
                self.fail(f"{url}#{entry.key}", InputError(f"{url}: entry {entry.meta.get('title') or entry.key!r} has no text and no link", "nothing to ingest for it"))
                continue
            run.seen[art.origin] = (entry.key, entry.fingerprint)
            yield art

    def refresh(self, feed_row) -> Iterator[ParsedArticle]:
        """One remembered feed, fetched conditionally; yields new or changed entries."""
        url = feed_row["url"]
        run = FeedRun(url, title=feed_row["title"], etag=feed_row["etag"], last_modified=feed_row["last_modified"])
        try:
            got = fetch(url, max_bytes=self.max_bytes, etag=feed_row["etag"], last_modified=feed_row["last_modified"])
        except InputError as exc:
            run.status = "failed"
            self.feeds.append(run)
            self.fail(url, exc)
            return
        if got.not_modified:
            run.status = "not modified"
            self.feeds.append(run)
            yield from self._recheck_pages(run, set())  # an unchanged feed says nothing about its pages
            return
        if not feedlib.looks_like_feed(got.content_type, got.body):
            run.status = "failed"
            self.feeds.append(run)
            self.fail(url, InputError(f"{url}: is no longer a feed (it answered with {got.content_type or 'an unknown type'}, not RSS or Atom)",
                                      "check the feed's address on the site; its articles stay in the library"))
            return
        yielded: set[str] = set()
        for art in self._feed(url, got, run):
            yielded.add(art.origin)
            yield art
        yield from self._recheck_pages(run, yielded)

    def _recheck_pages(self, run: FeedRun, skip: set[str]) -> Iterator[ParsedArticle]:
        """Pages of this feed's entries first ingested within ``recheck_hours``, asked again with a conditional
        GET: a story edited in place (its feed entry untouched) becomes a new revision; 304 costs nothing."""
        if self.recheck_hours <= 0:
            return
        from datetime import datetime, timedelta, timezone

        since = (datetime.now(timezone.utc) - timedelta(hours=self.recheck_hours)).isoformat(timespec="seconds")
        rows = feed_rows.recent_page_entries(self.lib, run.url, since)
        import json

        for row in rows:
            link = row["origin"]
            if not link or link in skip:
                continue
            meta = json.loads(row["metadata"] or "{}")
            try:
                page = fetch(link, max_bytes=self.max_bytes, etag=meta.get("page_etag", ""), last_modified=meta.get("page_last_modified", ""))
                run.rechecked += 1
                if page.not_modified:
                    continue
                art = load_html(page.text(), link, url=page.url, fetched_at=page.fetched_at)
            except InputError as exc:  # gone or failing now: the stored revision stays; said, not an error
                self._warn(link, f"re-checking the page: {exc.message}; the stored revision stays")
                continue
            for name in ("title", "published", "updated", "author", "source"):  # where the page is silent, what was known
                if not getattr(art, name) and row[name]:
                    setattr(art, name, row[name])
            art.origin = link
            art.url = art.url or row["url"]
            art.extra["feed"] = run.url
            _keep_validators(art, page)
            yield art

    def _warn(self, origin: str, message: str) -> None:
        from ..library.writer import Outcome

        self.report.outcomes.append(Outcome(origin, "warning", message=message))

    # -- after the writer committed ----------------------------------------------------------
    def record(self, report) -> None:
        """Remember feeds and the entries whose articles are now in the library (one transaction)."""
        done = {o.origin: o.article_id for o in report.outcomes if o.action in ("added", "revised", "unchanged")}
        feed_rows.record_runs(self.lib, self.feeds, done)


def _keep_validators(art: ParsedArticle, page: Fetched) -> None:
    """The page's ETag / Last-Modified, kept with the revision (metadata) for the next conditional GET."""
    if page.etag:
        art.extra["page_etag"] = page.etag
    if page.last_modified:
        art.extra["page_last_modified"] = page.last_modified
