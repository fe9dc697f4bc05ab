"""The faithfulness evaluation (assistant.evaluation.faithfulness): a tiny inline sample end to
end, and the shape of a few records of the real data (skipped when it is absent)."""

from __future__ import annotations

import json

import pytest

from assistant.evaluation import faithfulness as fe

from .conftest import SHARED_DATA

ARTICLE = (
    "The city council approved a budget of 12 million dollars on Tuesday. "
    "Mayor Anna Keller said the money would repair three bridges over the river. "
    "Opposition members voted against the plan, citing rising debt.\n\n"
    "Work on the first bridge will start in March."
)


def _record(n: int, summary: str, label: bool, part: str, edit_types=()):
    return {"index": n, "id": f"r{n}", "article": ARTICLE, "units": fe.summary_sentences(summary), "unit_labels": None,
            "label": label, "edit_types": list(edit_types), "part": part}


SAMPLE = [
    _record(0, "The council approved a 12 million dollar budget on Tuesday. Work on the first bridge starts in March.", True, "tune"),
    _record(1, "The council approved a 40 million dollar budget on Tuesday.", False, "tune", ["entity_modification"]),
    _record(2, "Mayor Anna Keller said the money would repair three bridges.", True, "report"),
    _record(3, "Mayor John Smith said the money would repair the stadium.", False, "report", ["entity_modification"]),
    _record(4, "Work on the first bridge will start in March.", True, "report"),
    _record(5, "Opposition members voted for the plan in August.", False, "report", ["antonym_swap"]),
]


def test_inline_sample_end_to_end():
    scored = fe.score_records(SAMPLE, embedder=None, k=2)
    assert [len(r["units"]) for r in scored] == [2, 1, 1, 1, 1, 1]
    mins = [fe.aggregate(r["units"], 0.5)["checker"] for r in scored]
    # consistent summaries score above their edited counterparts
    assert mins[0] > mins[1] and mins[2] > mins[3] and mins[4] > mins[5]
    # the changed number is named as the reason
    assert any("40" in why for why in scored[1]["units"][0]["reasons"])
    rep = fe.report_set("summedits_news", scored, 0.5)
    block = rep["min"]
    assert block["n_tune"] == 2 and block["n_report"] == 4 and block["n_report_positive"] == 2
    for name in ("lexical baseline", "checker", "checker, best sentence only", "default `supported` flag"):
        v = block["variants"][name]
        assert 0.0 <= v["ba_report"] <= 1.0 and 0.0 <= v["auc_report"] <= 1.0
    assert block["variants"]["checker"]["auc_report"] == 1.0
    assert set(block["by_edit_type"]) == {"entity_modification", "antonym_swap"}
    text = fe.format_report({"embedder": "none", "k": 2, "sets": {"summedits_news": rep}})
    assert "by edit type" in text and "checker - baseline" in text


def test_qags_labels_and_parts(tmp_path):
    rows = [
        {"article": ARTICLE, "summary_sentences": [
            {"sentence": "The council approved a budget.", "responses": [{"worker_id": 1, "response": "yes"}, {"worker_id": 2, "response": "no"}, {"worker_id": 3, "response": "yes"}]},
            {"sentence": "The mayor resigned.", "responses": [{"worker_id": 1, "response": "no"}, {"worker_id": 2, "response": "no"}, {"worker_id": 3, "response": "yes"}]}]},
        {"article": ARTICLE, "summary_sentences": [
            {"sentence": "Bridge work starts in March.", "responses": [{"worker_id": 1, "response": "yes"}] * 3}]},
    ]
    (tmp_path / "mturk_cnndm.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    recs = fe.load_qags(tmp_path, "cnndm")
    assert [r["unit_labels"] for r in recs] == [[True, False], [True]]
    assert [r["label"] for r in recs] == [False, True]
    assert [r["part"] for r in recs] == ["tune", "report"]


def test_threshold_is_chosen_on_tune_only():
    # a perfect separator on tune; the report part is scored with that threshold, not refitted
    tune = [({"checker": s, "lexical baseline": s}, g) for s, g in ((0.9, True), (0.8, True), (0.2, False), (0.1, False))]
    rep = [({"checker": s, "lexical baseline": s}, g) for s, g in ((0.4, True), (0.3, False))]
    block = fe._table(tune, rep)
    t = block["variants"]["checker"]["threshold"]
    assert 0.2 < t < 0.8
    assert block["variants"]["checker"]["ba_report"] == 0.5  # both below t: consistent one missed
    assert block["variants"]["checker"]["auc_report"] == 1.0


@pytest.mark.skipif(not (SHARED_DATA / "summedits_news" / "summedits_news.jsonl").is_file()
                    or not (SHARED_DATA / "qags" / "mturk_cnndm.jsonl").is_file(), reason="shared data not present")
def test_real_data_shape():
    for name in fe.SETS:
        recs = fe.load_set(SHARED_DATA, name, limit=3)
        assert len(recs) == 3
        for r in recs:
            assert r["article"].strip() and r["units"] and all(u.strip() for u in r["units"])
            assert isinstance(r["label"], bool) and r["part"] in ("tune", "report")
            if name.startswith("qags"):
                assert len(r["unit_labels"]) == len(r["units"]) and r["label"] == all(r["unit_labels"])
        scored = fe.score_records(recs[:2], embedder=None, k=3)
        for s in scored:
            assert s["n_article_sentences"] > 1
            for u in s["units"]:
                assert 0.0 <= u["score"] <= 1.0 and 0.0 <= u["baseline"] <= 1.0 and len(u["selected"]) <= 3
    se = fe.load_set(SHARED_DATA, "summedits_news")
    assert {r["part"] for r in se} == {"tune", "report"}
    assert set().union(*(r["edit_types"] for r in se)) <= set(fe.EDIT_TYPES)
