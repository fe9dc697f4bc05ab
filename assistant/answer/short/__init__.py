"""The answer in a few words: what kind of answer a question asks for, and the phrase of that
kind in the sentences that answer it. Used by the extractive engine (answer first, then the
quotes; refuse when no sentence holds an answer of the asked kind) and usable by the LLM path
(the phrase of the model's first sentence).

Kinds: person, org, place, number, amount (money), percent, measure (a number with its unit, for
"how high / how hot", "the hottest temperature"), date, duration ("how long": "20 years"), color,
name (a capitalised name or a quoted title, for "which show/movie/..."), any (a name, a place or a
lower-case phrase, for "which"/"what" and a noun none of the lists knows), phrase (what a sentence
states to be "the ..." of "What is the ...?"). "Who is Jim Mattis?" asks for a description,
"why"/"what did ... say" and "what announcement / advice ..." for an explanation: no kind, no
short answer.

Lower-case answers (name and any kinds, never a reason to refuse): the phrase right before the
asked noun or another noun of the question ("the monkeypox virus", "the nationwide baby formula
shortage"), or introduced after it ("condiments such as mustard"); the object of the question's
verb ("Which menu item did KFC roll out?" / "KFC rolled out chicken nuggets"); the phrase after
the words the question puts before its wh-word ("a ban on which skill" / "to ban heading").

No model: patterns, capitalised runs and small word lists (places from babel's territory names
and the US states). Candidates already named by the question are not answers ("How old is the
67-year-old?" is not answered by 67 when the question says it); a candidate near the words the
sentence shares with the question, and one found in several of the best sentences, wins.

Modules: ``kinds`` (what is asked), ``phrases`` (candidate phrases in a sentence), ``names`` (capitalised
runs; people, organisations, teams, acronyms), ``places`` (place names, demonyms), ``words``
(tokens and stop words), ``scoring`` (choosing the answer).
"""

from __future__ import annotations

from .kinds import Asked, _last_question, answer_kind
from .names import _cap_runs
from .phrases import candidates
from .places import is_place
from .scoring import MAX_WORDS, best_candidates, short_answer

__all__ = ["MAX_WORDS", "Asked", "_cap_runs", "_last_question", "answer_kind", "best_candidates", "candidates", "is_place",
           "short_answer"]
