"""HTML pages: metadata and main text through trafilatura, bad pages, dates and languages."""

from datetime import datetime, timezone

import pytest

from assistant.dates import parse_date
from assistant.errors import InputError
from assistant.ingest.html import load_html
from assistant.ingest.language import detect, warning_for
from tests.conftest import write

LONG = " ".join(["The council voted on Tuesday to expand the harbour, a project that will take five years and cost 40 million euros."] * 3)


def page(title="Harbour expansion approved", body_paras=None, head_extra="", before="", after=""):
    paras = body_paras or [LONG, "Residents who opposed the plan said they would appeal the decision in the regional court next month."]
    ps = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<!DOCTYPE html><html><head><title>{title} - Coast Herald</title>"
            f'<meta property="og:site_name" content="Coast Herald"><meta name="author" content="Ana Ruiz">'
            f'<meta property="article:published_time" content="2024-05-01T09:30:00Z">{head_extra}</head>'
            f'<body><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a></nav>{before}'
            f"<article><h1>{title}</h1><p class='byline'>By Ana Ruiz</p>{ps}</article>{after}"
            f"<footer>Copyright 2024 Coast Herald. All rights reserved. Privacy policy.</footer></body></html>")


def test_page_metadata_and_main_text():
    art = load_html(page(head_extra='<meta property="article:modified_time" content="2024-05-02T11:00:00Z">'), "p.html", url="https://herald.example/harbour")
    assert art.title == "Harbour expansion approved"
    assert art.source == "Coast Herald" and art.author == "Ana Ruiz"
    assert art.url == "https://herald.example/harbour"
    assert parse_date(art.published).iso.startswith("2024-05-01T09:30")
    assert parse_date(art.updated).iso.startswith("2024-05-02T11:00")
    paras = art.text.split("\n\n")
    assert paras[0].startswith("The council voted") and len(paras) == 2  # title line and byline dropped
    assert "Home" not in art.text and "Copyright" not in art.text and "Privacy" not in art.text


def test_json_ld_dates_and_relative_dates():
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2 hours ago", "dateModified": "2024-05-03"}</script>'
    html = page().replace('<meta property="article:published_time" content="2024-05-01T09:30:00Z">', ld)
    art = load_html(html, "p.html", fetched_at=datetime(2024, 5, 3, 12, 0, tzinfo=timezone.utc))
    assert parse_date(art.published).iso.startswith("2024-05-03T10:00")
    assert art.updated == "2024-05-03"


def test_page_without_article_text_is_a_clear_error():
    empty = "<html><head><title>Login</title></head><body><nav>Home | Sign in</nav><form><input name=u></form></body></html>"
    with pytest.raises(InputError, match="no article text"):
        load_html(empty, "login.html")


def test_malformed_html_does_not_crash():
    broken = "<html><body><div><p>" + LONG + "<p>Unclosed <b>bold <i>and <table><tr><td>cells</div></span></body>"
    art = load_html(broken, "broken.html")
    assert "harbour" in art.text
    for junk in ["<<<>>>", "<html", "\x00\x01 not html at all", "<?xml version='1.0'?><x/>"]:
        try:
            load_html(junk, "junk.html")
        except InputError as exc:
            assert exc.message.startswith("junk.html:")


def test_huge_page_is_refused_by_size():
    huge = page(body_paras=[LONG] * 2) + "<!--" + "x" * (11 * 1024 * 1024) + "-->"
    with pytest.raises(InputError, match="over the 10 MB limit"):
        load_html(huge, "huge.html")


def test_html_files_ingest_with_the_rest(cli, tmp_path):
    write(tmp_path / "in" / "a.html", page())
    write(tmp_path / "in" / "b.htm", "<html><body><nav>Only navigation</nav></body></html>")
    write(tmp_path / "in" / "c.md", "# Other\n\nA normal article. It has two sentences.")
    r = cli("ingest", tmp_path / "in", "--json")
    doc = r.json()
    assert r.code == 1 and doc["added"] == 2 and doc["failed"] == 1
    failed = [o for o in doc["outcomes"] if o["action"] == "failed"]
    assert "b.htm: no article text" in failed[0]["message"]
    arts = {a["title"]: a for a in cli("sources", "--json").json()["articles"]}
    assert arts["Harbour expansion approved"]["source"] == "Coast Herald"
    assert arts["Harbour expansion approved"]["published"].startswith("2024-05-01T09:30")


def test_partial_and_relative_dates():
    base = datetime(2022, 6, 17, 12, 0, tzinfo=timezone.utc)
    assert (parse_date("June 2022").iso, parse_date("June 2022").precision) == ("2022-06", "month")
    assert parse_date("2004-12").precision == "month"
    assert parse_date("2 days ago", relative_base=base).iso == "2022-06-15"
    assert parse_date("yesterday", relative_base=base).iso == "2022-06-16"
    t = parse_date("Updated 10:32 AM EDT, Fri June 17, 2022")
    assert t.precision == "time" and t.iso == "2022-06-17T10:32:00-04:00"
    assert parse_date("Posted: 17 June 2022").iso == "2022-06-17"
    assert parse_date("the 5th") is None and parse_date("not a date") is None


def test_language_detection_and_warning(cli, tmp_path):
    assert detect(LONG)[0] == "en"
    german = ("Der Stadtrat hat am Dienstag den Ausbau des Hafens beschlossen. Das Projekt soll fünf Jahre dauern "
              "und rund vierzig Millionen Euro kosten. Anwohner kündigten an, gegen die Entscheidung zu klagen.")
    code, prob = detect(german)
    assert code == "de" and warning_for("x.md", code, prob).startswith("x.md: looks like German, not English; only English is supported")
    write(tmp_path / "de.md", "# Hafen wird ausgebaut\n\n" + german)
    write(tmp_path / "en.md", "# Harbour\n\n" + LONG)
    r = cli("ingest", tmp_path / "de.md", tmp_path / "en.md")
    assert r.code == 0 and "warning:" in r.stderr and "looks like German, not English" in r.stderr
    assert r.stderr.count("warning:") == 1
    doc = cli("ingest", tmp_path / "de.md", "--json").json()
    assert doc["unchanged"] == 1
    from assistant.library.access import open_library
    from assistant.settings import Settings

    with open_library(Settings.load()) as lib:
        langs = dict(lib.conn.execute("SELECT title, language FROM revisions").fetchall())
    assert langs == {"Hafen wird ausgebaut": "de", "Harbour": "en"}


def _foreign_script_by_loop(text: str):
    """foreign_script() as first written: every character of the sample through the script table."""
    from assistant.ingest import language

    counts, letters = {}, 0
    for ch in text[: language.SAMPLE_CHARS]:
        if not ch.isalpha():
            continue
        letters += 1
        for name, lo, hi in language._SCRIPTS:
            if lo <= ord(ch) <= hi:
                counts[name] = counts.get(name, 0) + 1
                break
    if not counts:
        return None
    name = max(counts.items(), key=lambda kv: kv[1])[0]
    name = "Kana" if "Kana" in counts and name == "Han" else name
    return name if sum(counts.values()) >= language.MIN_SCRIPT_LETTERS and sum(counts.values()) * 2 > letters else None


def test_foreign_script_matches_the_per_character_definition():
    from assistant.ingest.language import foreign_script

    texts = ["", "plain English news", LONG, "Vázquez in Zürich “quoted” — ½ ²", "Путин заявил в среду", "Путин said on Wednesday that the talks failed",
             "東京で地震があった", "中文新闻报道", "خبر عاجل من القاهرة", "שלום עולם", "Αθήνα", "नमस्ते दुनिया", "ข่าวด่วนจากกรุงเทพ", "한국 뉴스",
             "ab" * 1500 + "Путин" * 10, "Путин" * 500 + "ab" * 10, "mixed: Москва and Київ and Αθήνα and 北京 plus English words"]
    found = {foreign_script(t) for t in texts}
    assert {"Cyrillic", "Kana", "Han", "Arabic", "Hebrew", "Greek", "Devanagari", "Thai", "Hangul", None} <= found  # the table is exercised
    for t in texts:
        assert foreign_script(t) == _foreign_script_by_loop(t), t
