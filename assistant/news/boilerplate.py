"""Boilerplate: the lines of a news page that are not news. One filter shared by answers (never
evidence) and briefings (never points).

What counts: ads and the ad-feedback form ("How relevant is this ad to you?"), bylines and
credits ("By Jane Doe, CNN", "Contributing: The Associated Press", photo credits), social and
newsletter lines ("Follow Brett Molina on Twitter: @brettmolina23.", "Sign up here for the '5
Things' newsletter."), "Read more" links and the headlines of other articles ("More:Want to file
your tax return for free? ..."), section labels in capitals ("TODAY'S QUOTE"), and the
article's own questions ("Did Aaron Judge hit a home run last night?": a question states nothing).

Patterns were collected from the realtimeqa pages (CNN, USA TODAY) and the bundled seeds; the
tests hold the examples from issue 14 item 16. Pure regular expressions: no I/O, cheap to import.
"""

from __future__ import annotations

import re

_LINE = re.compile(
    r"""(?ix)
    ^\W*(?:read\s+more|click\s+here|scroll\s+down|follow\s+(?:us|@)|sign\s+up|subscribe\b|share\s+this
         |related\s*:|(?:more|also|opinion)\s*:|advertisement\b|watch\s*:|video\s*:|listen\s*:|see\s+also\b
         |published\s*:|updated\s*:|last\s+(?:updated|modified)\b|posted\s*:
         |contributing\s*:|reporting\s+by\b|editing\s+by\b|(?:with\s+)?additional\s+reporting\b
         |(?:photo|picture|image|photograph)s?\s*(?:by|:|credit)|credit\s*:
         |(?:get|explore)\b.{0,60}\bnewsletter|this\s+(?:story|article)\s+(?:has\s+been|was)\s+updated
         |quiz\s+time\b|breakfast\s+browse\b|and\s+finally\b|today'?s\s+(?:number|quote|weather)\b)
    |\b(?:photo|pictures?|images?)\s+(?:by|courtesy\s+of)\b
    |\bcopyright\b|\ball\s+rights\s+reserved\b|\(c\)\s*\d{4}
    |\b(?:getty\s+images|ap\s+photo|reuters/|afp/|epa/)
    |https?://|www\.\S+
    |@\w+\s*\.?\s*$
    # ads and the ad-feedback form
    |\bhow\s+relevant\s+is\s+this\s+ad\b|\bad\s+feedback\b|\bvideo\s+ad\b|\bsponsored\s+content\b
    |\bits\s+content\s+is\s+produced\s+independently\b|\bthis\s+ad\s+(?:is|was)\b
    |\bvideo\s+player\s+was\s+slow\b|\bvideo\s+content\s+never\s+loaded\b|\bad\s+froze\b|\bad\s+was\s+(?:too\s+loud|repetitive)\b
    # social and newsletter lines
    |(?:^\W*|[.!]\s+)follow\s+(?:[\w.'’-]+\s+){0,4}on\s+(?:twitter|facebook|instagram|tiktok|threads|x)\b
    |\bfollow\s+(?:[\w.'’-]+\s+){0,4}on\s+(?:twitter|facebook|instagram|tiktok|threads|x)\s*(?::|@|\.?\s*$)
    |\bsign\s+up\s+(?:here|for|to|now)\b|\bnewsletter\b.{0,40}\b(?:sign\s+up|subscribe|inbox)\b
    |\bdelivered\s+to\s+your\s+inbox\b|\bget\s+up\s+to\s+speed\b|\bsubscribe\s+(?:to|now|here)\b
    |\bdownload\s+(?:our|the)\s+app\b|\b(?:cnn|usa\s+today)\s+network\s+and\s+wire\s+reports\b
    |\bsee\s+the\s+recall\s+notice\b
    """
)
_BYLINE = re.compile(r"(?i)^\W*(?:by|written\s+by|reporting\s+by|additional\s+reporting\s+by)\s")
_BYLINE_HINT = re.compile(r"(?i)\b(?:reporter|correspondent|editor|staff|published|updated|for\s+dailymail|for\s+mailonline|cnn|reuters|associated\s+press)\b")
# "– David Jackson", "-- Associated Press": a signature line under a wire item
_SIGNATURE = re.compile(r"^\s*(?:--|[–—])\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s*$")
# "CNN —", "New York CNN Business —": a dateline with nothing after it
_DATELINE = re.compile(r"^[\w .,'’()-]{0,40}\b(?:CNN|AP|Reuters|AFP)(?:\s+Business)?\s*[—–-]+\s*$")


def is_question(text: str) -> bool:
    """The article asking, not stating (a quoted question inside a statement is a statement)."""
    t = text.strip().rstrip("”\"'’) ")
    return t.endswith("?")


def is_boilerplate(text: str) -> bool:
    """Ads, bylines, credits, social and newsletter lines, section labels, links: never news."""
    t = " ".join((text or "").split())
    if not t or _LINE.search(t) or _SIGNATURE.match(t) or _DATELINE.match(t):
        return True
    if _BYLINE.match(t) and (len(t.split()) <= 8 or _BYLINE_HINT.search(t)):
        return True
    letters = [c for c in t if c.isalpha()]
    if 3 <= len(letters) and all(c.isupper() for c in letters) and len(t.split()) <= 6:
        return True  # a section label in capitals ("TODAY'S WEATHER")
    return False


def not_evidence(text: str) -> bool:
    """What answers never quote and briefings never make a point of: boilerplate or a question."""
    return is_boilerplate(text) or is_question(text)
