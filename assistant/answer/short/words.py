"""The words of a question or a sentence, as the short answer compares them: lower-cased tokens,
and the function words that never make an answer nor tie one to the question."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = set("""the a an of to in on at for from by with and or is are was were be been has have had did does do this that these
    those it its his her their they he she we you i what which who whom whose when where why how many much week weeks this
    recently new latest said says according""".split())


def _words(text: str) -> list[str]:
    return [w.lower() for w in _TOKEN.findall(text)]
