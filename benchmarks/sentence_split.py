"""Benchmark English sentence splitters (pysbd, syntok, blingfire) on news-like text.

Gold: WiCE dev (``wice/claim_dev.jsonl``); each record's ``evidence`` is a cited
web page as a list of sentences. Pages are de-duplicated and a line is kept only
if ``is_prose`` accepts it (explicit filter: no "(meta data)" line, no markdown
heading/list/table/quote, >= MIN_WORDS tokens, starts with a capital, digit or
opening quote, ends in . ! ? or an ellipsis (optionally + closing quote/bracket),
>= 90% ASCII). WiCE has no paragraph markup, so a "paragraph" is a maximal run of
consecutive kept lines; any dropped line ends it. Sentences are whitespace-
normalised and joined with one space. Pages are read in file order until
--max-sents sentences are collected.

Scoring: a boundary is the count of non-whitespace characters before a sentence
start, so whitespace handling cannot matter. Per paragraph, missed = gold
boundaries not produced, false = produced boundaries not in gold; P/R/F1 are over
the summed counts. The same is done on HARD_CASES (hand-written news traps).
Errors are also binned by a rough heuristic (``category``).

MERGE rows add a post-rule to each library: drop a boundary if the left part ends
in an honorific or "v."/"vs.", or the right part starts lower-case (?" she said).
It was written after seeing these errors, so those rows are optimistic.

Speed: gold sentences / wall time over all paragraphs, median of --runs runs,
libraries alternating within each run. Only counts are printed; no WiCE text is
stored. Run from the repo root:
    /work/venv/bin/python benchmarks/sentence_split.py --data ../shared/data
"""
import argparse
import json
import re
import statistics
import time
from collections import Counter
from itertools import accumulate
from pathlib import Path

import blingfire
import pysbd
from syntok import segmenter as syntok_segmenter

MIN_WORDS = 4
END_RE = re.compile(r"""[.!?\u2026]["'\u201d\u2019)\]]*$""")
START_RE = re.compile(r"""^["'\u201c\u2018(]?[A-Z0-9]""")
MARKUP_RE = re.compile(r"^(#|\*|-|\||>|\d+\.\s)")


def is_prose(line):
    """Explicit gold filter: True if a WiCE evidence line is a prose sentence."""
    s = line.strip()
    if s.startswith("(meta data)") or MARKUP_RE.match(s) or len(s.split()) < MIN_WORDS:
        return False
    return bool(START_RE.match(s) and END_RE.search(s)) and sum(c.isascii() for c in s) >= 0.9 * len(s)


def load_wice_paragraphs(data_dir, max_sents):
    """Return (paragraphs as lists of gold sentences, stats dict)."""
    seen, paras, n_lines, n_kept = set(), [], 0, 0
    with open(Path(data_dir) / "wice" / "claim_dev.jsonl", encoding="utf-8") as f:
        for rec in map(json.loads, f):
            key = tuple(rec["evidence"])
            if key in seen:
                continue
            seen.add(key)
            run = []
            for line in rec["evidence"] + [""]:  # sentinel flushes the last run
                n_lines += bool(line)
                if is_prose(line):
                    run.append(" ".join(line.split()))
                    continue
                if run:
                    paras.append(run)
                    n_kept += len(run)
                run = []
            if n_kept >= max_sents:
                break
    stats = {"pages": len(seen), "lines_seen": n_lines, "gold_sentences": n_kept,
             "paragraphs": len(paras),
             "multi_sentence_paragraphs": sum(len(p) > 1 for p in paras)}
    return paras, stats


# Hand-written hard news cases (our own text): each item = list of gold sentences.
HARD_CASES = [
    ["The U.S. economy added 250,000 jobs in March.", "Economists had expected fewer."],
    ["The company said it will move its headquarters to the U.S.", "The move will cost $2 billion."],
    ["Gen. Mark Milley briefed reporters at the Pentagon.", "He declined to take questions."],
    ["Dr. Maria Lopez said the trial was promising.", "Mr. Smith disagreed."],
    ["Sen. Elizabeth Warren (D-Mass.) criticized the plan on Tuesday.", "Her office did not elaborate."],
    ["Lt. Col. James Reed and Rep. Ann Cole toured the base.", "Both declined to comment."],
    ["The team is ranked No. 3 in the nation.", "It was No. 1 a year ago."],
    ["The hearing begins at 9 a.m. on Friday.", "It is expected to last all day."],
    ["Polls close at 8 p.m.", "Results are expected by midnight."],
    ["J. K. Rowling will publish a new novel in the fall.", "Her publisher confirmed the date."],
    ["Former President George W. Bush attended the ceremony.", "So did several governors."],
    ["Inflation rose 3.5 percent in May.", "The Fed raised rates by 0.25 points."],
    ["The deal is worth $3.5 billion, or about 12.4 times earnings.", "Shares rose 4.2%."],
    ["\"Is this the end?\" she asked.", "Nobody answered."],
    ["\"We are not going anywhere!\" shouted one protester.", "Police moved in an hour later."],
    ["He told reporters, \"The deal is done.\"", "Markets rallied on the news."],
    ["\"It was a mistake,\" the mayor said.", "\"We will fix it.\""],
    ["The film \"Who Framed Roger Rabbit?\" was restored last year.", "It returns to theaters in June."],
    ["She paused... then continued reading the statement.", "The room was silent."],
    ["The talks stalled again\u2026", "Negotiators will meet next week."],
    ["Key findings:", "\u2022 Prices rose 4% in April.", "\u2022 Wages fell for a third month."],
    ["The law takes effect Jan. 1, 2025.", "Critics plan to challenge it."],
    ["The storm made landfall on Sept. 12 near Tampa.", "Thousands lost power."],
    ["Shares of Apple Inc. rose 2% in early trading.", "The Nasdaq was flat."],
    ["The contract went to Acme Corp.", "Its shares jumped 10%."],
    ["The final pits Spain vs. England in Berlin.", "Kickoff is at 3 p.m. local time."],
    ["Officials met in Washington, D.C., on Monday.", "No agreement was reached."],
    ["She earned a Ph.D. in economics from MIT.", "She later joined the IMF."],
    ["The report is available at www.example.com.", "A summary was also released."],
    ["WASHINGTON (Reuters) - The Senate passed the bill on Thursday.", "The House votes next week."],
    ["The St. Louis Cardinals won 5-3.", "It was their fourth straight win."],
]


def split_syntok(text):
    return [sent[0].offset for para in syntok_segmenter.analyze(text) for sent in para if sent]


def split_blingfire(text):
    return starts_by_find(text, blingfire.text_to_sentences(text).split("\n"))


HONORIFIC_RE = re.compile(r"(?<![A-Za-z.])(?:Mr|Mrs|Ms|Dr|Prof|Gov|Sen|Rep|Rev|Gen|Lt|Col"
                          r"|Sgt|Capt|Adm|St|v|vs)\.$")
LOWER_START_RE = re.compile(r"""["'\u201d\u2019]*\s*[a-z](?![A-Z])""")


def merge(fn):
    """MERGE post-rule: drop starts after an honorific or before a lower-case word."""
    def split(text):
        return [s for k, s in enumerate(fn(text)) if k == 0 or not (
            HONORIFIC_RE.search(text[max(0, s - 12):s].rstrip()) or LOWER_START_RE.match(text, s))]
    return split


def starts_by_find(text, sents):
    """Character offsets of sentence starts, located sequentially in text."""
    starts, pos = [], 0
    for s in sents:
        if s.strip():  # if a library altered the text, fall back to its first word
            i = max(pos, text.find(s.strip(), pos), text.find(s.split()[0], pos))
            starts.append(i)
            pos = i + len(s.strip())
    return starts


def boundaries(text, starts):
    """Non-whitespace-char positions of sentence starts (excluding text start)."""
    nonws = [0, *accumulate(not c.isspace() for c in text)]
    return {nonws[s] for s in starts} - {0}


def gold_text_and_bounds(sents):
    text = " ".join(sents)
    return text, boundaries(text, [0, *accumulate(len(s) + 1 for s in sents[:-1])])


ABBREV_RE = re.compile(r"(^|\s)(\S*[A-Za-z]\.[A-Za-z]\.|[A-Z][a-z]{0,3}\.|[a-z]{1,3}\.|No\.\d+\.?)$")


def category(text, b, kind):
    """Heuristic error class for a boundary at non-ws position b (for the doc)."""
    i = [j for j, c in enumerate(text) if not c.isspace()][b]
    left, right = text[:i].rstrip(), text[i:]
    if ABBREV_RE.search(left):
        return "abbreviation"
    if kind == "false" and re.match(r"""["'\u201d\u2019]*\s*[a-z(]""", right):
        return "before lowercase (e.g. ?\" + attribution)"
    if kind == "missed" and len(re.findall(r'["\u201c\u201d]', left)) % 2:
        return "inside open quotation"
    if left[-1:] not in ".!?\"'\u201d\u2019)\u2026":
        return "no final . ! ? (e.g. ; or junk)"
    return "other"


def score(splitter, paragraphs, cats=None):
    """Return (missed, false, gold boundaries, indices of items with any error)."""
    missed = false = n_gold = 0
    failing = []
    for i, sents in enumerate(paragraphs):
        text, gold = gold_text_and_bounds(sents)
        pred = boundaries(text, splitter(text))
        missed, false, n_gold = missed + len(gold - pred), false + len(pred - gold), n_gold + len(gold)
        failing += [i] if pred != gold else []
        if cats is not None:
            cats.update(("missed", category(text, b, "missed")) for b in gold - pred)
            cats.update(("false", category(text, b, "false")) for b in pred - gold)
    return missed, false, n_gold, failing


def prf(missed, false, n_gold):
    """Boundary precision, recall, F1."""
    tp = n_gold - missed
    p, r = tp / max(tp + false, 1), tp / max(n_gold, 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def time_runs(splitters, texts, runs):
    """Median wall time per splitter over `runs` passes (splitters alternate)."""
    times = {name: [] for name in splitters}
    for _ in range(runs):
        for name, fn in splitters.items():
            t0 = time.perf_counter()
            list(map(fn, texts))
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="shared data dir (holds wice/)")
    ap.add_argument("--max-sents", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--show-hard", action="store_true", help="print failing hard cases")
    args = ap.parse_args()

    seg = pysbd.Segmenter(language="en", clean=False)
    splitters = {"pysbd": lambda text: starts_by_find(text, seg.segment(text)),
                 "syntok": split_syntok, "blingfire": split_blingfire}
    splitters.update({f"{n}+MERGE": merge(fn) for n, fn in list(splitters.items())})
    paras, stats = load_wice_paragraphs(args.data, args.max_sents)
    print(f"WiCE gold: {json.dumps(stats)}\nHard cases: {len(HARD_CASES)} items, "
          f"{sum(map(len, HARD_CASES))} sentences")
    secs = time_runs(splitters, [" ".join(p) for p in paras], args.runs)

    print("\n| library | WiCE boundaries | missed | false splits | P | R | F1 "
          "| hard: missed | hard: false | hard items wrong | sentences/s (median of "
          f"{args.runs}) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    fails, cats = {}, {}
    for name, fn in splitters.items():
        cats[name] = Counter()
        m, f, n, _ = score(fn, paras, cats[name])
        p, r, f1 = prf(m, f, n)
        hm, hf, _, hfail = score(fn, HARD_CASES)
        fails[name] = hfail
        print(f"| {name} | {n} | {m} | {f} | {p:.3f} | {r:.3f} | {f1:.3f} | {hm} | {hf} "
              f"| {len(hfail)}/{len(HARD_CASES)} | {stats['gold_sentences'] / secs[name]:,.0f} |")
    print("\nWiCE errors by heuristic class:\n\n| error | class | "
          + " | ".join(splitters) + " |\n|---|---|" + "---|" * len(splitters))
    for k in sorted({k for c in cats.values() for k in c}):
        print(f"| {k[0]} | {k[1]} | " + " | ".join(str(cats[n].get(k, 0)) for n in splitters) + " |")
    if args.show_hard:
        for name, idx in fails.items():
            print(f"\n{name} fails hard cases:")
            for i in idx:
                text, _ = gold_text_and_bounds(HARD_CASES[i])
                cuts = sorted(set(splitters[name](text)) | {0}) + [len(text)]
                print(f"  [{i}]", [text[a:b] for a, b in zip(cuts, cuts[1:])])


if __name__ == "__main__":
    main()
