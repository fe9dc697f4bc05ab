"""Boilerplate and the article's own questions: never evidence for answers, never briefing points
(issue 13 item 5, issue 14 item 16); briefing points newest first, heavier stories first."""

from assistant.news.boilerplate import is_boilerplate, is_question, not_evidence
from tests.conftest import write

BOILERPLATE = [
    "How relevant is this ad to you?",
    "Follow Brett Molina on Twitter: @brettmolina23.",
    "Sign up here for the '5 Things' newsletter.",
    "Get CNN Health's weekly newsletter Sign up here to get The Results Are In with Dr.",
    '(You can get "5 Things You Need to Know Today" delivered to your inbox daily.',
    "Contributing: The Associated Press",
    "– David Jackson",
    "CNN —",
    "New York CNN Business —",
    "TODAY'S QUOTE",
    "Video Ad Feedback Watch Boris Johnson's final remarks as Prime Minister 07:39 - Source: CNN",
    "Its content is produced independently of USA TODAY.",
    "By Jane Doe, CNN",
    "Read More",
    # headlines of other articles, linked under a prefix
    "More:Want to file your tax return for free? TurboTax opts out of major program",
    "MORE:Home swept away as Yellowstone is hit by major floods and mudslides",
    "Opinion:Kentucky AG Daniel Cameron can't submit to outside pressure in Taylor case",
]
NEWS = [
    "By the end of the day, the rescue teams had found 40 survivors.",
    "Kroger and Albertsons agreed to merge in a deal worth $24.6 billion, the companies said Friday.",
    "Follow-up tests showed the vaccine protected children under 5, the CDC said.",
    "The company said it would follow the rules on Twitter content moderation set by the EU.",
    "More than 6,600 cases have been detected in the United States.",
    '"Why would anyone do this?" the mayor asked reporters on Monday.',
]


def test_boilerplate_lines_are_caught_and_news_is_not():
    for line in BOILERPLATE:
        assert is_boilerplate(line), line
    for line in NEWS:
        assert not is_boilerplate(line), line
    assert is_question("Did Aaron Judge hit a home run last night?") and not_evidence("Did Aaron Judge hit a home run last night?")
    assert is_question("What does “PSL” stand for?”")
    assert not is_question(NEWS[-1]) and not not_evidence(NEWS[-1])  # a quoted question inside a statement


def _article(tmp_path, name, date, source, body, title=None):
    return write(tmp_path / f"{name}.md", f"---\ntitle: {title or name}\ndate: {date}\nsource: {source}\nurl: https://{source.lower().replace(' ', '')}.example/{name}\n---\n\n{body}\n")


def test_boilerplate_is_never_evidence_for_an_answer(cli, tmp_path):
    body = ("How relevant is this ad to you? Did the Valdoria dam burst last night? "
            "Follow Jane Roe on Twitter: @janeroe. The Valdoria dam burst on Tuesday night and flooded 300 homes, officials said.")
    assert cli("ingest", _article(tmp_path, "dam", "2024-05-02", "Outlet A", body)).code == 0
    doc = cli("ask", "Did the Valdoria dam burst last night?", "--json", "--engine", "extractive").json()
    quoted = " ".join(c["text"] for c in doc["citations"])
    assert "relevant" not in quoted and "Twitter" not in quoted and "?" not in quoted
    ctx = cli("ask", "Valdoria dam", "--show-context").stdout
    assert "How relevant is this ad" not in ctx and "@janeroe" not in ctx and "flooded 300 homes" in ctx


def test_briefing_points_skip_boilerplate_and_questions_and_come_newest_first(cli, tmp_path):
    files = [
        _article(tmp_path, "old", "2018-03-01", "Outlet A",
                 "How relevant is this ad to you? The Marrow river bridge reopened to traffic after two years of repairs, the city said."),
        _article(tmp_path, "mid", "2022-02-10", "Outlet B",
                 "Did Aaron Judge hit a home run last night? The Valdoria council voted to build 12 new schools by 2025, the mayor said."),
        _article(tmp_path, "new1", "2022-11-20", "Outlet C",
                 "Follow Brett Molina on Twitter: @brettmolina23. Kroger agreed to buy Albertsons for 24.6 billion dollars, the grocers said on Friday."),
        _article(tmp_path, "new2", "2022-11-20", "Outlet D",
                 "Sign up here for the '5 Things' newsletter. Kroger and Albertsons plan to merge in a deal valued at 24.6 billion dollars, the companies said."),
        _article(tmp_path, "new3", "2022-11-20", "Outlet E",
                 "The Harbour museum of Valdoria reopened its west wing to visitors after a fire last spring, staff said."),
    ]
    assert cli("ingest", *files).code == 0
    doc = cli("brief", "--json").json()
    texts = [s["text"] for s in doc["sentences"]]
    joined = " ".join(texts)
    for bad in ("relevant is this ad", "Aaron Judge", "Twitter", "newsletter", "?"):
        assert bad not in joined, texts
    dates = [t.split("(", 1)[1][:10] for t in texts if not t.startswith("Earlier,")]
    assert dates == sorted(dates, reverse=True), texts
    # within the newest day, the story two outlets carry comes before the one only one outlet has
    assert "Kroger" in texts[0] and "museum" in texts[1], texts
