"""The report site in a real browser: headless Chromium opens every page, following links from the entry page.

The entry page is index.html when the report has one, else synthesis.html. From it every local link is
followed, and every other HTML file in the site is opened too. The checks:

* every page loads: ``document.readyState`` is complete and the page has a title;
* every image resolves and decodes (``naturalWidth > 0``), and every other resource a page loads (scripts,
  style sheets, frames) is a file in the site: the site must work offline, and Chromium here resolves no host;
* every local link points at a file in the site, and an in-page anchor at an element that exists;
* every HTML page in the site is reachable from the entry page;
* no page logs a console error (Chromium's SEVERE level: failed loads, uncaught exceptions, console.error).

Needs Chromium and its WebDriver (Debian: ``apt-get install chromium chromium-driver``) and selenium (the
``test`` extra). Without them these tests skip and say why; with ALLIANCE_RESEARCH_REQUIRE_BROWSER=1 (which
.ci/run sets once it has installed them) they fail instead, so CI cannot pass by skipping them unnoticed.
Selenium is given both paths, so it never downloads a driver or a browser.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit
from urllib.request import url2pathname

import pytest

REQUIRE_BROWSER = os.environ.get("ALLIANCE_RESEARCH_REQUIRE_BROWSER", "") not in ("", "0")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DRIVERS = ("chromedriver", "/usr/lib/chromium/chromedriver")
INSTALL_HINT = "on Debian: apt-get install chromium chromium-driver (.ci/run does this)"
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--window-size=1280,1024",
    # No host resolves: a page that fetches anything from the network fails here as it would offline.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

# Waits for every image (lazy ones made eager) to load and decode, then describes the page.
DESCRIBE_PAGE = """
const done = arguments[arguments.length - 1];
const images = Array.from(document.images);
Promise.all(images.map(img => {
  img.loading = 'eager';
  return img.decode().then(() => null, err => String(err));
})).then(errors => done({
  url: location.href,
  readyState: document.readyState,
  title: document.title.trim(),
  images: images.map((img, i) => ({
    src: img.getAttribute('src') || '', url: img.currentSrc || img.src, width: img.naturalWidth,
    error: errors[i]})),
  resources: Array.from(document.querySelectorAll(
      'script[src], link[href]:not([rel~="canonical"]):not([rel~="alternate"]), iframe[src], embed[src], '
      + 'object[data], video[src], audio[src], source[src], track[src], input[src]'))
    .map(el => ({tag: el.tagName.toLowerCase(),
                 attr: el.getAttribute('src') || el.getAttribute('href') || el.getAttribute('data') || '',
                 url: el.src || el.href || el.data || ''})),
  links: Array.from(document.querySelectorAll('a[href], area[href]'))
    .map(a => ({href: a.getAttribute('href'), url: a.href})),
  anchors: Array.from(document.querySelectorAll('[id], a[name]')).map(el => el.id || el.getAttribute('name')),
}));
"""


def _unavailable(reason: str):
    """Skip, saying why, or fail when CI installed the browser and said so."""
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (and ALLIANCE_RESEARCH_REQUIRE_BROWSER is set, so this is a failure)")
    pytest.skip(reason)


def _which(names) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium session for the whole module, logging every console message."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        _unavailable(f"selenium is not installed ({err}): pip install -e '.[test]'")
    chromium = _which(BROWSERS)
    if chromium is None:
        _unavailable(f"Chromium not found (none of {', '.join(BROWSERS)} on PATH); {INSTALL_HINT}")
    chromedriver = _which(DRIVERS)
    if chromedriver is None:
        _unavailable(f"Chromium's WebDriver not found (chromedriver on PATH); {INSTALL_HINT}")

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    except WebDriverException as err:
        _unavailable(f"Chromium ({chromium}) did not start under {chromedriver}: {err.msg or err}".strip())
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The report built once, as `alliance-research report --out DIR` writes it."""
    out = tmp_path_factory.mktemp("site") / "report"
    result = subprocess.run([sys.executable, "-m", "alliance_research", "report", "--out", str(out)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"the report did not build:\n{result.stdout}\n{result.stderr}"
    return out


@dataclass
class Crawl:
    """What the crawl saw; every problem is a line naming the page (relative to the site) and what is wrong."""

    root: Path
    entry: str
    pages: dict[str, dict] = field(default_factory=dict)  # page -> what DESCRIBE_PAGE returned
    reached: set[str] = field(default_factory=set)  # pages reached by links from the entry page
    loads: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _short(text: str, limit: int = 100) -> str:
    """An attribute for a message: a data: URI can be megabytes long."""
    return text if len(text) <= limit else text[:limit] + "..."


def _local_path(url: str) -> Path | None:
    """The file a file: URL names (without its fragment), or None for any other scheme."""
    parts = urlsplit(urldefrag(url).url)
    return Path(url2pathname(parts.path)) if parts.scheme == "file" else None


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def entry_page(root: Path) -> Path:
    for name in ("index.html", "synthesis.html"):
        if (root / name).is_file():
            return root / name
    raise AssertionError(f"the site at {root} has neither index.html nor synthesis.html")


def crawl_site(driver, root: Path) -> Crawl:
    """Open the entry page, follow every local link, then open any HTML page no link reached."""
    root = root.resolve()
    entry = entry_page(root)
    crawl = Crawl(root=root, entry=entry.name)
    queue, queued = [entry], {entry}
    anchors_wanted: list[tuple[str, str, Path, str]] = []  # (page, href, target page, fragment)
    driver.get_log("browser")  # start with an empty log

    def visit(path: Path) -> None:
        page = crawl.rel(path)
        driver.get(path.as_uri())
        info = driver.execute_async_script(DESCRIBE_PAGE)
        crawl.pages[page] = info
        for message in driver.get_log("browser"):
            if message.get("level") == "SEVERE":
                crawl.console.append(f"{page}: console {message.get('source', '')} error: {message.get('message')}")
        if _local_path(info["url"]) != path:
            crawl.loads.append(f"{page}: Chromium showed {info['url']} instead")
        if info["readyState"] != "complete":
            crawl.loads.append(f"{page}: document.readyState is {info['readyState']!r}, not 'complete'")
        if not info["title"]:
            crawl.loads.append(f"{page}: has no <title>")

        for img in info["images"]:
            what = f"{page}: <img src={_short(img['src'])!r}>"
            target = _local_path(img["url"])
            if not img["url"]:
                crawl.images.append(f"{what} has no source")
            elif target is not None and not target.is_file():
                crawl.images.append(f"{what}: no such file {target}")
            elif img["error"] or not img["width"]:
                crawl.images.append(f"{what} did not load or decode (naturalWidth {img['width']}, {img['error']})")
            if target is not None and not _inside(target, root):
                crawl.images.append(f"{what} is outside the site")
            if img["url"] and urlsplit(img["url"]).scheme not in ("file", "data", "blob"):
                crawl.images.append(f"{what} is fetched from the network; the site must work offline")
        for res in info["resources"]:
            what = f"{page}: <{res['tag']} {_short(res['attr'])!r}>"
            target = _local_path(res["url"])
            if target is None:
                if urlsplit(res["url"]).scheme not in ("data", "blob", "about"):
                    crawl.resources.append(f"{what} is fetched from the network; the site must work offline")
            elif not target.is_file():
                crawl.resources.append(f"{what}: no such file {target}")
            elif not _inside(target, root):
                crawl.resources.append(f"{what} is outside the site")

        for link in info["links"]:
            what = f"{page}: <a href={_short(link['href'])!r}>"
            target = _local_path(link["url"])
            if target is None:
                continue  # http(s), mailto: ...: not part of the site, not followed
            if not _inside(target, root):
                crawl.links.append(f"{what} points outside the site ({target})")
                continue
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                crawl.links.append(f"{what}: no such file {target}")
                continue
            fragment = urldefrag(link["url"]).fragment
            if target.suffix.lower() in (".html", ".htm"):
                crawl.reached.add(crawl.rel(target))
                if fragment:
                    anchors_wanted.append((page, link["href"], target, fragment))
                if target not in queued:
                    queued.add(target)
                    queue.append(target)

    while queue:
        visit(queue.pop(0))
    crawl.reached.add(crawl.entry)
    for path in sorted(set(root.rglob("*.html")) | set(root.rglob("*.htm"))):
        if path not in queued:  # not linked from the entry page: opened anyway, so that every page is checked
            visit(path)

    for page, href, target, fragment in anchors_wanted:
        names = set(crawl.pages[crawl.rel(target)]["anchors"])
        if unquote(fragment) not in names and fragment.lower() != "top":
            crawl.links.append(f"{page}: <a href={href!r}>: {crawl.rel(target)} has no element with id {fragment!r}")
    return crawl


@pytest.fixture(scope="module")
def crawl(browser, site) -> Crawl:
    return crawl_site(browser, site)


def _check(problems: list[str]) -> None:
    if problems:
        pytest.fail(f"{len(problems)} problem(s):\n  " + "\n  ".join(problems), pytrace=False)


def test_crawl_opens_the_entry_page_and_every_page_it_links(crawl):
    # Guards the crawl itself: it saw the synthesis, a page per alliance, and their figures.
    assert crawl.entry in crawl.pages
    alliances = sorted(p.relative_to(crawl.root).as_posix() for p in crawl.root.glob("alliances/*.html"))
    assert alliances and set(alliances) <= set(crawl.pages)
    assert "synthesis.html" in crawl.pages
    assert sum(len(info["images"]) for info in crawl.pages.values()) >= len(alliances)


def test_every_page_loads(crawl):
    _check(crawl.loads)


def test_every_image_resolves_and_decodes(crawl):
    _check(crawl.images)


def test_every_resource_a_page_loads_is_in_the_site(crawl):
    _check(crawl.resources)


def test_every_local_link_resolves(crawl):
    _check(crawl.links)


def test_every_page_is_reachable_from_the_entry_page(crawl):
    _check([f"{page}: no link leads here from {crawl.entry}" for page in sorted(set(crawl.pages) - crawl.reached)])


def test_no_console_errors(crawl):
    _check(crawl.console)
