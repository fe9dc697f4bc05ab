"""What a new user trips over (issue 14): broken pipes, libraries that do not exist, bulk deletes,
outlet names, ambiguous dates, over-long questions, URL schemes, reading output, help and version."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, SEEDS, default_sigint, run_subprocess


@pytest.fixture(scope="module")
def seeded_home(tmp_path_factory):
    h = tmp_path_factory.mktemp("ux") / "home"
    r = run_subprocess("ingest", SEEDS, env={"ASSISTANT_HOME": str(h), "ASSISTANT_EMBEDDER": "hash"})
    assert r.code == 0, r
    return h


@pytest.fixture
def lib(seeded_home, home):
    """A copy of the seeded library at ASSISTANT_HOME (the conftest home fixture) for this test."""
    shutil.copytree(seeded_home, home)
    return home


def _closed_reader(*args):
    """Run the CLI with its stdout a pipe whose reading end is already closed (`| head` that has exited)."""
    p = subprocess.Popen([sys.executable, "-m", "assistant.cli", *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         cwd=REPO, env=dict(os.environ))
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=120)
    return p.returncode, err


# ------------------------------------------------------------------ item 5: broken pipes
@pytest.mark.parametrize("args", [("sources",), ("search", "Navalny", "-k", "20"), ("sources", "--json"),
                                  ("ask", "Who was poisoned?", "--engine", "extractive")])
def test_broken_pipe_exits_quietly(lib, args):
    code, err = _closed_reader(*args)
    assert "internal error" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err
    assert err.strip() in ("", "(extractive engine)") or err.startswith("(extractive engine"), err
    assert code == 141, (code, err)


# ------------------------------------------------------------------ item 7: a chat that fails exits non-zero
def test_piped_chat_that_fails_exits_non_zero(lib):
    from tests.conftest import free_port

    down = {"ASSISTANT_MODEL": "m", "ASSISTANT_BASE_URL": f"http://127.0.0.1:{free_port()}/v1", "ASSISTANT_LLM_RETRIES": "0",
            "OPENAI_API_KEY": "sk-test-0000"}
    r = run_subprocess("chat", input="Who was poisoned?\n", env=down)
    assert "error:" in r.stderr and "Traceback" not in r.stderr, r
    assert r.code == 1, r
    ok = run_subprocess("chat", "--engine", "extractive", input="Who was poisoned?\n/sources\n")
    assert ok.code == 0 and "error" not in ok.stderr, ok


# ------------------------------------------------------------------ item 8: reading never creates a library
@pytest.mark.parametrize("args", [("ask", "Who was poisoned?"), ("search", "Navalny"), ("brief",), ("chat",)])
def test_reading_a_library_that_does_not_exist(tmp_path, args):
    typo = tmp_path / "typo"
    r = run_subprocess("--data-dir", typo, *args, env={"ASSISTANT_EMBEDDER": "hash"}, input="Who was poisoned?\n")
    assert r.code == 1, r
    assert r.stderr.startswith(f"error: no library at {typo}: ingest articles first"), r
    assert not typo.exists()


def test_sources_and_check_on_a_missing_library_create_nothing(tmp_path):
    typo = tmp_path / "typo"
    r = run_subprocess("--data-dir", typo, "sources", env={"ASSISTANT_EMBEDDER": "hash"})
    assert r.code == 0 and "library is empty" in r.stdout, r
    r = run_subprocess("--data-dir", typo, "check", "--json", env={"ASSISTANT_EMBEDDER": "hash"})
    assert r.code == 0 and r.json()["counts"]["articles"] == 0, r
    assert not typo.exists()


# ------------------------------------------------------------------ item 9: URL schemes other than http(s)
def test_unsupported_url_scheme(home, cli):
    r = cli("ingest", "file:///etc/hostname", "ftp://example.org/news.txt", "--json")
    assert r.code == 1
    msgs = [o["message"] for o in r.json()["outcomes"]]
    assert msgs == ["file:///etc/hostname: unsupported URL scheme file://", "ftp://example.org/news.txt: unsupported URL scheme ftp://"]
    assert "/etc/hostname" in r.json()["outcomes"][0]["hint"]
    assert not (home / "library.sqlite3").exists()


# ------------------------------------------------------------------ item 10: one question limit everywhere
def test_one_question_limit_for_ask_batch_chat_and_api(lib, cli):
    from assistant import Assistant
    from assistant.errors import UsageError
    from assistant.limits import MAX_QUESTION_CHARS

    long_q = "Who was poisoned " + "and why " * (MAX_QUESTION_CHARS // 8) + "?"
    ok_q = "Who was poisoned " + "x" * (MAX_QUESTION_CHARS - 30) + "?"
    assert len(long_q) > MAX_QUESTION_CHARS >= len(ok_q)
    r = cli("ask", long_q, "--engine", "extractive", "--json")
    assert r.code == 2 and "questions are limited to 4,000" in r.json()["error"]["message"], r
    assert cli("ask", ok_q, "--engine", "extractive").code in (0, 3)
    r = cli("ask", "--batch", "-", input=long_q + "\n")
    assert r.code == 1 and "questions are limited to 4,000" in r.stdout
    r = run_subprocess("chat", "--engine", "extractive", input=long_q + "\n")
    assert r.code == 1 and "questions are limited to 4,000" in r.stderr
    with Assistant() as a, pytest.raises(UsageError, match="limited to 4,000"):
        a.ask(long_q, engine="extractive")


# ------------------------------------------------------------------ item 11: ambiguous numeric dates
def test_ambiguous_numeric_dates_are_refused_with_an_iso_hint(lib, cli):
    from assistant.dates import parse_date_bound

    for value in ("10/05/2022", "05/10/2022", "10.05.22", "1-2-2020"):
        r = cli("search", "Navalny", "--since", value, "--json")
        assert r.code == 2, (value, r)
        err = r.json()["error"]
        assert "ambiguous" in err["message"] and "YYYY-MM-DD" in err["hint"], err
    assert "2022-05-10 or 2022-10-05" in cli("search", "x", "--since", "10/05/2022", "--json").json()["error"]["hint"]
    assert parse_date_bound("25/10/2022").iso == "2022-10-25"
    assert parse_date_bound("10/25/2022").iso == "2022-10-25"
    assert parse_date_bound("05/05/2022").iso == "2022-05-05"
    assert parse_date_bound("2022-10-05").iso == "2022-10-05"
    r = cli("search", "Navalny", "--since", "31/02/2022", "--json")
    assert r.code == 2 and "cannot read the date" in r.json()["error"]["message"]
    r = run_subprocess("chat", "--engine", "extractive", input="/since 10/05/2022\n")
    assert r.code == 1 and "ambiguous" in r.stderr


# ------------------------------------------------------------------ item 12: "[1- 2]" in model output
@pytest.mark.parametrize("text,keys", [("Navalny was poisoned [1- 2].", ["1", "2"]), ("Navalny was poisoned [1 - 3].", ["1", "2", "3"]),
                                       ("He was [1 -2, 4] airlifted.", ["1", "2", "4"]), ("A [2 \u2013 3; 5 6] b.", ["2", "3", "5", "6"])])
def test_spaced_citation_ranges_parse(text, keys):
    from assistant.support.keys import keys_in, parse_citations

    assert keys_in(text) == keys
    segs = parse_citations(text)
    assert len(segs) == 1 and segs[0].keys == keys and "[" not in segs[0].text


# ------------------------------------------------------------------ item 3: bulk forget asks, --dry-run, --yes
def _ids(cli, *args):
    return {a["article_id"] for a in cli("sources", "--json", *args).json()["articles"]}


def test_bulk_forget_off_a_terminal_needs_yes_and_dry_run_forgets_nothing(lib, cli):
    before = _ids(cli)
    r = cli("forget", "--before", "yesterday", "--json")
    assert r.code == 2 and r.json()["error"]["message"] == "this would forget 11 article(s); add --yes to confirm"  # all but the undated one
    assert "--dry-run" in r.json()["error"]["hint"]
    r = cli("forget", "--source", "wikinews")
    assert r.code == 2 and "add --yes" in r.stderr
    r = cli("forget", "--before", "2005-01-01", "--dry-run")
    assert r.code == 0 and "would forget 4 article(s) (dry run: nothing was forgotten)" in r.stdout
    assert r.stdout.count("2004-12") == 4
    doc = cli("forget", "--before", "2005-01-01", "--dry-run", "--json").json()
    assert doc["forgotten"] == [] and len(doc["would_forget"]) == 4
    assert _ids(cli) == before
    one = sorted(before)[0]
    assert cli("forget", one, "--json").json()["forgotten"] == [one]  # ids name what goes: no question asked
    gone = cli("forget", "--before", "2005-01-01", "--yes", "--json").json()["forgotten"]
    assert len(gone) == 4 - (one in doc["would_forget"]) and _ids(cli) == before - set(gone) - {one}


def test_forget_help_lists_the_date_forms(cli):
    out = " ".join(cli("forget", "--help").stdout.split())
    for form in ("YYYY-MM-DD", "7d", "yesterday", "--dry-run", "--yes"):
        assert form in out.replace("│", " ").replace("  ", " "), form


def _spawn(*args, home):
    pexpect = pytest.importorskip("pexpect")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({"ASSISTANT_HOME": str(home), "ASSISTANT_EMBEDDER": "hash", "NO_COLOR": "1", "TERM": "xterm"})
    # use_poll: late in a full run this process has over 1,024 descriptors open, and select() cannot watch those
    return pexpect.spawn(sys.executable, ["-m", "assistant.cli", *args], env=env, cwd=str(REPO), encoding="utf-8", timeout=60,
                         dimensions=(40, 200), use_poll=True, preexec_fn=default_sigint)


def test_bulk_forget_asks_on_a_terminal(lib, cli):
    c = _spawn("forget", "--before", "2005-01-01", home=lib)
    c.expect(r"Forget these 4 article\(s\)\? \[y/N\]")
    assert c.before.count("2004-12") == 4
    c.sendline("n")
    c.expect("nothing forgotten")
    c.expect(pytest.importorskip("pexpect").EOF)
    c.close()
    assert c.exitstatus == 1 and len(_ids(cli)) == 12
    c = _spawn("forget", "--source", "Wikinews", home=lib)
    c.expect(r"Forget these 10 article\(s\)\? \[y/N\]")
    c.sendline("y")
    c.expect(r"forgot 10 article\(s\)")
    c.expect(pytest.importorskip("pexpect").EOF)
    c.close()
    assert c.exitstatus == 0 and len(_ids(cli)) == 2


# ------------------------------------------------------------------ item 4: one outlet rule everywhere
def test_one_outlet_rule_for_sources_search_brief_and_forget(lib, cli):
    wikinews = _ids(cli, "--source", "Wikinews")
    assert len(wikinews) == 10
    for name in ("wikinews (english)", "en.wikinews.org", "EN.WIKINEWS.ORG", "https://en.wikinews.org/wiki/x"):
        assert _ids(cli, "--source", name) == wikinews, name
    for name in ("defendamerica", "www.defendamerica.mil", "defendamerica.mil", "DefendAmerica"):
        assert len(_ids(cli, "--source", name)) == 1, name
    assert _ids(cli, "--source", "dailymail") == _ids(cli, "--source", "DailyMail.co.uk") != set()
    assert _ids(cli, "--source", "wiki") == set()  # never a substring
    hits = cli("search", "Navalny asteroid Mattis", "-k", "20", "--source", "en.wikinews.org", "--json").json()["results"]
    assert hits and {h["article_id"] for h in hits} <= wikinews
    assert cli("search", "Navalny", "--source", "wiki", "--json").json()["results"] == []
    r = cli("brief", "--source", "dailymail", "--engine", "extractive", "--json")
    assert r.code == 0 and {c["article_id"] for c in r.json()["citations"]} <= _ids(cli, "--source", "dailymail")
    r = cli("forget", "--source", "wiki", "--yes", "--json")
    assert r.code == 1 and r.json()["error"]["message"] == "no outlet matches 'wiki': nothing forgotten"
    assert "Wikinews (English)" in r.json()["error"]["hint"]
    gone = cli("forget", "--source", "defendamerica.mil", "--yes", "--json").json()["forgotten"]
    assert len(gone) == 1 and len(_ids(cli)) == 11


def test_outlet_forms():
    from assistant.outlets import matches

    assert matches("usatoday", "www.usatoday.com", None) and matches("USATODAY.com", "USA TODAY", "https://www.usatoday.com/story/x")
    assert matches("bbc", "BBC News", "https://www.bbc.co.uk/news/x") and matches("bbc.co.uk", None, "https://bbc.co.uk/")
    assert not matches("usa", "www.usatoday.com", None) and not matches("", "x", None) and not matches("news", "BBC News", None)


# ------------------------------------------------------------------ item 15: sources fits the terminal; --limit, --sort, --since
def test_sources_on_an_80_column_terminal_is_one_line_per_article(lib):
    pexpect = pytest.importorskip("pexpect")
    c = _spawn("sources", home=lib)
    c.setwinsize(24, 80)
    c.expect(pexpect.EOF)
    lines = [ln for ln in c.before.replace("\r", "").split("\n") if ln]
    assert lines[-1] == "12 article(s)", lines
    assert len(lines) == 1 + 12 + 1, lines  # header, one line per article, the count
    assert all(len(ln) <= 80 for ln in lines), max(lines, key=len)
    assert any("…" in ln for ln in lines)
    assert "T09:" not in c.before and "+00:00" not in c.before


def test_sources_on_a_pipe_has_whole_lines_and_days(lib, cli, tmp_path):
    from assistant.render import clip, day, table

    r = run_subprocess("sources")
    lines = r.stdout.splitlines()
    assert len(lines) == 14 and "…" not in r.stdout
    assert "Puerto Rico Supreme Court removes Governor Pierluisi; Wanda Vázquez becomes governor" in r.stdout
    assert day("2022-10-25T09:00:00+00:00") == "2022-10-25" and day(None) == "undated"
    assert clip("a long title here", 8) == "a long …" and clip("東京東京東京", 5) == "東京…"
    assert table(["id", "title"], [["1", "x" * 50]], 20, shrink=(1,))[1] == "1   " + "x" * 15 + "…"


def test_sources_limit_sort_and_since(lib, cli):
    arts = cli("sources", "--json").json()["articles"]
    newest = cli("sources", "--json", "--limit", "2").json()["articles"]
    assert [a["article_id"] for a in newest] == [a["article_id"] for a in arts[:2]]
    titles = [a["title"] for a in cli("sources", "--json", "--sort", "title").json()["articles"]]
    assert titles == sorted(titles, key=str.casefold)
    outlets = [a["source"] for a in cli("sources", "--json", "--sort", "outlet").json()["articles"]]
    assert outlets == sorted(outlets, key=str.casefold)
    recent = cli("sources", "--json", "--since", "2020-01-01").json()["articles"]
    assert len(recent) == 2 and all(a["published"] >= "2020" for a in recent)
    r = cli("sources", "--since", "2020-01-01", "--limit", "1")
    assert r.stdout.splitlines()[-1] == "1 article(s) of 2 (--limit 1); 10 before --since 2020-01-01 or undated"
    assert cli("sources", "--sort", "size").code == 2


def test_chat_sources_is_limited(lib):
    r = run_subprocess("chat", "--engine", "extractive", input="/sources 3\n/sources\n/sources all\n/sources x\n")
    out = r.stdout.splitlines()
    assert "3 of 12 article(s) in scope (/sources all lists every one)" in out
    assert "12 article(s) in scope" in out
    assert "error: /sources takes a number or all, not 'x'" in r.stderr


# ------------------------------------------------------------------ item 17: help without value types, --version, pinned CLI stack
def _all_help(cli):
    from assistant.cli import app

    out = [cli("--help").stdout]
    for cmd in app.registered_commands:
        out.append(cli(cmd.name or cmd.callback.__name__, "--help").stdout)
    for group in app.registered_groups:
        for cmd in group.typer_instance.registered_commands:
            out.append(cli(group.name, cmd.name or cmd.callback.__name__, "--help").stdout)
    return out


def test_help_shows_flags_without_value_types(home, cli):
    import re

    pages = _all_help(cli)
    assert len(pages) > 12
    for page in pages:
        assert not re.search(r"<(bool|str|int|float|path|list\[[a-z]+\])>", page), page
    search = next(p for p in pages if "--per-article" in p)
    assert re.search(r"--json\s+Print one JSON", search) and re.search(r"--since\s+DATE", search) and re.search(r"--source\s+NAME", search)


def test_version_option():
    from assistant import __version__

    r = run_subprocess("--version")
    assert r.code == 0 and r.stdout.strip().startswith("assistant (news-assistant) ") and r.stdout.strip().endswith(__version__), r


def test_cli_stack_is_pinned_to_a_tested_series():
    import re
    import tomllib
    from importlib.metadata import version

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for name in ("typer", "rich"):
        spec = next(d for d in deps if re.match(name + r"\b", d))
        lo = re.search(r">=([\d.]+)", spec).group(1)
        hi = re.search(r"<([\d.]+)", spec).group(1)  # an upper bound: a new series is tried before it is allowed
        installed = tuple(int(x) for x in version(name).split(".")[:2])
        assert tuple(int(x) for x in lo.split(".")[:2]) <= installed < tuple(int(x) for x in hi.split(".")[:2]), (spec, installed)


# ------------------------------------------------------------------ item 18: only English, said at ingest and at ask
ARABIC = ("أعلنت الحكومة اليوم عن خطة جديدة لدعم الاقتصاد الوطني وتوفير فرص عمل للشباب في جميع أنحاء البلاد، "
          "وقال الوزير إن الخطة ستبدأ الشهر المقبل وستشمل جميع المحافظات.")
HEBREW = "הממשלה הודיעה היום על תוכנית חדשה לתמיכה בכלכלה הלאומית ויצירת מקומות עבודה לצעירים בכל רחבי הארץ."
CHINESE = "政府今天宣布了一项支持国民经济和为全国青年创造就业机会的新计划，部长表示该计划将于下个月开始实施。"


def test_non_english_articles_are_named_at_ingest(home, cli, tmp_path):
    from tests.conftest import write

    for name, text in (("ar", ARABIC), ("he", HEBREW), ("zh", CHINESE)):
        write(tmp_path / "in" / f"{name}.txt", f"Title\n\n{text}\n")
    r = run_subprocess("ingest", tmp_path / "in")
    assert r.code == 0, r
    for lang in ("Arabic", "Hebrew", "Chinese"):
        assert f"looks like {lang}, not English; only English is supported" in r.stderr, (lang, r.stderr)


def test_non_english_question_is_named_at_ask(lib, cli):
    from assistant.ingest.language import question_warning

    r = cli("ask", "מי הורעל בנוביצ'וק?", "--engine", "extractive")
    assert "note: the question looks like Hebrew, not English; only English is supported" in r.stderr, r
    doc = cli("ask", "ما هي خطة الحكومة؟", "--engine", "extractive", "--json").json()
    assert any("Arabic, not English" in n for n in doc["notes"])
    r = cli("ask", "Wer wurde im August mit Nowitschok vergiftet und nach Deutschland geflogen?", "--engine", "extractive")
    assert "looks like German, not English" in r.stderr, r
    assert question_warning("Who was poisoned with Novichok in August 2020 and flown to Germany?") is None
    assert question_warning("Navalny Novichok Berlin Charité") is None
    r = run_subprocess("chat", "--engine", "extractive", input="ما هي خطة الحكومة؟\n")
    assert "looks like Arabic, not English" in r.stdout


# ------------------------------------------------------------------ item 19: a clean Quickstart
def test_ingest_seeds_is_quiet_about_our_own_files_and_leaves_no_pid(home):
    r = run_subprocess("ingest", "--seeds")
    assert r.code == 0, r
    assert "SOURCES.md" not in r.stderr and "skipped" not in r.stderr, r.stderr
    assert "12 added" in r.stdout
    assert not (home / "write.pid").exists()
    one = json.loads(run_subprocess("sources", "--json").stdout)["articles"][0]["article_id"]
    assert run_subprocess("forget", one).code == 0 and not (home / "write.pid").exists()
    assert run_subprocess("reindex").code == 0 and not (home / "write.pid").exists()


def test_quickstart_venvs_upgrade_pip():
    """pip 23 (what python3 -m venv brings on Python 3.11) does not normalise extra names (PEP 685), so
    justext's lxml[html_clean] against lxml 6's html-clean extra printed a warning in both Quickstart
    commands; a current pip does not. The Quickstart and CI create their venvs with --upgrade-deps."""
    import re

    readme = (REPO / "README.md").read_text()
    quick = readme[readme.index("## Quickstart"):readme.index("## Commands")]
    venvs = re.findall(r"python3 -m venv[^&\n]*", quick)
    assert len(venvs) == 2 and all("--upgrade-deps" in v for v in venvs), venvs
    ci = (REPO / ".ci" / "run").read_text()
    assert all("--upgrade-deps" in v for v in re.findall(r"python3 -m venv[^&\n]*", ci))


# ------------------------------------------------------------------ item 6: a read-only library
def _read_only_runner(tmp_path):
    """Run the CLI with DIR truly read-only: a read-only bind mount in a private mount namespace when we
    are root (root ignores permission bits), else the permission bits. None when neither can be had."""
    if os.geteuid() != 0:
        def run(d, *args, env=None):
            for p in [d, *d.rglob("*")]:
                p.chmod(p.stat().st_mode & ~0o222)
            try:
                return run_subprocess("--data-dir", d, *args, env=env)
            finally:
                for p in [d, *d.rglob("*")]:
                    p.chmod(p.stat().st_mode | 0o200)
        return run
    if not shutil.which("unshare"):
        return None
    probe = tmp_path / "probe"
    probe.mkdir()
    ok = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {probe} {probe} && mount -o remount,ro,bind {probe} {probe} && ! touch {probe}/x"],
                        capture_output=True)
    if ok.returncode != 0:
        return None

    def run(d, *args, env=None):
        import shlex

        e = dict(os.environ)
        e.update(env or {})
        cmd = " ".join(shlex.quote(str(a)) for a in [sys.executable, "-m", "assistant.cli", "--data-dir", d, *args])
        p = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {d} {d} && mount -o remount,ro,bind {d} {d} && exec {cmd}"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, cwd=REPO, env=e, timeout=180)
        from tests.conftest import Result

        return Result(p.returncode, p.stdout, p.stderr)
    return run


def test_readers_work_on_a_read_only_library_and_writers_say_where(lib, tmp_path):
    run = _read_only_runner(tmp_path)
    if run is None:
        pytest.skip("no way to make a read-only directory here")
    (lib / "write.pid").unlink(missing_ok=True)
    r = run(lib, "sources")
    assert r.code == 0 and r.stdout.splitlines()[-1] == "12 article(s)", r
    r = run(lib, "search", "Navalny poisoned Novichok", "--json")
    assert r.code == 0 and r.json()["results"], r
    r = run(lib, "ask", "Who was poisoned with Novichok?", "--engine", "extractive", "--json")
    assert r.code == 0 and r.json()["citations"], r
    r = run(lib, "check")
    assert r.code == 0 and "ok" in r.stdout.splitlines() and "note: read-only library" in r.stdout, r
    r = run(lib, "chat", "--engine", "extractive")
    assert r.code == 0, r
    for r in (run(lib, "sources"), run(lib, "check")):
        assert "not a usable library" not in r.stderr and "move this file" not in r.stderr
    r = run(lib, "ingest", SEEDS / "news")
    assert r.code == 1 and r.stderr.startswith(f"error: cannot write to {lib}: Read-only file system") and "internal error" not in r.stderr, r
    r = run(lib, "forget", "--before", "2005-01-01", "--yes")
    assert r.code == 1 and "cannot write to" in r.stderr, r


# ------------------------------------------------------------------ item 1: interrupted work is shown, and can be dropped
def test_interrupted_ingest_is_resumed_with_a_note_or_discarded(home, cli, tmp_path):
    from tests.conftest import write

    big = write(tmp_path / "big.txt", "Big story\n\n" + "\n\n".join(f"Paragraph {i} says the council met again on day {i}." for i in range(400)))
    killed = run_subprocess("ingest", big, env={"ASSISTANT_FAULT": "after_pending"})
    assert killed.code == -9, killed
    r = run_subprocess("check")
    assert r.code == 1 and "assistant check --discard-pending" in r.stdout, r
    # the next writer says what it completes first (never silently); a pipe gets the note on stderr
    small = write(tmp_path / "small.txt", "Small story\n\nThe mayor opened the new library on Monday, the council said.\n")
    r = run_subprocess("ingest", small)
    assert r.code == 0 and r.stderr.startswith("note: completing 1 revision(s) (") and "left unfinished by an interrupted run" in r.stderr, r
    assert "completed 1 revision(s) left by an interrupted run" in r.stderr
    assert {a["title"] for a in cli("sources", "--json").json()["articles"]} == {"Big story", "Small story"}
    # or dropped: check --discard-pending, and the library is whole again
    other = write(tmp_path / "other.txt", "Other story\n\n" + "\n\n".join(f"Line {i}: the river rose again on day {i}." for i in range(300)))
    killed = run_subprocess("ingest", other, env={"ASSISTANT_FAULT": "after_pending"})
    assert killed.code == -9, killed
    r = run_subprocess("check", "--discard-pending", "--json")
    assert r.code == 0 and r.json()["discarded"] == 1 and r.json()["ok"], r
    r = run_subprocess("ingest", small)
    assert r.code == 0 and "note:" not in r.stderr and "interrupted" not in r.stderr, r
    assert "Other story" not in {a["title"] for a in cli("sources", "--json").json()["articles"]}


def test_recovery_moves_the_progress_bar(home, tmp_path):
    from assistant import Assistant
    from assistant.settings import Settings
    from tests.conftest import write

    big = write(tmp_path / "big.txt", "Big story\n\n" + "\n\n".join(f"Paragraph {i} says the council met again on day {i}." for i in range(400)))
    assert run_subprocess("ingest", big, env={"ASSISTANT_FAULT": "after_pending"}).code == -9
    ticks, totals, notes = [], [], []

    def tick(n):
        ticks.append(n)

    tick.add_total, tick.note = totals.append, notes.append
    report = Assistant(settings=Settings.load()).ingest([str(write(tmp_path / "s.txt", "S\n\nThe mayor opened the library on Monday.\n"))], progress=tick)
    assert report.recovered == 1 and len(notes) == 1 and "completing 1 revision(s)" in notes[0]
    assert sum(ticks) == sum(totals) and totals[0] > 1  # the resumed revision's chunks were counted and ticked


# ------------------------------------------------------------------ item 2: a huge article: progress with a total, bounded slices, a warning
def test_huge_article_progress_total_slices_and_warning(home, tmp_path, monkeypatch):
    from assistant import Assistant
    from assistant.embed.hashing import HashEmbedder
    from assistant.ingest.large import MAX_ARTICLE_CHARS
    from assistant.library.writer import EMBED_SLICE
    from assistant.settings import Settings
    from tests.conftest import write

    para = "The council met on Monday and agreed a budget for schools, roads and the new library after a long debate. "
    text = "Huge file\n\n" + "\n\n".join(f"Part {i}. " + para * 3 for i in range(MAX_ARTICLE_CHARS // (len(para) * 3) + 200))  # unique: repeats are dropped
    huge = write(tmp_path / "huge.txt", text)
    calls = []
    real = HashEmbedder.embed_documents

    def spy(self, texts):
        calls.append(len(texts))
        return real(self, texts)

    monkeypatch.setattr(HashEmbedder, "embed_documents", spy)
    ticks, totals = [], []

    def tick(n):
        ticks.append(n)

    tick.add_total, tick.note = totals.append, lambda m: None
    report = Assistant(settings=Settings.load()).ingest([str(huge)], progress=tick)
    assert report.added == 1
    warning = [o.message for o in report.outcomes if o.action == "warning"]
    assert len(warning) == 1 and "MB of text in one article, far more than a news article" in warning[0] and "--large-articles split" in warning[0]
    assert sum(totals) == report.chunks_embedded > EMBED_SLICE and sum(ticks) == sum(totals) and len(ticks) > 1
    assert max(calls) <= EMBED_SLICE  # never the whole article's chunks at once: memory stays bounded


def test_huge_article_split_or_skip(home, cli, tmp_path):
    from assistant.ingest.large import MAX_ARTICLE_CHARS, split_text
    from tests.conftest import write

    para = "The council met on Monday and agreed a budget for schools and roads after a long debate. "
    huge = write(tmp_path / "huge.txt", "Huge file\n\n" + "\n\n".join(f"Part {i}. " + para * 4 for i in range(int(2.5 * MAX_ARTICLE_CHARS) // (len(para) * 4))))
    r = cli("ingest", huge, "--large-articles", "skip", "--json")
    assert r.code == 0 and r.json()["skipped"] == 1 and r.json()["added"] == 0, r
    r = cli("ingest", huge, "--large-articles", "split", "--json")
    assert r.code == 0 and r.json()["added"] == 3, r
    titles = sorted(a["title"] for a in cli("sources", "--json").json()["articles"])
    assert titles == ["Huge file (part 1 of 3)", "Huge file (part 2 of 3)", "Huge file (part 3 of 3)"]
    parts = split_text("a" * 10 + "\n\n" + "b" * 10, 15)
    assert parts == ["a" * 10, "b" * 10]
    assert cli("ingest", huge, "--large-articles", "maybe").code == 2
