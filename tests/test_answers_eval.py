"""The answers eval's matching rules (issue 13 item 8): a short answer is the quiz's choice when
their words contain each other's, as whole numbers, in at most 8 words, and no other choice matches."""

from types import SimpleNamespace

from assistant.evaluation.answers import content_free, in_text, judge, rates, short_matches, tokens


def test_numbers_are_whole_and_scaled():
    assert tokens("$19,000") == ["19000"] and tokens("$12.6 million") == tokens("$12,600,000") == ["12600000"]
    choices = ["$19,000", "$100,000", "$1 million", "$19 million"]
    assert short_matches("$19 million", choices) == [3]
    assert short_matches("19", choices) == []  # not a piece of a longer number
    assert short_matches("$19,000", choices) == [0]


def test_words_contain_each_other_at_most_eight_words_one_choice():
    choices = ["Rep. Marjorie Taylor Greene", "Rep. Lauren Boebert", "Rep. Liz Cheney", "Rep. Susan Brooks"]
    assert short_matches("Liz Cheney", choices) == [2]
    assert short_matches("Rep.", choices) == [0, 1, 2, 3]  # matches every choice: not an answer
    assert short_matches("the Wyoming Republican Rep. Liz Cheney who lost her primary on Tuesday", choices) == []  # over 8 words
    assert in_text("Sweden and Finland", "NATO invited Sweden and Finland to join.") and not in_text("Finland and Sweden", "Sweden and Finland")


def _answer(short, cited, refused=False):
    c = [SimpleNamespace(text=t) for t in cited]
    return SimpleNamespace(refused=refused, short_answer=short, citations=c, sentences=[SimpleNamespace(supported=True)] * len(cited),
                           refusal_reason=None)


def test_judge_correct_wrong_and_refused():
    choices, correct = ["Pink", "Plaid", "Grey", "Purple"], {3}
    assert judge(_answer("purple", ["Mars added a purple character."]), choices, correct)["short_ok"]
    wrong = judge(_answer("Plaid", ["A plaid character joined."]), choices, correct)
    assert wrong["wrong"] and not wrong["short_ok"]
    r = judge(_answer(None, [], refused=True), choices, correct)
    assert r["refused"] and not r["wrong"] and not r["cited_ok"]


def test_the_ad_feedback_form_is_content_free():
    form = ("1. How relevant is this ad to you?\n\nVideo player was slow to load content Video content never loaded Ad froze or "
            "did not finish loading Video content played, but the ad froze. The ad was too loud. Other issues.")
    assert content_free(form)
    assert not content_free("Kroger agreed to buy Albertsons in a deal worth $24.6 billion, the companies said on Friday. " * 4)


def _row(answerable, gold=None, seconds=1.0):
    r = {"split": "report", "seconds": seconds, "answerable": answerable}
    if gold is not None:
        r["gold_removed"] = gold
    return r


def test_reply_form_is_kept_and_the_parse_rate_counts_json_replies_only():
    choices, correct = ["Pink", "Plaid", "Grey", "Purple"], {3}
    a = _answer("purple", ["Mars added a purple character."])
    a.usage = {"reply_form": "json_object"}
    parsed = judge(a, choices, correct)
    b = _answer("plaid", ["A plaid character joined."])
    b.usage = {"reply_form": "text (not the JSON asked for)"}
    unparsed = judge(b, choices, correct)
    none = judge(_answer(None, [], refused=True), choices, correct)  # no usage: no reply read
    assert parsed["reply_form"] == "json_object" and none["reply_form"] is None
    r = rates([_row(parsed), _row(unparsed), _row(none)])
    assert r["replies_parsed"] == 0.5 and r["reply_forms"] == {"json_object": 1, "text (not the JSON asked for)": 1}


def test_rates_without_the_gold_removed_asks():
    choices, correct = ["Pink", "Plaid", "Grey", "Purple"], {3}
    ok = judge(_answer("purple", ["Mars added a purple character."]), choices, correct)
    refused = judge(_answer(None, [], refused=True), choices, correct)
    skipped = rates([_row(ok), _row(refused)])
    assert skipped["refused_gold_removed"] is None and skipped["n_gold_removed"] == 0
    assert skipped["short_answer_correct"] == 0.5 and skipped["false_refusals"] == 0.5
    both = rates([_row(ok, gold=refused), _row(refused, gold=ok)])
    assert both["refused_gold_removed"] == 0.5 and both["n_gold_removed"] == 2


def test_tuning_halves_alternate_by_week():
    from assistant.evaluation.answers import halves

    choices, correct = ["Pink", "Plaid", "Grey", "Purple"], {3}
    ok = judge(_answer("purple", ["Mars added a purple character."]), choices, correct)
    refused = judge(_answer(None, [], refused=True), choices, correct)
    rows = [dict(_row(ok), qid="20220617_0"), dict(_row(ok), qid="20220617_1"), dict(_row(refused), qid="20220624_0"),
            dict(_row(ok), qid="20220701_3")]
    h = halves(rows)
    # weeks 1 and 3 are half A, week 2 half B
    assert h["A"]["n"] == 3 and h["A"]["short_answer_correct"] == 1.0
    assert h["B"]["n"] == 1 and h["B"]["false_refusals"] == 1.0


def test_a_gold_removed_only_run_merges_with_a_whole_library_run(tmp_path):
    """A slow model run is split in two (--no-gold-removed, then --only-gold-removed); --merge
    joins each question's asks and recomputes the figures as one run would have given them."""
    import json
    import subprocess
    import sys

    from assistant.evaluation.answers import merge

    REPO = __import__("pathlib").Path(__file__).resolve().parents[1]

    choices, correct = ["Pink", "Plaid", "Grey", "Purple"], {3}
    ok = judge(_answer("purple", ["Mars added a purple character."]), choices, correct)
    refused = judge(_answer(None, [], refused=True), choices, correct)
    whole = {"engine": "llm", "model": "m", "k": 4, "rows": [dict(_row(ok, seconds=2.0), qid="q1"), dict(_row(refused), qid="q2")]}
    gold = {"engine": "llm", "model": "m", "k": 4, "rows": [{"split": "report", "qid": "q1", "seconds": 9.0, "gold_removed": refused},
                                                           {"split": "report", "qid": "q2", "seconds": 9.0, "gold_removed": ok}]}
    only_gold = rates(gold["rows"])
    assert only_gold["n"] == 0 and only_gold["short_answer_correct"] is None and only_gold["refused_gold_removed"] == 0.5
    m = merge([whole, gold])
    one_run = rates([dict(_row(ok, gold=refused, seconds=2.0), qid="q1"), dict(_row(refused, gold=ok), qid="q2")])
    assert m["by_split"]["report"] == one_run and m["by_split"]["report"]["n_gold_removed"] == 2
    a, b, out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "out.json"
    a.write_text(json.dumps(whole))
    b.write_text(json.dumps(gold))
    r = subprocess.run([sys.executable, "-m", "assistant.evaluation.answers", "--merge", str(a), str(b), "--json", str(out)],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0 and "refused with gold removed 0.500 (n=2)" in r.stdout, r
    assert json.loads(out.read_text())["by_split"]["report"]["false_refusals"] == 0.5
    gold["model"] = "other"
    b.write_text(json.dumps(gold))
    r = subprocess.run([sys.executable, "-m", "assistant.evaluation.answers", "--merge", str(a), str(b)], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 2 and "cannot merge" in r.stderr and "Traceback" not in r.stderr
