"""The scripting contract: JSON documents checked against the documented schemas
(docs/json-schema/), ask --batch (JSON Lines, errors per question, exit codes), exit codes,
stdout/stderr, colour, the Python examples of docs/scripting.md, shell completion."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS, write

jsonschema = pytest.importorskip("jsonschema")

SCHEMAS = REPO / "docs" / "json-schema"
Q_OK = "Which nerve agent poisoned Alexei Navalny?"
Q_REFUSED = "What is the airspeed of an unladen swallow?"


def validate(doc, name):
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(doc)


@pytest.fixture
def seeded(cli):
    r = cli("ingest", SEEDS, "--json")
    assert r.code == 0, r
    validate(r.json(), "ingest.json")
    return cli


def article_ids_everywhere(doc):
    """Every key that names an article is article_id."""
    if isinstance(doc, dict):
        assert not {"article", "articleId", "doc_id", "document_id"} & set(doc), doc.keys()
        for v in doc.values():
            article_ids_everywhere(v)
    elif isinstance(doc, list):
        for v in doc:
            article_ids_everywhere(v)


def test_every_schema_is_valid_and_documented():
    names = sorted(p.name for p in SCHEMAS.glob("*.json"))
    assert names == ["ask.json", "brief.json", "error.json", "export.json", "import.json", "ingest.json", "search.json", "sources.json"]
    doc = (REPO / "docs" / "scripting.md").read_text()
    for n in names:
        jsonschema.Draft202012Validator.check_schema(json.loads((SCHEMAS / n).read_text()))
        assert f"json-schema/{n}" in doc


def test_real_output_matches_the_schemas(seeded, home):
    r = seeded("ask", Q_OK, "--json")
    assert r.code == 0
    validate(r.json(), "ask.json")
    article_ids_everywhere(r.json())
    r = seeded("ask", Q_REFUSED, "--json")
    assert r.code == 3
    validate(r.json(), "ask.json")

    r = seeded("search", "Puerto Rico governor", "--json", "-k", "3")
    assert r.code == 0 and r.json()["results"]
    validate(r.json(), "search.json")
    article_ids_everywhere(r.json())
    r = seeded("search", "Puerto Rico governor", "--json", "--until", "1990-01-01")
    assert r.code == 0 and r.json()["results"] == []  # no hits is success
    validate(r.json(), "search.json")

    r = seeded("sources", "--json")
    assert r.code == 0 and len(r.json()["articles"]) == 12
    validate(r.json(), "sources.json")

    r = seeded("brief", "Navalny", "--json")
    assert r.code == 0, r
    validate(r.json(), "brief.json")
    article_ids_everywhere(r.json())
    r = seeded("brief", "Navalny", "--json", "--since", "2030-01-01")
    assert r.code == 3
    validate(r.json(), "error.json")

    r = seeded("ingest", home / "missing.txt", "--json")
    assert r.code == 1
    validate(r.json(), "ingest.json")
    r = seeded("ask", "  ", "--json")
    assert r.code == 2
    validate(r.json(), "error.json")
    r = seeded("show", "ffffffffffff", "--json")
    assert r.code == 1
    validate(r.json(), "error.json")


def test_exit_codes_and_usage_errors(sh, home):
    r = sh("ask", "--json")  # no question and no --batch
    assert r.code == 2 and r.json()["error"]["message"] == "give a question, or --batch FILE"
    validate(r.json(), "error.json")
    r = sh("search", "x", "--json", "--since", "someday")
    assert r.code == 2
    validate(r.json(), "error.json")
    r = sh("ask")
    assert r.code == 2 and "Traceback" not in r.stderr
    r = sh("search", "--bogus")
    assert r.code == 2 and "No such option" in r.stderr and "Traceback" not in r.stderr


def test_batch_json_lines_in_order_with_errors_per_question(seeded, tmp_path):
    qfile = tmp_path / "questions.txt"
    qfile.write_bytes(
        b"# a comment\n" + Q_OK.encode() + b"\n\n" + Q_REFUSED.encode() + b"\n"
        + b"\xff\xfe not utf-8\n" + b"x" * 50_000 + b"\nWho became governor of Puerto Rico?\n"
    )
    r = seeded("ask", "--batch", qfile)
    assert r.code == 1, r  # a question failed
    lines = r.stdout.splitlines()
    docs = [json.loads(line) for line in lines]
    assert len(docs) == 5
    assert [d["question"][:20] for d in docs] == [Q_OK[:20], Q_REFUSED[:20], "\ufffd\ufffd not utf-8", "x" * 20, "Who became governor "]
    for d in docs:
        validate(d, "error.json" if "error" in d else "ask.json")
    assert docs[0]["refused"] is False and docs[1]["refused"] is True
    assert docs[2]["error"]["message"] == "line 5 is not UTF-8 text"
    assert "50,000 characters" in docs[3]["error"]["message"]
    assert docs[4]["refused"] is False and docs[4]["citations"]
    assert "5 question(s): 2 answered, 1 refused, 2 failed" in r.stderr

    qfile.write_text(f"{Q_OK}\n{Q_REFUSED}\n")
    assert seeded("ask", "--batch", qfile).code == 3  # refused, none failed
    qfile.write_text(f"{Q_OK}\n")
    r = seeded("ask", "--batch", qfile)
    assert r.code == 0 and len(r.stdout.splitlines()) == 1
    r = seeded("ask", "--batch", tmp_path / "nope.txt")
    assert r.code == 1
    validate(json.loads(r.stdout), "error.json")
    r = seeded("ask", "a question", "--batch", qfile)
    assert r.code == 2


def test_batch_from_stdin_binary_and_all(sh, seeded):
    data = (Q_OK + "\n\x00\x01\x02binary\n" + Q_REFUSED + "\n").encode()
    p = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "--batch", "-"], input=data, capture_output=True, cwd=REPO)
    assert p.returncode == 1
    docs = [json.loads(x) for x in p.stdout.decode().splitlines()]
    assert [("error" in d) for d in docs] == [False, True, False]
    assert docs[1]["error"]["message"] == "line 2 is binary data, not a question"
    assert docs[2]["refused"] is True


def test_results_on_stdout_diagnostics_on_stderr_no_colour_when_piped(sh, seeded, monkeypatch):
    r = sh("ask", Q_OK)
    assert r.code == 0 and "Novichok" in r.stdout and "Sources:" in r.stdout
    assert "(extractive engine)" in r.stderr and "extractive engine" not in r.stdout
    r = sh("sources")
    assert r.code == 0 and "\x1b[" not in r.stdout and "12 article(s)" in r.stdout
    r = sh("ingest", SEEDS)
    assert "\x1b[" not in r.stdout + r.stderr  # no progress bar when not on a terminal
    r = sh("ask", Q_OK, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in r.stdout


def test_python_examples_in_the_docs_run(seeded, capsys):
    text = (REPO / "docs" / "scripting.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 4 and all("from assistant import Assistant" in b for b in blocks)
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/scripting.md[python block {i + 1}]", "exec"), {"__name__": "__docs__"})
    out = capsys.readouterr().out
    assert "False extractive" in out and "30156a161e44@1#0" in out


def test_the_api_tour_runs(home, tmp_path):
    """docs/examples/api_tour.py: everything the CLI does, using only `from assistant import Assistant`."""
    import ast

    tour = REPO / "docs" / "examples" / "api_tour.py"
    assert "examples/api_tour.py" in (REPO / "docs" / "scripting.md").read_text()
    imports = [ast.unparse(n) for n in ast.walk(ast.parse(tour.read_text())) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert imports == ["import sys", "from assistant import Assistant"]
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}  # this checkout's package
    p = subprocess.run([sys.executable, str(tour), str(tmp_path / "tour")], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "ingest: 12 added, 0 unchanged, 0 failed" in out and "sources: 12 articles" in out
    assert "[30156a161e44@1#0] On Wednesday, the German government said" in out  # show
    assert "search: " in out and "Puerto Rico" in out
    assert "ask: Novichok. According to Wikinews (English), 2020-09-05" in out and "[1] 30156a161e44@1#0" in out
    assert out.count("streamed: ") >= 1 and "refused: False" in out
    assert "brief: 3 points on Navalny" in out and "brief (2030 onwards): empty - nothing to brief" in out
    assert "-> 11 articles left" in out and "check: ok" in out


def test_shell_completion_is_available(sh):
    r = sh("--help")
    assert "--install-completion" in r.stdout and "--show-completion" in r.stdout
    exe = Path(sys.executable).parent / "assistant"  # the installed console script, as users run it
    if not exe.exists():
        pytest.skip("the assistant console script is not installed next to this Python")
    # typer detects the user's shell from the parent processes (shellingham), which depends on how
    # the tests were started; its documented test switch makes the option take the shell by name
    env = {**__import__("os").environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    p = subprocess.run([str(exe), "--show-completion", "bash"], capture_output=True, text=True, env=env)
    assert p.returncode == 0 and "complete -o default -F _assistant_completion assistant" in p.stdout


def test_chat_help_imports_no_terminal_or_heavy_library():
    code = (
        "import sys; from assistant.cli import app; from typer.testing import CliRunner;"
        "r = CliRunner().invoke(app, ['chat', '--help']); assert r.exit_code == 0, r.output;"
        "print(','.join(m for m in ('prompt_toolkit', 'chromadb', 'onnxruntime', 'openai', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_chat_from_a_pipe_and_the_history_budget(sh, seeded, home):
    """Without a terminal, chat reads lines from stdin (no prompt_toolkit); errors go to stderr and make the exit code 1."""
    r = sh("chat", input="Who is Jim Mattis?\nHow old is he?\n/bogus\n/show 1\n/brief Navalny\n/as-of 2020-08-30\n/brief Navalny\n")
    assert r.code == 1, r  # the /bogus line failed; the others were still answered
    assert "Novichok" in r.stdout and "airlifted" in r.stdout and "scope for the rest of the session: (as-of 2020-08-30)" in r.stdout
    assert r.stdout.count("Sources:") == 4
    assert "(searching for: How old is Jim Mattis?)" in r.stdout and "[1]" in r.stdout
    assert "error: unknown command /bogus" in r.stderr
    from assistant.chat.history import History, Turn

    h = History(budget=200)
    for i in range(30):
        h.add(Turn(question=f"q{i}", standalone=f"What about question number {i}?", answer="word " * 40))
    assert h.tokens() <= 200 and h.turns[-1].question == "q29" and len(h.turns) < 30
    assert h.summary and "Earlier questions:" in h.text() and "q0" not in [t.question for t in h.turns]
