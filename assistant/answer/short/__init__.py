"""The answer in a few words: what kind of answer a question asks for, and the phrase of that
kind in the sentences that answer it. Used by the extractive engine (answer first, then the
quotes; refuse when no sentence holds an answer of the asked kind) and usable by the LLM path
(the phrase of the model's first sentence).

Kinds: person, org, place, number, amount (money), percent, date, color, name (a capitalised
name or a quoted title, for "which show/movie/..."), any (a name or a place, for "which" and a noun
none of the lists knows), phrase (what a sentence states to be "the ..." of "What is the ...?"). "Who is Jim Mattis?" asks for a description,
"why"/"what did ... say" for an explanation: no kind, no short answer.

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
