"""Agreement and reliability statistics, pinned to published values and to R's multilevel and psych packages.

Reference values marked "R" were printed by ``tests/reference/agreement.R`` (R 4.2.2, multilevel 2.7, psych
2.2.9) on ``tests/data/agreement_groups.csv``: 39 respondents in 8 groups of 2 to 8 (unbalanced), 4 items on a
0..4 scale, 6 missing answers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_research import agreement, load_framework
from alliance_research.agreement import agreement_table, cronbach_alpha, icc_oneway, icc_table, rwg, rwg_j

from .conftest import write_framework

DATA = Path(__file__).parent / "data"
ITEMS = ["i1", "i2", "i3", "i4"]


@pytest.fixture(scope="module")
def groups() -> pd.DataFrame:
    return pd.read_csv(DATA / "agreement_groups.csv")


# R: rwg(d$i1, d$group, ranvar = 2)
R_RWG_I1 = {"g1": 1.0, "g2": 0.0, "g3": 0.875, "g4": 0.6666666666666667, "g5": 0.0089285714285714,
            "g6": 0.6666666666666667, "g7": 1.0, "g8": 0.7619047619047619}
# R: rwg.j(d[, items], d$group, ranvar = 2); multilevel drops respondents with any missing item
R_RWG_J = {"g1": 0.869565217391304, "g2": 0.923076923076923, "g3": 0.732394366197183, "g4": 0.8,
           "g5": 0.866666666666667, "g6": 0.831372549019608, "g7": np.nan, "g8": 0.948453608247423}


def test_rwg_matches_r_multilevel(groups):
    for group, expected in R_RWG_I1.items():
        got = rwg(groups.loc[groups["group"] == group, "i1"], n_points=5)
        assert got == pytest.approx(expected, abs=1e-12), group


def test_rwg_truncates_at_zero_and_needs_two_answers():
    # g2 of the fixture has variance 2.25 > (5**2 - 1) / 12 = 2; R multilevel caps it to give 0
    assert rwg([4, 4, 1, 2]) == 0.0
    assert np.isnan(rwg([3]))
    assert np.isnan(rwg([3, None, np.nan]))
    assert rwg([2, 2, 2]) == 1.0


def test_uniform_null_variance():
    # James, Demaree & Wolf (1984): sigma_EU^2 = (A^2 - 1) / 12, e.g. 2.0 for A = 5 and 4.0 for A = 7
    assert agreement.uniform_null_variance(5) == 2.0
    assert agreement.uniform_null_variance(7) == 4.0
    with pytest.raises(ValueError):
        agreement.uniform_null_variance(1)


def test_rwg_j_listwise_matches_r_multilevel(groups):
    for group, expected in R_RWG_J.items():
        got = rwg_j(groups.loc[groups["group"] == group, ITEMS], n_points=5, nan_policy="listwise")
        if np.isnan(expected):
            assert np.isnan(got), group
        else:
            assert got == pytest.approx(expected, abs=1e-12), group


def test_rwg_j_pairwise_equals_r_on_complete_rows(groups):
    # with no missing answers the two policies coincide, so R's values pin the pairwise form too
    complete = groups.dropna(subset=ITEMS)
    for group, expected in R_RWG_J.items():
        if np.isnan(expected):
            continue
        got = rwg_j(complete.loc[complete["group"] == group, ITEMS], nan_policy="pairwise")
        assert got == pytest.approx(expected, abs=1e-12), group


def test_rwg_j_pairwise_keeps_partial_respondents(groups):
    g7 = groups.loc[groups["group"] == "g7", ITEMS]  # two respondents, one skipped i4
    assert np.isnan(rwg_j(g7, nan_policy="listwise"))
    # pairwise: items i1..i3 each have two answers (variances 0, 0, 0) -> perfect agreement
    assert rwg_j(g7, nan_policy="pairwise") == 1.0
    with pytest.raises(ValueError, match="nan_policy"):
        rwg_j(g7, nan_policy="everything")


def test_icc_oneway_matches_r_multilevel_unbalanced(groups):
    # R: ICC1(aov(i1 ~ as.factor(group))), ICC2(...)
    icc1, icc2 = icc_oneway(groups, group="group", value="i1")
    assert icc1 == pytest.approx(0.0121887366962617, abs=1e-12)
    assert icc2 == pytest.approx(0.0553658501708775, abs=1e-12)
    # R: the same on each respondent's mean over the answered items
    means = groups.assign(pmean=groups[ITEMS].mean(axis=1))
    icc1, icc2 = icc_oneway(means, group="group", value="pmean")
    assert icc1 == pytest.approx(0.35613575833172, abs=1e-12)
    assert icc2 == pytest.approx(0.729471768594059, abs=1e-12)


def test_icc_oneway_shrout_fleiss_1979():
    # Shrout & Fleiss (1979), Psychological Bulletin 86(2), Table 2: six targets, four judges. With equal group
    # sizes ICC(1) and ICC(2) are their ICC(1,1) = .17 and ICC(1,4) = .44 (Table 4); the exact figures are R's
    # multilevel::ICC1/ICC2 (tests/reference/agreement.R).
    table = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])
    long = pd.DataFrame({"target": np.repeat(np.arange(6), 4), "rating": table.ravel()})
    result = icc_oneway(long, group="target", value="rating")
    assert round(result.icc1, 2) == 0.17 and round(result.icc2, 2) == 0.44
    assert result.icc1 == pytest.approx(0.165741768405475, abs=1e-12)
    assert result.icc2 == pytest.approx(0.442797133679268, abs=1e-12)
    assert isinstance(result, tuple) and result == (result.icc1, result.icc2)


def test_cronbach_alpha_pingouin_published_values():
    # pingouin's cronbach_alpha docstring (pingouin 0.5-0.7), on the data sets it ships
    # (from www.real-statistics.com), copied to tests/data/pingouin_*.csv. In R: psych::alpha.
    wide = pd.read_csv(DATA / "pingouin_cronbach_wide_missing.csv", encoding="utf-8-sig")
    a = cronbach_alpha(wide)
    assert a.alpha == pytest.approx(0.732660835214447, abs=1e-12)
    assert (round(a.ci_low, 3), round(a.ci_high, 3)) == (0.435, 0.909)
    assert cronbach_alpha(wide, nan_policy="listwise").alpha == pytest.approx(0.8016949152542373, abs=1e-12)
    long = pd.read_csv(DATA / "pingouin_cronbach_alpha.csv")
    a = cronbach_alpha(long.pivot(index="Subj", columns="Items", values="Scores"))
    assert a.alpha == pytest.approx(0.5917188485995826, abs=1e-12)
    assert (round(a.ci_low, 3), round(a.ci_high, 3)) == (0.195, 0.84)


def test_cronbach_alpha_matches_r_psych(groups):
    # R: psych::alpha(d[, items])$total$raw_alpha, pairwise (its default) and complete cases
    assert cronbach_alpha(groups[ITEMS]).alpha == pytest.approx(0.694357588657674, abs=1e-12)
    assert cronbach_alpha(groups[ITEMS], nan_policy="listwise").alpha == pytest.approx(0.697332106715731, abs=1e-12)


def test_cronbach_alpha_needs_two_items_and_two_rows():
    assert np.isnan(cronbach_alpha([[1], [2], [3]]).alpha)
    assert np.isnan(cronbach_alpha([[1, 2]]).alpha)


def _as_responses(groups: pd.DataFrame, practices: list[str]) -> pd.DataFrame:
    """The fixture as long ratings: items become the first practices of the rubric, groups alliances."""
    long = groups.melt(id_vars=["group", "respondent"], value_vars=ITEMS, var_name="item", value_name="score")
    long["practice_id"] = long["item"].map(dict(zip(ITEMS, practices)))
    return pd.DataFrame({"alliance_id": long["group"], "wave": 1, "respondent_id": long["respondent"],
                         "organisation": "Org", "organisation_type": "contractor",
                         "practice_id": long["practice_id"], "score": long["score"].astype("Int64")})


def test_agreement_table_vectorised_equals_r(groups, framework_4):
    fw, practices = framework_4
    table = agreement_table(_as_responses(groups, practices), fw, nan_policy="listwise")
    first = table[(table["level"] == "practice") & (table["id"] == practices[0])].set_index("alliance_id")
    for group, expected in R_RWG_I1.items():
        assert first.loc[group, "value"] == pytest.approx(expected, abs=1e-12)
    area = table[table["level"] == "area"].set_index("alliance_id")
    for group, expected in R_RWG_J.items():
        got = area.loc[group, "value"]
        assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected, abs=1e-12), group
    assert not area.loc["g7", "low_agreement"]  # missing is not "low"
    assert area.loc["g3", "low_agreement"] == (R_RWG_J["g3"] < 0.7)


def test_agreement_table_pairwise_matches_scalar_function(groups, framework_4):
    fw, practices = framework_4
    table = agreement_table(_as_responses(groups, practices), fw)
    area = table[table["level"] == "area"].set_index("alliance_id")
    for group, rows in groups.groupby("group"):
        assert area.loc[group, "value"] == pytest.approx(rwg_j(rows[ITEMS], nan_policy="pairwise"), abs=1e-12)


def test_icc_table_matches_r(groups, framework_4):
    fw, practices = framework_4
    table = icc_table(_as_responses(groups, practices), fw, min_answered=0.5)
    first = table[(table["level"] == "practice") & (table["id"] == practices[0])].iloc[0]
    assert first["icc1"] == pytest.approx(0.0121887366962617, abs=1e-12)
    assert first["icc2"] == pytest.approx(0.0553658501708775, abs=1e-12)
    assert first["n_alliances"] == 8 and first["n_respondents"] == 38
    overall = table[table["level"] == "overall"].iloc[0]
    assert overall["icc1"] == pytest.approx(0.35613575833172, abs=1e-12)
    assert overall["icc2"] == pytest.approx(0.729471768594059, abs=1e-12)
    # the F test is the one-way ANOVA's: ICC(2) = 1 - 1/F
    assert overall["icc2"] == pytest.approx(1 - 1 / overall["f"], abs=1e-12)
    assert 0 < overall["p_value"] < 0.05


@pytest.fixture(scope="module")
def framework_4(tmp_path_factory):
    """A four-practice, one-area rubric (so an area's rwg(j) is rwg.j over the fixture's four items)."""
    practices = ["item-one", "item-two", "item-three", "item-four"]
    path = write_framework(tmp_path_factory.mktemp("fw") / "four-items.yaml", {"only-area": practices})
    return load_framework(path), practices
