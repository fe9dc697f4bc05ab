"""Fetching a URL for ingest: one GET with timeouts, a redirect limit, a size cap and clear errors.

httpx is imported inside ``fetch``. robots.txt is not consulted: a URL is fetched because the
user named it (or named the feed it comes from), once per ``ingest``/``update``, like a browser
would; a site that refuses (401, 403, 429, 451) gets a message saying so and is not retried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from ..errors import InputError

USER_AGENT = "news-assistant/0.1 (personal news reader; +https://pypi.org/project/news-assistant/)"
TIMEOUT = 20.0  # seconds: connect, read and write each
MAX_REDIRECTS = 10
MAX_DOWNLOAD_BYTES = 30 * 1024 * 1024  # a feed of 10,000 entries fits; pages are further capped in html.py

# What a page or feed may be served as. Anything else (PDF, images, video, JSON APIs) is refused.
_ACCEPTED = re.compile(r"^(text/html|application/xhtml\+xml|application/(rss|atom|rdf)\+xml|application/xml|text/xml|text/plain|application/x-rss\+xml|application/feed\+json)$")
_REFUSED = {401: "the site asks for a login", 403: "the site refused access", 429: "the site refused: too many requests", 451: "the site refused: unavailable for legal reasons"}


def is_url(arg: str) -> bool:
    return arg.lower().startswith(("http://", "https://"))


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")  # file://, ftp://, s3:// ...


def unsupported_scheme(arg: str) -> str | None:
    """The scheme of a URL that ingest cannot fetch (file://, ftp://, ...), else None (a path or http(s))."""
    m = _SCHEME.match(arg)
    if not m or is_url(arg):
        return None
    return m.group(1).lower()


@dataclass
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 for a conditional GET that found nothing new
    content_type: str
    body: bytes
    charset: str = ""
    etag: str = ""
    last_modified: str = ""
    fetched_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        """The body as text: the declared charset, else UTF-8, else a <meta charset>, else cp1252."""
        for enc in [self.charset] if self.charset else []:
            try:
                return self.body.decode(enc)
            except (LookupError, UnicodeDecodeError):
                pass
        try:
            return self.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        m = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", self.body[:4096], re.I)
        if m:
            try:
                return self.body.decode(m.group(1).decode("ascii"), errors="replace")
            except LookupError:
                pass
        return self.body.decode("cp1252", errors="replace")


def fetch(url: str, *, max_bytes: int = MAX_DOWNLOAD_BYTES, timeout: float = TIMEOUT, max_redirects: int = MAX_REDIRECTS,
          etag: str = "", last_modified: str = "") -> Fetched:
    """GET url (conditionally when etag/last_modified are given). Raises InputError with the reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{url}: not an http(s) URL", "give a URL starting with http:// or https://")
    import httpx

    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with httpx.Client(follow_redirects=True, max_redirects=max_redirects, timeout=timeout, headers=headers, trust_env=False) as client:
            with client.stream("GET", url) as resp:
                if resp.status_code == 304:
                    return Fetched(str(resp.url), 304, "", b"", etag=resp.headers.get("etag", etag), last_modified=resp.headers.get("last-modified", last_modified))
                if resp.status_code in _REFUSED:
                    raise InputError(f"{url}: {_REFUSED[resp.status_code]} (HTTP {resp.status_code})",
                                     "try again later" if resp.status_code == 429 else "open it in a browser, save the page and ingest the file")
                if resp.status_code >= 400:
                    reason = resp.reason_phrase or ""
                    raise InputError(f"{url}: HTTP {resp.status_code} {reason}".rstrip(),
                                     "check the URL" if resp.status_code < 500 else "the site has a problem; try again later")
                if resp.status_code >= 300:
                    raise InputError(f"{url}: HTTP {resp.status_code} redirect without a usable Location", "check the URL")
                ctype = resp.headers.get("content-type", "")
                mime = ctype.split(";", 1)[0].strip().lower()
                if mime and not _ACCEPTED.match(mime) and not mime.endswith("+xml"):
                    raise InputError(f"{url}: not a web page or feed (content type {mime})", "ingest HTML pages or RSS/Atom feeds; save other documents as text first")
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise InputError(f"{url}: response is {int(declared) / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit", "save the page and ingest the file, or raise --max-file-mb")
                chunks, size = [], 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise InputError(f"{url}: response is over the {max_bytes / 2**20:.0f} MB limit", "save the page and ingest the file, or raise --max-file-mb")
                    chunks.append(chunk)
                return Fetched(str(resp.url), resp.status_code, mime, b"".join(chunks), charset=resp.charset_encoding or "",
                               etag=resp.headers.get("etag", ""), last_modified=resp.headers.get("last-modified", ""))
    except httpx.TooManyRedirects:
        raise InputError(f"{url}: redirected more than {max_redirects} times (a redirect loop?)", "open it in a browser to see where it leads")
    except httpx.TimeoutException:
        raise InputError(f"{url}: no answer within {timeout:g} s", "check the address or your connection, and try again")
    except httpx.ConnectError as exc:
        raise InputError(f"{url}: cannot connect ({_short(exc)})", "check the address and your network connection")
    except httpx.InvalidURL as exc:
        raise InputError(f"{url}: not a valid URL ({_short(exc)})", "check the URL")
    except httpx.HTTPError as exc:
        raise InputError(f"{url}: download failed ({exc.__class__.__name__}: {_short(exc)})", "try again later")


def _short(exc: Exception) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0][:160]
