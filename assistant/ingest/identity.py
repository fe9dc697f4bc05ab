"""How an article is identified: normalised URL, explicit id, source path (+ record index), content hash."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..types import ParsedArticle
from ..util import sha256_text

# Query parameters that say how a reader arrived, not which page it is: by prefix, and exact names.
TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "ocid", "cmpid", "at_")
TRACKING_KEYS = frozenset({"_ga", "_gl", "igshid", "mkt_tok", "smid", "smtyp", "ref_src", "ref_url", "s_cid", "ncid",
                           "soc_src", "soc_trk", "sr_share", "cmp", "ito"})
# A directory's default document names the directory itself: /a/b/index.html is /a/b.
_DEFAULT_DOCUMENTS = ("index.html", "index.htm", "index.shtml", "index.php", "default.htm", "default.html", "default.aspx")


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith(TRACKING_PREFIXES) or key in TRACKING_KEYS


def normalise_url(url: str) -> str:
    """The canonical form of a page's address: every spelling of one page, one key.

    https; lower-case host without www and without a default port; no fragment; no tracking
    parameters (the rest sorted); a directory's default document (index.html, ...) and a
    trailing slash dropped. Not a URL: returned stripped."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    if not parts.scheme or not parts.netloc:
        return url.strip()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)))
    path = parts.path
    head, _, last = path.rpartition("/")
    if last.lower() in _DEFAULT_DOCUMENTS:
        path = head
    path = path.rstrip("/") or "/"
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
