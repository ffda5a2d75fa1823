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
import signal
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from tqdm import tqdm

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
PROFILE_PREFIX = "ferkit-chromium-"
STALE_PROFILE_S = 3600      # a younger profile may belong to a Chromium that is still starting
GROWTH_JS = "return [document.body.scrollHeight, document.getElementsByTagName('*').length];"


def is_local(url: str | None) -> bool:
    host = urlsplit(url or "").hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


def _profiles_in_use() -> set[str]:
    used = set()
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    for arg in fh.read().split(b"\0"):
                        if arg.startswith(b"--user-data-dir="):
                            used.add(arg.split(b"=", 1)[1].decode(errors="replace"))
            except OSError:
                continue
    return used


def _remove_stale_profiles() -> None:
    """Profiles left by a kill -9: old, and no running process uses them."""
    if not os.path.isdir("/proc"):
        return
    root = tempfile.gettempdir()
    old = [os.path.join(root, n) for n in os.listdir(root) if n.startswith(PROFILE_PREFIX)]
    old = [p for p in old if time.time() - os.path.getmtime(p) > STALE_PROFILE_S]
    if old:
        used = _profiles_in_use()
        for p in old:
            if p not in used:
                shutil.rmtree(p, ignore_errors=True)


def _kill_profile_processes(profile: str | None) -> None:
    """SIGKILL Chromium processes still using our own temporary profile.

    When chromedriver dies, quit() cannot reach Chromium and it lives on as an orphan. Its
    command line names the unique --user-data-dir we created, so only our processes match.
    """
    if not profile or not os.path.isdir("/proc"):
        return
    needle = f"--user-data-dir={profile}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if needle in fh.read():
                    os.kill(int(entry), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue


@dataclass
class Page:
    query: str
    page_url: str
    results: list[Result]
    rounds: int


class Browser:
    def __init__(self, *, local: bool = True, wait_s: float = 1.5, patience: int = 2,
                 max_rounds: int = 60, page_load_timeout: float = 30.0, progress: bool = False):
        self.progress = progress
        self.local, self.wait_s, self.patience, self.max_rounds = local, wait_s, patience, max_rounds
        self.page_load_timeout = page_load_timeout
        self.driver: webdriver.Chrome | None = None
        self._profile: str | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "Browser":
        if self.driver is None:
            _remove_stale_profiles()
            self._profile = tempfile.mkdtemp(prefix=PROFILE_PREFIX)
            opts = webdriver.ChromeOptions()
            opts.binary_location = CHROMIUM
            for flag in QUIET_FLAGS:
                opts.add_argument(flag)
            opts.add_argument(f"--user-data-dir={self._profile}")
            if self.local:
                opts.add_argument(LOCAL_ONLY)
            try:
                self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
            except WebDriverException as exc:
                shutil.rmtree(self._profile, ignore_errors=True)
                raise RuntimeError(f"cannot start Chromium ({CHROMIUM} with {CHROMEDRIVER}): "
                                   f"{exc.msg or exc}") from None
            self.driver.set_page_load_timeout(self.page_load_timeout)
            self.driver.set_script_timeout(60)
        return self

    def close(self) -> None:
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:
                pass                    # chromedriver already gone: clean up below
            finally:
                self.driver = None
                _kill_profile_processes(self._profile)
                shutil.rmtree(self._profile or "", ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ the loop
    def collect(self, engine: Engine, query: str, max_results: int | None = None) -> Page:
        """All results the page yields for `query`; raises BlockedPage on a block page."""
        d = self.start().driver
        url = engine.search_url(query)
        d.get(url)
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
            d.get(nxt)
            block = engine.detect_block(d.page_source)
            if block:
                raise BlockedPage(block)
        return Page(query, url, results[:max_results] if max_results else results, pages)

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
