"""Search filters: publication window, as-of date, outlet, article; as SQL and as a Chroma `where`.

Undated articles are excluded by any date filter unless include_undated is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ..dates import ParsedDate, parse_date_bound


def _end_of(d: ParsedDate) -> float:
    """The first instant after the period a date names (a day, a month, a year, or the instant itself)."""
    start = datetime.fromtimestamp(d.timestamp, tz=timezone.utc)
    if d.precision == "day":
        return (start + timedelta(days=1)).timestamp()
    if d.precision == "month":
        y, m = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return datetime(y, m, 1, tzinfo=timezone.utc).timestamp()
    if d.precision == "year":
        return datetime(start.year + 1, 1, 1, tzinfo=timezone.utc).timestamp()
    return d.timestamp + 1e-6


@dataclass
class Filters:
    since: str | None = None
    until: str | None = None
    as_of: str | None = None
    sources: list[str] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    include_undated: bool = False
    exclude_ids: list[str] = field(default_factory=list)  # articles to leave out (evals: "remove the gold articles")

    def __post_init__(self):
        # parse now, so a bad date is a usage error before any work is done
        self._since = parse_date_bound(self.since).timestamp if self.since else None
        self._until = _end_of(parse_date_bound(self.until)) if self.until else None
        self._as_of = _end_of(parse_date_bound(self.as_of)) if self.as_of else None
        if isinstance(self.sources, str):
            self.sources = [self.sources]
        if isinstance(self.article_ids, str):
            self.article_ids = [self.article_ids]

    @property
    def dated(self) -> bool:
        return any(x is not None for x in (self._since, self._until, self._as_of))

    @property
    def as_of_ts(self) -> float | None:
        return self._as_of

    def published_bounds(self) -> tuple[float | None, float | None]:
        lo = self._since
        hi = min(x for x in (self._until, self._as_of) if x is not None) if (self._until or self._as_of) else None
        return lo, hi

    def unnarrowed(self) -> "Filters | None":
        """These filters without the ones that narrow by date or outlet (None when there are none):
        what search ranks against, so that such a filter only removes results (retriever.restrict)."""
        if not (self.dated or self.sources):
            return None
        return Filters(article_ids=list(self.article_ids), exclude_ids=list(self.exclude_ids))

    def sql(self, alias: str = "r") -> tuple[str, list]:
        """A WHERE fragment over a revisions row (alias r) and its arguments."""
        clauses, args = [], []
        lo, hi = self.published_bounds()
        if self.dated:
            date_parts, date_args = [], []
            if lo is not None:
                date_parts.append(f"{alias}.published_ts >= ?")
                date_args.append(lo)
            if hi is not None:
                date_parts.append(f"{alias}.published_ts < ?")
                date_args.append(hi)
            cond = f"({alias}.published_ts IS NOT NULL AND {' AND '.join(date_parts)})"
            if self.include_undated:
                cond = f"({cond} OR {alias}.published_ts IS NULL)"
            clauses.append(cond)
            args += date_args
        if self.sources:
            from ..outlets import sql

            clauses.append("(" + " OR ".join(sql(alias) for _ in self.sources) + ")")  # the one --source rule (outlets.py)
            args += list(self.sources)
        if self.article_ids:
            clauses.append(f"{alias}.article_id IN ({','.join('?' * len(self.article_ids))})")
            args += list(self.article_ids)
        if self.exclude_ids:
            clauses.append(f"{alias}.article_id NOT IN ({','.join('?' * len(self.exclude_ids))})")
            args += list(self.exclude_ids)
        return (" AND ".join(clauses) if clauses else "1=1"), args

    def chroma_where(self, article_ids: list[str] | None = None) -> dict | None:
        """What Chroma can pre-filter (numbers and exact ids); outlets are checked afterwards in SQL."""
        parts: list[dict] = []
        lo, hi = self.published_bounds()
        if self.dated:
            rng = []
            if lo is not None:
                rng.append({"published_ts": {"$gte": lo}})
            if hi is not None:
                rng.append({"published_ts": {"$lt": hi}})
            if lo is None:  # -1 marks undated; keep it out of an upper-bounded range
                rng.append({"published_ts": {"$gte": 0}})
            cond = rng[0] if len(rng) == 1 else {"$and": rng}
            if self.include_undated:
                cond = {"$or": [cond, {"published_ts": -1.0}]}
            parts.append(cond)
        ids = article_ids if article_ids is not None else self.article_ids
        if ids:
            parts.append({"article_id": {"$in": list(ids)}})
        if self.exclude_ids:
            parts.append({"article_id": {"$nin": list(self.exclude_ids)}})
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}
