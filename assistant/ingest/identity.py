"""How an article is identified: normalised URL, explicit id, source path (+ record index), content hash."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..types import ParsedArticle
from ..util import sha256_text

TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid")


def normalise_url(url: str) -> str:
    """Same article, same key: lower-case host without www, https, no fragment/tracking, no trailing slash."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    if not parts.scheme or not parts.netloc:
        return url.strip()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith(TRACKING_PREFIXES)))
    path = parts.path.rstrip("/") or "/"
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, host, path, query, ""))


def identity_for(art: ParsedArticle) -> tuple[str, str]:
    """(identity, kind) for an article."""
    if art.url:
        return "url:" + normalise_url(art.url), "url"
    if art.explicit_id:
        return "id:" + art.explicit_id, "id"
    if art.origin and not art.origin.startswith("-"):
        path, sep, rec = art.origin.partition("#")
        return "path:" + os.path.abspath(path) + (sep + rec if sep else ""), "path"
    return "hash:" + content_hash(art), "hash"


def content_hash(art: ParsedArticle) -> str:
    """What counts as a change of content: title, highlights and body text."""
    return sha256_text("\x1f".join([art.title, "\x1e".join(art.highlights), art.text]))
