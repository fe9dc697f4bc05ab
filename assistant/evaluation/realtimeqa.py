"""The realtimeqa adapter: documents (gold CNN articles + search-result pages) and quiz questions.

The data stays where it is (../shared/data/realtimeqa); nothing is copied into the repository.
Any dataset of the same shape (gold.jsonl, qa.jsonl, optional gcs_top5_for_gold_questions.jsonl)
works. The same URL appears with different scraped text (gold vs search page), so each distinct
(url, text) is its own document with an explicit id; a hit is any document whose URL is a gold URL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

MIN_WORDS = 30
TUNING_WEEKS = ("2022-06-17", "2022-08-12")
REPORT_WEEKS = ("2022-08-19", "2022-09-30")


@dataclass
class Question:
    qid: str
    week: str  # "2022-06-17", from the release the question belongs to
    date: str  # the quiz date, ISO
    text: str
    choices: list[str]
    answer: list[int]
    gold_urls: set[str] = field(default_factory=set)
    content_free: bool = False  # every gold page is a content-free form (left out of "content" figures)

    @property
    def answer_text(self) -> str:
        return self.choices[self.answer[0]] if self.answer and self.choices else ""


@dataclass
class Dataset:
    docs: list[dict]  # {"id", "title", "text", "date", "source", "page_url"} ready for JSONL ingest
    questions: list[Question]
    url_of: dict[str, str]  # doc id -> url

    def split(self, which: str) -> list[Question]:
        lo, hi = TUNING_WEEKS if which == "tuning" else REPORT_WEEKS
        return [q for q in self.questions if lo <= q.week <= hi]


def normalise_answer(text: str) -> str:
    """Lower-case words and digits only: how a quiz choice is matched inside quoted text."""
    import re

    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split())


# The ad-feedback form some CNN pages were scraped as: 210 characters, no news. A question whose
# only gold pages are this form cannot be answered from its gold text.
_AD_FORM = "How relevant is this ad to you?"


def content_free(text: str) -> bool:
    """A page scraped as a site's ad-feedback form rather than the article."""
    return _AD_FORM in text and len(text) < 400


def _norm_url(url: str) -> str:
    from ..ingest.identity import normalise_url

    return normalise_url(url or "")


def load(data: Path) -> Dataset:
    data = Path(data)
    if not (data / "gold.jsonl").exists() or not (data / "qa.jsonl").exists():
        from ..errors import UsageError

        raise UsageError(f"no realtimeqa data at {data} (need gold.jsonl and qa.jsonl)", "pass --data DIR")
    qa = {}
    for line in open(data / "qa.jsonl", encoding="utf-8"):
        r = json.loads(line)
        qa[r["question_id"]] = r
    docs, url_of, seen = [], {}, set()
    questions = []

    def add_doc(doc: dict):
        text = (doc.get("text") or "").strip()
        if len(text.split()) < MIN_WORDS:
            return
        key = hashlib.sha1((doc.get("url", "") + "\x00" + text).encode()).hexdigest()[:16]
        if key in seen:
            return
        seen.add(key)
        url_of[key] = _norm_url(doc.get("url", ""))
        docs.append({"id": key, "title": doc.get("title") or "", "text": text, "date": doc.get("publish_date") or "",
                     "source": urlsplit(doc.get("url", "")).hostname or "", "page_url": doc.get("url", "")})

    for line in open(data / "gold.jsonl", encoding="utf-8"):
        r = json.loads(line)
        gold = [d for d in r.get("search_result") or [] if len((d.get("text") or "").split()) >= MIN_WORDS]
        if not gold or r["question_id"] not in qa:
            continue
        for d in gold:
            add_doc(d)
        q = qa[r["question_id"]]
        week = r["question_id"].split("_")[0]
        questions.append(Question(
            qid=r["question_id"], week=f"{week[:4]}-{week[4:6]}-{week[6:8]}",
            date=q["question_date"].replace("/", "-"), text=q["question_sentence"], choices=q.get("choices") or [],
            answer=[int(a) for a in q.get("answer") or []], gold_urls={_norm_url(d["url"]) for d in gold},
            content_free=all(content_free(d.get("text") or "") for d in gold),
        ))
    gcs = data / "gcs_top5_for_gold_questions.jsonl"
    if gcs.exists():
        for line in open(gcs, encoding="utf-8"):
            for d in json.loads(line).get("search_result") or []:
                add_doc(d)
    return Dataset(docs, questions, url_of)
