"""Chat follow-ups without a model (assistant/chat/condense.py): rewritten only when they depend
on the previous turn; a pronoun resolves to the entity the previous answer is about (issue 13
item 6: the cases from the issue and more)."""

import pytest

from assistant.chat.condense import depends_on_previous, rule_rewrite

GOLF_Q = "Who won the LIV Golf championship?"
GOLF_A = "Dustin Johnson. According to CNN, 2022-10-31: “Dustin Johnson won the LIV Golf team championship at Doral.”"
MERGE_Q = "Which two supermarkets plan to merge?"


@pytest.mark.parametrize("question, previous, answer, short, expected", [
    # the cases: a self-contained question is unchanged; "he" is the person the answer named
    (MERGE_Q, GOLF_Q, GOLF_A, "Dustin Johnson", MERGE_Q),
    ("How much did he win?", GOLF_Q, GOLF_A, "Dustin Johnson", "How much did Dustin Johnson win?"),
    # a resumed session has only the answer text: its first sentence is the short answer
    ("How much did he win?", GOLF_Q, GOLF_A, None, "How much did Dustin Johnson win?"),
    # the n-th of the previous answer's entities
    ("Where is the second one based?", MERGE_Q, "Kroger and Albertsons. ...", "Kroger and Albertsons", "Where is Albertsons based?"),
    # "what about X" and an elliptical "And X?": the previous question about X
    ("What about Kroger?", "Where is Albertsons based?", "Idaho. ...", "Idaho", "Where is Kroger based?"),
    ("And Kroger?", "Where is Albertsons based?", "Idaho. ...", "Idaho", "Where is Kroger based?"),
    ("In 2019?", GOLF_Q, GOLF_A, "Dustin Johnson", "Who won the LIV Golf championship in 2019?"),
    # a pronoun the question itself resolves, and an "it" of the question's own: unchanged
    ("Did Liz Truss say she would resign?", GOLF_Q, GOLF_A, "Dustin Johnson", "Did Liz Truss say she would resign?"),
    ("Is it illegal to pump your own gas in New Jersey?", GOLF_Q, GOLF_A, "Dustin Johnson", "Is it illegal to pump your own gas in New Jersey?"),
    # "its" after an amount: the thing the previous question was about, not the amount
    ("Where is its headquarters?", "How much will Kroger pay?", "$24.6 billion. ...", "$24.6 billion", "Where is Kroger's headquarters?"),
    # the question about a person when the answer was a description (no short answer)
    ("How old is he?", "Who is Jim Mattis?", "According to DailyMail.co.uk: “US Defence Secretary Jim Mattis arrived.”", None, "How old is Jim Mattis?"),
    ("When did they announce it?", MERGE_Q, "Kroger and Albertsons. ...", "Kroger and Albertsons", "When did Kroger and Albertsons announce it?"),
])
def test_rule_rewrite(question, previous, answer, short, expected):
    assert rule_rewrite(question, previous, answer, short) == expected


def test_first_question_and_self_contained_questions_are_not_rewritten():
    assert rule_rewrite("How much did he win?", None) == "How much did he win?"
    for q in ("Who is the governor of Puerto Rico?", "What did Navalny say about the poisoning?", MERGE_Q):
        assert depends_on_previous(q) is None, q
