"""The PostgreSQL fixture itself: a real server, a fresh database per test."""

from __future__ import annotations


def test_a_fresh_database_per_test_on_a_real_server(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
        conn.execute("CREATE TABLE t (x int)")
        assert conn.execute("SHOW server_version").fetchone()[0].split(".")[0].isdigit()


def test_databases_are_separate(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:  # the table of the test above is not here
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


def test_the_port_range_moves_with_an_environment_variable(monkeypatch):
    """Two people running the PostgreSQL tests on one machine give each other's servers room."""
    from tests import postgres_server

    monkeypatch.delenv("ASSISTANT_TEST_PG_PORT", raising=False)
    assert postgres_server._ports() == range(55400, 55500)
    monkeypatch.setenv("ASSISTANT_TEST_PG_PORT", "55900")
    assert postgres_server._ports() == range(55900, 56000)
    assert 55900 <= postgres_server._free_port() < 56000 or postgres_server._free_port() > 0
    monkeypatch.setenv("ASSISTANT_TEST_PG_PORT", "not a port")
    assert postgres_server._ports() == range(55400, 55500)
