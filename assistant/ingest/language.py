"""Language detection at ingest with py3langid (its model ships inside the package; no download).

The model loads on first use (about 1 s), never at start-up. Articles in other languages are
ingested and stored with their language; the caller warns about them.
"""

from __future__ import annotations

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


def warning_for(origin: str, code: str, prob: float) -> str | None:
    """The warning line for a confidently non-English article, else None."""
    if code and code != "en" and prob >= MIN_PROBABILITY:
        return f"{origin}: looks like {language_name(code)}, not English"
    return None


def annotate(articles, warn):
    """Set each article's language (when the loader did not) and call warn(origin, message) for non-English ones."""
    for art in articles:
        if not art.language:
            code, prob = detect(art.title + ". " + art.text)
            art.language = code
            message = warning_for(art.origin, code, prob)
            if message:
                warn(art.origin, message)
        yield art
