"""Golden test: the JSON of sources, show, search, ask, brief and ask --batch on the seeds,
compared field by field with tests/golden/*.json.

It pins what the commands print while their insides are rearranged. The seeds are ingested
once with the deterministic hash embedder and the extractive engine (no model), so every run
prints the same documents except for the volatile fields below, which are replaced by
"<volatile>" before comparing:

* ``seconds`` (ingest timing), ``timings`` (search/ask stage timings), ``session_id``;
* ``ingested_at`` and ``revised_at`` (the ingest time; ``revised_at`` is the ingest time for
  undated articles);
* ``data_dir`` and any string holding the data directory or the repository path (these are
  replaced by ``<home>`` and ``<repo>``, so the rest of the string is still compared);
* the id of an article identified by its file path (the seed without a URL): it depends on
  where the repository is checked out, so it is replaced by ``<path-id>`` inside every string
  (sentence ids included).

A change that alters an output on purpose regenerates the files and commits them with the
change (review the diff): ``UPDATE_GOLDEN=1 pytest tests/test_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, SEEDS

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
VOLATILE_KEYS = {"seconds", "timings", "session_id", "ingested_at", "revised_at", "data_dir"}

Q_OK = "Which nerve agent poisoned Alexei Navalny?"
Q_REFUSED = "What is the airspeed of an unladen swallow?"
Q_GOVERNOR = "Who became governor of Puerto Rico after Rosselló resigned?"
Q_ASTEROID = "What is the Torino scale rating of asteroid 2004 MN4?"

# name -> CLI arguments (after the global options); "{navalny}" etc. are filled with article ids
CASES = {
    "sources": ["sources", "--json"],
    "sources_source": ["sources", "--source", "dailymail", "--json"],
    "show_undated": ["show", "{mattis}", "--json"],
    "show_dated": ["show", "{navalny}@1", "--json"],
    "search_hybrid": ["search", "asteroid impact risk", "-k", "3", "--json"],
    "search_lexical": ["search", "asteroid impact risk", "-k", "3", "--mode", "lexical", "--json"],
    "search_dense": ["search", "Who replaced Pierluisi as governor?", "-k", "3", "--mode", "dense", "--json"],
    "search_filtered": ["search", "governor", "--since", "2019-08-01", "--until", "2019-12-31", "--per-article", "1", "--json"],
    "ask_ok": ["ask", Q_OK, "--json"],
    "ask_governor": ["ask", Q_GOVERNOR, "--json"],
    "ask_refused": ["ask", Q_REFUSED, "--json"],
    "ask_as_of": ["ask", Q_ASTEROID, "--as-of", "2004-12-25", "--json"],
    "brief": ["brief", "--json"],
    "brief_topic": ["brief", "asteroid", "--json"],
    "brief_window": ["brief", "--since", "2019-06-01", "--until", "2019-12-31", "--length", "3", "--json"],
}
BATCH = [Q_OK, Q_REFUSED, Q_GOVERNOR, "", Q_ASTEROID]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    home = tmp_path_factory.mktemp("golden") / "home"
    env = {"ASSISTANT_HOME": str(home), "ASSISTANT_EMBEDDER": "hash"}
    drop = ("ASSISTANT_CHROMA_URL", "ASSISTANT_MODEL", "ASSISTANT_FAULT", "ASSISTANT_CHUNK_TOKENS")
    saved = {k: os.environ.get(k) for k in (*env, *drop)}
    os.environ.update(env)
    for k in drop:
        os.environ.pop(k, None)
    from assistant.cli import app

    runner = CliRunner()

    def run(*args, input=None):
        r = runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        return r.exit_code, r.stdout

    code, out = run("ingest", SEEDS, "--json")
    assert code == 0, out
    try:
        arts = json.loads(run("sources", "--json")[1])["articles"]
        path_ids = [a["article_id"] for a in arts if not a["url"]]
        yield run, Norm(home, path_ids), json.loads(out)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Norm:
    def __init__(self, home: Path, path_ids: list[str]):
        self.home, self.path_ids = home, path_ids

    def __call__(self, doc):
        if isinstance(doc, dict):
            return {k: ("<volatile>" if k in VOLATILE_KEYS else self(v)) for k, v in doc.items()}
        if isinstance(doc, list):
            return [self(v) for v in doc]
        if isinstance(doc, str):
            doc = doc.replace(str(self.home), "<home>").replace(str(REPO), "<repo>")
            for a in self.path_ids:
                doc = doc.replace(a, "<path-id>")
        return doc


def differences(want, got, path="$") -> list[str]:
    """Every field that differs, as 'path: want != got' (field by field, not one blob)."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for k in sorted(set(want) | set(got)):
            if k not in got:
                out.append(f"{path}.{k}: missing")
            elif k not in want:
                out.append(f"{path}.{k}: new field {got[k]!r:.80}")
            else:
                out += differences(want[k], got[k], f"{path}.{k}")
        return out
    if isinstance(want, list) and isinstance(got, list):
        out = [f"{path}: {len(want)} items != {len(got)} items"] if len(want) != len(got) else []
        for i, (w, g) in enumerate(zip(want, got)):
            out += differences(w, g, f"{path}[{i}]")
        return out
    return [] if want == got else [f"{path}: {want!r:.120} != {got!r:.120}"]


def check(name: str, doc) -> None:
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
        return
    assert path.exists(), f"no golden file {path.name}: generate it with UPDATE_GOLDEN=1"
    diffs = differences(json.loads(path.read_text()), doc)
    assert not diffs, f"{name} differs from {path.name} (UPDATE_GOLDEN=1 regenerates it):\n" + "\n".join(diffs[:40])


def ids(run) -> dict[str, str]:
    arts = json.loads(run("sources", "--json")[1])["articles"]
    by_title = {a["title"]: a["article_id"] for a in arts}
    return {
        "mattis": by_title["Jim Mattis arrives in Pakistan for anti-terror talks"],
        "navalny": by_title["Germany says Alexei Navalny poisoned with Novichok"],
    }


def test_ingest(seeded):
    run, norm, doc = seeded
    check("ingest", {"code": 0, "output": norm(doc)})


@pytest.mark.parametrize("name", sorted(CASES))
def test_command(seeded, name):
    run, norm, _ = seeded
    code, out = run(*[a.format(**ids(run)) for a in CASES[name]])
    check(name, {"args": norm([a.format(**ids(run)) for a in CASES[name]]), "code": code, "output": norm(json.loads(out))})


def test_ask_batch(seeded, tmp_path):
    run, norm, _ = seeded
    qfile = tmp_path / "questions.txt"
    qfile.write_text("\n".join(BATCH) + "\n")
    code, out = run("ask", "--batch", qfile)
    check("ask_batch", {"code": code, "output": [norm(json.loads(line)) for line in out.splitlines()]})


def test_the_comparison_can_fail():
    """The comparison reports a changed, a missing and a new field, each by its path."""
    want = {"a": [1, {"b": "x"}], "c": 1}
    got = {"a": [1, {"b": "y"}], "d": 2}
    assert differences(want, got) == ["$.a[1].b: 'x' != 'y'", "$.c: missing", "$.d: new field 2"]
    assert differences(want, want) == []
