import json

import pytest

from assistant.errors import InputError
from assistant.ingest import inputs, loaders
from assistant.ingest.identity import identity_for, normalise_url
from tests.conftest import SEEDS, write


def test_txt_in_the_seed_shape():
    data = (SEEDS / "000_dd9860ece21027d1.txt").read_text()
    [art], errors = loaders.load("txt", data, "seed.txt")
    assert not errors
    assert art.title == "Jim Mattis arrives in Pakistan for anti-terror talks"
    assert len(art.highlights) == 3 and art.highlights[0].startswith("Donald Trump’s defence secretary arrived")
    assert art.source == "DailyMail.co.uk"  # taken from the trailer before it was dropped
    assert "Read more at" not in art.text
    caption = "Kuwaiti Army Chief of Staff General Lieutenant Mohammad al-Khodhr (C-R) receiving US Defence Secretary Jim Mattis"
    assert art.text.count(caption) == 1  # the repeated photo caption appears once
    assert "•" not in art.text and art.title not in art.text


def test_markdown_front_matter():
    data = (SEEDS / "news" / "2019-08-08-wikinews-puerto-rico-supreme-court-removes-pierluisi.md").read_text()
    [art], _ = loaders.load("md", data, "x.md")
    assert art.title.startswith("Puerto Rico Supreme Court removes Governor Pierluisi")
    assert art.published == "2019-08-08"
    assert art.source == "Wikinews (English)"
    assert art.url.startswith("https://en.wikinews.org/wiki/Puerto_Rico_Supreme_Court")
    assert art.author == "Wikinews contributors"
    assert not art.text.startswith("---")


def test_markdown_without_front_matter_uses_heading_as_title():
    [art], _ = loaders.load("md", "# A title\n\nFirst paragraph here.\n\n## Section\n\nMore text.", "a.md")
    assert art.title == "A title"
    assert "Section" in art.text and "#" not in art.text


def test_bad_front_matter_is_a_clear_error():
    with pytest.raises(InputError, match="never ends"):
        loaders.load("md", "---\ntitle: x\nno end", "a.md")
    with pytest.raises(InputError, match="not valid YAML"):
        loaders.load("md", "---\ntitle: [unclosed\n---\nbody text.", "a.md")


def test_json_records_with_aliases_and_field_map():
    doc = [
        {"headline": "One", "body": "Body one.", "published": "2022-06-12", "link": "https://x.org/1", "outlet": {"name": "CNN"}, "authors": ["A", "B"]},
        {"title": "Two", "story": "Body two.", "id": 7},
    ]
    arts, errors = loaders.load("json", json.dumps(doc), "f.json", {"text": "story"})
    assert [a.title for a in arts] == ["One", "Two"] and not errors
    assert arts[0].source == "CNN" and arts[0].author == "A, B" and arts[0].url == "https://x.org/1"
    assert arts[1].explicit_id == "7" and arts[1].origin == "f.json#1"


def test_json_record_without_text_names_the_fields_it_tried():
    arts, errors = loaders.load("json", json.dumps([{"title": "x"}]), "f.json")
    assert not arts and "record has no text" in errors[0].message and "--field text=KEY" in errors[0].hint


def test_jsonl_malformed_line_does_not_stop_the_others():
    data = '{"title": "a", "text": "Alpha text."}\n{not json\n\n{"title": "c", "text": "Gamma text."}\n'
    arts, errors = loaders.load("jsonl", data, "f.jsonl")
    assert [a.title for a in arts] == ["a", "c"]
    assert len(errors) == 1 and "line 2" in errors[0].message
    assert [a.origin for a in arts] == ["f.jsonl#0", "f.jsonl#2"]


def test_identity_rules(tmp_path):
    from assistant.types import ParsedArticle

    assert identity_for(ParsedArticle(text="t", url="http://www.CNN.com/a/b/?utm_source=x#frag"))[0] == "url:https://cnn.com/a/b"
    assert identity_for(ParsedArticle(text="t", explicit_id="42"))[1] == "id"
    i1 = identity_for(ParsedArticle(text="t", origin="data.jsonl#3"))
    assert i1[1] == "path" and i1[0].endswith("data.jsonl#3")
    assert identity_for(ParsedArticle(text="t", origin="-"))[1] == "hash"
    assert normalise_url("https://example.org/x?b=2&a=1") == "https://example.org/x?a=1&b=2"


def test_expand_skips_documents_and_says_why(tmp_path):
    write(tmp_path / "d" / "a.md", "# T\n\nText.")
    write(tmp_path / "d" / "README.md", "readme")
    write(tmp_path / "d" / "LICENSE", "licence")
    write(tmp_path / "d" / "sub" / "b.txt", "Title\n\nBody.")
    write(tmp_path / "d" / "image.png", b"\x89PNG")
    files, skipped, missing = inputs.expand([str(tmp_path / "d"), str(tmp_path / "nope.txt"), str(tmp_path / "d" / "*.zzz")])
    assert [f.path.name for f in files] == ["a.md", "b.txt"]
    reasons = {s.label.rsplit("/", 1)[-1]: s.reason for s in skipped}
    assert "ignored by name" in reasons["README.md"] and "ignored by name" in reasons["LICENSE"]
    assert "unsupported" in reasons["image.png"]
    assert {m.reason for m in missing} == {"no such file or directory", "no file matches this pattern"}


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "file is empty"),
        (b"   \n\n", "file is empty"),
        (b"\x00\x01\x02binary\x00", "binary"),
        ("Caf\u00e9 au lait".encode("latin-1"), "not valid UTF-8"),
    ],
)
def test_read_text_rejects_bad_files(tmp_path, content, message):
    p = write(tmp_path / "bad.txt", content)
    with pytest.raises(InputError, match=message):
        inputs.read_text(inputs.InputFile(str(p), p, True))


def test_read_text_refuses_a_huge_file_without_reading_it(tmp_path):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as fh:  # sparse: 300 MB on paper, nothing on disk
        fh.truncate(300 * 1024 * 1024)
    with pytest.raises(InputError, match="300 MB, over the 100 MB limit"):
        inputs.read_text(inputs.InputFile(str(p), p, True))


@pytest.mark.parametrize("spelling", [
    "https://www.cnn.com/2022/09/28/us/hurricane-ian/index.html",
    "https://www.cnn.com/2022/09/28/us/hurricane-ian",
    "http://cnn.com/2022/09/28/us/hurricane-ian/",
    "https://CNN.com/2022/09/28/us/hurricane-ian/index.html?utm_source=twitter&utm_medium=social#comments",
    "https://www.cnn.com:443/2022/09/28/us/hurricane-ian/?cmpid=rss&ref_src=twsrc",
    "https://www.cnn.com/2022/09/28/us/hurricane-ian/index.htm?fbclid=abc&smid=tw-share",
])
def test_spellings_of_one_page_have_one_canonical_url(spelling):
    assert normalise_url(spelling) == "https://cnn.com/2022/09/28/us/hurricane-ian"


def test_canonical_url_keeps_what_names_a_different_page():
    assert normalise_url("https://example.org/story?id=2&page=3") == "https://example.org/story?id=2&page=3"
    assert normalise_url("https://example.org/index.html") == "https://example.org/"
    assert normalise_url("https://example.org/a/index.html/b") == "https://example.org/a/index.html/b"  # only a last segment
    assert normalise_url("https://example.org/Case/Path") == "https://example.org/Case/Path"  # paths are case-sensitive
    assert normalise_url("https://example.org:8080/x") == "https://example.org:8080/x"
    assert normalise_url("not a url") == "not a url"
    assert normalise_url("https://[bad") == "https://[bad"


def test_index_html_and_the_bare_address_are_one_article(cli, tmp_path):
    import json

    page = {"url": "https://www.cnn.com/2022/09/28/us/storm/index.html", "title": "Storm", "date": "2022-09-28",
            "text": "The storm reached the coast on Wednesday. Thousands of people left their homes."}
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps(page) + "\n")
    o1 = cli("ingest", src, "--json").json()["outcomes"][0]
    bare = dict(page, url="http://cnn.com/2022/09/28/us/storm/?utm_source=rss", text=page["text"] + " The roads were closed.")
    src.write_text(json.dumps(bare) + "\n")
    o2 = cli("ingest", src, "--json").json()["outcomes"][0]
    assert o1["action"] == "added" and o2["action"] == "revised" and o2["article_id"] == o1["article_id"]
