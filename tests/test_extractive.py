"""The extractive sentence selector behind briefings, and the shape of its ROUGE report."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from assistant.brief.extractive import Candidate, is_fragment, is_junk, order_for_briefing, salience, select

SHARED_DATA = Path(os.environ.get("ASSISTANT_SHARED_DATA", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))

QUAKE = [
    "A strong earthquake struck central Nepal on Saturday, killing at least 1,000 people.",
    "The quake had a magnitude of 7.8 and was centred near the town of Lamjung.",
    "Rescue teams from India and China arrived in Kathmandu on Sunday morning.",
    "Hospitals in Kathmandu were overwhelmed with injured people from the earthquake.",
    "Aftershocks continued through the night, and many residents slept outdoors.",
    "Officials said the death toll from the earthquake was expected to rise.",
]


def article(texts, article_id="a", story=None, ts=None, vectors=None):
    return [
        Candidate(
            id=f"{article_id}#{i}",
            text=t,
            article_id=article_id,
            position=i,
            article_sentences=len(texts),
            published_ts=ts,
            story=story,
            vector=vectors[i] if vectors else None,
        )
        for i, t in enumerate(texts)
    ]


def words(cands):
    return sum(len(c.text.split()) for c in cands)


def test_sentence_budget_and_empty_inputs():
    cands = article(QUAKE)
    assert len(select(cands, n_sentences=2)) == 2
    assert len(select(cands, n_sentences=100)) <= len(QUAKE)
    assert 1 <= len(select(cands)) <= 6  # default budget
    assert select([], n_sentences=3) == []
    assert select(cands, n_sentences=0) == []
    assert select(cands, n_words=0) == []


def test_word_budget_never_exceeded_but_first_sentence_always_allowed():
    cands = article(QUAKE)
    for budget in (15, 25, 30, 40, 60):
        chosen = select(cands, n_words=budget)
        assert chosen and words(chosen) <= budget
    # a budget smaller than every sentence still yields the best sentence alone
    chosen = select(cands, n_words=3)
    assert len(chosen) == 1 and chosen[0].position == 0
    # both budgets apply together
    assert len(select(cands, n_sentences=1, n_words=1000)) == 1


def test_word_budget_is_filled_with_a_shorter_sentence_when_the_next_best_does_not_fit():
    texts = [
        "The city council approved the new budget for schools on Monday night.",
        "The budget, which runs to 400 pages and covers every school, library, park and road in the city for the next three years, was debated for nine hours.",
        "Teachers will get a raise of four percent next year under the budget.",
    ]
    chosen = select(article(texts), n_words=25)
    assert [c.position for c in chosen] == [0, 2]
    assert words(chosen) <= 25


def test_near_duplicate_sentences_give_one_pick():
    texts = [
        "Nick Scholfield is lined up to ride Spring Heeled in the Grand National at Aintree.",
        "Nick Scholfield has been lined up to ride Spring Heeled in the Grand National at Aintree on Saturday.",
        "Scholfield had been expected to partner Sam Winner in the one million pound race.",
        "The champion trainer said it was unfair to tie the jockey down to an uncertain runner.",
    ]
    chosen = select(article(texts), n_sentences=3)
    assert 0 in [c.position for c in chosen]
    assert 1 not in [c.position for c in chosen]


def test_near_duplicates_by_vector_cosine():
    texts = [
        "The governor resigned on Friday after weeks of protests in the capital.",
        "After weeks of street demonstrations the governor stepped down at the end of the week.",
        "The justice secretary will be sworn in as the new governor next Wednesday.",
    ]
    vectors = [[1.0, 0.0, 0.1], [0.99, 0.01, 0.12], [0.1, 1.0, 0.0]]
    chosen = select(article(texts, vectors=vectors), n_sentences=2)
    assert [c.position for c in chosen] == [0, 2]


def test_lead_bias():
    # the same kind of sentence everywhere: the earliest wins
    texts = [f"Officials in district number {i} reported damage to roads and bridges after the storm." for i in range(8)]
    shuffled_words = [" ".join(t.split()) for t in texts]
    chosen = select(article(shuffled_words), n_sentences=1)
    assert chosen[0].position == 0
    scores = salience(article(QUAKE))
    assert scores[0] == max(scores)


def test_junk_is_filtered():
    for junk in (
        "Read more at CNN.",
        "Photo by John Smith/Getty Images.",
        "By Jane Doe, Staff Reporter.",
        "PUBLISHED: 12:01 EST, 4 April 2015 | UPDATED: 13:22 EST, 4 April 2015.",
        "Follow us on Twitter for the latest updates on this story.",
        "Scroll down for video.",
    ):
        assert is_junk(junk), junk
    assert not is_junk("By the end of the day, the rescue teams had found 40 survivors.")
    assert not is_junk(QUAKE[0])
    assert is_fragment("Sweet life: the Duchess.")  # too short
    assert is_fragment("Aubrey de Grey (pictured) says ageing is a disease that can be cured")  # no final stop
    assert not is_fragment("'It is very, very hard,' said the founder of the charity.")
    assert not is_fragment("`` it is very , very hard , '' said koirala .")  # PTB quotes

    texts = [
        "By Jane Doe, Staff Reporter.",
        "Storm damage: a fallen tree (pictured)",
        "A storm has left 20,000 homes without power across the north of the country.",
        "Read more at CNN.",
        "Engineers expect to restore power to most homes by Tuesday evening.",
        "Photo by John Smith/Getty Images.",
    ]
    chosen = select(article(texts), n_sentences=6)
    assert sorted(c.position for c in chosen) == [2, 4]
    # when only fragments are left they are still used rather than returning nothing
    only = article(["Storm damage: a fallen tree (pictured)", "Engineers at work on the power lines (above)"])
    assert len(select(only, n_sentences=2)) == 2


def test_one_point_per_story_then_per_article_cap():
    a = article(QUAKE, "a", story="quake", ts=100.0)
    b = article(
        [
            "Nepal was hit by a powerful earthquake on Saturday that killed more than 1,000 people.",
            "Rescuers from India and China have arrived in the capital, Kathmandu.",
            "The quake was the worst to hit the region in more than 80 years.",
        ],
        "b",
        story="quake",
        ts=200.0,
    )
    c = article(
        [
            "The central bank raised interest rates by half a point on Thursday.",
            "It was the third increase this year as inflation reached six percent.",
            "Markets fell sharply after the announcement was made in the afternoon.",
        ],
        "c",
        story="rates",
        ts=150.0,
    )
    chosen = select(a + b + c, n_sentences=2)
    assert sorted(x.story for x in chosen) == ["quake", "rates"]
    # a larger budget fills up, but no article takes everything
    chosen = select(a + b + c, n_sentences=6)
    assert len(chosen) == 6
    per_article = {k: sum(x.article_id == k for x in chosen) for k in "abc"}
    assert max(per_article.values()) <= 2, per_article
    # without story labels every article is its own story
    nolabel = [Candidate(**{**x.__dict__, "story": None}) for x in a + c]
    assert {x.article_id for x in select(nolabel, n_sentences=2)} == {"a", "c"}
    # the cap is soft: with one article left it still fills the budget
    assert len(select(a + c[:1], n_sentences=5)) == 5


def test_deterministic_whatever_the_input_order():
    cands = article(QUAKE, "a", story="quake") + article(
        ["The central bank raised interest rates by half a point on Thursday.", "Markets fell sharply after the announcement on Thursday."],
        "c",
        story="rates",
    )
    first = [x.id for x in select(cands, n_words=50)]
    for seed in range(5):
        shuffled = cands[:]
        random.Random(seed).shuffle(shuffled)
        assert [x.id for x in select(shuffled, n_words=50)] == first


def test_query_relevance():
    chosen = select(article(QUAKE), n_sentences=1, query="hospitals injured")
    assert chosen[0].position == 3
    vectors = [[1.0, 0.0]] * 3 + [[0.0, 1.0]] + [[1.0, 0.1]] * 2
    chosen = select(article(QUAKE, vectors=vectors), n_sentences=1, query_vector=[0.0, 1.0])
    assert chosen[0].position == 3


def test_order_for_briefing():
    a = article(QUAKE[:3], "a", story="quake", ts=200.0)
    b = article(QUAKE[3:], "b", story="quake", ts=100.0)
    c = article(["The central bank raised interest rates by half a point on Thursday."], "c", story="rates", ts=50.0)
    selected = [a[2], c[0], b[1], a[0], b[0]]  # selection order: quake first, then rates
    ordered = order_for_briefing(selected)
    assert [x.id for x in ordered] == ["b#0", "b#1", "a#0", "a#2", "c#0"]
    undated = article(QUAKE[:2], "d", story="quake", ts=None)
    assert order_for_briefing([undated[0], b[0]])[-1].id == "d#0"


@pytest.mark.skipif(not (SHARED_DATA / "realsumm_cnndm").is_dir(), reason="shared evaluation data not present")
def test_summary_eval_report_shape():
    pytest.importorskip("rouge_score")
    from assistant.evaluation.summaries import METRICS, SUBSETS, evaluate, markdown

    report = evaluate(SHARED_DATA, ["realsumm_cnndm", "llm_news_summ_writers"], ["none"], limit=5)
    for name, k in (("realsumm_cnndm", 3), ("llm_news_summ_writers", 2)):
        entry = report["sets"][name]
        assert entry["articles"] == 5 and entry["k"] == k
        assert set(entry["lead"]) == set(SUBSETS)
        rows = entry["systems"]["extractive+tfidf"]
        assert rows["all"]["n"] == 5 and rows["tune"]["n"] == 3 and rows["test"]["n"] == 2
        for m in METRICS:
            assert 0 < rows["all"][m] < 100
            d = rows["all"]["diff_vs_lead"][m]
            assert d["ci95"][0] <= d["mean"] <= d["ci95"][1]
        assert rows["all"]["words"] <= entry["lead"]["all"]["words"] + 1e-9
    assert "Lead-3 (our split)" in markdown(report)
