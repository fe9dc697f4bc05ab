"""Bad input at scale: property-based tests (hypothesis) over the loaders, the date parser, the FTS5
query escaping and the citation parser.

The contract under test: no input ever produces a traceback. A loader either returns articles
(each with real text, whose sentences and chunks can be built) or rejects the input with an
AssistantError that carries a message and a hint; the date parser returns a date or None; a
search query never makes FTS5 raise; the citation parser never raises and never lets a
key-like group survive into the text shown to the user.

About 6,000 generated inputs in all (the ``max_examples`` below), in well under a minute;
docs/reliability.md has the counts. Set HYPOTHESIS_PROFILE=thorough for 10x as many.
"""

from __future__ import annotations

import io
import json
import math
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.dates import ParsedDate, parse_date, parse_date_bound
from assistant.errors import AssistantError, InputError, UsageError
from assistant.ingest import chunking, inputs, loaders, sentences
from assistant.support.keys import GROUP, MAX_RANGE, escape_brackets, filter_keys, keys_in, parse_citations, strip_keys
from tests.conftest import SEEDS, write

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
settings.register_profile("thorough", deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
SCALE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1


def n(count: int) -> int:
    return count * SCALE


# characters that make text look empty, reorder it on screen, or confuse tokenisers
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
NASTY = INVISIBLE + BIDI + "\u0301\u0336\u3000\u00a0\u2028\u2029\u0085\r\t"
ALPHABET = "abcdefghij ABC Navalny Новичок نافالني 诺瓦乔克 .,;:!?-—'\"“”()[]{}#*_\n0123456789"
nasty_text = st.text(alphabet=st.sampled_from(list(ALPHABET) + list(NASTY)), max_size=400)
any_text = st.one_of(st.text(max_size=300), nasty_text)

_EMBEDDER = None


def embedder():
    global _EMBEDDER
    if _EMBEDDER is None:
        from assistant.embed.hashing import HashEmbedder

        _EMBEDDER = HashEmbedder()
    return _EMBEDDER


def accepted_or_clear(fmt: str, data: str):
    """Run a loader, then what ingest does next (sentences, chunks). Returns the articles, or None if rejected."""
    try:
        arts, errors = loaders.load(fmt, data, "fuzz." + fmt)
    except AssistantError as exc:
        assert isinstance(exc, InputError), exc
        assert exc.message.startswith("fuzz.") and exc.hint, exc.to_dict()
        return None
    for e in errors:
        assert isinstance(e, InputError) and e.message.startswith("fuzz.") and e.hint, e.to_dict()
    for art in arts:
        assert any(ch.isalnum() for ch in art.text)
        assert isinstance(art.title, str) and isinstance(art.published, str)
        sents = sentences.split(art.text)
        for start, end, text in sents:
            assert 0 <= start <= end <= len(art.text)
        if sents:
            parsed = parse_date(art.published)
            chunks = chunking.make_chunks([s[2] for s in sents], art.title, parsed.iso if parsed else "", art.source,
                                          embedder().count_tokens_batch, 128, 1)
            assert chunks
    return arts


# --------------------------------------------------------------------------- reading bytes
@settings(max_examples=n(500))
@given(st.binary(max_size=2000), st.sampled_from([None, ".txt", ".md", ".json", ".jsonl", ".html"]))
def test_random_bytes_are_read_or_refused_with_a_reason(data, suffix):
    from pathlib import Path

    f = inputs.InputFile("-", None, True) if suffix is None else inputs.InputFile("x" + suffix, Path("x" + suffix), True)
    try:
        text = inputs.read_text(inputs.InputFile("-", None, True), 10_000, stdin=io.BytesIO(data))
    except InputError as exc:
        assert exc.message.startswith("-: ") and exc.hint
        return
    fmt = inputs.loader_for(f, text)
    accepted_or_clear(fmt, text)


@settings(max_examples=n(300))
@given(st.text(min_size=1, max_size=300), st.data())
def test_truncated_utf8_is_refused_with_the_byte_offset(text, data):
    raw = ("Title\n\n" + text).encode("utf-8")
    cut = data.draw(st.integers(1, len(raw)))
    piece = raw[:cut]
    try:
        got = inputs.read_text(inputs.InputFile("-", None, True), 10_000, stdin=io.BytesIO(piece))
    except InputError as exc:
        assert ("not valid UTF-8" in exc.message and "iconv" in exc.hint) or "empty" in exc.message or "binary" in exc.message
        return
    assert got == piece.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- loaders
@settings(max_examples=n(400))
@given(st.sampled_from(["txt", "md", "json", "jsonl", "html"]), nasty_text)
def test_zero_width_and_right_to_left_text(fmt, text):
    if fmt in ("json", "jsonl"):
        data = json.dumps({"title": text[:40], "text": text, "date": text[:12], "source": text[-10:]}, ensure_ascii=False)
    elif fmt == "html":
        data = f"<html><head><title>{text[:40]}</title></head><body><article><p>{text}</p></article></body></html>"
    elif fmt == "md":
        data = f"---\ntitle: {json.dumps(text[:40], ensure_ascii=False)}\n---\n\n{text}"
    else:
        data = text
    accepted_or_clear(fmt, data)


def test_invisible_only_text_is_refused():
    for text in ("\u200b\u202e\u2066 \u200d. \u200c!", "\ufeff\u200b", "… — !!!"):
        arts, errors = loaders.load("txt", "Title\n\n" + text, "fuzz.txt")
        assert not arts and errors and "no article text" in errors[0].message


@settings(max_examples=n(40))
@given(st.integers(10_000, 600_000), st.sampled_from(["x", "word ", "Ünïcødé ", ". ", "\u200b", "[1]"]), st.sampled_from(["txt", "md", "jsonl"]))
def test_huge_lines(length, unit, fmt):
    line = (unit * (length // len(unit) + 1))[:length]
    data = json.dumps({"text": line}) if fmt == "jsonl" else "Title\n\n" + line
    arts, errors = loaders.load(fmt, data, "fuzz." + fmt)
    if any(ch.isalnum() for ch in line):  # a line with words is one article that keeps all of them
        assert len(arts) == 1 and not errors, [e.to_dict() for e in errors]
        assert " ".join(line.split()) in " ".join(arts[0].text.split())
    else:  # only dots or zero-width spaces: an article only where there is other text (md keeps "Title"), else a clear refusal
        assert arts or (errors and all(e.message.startswith("fuzz.") and e.hint for e in errors))
    for art in arts:  # splitting a huge line must work too (it is what ingest does next)
        text = art.text[:200_000]
        spans = sentences.split(text)
        assert spans and all(0 <= start <= end <= len(text) for start, end, _ in spans)


@settings(max_examples=n(200))
@given(st.integers(1, 200_000), st.sampled_from(["[", '{"a":', '{"text": "Deep. Down.", "title": ', '[{"text": ']), st.sampled_from(["json", "jsonl"]))
def test_deeply_nested_json(depth, opener, fmt):
    closer = {"[": "]", '{"a":': "}", '{"text": "Deep. Down.", "title": ': "}", '[{"text": ': "}]"}[opener]
    data = opener * depth + "1" + closer * depth
    accepted_or_clear(fmt, data)
    accepted_or_clear(fmt, opener * depth)  # unterminated


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | any_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(
        ["title", "text", "body", "date", "published", "updated", "url", "source", "author", "id", "highlights", "articles", "x"]), children, max_size=6),
    max_leaves=20,
)


@settings(max_examples=n(500))
@given(json_values, st.sampled_from(["json", "jsonl"]))
def test_arbitrary_json_records(value, fmt):
    data = json.dumps(value, ensure_ascii=False)
    if fmt == "jsonl" and isinstance(value, list):
        data = "\n".join(json.dumps(v, ensure_ascii=False) for v in value) or "[]"
    accepted_or_clear(fmt, data)


@settings(max_examples=n(300))
@given(st.text(max_size=200), any_text)
def test_markdown_front_matter(front, body):
    accepted_or_clear("md", "---\n" + front + "\n---\n" + body)
    accepted_or_clear("md", "---\n" + front)  # never closed


@settings(max_examples=n(200))
@given(st.integers(-5, 10_050), st.integers(-1, 14), st.integers(-1, 33), st.sampled_from(["date", "updated", "title", "source"]),
       st.sampled_from(["{y:04d}-{m:02d}-{d:02d}", "{y}-{m}-{d}", "{y:04d}-{m:02d}-{d:02d}T25:61:00Z", "{y:04d}-{m:02d}-{d:02d} 10:00:00 +99:00", "{y:04d}-{m:02d}"]))
def test_front_matter_dates(y, m, d, key, fmt):
    """PyYAML turns date-like values into dates and raises ValueError on 2024-02-30: a clear refusal, not a traceback."""
    accepted_or_clear("md", f"---\n{key}: {fmt.format(y=y, m=m, d=d)}\ntitle: T\n---\n\nThe council met on Monday.\n")


def test_yaml_and_json_bombs_are_refused():
    laughs = "---\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8)) + "title: t\n---\nBody text here."
    # aliases are shared references in PyYAML: accepted or refused, never expanded (a hang would hit the test timeout;
    # how fast this is belongs to benchmarks, not to a test on a busy machine)
    accepted_or_clear("md", laughs)
    accepted_or_clear("md", "---\n" + "[" * 100_000 + "\n---\nBody.")


@settings(max_examples=n(80))
@given(st.lists(st.sampled_from(["<div>", "</div>", "<p>", "</p>", "<b>", "<table><tr><td>", "<script>", "</script>", "<!--", "-->", "<![CDATA[",
                                 "&amp;", "&#0;", "&#x110000;", "&lol;", "<meta property='article:published_time' content='2020-09-0", "<time datetime='",
                                 "<script type='application/ld+json'>{\"datePublished\": [", "Navalny was poisoned.", " text ", "\u202e", "\x00"]), max_size=60))
def test_random_html(parts):
    accepted_or_clear("html", "<html><body>" + "".join(parts))


@pytest.mark.parametrize("name, page", [
    ("deep nesting", "<html><body>" + "<div>" * 50_000 + "Navalny was poisoned with Novichok, German officials said." + "</div>" * 50_000),
    ("entity expansion", "<!DOCTYPE html [<!ENTITY a \"aaaaaaaaaa\">" + "".join(f"<!ENTITY {c} \"" + f"&{p};" * 10 + "\">" for p, c in zip("abcdefg", "bcdefgh")) + "]><html><body><p>&h;</p></body></html>"),
    ("many paragraphs", "<html><body>" + "<p>lol " * 30_000 + "</body></html>"),
    ("unclosed tags", "<html><body>" + "<p><b><i><span>" * 20_000),
])
def test_html_bombs(name, page):
    # accepted or refused with a clear line; how fast belongs to benchmarks (a hang hits the test timeout)
    accepted_or_clear("html", page)


# --------------------------------------------------------------------------- dates
def _check_date(p):
    assert p is None or (isinstance(p, ParsedDate) and p.precision in ("day", "month", "year", "time") and math.isfinite(p.timestamp) and p.iso)


date_like = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"\A[0-9]{1,6}[-/][0-9]{1,3}[-/][0-9]{1,3}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:?[0-9]{2}|Z)?)?\Z", fullmatch=True),
    st.from_regex(r"\A(Mon|Tue|Fri), [0-9]{1,2} (Jan|Feb|Dec) [0-9]{1,5} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\Z", fullmatch=True),
    st.from_regex(r"\A(published|updated|posted)?:? ?[0-9]{1,9} (days?|weeks?|months?|years?|hours?) ago\Z", fullmatch=True),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(["January", "Dec.", "Sept", "Thursday, August", "32", "0"]), st.integers(-10, 100_000)),
    nasty_text.map(lambda t: t[:40]),
)


@settings(max_examples=n(600))
@given(date_like)
def test_date_parser_never_raises(text):
    _check_date(parse_date(text))
    _check_date(parse_date(text, relative_base=__import__("datetime").datetime(2020, 1, 1)))


@settings(max_examples=n(300))
@given(st.one_of(date_like, st.from_regex(r"\A\s*[0-9]{1,25}\s*[dwmy]\s*\Z", fullmatch=True)))
def test_date_bounds_are_dates_or_usage_errors(text):
    try:
        _check_date(parse_date_bound(text))
    except UsageError as exc:
        assert exc.message and exc.hint


# --------------------------------------------------------------------------- FTS5 query escaping
@pytest.fixture(scope="module")
def small_library(tmp_path_factory):
    from assistant import Assistant
    from assistant.library.access import open_library
    from assistant.settings import Settings

    home = tmp_path_factory.mktemp("fuzz-lib")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_EMBEDDER", "hash")
        for var in ("ASSISTANT_CHROMA_URL", "ASSISTANT_MODEL", "ASSISTANT_FAULT"):
            mp.delenv(var, raising=False)
        cfg = Settings.load(home)
        report = Assistant(settings=cfg).ingest([str(SEEDS / "news")])
        assert report.added > 5
        lib = open_library(cfg)
        yield lib
        lib.close()


FTS_SYNTAX = ['"', "'", "*", "^", "-", "+", ":", "(", ")", "{", "}", "NEAR", "NEAR/2", "AND", "OR", "NOT", "text:", "chunks_fts", "rank",
              "\x00", "\\", ";", "--", "/*", "%", "_", "Navalny", "Novichok", "’s", "don't", "ａｎｄ", "ß", "İ", "\u0301", "\u200b", "\u202e"]
fts_text = st.one_of(st.text(max_size=120), st.lists(st.sampled_from(FTS_SYNTAX), max_size=30).map(" ".join),
                     st.lists(st.sampled_from(FTS_SYNTAX), max_size=30).map("".join), nasty_text)


@settings(max_examples=n(800))
@given(fts_text)
def test_fts5_match_never_raises(small_library, text):
    from assistant.retrieve import Filters, lexical

    q = lexical.fts_query(text)
    assert q == "" or re.fullmatch(r'"[^"]*(?:""[^"]*)*"(?: OR "[^"]*(?:""[^"]*)*")*', q), q
    hits = lexical.search(small_library.conn, text, Filters(), 10)  # a real MATCH against the library
    assert all(isinstance(cid, str) and math.isfinite(score) for cid, score in hits)


def test_fts5_operators_in_questions_are_words(small_library):
    from assistant.retrieve import Filters, lexical

    plain = lexical.search(small_library.conn, "Navalny Novichok", Filters(), 5)
    for noisy in ('"Navalny" AND NOT Novichok*', "Navalny NEAR/2 (Novichok", "text:Navalny ^Novichok -"):
        assert lexical.search(small_library.conn, noisy, Filters(), 5)[:1] == plain[:1]


# --------------------------------------------------------------------------- citation parser
CITE_NOISE = ["[1]", "[2]", "[99]", "[[1]]", "[1-999]", "[999-1]", "[1, 2]", "[3;4]", "[1–3]", "[ [1] 2]", "[[1] [2]]", "[0]", "[00001]",
              "[12345]", "[sic]", "[...]", "[a]", "[", "]", "[[", "]]", " ", ". ", "! ", "? ", "\n", "Navalny was poisoned", "with Novichok",
              "“quoted [1].”", "(1)", "1]", "[1", "—", "\u200b", "\u202e"]
cite_text = st.one_of(st.lists(st.sampled_from(CITE_NOISE), max_size=40).map("".join), st.text(alphabet="[]0123456789-–,; .\nab", max_size=200))


@settings(max_examples=n(1000))
@given(cite_text)
def test_citation_parser_on_noise(text):
    keys = keys_in(text)
    assert all(k.isdigit() and str(int(k)) == k for k in keys) and len(keys) == len(set(keys))
    for m in GROUP.finditer(text):  # a range like [1-999] yields at most MAX_RANGE keys
        assert len(keys_in(m.group(0))) <= MAX_RANGE * max(1, m.group(0).count(",") + m.group(0).count(";") + m.group(0).count(" ") + 1)
    segs = parse_citations(text)
    for s in segs:
        assert s.text and not GROUP.search(s.text), s  # nothing key-like is left in what the user reads
        assert 0 <= s.start <= s.end <= len(text)
    allowed = {"1", "2"}
    kept, removed = filter_keys(segs, allowed)
    assert all(set(s.keys) <= allowed for s in kept)
    assert sum(len(s.keys) for s in segs) == sum(len(s.keys) for s in kept) + len(removed)


@settings(max_examples=n(500))
@given(st.one_of(cite_text, any_text))
def test_escaped_source_text_never_parses_as_keys(text):
    escaped = escape_brackets(text)
    assert keys_in(escaped) == []
    assert all(not s.keys for s in parse_citations(escaped))
    assert not GROUP.search(strip_keys(text))


def test_citation_noise_examples():
    assert keys_in("a [1-999] b") == [str(k) for k in range(1, MAX_RANGE + 1)]
    assert keys_in("[[1]] and [99]") == ["1", "99"]
    segs = parse_citations("Navalny was poisoned [ [1] 2]. It was Novichok [[3]].")
    assert [s.text for s in segs] == ["Navalny was poisoned.", "It was Novichok."]


# --------------------------------------------------------------------------- end to end: one ingest of a folder of bad files
def test_ingest_of_a_folder_of_bad_files_reports_each_one(cli, tmp_path):
    d = tmp_path / "bad"
    write(d / "good.md", "---\ntitle: Good\ndate: 2020-09-05\n---\n\nGermany said Navalny was poisoned with Novichok.\n")
    write(d / "random.txt", bytes(range(256)) * 4)
    write(d / "truncated.txt", "Title\n\nCafé au lait".encode("utf-8")[:-1] + "é".encode("utf-8")[:1])
    write(d / "latin1.txt", "Title\n\nCafé au lait.".encode("latin-1"))
    write(d / "deep.json", "[" * 100_000)
    write(d / "deep2.jsonl", '{"text": "One. Two.", "title": ' + "[" * 990 + "]" * 990 + "}\n" + '{"text": "The other line is fine."}\n')
    write(d / "invisible.txt", "Title\n\n\u200b\u202e\u2066 \u200d. \u200c!")
    write(d / "bomb.html", "<html><body>" + "<div>" * 50_000 + "</div>" * 50_000)
    write(d / "frontmatter.md", "---\n" + "[" * 5000 + "\n---\nBody text.")
    write(d / "empty.txt", "   \n\n")
    r = cli("ingest", d, "--json")
    assert r.code == 1, r
    doc = r.json()
    assert doc["added"] == 2  # good.md and the good line of deep2.jsonl
    failed = [o for o in doc["outcomes"] if o["action"] == "failed"]
    assert len(failed) == 9, failed
    for o in failed:
        assert o["message"] and o["hint"] and "internal error" not in o["message"], o
    assert cli("check").code == 0
