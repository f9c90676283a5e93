"""Write-ups: every page exists, says what the data say, escapes library text and renders the same bytes twice."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

import alliance_research as ar
from alliance_research.analysis import analyse
from alliance_research.paths import EXAMPLE_LIBRARY
from alliance_research.report.writeups import render_alliance, render_all, render_synthesis

SECTIONS = ["Headline", "What is working", "Where integration is at risk", "Evidence by practice",
            "How the client and the partners see it", "Change since the previous wave", "Lessons learnt", "Actions",
            "Method note"]
N_STRENGTHS, N_RISKS, N_PEERS = 3, 3, 2  # what the page promises: three each way, two peers per weak practice
PAYLOAD = "<script>alert(1)</script>"


# --- a small HTML reader (the standard library's parser, so the test needs nothing beyond the package) ---------

class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None"):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def raw(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw() for c in self.children)

    def text(self) -> str:
        """The text as a reader sees it: entities decoded, runs of white space as one space."""
        return squash(self.raw())

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def iter(self, tag: str | None = None, cls: str | None = None, **attrs):
        for child in self.children:
            if isinstance(child, Node):
                if ((tag is None or child.tag == tag) and (cls is None or cls in child.classes())
                        and all(child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())):
                    yield child
                yield from child.iter(tag, cls, **attrs)

    def has_attr(self, name: str):
        for node in self.iter():
            if name in node.attrs:
                yield node


class _Reader(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def read_html(path: Path) -> Node:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.root


def squash(text: str) -> str:
    return " ".join(text.split())


def md_sections(text: str, level: int = 2) -> dict[str, str]:
    """The Markdown text under each heading of ``level`` (``##`` by default), by heading."""
    out, current = {}, None
    for line in text.splitlines():
        heading = re.match(r"^(#+) (.*)", line)
        if heading and len(heading.group(1)) <= level:
            current = heading.group(2).strip() if len(heading.group(1)) == level else None
            if current is not None:
                out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return out


def section(page: Node, section_id: str) -> Node:
    found = list(page.iter("section", id=section_id))
    assert len(found) == 1, section_id
    return found[0]


def f1(x) -> str:
    return f"{float(x):.1f}"


def f2(x) -> str:
    return f"{float(x):.2f}"


# --- fixtures: one analysis, one full render -------------------------------------------------------------------

@pytest.fixture(scope="module")
def lib():
    return ar.load_library()


@pytest.fixture(scope="module")
def analysis(lib):
    return analyse(lib, n_boot=100, cluster_boot=20)


@pytest.fixture(scope="module")
def out(analysis, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("writeups")
    render_all(analysis, folder)
    return folder


@pytest.fixture(scope="module")
def plain(analysis, tmp_path_factory) -> Path:
    """The same pages without figures (cheap: for the determinism checks)."""
    folder = tmp_path_factory.mktemp("plain")
    render_all(analysis, folder, figures=False)
    return folder


@pytest.fixture(scope="module")
def ids(lib) -> list[str]:
    return lib.alliances["alliance_id"].tolist()


@pytest.fixture(scope="module")
def labels(lib) -> dict[str, str]:
    return dict(zip(lib.framework.practices["practice_id"], lib.framework.practices["label"]))


def latest_practices(analysis, alliance_id):
    p = analysis.latest.practices
    return p[(p["alliance_id"] == alliance_id)].dropna(subset=["score"]).set_index("practice_id")["score"]


def evidence_texts(lib, alliance_id, practice_id) -> set[str]:
    e = lib.evidence
    rows = e[(e["alliance_id"] == alliance_id) & (e["practice_id"] == practice_id)]
    return {squash(t) for t in rows["text"]}


# --- every page and every file it points to exists --------------------------------------------------------------

def test_every_alliance_has_a_markdown_and_an_html_page_and_the_synthesis_exists(out, ids):
    assert len(ids) == 18
    pages = sorted(p.name for p in (out / "alliances").iterdir())
    assert pages == sorted(f"{i}.{fmt}" for i in ids for fmt in ("md", "html"))
    assert (out / "synthesis.md").is_file() and (out / "synthesis.html").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".writeups-")]  # the staging folder is gone


def test_every_figure_a_page_shows_exists(out):
    pages = [out / "synthesis.md", out / "synthesis.html", *sorted((out / "alliances").iterdir())]
    for page in pages:
        if page.suffix == ".html":
            sources = [img.attrs["src"] for img in read_html(page).iter("img")]
        else:
            sources = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text(encoding="utf-8"))
        assert sources, f"{page.name} shows no figure"
        for src in sources:
            assert not re.match(r"^[a-z]+:|^/", src), f"{page.name}: {src} is not a relative path"
            assert (page.parent / src).resolve().is_file(), f"{page.name}: {src} does not exist"
    kestrel = read_html(out / "alliances" / "kestrel-highways.html")
    assert [img.attrs["src"] for img in kestrel.iter("img")] == [
        "../figures/kestrel-highways-practice-scores.png", "../figures/kestrel-highways-profile.png"]


def test_the_synthesis_links_to_every_alliance_page_and_every_link_resolves(out, ids):
    synthesis = read_html(out / "synthesis.html")
    hrefs = [a.attrs["href"] for a in synthesis.iter("a")]
    linked = {h for h in hrefs if h.startswith("alliances/")}
    assert linked == {f"alliances/{i}.html" for i in ids}
    md_links = set(re.findall(r"\]\((alliances/[^)]+)\)", (out / "synthesis.md").read_text(encoding="utf-8")))
    assert md_links == {f"alliances/{i}.md" for i in ids}
    for link in md_links:
        assert (out / link).is_file()

    for page in [out / "synthesis.html", *sorted((out / "alliances").glob("*.html"))]:
        tree = read_html(page)
        anchors = {n.attrs["id"] for n in tree.has_attr("id")}
        for a in tree.iter("a"):
            href = a.attrs["href"]
            assert not re.match(r"^[a-z]+:|^//", href), f"{page.name} links outside the folder: {href}"
            target, _, fragment = href.partition("#")
            if target:
                assert (page.parent / target).resolve().is_file(), f"{page.name}: {href} does not resolve"
            elif fragment:
                assert fragment in anchors, f"{page.name}: no #{fragment} on the page"
        if page.parent.name == "alliances":
            assert "../synthesis.html" in [a.attrs["href"] for a in tree.iter("a")]


def test_html_pages_stand_alone(out):
    for page in [out / "synthesis.html", *sorted((out / "alliances").glob("*.html"))]:
        text = page.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
        tree = read_html(page)
        head = next(tree.iter("head"))
        assert any(m.attrs.get("charset") == "utf-8" for m in head.iter("meta"))
        assert any(m.attrs.get("name") == "viewport" for m in head.iter("meta"))
        title = next(head.iter("title")).text()
        assert title and title == squash(title)
        styles = list(tree.iter("style"))
        assert len(styles) == 1 and styles[0].parent is head
        css = styles[0].text()
        assert "@media print" in css and "@import" not in css and "url(" not in css
        assert not list(tree.iter("script")) and not list(tree.iter("link"))
        assert "http://" not in text and "https://" not in text


# --- structure ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["md", "html"])
def test_each_alliance_page_has_every_section_in_order(out, ids, fmt):
    for alliance_id in ids:
        page = out / "alliances" / f"{alliance_id}.{fmt}"
        if fmt == "md":
            headings = [line[3:] for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
        else:
            headings = [h.text() for h in read_html(page).iter("h2")]
        positions = []
        for name in SECTIONS:
            hits = [i for i, h in enumerate(headings) if h.startswith(name)]
            assert len(hits) == 1, f"{alliance_id}.{fmt}: section {name!r} in {headings}"
            positions.append(hits[0])
        assert positions == sorted(positions), f"{alliance_id}.{fmt}: sections out of order"


def test_html_and_markdown_pages_have_the_same_headings(out, ids):
    pairs = [(out / "synthesis.md", out / "synthesis.html")] + [
        (out / "alliances" / f"{i}.md", out / "alliances" / f"{i}.html") for i in ids]
    for md, html in pairs:
        lines = md.read_text(encoding="utf-8").splitlines()
        tree = read_html(html)
        assert [h.text() for h in tree.iter("h2")] == [line[3:] for line in lines if line.startswith("## ")]
        h3 = {h.text() for h in tree.iter("h3")}
        for line in lines:
            if line.startswith("### "):
                assert line[4:] in h3, f"{html.name} lacks the heading {line[4:]!r}"


def test_the_fictional_banner_appears_on_every_page_of_the_example_library(out, ids, lib):
    assert lib.alliances["fictional"].all()
    for alliance_id in ids:
        assert "> **Fictional case study.**" in (out / "alliances" / f"{alliance_id}.md").read_text(encoding="utf-8")
        banners = list(read_html(out / "alliances" / f"{alliance_id}.html").iter("aside", cls="banner"))
        assert len(banners) == 1 and banners[0].text().startswith("Fictional case study")
    assert "> **Fictional case studies.**" in (out / "synthesis.md").read_text(encoding="utf-8")
    assert next(read_html(out / "synthesis.html").iter("aside", cls="banner")).text().startswith(
        "Fictional case studies")


# --- every claim traces back to the scores, the clusters or the dossiers -----------------------------------------

def test_headline_numbers_are_the_latest_maturity_and_cluster(out, analysis, ids):
    maturity = analysis.latest.maturity.set_index("alliance_id")
    index = maturity["maturity_index"].dropna()
    for alliance_id in ids:
        m = maturity.loc[alliance_id]
        interval = f"{f2(m['ci_low'])} to {f2(m['ci_high'])}"
        rank = int((index > m["maturity_index"]).sum()) + 1
        cluster = int(analysis.cluster_of[alliance_id])
        name = analysis.clusters.names[cluster]

        md = (out / "alliances" / f"{alliance_id}.md").read_text(encoding="utf-8")
        assert (f"**Maturity index {f2(m['maturity_index'])}** out of 4 (95% interval {interval}): "
                f"**{m['level_name']}** on average") in md
        assert f"**{m['level_staged_name']}** at its weakest" in md
        assert f"Position in the library: {rank} of {len(index)} alliances by maturity index." in md
        assert f"Cluster {cluster}: **{name}** (" in md

        html = read_html(out / "alliances" / f"{alliance_id}.html")
        claims = {n.attrs["data-claim"]: n.text() for n in section(html, "headline").has_attr("data-claim")}
        assert claims == {"index": f2(m["maturity_index"]), "interval": interval, "level": m["level_name"],
                          "level-staged": m["level_staged_name"], "rank": str(rank), "cluster": name}


def test_synthesis_table_matches_the_scores_and_clusters(out, analysis, ids):
    maturity = analysis.latest.maturity.set_index("alliance_id")
    rows = {}
    for tr in section(read_html(out / "synthesis.html"), "alliances").iter("tr"):
        link = list(tr.iter("a"))
        if link:
            cells = [td.text() for td in tr.iter("td")]
            rows[link[0].attrs["href"][len("alliances/"):-len(".html")]] = cells
    assert sorted(rows) == sorted(ids)
    for alliance_id, (name, cluster, index, interval, level, wave) in rows.items():
        m = maturity.loc[alliance_id]
        assert name == analysis.library.alliances.set_index("alliance_id").loc[alliance_id, "name"]
        assert int(cluster) == int(analysis.cluster_of[alliance_id])
        assert (index, interval, level, int(wave)) == (
            f2(m["maturity_index"]), f"{f2(m['ci_low'])} to {f2(m['ci_high'])}", m["level_name"], int(m["wave"]))


def _shown_practices(page: Node, section_id: str) -> dict[str, Node]:
    return {a.attrs["data-practice"]: a for a in section(page, section_id).iter("article")}


def test_strengths_and_risks_are_the_top_and_bottom_practices(out, analysis, ids, labels):
    for alliance_id in ids:
        scores = latest_practices(analysis, alliance_id)
        html = read_html(out / "alliances" / f"{alliance_id}.html")
        md = md_sections((out / "alliances" / f"{alliance_id}.md").read_text(encoding="utf-8"))
        for section_id, heading, n, strongest in (("working", "What is working", N_STRENGTHS, True),
                                                  ("risks", "Where integration is at risk", N_RISKS, False)):
            shown = _shown_practices(html, section_id)
            assert len(shown) == min(n, len(scores))
            inside, outside = scores[list(shown)], scores.drop(list(shown))
            if strongest:
                assert inside.min() >= outside.max()
            else:
                assert inside.max() <= outside.min()
            for practice_id, article in shown.items():
                h3 = next(article.iter("h3")).text()
                assert h3.startswith(f"{labels[practice_id]}: {f1(scores[practice_id])} (")
            md_labels = re.findall(r"^### (.+?): [\d.]+ \(", md[heading], flags=re.M)
            assert md_labels == [labels[p] for p in shown]


def test_who_does_it_well_names_the_strongest_other_alliances(out, analysis, ids, lib):
    p = analysis.latest.practices.dropna(subset=["score"])
    names = lib.alliances.set_index("alliance_id")["name"]
    for alliance_id in ids:
        html = read_html(out / "alliances" / f"{alliance_id}.html")
        md = (out / "alliances" / f"{alliance_id}.md").read_text(encoding="utf-8")
        for practice_id, article in _shown_practices(html, "risks").items():
            others = p[(p["practice_id"] == practice_id) & (p["alliance_id"] != alliance_id)].set_index(
                "alliance_id")["score"]
            peers = list(article.iter("li", cls="peer"))
            peer_ids = [li.attrs["data-peer"] for li in peers]
            assert len(peer_ids) == min(N_PEERS, len(others))
            assert others[peer_ids].min() >= others.drop(peer_ids).max()
            assert list(others[peer_ids]) == sorted(others[peer_ids], reverse=True)
            for li, peer in zip(peers, peer_ids):
                assert li.text().startswith(f"{names[peer]} scores {f1(others[peer])}.")
                assert f"- **{names[peer]}** scores {f1(others[peer])}." in md


def test_every_quotation_comes_from_the_dossier_of_that_alliance_and_practice(out, ids, lib):
    n_quotes = 0
    for alliance_id in ids:
        html = read_html(out / "alliances" / f"{alliance_id}.html")
        for section_id in ("working", "risks"):
            for practice_id, article in _shown_practices(html, section_id).items():
                own = [q for q in article.iter("blockquote") if q.parent is article]
                # the alliance's own evidence for the practice, all of it
                assert {next(q.iter("p")).text() for q in own} == evidence_texts(lib, alliance_id, practice_id)
                for li in article.iter("li", cls="peer"):
                    quotes = {next(q.iter("p")).text() for q in li.iter("blockquote")}
                    assert quotes == evidence_texts(lib, li.attrs["data-peer"], practice_id)
                    n_quotes += len(quotes)
                n_quotes += len(own)

        # Markdown: every practice heading of the strengths and risks quotes exactly its own dossier evidence
        page = md_sections((out / "alliances" / f"{alliance_id}.md").read_text(encoding="utf-8"))
        md = md_sections(page["What is working"] + page["Where integration is at risk"], level=3)
        assert len(md) == N_STRENGTHS + N_RISKS
        for heading, body in md.items():
            quoted = {squash(re.sub(r" \*\(.*?\)\*$", "", line[2:]))
                      for line in body.splitlines() if line.startswith("> ")}
            practice_id = lib.framework.practices.set_index("label").loc[heading.rsplit(":", 1)[0], "practice_id"]
            assert quoted == evidence_texts(lib, alliance_id, practice_id), f"{alliance_id}: {heading}"
    assert n_quotes > 50  # the check above is not vacuous


# --- every piece of a dossier's evidence, and every lesson, is on its page --------------------------------------

def _md_text(text: str) -> str:
    """Library text as the Markdown pages show it (``<`` escaped; see ``writeups._md_safe``)."""
    return squash(text.replace("<", "&lt;"))


def check_every_evidence_item_and_lesson_is_on_its_page(folder: Path, a) -> int:
    """Every evidence item and lesson of every dossier appears in its alliance's Markdown and HTML pages, each
    evidence item beside its practice's score and level (with its source when it has one); returns how many
    evidence items sat on practices that are neither among the strongest nor the weakest."""
    lib, fw = a.library, a.framework
    labels = dict(zip(fw.practices["practice_id"], fw.practices["label"]))
    n_other = 0
    for alliance_id, items in lib.evidence.groupby("alliance_id"):
        scores = latest_practices(a, alliance_id)
        md = (folder / "alliances" / f"{alliance_id}.md").read_text(encoding="utf-8")
        html = read_html(folder / "alliances" / f"{alliance_id}.html")
        # HTML: each piece of evidence is a quotation inside its practice's block, which gives score and level
        quoted: dict[str, list[tuple[str, str | None]]] = {}
        for article in html.iter("article", cls="practice"):
            quoted.setdefault(article.attrs["data-practice"], []).extend(
                (next(q.iter("p")).text(), next(q.iter("cite")).text() if list(q.iter("cite")) else None)
                for q in article.iter("blockquote") if q.parent is article)
        heading_of = {article.attrs["data-practice"]: next(h for h in article.iter() if h.tag in ("h3", "h4")).text()
                      for article in html.iter("article", cls="practice")}
        shown_above = set(_shown_practices(html, "working")) | set(_shown_practices(html, "risks"))
        # Markdown: the heading each quotation stands under
        under, heading = {}, None
        for line in md.splitlines():
            if line.startswith(("### ", "#### ")):
                heading = line.split(" ", 1)[1]
            elif line.startswith("> "):
                under.setdefault(squash(re.sub(r" \*\(.*?\)\*$", "", line[2:])), []).append((heading, line))
        for e in items.itertuples():
            level = fw.level_name(scores[e.practice_id])
            expected_heading = f"{labels[e.practice_id]}: {f1(scores[e.practice_id])} ({level})"
            source = e.source if isinstance(e.source, str) else None
            assert (squash(e.text), source and squash(source)) in quoted.get(e.practice_id, []), \
                f"{alliance_id}.html lacks {e.text[:40]!r} under {e.practice_id}"
            assert heading_of[e.practice_id] == expected_heading
            hits = under.get(_md_text(e.text), [])
            assert any(h == expected_heading for h, _ in hits), \
                f"{alliance_id}.md: {e.text[:40]!r} not under {expected_heading!r}"
            if source:
                assert any(line.endswith(f"*({_md_text(source)})*") for _, line in hits)
            n_other += e.practice_id not in shown_above
        # every lesson, with its practice's score and level when it has a practice
        lessons = lib.lessons[lib.lessons["alliance_id"] == alliance_id]
        shown = [li.text() for li in section(html, "lessons").iter("li")]
        for lesson in lessons.itertuples():
            note = (f" ({labels[lesson.practice_id]}: {f1(scores[lesson.practice_id])}, "
                    f"{fw.level_name(scores[lesson.practice_id])})" if isinstance(lesson.practice_id, str) else "")
            assert squash(lesson.text) + note in shown, f"{alliance_id}.html lacks the lesson {lesson.text[:40]!r}"
            md_note = f" *{note.strip()}*" if note else ""
            assert f"- {_md_text(lesson.text)}{md_note}\n" in md, \
                f"{alliance_id}.md lacks the lesson {lesson.text[:40]!r}"
    return n_other


def test_every_evidence_item_and_lesson_of_the_example_library_is_on_its_page(out, analysis):
    n_other = check_every_evidence_item_and_lesson_is_on_its_page(out, analysis)
    # most of the example's evidence is on practices the strongest-and-weakest sections do not show
    assert n_other >= 60 and len(analysis.library.evidence) == 147


@pytest.fixture(scope="module")
def evidenced(tmp_path_factory):
    """A synthetic library whose dossiers hold several evidence items (a few with markup and sources) on
    every practice, and lessons tied to practices and to none."""
    from alliance_research.datasets import make_library

    root = tmp_path_factory.mktemp("evidenced")
    make_library(root, n_alliances=12, n_profiles=3, with_outcomes=False, random_state=3)
    practice_ids = ar.load_framework().practices["practice_id"].tolist()
    for i, dossier in enumerate(sorted((root / "casestudies").glob("*.md"))):
        _, front, body = dossier.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        meta["evidence"] = [
            {"practice": p, "text": f"Evidence {j} of {dossier.stem} on {p}: <b>bold</b> & 'quoted' *starred*"}
            | ({"source": f"Board minutes {2020 + j} <{i}> & annex"} if j % 2 else {})
            for k, p in enumerate(practice_ids) for j in range(1 + (i + k) % 3)]
        meta["lessons"] = ([{"text": f"Lesson on {p} from {dossier.stem} & <others>", "practice": p}
                            for p in practice_ids[i % 4::5]]
                           + [{"text": f"A lesson of {dossier.stem} for the whole alliance"}])
        dossier.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + body,
                           encoding="utf-8")
    a = analyse(ar.load_library(root), n_boot=20, cluster_boot=5)
    out = root / "writeups"
    render_all(a, out, figures=False)
    return a, out


def test_every_evidence_item_and_lesson_of_a_synthetic_library_is_on_its_page(evidenced):
    a, out = evidenced
    assert len(a.library.evidence) == sum(1 + (i + k) % 3 for i in range(12) for k in range(19))
    n_other = check_every_evidence_item_and_lesson_is_on_its_page(out, a)
    assert n_other >= 12 * 13  # at least the 13 practices of each alliance that are neither strongest nor weakest
    # the single-page renderer gives the batch's page
    for alliance_id in a.latest.maturity["alliance_id"][:3]:
        for fmt in ("md", "html"):
            assert render_alliance(a, alliance_id, fmt=fmt) == \
                (out / "alliances" / f"{alliance_id}.{fmt}").read_text(encoding="utf-8")


# --- library text is escaped -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The example library with an alliance whose name, partner, evidence and lessons hold markup."""
    root = tmp_path_factory.mktemp("hostile")
    for folder in ("casestudies", "data"):
        shutil.copytree(EXAMPLE_LIBRARY / folder, root / folder)
    dossier = root / "casestudies" / "kestrel-highways.md"
    _, front, body = dossier.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    meta["name"] = f"Kestrel {PAYLOAD} a & b"
    meta["partners"][0] = f"{PAYLOAD} & Sons"
    meta["fictional"] = False
    for item in meta["evidence"] + meta["lessons"]:
        item["text"] = f"{item['text']} {PAYLOAD} a & b"
    dossier.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + body,
                       encoding="utf-8")
    a = analyse(ar.load_library(root), n_boot=50, cluster_boot=10)
    out = root / "writeups"
    render_all(a, out, figures=False)
    return out


def test_markup_in_the_library_is_shown_as_text_and_never_runs(hostile):
    for page in [hostile / "synthesis.html", *sorted((hostile / "alliances").glob("*.html"))]:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), page.name
        assert "&amp;lt;" not in text and "&amp;amp;" not in text, f"{page.name} escapes twice"
    for page in [hostile / "synthesis.md", *sorted((hostile / "alliances").glob("*.md"))]:
        assert "<script" not in page.read_text(encoding="utf-8").lower(), page.name

    html = (hostile / "alliances" / "kestrel-highways.html").read_text(encoding="utf-8")
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5  # title, heading, partner, evidence, lessons
    assert "a &amp; b" in html and "a & b" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons" in html
    tree = read_html(hostile / "alliances" / "kestrel-highways.html")
    assert next(tree.iter("title")).text() == f"Kestrel {PAYLOAD} a & b: lessons learnt on sustaining integration"
    assert next(tree.iter("span", cls="h1-name")).text() == f"Kestrel {PAYLOAD} a & b"
    shown = {next(q.iter("p")).text() for q in tree.iter("blockquote")}
    assert any(t.endswith(f"{PAYLOAD} a & b") for t in shown)
    assert any(li.text().startswith(f"Stop mini-competitions") and PAYLOAD in li.text()
               for li in next(tree.iter("section", id="lessons")).iter("li"))

    md = (hostile / "alliances" / "kestrel-highways.md").read_text(encoding="utf-8")
    assert md.startswith("# Kestrel &lt;script>alert(1)&lt;/script> a & b: lessons learnt")
    assert "&lt;script>alert(1)&lt;/script> & Sons" in md

    synthesis = (hostile / "synthesis.html").read_text(encoding="utf-8")
    assert "Kestrel &lt;script&gt;alert(1)&lt;/script&gt; a &amp; b" in synthesis


def test_the_banner_follows_the_dossiers(hostile):
    assert "Fictional case study" not in (hostile / "alliances" / "kestrel-highways.html").read_text(encoding="utf-8")
    assert "Fictional case study" not in (hostile / "alliances" / "kestrel-highways.md").read_text(encoding="utf-8")
    assert "Fictional case study" in (hostile / "alliances" / "tywi-water.html").read_text(encoding="utf-8")
    # the synthesis claims every case is fictional only when every dossier says so
    assert "Fictional case studies" not in (hostile / "synthesis.html").read_text(encoding="utf-8")
    assert "Fictional case studies" not in (hostile / "synthesis.md").read_text(encoding="utf-8")


# --- the same inputs give the same bytes -------------------------------------------------------------------------

def _pages(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.suffix in (".md", ".html")}


def test_rendering_twice_gives_the_same_bytes(analysis, plain, out, tmp_path):
    render_all(analysis, tmp_path / "again", figures=False)
    first, again = _pages(plain), _pages(tmp_path / "again")
    assert len(first) == 2 * 18 + 2 and first == again
    # with figures the pages differ only by their figures: rendering the same analysis gives what render_all wrote
    assert render_alliance(analysis, "kestrel-highways", fmt="html", figures={
        "scores": "../figures/kestrel-highways-practice-scores.png",
        "profile": "../figures/kestrel-highways-profile.png"}).encode() == \
        (out / "alliances" / "kestrel-highways.html").read_bytes()


def test_one_page_alone_is_the_page_of_the_batch_in_process_or_in_workers(analysis, plain, ids, tmp_path):
    """render_all looks rows up in tables split once per analysis (in this process or in each worker); a page
    rendered alone scans the tables: the pages must not differ."""
    for alliance_id in ids:
        assert render_alliance(analysis, alliance_id) == \
            (plain / "alliances" / f"{alliance_id}.md").read_text(encoding="utf-8")
    render_all(analysis, tmp_path / "workers", figures=False, jobs=2)
    assert _pages(tmp_path / "workers") == _pages(plain)


def test_analysing_again_with_the_same_seed_gives_the_same_bytes(lib, plain, tmp_path):
    again = analyse(lib, n_boot=100, cluster_boot=20)
    render_all(again, tmp_path / "again", figures=False)
    assert _pages(tmp_path / "again") == _pages(plain)


# --- templates and errors ----------------------------------------------------------------------------------------

def test_a_template_folder_overrides_the_packaged_templates(analysis, tmp_path):
    (tmp_path / "alliance.md.j2").write_text("CUSTOM {{ name }}: {{ index | num(2) }} ({{ level }})\n",
                                             encoding="utf-8")
    m = analysis.latest.maturity.set_index("alliance_id").loc["kestrel-highways"]
    text = render_alliance(analysis, "kestrel-highways", template_dir=tmp_path)
    assert text == f"CUSTOM Kestrel Highways Maintenance Alliance: {f2(m['maturity_index'])} ({m['level_name']})\n"
    # templates the folder does not hold still come from the package
    assert render_synthesis(analysis, template_dir=tmp_path).startswith("# Sustaining integration across 18")
    assert "<h2>Headline</h2>" in render_alliance(analysis, "kestrel-highways", fmt="html", template_dir=tmp_path)
    # a base.html.j2 of one's own restyles every HTML page
    (tmp_path / "base.html.j2").write_text("<html>{% block content %}{% endblock %}</html>", encoding="utf-8")
    html = render_alliance(analysis, "kestrel-highways", fmt="html", template_dir=tmp_path)
    assert html.startswith("<html>") and "<style>" not in html and "<h2>Headline</h2>" in html


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_an_unknown_alliance_is_an_error_with_a_hint(analysis, fmt):
    with pytest.raises(ValueError, match=r"no alliance 'kestrel-highway'.*did you mean 'kestrel-highways'\?"):
        render_alliance(analysis, "kestrel-highway", fmt=fmt)
    with pytest.raises(ValueError, match=r"no alliance 'no-such-alliance' in the library$"):
        render_alliance(analysis, "no-such-alliance", fmt=fmt)


def test_an_unknown_format_is_an_error(analysis):
    with pytest.raises(ValueError, match="fmt must be 'md' or 'html'"):
        render_alliance(analysis, "kestrel-highways", fmt="pdf")


def test_the_page_lookup_scans_and_splits_alike_with_missing_keys_and_nullable_types():
    """A single page scans a table, a batch splits it once: the same rows either way, also where a key is missing
    (pandas' nullable types compare missing as NA, which must count as no match, not raise)."""
    from alliance_research.report.writeups import _Lookup

    frame = pd.DataFrame({"alliance_id": pd.array(["a", "b", None, "a"], dtype="string"),
                          "wave": pd.array([1, 1, 1, None], dtype="Int64"), "value": [1, 2, 3, 4]})
    for key in [("a", 1), ("b", 1), ("c", 1)]:
        scanned = _Lookup(grouped=False).rows(frame, ["alliance_id", "wave"], key)
        split = _Lookup(grouped=True).rows(frame, ["alliance_id", "wave"], key)
        assert scanned["value"].tolist() == split["value"].tolist() == \
            {("a", 1): [1], ("b", 1): [2], ("c", 1): []}[key]


@pytest.mark.parametrize("method", ["ward", "gmm"])
def test_synthesis_shows_only_selective_adjusted_pvalues_for_cluster_differences(lib, method):
    # issue 13: no test of the scores that formed the clusters; every comparison of the most mature cluster with
    # another is the selective test's BH-adjusted p, worded by multiplicity.p_conclusion; latent profiles get none
    a = analyse(lib, method=method, k=4, n_boot=0, cluster_boot=0)
    md = render_synthesis(a, fmt="md")
    section = md_sections(md)["What the most mature alliances do differently"]
    assert "FDR-adjusted" not in md and "Kruskal-Wallis" not in section
    tests = a.clusters.differences
    if method == "gmm":
        assert "no valid test" in section and "p = " not in section
        return
    n = int(tests["p_selective_fdr"].notna().sum())
    family = f"Benjamini-Hochberg adjusted over the {n} practice-by-cluster-pair comparisons tested; selective test"
    assert section.count(family) == 3 * (a.clusters.k - 1)  # three practices, each against every other cluster
    top = tests[tests["cluster_a"] == a.clusters.k - 1]
    shown = [float(p) for p in re.findall(r"\(p = ([0-9.]+), Benjamini-Hochberg", section)]
    assert shown and all(any(abs(p - q) < 5e-4 for q in top["p_selective_fdr"]) for p in shown)
