"""A process killed with SIGKILL during ingest, forget or reindex leaves a library the next run completes."""

import pytest

from assistant import Assistant
from assistant.settings import Settings
from tests.conftest import SEEDS


def state(cli):
    arts = cli("sources", "--json").json()["articles"]
    return sorted((a["article_id"], a["revision"], a["sentence_count"], a["chunk_count"]) for a in arts)


@pytest.fixture
def clean_state(cli, tmp_path_factory, monkeypatch):
    """What a clean ingest of the seeds produces (in its own data dir)."""
    other = tmp_path_factory.mktemp("clean")
    monkeypatch.setenv("ASSISTANT_HOME", str(other))
    cli("ingest", SEEDS)
    result = state(cli)
    monkeypatch.undo()
    return result


@pytest.mark.parametrize("point", ["after_pending", "after_vectors", "after_commit"])
def test_kill_during_ingest_then_rerun(sh, cli, home, point, monkeypatch):
    # the journal of a clean run, for comparison, in a separate data dir
    monkeypatch.setenv("ASSISTANT_HOME", str(home.parent / "clean"))
    cli("ingest", SEEDS)
    clean = state(cli)
    monkeypatch.setenv("ASSISTANT_HOME", str(home))

    killed = sh("ingest", SEEDS, env={"ASSISTANT_FAULT": point})
    assert killed.code == -9, killed
    report = Assistant(settings=Settings.load()).check().to_dict()
    if point != "after_commit":
        assert not report["ok"] and "pending" in report["problems"][0]["problem"]
    # readers ignore what is pending
    visible = cli("sources", "--json").json()["articles"]
    assert all(a["chunk_count"] > 0 for a in visible)
    again = sh("ingest", SEEDS, "--json")
    assert again.code == 0, again
    assert Assistant(settings=Settings.load()).check().to_dict()["ok"]
    assert state(cli) == clean  # same articles, revisions, sentence and chunk counts, no duplicates


def test_kill_during_forget_and_reindex(sh, cli, home):
    cli("ingest", SEEDS)
    before = state(cli)
    victim = before[0][0]
    assert sh("forget", victim, env={"ASSISTANT_FAULT": "forget_marked"}).code == -9
    assert victim not in [a["article_id"] for a in cli("sources", "--json").json()["articles"]]  # hidden already
    assert not Assistant(settings=Settings.load()).check().to_dict()["ok"]
    assert sh("reindex", env={"ASSISTANT_FAULT": "reindex_batch"}).code == -9
    r = sh("ingest", SEEDS / "news" / "2019-06-24-wikinews-new-hampshire-motorcycle-crash.md")
    assert r.code == 1 and "assistant reindex" in r.stderr  # refuses until the rebuild is finished
    assert sh("reindex").code == 0
    assert Assistant(settings=Settings.load()).check().to_dict()["ok"]
    assert state(cli) == [s for s in before if s[0] != victim]
