"""Query -> results (browser + engine) -> download jobs -> corpus, resumable at any moment.

    outcomes = scrape_queries(corpus, [("happy human face", "happy")], base_url=..., max_results=60)

Each query's collected result list is saved in the catalog (scrape_results) before any
download starts, and the query is marked done after its downloads: a rerun after kill -9
reuses the saved list instead of browsing again, and the downloader skips every result that
is already recorded, so each image lands exactly once.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corpus import Corpus, now

from .browser import Browser, is_local
from .neterrors import SiteUnreachable
from .download import Downloader, Job, Summary
from .download.summary import counts
from .engines import BlockedPage, Result, UnrecognisedPage, get_engine

SCRAPE_DDL = """
CREATE TABLE IF NOT EXISTS scrape_queries (
    engine      TEXT NOT NULL,
    query       TEXT NOT NULL,
    label       TEXT,
    base_url    TEXT,
    status      TEXT NOT NULL,           -- collected | done | blocked | failed
    reason      TEXT,                    -- block name or error when blocked / failed
    page_url    TEXT,
    max_results INTEGER,                 -- what was asked for when browsing (NULL: no limit)
    n_results   INTEGER,
    summary     TEXT,                    -- JSON of the last download summary
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (engine, query)
);
CREATE TABLE IF NOT EXISTS scrape_results (
    engine        TEXT NOT NULL,
    query         TEXT NOT NULL,
    rank          INTEGER NOT NULL,
    image_url     TEXT,
    thumbnail_url TEXT,
    source_page   TEXT,
    title         TEXT,
    width         INTEGER,
    height        INTEGER,
    PRIMARY KEY (engine, query, rank)
);
"""
UNREACHABLE = "unreachable: "        # QueryOutcome.error prefix when no page could be loaded
RESULT_FIELDS = ("image_url", "thumbnail_url", "source_page", "title", "width", "height")


@dataclass
class QueryOutcome:
    query: str
    label: str | None
    summary: Summary = field(default_factory=Summary)
    blocked: str | None = None          # block page name, e.g. "unusual traffic / captcha"
    error: str | None = None            # unrecognised page, browser failure, ...
    browsed: bool = False               # False: the saved result list of an earlier run was used

    @property
    def ok(self) -> bool:
        return not self.blocked and not self.error

    def line(self) -> str:
        head = f"[{self.label or '-'}] {self.query!r}: "
        if self.blocked:
            return head + f"BLOCKED ({self.blocked})"
        if self.error:
            return head + f"FAILED ({self.error})"
        return head + str(self.summary) + ("" if self.browsed else " [saved result list]")


def extend_taxonomy(corpus: Corpus, names, log=None) -> dict[str, str]:
    """Make every class name known to the corpus taxonomy; return name -> canonical class."""
    tax = corpus.taxonomy
    new = [" ".join(n.casefold().split()) for n in names if tax.maybe_canonical(n) is None]
    if new:
        # Said out loud: a typo in --label would otherwise become a class silently.
        (log or print)(f"adding class(es) {', '.join(new)} to the corpus taxonomy "
                       f"({', '.join(tax.classes)})")
        corpus.set_taxonomy(tax.with_classes(new))
        tax = corpus.taxonomy
    return {n: tax.canonical(n) for n in names}


def saved_results(corpus: Corpus, engine: str, query: str, base_url: str | None,
                  max_results: int | None) -> tuple[str, list[Result]] | None:
    """The result list of an earlier run, if it covers this request."""
    row = corpus.db.execute("SELECT * FROM scrape_queries WHERE engine=? AND query=?",
                            (engine, query)).fetchone()
    if row is None or row["status"] not in ("collected", "done") or row["base_url"] != base_url:
        return None
    asked, got = row["max_results"], row["n_results"]
    exhausted = asked is None or got < asked      # the page had no more to give
    if not (exhausted or (max_results is not None and asked >= max_results)):
        return None
    rows = corpus.db.execute("SELECT * FROM scrape_results WHERE engine=? AND query=? ORDER BY rank",
                             (engine, query))
    return row["page_url"], [Result(**{k: r[k] for k in RESULT_FIELDS}) for r in rows]


def save_results(corpus: Corpus, engine: str, query: str, label: str | None, base_url,
                 page_url: str, max_results: int | None, results: list[Result]) -> None:
    with corpus.transaction() as db:
        db.execute("DELETE FROM scrape_results WHERE engine=? AND query=?", (engine, query))
        db.executemany(
            f"INSERT INTO scrape_results (engine, query, rank, {', '.join(RESULT_FIELDS)})"
            f" VALUES (?, ?, ?, {', '.join('?' * len(RESULT_FIELDS))})",
            [(engine, query, i, *(getattr(r, k) for k in RESULT_FIELDS))
             for i, r in enumerate(results)])
        _set_query(db, engine, query, label, base_url, "collected", None, page_url=page_url,
                   max_results=max_results, n_results=len(results))


def _set_query(db, engine, query, label, base_url, status, reason, **cols) -> None:
    db.execute("INSERT INTO scrape_queries (engine, query, label, base_url, status, reason,"
               " updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (engine, query) DO UPDATE SET"
               " label=excluded.label, base_url=excluded.base_url, status=excluded.status,"
               " reason=excluded.reason, updated_at=excluded.updated_at",
               (engine, query, label, base_url, status, reason, now()))
    for col, val in cols.items():       # column names come from this module only
        db.execute(f"UPDATE scrape_queries SET {col}=? WHERE engine=? AND query=?",
                   (val, engine, query))


def jobs_for(results: list[Result], *, engine: str, query: str, label: str | None,
             page_url: str, user: str | None = None) -> list[Job]:
    jobs = []
    for rank, r in enumerate(results):
        url = r.best_url
        if not url:
            continue
        prov = {"engine": engine, "query": query, "page_url": page_url, "rank": rank,
                **{k: getattr(r, k) for k in RESULT_FIELDS if k != "image_url" and getattr(r, k)}}
        if user:
            prov["user"] = user
        jobs.append(Job(url, label, prov))
    return jobs


def scrape_queries(corpus: Corpus, queries: list[tuple[str, str | None]], *, engine: str = "google",
                   base_url: str | None = None, max_results: int | None = 100, workers: int = 8,
                   per_host: int = 4, delay: float = 0.0, user: str | None = None,
                   refresh: bool = False, retry_failed: bool = False, progress: bool = True,
                   browser: Browser | None = None, downloader_kw: dict | None = None, log=None,
                   emit=None) -> list[QueryOutcome]:
    """Scrape (query, label) pairs: first every result list (one browser for all, started only
    if some query has no saved list, closed before any download), then every download.

    log(msg): progress notes (stderr by default); emit(line): each query's result line as the
    query ends (stdout by default), once: report() adds only the total and the verdict.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    emit = emit or (lambda line: print(line, flush=True))
    eng = get_engine(engine, base_url)
    corpus.ensure(SCRAPE_DDL)
    labels = extend_taxonomy(corpus, sorted({lab for _, lab in queries if lab}), log)
    own_browser = browser is None
    browser = browser or Browser(local=is_local(eng.base_url), progress=progress,
                                 allowed_ports=_port_of(eng.base_url))
    outcomes, found, down = [], [], None
    try:
        # The browser closes as soon as the lists are in: downloads take minutes, and a kill
        # during them must leave no Chromium behind (issue 9 item 7).
        for query, label in queries:
            out = QueryOutcome(query, labels.get(label) if label else None)
            outcomes.append(out)
            found.append(_collect(corpus, eng, browser, out, base_url, max_results, refresh, log,
                                  down))
            if out.error and out.error.startswith(UNREACHABLE):
                down = out.error            # the same site for every query: not tried again
    finally:
        if own_browser:
            browser.close()
    with Downloader(corpus, workers=workers, per_host=per_host, delay=delay, progress=progress,
                    user=user, retry_failed=retry_failed, **(downloader_kw or {})) as downloader:
        for out, page in zip(outcomes, found):
            if page is not None:
                _download(corpus, eng, downloader, out, page, base_url, max_results, user)
            emit(out.line())
    return outcomes


def _port_of(url: str | None) -> list[int]:
    try:
        port = urlsplit(url or "").port
    except ValueError:
        return []
    return [port] if port else []


def _collect(corpus, eng, browser, out: QueryOutcome, base_url, max_results, refresh,
             log, down: str | None = None) -> tuple[str, list[Result]] | None:
    """(page URL, results) of a query, saved before returning, or None (out says why).
    down: the error of an earlier query that found the site unreachable."""
    query, label = out.query, out.label
    saved = None if refresh else saved_results(corpus, eng.name, query, base_url, max_results)
    if saved is not None:
        return saved
    if down:
        out.error = down               # the site did not answer an earlier query of this run
    else:
        log(f"browsing {eng.name} for {query!r} ...")
        page = _browse(browser, eng, out, max_results)
    if not out.ok:
        with corpus.transaction() as db:
            _set_query(db, eng.name, query, label, base_url,
                       "blocked" if out.blocked else "failed", out.blocked or out.error)
        return None
    save_results(corpus, eng.name, query, label, base_url, page.page_url, max_results,
                 page.results)
    out.browsed = True
    return page.page_url, page.results


def _browse(browser, eng, out: QueryOutcome, max_results):
    """browser.collect(), or None with out.blocked / out.error saying why."""
    try:
        return browser.collect(eng, out.query, max_results)
    except BlockedPage as exc:
        out.blocked = str(exc)
    except SiteUnreachable as exc:
        out.error = f"{UNREACHABLE}{exc}"
    except UnrecognisedPage as exc:
        out.error = f"unrecognised page: {exc}"
    except Exception as exc:           # a browser crash must not lose the other queries
        out.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        browser.close()                # the next query starts a fresh Chromium
    return None


def _download(corpus, eng, downloader, out: QueryOutcome, page, base_url, max_results,
              user) -> None:
    page_url, results = page
    if max_results is not None:
        results = results[:max_results]
    jobs = jobs_for(results, engine=eng.name, query=out.query, label=out.label,
                    page_url=page_url, user=user)
    out.summary = downloader.run(jobs, desc=f"{out.label or '-'}: {out.query}")
    with corpus.transaction() as db:
        _set_query(db, eng.name, out.query, out.label, base_url, "done", None,
                   summary=json.dumps(out.summary.to_dict()))


EXIT_FAILED, EXIT_BLOCKED, EXIT_UNRECOGNISED, EXIT_UNREACHABLE, EXIT_STILL_FAILING = 1, 3, 4, 5, 6


def report(outcomes: list[QueryOutcome]) -> tuple[str, int]:
    """The end-of-run total and verdict, and the exit code: 0 ok, 3 blocked, 5 the search site
    unreachable, 4 unrecognised, 1 other, 6 downloads still failing with a transient error (in
    that order when several apply; see cmd_query's docs). The per-query lines were emitted as
    each query ended."""
    total = Summary()
    for o in outcomes:
        total.merge(o.summary)
    lines = [f"TOTAL ({len(outcomes)} queries): {total}"]
    blocked = [o for o in outcomes if o.blocked]
    failed = [o for o in outcomes if o.error]
    transient = total.transient
    permanent = total.still_failing - transient
    code = 0
    unreachable = sorted({o.error[len(UNREACHABLE):] for o in failed
                          if o.error.startswith(UNREACHABLE)})
    if unreachable:
        lines.append(f"UNREACHABLE: the search site could not be reached: {'; '.join(unreachable)}"
                     f"; check --base-url and that the site is up")
    if blocked:
        names = sorted({o.blocked for o in blocked})
        lines.append(f"BLOCKED: {len(blocked)} query(ies) got a block page: {', '.join(names)}")
        code = EXIT_BLOCKED
    elif unreachable:
        code = EXIT_UNREACHABLE
    elif any(o.error and o.error.startswith("unrecognised") for o in failed):
        code = EXIT_UNRECOGNISED
    elif failed:
        code = EXIT_FAILED
    elif total.found == 0:
        lines.append("FAILED: no results found for any query; nothing was scraped")
        code = EXIT_FAILED
    elif transient:
        code = EXIT_STILL_FAILING
    if failed:
        lines.append(f"FAILED: {len(failed)} query(ies); rerun the same command to retry them")
    if transient:
        lines.append(f"STILL FAILING: {sum(transient.values())} download(s) with a transient "
                     f"error ({counts(transient)}); rerun the same command to retry them")
    if permanent:
        lines.append(f"{sum(permanent.values())} download(s) failed permanently "
                     f"({counts(permanent)}); --retry-failed tries them again")
    return "\n".join(lines), code
