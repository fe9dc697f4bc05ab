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


# -- no module reaches into another package's privates ------------------------------------------
# A "package" is a folder under assistant/ (answer, brief, support, ...); the modules directly in
# assistant/ form one more. A ``_name`` is private to the packages that define it (def, class,
# assignment, ``self._name =``); privates of code outside assistant/ (typer._click) are not ours
# to police here.

import ast  # noqa: E402


def package_of(path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else "assistant"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def defined_privates(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            out.add(node.id if isinstance(node, ast.Name) else node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.add(node.target.id)
    return {n for n in out if _private(n)}


def private_uses(tree: ast.AST, package: str, defined: dict[str, set[str]]) -> list[tuple[int, str]]:
    """(line, name) for each use of a private name that only other packages define: ``obj._name``
    (``self``/``cls`` excepted) and ``from ..pkg.mod import _name``."""
    def foreign(name: str) -> bool:
        return _private(name) and bool(defined.get(name)) and package not in defined[name]

    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and foreign(node.attr):
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                out.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom):
            out += [(node.lineno, a.name) for a in node.names if foreign(a.name)]
    return out


def cross_package_private_uses() -> list[str]:
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}
    defined: dict[str, set[str]] = {}
    for p, tree in trees.items():
        for name in defined_privates(tree):
            defined.setdefault(name, set()).add(package_of(p))
    return [f"{p.relative_to(REPO).as_posix()}:{line}: {name} (private to {', '.join(sorted(defined[name]))})"
            for p, tree in trees.items() for line, name in private_uses(tree, package_of(p), defined)]


def test_no_module_calls_another_packages_private_name():
    assert cross_package_private_uses() == []


def test_the_private_check_finds_an_offender():
    """The scan flags what the rule forbids and lets the rest through (so the test above can fail)."""
    defined = {"_scaled": {"support"}, "_migrate": {"library"}}
    code = ast.parse("x = checker._scaled(0.5)\nfrom ..support.checker import _scaled\ny = self._scaled(1)\nlib._migrate()\nz = typer._click")
    assert sorted(private_uses(code, "evaluation", defined)) == [(1, "_scaled"), (2, "_scaled"), (4, "_migrate")]
    assert sorted(private_uses(code, "support", defined)) == [(4, "_migrate")]  # its own _scaled is fine
    assert sorted(private_uses(code, "library", defined)) == [(1, "_scaled"), (2, "_scaled")]


def test_only_the_library_imports_psycopg():
    """PostgreSQL is spoken in assistant/library/pg.py only, and lazily (tests/test_postgres.py checks --help)."""
    pattern = re.compile(r"^\s*(import psycopg|from psycopg)")
    assert pattern.search("        import psycopg")
    assert offenders(pattern, "assistant/library/pg.py") == []
    top_level = [line for line in (PACKAGE / "library" / "pg.py").read_text(encoding="utf-8").splitlines() if pattern.match(line) and not line.startswith(" ")]
    assert top_level == []
