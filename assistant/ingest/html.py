"""Web pages: title, dates, byline, outlet and main text, extracted with trafilatura.

trafilatura (and lxml) are imported inside the functions: ``assistant --help`` never loads them.
The extracted text keeps trafilatura's paragraphs, joined by blank lines like every other
loader; a leading line that repeats the title (the page's h1) or the byline is dropped.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from ..errors import InputError
from ..types import ParsedArticle
from .loaders import clean_paragraphs

# <meta> names/properties that carry the publication and update times, most specific first
_PUBLISHED_META = ("article:published_time", "og:published_time", "datepublished", "publishdate", "pubdate",
                   "dc.date.issued", "dc.date", "date", "sailthru.date", "parsely-pub-date")
_UPDATED_META = ("article:modified_time", "og:updated_time", "datemodified", "lastmod", "last-modified", "dc.date.modified")
_BYLINE = re.compile(r"^\s*(?:by|from)\s+(.{2,120})$", re.I)


def looks_like_html(data: str) -> bool:
    head = data.lstrip()[:1024].lower()
    return head.startswith("<!doctype html") or head.startswith("<html") or ("<html" in head and "<body" in data[:20000].lower()) or head.startswith("<head")


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().lower()


def page_dates(html: str) -> tuple[str, str]:
    """(published, updated) as written in the page's metadata: <meta> tags, JSON-LD, <time>."""
    try:
        import lxml.html

        doc = lxml.html.fromstring(html.encode("utf-8", "replace") if html.lstrip().startswith("<?xml") else html)
    except Exception:  # malformed beyond repair: trafilatura will say so
        return "", ""
    metas: dict[str, str] = {}
    for m in doc.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "").strip().lower()
        val = (m.get("content") or "").strip()
        if key and val and key not in metas:
            metas[key] = val
    published = next((metas[k] for k in _PUBLISHED_META if k in metas), "")
    updated = next((metas[k] for k in _UPDATED_META if k in metas), "")
    if not published or not updated:
        for script in doc.iter("script"):
            if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
                continue
            try:
                data = json.loads(script.text)
            except ValueError:
                continue
            for item in data if isinstance(data, list) else (data.get("@graph") or [data]) if isinstance(data, dict) else []:
                if isinstance(item, dict):
                    published = published or str(item.get("datePublished") or "")
                    updated = updated or str(item.get("dateModified") or "")
    if not published:
        for t in doc.iter("time"):
            if t.get("datetime"):
                published = t.get("datetime").strip()
                break
    return published, updated


MAX_PAGE_BYTES = 10 * 1024 * 1024  # news pages are well under 5 MB; bigger ones are not articles


def load_html(data: str, origin: str, url: str = "", fetched_at: datetime | None = None) -> ParsedArticle:
    """One article from one page; InputError when the page holds no article text."""
    if len(data) > MAX_PAGE_BYTES:
        raise InputError(f"{origin}: page is {len(data) / 2**20:.0f} MB, over the {MAX_PAGE_BYTES / 2**20:.0f} MB limit for one web page",
                         "a news article page is far smaller; save the article's text instead")
    try:
        import trafilatura
    except ImportError as exc:  # lxml 6 needs lxml_html_clean; both are dependencies
        raise InputError(f"{origin}: cannot read web pages ({exc})", "pip install trafilatura lxml_html_clean")
    try:
        doc = trafilatura.bare_extraction(data, url=url or None, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True)
    except Exception as exc:  # trafilatura/lxml on malformed markup: one line, not a traceback
        raise InputError(f"{origin}: could not parse the HTML ({exc.__class__.__name__}: {str(exc)[:120]})", "check that this is a web page")
    if doc is None:
        raise InputError(f"{origin}: no article text found in the page", "is this an article page (not an index, login or error page)?")
    meta = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (meta.get("text") or "").strip()
    art = ParsedArticle(text="", origin=origin, raw=data, fmt="html")
    art.title = " ".join((meta.get("title") or "").split())
    art.author = " ".join((meta.get("author") or "").split())
    art.source = " ".join((meta.get("sitename") or meta.get("hostname") or "").split())
    art.url = url or (meta.get("url") or "")
    published, updated = page_dates(data)
    published = published or (meta.get("date") or "")
    from ..dates import parse_date

    # relative dates ("3 hours ago") count from when the page was fetched
    for name, value in (("published", published), ("updated", updated)):
        parsed = parse_date(value, relative_base=fetched_at) if value else None
        setattr(art, name, parsed.iso if parsed else "")
    if meta.get("description"):
        art.extra["description"] = meta["description"]
    paras = clean_paragraphs("\n\n".join(text.split("\n")), art.notes)
    # trafilatura keeps the h1 title and the byline in the text: drop them when they repeat metadata
    for _ in range(2):
        if paras and art.title and _norm(paras[0]) == _norm(art.title):
            art.notes.append(f"dropped title line: {paras[0][:60]}")
            paras = paras[1:]
        elif paras and _BYLINE.match(paras[0]) and len(paras[0]) < 120:
            art.notes.append(f"dropped byline: {paras[0]}")
            art.author = art.author or _BYLINE.match(paras[0]).group(1).strip()
            paras = paras[1:]
    art.text = "\n\n".join(paras)
    if len(art.text.split()) < 5:
        raise InputError(f"{origin}: no article text found in the page", "is this an article page (not an index, login or error page)?")
    return art
