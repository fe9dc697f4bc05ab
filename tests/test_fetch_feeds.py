"""URLs and feeds against a real HTTP server on loopback: pages, feeds, update, and what goes wrong."""

from __future__ import annotations

import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.library.access import open_library
from assistant.settings import Settings

WORDS = "The regional council said the new bridge would open to traffic in the spring after two years of delays and rising costs."


def article_page(title, paras, published="2024-05-01T09:00:00Z", site="Valley Times"):
    ps = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<!DOCTYPE html><html><head><title>{title}</title><meta property='og:site_name' content='{site}'>"
            f"<meta property='article:published_time' content='{published}'></head>"
            f"<body><nav>Home | Local | Sport</nav><article><h1>{title}</h1>{ps}</article><footer>Contact us</footer></body></html>")


def rss(items, title="Valley Times"):
    out = []
    for it in items:
        parts = [f"<title>{it['title']}</title>"]
        if it.get("link"):
            parts.append(f"<link>{it['link']}</link>")
        if it.get("guid"):
            parts.append(f"<guid isPermaLink='false'>{it['guid']}</guid>")
        if it.get("date"):
            parts.append(f"<pubDate>{it['date']}</pubDate>")
        if it.get("text"):
            parts.append(f"<description><![CDATA[{it['text']}]]></description>")
        out.append("<item>" + "".join(parts) + "</item>")
    return f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}</title><link>http://x/</link>{''.join(out)}</channel></rss>"


class Server:
    """routes: path -> (status, content_type, body, extra headers). Counts requests per path."""

    def __init__(self):
        self.routes: dict[str, tuple] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    self.wfile.write(b"<html><body>Not found</body></html>")
                    return
                status, ctype, body, headers = route if len(route) == 4 else (*route, {})
                if callable(body):
                    body = body(self)
                    if body is None:
                        return
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return self.base + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def test_page_url_is_fetched_and_ingested(cli, server):
    server.routes["/a"] = (200, "text/html; charset=utf-8", article_page("Bridge to open in spring", [WORDS, WORDS.replace("bridge", "road")]))
    server.routes["/old"] = (301, "", "", {"Location": "/a"})
    r = cli("ingest", server.url("/old"), "--json")
    assert r.code == 0 and r.json()["added"] == 1, r
    art = cli("sources", "--json").json()["articles"][0]
    assert art["title"] == "Bridge to open in spring" and art["source"] == "Valley Times"
    assert art["url"] == server.url("/a") and art["published"].startswith("2024-05-01T09:00")
    assert art["copies"] == [] and art["story"] == art["article_id"]
    assert cli("ingest", server.url("/a"), "--json").json()["unchanged"] == 1


def test_http_failures_get_one_line_each_and_the_rest_is_ingested(cli, server, tmp_path):
    server.routes["/ok"] = (200, "text/html", article_page("Good page", [WORDS]))
    server.routes["/loop"] = (302, "", "", {"Location": "/loop"})
    server.routes["/boom"] = (500, "text/html", "<html>oops</html>")
    server.routes["/pdf"] = (200, "application/pdf", b"%PDF-1.4 binary")
    server.routes["/forbidden"] = (403, "text/html", "<html>no robots</html>")
    server.routes["/busy"] = (429, "text/html", "slow down")
    server.routes["/big"] = (200, "text/html", b"<html><body>" + b"x" * (2 * 1024 * 1024) + b"</body></html>")
    server.routes["/fakefeed"] = (200, "application/rss+xml", "<html><body><nav>Home</nav></body></html>")
    urls = [server.url(p) for p in ("/ok", "/loop", "/missing", "/boom", "/pdf", "/forbidden", "/busy", "/big", "/fakefeed")]
    r = cli("ingest", *urls, "--max-file-mb", "1", "--json")
    assert r.code == 1
    doc = r.json()
    assert doc["added"] == 1 and doc["failed"] == 8
    msgs = {o["origin"].rsplit("/", 1)[-1]: o["message"] for o in doc["outcomes"] if o["action"] == "failed"}
    assert "redirected more than 10 times" in msgs["loop"]
    assert "HTTP 404" in msgs["missing"] and "HTTP 500" in msgs["boom"]
    assert "not a web page or feed (content type application/pdf)" in msgs["pdf"]
    assert "the site refused access (HTTP 403)" in msgs["forbidden"] and "too many requests (HTTP 429)" in msgs["busy"]
    assert "over the 1 MB limit" in msgs["big"]
    assert "served as a feed" in msgs["fakefeed"]
    human = cli("ingest", server.url("/loop"))
    assert human.code == 1 and "Traceback" not in human.stderr and human.stderr.startswith("error: ")
    assert len(cli("sources", "--json").json()["articles"]) == 1


def test_unreachable_host_is_a_clear_error(cli):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = cli("ingest", f"http://127.0.0.1:{port}/x", "--json")
    assert r.code == 1 and "cannot connect" in r.json()["outcomes"][0]["message"]


def feed_items():
    long_text = "<p>" + " ".join([WORDS] * 3) + "</p><p>Work starts in March.</p>"
    return [
        {"title": "Bridge opens", "link": "/news/bridge", "guid": "g-bridge", "date": "Wed, 01 May 2024 09:00:00 GMT", "text": long_text},
        {"title": "School roof repaired", "link": "/news/school", "guid": "g-school", "date": "Thu, 02 May 2024 10:00:00 GMT", "text": "Short teaser."},
        {"title": "Market day without date or link", "guid": "g-market", "text": "<p>" + " ".join([WORDS.replace("bridge", "market")] * 3) + "</p>"},
        {"title": "Empty entry", "guid": "g-empty"},
    ]


def serve_feed(server, items):
    body = rss([{**it, "link": server.url(it["link"]) if it.get("link") else ""} for it in items])
    server.routes["/feed.xml"] = (200, "application/rss+xml", body, {"ETag": f'"{hash(body)}"', "Last-Modified": formatdate(usegmt=True)})


def test_feed_ingest_then_update_with_new_and_changed_entries(cli, server, monkeypatch):
    monkeypatch.setenv("ASSISTANT_PAGE_RECHECK_HOURS", "0")  # feed-level behaviour only; page re-checks: test_update_rechecks_...
    school = [WORDS.replace("bridge", "school roof"), "Pupils return on Monday after the repairs, the head teacher said."]
    server.routes["/news/school"] = (200, "text/html", article_page("School roof repaired after storm", school, published="2024-05-02T10:00:00Z"))
    serve_feed(server, feed_items())
    r = cli("ingest", server.url("/feed.xml"), "--json")
    doc = r.json()
    assert r.code == 1, r  # the empty entry is reported
    assert doc["added"] == 3 and doc["failed"] == 1
    assert "has no text and no link" in [o for o in doc["outcomes"] if o["action"] == "failed"][0]["message"]
    assert server.hits.get("/news/bridge", 0) == 0  # long enough in the feed: not fetched
    assert server.hits["/news/school"] == 1  # teaser only: the page was fetched
    assert doc["feeds"][0]["entries"] == 4 and doc["feeds"][0]["title"] == "Valley Times"
    arts = {a["title"]: a for a in cli("sources", "--json").json()["articles"]}
    assert arts["Bridge opens"]["source"] == "Valley Times" and arts["Bridge opens"]["published"].startswith("2024-05-01T09:00")
    assert arts["School roof repaired after storm"]["url"] == server.url("/news/school")
    assert arts["Market day without date or link"]["published"] is None
    with open_library(Settings.load()) as lib:
        row = lib.conn.execute("SELECT url, title, etag, last_modified, added_at, last_checked FROM feeds").fetchone()
        assert row["url"] == server.url("/feed.xml") and row["etag"] and row["last_modified"] and row["added_at"]

    # nothing changed: a conditional GET answers 304
    up = cli("update", "--json")
    assert up.json()["feeds"][0]["status"] == "not modified" and up.json()["added"] == 0, up

    # one new entry, one changed entry (new text, same link), a later "published" time for it
    items = feed_items()
    items[0]["text"] = items[0]["text"].replace("Work starts in March.", "Work starts in April, the council now says.")
    items[0]["date"] = "Fri, 03 May 2024 08:00:00 GMT"
    items.insert(0, {"title": "Flood warning lifted", "link": "/news/flood", "guid": "g-flood", "date": "Sat, 04 May 2024 07:00:00 GMT",
                     "text": "<p>" + " ".join([WORDS.replace("bridge", "flood barrier")] * 3) + "</p>"})
    serve_feed(server, items)
    up = cli("update", "--json")
    doc = up.json()
    assert doc["added"] == 1 and doc["revised"] == 1, up
    assert doc["feeds"][0]["already_seen"] == 2  # school and market: skipped without fetching
    assert server.hits["/news/school"] == 1
    bridge = {a["title"]: a for a in cli("sources", "--json").json()["articles"]}["Bridge opens"]
    assert bridge["revision"] == 2
    shown = cli("show", bridge["article_id"], "--json").json()
    assert shown["published"].startswith("2024-05-01T09:00")  # the story keeps its first publication date
    assert shown["updated"].startswith("2024-05-03T08:00")
    assert any("April" in s["text"] for s in shown["sentences"])


def test_max_entries_caps_a_feed_and_says_so(cli, server):
    items = [{"title": f"Item {i}", "guid": f"g{i}", "text": f"<p>Item {i}. " + " ".join([WORDS] * 3) + "</p>"} for i in range(7)]
    server.routes["/big.xml"] = (200, "application/atom+xml", rss(items))
    doc = cli("ingest", server.url("/big.xml"), "--max-entries", "3", "--json").json()
    assert doc["added"] == 3 and doc["skipped"] == 1
    skipped = [o for o in doc["outcomes"] if o["action"] == "skipped"][0]
    assert "4 of 7 feed entries not ingested (over --max-entries 3)" in skipped["message"]


def test_feed_entry_page_failures_are_retried_by_update(cli, server):
    items = [{"title": "Teaser", "link": "/news/later", "guid": "g1", "text": "Short."}]
    server.routes["/f.xml"] = (200, "application/rss+xml", rss([{**items[0], "link": server.url("/news/later")}]))
    first = cli("ingest", server.url("/f.xml"), "--json").json()
    assert first["failed"] == 1 and "HTTP 404" in first["outcomes"][0]["message"]
    server.routes["/news/later"] = (200, "text/html", article_page("Later story", [WORDS, WORDS]))
    up = cli("update", "--json").json()
    assert up["added"] == 1 and up["failed"] == 0


def test_update_without_feeds_says_what_to_do(cli):
    r = cli("update", "--json")
    assert r.code == 1 and "no feeds to update" in r.json()["error"]["message"]


# --------------------------------------------------------------------------- issue 14 items 13 and 14
SUMMARY = "The council approved the new budget for schools on Tuesday, with more money for teachers and repairs."


def test_entry_whose_page_is_gone_falls_back_to_its_summary(cli, server):
    """Item 14: a 404 for one entry's page does not fail the ingest when the entry carries a summary."""
    items = [{"title": "Budget approved", "link": "/news/gone", "guid": "g-gone", "date": "Wed, 01 May 2024 09:00:00 GMT", "text": SUMMARY},
             {"title": "Teaser only", "link": "/news/gone-too", "guid": "g-short", "text": "Short."},
             {"title": "Bridge opens", "guid": "g-bridge", "text": "<p>" + " ".join([WORDS] * 3) + "</p>"}]
    serve_feed(server, items)
    r = cli("ingest", server.url("/feed.xml"), "--json")
    doc = r.json()
    assert doc["added"] == 2 and doc["failed"] == 1, r  # the summary and the bridge; "Short." is no article
    assert r.code == 1  # one entry could not be ingested at all, and the exit code says so
    warn = [o for o in doc["outcomes"] if o["action"] == "warning"]
    assert len(warn) == 1 and "HTTP 404" in warn[0]["message"] and "ingested the feed's summary instead" in warn[0]["message"]
    assert doc["feeds"][0]["summaries"] == 1
    arts = {a["title"]: a for a in cli("sources", "--json").json()["articles"]}
    assert arts["Budget approved"]["url"] == server.url("/news/gone") and arts["Budget approved"]["published"].startswith("2024-05-01")
    # only the summary-backed and full entries: exit 0 with the warning on stderr
    serve_feed(server, [items[0], items[2]])
    server.routes["/feed2.xml"] = server.routes.pop("/feed.xml")
    human = cli("ingest", server.url("/feed2.xml"))
    assert human.code == 0 and "warning:" in human.stderr and "summary instead" in human.stderr, human
    # the page comes back: the next update reads it, and the article gets its full text as a new revision
    server.routes["/news/gone"] = (200, "text/html", article_page("Budget approved", [SUMMARY, WORDS, WORDS.replace("bridge", "school")]))
    up = cli("update", "--json").json()
    assert up["revised"] == 1 and not [o for o in up["outcomes"] if o["action"] == "warning"], up
    assert cli("show", arts["Budget approved"]["article_id"], "--json").json()["revision"] == 2


def test_update_rechecks_recent_pages_that_changed_in_place(cli, server, monkeypatch):
    """Item 13: the page of a recent entry is asked again with a conditional GET, also when the feed answers 304."""
    state = {"etag": '"v1"', "paras": [WORDS, "Officials expect the first cars on Monday."]}

    def page(handler):
        if handler.headers.get("If-None-Match") == state["etag"]:
            handler.send_response(304)
            handler.send_header("ETag", state["etag"])
            handler.end_headers()
            return None
        body = article_page("Bridge to open", state["paras"]).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("ETag", state["etag"])
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return None

    server.routes["/news/bridge"] = (200, "text/html", page)
    serve_feed(server, [{"title": "Bridge", "link": "/news/bridge", "guid": "g1", "text": "Teaser."}])
    assert cli("ingest", server.url("/feed.xml"), "--json").json()["added"] == 1
    assert server.hits["/news/bridge"] == 1
    up = cli("update", "--json").json()  # feed 304, page 304: nothing new, but the page was asked
    assert up["feeds"][0]["status"] == "not modified" and up["feeds"][0]["pages_rechecked"] == 1 and up["revised"] == 0, up
    assert server.hits["/news/bridge"] == 2
    state.update(etag='"v2"', paras=[WORDS, "Officials now expect the first cars on Friday, after a safety check."])
    up = cli("update", "--json").json()  # the feed is still 304; the page changed in place
    assert up["revised"] == 1 and up["feeds"][0]["status"] == "not modified", up
    art = cli("sources", "--json").json()["articles"][0]
    shown = cli("show", art["article_id"], "--json").json()
    assert shown["revision"] == 2 and any("Friday" in s["text"] for s in shown["sentences"])
    assert cli("update", "--json").json()["revised"] == 0  # v2 again: 304
    # configurable: 0 turns it off
    monkeypatch.setenv("ASSISTANT_PAGE_RECHECK_HOURS", "0")
    hits = server.hits["/news/bridge"]
    assert cli("update", "--json").json()["feeds"][0].get("pages_rechecked", 0) == 0 and server.hits["/news/bridge"] == hits
