"""The scrape pipeline end to end: real Chromium, the sandbox, the real downloader, a corpus."""
import hashlib
from pathlib import Path

import requests

from PIL import Image

from corpus import ImageError, to_pil, verify
from corpus.sheets import contact_sheet
from scraper.browser import Browser
from scraper.engines import Result
from scraper.pipeline import (EXIT_STILL_FAILING, QueryOutcome, report, save_results,
                              saved_results, scrape_queries, SCRAPE_DDL)

Q = "angry human face"


def fetch_truth(urls):
    """What each URL really gives, fetched after the scrape (with the 429 already spent)."""
    good, bad = {}, []
    for url in urls:
        r = requests.get(url, timeout=10)
        try:
            if r.status_code != 200:
                raise ImageError(str(r.status_code))
            verify(r.content)
            good[url] = hashlib.sha256(r.content).hexdigest()
        except ImageError:
            bad.append(url)
    return good, bad


def test_scrape_lands_in_corpus_with_provenance_then_resumes(corpus, sandbox, browser, artifacts):
    out, = scrape_queries(corpus, [(Q, "angry")], base_url=sandbox.url, max_results=None,
                          workers=4, browser=browser, progress=False)
    expected = sandbox.expected(Q)
    assert out.ok and out.browsed and out.summary.found == 45
    rows = corpus.db.execute("SELECT p.*, i.status, i.label, i.label_source, i.sha256 FROM "
                             "provenance p JOIN items i ON i.id = p.item_id WHERE p.query=?",
                             (Q,)).fetchall()
    assert sorted(r["image_url"] for r in rows) == sorted(expected)      # each URL exactly once
    assert {r["engine"] for r in rows} == {"google"}
    assert {r["page_url"] for r in rows} == {f"{sandbox.url}/search?q=angry+human+face&tbm=isch"}
    good, bad = fetch_truth(expected)
    ok_rows = [r for r in rows if r["status"] == "ok"]
    assert {r["image_url"] for r in ok_rows} == set(good)
    assert {r["sha256"] for r in ok_rows} == set(good.values())
    assert all(r["label"] == "angry" and r["label_source"] == "query" for r in ok_rows)
    assert out.summary.downloaded == len(set(good.values()))
    assert out.summary.duplicates == len(good) - len(set(good.values()))
    failed = [r for r in rows if r["status"] == "failed"]
    assert {r["image_url"] for r in failed} == set(bad) and out.summary.n_failed == len(bad)
    assert all(corpus.item(r["item_id"])["reason"] for r in failed)
    assert any("/img/e404/" in u for u in bad) and any("/img/html/" in u for u in bad)
    assert [r[0] for r in corpus.db.execute(
        "SELECT image_url FROM scrape_results WHERE query=? ORDER BY rank", (Q,))] == expected
    text, code = report([out])
    e500 = [u for u in bad if "/img/e500/" in u]        # the sandbox's 500s: transient
    assert e500 and code == EXIT_STILL_FAILING and "found 45" in text
    assert f"STILL FAILING: {len(e500)} download(s) with a transient error " \
           f"(http 500: {len(e500)}); rerun the same command to retry them" in text
    ok_items = list(corpus.items(status="ok"))
    fails = [corpus.item(r["item_id"]) for r in failed]
    contact_sheet([("stored (label angry)", [to_pil(corpus.read_bytes(i)) for i in ok_items],
                    [f"{i['width']}x{i['height']}" for i in ok_items]),
                   ("failed", [Image.new("RGB", (8, 8), (200, 60, 60))] * len(fails),
                    [f["reason"] for f in fails])],
                  artifacts / "scraper_pipeline_angry.png", title=f"scrape of {Q!r} from the sandbox")

    # Rerun: the saved result list is used (no browser starts); only the 500s are fetched
    # again (and fail again, each attempt a new failed item), nothing else twice.
    n_items = corpus.db.execute("SELECT count(*) FROM items").fetchone()[0]
    fresh = Browser(local=True)
    again, = scrape_queries(corpus, [(Q, "angry")], base_url=sandbox.url, max_results=None,
                            browser=fresh, progress=False, downloader_kw={"backoff": 0.01})
    assert fresh.driver is None and not again.browsed
    assert again.summary.skipped == 45 - len(e500) and again.summary.downloaded == 0
    assert again.summary.failed == {"http 500": len(e500)}
    assert corpus.db.execute("SELECT count(*) FROM items").fetchone()[0] == n_items + len(e500)


def test_new_class_extends_taxonomy_and_blocked_query_is_named(corpus, sandbox, browser):
    outs = scrape_queries(corpus, [("blocked consent", "happy"), ("smug human face", "Smug")],
                          base_url=sandbox.url, max_results=8, browser=browser, progress=False)
    assert outs[0].blocked == "consent page" and outs[1].ok
    assert "smug" in corpus.taxonomy.classes and "happy" in corpus.taxonomy.classes
    assert {i["label"] for i in corpus.items()} == {"smug"}
    assert outs[1].summary.found == 8
    status = dict(corpus.db.execute("SELECT query, status FROM scrape_queries").fetchall())
    assert status == {"blocked consent": "blocked", "smug human face": "done"}
    text, code = report(outs)
    assert code == 3 and "BLOCKED" in text and "consent page" in text


def test_nothing_found_is_not_success():
    text, code = report([QueryOutcome("happy human face", "happy")])
    assert code == 1 and "no results" in text
    _, code = report([QueryOutcome("x", "happy", error="unrecognised page: layout")])
    assert code == 4


def test_saved_list_is_reused_only_when_it_covers_the_request(corpus):
    corpus.ensure(SCRAPE_DDL)
    results = [Result(f"http://127.0.0.1:1/{i}.jpg") for i in range(10)]
    save_results(corpus, "google", "q", "happy", None, "http://127.0.0.1:1/search", 10, results)
    assert saved_results(corpus, "google", "q", None, 5)[1][:5] == results[:5]
    assert saved_results(corpus, "google", "q", None, 20) is None         # asked for more
    assert saved_results(corpus, "google", "q", "http://127.0.0.1:2", 5) is None   # other site
    save_results(corpus, "google", "q", "happy", None, "p", 50, results)  # page ran out at 10
    assert len(saved_results(corpus, "google", "q", None, 100)[1]) == 10


def test_page_that_is_not_results_is_unrecognised(corpus, sandbox, browser):
    out, = scrape_queries(corpus, [("happy human face", "happy")],
                          base_url=sandbox.url + "/nowhere", browser=browser, progress=False)
    assert out.error.startswith("unrecognised page")
    assert report([out])[1] == 4
    row = corpus.db.execute("SELECT status, reason FROM scrape_queries").fetchone()
    assert row["status"] == "failed" and "unrecognised" in row["reason"]


def processes_using(profile):
    """pids whose command line names this Chromium profile directory."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if profile.encode() in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


def test_browser_crash_fails_one_query_and_the_next_gets_a_fresh_browser(corpus, sandbox):
    b = Browser(local=True, wait_s=1.0)
    b.start()
    profile = b._profile
    assert processes_using(profile)
    b.driver.service.process.kill()           # chromedriver dies under the first query
    try:
        outs = scrape_queries(corpus, [("crash face", "sad"), ("after crash face", "sad")],
                              base_url=sandbox.url, max_results=5, browser=b, progress=False)
    finally:
        b.close()
    assert outs[0].error and not outs[0].blocked
    assert processes_using(profile) == []     # the orphaned Chromium was ended with it
    assert outs[1].ok and outs[1].summary.found == 5
    assert report(outs)[1] == 1
