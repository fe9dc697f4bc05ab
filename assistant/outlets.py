"""Which outlet a --source NAME means: one rule for sources, search, ask, brief, chat and forget.

An article's outlet matches NAME (case-insensitive) when NAME equals its outlet name, the name
without a note in brackets ("Wikinews" for "Wikinews (English)"), or the site's domain with or
without "www." and with or without its ending: "www.usatoday.com", "usatoday.com" and "usatoday"
all name USA Today's site. Never a substring: `forget --source news` must not delete every
outlet whose name contains "news".

Registered as the SQL function outlet_matches(NAME, source, url) on every library connection,
so filters stay in SQL.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

_NOTE = re.compile(r"\s*\([^)]*\)\s*$")
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "ne", "or"}  # bbc.co.uk, abc.net.au


def _host_forms(host: str) -> set[str]:
    host = host.strip().lower().rstrip(".")
    if not host:
        return set()
    bare = host[4:] if host.startswith("www.") else host
    forms = {host, bare}
    labels = bare.split(".")
    if len(labels) >= 2:
        labels = labels[:-1]  # .com, .org, .uk
        if len(labels) >= 2 and labels[-1] in _SECOND_LEVEL:
            labels = labels[:-1]  # .co of .co.uk
        forms.add(".".join(labels))
    return forms


def _looks_like_host(text: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9\-]+(\.[a-z0-9\-]+)+\.?", text))


def normalise(name: str) -> str:
    """What the user typed, as compared: lower case, a URL reduced to its host, no "www."."""
    name = (name or "").strip().lower()
    if "://" in name:
        name = urlsplit(name).hostname or name
    return name[4:] if name.startswith("www.") else name


@lru_cache(maxsize=4096)
def forms(source: str | None, url: str | None) -> frozenset[str]:
    """Every name an outlet answers to."""
    out: set[str] = set()
    s = (source or "").strip().lower()
    if s:
        out.add(s)
        out.add(_NOTE.sub("", s))
        if _looks_like_host(s):
            out |= _host_forms(s)
    if url:
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        out |= _host_forms(host)
    out.discard("")
    return frozenset(out)


def matches(name: str, source: str | None, url: str | None) -> bool:
    n = normalise(name)
    return bool(n) and n in forms(source, url)


def _sql_matches(name, source, url) -> int:
    return 1 if matches(name or "", source, url) else 0


def register(conn) -> None:
    """Make outlet_matches(NAME, source, url) available to SQL on this connection."""
    conn.create_function("outlet_matches", 3, _sql_matches, deterministic=True)


def sql(alias: str = "r") -> str:
    """A WHERE fragment with one parameter (NAME) over a revisions row."""
    return f"outlet_matches(?, {alias}.source, {alias}.url)"
