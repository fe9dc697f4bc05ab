"""Language detection at ingest with py3langid (its model ships inside the package; no download).

The model loads on first use (about 1 s), never at start-up. Articles in other languages are
ingested and stored with their language; the caller warns about them.
"""

from __future__ import annotations

import re

_IDENTIFIER = None

# A warning needs a confident verdict on enough text: short or mixed snippets are left alone.
MIN_WORDS = 8
MIN_PROBABILITY = 0.90
SAMPLE_CHARS = 2000

NAMES = {
    "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
    "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
    "fi": "Finnish", "tr": "Turkish", "ar": "Arabic", "he": "Hebrew", "fa": "Persian", "hi": "Hindi",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "el": "Greek", "cs": "Czech", "hu": "Hungarian",
    "ro": "Romanian", "id": "Indonesian", "vi": "Vietnamese", "th": "Thai", "ca": "Catalan", "en": "English",
}


def _identifier():
    global _IDENTIFIER
    if _IDENTIFIER is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _IDENTIFIER


# Loading the model costs about 2 s, so plain English is recognised first by its function words:
# in English news about a third of the words are these; in other languages almost none are.
_ENGLISH = frozenset("the and of to is was that with for by from has have it he she they this which said were been his her their will would are".split())
ENGLISH_SHARE = 0.15


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) for the text's language; ("", 0.0) when there is too little text."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    words = sample.lower().split()
    if len(words) < MIN_WORDS:
        return "", 0.0
    if len(words) >= 20 and sum(w.strip(".,;:!?\"'()") in _ENGLISH for w in words) / len(words) >= ENGLISH_SHARE:
        return "en", 0.99  # the shortcut: no model needed
    try:
        lang, prob = _identifier().classify(sample)
    except Exception:  # a detector failure must never stop an ingest
        return "", 0.0
    return str(lang), float(prob)


def language_name(code: str) -> str:
    return NAMES.get(code, code)


ONLY_ENGLISH = "only English is supported: search, answers and briefings may miss or misread it"

# Scripts that English is never written in; a text mostly in one of them is not English, however
# unsure the detector is (py3langid gives plain Arabic news 0.85, under MIN_PROBABILITY), and
# Chinese or Japanese without spaces has too few "words" for the detector to be asked at all.
_SCRIPTS = [("Arabic", 0x0600, 0x06FF), ("Arabic", 0x0750, 0x077F), ("Arabic", 0xFB50, 0xFDFF), ("Arabic", 0xFE70, 0xFEFF),
            ("Hebrew", 0x0590, 0x05FF), ("Cyrillic", 0x0400, 0x04FF), ("Greek", 0x0370, 0x03FF), ("Devanagari", 0x0900, 0x097F),
            ("Thai", 0x0E00, 0x0E7F), ("Hangul", 0xAC00, 0xD7AF), ("Kana", 0x3040, 0x30FF), ("Han", 0x4E00, 0x9FFF)]
_SCRIPT_LANG = {"Arabic": "ar", "Hebrew": "he", "Cyrillic": "ru", "Greek": "el", "Devanagari": "hi", "Thai": "th", "Hangul": "ko",
                "Kana": "ja", "Han": "zh"}
MIN_SCRIPT_LETTERS = 4
_ABOVE_LATIN = re.compile("[^\x00-\u036f]")  # above Latin and its diacritics: where every script of _SCRIPTS lies


def foreign_script(text: str) -> str | None:
    """The non-Latin script most of the text's letters are in (Arabic, Hebrew, Han, ...), else None."""
    sample = text[:SAMPLE_CHARS]
    if sample.isascii():  # every script listed starts above U+036F: the usual case, decided in C
        return None
    counts: dict[str, int] = {}
    for ch in _ABOVE_LATIN.findall(sample):  # only these can be in a listed script
        if not ch.isalpha():
            continue
        o = ord(ch)
        for name, lo, hi in _SCRIPTS:
            if lo <= o <= hi:
                counts[name] = counts.get(name, 0) + 1
                break
    if not counts:
        return None
    letters = sum(map(str.isalpha, sample))
    name, n = max(counts.items(), key=lambda kv: kv[1])
    if "Kana" in counts and name == "Han":
        name = "Kana"  # Japanese mixes kana into Han
    return name if sum(counts.values()) >= MIN_SCRIPT_LETTERS and sum(counts.values()) * 2 > letters else None


def verdict(text: str) -> tuple[str, float]:
    """(code, probability) like detect(), with a text mostly in a non-Latin script always judged not English."""
    script = foreign_script(text)
    code, prob = detect(text)
    if script:
        if not code or code == "en":
            code = _SCRIPT_LANG[script]
        return code, 1.0
    return code, prob


def warning_for(origin: str, code: str, prob: float) -> str | None:
    """The warning line for a confidently non-English article, else None."""
    if code and code != "en" and prob >= MIN_PROBABILITY:
        return f"{origin}: looks like {language_name(code)}, not English; {ONLY_ENGLISH}"
    return None


def question_warning(question: str) -> str | None:
    """A note for a question that is not in English, else None. Cheap for English questions: the
    detector model (about 1 s to load) is asked only about a long question with no English function word."""
    script = foreign_script(question)
    if script:
        return f"the question looks like {language_name(_SCRIPT_LANG[script])}, not English; {ONLY_ENGLISH}"
    words = [w.strip(".,;:!?\"'()").lower() for w in question.split()]
    if len(words) < MIN_WORDS or any(w in _ENGLISH or w in _QUESTION_WORDS for w in words):
        return None
    code, prob = detect(question)
    if code and code != "en" and prob >= MIN_PROBABILITY:
        return f"the question looks like {language_name(code)}, not English; {ONLY_ENGLISH}"
    return None


_QUESTION_WORDS = frozenset("who what when where why how did does do in on a an".split())


def annotate(articles, warn):
    """Set each article's language (when the loader did not) and call warn(origin, message) for non-English ones."""
    for art in articles:
        if not art.language:
            code, prob = verdict(art.title + ". " + art.text)
            art.language = code
            message = warning_for(art.origin, code, prob)
            if message:
                warn(art.origin, message)
        yield art
