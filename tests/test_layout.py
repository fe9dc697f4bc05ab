"""The library is the only package that speaks SQL, and readers see committed rows through one
definition (the committed_revisions view), not through literal status checks elsewhere."""

from __future__ import annotations

import re

from tests.conftest import REPO

PACKAGE = REPO / "assistant"
SQL = re.compile(r"import sqlite3|from sqlite3|\.execute(many)?\(")


def offenders(pattern: re.Pattern, allowed: str) -> list[str]:
    out = []
    for p in sorted(PACKAGE.rglob("*.py")):
        rel = p.relative_to(REPO).as_posix()
        if rel.startswith(allowed):
            continue
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                out.append(f"{rel}:{n}: {line.strip()}")
    return out


def test_only_the_library_imports_sqlite3_or_executes_sql():
    assert offenders(SQL, "assistant/library/") == []


def test_only_the_view_says_what_committed_means():
    literal = re.compile(r"status\s*=\s*'committed'")
    assert offenders(literal, "assistant/library/migrations.py") == []


def test_the_check_finds_an_offender(tmp_path):
    """The scan reads lines as they are written (so the tests above can fail)."""
    assert SQL.search('rows = lib.conn.execute("SELECT 1")') and SQL.search("import sqlite3")
    assert not SQL.search("lib.execute_plan()")
