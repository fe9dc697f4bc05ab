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
