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


def test_the_api_is_the_only_door_to_the_operations():
    """service.py folded into the API: only api.py imports the private operations module, and the
    CLI reaches the library through the Assistant (no SQL, no writer, no operations)."""
    assert not (PACKAGE / "service.py").exists()
    ops = re.compile(r"\b_operations\b|\bimport service\b|from \.+service import")
    assert ops.search("from . import _operations as ops") and ops.search("from assistant import service")
    assert offenders(ops, "assistant/api.py") == []
    below = re.compile(r"from \.\.(library|_operations|ingest\.pipeline|vectors)\b")
    assert below.search("        from ..library.access import open_library")
    assert [o for o in offenders(below, "assistant/api.py") if o.startswith("assistant/cli/")] == []
