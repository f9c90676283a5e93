"""One respondent matrix per analysis: regrouping it gives what pivoting the ratings again gives, the statistics
give the same results from a shared matrix, and ``analyse`` pivots the ratings exactly once (issue 14)."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alliance_research as ar
from alliance_research import _matrix
from alliance_research.agreement import agreement_table, icc_table, reliability_table
from alliance_research.analysis import analyse
from alliance_research.datasets import make_library
from alliance_research.gaps import CLIENT, perception_gaps
from alliance_research.scoring import score_responses
from alliance_research.trends import wave_changes

PRACTICES = ("p-one", "p-two", "p-three", "p-four")


def owner_side(rows: pd.DataFrame) -> np.ndarray:
    return np.where(rows["organisation_type"].eq(CLIENT), CLIENT, "partners")


def type_side(rows: pd.DataFrame) -> np.ndarray:
    return np.where(rows["organisation_type"].eq(CLIENT), CLIENT, rows["organisation_type"])


#: (groups, respondent-level columns to add): the groupings the statistics use, and a few others.
GROUPINGS = [
    (["alliance_id", "wave"], None),
    (["wave", "alliance_id"], None),  # icc_table
    (["alliance_id"], None),  # waves pooled
    (["wave"], None),
    (["alliance_id", "wave", "side"], {"side": owner_side}),  # perception_gaps(by="owner")
    (["alliance_id", "wave", "side"], {"side": type_side}),  # perception_gaps(by="organisation_type")
    (["organisation_type"], None),
]


def assert_same_matrix(got: _matrix.RespondentMatrix, expected: _matrix.RespondentMatrix) -> None:
    pd.testing.assert_frame_equal(got.groups, expected.groups)
    pd.testing.assert_frame_equal(got.respondents, expected.respondents)
    np.testing.assert_array_equal(got.values, expected.values)  # NaN where NaN
    assert got.values.dtype == expected.values.dtype
    np.testing.assert_array_equal(got.starts, expected.starts)
    assert got.starts.dtype == expected.starts.dtype
    assert got.practice_ids == expected.practice_ids and got.area_ids == expected.area_ids
    np.testing.assert_array_equal(got.practice_area, expected.practice_area)
    np.testing.assert_array_equal(got.levels, expected.levels)


def assert_regroups_as_pivots(responses: pd.DataFrame, framework, bases=None) -> None:
    """Every grouping, regrouped from matrices built with the ``bases`` groupings (all by default), equals a new
    pivot."""
    pivots = {i: _matrix.respondent_matrix(responses.assign(**(columns or {})), framework, groups)
              for i, (groups, columns) in enumerate(GROUPINGS)}
    for base in range(len(GROUPINGS)) if bases is None else bases:
        for i, (groups, columns) in enumerate(GROUPINGS):
            assert_same_matrix(pivots[base].regroup(groups, columns), pivots[i])


@st.composite
def hand_made_ratings(draw):
    """Up to 3 alliances, 1 to 3 waves, 1 to 5 respondents (single ones too) of random organisation types,
    answers missing at random, a whole respondent's answers missing sometimes, rows in random order."""
    rows = []
    for a in range(draw(st.integers(1, 3))):
        for wave in draw(st.lists(st.integers(1, 3), min_size=1, max_size=3, unique=True)):
            for r in range(draw(st.integers(1, 5))):
                kind = draw(st.sampled_from(["client", "contractor", "designer"]))
                for practice in PRACTICES:
                    score = draw(st.one_of(st.none(), st.integers(0, 4)))
                    rows.append((f"a{a}", wave, f"r{r}", kind.title(), kind, practice, score))
    frame = pd.DataFrame(rows, columns=["alliance_id", "wave", "respondent_id", "organisation",
                                        "organisation_type", "practice_id", "score"])
    frame["score"] = frame["score"].astype("Int64")
    order = draw(st.permutations(range(len(frame))))
    return frame.iloc[list(order)]


@settings(deadline=None, max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hand_made_ratings())
def test_regrouping_equals_pivoting_again_for_hand_made_ratings(small_fw, data):
    # from the matrix analyse builds (alliance and wave) and from one with a derived column among the groups
    assert_regroups_as_pivots(data, small_fw, bases=[0, 4])


def test_regrouping_equals_pivoting_again_at_the_edges(small_fw):
    one = pd.DataFrame({"alliance_id": ["a"], "wave": [2], "respondent_id": ["r"], "organisation": ["C"],
                        "organisation_type": ["client"], "practice_id": ["p-four"], "score": [np.nan]})
    assert_regroups_as_pivots(one, small_fw)  # a single respondent who answered nothing
    assert_regroups_as_pivots(one.iloc[:0], small_fw)  # no ratings at all


@pytest.fixture(scope="module", params=[dict(n_alliances=5, n_waves=1, missing_rate=0.0, random_state=1),
                                        dict(n_alliances=6, n_waves=3, missing_rate=0.2, random_state=2),
                                        dict(n_alliances=4, n_waves=2, respondents=(1, 3), random_state=3)],
                ids=["one-wave", "three-waves-missing", "few-respondents"])
def synthetic(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("matrix-lib")
    options = dict(request.param)
    make_library(folder, options.pop("n_alliances"), 2, with_outcomes=False, **options)
    return ar.load_library(folder)


def test_regrouping_equals_pivoting_again_for_synthetic_libraries(synthetic):
    assert_regroups_as_pivots(synthetic.responses, synthetic.framework)


def test_every_statistic_is_the_same_from_the_shared_matrix(synthetic):
    r, fw = synthetic.responses, synthetic.framework
    m = _matrix.respondent_matrix(r, fw)
    for shared, alone in [
        (score_responses(r, fw, n_boot=30, matrix=m).practices, score_responses(r, fw, n_boot=30).practices),
        (score_responses(r, fw, n_boot=30, groups=["alliance_id"], matrix=m).maturity,
         score_responses(r, fw, n_boot=30, groups=["alliance_id"]).maturity),
        (perception_gaps(r, fw, n_boot=30, matrix=m), perception_gaps(r, fw, n_boot=30)),
        (perception_gaps(r, fw, n_boot=30, by="organisation_type", matrix=m),
         perception_gaps(r, fw, n_boot=30, by="organisation_type")),
        (wave_changes(r, fw, n_boot=30, compare="first", matrix=m), wave_changes(r, fw, n_boot=30, compare="first")),
        (icc_table(r, fw, matrix=m), icc_table(r, fw)),
        (reliability_table(r, fw, matrix=m), reliability_table(r, fw)),
        (agreement_table(r, fw, nan_policy="listwise", matrix=m), agreement_table(r, fw, nan_policy="listwise")),
    ]:
        pd.testing.assert_frame_equal(shared, alone)


def test_a_matrix_of_other_ratings_is_refused(small_fw, synthetic):
    r, fw = synthetic.responses, synthetic.framework
    m = _matrix.respondent_matrix(r, fw)
    with pytest.raises(ValueError, match="holds .* answers"):
        icc_table(r.iloc[:-40], fw, matrix=m)
    with pytest.raises(ValueError, match="not on the practices"):
        reliability_table(r, small_fw, matrix=m)


def test_a_respondent_with_two_organisation_types_is_not_regrouped_by_side(small_fw):
    rows = pd.DataFrame({"alliance_id": "a", "wave": 1, "respondent_id": ["r1", "r1", "r2", "r2"],
                         "organisation": "X", "organisation_type": ["client", "contractor", "client", "client"],
                         "practice_id": ["p-one", "p-two"] * 2, "score": [1, 2, 3, 4]})
    m = _matrix.respondent_matrix(rows, small_fw)
    assert not m.consistent
    with pytest.raises(ValueError, match="cannot be regrouped"):
        perception_gaps(rows, small_fw, n_boot=0, matrix=m)
    perception_gaps(rows, small_fw, n_boot=0)  # pivoting the ratings again still works, as before
    # a grouping by alliance and wave only does not depend on the organisation type: still exact
    assert_same_matrix(m.regroup(["wave", "alliance_id"]),
                       _matrix.respondent_matrix(rows, small_fw, ["wave", "alliance_id"]))


def test_analyse_pivots_the_ratings_once(monkeypatch):
    calls = []
    pivot = _matrix.respondent_matrix

    def counted(*args, **kwargs):
        calls.append(args[2] if len(args) > 2 else kwargs.get("groups", _matrix.GROUPS))
        return pivot(*args, **kwargs)

    # wherever the name is looked up: the module that defines it and every module that imported it
    for name, module in list(sys.modules.items()):
        if name.startswith("alliance_research") and getattr(module, "respondent_matrix", None) is pivot:
            monkeypatch.setattr(module, "respondent_matrix", counted)
    lib = ar.load_library()
    a = analyse(lib, n_boot=20, cluster_boot=5)
    assert len(calls) == 1
    assert a.ratings is not None and a.ratings.values.shape == (len(a.ratings.respondents), len(lib.framework.practice_ids))
    from alliance_research.report.tables import analysis_tables

    analysis_tables(a)  # the ICC and reliability tables start from a.ratings
    assert len(calls) == 1
