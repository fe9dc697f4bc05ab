"""Time words as a recency preference (assistant/retrieve/recency.py): stripped from the query,
anchored at --as-of or the newest date in scope (never the clock), the latest report of a story
before that date preferred."""

from dataclasses import dataclass

from assistant.retrieve import recency
from tests.conftest import write


def test_time_words_are_stripped_and_give_a_window():
    tw = recency.split("Which company announced layoffs this week?")
    assert tw.query == "Which company announced layoffs?" and tw.window_days == 7 and tw.words == ["this week"]
    assert recency.split("Who won on Monday?").window_days == 7
    assert recency.split("Which volcano erupted recently?").query == "Which volcano erupted?"
    assert recency.split("What is the latest on the Stromboli volcano?").window_days == 14
    assert recency.split("Who resigned yesterday?").window_days == 2
    plain = recency.split("Who is the governor of Puerto Rico?")
    assert plain.window_days is None and plain.query == "Who is the governor of Puerto Rico?"
    # "new" names a thing ("the new prime minister"), it is not a time word
    assert recency.split("Who is the new UK prime minister?").window_days is None


@dataclass
class P:
    published: str | None
    story: str | None = None


def test_prefer_recent_and_the_latest_report_of_a_story():
    anchor = recency.published_ts("2022-10-13")
    old, new, undated = P("2017-05-01"), P("2022-10-10"), P(None)
    assert recency.prefer([old, undated, new], anchor, 7)[0] is new
    assert recency.prefer([old, new], None, 7) == [old, new]  # no anchor: unchanged
    assert recency.prefer([old, new], anchor, None) == [old, new]  # no time words: unchanged
    a, b, c = P("2022-10-01", "s"), P("2022-10-11", "s"), P("2022-10-20", "s")  # c is after the anchor
    out = recency.prefer([a, b, c], anchor, 31)
    assert out[0] is b and out.index(c) > out.index(b)
    assert recency.weight(anchor - 3 * 86400, anchor, 7) == 1.0 and recency.weight(anchor - 14 * 86400, anchor, 7) == 0.5


def _md(tmp_path, name, date, body):
    return write(tmp_path / f"{name}.md", f"---\ntitle: {name}\ndate: {date}\nsource: Outlet {name}\n---\n\n{body}\n")


def test_this_week_prefers_the_latest_eruption_anchored_at_the_library_not_the_clock(cli, tmp_path):
    cli("ingest",
        _md(tmp_path, "etna", "2017-03-16", "The volcano Mount Etna erupted in Sicily, injuring ten people near the crater, officials said."),
        _md(tmp_path, "stromboli", "2022-10-10", "The volcano Stromboli erupted on the island of Stromboli, sending lava into the sea, officials said."))
    for extra in ([], ["--as-of", "2022-10-13"]):
        r = cli("ask", "Which volcano erupted this week?", "--json", *extra)
        doc = r.json()
        assert "refused" in doc, r
        assert not doc["refused"], doc
        assert doc["citations"][0]["published"].startswith("2022-10-10"), doc
    # as of a date before the 2022 report, "this week" means March 2017
    doc = cli("ask", "Which volcano erupted this week?", "--json", "--as-of", "2017-03-20").json()
    assert doc["citations"][0]["published"].startswith("2017-03-16"), doc
