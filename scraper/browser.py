"""A headless Chromium that turns a query into an engine's full list of results.

Generic for every engine: load the engine's results page, check it is not a block page,
then repeat {scroll to the bottom (bringing lazy thumbnails into view so they load), wait for
the page to grow, click any visible "show more" button} until a few rounds bring nothing new
or max_results is reached, and hand the final markup to engine.parse().

    with Browser(local=True) as b:
        page = b.collect(get_engine("google", "http://127.0.0.1:8765"), "happy face", 60)
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from tqdm import tqdm

from . import chromium, neterrors
from .neterrors import SiteUnreachable
from .engines.base import BlockedPage, Engine, Result

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
QUIET_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--window-size=1280,1000")
# Chromium looks up Google hosts by itself; against a local site nothing may leave the machine.
LOCAL_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"

# Scroll down one viewport at a time so an IntersectionObserver sees every lazy image, then
# fill in any data-src still unset (observers skip elements that fly past in one frame).
SCROLL_JS = """
const done = arguments[arguments.length - 1];
const step = Math.max(200, window.innerHeight * 0.9);
const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
(async () => {
  for (let i = 0; i < 200 && window.scrollY + window.innerHeight < document.body.scrollHeight - 2; i++) {
    window.scrollBy(0, step); await frame();
  }
  document.querySelectorAll('img[data-src]').forEach(img => {
    img.scrollIntoView({block: 'center'});
    if (!img.src || img.src.startsWith('data:')) img.src = img.dataset.src;
  });
  window.scrollTo(0, document.body.scrollHeight);
  done(document.body.scrollHeight);
})();
"""
GROWTH_JS = "return [document.body.scrollHeight, document.getElementsByTagName('*').length];"


def is_local(url: str | None) -> bool:
    host = urlsplit(url or "").hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


class _Service(Service):
    """chromedriver in a session of its own, reported to the watchdog the moment it exists."""

    def __init__(self, on_start, **kw):
        super().__init__(CHROMEDRIVER, popen_kw={"start_new_session": True}, **kw)
        self.on_start = on_start

    def _start_process(self, path: str) -> None:    # selenium's hook that runs Popen
        super()._start_process(path)
        self.on_start(self.process.pid)


@dataclass
class Page:
    query: str
    page_url: str
    results: list[Result]
    rounds: int


class Browser:
    def __init__(self, *, local: bool = True, wait_s: float = 1.5, patience: int = 2,
                 max_rounds: int = 60, page_load_timeout: float = 30.0, progress: bool = False,
                 allowed_ports=()):
        self.progress = progress
        self.local, self.wait_s, self.patience, self.max_rounds = local, wait_s, patience, max_rounds
        self.page_load_timeout = page_load_timeout
        self.allowed_ports = tuple(allowed_ports)
        self.driver: webdriver.Chrome | None = None
        self._home = self._profile = self._pgid = self._watchdog = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "Browser":
        if self.driver is None:
            chromium.remove_stale()
            self._home = chromium.make_home()
            self._profile = str(self._home / "profile")
            opts = webdriver.ChromeOptions()
            opts.binary_location = CHROMIUM
            for flag in QUIET_FLAGS:
                opts.add_argument(flag)
            opts.add_argument(f"--user-data-dir={self._profile}")
            if self.local:
                opts.add_argument(LOCAL_ONLY)
            if self.allowed_ports:
                # Chromium refuses ports it deems unsafe (9, 25, ...) without trying them, which
                # would hide what is really there (nothing listening, say) behind ERR_UNSAFE_PORT.
                opts.add_argument("--explicitly-allowed-ports="
                                  + ",".join(map(str, self.allowed_ports)))
            self._watchdog = chromium.Watchdog()
            env = {**os.environ, "TMPDIR": str(self._home / "tmp")}
            service = _Service(self._guard, env=env)
            try:
                self.driver = webdriver.Chrome(service=service, options=opts)
            except Exception as exc:
                self._cleanup()
                msg = exc.msg if isinstance(exc, WebDriverException) else None
                raise RuntimeError(f"cannot start Chromium ({CHROMIUM} with {CHROMEDRIVER}): "
                                   f"{msg or exc}") from None
            self.driver.set_page_load_timeout(self.page_load_timeout)
            self.driver.set_script_timeout(60)
        return self

    def _guard(self, pgid: int) -> None:
        self._pgid = pgid
        self._watchdog.guard(pgid)

    def close(self) -> None:
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:
                pass                    # chromedriver already gone: the group kill ends the rest
            finally:
                self.driver = None
                self._cleanup()

    def _cleanup(self) -> None:
        """End every process of the browser's group (a Chromium orphaned by a chromedriver
        crash included), dismiss the watchdog and remove the folder."""
        chromium.kill_group(self._pgid)
        self._pgid = None
        if self._watchdog is not None:
            self._watchdog.stand_down()
            self._watchdog = None
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def __enter__(self) -> "Browser":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ the loop
    def collect(self, engine: Engine, query: str, max_results: int | None = None) -> Page:
        """All results the page yields for `query`; raises BlockedPage on a block page,
        SiteUnreachable when the page cannot be loaded at all."""
        d = self.start().driver
        url = engine.search_url(query)
        self._load(url)
        block = engine.detect_block(d.page_source)
        if block:
            raise BlockedPage(block)
        if callable(getattr(engine, "next_url", None)):
            return self._collect_pages(engine, query, url, max_results)
        count, idle, rounds = len(engine.parse(d.page_source, d.current_url)), 0, 0
        bar = tqdm(total=max_results, initial=count, desc=f"browse: {query}", unit="result",
                   disable=not self.progress, leave=False, dynamic_ncols=True)
        with bar:
            while idle < self.patience and rounds < self.max_rounds:
                if max_results and count >= max_results:
                    break
                rounds += 1
                before = d.execute_script(GROWTH_JS)
                d.execute_async_script(SCROLL_JS)
                self._click_more(engine)         # a visible "show more" is clicked at once
                self._wait_growth(before)
                new_count = len(engine.parse(d.page_source, d.current_url))
                idle = 0 if new_count > count else idle + 1
                bar.update(max(0, min(new_count, max_results or new_count) - bar.n))
                count = new_count
        results = engine.parse(d.page_source, d.current_url)
        return Page(query, url, results[:max_results] if max_results else results, rounds)

    def _collect_pages(self, engine: Engine, query: str, url: str,
                       max_results: int | None) -> Page:
        """Engines that page by a "next" URL in the answer (DuckDuckGo's i.js JSON)."""
        d, results, seen, pages = self.driver, [], set(), 0
        while True:
            pages += 1
            source = d.page_source
            for r in engine.parse(source, d.current_url):
                if r.best_url not in seen:
                    seen.add(r.best_url)
                    results.append(r)
            nxt = engine.next_url(source)
            if not nxt or pages >= self.max_rounds or (max_results and len(results) >= max_results):
                break
            self._load(nxt)
            block = engine.detect_block(d.page_source)
            if block:
                raise BlockedPage(block)
        return Page(query, url, results[:max_results] if max_results else results, pages)

    def _load(self, url: str) -> None:
        """Open url; raises SiteUnreachable when no page came (refused, no such host, ...)."""
        d = self.driver
        try:
            d.get(url)
        except TimeoutException:
            raise SiteUnreachable("page load timed out",
                                  f"no page after {self.page_load_timeout:g} s", url) from None
        except WebDriverException as exc:
            raise neterrors.from_message(exc.msg, url) or exc from None
        err = neterrors.from_page(d.current_url, d.page_source, url)
        if err:
            raise err

    def _wait_growth(self, before) -> bool:
        end = time.monotonic() + self.wait_s
        while time.monotonic() < end:
            time.sleep(0.15)
            if self.driver.execute_script(GROWTH_JS) != before:
                time.sleep(0.15)          # let the rest of the batch land
                return True
        return False

    def _click_more(self, engine: Engine) -> bool:
        for selector in engine.more_selectors:
            for el in self.driver.find_elements(By.CSS_SELECTOR, selector):
                try:
                    if el.is_displayed() and el.is_enabled():
                        self.driver.execute_script("arguments[0].scrollIntoView({block:'center'});", el)
                        el.click()
                        return True
                except WebDriverException:
                    continue            # went stale or covered; try the next one
        return False
