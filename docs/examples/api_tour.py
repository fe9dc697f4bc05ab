"""A tour of the Python API: everything the command line does, from a script.

Run it with a fresh data directory (it ingests the bundled sample articles):

    python docs/examples/api_tour.py /tmp/tour-library

Every result has ``to_dict()``: exactly what the matching ``assistant <command> --json`` prints.
"""

import sys

from assistant import Assistant

data_dir = sys.argv[1] if len(sys.argv) > 1 else None  # default: $ASSISTANT_HOME or the per-user data dir

with Assistant(data_dir) as a:
    # ingest: files, folders, globs, URLs of pages and feeds; seeds=True adds the bundled samples
    report = a.ingest(seeds=True)
    print(f"ingest: {report.added} added, {report.unchanged} unchanged, {report.failed} failed")
    for o in report.outcomes:
        if o.action == "failed":
            print("  failed:", o.message, "/", o.hint)

    # sources: typed articles, newest first
    articles = a.sources()
    print(f"sources: {len(articles)} articles")
    for art in articles[:3]:
        print(f"  {art.article_id}  {art.published or 'undated'}  {art.source}: {art.title}")

    # show: one article with its stable sentence ids
    navalny = next(art for art in articles if "Navalny" in art.title)
    article = a.show(navalny.article_id)
    print(f"show: {article.title} (revision {article.revision}, {len(article.sentences)} sentences)")
    print(f"  [{article.sentences[0].id}] {article.sentences[0].text}")

    # search: passages, best first, with the same filters as the command line
    for p in a.search("Puerto Rico governor", k=2, per_article=1):
        print(f"search: {p.score:.3f} {p.title} ({p.source}, {p.published})")

    # ask: every sentence cites the source sentences that support it
    answer = a.ask("Which nerve agent poisoned Alexei Navalny?")
    print("ask:", answer.answer)
    for c in answer.citations:
        print(f"  [{c.n}] {c.id} {c.source}, {c.published}")

    # ask, streaming: each sentence as soon as it is checked; then the whole answer
    response = a.ask("Who became governor of Puerto Rico?", stream=True)
    for sentence in response:
        print("streamed:", sentence.text)
    print("  refused:", response.answer.refused, "citations:", [c.id for c in response.answer.citations])

    # brief: a briefing whose points cite their sources; an empty one says why
    briefing = a.brief("Navalny", length=3)
    print(f"brief: {len(briefing.sentences)} points on {briefing.topic}")
    for point in briefing.sentences:
        print("  -", point.text)
    nothing = a.brief("Navalny", since="2030-01-01")
    print("brief (2030 onwards):", "empty" if nothing.empty else "not empty", "-", nothing.reason)

    # forget: remove an article (all revisions, sentences, chunks and vectors)
    gone = a.forget(articles[-1].article_id)
    print("forget:", gone.forgotten, "->", len(a.sources()), "articles left")

    # check: do the library and the vector index agree?
    health = a.check()
    print("check:", "ok" if health.ok else "NOT ok", health.counts)
    for problem in health.problems:
        print("  problem:", problem.problem, "/ fix:", problem.fix)
