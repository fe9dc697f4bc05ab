"""fulltext.tsvectors(): the literals SQLite builds equal the token-by-token definition (no server needed)."""

from __future__ import annotations

import random

from assistant.library import fulltext


def test_tsvector_literals_equal_the_definition():
    rng = random.Random(7)
    words = ["storm", "storms", "Vázquez", "Zürich", "COVID-19", "3.5%", "2,000", "O'Neil's", "runner-up", "ran", "running", "東京", "naïve",
             "back\\slash", "quote'd", "x" * 2100, "ÆON", "ﬁne"]
    texts = ["", "   ", "!!!", "a", "It's O'Neil's world", "x" * 3000 + " short"]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 120))) for _ in range(150)]  # more than one round of 64
    texts.append(" ".join(f"w{i}" for i in range(16500)) + " late late")  # positions past 16383 are clamped
    texts.append("again " * 300)  # a term with more than 256 positions: that round is built token by token
    got = fulltext.tsvectors(texts)
    assert got == fulltext._literals(texts)
    assert got[0] == ("", 0) and got[4] == ("'it':1 'neil':4 'o':3 's':2,5 'world':6", 6)
    assert got[-2][0].startswith("'late':16383,16383 'w0':1 ") and got[-2][1] == 16502
    assert got[-1] == ("'again':" + ",".join(str(p) for p in range(1, 257)), 300)
    # rounds without a long term go through the query; each literal is a text's own
    assert [v for v, _ in fulltext.tsvectors(texts[6:70])] == [v for v, _ in fulltext._literals(texts[6:70])]
