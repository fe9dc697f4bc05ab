"""Ingest end to end through the Python API and the CLI (hash embedder, embedded Chroma)."""

import json

from assistant import Assistant
from assistant.library.access import open_library
from assistant.settings import Settings
from tests.conftest import SEEDS, write


def settings():
    return Settings.load()


def test_ingest_seeds_then_again_is_a_no_op(cli):
    r = cli("ingest", SEEDS, "--json")
    assert r.code == 0, r
    doc = r.json()
    assert doc["added"] == 12 and doc["failed"] == 0
    skipped = [o for o in doc["outcomes"] if o["action"] == "skipped"]
    assert [o["origin"].rsplit("/", 1)[-1] for o in skipped] == ["SOURCES.md"]
    r2 = cli("ingest", SEEDS, "--json")
    assert r2.json()["unchanged"] == 12 and r2.json()["added"] == 0 and r2.json()["chunks_embedded"] == 0
    arts = cli("sources", "--json").json()["articles"]
    assert len(arts) == 12
    assert set(arts[0]) == {"article_id", "title", "source", "url", "published", "date_precision", "author", "revision", "sentence_count", "chunk_count", "copies", "story"}
    mattis = [a for a in arts if a["title"].startswith("Jim Mattis")][0]
    assert mattis["source"] == "DailyMail.co.uk" and mattis["published"] is None
    asteroid = [a for a in arts if a["published"] == "2004-12"][0]
    assert asteroid["date_precision"] == "month"
    assert Assistant(settings=settings()).check().to_dict()["ok"]


def test_changed_content_makes_a_revision_and_old_citations_still_resolve(cli, tmp_path):
    md = "---\ntitle: Storm nears coast\ndate: 2024-05-01\nurl: https://news.example/storm\nsource: Example News\n---\n\nThe storm is 200 km away. Residents were told to leave.\n"
    p = write(tmp_path / "a.md", md)
    first = cli("ingest", p, "--json").json()["outcomes"][0]
    old = cli("show", first["article_id"], "--json").json()
    sid = old["sentences"][0]["id"]
    assert sid == f"{first['article_id']}@1#0"
    # the same URL from another file, with new text: a new revision of the same article
    p2 = write(tmp_path / "b.md", md.replace("200 km away", "50 km away").replace("date: 2024-05-01", "date: 2024-05-01\nupdated: 2024-05-02T10:00:00Z"))
    second = cli("ingest", p2, "--json").json()["outcomes"][0]
    assert second["action"] == "revised" and second["article_id"] == first["article_id"] and second["revision"] == 2
    latest = cli("show", first["article_id"], "--json").json()
    assert latest["revision"] == 2 and "50 km" in latest["sentences"][0]["text"]
    assert latest["revisions"][1]["revised_at"].startswith("2024-05-02T10:00")
    # the old revision and its sentence resolve to the exact text and offsets they had
    again = cli("show", sid, "--json").json()
    assert again["revision"] == 1 and again["sentences"][0] == old["sentences"][0]
    with open_library(settings()) as lib:
        s = lib.sentence(sid)
        rev = lib.revision(s.article_id, s.revision)
        assert rev.text[s.start : s.end] == s.text == "The storm is 200 km away."
    assert len(cli("sources", "--json").json()["articles"]) == 1


def test_jsonl_records_are_articles_each(cli, tmp_path):
    lines = [json.dumps({"title": f"Story {i}", "text": f"Sentence number {i} of the story. Another sentence here."}) for i in range(109)]
    p = write(tmp_path / "many.jsonl", "\n".join(lines) + "\n")
    doc = cli("ingest", p, "--json").json()
    assert doc["added"] == 109
    assert len(cli("sources", "--json").json()["articles"]) == 109
    assert cli("ingest", p, "--json").json()["unchanged"] == 109


def test_stdin_and_field_mapping(cli):
    r = cli("ingest", "-", "--field", "text=story", "--json", input=json.dumps({"title": "From stdin", "story": "It came on standard input. Really."}))
    assert r.code == 0 and r.json()["added"] == 1, r
    assert cli("sources", "--json").json()["articles"][0]["title"] == "From stdin"
    bad = cli("ingest", "-", "--field", "bogus", "--json", input="x")
    assert bad.code == 2 and "bad --field" in bad.json()["error"]["message"]


def test_bad_inputs_each_get_one_line_and_the_rest_is_ingested(cli, tmp_path):
    d = tmp_path / "in"
    write(d / "good.md", "# Good\n\nA good article. It has two sentences.")
    write(d / "empty.txt", "")
    write(d / "binary.txt", b"\x00\x01\x02\x03")
    write(d / "latin1.txt", "Caf\u00e9 news\n\nIt was good.".encode("latin-1"))
    write(d / "broken.jsonl", '{"title": "ok", "text": "Fine record."}\n{"title": \n')
    write(d / "broken.json", "[{")
    huge = d / "huge.txt"
    with open(huge, "wb") as fh:
        fh.truncate(300 * 1024 * 1024)
    r = cli("ingest", d, tmp_path / "missing.md")
    assert r.code == 1
    lines = [l for l in r.stderr.splitlines() if l.startswith("error:")]
    joined = "\n".join(lines)
    for expected in ("empty.txt: file is empty", "binary.txt: looks like a binary file", "latin1.txt: not valid UTF-8",
                     "broken.jsonl: line 2 is not valid JSON", "broken.json: not valid JSON", "huge.txt: file is 300 MB",
                     "missing.md: no such file"):
        assert expected in joined, (expected, joined)
    assert len(lines) == 7
    assert "Traceback" not in r.stderr
    titles = sorted(a["title"] for a in cli("sources", "--json").json()["articles"])
    assert titles == ["Good", "ok"]
    assert Assistant(settings=settings()).check().to_dict()["ok"]


def test_forget_by_id_date_and_source(cli):
    cli("ingest", SEEDS)
    arts = cli("sources", "--json").json()["articles"]
    one = arts[0]["article_id"]
    assert cli("forget", one, "--json").json()["forgotten"] == [one]
    gone = cli("forget", "--before", "2005-01-01", "--yes", "--json").json()["forgotten"]
    assert len(gone) == 4  # the four 2004 articles
    gone = cli("forget", "--source", "DailyMail.co.uk", "--yes", "--json").json()["forgotten"]
    assert len(gone) == 1
    left = cli("sources", "--json").json()["articles"]
    assert len(left) == 12 - 6 and one not in {a["article_id"] for a in left}
    assert Assistant(settings=settings()).check().to_dict()["ok"]
    r = cli("forget", "--json")
    assert r.code == 2 and "say what to forget" in r.json()["error"]["message"]


def test_show_errors_are_clear(cli):
    cli("ingest", SEEDS / "news" / "2020-08-22-wikinews-navalny-airlifted-to-germany.md")
    r = cli("show", "zzzz", "--json")
    assert r.code == 1 and r.json()["error"]["hint"] == "list ids with: assistant sources"
    assert "no article 'zzzz'" in r.stderr


def test_empty_library_reads_as_empty(cli):
    r = cli("sources")
    assert r.code == 0 and "library is empty" in r.stdout
    assert cli("sources", "--json").json() == {"articles": []}
