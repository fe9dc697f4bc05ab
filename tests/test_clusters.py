"""Copies and stories: the seeds' five stories (hash and local embedders), copies across outlets, crash safety."""

from __future__ import annotations

import re

import pytest

from assistant.library.access import open_library
from assistant.library import news as news_rows
from assistant.news import clusters
from assistant.settings import Settings
from tests.conftest import SEEDS, write

SEED_STORIES = [
    {"Medics Provide a U.S. Army \"Band-Aid\"", "US army gives medical assistance to Iraq school"},
    {"Puerto Rico governor announces resignation following protests", "Puerto Rico's governor Rosselló resigns, new governor sworn in",
     "Puerto Rico Supreme Court removes Governor Pierluisi; Wanda Vázquez becomes governor"},
    {"Russia's Navalny airlifted to Germany", "Germany says Alexei Navalny poisoned with Novichok"},
    {"Near-Earth asteroid 2004 MN4 reaches Torino Scale hazard rating 4", "MN4 2004 asteroid now considered safe"},
    {"New Hampshire crash kills seven, including former US Marines", "Driver in New Hampshire multi-motorcycle crash pleads not guilty"},
]


def stories_of(arts):
    groups: dict[str, set] = {}
    for a in arts:
        groups.setdefault(a["story"], set()).add(a["title"])
    return [g for g in groups.values() if len(g) > 1]


def assert_seed_stories(arts):
    assert len(arts) == 12
    got = stories_of(arts)
    assert sorted(map(sorted, got)) == sorted(map(sorted, SEED_STORIES))
    mattis = [a for a in arts if a["title"].startswith("Jim Mattis")][0]
    assert mattis["story"] == mattis["article_id"] and mattis["copies"] == []
    for a in arts:  # the story id is the smallest article id in the story
        members = [b["article_id"] for b in arts if b["story"] == a["story"]]
        assert a["story"] == min(members)
        assert a["copies"] == []
    # dates and outlets of the seeds
    by_title = {a["title"]: a for a in arts}
    assert by_title["US army gives medical assistance to Iraq school"]["published"] == "2004-12"
    assert by_title["Medics Provide a U.S. Army \"Band-Aid\""]["source"].startswith("DefendAmerica")
    assert by_title["Russia's Navalny airlifted to Germany"]["source"] == "Wikinews (English)"


def test_seed_stories_with_the_hash_embedder(cli):
    assert cli("ingest", SEEDS, "--json").code == 0
    assert_seed_stories(cli("sources", "--json").json()["articles"])
    human = cli("sources")
    assert "story" in human.stdout and "(3)" in human.stdout


@pytest.mark.slow
def test_seed_stories_with_the_local_embedder(cli, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "local")
    assert cli("ingest", SEEDS, "--json").code == 0
    assert_seed_stories(cli("sources", "--json").json()["articles"])


REPORT = ("The city council approved a new budget on Monday that raises spending on schools by 12 percent and cuts road repairs, "
          "after a six-hour meeting in which residents argued for and against the plan. Mayor Lena Ortiz said the budget "
          "reflects the priorities voters set last year. Opponents said the cuts would leave potholes unfilled for another winter. "
          "The budget takes effect on July 1 and runs for twelve months.")


def test_copies_across_outlets_are_kept_and_grouped(cli, tmp_path):
    d = tmp_path / "in"
    write(d / "a.md", f"---\ntitle: Council passes budget\ndate: 2024-06-03\nsource: Daily Post\nurl: https://post.example/budget\n---\n\n{REPORT}\n")
    write(d / "b.md", f"---\ntitle: Budget approved by council\ndate: 2024-06-03\nsource: Evening Star\nurl: https://star.example/b\n---\n\n"
                      f"{REPORT.replace('Monday', 'Monday evening')} Copyright Evening Star.\n")
    write(d / "c.md", "---\ntitle: Storm closes harbour\ndate: 2024-06-04\nsource: Daily Post\n---\n\n"
                      "A storm closed the harbour on Tuesday. Fishing boats stayed in port and ferries were cancelled until Thursday.\n")
    write(d / "old.md", f"---\ntitle: Council passes budget\ndate: 2023-01-10\nsource: Archive\n---\n\n{REPORT}\n")
    assert cli("ingest", d, "--json").json()["added"] == 4
    arts = {a["source"]: a for a in cli("sources", "--json").json()["articles"]}
    post = [a for a in cli("sources", "--json").json()["articles"] if a["title"] == "Council passes budget" and a["source"] == "Daily Post"][0]
    star = arts["Evening Star"]
    assert post["copies"] == [star["article_id"]] and star["copies"] == [post["article_id"]]
    assert post["story"] == star["story"] == min(post["article_id"], star["article_id"])
    assert arts["Archive"]["copies"] == []  # the same text 17 months earlier is not a copy: outside the window
    storm = [a for a in cli("sources", "--json").json()["articles"] if a["title"] == "Storm closes harbour"][0]
    assert storm["copies"] == [] and storm["story"] == storm["article_id"]
    with open_library(Settings.load()) as lib:  # the functions retrieval and briefings use
        assert news_rows.copies_of(lib.conn, post["article_id"]) == [star["article_id"]]
        assert news_rows.story_of(lib.conn, star["article_id"]) == post["story"]
        assert news_rows.groups_for(lib.conn, [storm["article_id"]]) == {storm["article_id"]: ([], storm["article_id"])}
    # forgetting one copy updates the groups
    cli("forget", star["article_id"])
    post2 = [a for a in cli("sources", "--json").json()["articles"] if a["article_id"] == post["article_id"]][0]
    assert post2["copies"] == [] and post2["story"] == post["article_id"]


def test_groups_are_derived_data_rebuilt_after_a_crash(cli, tmp_path):
    assert cli("ingest", SEEDS, "--json").code == 0
    before = {a["article_id"]: a["story"] for a in cli("sources", "--json").json()["articles"]}
    with open_library(Settings.load()) as lib:  # as if a run died after committing articles
        with lib.transaction() as c:
            c.execute("DELETE FROM stories")
            c.execute("DELETE FROM copy_groups")
            c.execute("DELETE FROM news_signatures WHERE article_id IN (SELECT article_id FROM news_signatures LIMIT 3)")
    r = cli("check", "--json")
    assert r.code == 1 and any("copies and stories are out of date" in p["problem"] for p in r.json()["problems"])
    write(tmp_path / "x.md", "# Unrelated\n\nA bakery in Lyon won a prize for its bread on Sunday. The judges praised the crust.")
    assert cli("ingest", tmp_path / "x.md", "--json").code == 0
    after = {a["article_id"]: a["story"] for a in cli("sources", "--json").json()["articles"]}
    assert {k: v for k, v in after.items() if k in before} == before
    assert cli("check", "--json").code == 0


def test_components_and_linkage():
    assert clusters.components(["a", "b", "c", "d"], [("a", "b"), ("b", "c")]) == {"a": "a", "b": "a", "c": "a", "d": "d"}
    # a hub linked to two tight pairs joins one of them but does not chain them together
    scored = [(0.9, "a", "b"), (0.9, "c", "d"), (0.6, "a", "h"), (0.6, "b", "h"), (0.6, "c", "h")]
    got = clusters.linked_components(["a", "b", "c", "d", "h"], scored)
    assert got["a"] == got["b"] == got["h"] == "a" and got["c"] == got["d"] == "c"


def test_names_and_numbers_by_rules():
    names = clusters.names_in("Puerto Rico Supreme Court removes Governor Pierluisi",
                              "On Wednesday, Wanda Vázquez was sworn in. The court said Pedro Pierluisi was not eligible.")
    assert "puerto rico supreme court removes governor pierluisi" in names or "puerto rico" in " ".join(names)
    assert "wanda vázquez" in names and "pedro pierluisi" in names and "wednesday" not in names
    assert clusters.numbers_in("Asteroid 2004 MN4", "It has a 1 in 233 chance; 2004 was the year. 1,200 people.") == ["1200", "233", "mn4"]


def test_shingles_and_minhash_are_datasketch_defaults():
    """shingles() and minhash_of() compute in C what the plain definitions compute one shingle at a
    time: stored signatures must not depend on which version wrote them."""
    from datasketch import MinHash

    texts = ["", "one", "four words only here", "Five words make one shingle", "The storm hit the coast; the storm hit the coast again, Vázquez said."
             + " word" * 40]
    for text in texts:
        words = re.findall(r"\w+", text.lower())
        want = {" ".join(words[i : i + 5]) for i in range(len(words) - 4)} if len(words) >= 5 else ({" ".join(words)} if words else set())
        assert clusters.shingles(text) == want
        ref = MinHash(num_perm=clusters.NUM_PERM, permutations=clusters._permutations(), scheme="affine32")
        ref.update_batch([s.encode("utf-8") for s in want])
        got = clusters.minhash_of(want).hashvalues
        assert got.dtype == ref.hashvalues.dtype and got.tolist() == ref.hashvalues.tolist()
