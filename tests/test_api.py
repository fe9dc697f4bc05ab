"""The Python API is the CLI's door: every result's to_dict() is the document `--json` prints.

Two libraries hold the seeds, one written by the CLI (in-process, ASSISTANT_HOME) and one by
the API (its own data dir); each command is run on both, the CLI's way and the API's way, and
the documents must be equal (timings excepted) and valid against docs/json-schema.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, SEEDS

Q_OK = "Which nerve agent poisoned Alexei Navalny?"
Q_REFUSED = "What is the airspeed of an unladen swallow?"
SCHEMAS = REPO / "docs" / "json-schema"


def validate(doc, name):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(json.loads((SCHEMAS / name).read_text())).validate(doc)


def timeless(doc):
    """The document without what differs between two libraries built a moment apart."""
    if isinstance(doc, dict):
        return {k: timeless(v) for k, v in doc.items() if k not in ("seconds", "data_dir", "ingested_at")}
    if isinstance(doc, list):
        return [timeless(v) for v in doc]
    return doc


@pytest.fixture
def pair(cli, tmp_path):
    """(cli, api): the CLI over one seeded library, an Assistant over another."""
    from assistant import Assistant

    r = cli("ingest", SEEDS, "--json")
    assert r.code == 0, r
    a = Assistant(tmp_path / "api-home")
    result = a.ingest([SEEDS])
    assert timeless(result.to_dict()) == timeless(r.json())  # same outcomes, same ids
    assert result.ok and result.added == 12 and result.data_dir == str(tmp_path / "api-home")
    validate(result.to_dict(), "ingest.json")
    yield cli, a
    a.close()


def test_ingest_result_counts_and_failures(home, tmp_path):
    from assistant import Assistant, IngestResult

    with Assistant(tmp_path / "h") as a:
        r = a.ingest(seeds=True)
        assert isinstance(r, IngestResult) and r.added == 12 and r.skipped == 1  # SOURCES.md
        assert a.ingest(SEEDS).unchanged == 12  # one path, not a list
        again = a.ingest([SEEDS, tmp_path / "missing.txt"])
        assert again.unchanged == 12 and again.failed == 1 and not again.ok
        failed = [o for o in again.outcomes if o.action == "failed"]
        assert "missing.txt" in failed[0].message and failed[0].to_dict() in again.to_dict()["outcomes"]
        validate(again.to_dict(), "ingest.json")
        with pytest.raises(Exception) as e:
            a.ingest([SEEDS], fields={"nonsense": "x"})
        assert e.value.exit_code == 2 and "nonsense" in e.value.message


def test_sources_show_search(pair):
    from assistant import ArticleDetail, ArticleInfo

    cli, a = pair
    arts = a.sources()
    assert len(arts) == 12 and all(isinstance(x, ArticleInfo) for x in arts)
    assert arts.to_dict() == cli("sources", "--json").json()
    validate(arts.to_dict(), "sources.json")
    assert [x.to_dict() for x in a.sources("Wikinews")] == cli("sources", "--source", "Wikinews", "--json").json()["articles"]

    one = arts[0].article_id
    d = a.show(one)
    assert isinstance(d, ArticleDetail) and d.sentences[0].id == f"{one}@1#0"
    assert d.text[d.sentences[1].start:d.sentences[1].end] == d.sentences[1].text
    assert timeless(d.to_dict()) == timeless(cli("show", one, "--json").json())  # two libraries: ingested a moment apart
    assert a.show(d.sentences[2].id).to_dict() == d.to_dict()
    assert set(d.to_dict()) == set(cli("show", one, "--json").json()) and d.revisions[0].ingested_at

    for args, kw in ((["-k", "3"], {"k": 3}), (["--mode", "lexical", "--source", "Wikinews"], {"mode": "lexical", "source": "Wikinews"}),
                     (["--until", "1990-01-01"], {"until": "1990-01-01"})):
        got = a.search("Puerto Rico governor", **kw)
        assert got.to_dict() == cli("search", "Puerto Rico governor", *args, "--json").json()
        validate(got.to_dict(), "search.json")
    assert a.search("Puerto Rico governor", until="1990-01-01") == []


def test_ask_and_context(pair):
    cli, a = pair
    for q, code in ((Q_OK, 0), (Q_REFUSED, 3)):
        r = cli("ask", q, "--json")
        assert r.code == code
        ans = a.ask(q)
        assert ans.to_dict() == r.json() and ans.refused == (code == 3)
        validate(ans.to_dict(), "ask.json")
    ctx = a.context(Q_OK, k=3)
    assert ctx.to_dict() == cli("ask", Q_OK, "--show-context", "-k", "3", "--json").json()
    assert ctx.messages[-1]["content"].count(Q_OK) == 1 and len(ctx.passages) == 3


def test_check_forget_reindex(pair):
    from assistant import CheckResult, ForgetResult

    cli, a = pair
    c = a.check()
    assert isinstance(c, CheckResult) and c.ok and c.vectors == c.counts["chunks"]
    assert c.to_dict() == cli("check", "--json").json()

    victim = a.sources()[-1].article_id
    f = a.forget(victim)
    assert isinstance(f, ForgetResult) and f.forgotten == [victim]
    assert f.to_dict() == cli("forget", victim, "--json").json()
    outlet = a.sources()[0].source
    assert a.forget(source=outlet).to_dict() == cli("forget", "--source", outlet, "--yes", "--json").json()  # a bulk delete: --yes off a terminal
    assert len(a.sources()) == len(cli("sources", "--json").json()["articles"]) < 11
    assert a.search("Navalny", mode="lexical").to_dict() == cli("search", "Navalny", "--mode", "lexical", "--json").json()

    r = a.reindex()
    assert timeless(r.to_dict()) == timeless(cli("reindex", "--json").json())
    assert r.revisions == len(a.sources()) and r.chunks == a.check().counts["chunks"]
    assert a.search("Navalny", k=2).to_dict() == cli("search", "Navalny", "-k", "2", "--json").json()  # the vectors, rebuilt
    assert a.check().to_dict() == cli("check", "--json").json()


def test_errors_are_the_cli_errors(pair):
    from assistant import AssistantError

    cli, a = pair
    for call, args in ((lambda: a.show("ffffffffffff"), ["show", "ffffffffffff"]),
                       (lambda: a.forget(), ["forget"]),
                       (lambda: a.update(), ["update"]),
                       (lambda: a.ask("  "), ["ask", "  "])):
        r = cli(*args, "--json")
        with pytest.raises(AssistantError) as e:
            call()
        assert {"error": e.value.to_dict()} == r.json() and e.value.exit_code == r.code


def test_import_stays_light_and_exports_resolve():
    import subprocess
    import sys

    code = ("import sys, assistant; heavy = [m for m in ('chromadb', 'numpy', 'onnxruntime', 'openai', 'assistant.api') if m in sys.modules];"
            "print(heavy); [getattr(assistant, n) for n in assistant.__all__]")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_briefing_is_the_cli_brief(pair):
    from assistant import Briefing

    cli, a = pair
    b = a.brief("Navalny", length=3)
    assert isinstance(b, Briefing) and b.topic == "Navalny" and b.sentences and not b.empty
    assert b.to_dict() == cli("brief", "Navalny", "--length", "3", "--json").json()
    validate(b.to_dict(), "brief.json")
    everything = a.brief()
    assert everything.topic is None and everything.to_dict() == cli("brief", "--json").json()

    dry = a.brief("Navalny", dry_run=True)
    assert dry.dry_run and dry.to_dict() == cli("brief", "Navalny", "--dry-run", "--json").json()

    r = cli("brief", "Navalny", "--since", "2030-01-01", "--json")
    nothing = a.brief("Navalny", since="2030-01-01")
    assert r.code == 3 and nothing.empty and nothing.refused and nothing.engine == "extractive"
    assert nothing.to_dict() == r.json()  # the document the CLI prints with exit 3
    validate(nothing.to_dict(), "error.json")
    assert nothing.error().exit_code == 3


def test_chat_session(pair, tmp_path):
    from assistant import Assistant, Briefing, Chat

    cli, a = pair
    chat = a.chat()
    assert isinstance(chat, Chat)
    first = chat.ask("Who is Jim Mattis?")
    assert not first.refused and first.citations
    follow = chat.ask("How old is he?")
    assert follow.question == "How old is Jim Mattis?" == chat.turns[-1].standalone  # rewritten before searching
    assert ("note", "(searching for: How old is Jim Mattis?)") in chat.transcript
    b = chat.brief("Navalny")
    assert isinstance(b, Briefing) and b.sentences and chat.turns[-1].kind == "brief"
    chat.command("/since 2030-01-01")
    assert chat.scope["since"] == "2030-01-01" and chat.brief("Navalny").empty
    with Assistant(tmp_path / "api-home") as again:
        resumed = again.chat(resume="latest")
        assert resumed.id == chat.id and len(resumed.turns) == 3 and resumed.scope["since"] == "2030-01-01"


def test_the_cli_options_are_api_arguments(pair):
    """forget --dry-run, sources --since/--sort/--limit and check --discard-pending are API
    arguments the CLI passes on: the same documents, and the dry run removes nothing."""
    from assistant.errors import UsageError

    cli, a = pair
    before = a.sources()
    outlet = before[0].source
    dry = a.forget(source=outlet, dry_run=True)
    assert dry.dry_run and dry.forgotten == [] and dry.planned
    assert {p["article_id"] for p in dry.planned} == {x.article_id for x in before if x.source == outlet}
    assert dry.to_dict() == cli("forget", "--source", outlet, "--dry-run", "--json").json()
    assert a.sources() == before  # nothing forgotten

    by_title = a.sources(since="2019-01-01", sort="title")
    titles = [(x.title or "").casefold() for x in by_title]
    assert titles == sorted(titles) and 0 < len(by_title) < by_title.total == len(before)
    assert all(x.published_ts >= 1546300800 for x in by_title)  # 2019-01-01 UTC
    assert sum(by_title.story_sizes.values()) == len(before)
    doc = cli("sources", "--since", "2019-01-01", "--sort", "title", "--limit", "3", "--json").json()
    assert doc == {"articles": [x.to_dict() for x in by_title[:3]]}
    with pytest.raises(UsageError):
        a.sources(sort="size")

    c = a.check(discard_pending=True)
    assert c.discarded == 0 and c.ok
    assert c.to_dict() == cli("check", "--discard-pending", "--json").json()
    assert "discarded" not in a.check().to_dict()


def test_an_empty_briefing_is_a_result_in_every_form(pair):
    """No NothingToBrief escapes brief: plain, with the callback or streamed, nothing to brief is an
    ``empty`` Briefing, and the CLI prints its error document with exit 3."""
    from assistant.errors import UsageError

    cli, a = pair
    seen = []
    nothing = a.brief("Navalny", since="2030-01-01", on_sentence=lambda s, c: seen.append(s))
    assert nothing.empty and seen == [] and nothing.error().exit_code == 3
    assert a.brief("Navalny", since="2030-01-01", stream=True).briefing.empty
    with pytest.raises(UsageError):
        a.brief("Navalny", stream=True, on_sentence=print)
    points = a.brief("Navalny", on_sentence=lambda s, c: seen.append(s))
    assert not points.empty and seen == points.sentences
    r = cli("brief", "Navalny", "--since", "2030-01-01", "--json")
    assert r.code == 3 and r.json() == nothing.to_dict()


def _open_files_under(root) -> list[str]:
    import os

    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(root)):
            found.append(target)
    return found


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self/fd"), reason="needs /proc to list open files")
def test_closing_releases_the_library_and_vector_files(home, tmp_path):
    """A script that opens and closes Assistants in a loop must not run out of file descriptors:
    close() lets go of the SQLite library and the embedded Chroma store (its SQLite file, index segments)."""
    from assistant import Assistant

    root = tmp_path / "closing"
    for _ in range(3):
        with Assistant(root) as a:
            a.ingest([SEEDS / "news"])
            hits = a.search("Navalny", k=3)
            assert hits
            assert _open_files_under(root), "the work itself keeps files open"
        assert _open_files_under(root) == []
