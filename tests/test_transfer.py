"""export and import: a library rebuilt from its export answers `sources` and `show` exactly as the
original (ids, revisions, sentence ids and offsets, copies and stories), imports go through the
writer's pending -> vectors -> committed protocol, and a bad file changes nothing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, SEEDS, write

SCHEMAS = REPO / "docs" / "json-schema"


def validate(doc, name):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(json.loads((SCHEMAS / name).read_text())).validate(doc)


def snapshot(cli, data_dir) -> dict:
    """sources --json and show --json of every revision of every article of a library."""
    r = cli("--data-dir", data_dir, "sources", "--json")
    assert r.code == 0, r
    out = {"sources": r.json()}
    for a in r.json()["articles"]:
        latest = cli("--data-dir", data_dir, "show", a["article_id"], "--json").json()
        for n in [v["revision"] for v in latest["revisions"]]:
            shown = cli("--data-dir", data_dir, "show", f"{a['article_id']}@{n}", "--json")
            assert shown.code == 0, shown
            out[f"{a['article_id']}@{n}"] = shown.json()
    return out


def export_to(cli, data_dir, path):
    r = cli("--data-dir", data_dir, "export", "-o", path, "--json")
    assert r.code == 0, r
    validate(r.json(), "export.json")
    return r.json()


def import_from(cli, data_dir, path, *extra):
    r = cli("--data-dir", data_dir, "import", path, "--json", *extra)
    if r.code == 0:
        validate(r.json(), "import.json")
    return r


@pytest.fixture
def seeded(cli, home):
    assert cli("ingest", SEEDS).code == 0
    return home


def test_seeds_round_trip_to_a_fresh_library(cli, seeded, tmp_path):
    dump = tmp_path / "library.jsonl"
    counts = export_to(cli, seeded, dump)
    assert counts["articles"] == 12 and counts["revisions"] == 12 and counts["sentences"] > 100
    head = json.loads(dump.read_text().splitlines()[0])
    assert head["format"] == "news-assistant-export" and head["version"] == 1 and head["articles"] == 12

    fresh = tmp_path / "fresh"
    r = import_from(cli, fresh, dump)
    assert r.code == 0, r
    assert r.json()["imported"] == 12 and r.json()["revisions"] == 12 and r.json()["skipped"] == []
    before, after = snapshot(cli, seeded), snapshot(cli, fresh)
    assert len(before) == 13  # sources + 12 articles
    assert after == before  # ids, revisions, sentence ids and offsets, dates, outlets, copies and stories
    check = cli("--data-dir", fresh, "check", "--json")
    assert check.code == 0 and check.json()["ok"], check  # chunks, vectors and full-text index agree
    # the imported library answers from the rebuilt vectors and chunks
    hits = cli("--data-dir", fresh, "search", "Puerto Rico governor", "--json", "-k", "1").json()["results"]
    assert hits and hits == cli("--data-dir", seeded, "search", "Puerto Rico governor", "--json", "-k", "1").json()["results"]
    # and exporting it again gives the same file but for the library's own id
    again = tmp_path / "again.jsonl"
    export_to(cli, fresh, again)
    assert again.read_text().splitlines()[1:] == dump.read_text().splitlines()[1:]


def test_revised_article_round_trips_with_both_revisions(cli, home, tmp_path):
    md = "---\ntitle: Storm nears coast\ndate: 2024-05-01\nurl: https://news.example/storm\nsource: Example News\nauthor: A. Writer\n---\n\nThe storm is 200 km away. Residents were told to leave.\n"
    first = cli("ingest", write(tmp_path / "a.md", md), "--json").json()["outcomes"][0]
    p2 = write(tmp_path / "b.md", md.replace("200 km away", "50 km away").replace("date: 2024-05-01", "date: 2024-05-01\nupdated: 2024-05-02T10:00:00Z"))
    assert cli("ingest", p2, "--json").json()["outcomes"][0]["revision"] == 2
    dump = tmp_path / "x.jsonl"
    export_to(cli, home, dump)
    rec = json.loads(dump.read_text().splitlines()[1])
    assert [r["revision"] for r in rec["revisions"]] == [1, 2] and rec["identity"] == "url:https://news.example/storm"

    fresh = tmp_path / "fresh"
    assert import_from(cli, fresh, dump).json()["revisions"] == 2
    assert snapshot(cli, fresh) == snapshot(cli, home)
    old = cli("--data-dir", fresh, "show", f"{first['article_id']}@1#0", "--json").json()
    assert old["revision"] == 1 and "200 km" in old["sentences"][0]["text"]
    # the imported article keeps its identity: ingesting the page again revises it, not a new article
    p3 = write(tmp_path / "c.md", md.replace("200 km away", "10 km away"))
    third = cli("--data-dir", fresh, "ingest", p3, "--json").json()["outcomes"][0]
    assert (third["article_id"], third["action"], third["revision"]) == (first["article_id"], "revised", 3)


def test_import_into_a_library_that_has_some_of_the_articles(cli, seeded, tmp_path):
    """Merging: new ids are added; an id (or a page) the library has already is kept as it is."""
    dump = tmp_path / "library.jsonl"
    export_to(cli, seeded, dump)
    other = tmp_path / "other"
    story = write(tmp_path / "own.md", "---\ntitle: Local fair opens\ndate: 2024-06-01\nurl: https://town.example/fair\n---\n\nThe fair opened on Saturday. Thousands came.\n")
    own = cli("--data-dir", other, "ingest", story, "--json").json()["outcomes"][0]["article_id"]
    r = import_from(cli, other, dump)
    assert r.code == 0 and r.json()["imported"] == 12
    ids = {a["article_id"] for a in cli("--data-dir", other, "sources", "--json").json()["articles"]}
    assert len(ids) == 13 and own in ids
    # importing the same file again changes nothing and says why
    before = snapshot(cli, other)
    again = import_from(cli, other, dump)
    assert again.code == 0 and again.json()["imported"] == 0 and len(again.json()["skipped"]) == 12
    assert "exists already" in again.json()["skipped"][0]["reason"]
    assert snapshot(cli, other) == before
    text = cli("--data-dir", other, "import", dump)
    assert text.code == 0 and "12 skipped" in text.stdout


def test_ingest_refuses_an_export(cli, seeded, tmp_path):
    dump = tmp_path / "library.jsonl"
    export_to(cli, seeded, dump)
    before = snapshot(cli, seeded)
    r = cli("ingest", dump)
    assert r.code == 1 and "is an assistant export, not articles" in r.stderr and "assistant import" in r.stderr
    assert snapshot(cli, seeded) == before


def _damage(dump, tmp_path, how):
    lines = dump.read_text().splitlines(keepends=True)
    bad = tmp_path / f"{how}.jsonl"
    if how == "truncated_line":
        bad.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    elif how == "missing_lines":
        bad.write_text("".join(lines[:5]))
    elif how == "no_header":
        bad.write_text("".join(lines[1:]))
    elif how == "bad_record":
        rec = json.loads(lines[3])
        rec["revisions"][0]["sentences"] = "oops"
        bad.write_text("".join(lines[:3]) + json.dumps(rec) + "\n" + "".join(lines[4:]))
    elif how == "wrong_type":
        rec = json.loads(lines[-1])
        rec["revisions"][0]["revised_ts"] = "yesterday"
        bad.write_text("".join(lines[:-1]) + json.dumps(rec) + "\n")
    elif how == "not_utf8":
        bad.write_bytes(lines[0].encode() + b"\xff\xfe\n")
    return bad


@pytest.mark.parametrize("how", ["truncated_line", "missing_lines", "no_header", "bad_record", "wrong_type", "not_utf8", "missing"])
def test_a_bad_file_is_one_clear_line_and_changes_nothing(cli, seeded, tmp_path, how):
    dump = tmp_path / "library.jsonl"
    export_to(cli, seeded, dump)
    target = tmp_path / "target"
    story = write(tmp_path / "own.md", "---\ntitle: Local fair opens\ndate: 2024-06-01\n---\n\nThe fair opened on Saturday. Thousands came.\n")
    assert cli("--data-dir", target, "ingest", story).code == 0
    before = snapshot(cli, target)
    bad = tmp_path / "absent.jsonl" if how == "missing" else _damage(dump, tmp_path, how)
    r = cli("--data-dir", target, "import", bad)
    assert r.code == 1, r
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and str(bad) in lines[0] and len(lines) == 2 and lines[1].startswith("  hint: "), r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert snapshot(cli, target) == before  # the first articles of a damaged file were not written either
    j = cli("--data-dir", target, "import", bad, "--json")
    assert j.code == 1 and set(j.json()["error"]) >= {"message", "hint"}


def test_an_import_killed_midway_is_completed_by_the_next_writer(sh, cli, seeded, tmp_path):
    dump = tmp_path / "library.jsonl"
    export_to(cli, seeded, dump)
    fresh = tmp_path / "fresh"
    killed = sh("--data-dir", fresh, "import", dump, env={"ASSISTANT_FAULT": "after_pending"})
    assert killed.code == -9, killed
    assert cli("--data-dir", fresh, "sources", "--json").json()["articles"] == []  # readers never see pending rows
    # any writer completes the pending revisions first; importing again then skips what is there
    again = sh("--data-dir", fresh, "import", dump, "--json")
    assert again.code == 0, again
    assert again.json()["recovered"] == 12 and len(again.json()["skipped"]) == 12
    assert snapshot(cli, fresh) == snapshot(cli, seeded)
    assert cli("--data-dir", fresh, "check", "--json").json()["ok"]


def test_export_to_stdout_and_the_python_api(cli, seeded, tmp_path):
    from assistant import Assistant, ExportResult, ImportResult

    r = cli("export")
    assert r.code == 0 and "exported 12 article(s)" in r.stderr
    lines = r.stdout.splitlines()
    assert json.loads(lines[0])["format"] == "news-assistant-export" and len(lines) == 13
    assert cli("export", "--json").code == 2  # --json needs -o: stdout carries the export itself
    with Assistant(seeded) as a:
        result = a.export(tmp_path / "api.jsonl")
        assert isinstance(result, ExportResult) and result.articles == 12
    assert (tmp_path / "api.jsonl").read_text().splitlines()[1:] == lines[1:]
    with Assistant(tmp_path / "api-home") as b:
        imported = b.import_(tmp_path / "api.jsonl")
        assert isinstance(imported, ImportResult) and imported.imported == 12
        assert [x.article_id for x in b.sources()] == [x["article_id"] for x in cli("sources", "--json").json()["articles"]]


def test_export_of_a_missing_library_says_so(cli, tmp_path):
    r = cli("--data-dir", tmp_path / "nowhere", "export", "-o", tmp_path / "x.jsonl")
    assert r.code == 1 and "no library" in r.stderr
    assert not (tmp_path / "x.jsonl").exists()


def test_feeds_and_aliases_travel_with_the_articles(cli, seeded, tmp_path):
    """Remembered feeds (with their seen entries, so `update` does not fetch them again) and the
    m003 aliases (one page under two ids) are part of the export."""
    from assistant.library.feeds import known_entries, remembered_feeds
    from assistant.library.store import Library

    ids = [a["article_id"] for a in cli("sources", "--json").json()["articles"]]
    with Library.open(seeded) as lib, lib.transaction() as c:
        c.execute("INSERT INTO feeds(url, title, etag, last_modified, added_at) VALUES (?,?,?,?,?)",
                  ("https://feeds.example/rss", "Example", '"v1"', "", "2024-01-01T00:00:00+00:00"))
        c.execute("INSERT INTO feed_entries(feed_url, entry_key, fingerprint, article_id, seen_at) VALUES (?,?,?,?,?)",
                  ("https://feeds.example/rss", "guid-1", "fp", ids[0], "2024-01-01T00:00:00+00:00"))
        c.execute("INSERT INTO article_aliases(article_id, same_as) VALUES (?, ?)", (ids[1], ids[0]))
    dump = tmp_path / "library.jsonl"
    assert export_to(cli, seeded, dump)["feeds"] == 1
    fresh = tmp_path / "fresh"
    assert import_from(cli, fresh, dump).json()["feeds"] == 1
    with Library.open(fresh) as lib:
        assert [tuple(r) for r in remembered_feeds(lib)] == [("https://feeds.example/rss", "Example", '"v1"', "")]
        assert known_entries(lib, "https://feeds.example/rss") == {"guid-1": "fp"}
        assert [tuple(r) for r in lib.conn.execute("SELECT article_id, same_as FROM article_aliases")] == [(ids[1], ids[0])]
    assert snapshot(cli, fresh) == snapshot(cli, seeded)


def test_articles_that_tie_on_date_and_title_list_in_the_same_order(cli, home, tmp_path):
    """The import writes in id order, the ingest wrote in file order: the listing must not depend on
    the order rows were stored in (untitled pages of one day used to swap places)."""
    rows = [{"text": f"Report number {i} says the river rose by {i} metres overnight.", "date": "2022-09-26", "id": f"page-{i}"} for i in range(6)]
    write(tmp_path / "same-day.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert cli("ingest", tmp_path / "same-day.jsonl").code == 0
    listed = [a["article_id"] for a in cli("sources", "--json").json()["articles"]]
    assert listed == sorted(listed)
    dump = tmp_path / "x.jsonl"
    export_to(cli, home, dump)
    import_from(cli, tmp_path / "fresh", dump)
    assert snapshot(cli, tmp_path / "fresh") == snapshot(cli, home)
