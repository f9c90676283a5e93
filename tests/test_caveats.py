"""Warnings that qualify a result reach the reader: analyse records them as caveats, the pages list them."""

from __future__ import annotations

import dataclasses
import functools
import warnings

import numpy as np
import pandas as pd
import pytest

import alliance_research as ar
from alliance_research import analysis as analysis_module
from alliance_research.analysis import Caveat, analyse
from alliance_research.clustering import ClusterWarning, cluster_profiles
from alliance_research.datasets import make_library
from alliance_research.report import build as report_module
from alliance_research.report import build_report
from alliance_research.report.writeups import render_all

from .test_writeups import md_sections, read_html

EDGE = "is at the edge of the range considered (2..3)"


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    """A library of 9 alliances: k is searched over 2..3 only, so whichever k is chosen sits at an edge; its
    report (without notebooks), the analysis behind it, and the warnings that escaped."""
    root = tmp_path_factory.mktemp("edge")
    make_library(root / "lib", n_alliances=9, n_profiles=2, with_outcomes=False, random_state=0)
    lib = ar.load_library(root / "lib")
    kept = []

    def analyse_and_keep(*args, **kwargs):
        kept.append(analyse(*args, **kwargs))
        return kept[-1]

    # the report's own analysis is kept for the tests; its pages are written without their figures (drawing
    # them is most of a report's time, and says nothing about caveats)
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        patch.setattr(report_module, "analyse", analyse_and_keep)
        patch.setattr(report_module, "render_all", functools.partial(render_all, figures=False))
        build_report(lib, root / "report", n_boot=20, notebooks=[], progress=False, jobs=1)
    a = kept[0]
    return a, root / "report", escaped


def test_a_k_at_the_edge_is_a_caveat_of_the_clusters_not_a_lost_console_warning(edge):
    a, _, escaped = edge
    found = [c for c in a.caveats if EDGE in c.message]
    assert len(found) == 1
    assert found[0].result == "clusters" and found[0].category == "ClusterWarning"
    assert found[0].sentence.startswith(f"The chosen number of clusters, k={a.clusters.k}, is at the edge")
    assert found[0].sentence.endswith("before reading the clusters.")
    assert a.caveats_for("clusters") == [c.sentence for c in a.caveats if c.result == "clusters"]
    assert a.caveats_for("outcomes") == []
    # recorded, so not also printed to a console
    assert not [w for w in escaped if issubclass(w.category, ClusterWarning)]


def test_the_edge_caveat_is_on_the_synthesis_the_index_and_every_alliance_page(edge):
    a, report, _ = edge
    sentence = next(c.sentence for c in a.caveats if EDGE in c.message)
    # synthesis.md: in the section that says how sure the clusters are
    md = md_sections((report / "synthesis.md").read_text(encoding="utf-8"))
    assert f"Caveats on the clusters:\n\n- {sentence}\n" in md["How sure the clusters are"]
    html = read_html(report / "synthesis.html")
    stability = next(html.iter("section", id="stability"))
    assert [li.text() for li in next(stability.iter("div", cls="caveats")).iter("li")] == [sentence]
    index = read_html(report / "index.html")
    assert [li.text() for li in next(index.iter("div", cls="caveats")).iter("li")] == [sentence]
    # each write-up places its alliance in a cluster: the caveat is among the page's caveats
    for alliance_id in a.latest.maturity["alliance_id"]:
        page = md_sections((report / "alliances" / f"{alliance_id}.md").read_text(encoding="utf-8"))
        assert f"- {sentence}\n" in page["Method note"]
        method = next(read_html(report / "alliances" / f"{alliance_id}.html").iter("section", id="method"))
        assert sentence in [li.text() for li in method.iter("li")]


def test_the_caveat_does_not_depend_on_the_callers_warning_filters(edge):
    a, _, _ = edge
    lib = a.library
    for action in ("ignore", "error"):
        with warnings.catch_warnings():
            warnings.simplefilter(action, ClusterWarning)
            again = analyse(lib, n_boot=0, cluster_boot=0)
        assert [c for c in again.caveats if EDGE in c.message], action


def test_a_warning_that_qualifies_no_result_is_passed_on_unchanged(edge, monkeypatch):
    a, _, _ = edge
    original = analysis_module.perception_gaps

    def gaps_that_warn(*args, **kwargs):
        warnings.warn("a parameter is deprecated", FutureWarning, stacklevel=1)
        return original(*args, **kwargs)

    monkeypatch.setattr(analysis_module, "perception_gaps", gaps_that_warn)
    with pytest.warns(FutureWarning, match="a parameter is deprecated") as passed:
        again = analyse(a.library, n_boot=0, cluster_boot=0)
    assert passed[0].filename == __file__  # where it was raised, as if never caught
    assert not [c for c in again.caveats if "deprecated" in c.message]
    assert [c for c in again.caveats if EDGE in c.message]


def test_caveats_for_can_leave_out_what_the_verdict_says(edge):
    a, _, _ = edge
    # as cluster_profiles warns when the structure test finds nothing: the warning repeats the verdict
    repeat = Caveat("clusters", "ClusterWarning", f"no evidence of cluster structure: {a.clusters.verdict}")
    with_repeat = dataclasses.replace(a, caveats=a.caveats + (repeat,))
    assert repeat.sentence == f"No evidence of cluster structure: {a.clusters.verdict}."
    assert with_repeat.caveats_for("clusters") == a.caveats_for("clusters") + [repeat.sentence]
    assert with_repeat.caveats_for("clusters", omit_verdict=True) == a.caveats_for("clusters")


def test_the_stability_bootstrap_says_what_it_left_out_and_what_warned():
    # three distinct profiles, each twice: a resample of six draws may hold three alliances or fewer (left out),
    # or only two distinct profiles, which k-means cannot split into three non-empty clusters (left out too)
    base = np.random.default_rng(0).uniform(0, 4, size=(3, 5))
    profiles = pd.DataFrame(np.repeat(base, 2, axis=0), index=[f"a{i}" for i in range(6)])
    with pytest.warns(ClusterWarning, match=r"the cluster stability rests on \d+ of 50 bootstrap resamples") as w:
        res = cluster_profiles(profiles, k=3, n_boot=50, n_null=0)
    message = str(w[0].message)
    assert "drew too few distinct alliances to recluster and were left out" in message
    assert "could not be split into 3 non-empty clusters and were left out" in message
    too_few = int(message.split(": ")[1].split(" drew")[0])
    unsplit = int(message.split("; ")[1].split(" could")[0])
    used = int(message.split("rests on ")[1].split(" of")[0])
    assert used + too_few + unsplit == 50 and too_few > 0 and unsplit > 0
    assert np.isfinite(res.stability).all()
