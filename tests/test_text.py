"""Sentence splitting, chunking and dates."""

import pytest

from assistant.dates import parse_date, parse_date_bound
from assistant.errors import UsageError
from assistant.ingest import chunking, sentences


def test_offsets_are_exact():
    text = "U.S. Gen. Mark Milley spoke on Tuesday.  He said \"no.\" Dr. Smith agreed.\n\nA second paragraph, with 3.5 percent growth. It ends here."
    out = sentences.split(text)
    for start, end, s in out:
        assert text[start:end] == s
    assert out[0][2] == "U.S. Gen. Mark Milley spoke on Tuesday."
    assert [s for _, _, s in out][-2:] == ["A second paragraph, with 3.5 percent growth.", "It ends here."]


def test_plan_chunks_respects_budget_and_overlap():
    plan = chunking.plan_chunks([10, 10, 10, 10, 10], header_tokens=5, budget=30, overlap=1)
    assert plan == [(0, 1), (1, 2), (2, 3), (3, 4)]
    # every chunk within budget unless a single sentence is longer
    assert chunking.plan_chunks([50, 5, 5], header_tokens=5, budget=30, overlap=1) == [(0, 0), (1, 2)]
    # overlap never stalls progress
    assert chunking.plan_chunks([40, 40, 40], header_tokens=0, budget=30, overlap=2) == [(0, 0), (1, 1), (2, 2)]
    assert chunking.plan_chunks([], 0, 30) == []


def test_make_chunks_includes_the_header_in_text_and_count():
    count = lambda texts: [len(t.split()) for t in texts]
    chunks = chunking.make_chunks(["One two three.", "Four five.", "Six."], "Title", "2020-01-01", "Outlet", count, budget=9, overlap=0)
    assert chunks[0][2].startswith("Title — 2020-01-01 — Outlet\n")
    assert all(n <= 9 for *_, n in chunks)
    assert [c[:2] for c in chunks] == [(0, 0), (1, 2)]


def test_a_sentence_longer_than_the_window_is_embedded_whole_across_chunks():
    from assistant.embed.local import LocalEmbedder

    emb = LocalEmbedder()
    long = " ".join(f"Clause {i} of the very long list, with a tail worth finding;" for i in range(60)) + " zebra."
    sents = ["A short opening sentence.", long, "A short closing sentence."]
    chunks = chunking.make_chunks(sents, "Title", "2020-01-01", "Outlet", emb.count_tokens_batch, budget=64, overlap=1)
    real = emb.count_tokens_batch([t for _, _, t, _ in chunks])
    assert max(real) <= 64 and [n for *_, n in chunks] == real  # every chunk fits; counts are true
    pieces = [t.split("\n", 1)[1] for f, l, t, _ in chunks if (f, l) == (1, 1)]
    assert len(pieces) > 1 and " ".join(pieces) == long  # the whole sentence, tail included, in order
    assert [c[:2] for c in chunks][0] == (0, 0) and chunks[-1][:2] == (2, 2)


def test_an_untitled_articles_later_chunks_open_with_its_first_words():
    from assistant.embed.local import LocalEmbedder

    emb = LocalEmbedder()
    sents = ["Washington CNN —", "The Senate passed the gun safety bill on Thursday after weeks of talks."] + [
        f"Paragraph {i} is about the amendments, the votes and what comes next for the bill." for i in range(30)]
    plain = chunking.make_chunks(sents, "", "2022-06-23", "www.cnn.com", emb.count_tokens_batch, budget=96, overlap=1)
    headed = chunking.make_chunks(sents, "", "2022-06-23", "www.cnn.com", emb.count_tokens_batch, budget=96, overlap=1,
                                  opening_tokens=16)
    opening = chunking.opening(sents, emb.count_tokens_batch, 16)
    assert opening.startswith("Washington CNN — The Senate passed") and emb.count_tokens(opening) <= 16
    assert all(t.startswith("2022-06-23 — www.cnn.com\n") for _, _, t, _ in plain)
    assert len(headed) > 2 and all(t.startswith(f"{opening} — 2022-06-23 — www.cnn.com\n") for _, _, t, _ in headed)
    assert all(n <= 96 for *_, n in headed) and [n for *_, n in headed] == emb.count_tokens_batch([t for _, _, t, _ in headed])
    # every sentence in order, consecutive chunks sharing one (the overlap)
    spans = [(f, l) for f, l, _, _ in headed]
    assert spans[0][0] == 0 and spans[-1][1] == len(sents) - 1
    assert all(b[0] == a[1] for a, b in zip(spans, spans[1:]))
    # a small chunk budget caps the opening at a quarter of it
    small = chunking.make_chunks(sents, "", "", "", emb.count_tokens_batch, budget=40, overlap=0, opening_tokens=64)
    assert all(t.split("\n")[0] == chunking.opening(sents, emb.count_tokens_batch, 10) for _, _, t, _ in small)
    # an article with a title is chunked as before
    titled = lambda **kw: chunking.make_chunks(sents, "Senate passes gun bill", "2022-06-23", "www.cnn.com",  # noqa: E731
                                               emb.count_tokens_batch, budget=96, overlap=1, **kw)
    assert titled(opening_tokens=16) == titled()


@pytest.mark.parametrize(
    "raw, iso, precision",
    [
        ("2019-08-08", "2019-08-08", "day"),
        ("2004-12", "2004-12", "month"),
        ("2004", "2004", "year"),
        ("Thursday, August 8, 2019", "2019-08-08", "day"),
        ("2022/06/16", "2022-06-16", "day"),
        ("December 2004", "2004-12", "month"),
        ("2022-06-12T10:00:00Z", "2022-06-12T10:00:00+00:00", "time"),
        ("Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00+00:00", "time"),
    ],
)
def test_parse_date(raw, iso, precision):
    d = parse_date(raw)
    assert (d.iso, d.precision) == (iso, precision)


def test_unparseable_dates():
    assert parse_date("soon") is None and parse_date("") is None and parse_date("2019-13-45") is None
    with pytest.raises(UsageError, match="cannot read the date"):
        parse_date_bound("next tuesday-ish")
    assert parse_date_bound("7d").precision == "day"


def test_a_sentence_starting_with_a_word_of_the_previous_one_is_located_right():
    text = "Russian opposition leader Alexei Navalny was poisoned with Novichok. Navalny is a critic of Putin."
    assert [s for _, _, s in sentences.split(text)] == [
        "Russian opposition leader Alexei Navalny was poisoned with Novichok.", "Navalny is a critic of Putin."]


def test_lower_cased_text_still_splits_and_quotes_with_attribution_do_not():
    out = [s for _, _, s in sentences.split("the storm hit on monday. officials said it was the worst in years. it moved north.")]
    assert len(out) == 3
    out = [s for _, _, s in sentences.split('"Is it over?" she asked. Nobody answered.')]
    assert out == ['"Is it over?" she asked.', "Nobody answered."]
