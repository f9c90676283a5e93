"""The report computes the analysis once and hands it to the notebooks (``analysis.save_analysis``,
``load_analysis``, ``analysis_for``); a notebook run alone computes the same analysis itself."""

from __future__ import annotations

import pandas as pd
import pytest

import alliance_research as ar
from alliance_research.analysis import analyse, analysis_for, load_analysis, save_analysis
from alliance_research.datasets import make_library


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("lib") / "lib"
    make_library(root, 8, 3, n_waves=1, random_state=3)
    return ar.load_library(root)


@pytest.fixture(scope="module")
def saved(library, tmp_path_factory):
    a = analyse(library, random_state=2, n_boot=50, cluster_boot=10)
    return a, save_analysis(a, tmp_path_factory.mktemp("saved") / "analysis.pickle")


def test_a_saved_analysis_reads_back_equal(saved):
    a, path = saved
    b = load_analysis(path)
    pd.testing.assert_frame_equal(a.scores.wide(), b.scores.wide())
    pd.testing.assert_frame_equal(a.clusters.differences, b.clusters.differences)
    assert a.request == b.request and a.settings == b.settings and a.caveats == b.caveats


def test_a_notebook_given_the_file_gets_what_it_would_compute(saved, library):
    a, path = saved
    handed = analysis_for(library.path, path, random_state=2, n_boot=50)
    computed = analysis_for(library.path, None, random_state=2, n_boot=50, cluster_boot=10)
    pd.testing.assert_frame_equal(handed.scores.wide(), computed.scores.wide())
    pd.testing.assert_series_equal(handed.cluster_of, computed.cluster_of)
    pd.testing.assert_frame_equal(handed.gaps, computed.gaps)


def test_other_options_or_another_library_are_refused(saved, library):
    a, path = saved
    with pytest.raises(ValueError, match=r"other options: n_boot=50 \(here 1000\)"):
        analysis_for(library, path, random_state=2, n_boot=1000)
    with pytest.raises(ValueError, match="is an analysis of"):
        analysis_for(None, path, random_state=2)  # the example library
    with pytest.raises(TypeError, match="unexpected options: n_boots"):
        analysis_for(library, path, n_boots=50)


def test_a_file_that_is_not_a_saved_analysis_is_refused(tmp_path, saved):
    other = tmp_path / "x.pickle"
    other.write_bytes(b"not an analysis\n")
    with pytest.raises(ValueError, match="is not an analysis saved by"):
        load_analysis(other)
    _, path = saved
    data = path.read_bytes().replace(b"alliance-research analysis " + ar.__version__.encode(),
                                     b"alliance-research analysis 0.0.0", 1)
    other.write_bytes(data)
    with pytest.raises(ValueError, match="saved by alliance-research 0.0.0"):
        load_analysis(other)
