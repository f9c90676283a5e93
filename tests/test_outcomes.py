"""Delivery KPIs by cluster and against the maturity index, pinned to R's kruskal.test and cor.test.

Reference values marked "R" were printed by ``tests/reference/outcomes.R`` (R 4.2.2, base package stats 4.2.2;
no other package) on ``tests/data/outcomes_fixture.csv``: 14 alliances in 3 clusters of 5, 5 and 4, a maturity
index with ties (1.5, 2.4 and 3.5 twice), KPI ``on_time`` (higher is better; one or two years per alliance, one
missing value, rows not in year order, ties among the alliance means) and KPI ``accidents`` (lower is better;
13 alliances, ties). Epsilon squared is H / (n - 1) (Tomczak & Tomczak, 2014), computed in R from
``kruskal.test``'s H because rcompanion (``epsilonSquared``) is not installed there.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alliance_research as ar
from alliance_research.clustering import ClusterWarning, cluster_profiles
from alliance_research.outcomes import MIN_N, alliance_kpis, kpi_by_cluster, maturity_vs_kpi

DATA = Path(__file__).parent / "data"
KPIS = pd.DataFrame({"kpi": ["on_time", "accidents"], "label": ["Milestones on time", "Accident rate"],
                     "unit": ["%", "per 100,000 hours"], "higher_is_better": [True, False]})

# R: kruskal.test(value ~ factor(cluster)) per KPI, on the alliance means (how = "mean") or latest values
R_KRUSKAL = {
    ("mean", "on_time"): {"n": 14, "h": 10.6618861607143, "p": 0.00483950381845406, "eps": 0.820145089285714},
    ("mean", "accidents"): {"n": 13, "h": 9.18105849582173, "p": 0.0101474864159604, "eps": 0.765088207985144},
    ("latest", "on_time"): {"n": 14, "h": 10.7844162995595, "p": 0.0045519109290578, "eps": 0.829570484581498},
    ("latest", "accidents"): {"n": 13, "h": 7.76179775280899, "p": 0.0206322709824386, "eps": 0.646816479400749},
}
# R: cor.test(maturity_index, value, method = "spearman", exact = FALSE); ties in both variables
R_SPEARMAN = {
    ("mean", "on_time"): {"rho": 0.912231231957895, "p": 5.45023247460901e-06},
    ("mean", "accidents"): {"rho": -0.907081361192736, "p": 1.87662875226023e-05},
    ("latest", "on_time"): {"rho": 0.911702000650827, "p": 5.64378056834755e-06},
    ("latest", "accidents"): {"rho": -0.890003220679657, "p": 4.58889151898283e-05},
}
# R: p.adjust(method = "BH") over the fixture's two KPIs (the end of tests/reference/outcomes.R): the p-values of
# the Kruskal-Wallis tests (kpi_by_cluster's p_fdr) and of the Spearman correlations (maturity_vs_kpi's p_fdr)
R_KRUSKAL_BH = {"mean": {"on_time": 0.00967900763690812, "accidents": 0.0101474864159604},
                "latest": {"on_time": 0.0091038218581156, "accidents": 0.0206322709824386}}
R_SPEARMAN_BH = {"mean": {"on_time": 1.0900464949218e-05, "accidents": 1.87662875226023e-05},
                 "latest": {"on_time": 1.12875611366951e-05, "accidents": 4.58889151898283e-05}}
# R: quantile(type = 7) and mean per cluster, KPI on_time, how = "mean": (n, q1, median, q3, mean)
R_ON_TIME_CLUSTERS = {0: (5, 72, 72, 75, 74), 1: (5, 79, 83, 83, 81.2), 2: (4, 86.5, 88, 89.5, 88)}


@pytest.fixture(scope="module")
def fixture() -> pd.DataFrame:
    return pd.read_csv(DATA / "outcomes_fixture.csv")


@pytest.fixture(scope="module")
def outcomes(fixture) -> pd.DataFrame:
    return fixture[["alliance_id", "year", "kpi", "value"]]


@pytest.fixture(scope="module")
def alliances(fixture) -> pd.DataFrame:
    """``cluster`` and ``maturity_index`` per alliance, indexed by ``alliance_id``."""
    return fixture.drop_duplicates("alliance_id").set_index("alliance_id")[["cluster", "maturity_index"]]


def _small(values, clusters=None, kpi="on_time") -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Outcomes of one KPI in one year for alliances s01, s02, ..., their maturity (1, 2, ...) and clusters."""
    ids = [f"s{i + 1:02d}" for i in range(len(values))]
    outcomes = pd.DataFrame({"alliance_id": ids, "year": 2023, "kpi": kpi, "value": np.asarray(values, float)})
    maturity = pd.Series(np.arange(1.0, len(ids) + 1), index=pd.Index(ids, name="alliance_id"))
    labels = pd.Series(clusters if clusters is not None else np.zeros(len(ids), int), index=maturity.index)
    return outcomes, maturity, labels


# --- alliance_kpis -----------------------------------------------------------------------------------------------

def test_alliance_kpis_mean_and_latest_by_hand():
    outcomes = pd.DataFrame({
        "alliance_id": ["b", "a", "a", "a", "b", "b"],
        "year": [2024, 2023, 2021, 2022, 2022, 2023],
        "kpi": ["on_time"] * 6,
        "value": [np.nan, 90.0, 70.0, 80.0, 60.0, 65.0],
    })
    mean = alliance_kpis(outcomes, KPIS, how="mean").set_index("alliance_id")
    latest = alliance_kpis(outcomes, KPIS, how="latest").set_index("alliance_id")
    assert mean.loc["a", "value"] == 80.0 and latest.loc["a", "value"] == 90.0  # latest by year, not row order
    # b's 2024 value is missing: its latest reported year is 2023, and the missing year is not counted
    assert mean.loc["b", "value"] == 62.5 and latest.loc["b", "value"] == 65.0
    assert mean.loc["a", ["n_years", "first_year", "last_year"]].tolist() == [3, 2021, 2023]
    assert mean.loc["b", ["n_years", "first_year", "last_year"]].tolist() == [2, 2022, 2023]
    assert mean.loc["a", "label"] == "Milestones on time" and bool(mean.loc["a", "higher_is_better"])
    assert list(mean.columns) == ["kpi", "value", "n_years", "first_year", "last_year", "label", "unit",
                                  "higher_is_better"]
    with pytest.raises(ValueError, match="how"):
        alliance_kpis(outcomes, KPIS, how="median")


def test_alliance_kpis_on_fixture(outcomes):
    table = alliance_kpis(outcomes, KPIS).set_index(["alliance_id", "kpi"])
    assert len(table) == 14 + 13
    assert table.loc[("a02", "on_time"), "n_years"] == 1  # 2021 is missing
    assert table.loc[("a05", "accidents"), "value"] == 0.375
    assert alliance_kpis(outcomes, KPIS, how="latest").set_index(["alliance_id", "kpi"]).loc[
        ("a05", "accidents"), "value"] == 0.25


# --- kpi_by_cluster ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["mean", "latest"])
def test_kpi_by_cluster_matches_r_kruskal(outcomes, alliances, how):
    table = kpi_by_cluster(outcomes, KPIS, alliances["cluster"], how=how)
    for kpi in ("on_time", "accidents"):
        expected = R_KRUSKAL[(how, kpi)]
        rows = table[table["kpi"] == kpi]
        assert rows["cluster"].tolist() == [0, 1, 2]
        test = rows.iloc[0]
        assert test["n_total"] == expected["n"] == rows["n"].sum()
        assert test["n_clusters"] == 3 and test["df"] == 2
        assert test["kw_h"] == pytest.approx(expected["h"], abs=1e-12)
        assert test["p_value"] == pytest.approx(expected["p"], rel=1e-10)
        assert test["epsilon_squared"] == pytest.approx(expected["eps"], abs=1e-12)
        assert test["epsilon_squared"] == pytest.approx(test["kw_h"] / (test["n_total"] - 1), abs=1e-15)
        assert test["p_fdr"] == pytest.approx(R_KRUSKAL_BH[how][kpi], rel=1e-10)
        # the per-KPI figures repeat on every cluster row
        assert rows["kw_h"].nunique() == 1 and rows["conclusion"].nunique() == 1
        assert rows["higher_is_better"].iloc[0] == (kpi == "on_time")


def test_kpi_by_cluster_descriptives_match_r_quantile(outcomes, alliances):
    names = pd.Series({0: "low", 1: "middle", 2: "high"})
    rows = kpi_by_cluster(outcomes, KPIS, alliances["cluster"], names).query("kpi == 'on_time'").set_index("cluster")
    for cluster, (n, q1, median, q3, mean) in R_ON_TIME_CLUSTERS.items():
        assert rows.loc[cluster, ["n", "q1", "median", "q3"]].tolist() == [n, q1, median, q3]
        assert rows.loc[cluster, "mean"] == pytest.approx(mean, abs=1e-12)
    assert rows["cluster_name"].tolist() == ["low", "middle", "high"]
    assert rows["label"].iloc[0] == "Milestones on time" and rows["unit"].iloc[0] == "%"


def test_kpi_by_cluster_conclusion_states_n_and_the_adjusted_p(outcomes, alliances):
    table = kpi_by_cluster(outcomes, KPIS, alliances["cluster"]).drop_duplicates("kpi").set_index("kpi")
    # R: BH-adjusted p 0.00967900763690812 (raw 0.00483950381845406): the sentence gives the adjusted one
    assert table.loc["on_time", "conclusion"] == (
        "clusters differ (p = 0.010, Benjamini-Hochberg adjusted over the 2 KPIs tested; epsilon squared = 0.82); "
        "with n = 14, a pattern to confirm in more alliances, not a finding")
    assert "with n = 13," in table.loc["accidents", "conclusion"]


def test_kpi_by_cluster_no_ties_and_descriptive_only():
    # R: kruskal.test(list(c(2, 1, 4), c(3, 7, 5, 6))): H = 3.125, p = 0.077099871743542 (no ties)
    outcomes, _, labels = _small([2, 1, 4, 3, 7, 5, 6], clusters=[0, 0, 0, 1, 1, 1, 1])
    test = kpi_by_cluster(outcomes, KPIS, labels).iloc[0]
    assert test["kw_h"] == pytest.approx(3.125, abs=1e-12)
    assert test["p_value"] == pytest.approx(0.077099871743542, rel=1e-10)
    assert test["epsilon_squared"] == pytest.approx(3.125 / 6, abs=1e-15)
    assert test["p_fdr"] == test["p_value"]  # one KPI: nothing to adjust, and the sentence says so
    assert test["conclusion"] == ("no evidence that clusters differ (p = 0.077, the only KPI tested, so not "
                                  "adjusted; epsilon squared = 0.52); with n = 7 this is descriptive only")


def _two_kpis(first, second, clusters):
    """Two KPIs (on_time, accidents) of the same alliances s01, s02, ..., their maturity and clusters."""
    a, maturity, labels = _small(first, clusters=clusters, kpi="on_time")
    b, _, _ = _small(second, clusters=clusters, kpi="accidents")
    return pd.concat([a, b], ignore_index=True), maturity, labels


def test_kpi_by_cluster_raw_p_below_005_but_adjusted_above_is_no_evidence():
    # R (tests/reference/outcomes.R, last block): kruskal.test(list(c(1, 2, 3, 5), c(4, 6, 7, 8))) p =
    # 0.0433081428107919 (on_time); the same values shuffled, p = 1 (accidents); p.adjust(..., "BH") =
    # 0.0866162856215839 and 1
    outcomes, _, labels = _two_kpis([1, 2, 3, 5, 4, 6, 7, 8], [1, 8, 3, 6, 4, 2, 7, 5], [0] * 4 + [1] * 4)
    tests = kpi_by_cluster(outcomes, KPIS, labels).drop_duplicates("kpi").set_index("kpi")
    assert tests.loc["on_time", "p_value"] == pytest.approx(0.0433081428107919, rel=1e-10)
    assert tests.loc["accidents", "p_value"] == pytest.approx(1.0, rel=1e-10)
    assert tests.loc["on_time", "p_fdr"] == pytest.approx(0.0866162856215839, rel=1e-10)
    assert tests.loc["on_time", "conclusion"].startswith(
        "no evidence that clusters differ (p = 0.087, Benjamini-Hochberg adjusted over the 2 KPIs tested;")
    # alone, the same KPI is a family of one: its raw p is its p, below 0.05
    alone = kpi_by_cluster(outcomes[outcomes["kpi"] == "on_time"], KPIS, labels).iloc[0]
    assert alone["conclusion"].startswith("clusters differ (p = 0.043, the only KPI tested, so not adjusted;")


def test_kpi_by_cluster_below_min_n_is_not_tested():
    outcomes, _, labels = _small([1, 2, 3, 4], clusters=[0, 0, 1, 1])
    assert len(outcomes) == MIN_N - 1
    rows = kpi_by_cluster(outcomes, KPIS, labels)
    assert rows["n"].tolist() == [2, 2]  # the descriptives are still given
    test = rows.iloc[0]
    assert np.isnan(test["kw_h"]) and np.isnan(test["p_value"]) and np.isnan(test["epsilon_squared"])
    assert test["conclusion"] == f"not tested: only {MIN_N - 1} alliances have this KPI"


def test_kpi_by_cluster_counts_only_clusters_with_data(outcomes, alliances):
    labels = alliances["cluster"].copy()
    labels["a01"] = 3  # a fourth cluster, whose only alliance did not report accidents
    labels = pd.concat([labels, pd.Series({"zz": 3})])  # an alliance with no outcomes at all
    keep = ~((outcomes["kpi"] == "accidents") & outcomes["alliance_id"].isin(["a01"] + [f"a{i:02d}" for i in
                                                                                       range(6, 11)]))
    table = kpi_by_cluster(outcomes[keep], KPIS, labels)
    accidents = table[table["kpi"] == "accidents"]
    assert accidents["cluster"].tolist() == [0, 2]  # cluster 1 and 3 have no accident figures
    assert accidents["n"].tolist() == [4, 3]
    assert accidents["n_clusters"].iloc[0] == 2 and accidents["df"].iloc[0] == 1
    assert accidents["n_total"].iloc[0] == 7
    on_time = table[table["kpi"] == "on_time"]
    assert on_time["cluster"].tolist() == [0, 1, 2, 3] and on_time["n"].tolist() == [4, 5, 4, 1]
    assert on_time["n_clusters"].iloc[0] == 4 and on_time["df"].iloc[0] == 3 and on_time["n_total"].iloc[0] == 14
    # alliances with outcomes but no cluster are left out
    unlabelled = kpi_by_cluster(outcomes, KPIS, alliances["cluster"].drop(["a13", "a14"]))
    assert unlabelled.query("kpi == 'on_time'")["n"].tolist() == [5, 5, 2]
    assert unlabelled.query("kpi == 'on_time'")["n_total"].iloc[0] == 12


def test_kpi_by_cluster_one_cluster_is_not_tested():
    outcomes, _, labels = _small([1, 2, 3, 4, 5, 6])
    test = kpi_by_cluster(outcomes, KPIS, labels).iloc[0]
    assert test["n_clusters"] == 1 and np.isnan(test["kw_h"])
    assert test["conclusion"] == "not tested: fewer than two clusters with data (n = 6)"


def test_kpi_by_cluster_identical_values_say_no_variation():
    # scipy >= 1.11 returns NaN (with a RuntimeWarning) instead of raising when every value is the same: the
    # conclusion must say why nothing was tested, not blame the clusters
    outcomes, _, labels = _small([5, 5, 5, 5, 5, 5], clusters=[0, 0, 0, 1, 1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        test = kpi_by_cluster(outcomes, KPIS, labels).iloc[0]
    assert test["n_clusters"] == 2 and np.isnan(test["kw_h"]) and np.isnan(test["p_value"])
    assert test["conclusion"] == "not tested: every alliance has the same value (n = 6)"


def test_kpi_by_cluster_missing_labels_are_left_out(outcomes, alliances):
    # an alliance whose label is NaN is in no cluster, so it must not count in n_total or epsilon squared's n
    labels = alliances["cluster"].astype(float)
    labels[["a13", "a14"]] = np.nan
    rows = kpi_by_cluster(outcomes, KPIS, labels).query("kpi == 'on_time'")
    assert rows["cluster"].tolist() == [0, 1, 2] and rows["n"].tolist() == [5, 5, 2]
    assert rows["n_total"].iloc[0] == rows["n"].sum() == 12
    assert rows["epsilon_squared"].iloc[0] == pytest.approx(rows["kw_h"].iloc[0] / 11, abs=1e-15)


def test_kpi_by_cluster_multiindex_labels(outcomes, alliances):
    plain = kpi_by_cluster(outcomes, KPIS, alliances["cluster"])
    labels = alliances["cluster"].copy()
    labels.index = pd.MultiIndex.from_arrays([labels.index, np.where(labels.index < "a08", 2, 1)],
                                             names=["alliance_id", "wave"])
    pd.testing.assert_frame_equal(kpi_by_cluster(outcomes, KPIS, labels), plain)
    two_waves = pd.concat([labels, labels.rename(lambda w: 3, level="wave")])
    with pytest.raises(ValueError, match="one value per alliance"):
        kpi_by_cluster(outcomes, KPIS, two_waves)


# --- maturity_vs_kpi ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["mean", "latest"])
def test_maturity_vs_kpi_matches_r_cor_test(outcomes, alliances, how):
    table = maturity_vs_kpi(alliances["maturity_index"], outcomes, KPIS, how=how, n_boot=200).set_index("kpi")
    for kpi in ("on_time", "accidents"):
        expected = R_SPEARMAN[(how, kpi)]
        assert table.loc[kpi, "n"] == R_KRUSKAL[(how, kpi)]["n"]
        assert table.loc[kpi, "rho"] == pytest.approx(expected["rho"], abs=1e-12)
        assert table.loc[kpi, "p_value"] == pytest.approx(expected["p"], rel=1e-9)
        assert table.loc[kpi, "p_fdr"] == pytest.approx(R_SPEARMAN_BH[how][kpi], rel=1e-9)
        assert "Benjamini-Hochberg adjusted over the 2 KPIs tested" in table.loc[kpi, "conclusion"]


def test_maturity_vs_kpi_no_ties_matches_r():
    # R: cor.test(1:7, c(2, 1, 4, 3, 7, 5, 6), method = "spearman", exact = FALSE)
    outcomes, maturity, _ = _small([2, 1, 4, 3, 7, 5, 6])
    row = maturity_vs_kpi(maturity, outcomes, KPIS, n_boot=0).iloc[0]
    assert row["rho"] == pytest.approx(0.821428571428571, abs=1e-12)
    assert row["p_value"] == pytest.approx(0.0234488083456915, rel=1e-10)
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])  # n_boot=0: no interval
    assert row["p_fdr"] == row["p_value"]
    assert row["conclusion"] == ("more mature alliances tend to show better Milestones on time (p = 0.023, the only "
                                 "KPI tested, so not adjusted; rho = 0.82, no bootstrap interval); with n = 7 this "
                                 "is descriptive only")


def test_maturity_vs_kpi_raw_p_below_005_but_adjusted_above_is_no_evidence():
    # R (tests/reference/outcomes.R, last block): cor.test(1:8, y, method = "spearman", exact = FALSE) p =
    # 0.0280049391530718 for y = (3, 1, 2, 6, 4, 8, 5, 7) (on_time) and 0.910849168519584 for
    # y = (5, 2, 8, 1, 7, 3, 6, 4) (accidents); p.adjust(..., "BH") = 0.0560098783061437 and 0.910849168519584
    outcomes, maturity, _ = _two_kpis([3, 1, 2, 6, 4, 8, 5, 7], [5, 2, 8, 1, 7, 3, 6, 4], [0] * 8)
    table = maturity_vs_kpi(maturity, outcomes, KPIS, n_boot=500).set_index("kpi")
    assert table.loc["on_time", "p_value"] == pytest.approx(0.0280049391530718, rel=1e-9)
    assert table.loc["accidents", "p_value"] == pytest.approx(0.910849168519584, rel=1e-9)
    assert table.loc["on_time", "p_fdr"] == pytest.approx(0.0560098783061437, rel=1e-9)
    assert table.loc["accidents", "p_fdr"] == pytest.approx(0.910849168519584, rel=1e-9)
    assert table.loc["on_time", "conclusion"].startswith(
        "no evidence of an association between maturity and Milestones on time (p = 0.056, Benjamini-Hochberg "
        "adjusted over the 2 KPIs tested; rho = 0.76, 95% interval ")
    # alone it is a family of one, and its raw p supports the claim
    alone = maturity_vs_kpi(maturity, outcomes[outcomes["kpi"] == "on_time"], KPIS, n_boot=0).iloc[0]
    assert alone["conclusion"].startswith("more mature alliances tend to show better Milestones on time (p = 0.028, "
                                          "the only KPI tested, so not adjusted; rho = 0.76, no bootstrap interval)")


def test_an_adjusted_finding_says_when_its_own_interval_includes_zero(monkeypatch):
    # the interval is the KPI's own (not adjusted); when it straddles 0 while the adjusted test rejects, the
    # sentence says so instead of letting the two disagree silently. R: cor.test(1:7, c(2, 1, 4, 3, 7, 5, 6))
    # p = 0.0234488083456915; the bootstrap is replaced by one whose interval is -0.1 to 0.9.
    from alliance_research import outcomes as module

    outcomes, maturity, _ = _small([2, 1, 4, 3, 7, 5, 6])
    monkeypatch.setattr(module.np, "quantile", lambda reps, q: np.array([-0.1, 0.9]))
    row = maturity_vs_kpi(maturity, outcomes, KPIS, n_boot=50).iloc[0]
    assert row["ci_low"] == -0.1 and row["ci_high"] == 0.9
    assert "(p = 0.023, the only KPI tested, so not adjusted; rho = 0.82, 95% interval -0.10 to 0.90, which " \
           "includes 0)" in row["conclusion"]
    assert row["conclusion"].startswith("more mature alliances tend to show better")


def test_rho_better_turns_the_sign_when_lower_is_better(outcomes, alliances):
    table = maturity_vs_kpi(alliances["maturity_index"], outcomes, KPIS, n_boot=200).set_index("kpi")
    assert table.loc["on_time", "rho_better"] == table.loc["on_time", "rho"] > 0
    assert table.loc["accidents", "rho"] < 0
    assert table.loc["accidents", "rho_better"] == -table.loc["accidents", "rho"]
    # fewer accidents in more mature alliances is *better* delivery
    assert table.loc["accidents", "conclusion"].startswith("more mature alliances tend to show better Accident rate")
    assert table.loc["on_time", "conclusion"].startswith("more mature alliances tend to show better Milestones")
    flipped = KPIS.assign(higher_is_better=[True, True])
    again = maturity_vs_kpi(alliances["maturity_index"], outcomes, flipped, n_boot=0).set_index("kpi")
    assert again.loc["accidents", "rho_better"] == table.loc["accidents", "rho"]


def test_maturity_vs_kpi_bootstrap_interval(outcomes, alliances):
    m = alliances["maturity_index"]
    first = maturity_vs_kpi(m, outcomes, KPIS, n_boot=500, random_state=1)
    assert (first["ci_low"] <= first["rho"]).all() and (first["rho"] <= first["ci_high"]).all()
    assert (first["ci_low"] < first["ci_high"]).all()
    assert ((first["ci_low"] >= -1) & (first["ci_high"] <= 1)).all()
    pd.testing.assert_frame_equal(maturity_vs_kpi(m, outcomes, KPIS, n_boot=500, random_state=1), first)
    other = maturity_vs_kpi(m, outcomes, KPIS, n_boot=500, random_state=2)
    assert (other["ci_low"] != first["ci_low"]).all() or (other["ci_high"] != first["ci_high"]).all()
    # the point estimate and test do not depend on the bootstrap
    pd.testing.assert_series_equal(other["rho"], first["rho"])
    pd.testing.assert_series_equal(other["p_value"], first["p_value"])
    # a wider level gives a wider interval from the same replicates
    wide = maturity_vs_kpi(m, outcomes, KPIS, n_boot=500, random_state=1, ci=0.99)
    assert (wide["ci_low"] <= first["ci_low"]).all() and (wide["ci_high"] >= first["ci_high"]).all()
    assert "99% interval" in wide["conclusion"].iloc[0]


def test_maturity_vs_kpi_below_min_n_is_not_tested():
    outcomes, maturity, _ = _small([1, 2, 3, 4])
    row = maturity_vs_kpi(maturity, outcomes, KPIS).iloc[0]
    assert row["n"] == MIN_N - 1
    assert row[["rho", "p_value", "ci_low", "ci_high", "rho_better"]].isna().all()
    assert row["conclusion"] == f"not tested: only {MIN_N - 1} alliances have this KPI"
    # alliances without a maturity index do not count towards n
    outcomes, maturity, _ = _small([1, 2, 3, 4, 5, 6])
    row = maturity_vs_kpi(maturity.drop(["s01", "s02"]), outcomes, KPIS).iloc[0]
    assert row["n"] == 4 and np.isnan(row["rho"]) and row["conclusion"].startswith("not tested")
    maturity[["s01", "s02"]] = np.nan
    assert maturity_vs_kpi(maturity, outcomes, KPIS).iloc[0]["n"] == 4


def test_maturity_vs_kpi_conclusions_state_n(outcomes, alliances):
    table = maturity_vs_kpi(alliances["maturity_index"], outcomes, KPIS, n_boot=200).set_index("kpi")
    for kpi in ("on_time", "accidents"):
        assert f"with n = {table.loc[kpi, 'n']}," in table.loc[kpi, "conclusion"]


def test_maturity_vs_kpi_multiindex_and_duplicates(outcomes, alliances):
    plain = maturity_vs_kpi(alliances["maturity_index"], outcomes, KPIS, n_boot=100)
    maturity = alliances["maturity_index"].copy()
    maturity.index = pd.MultiIndex.from_arrays([maturity.index, np.ones(len(maturity), int)],
                                               names=["alliance_id", "wave"])
    pd.testing.assert_frame_equal(maturity_vs_kpi(maturity, outcomes, KPIS, n_boot=100), plain)
    twice = pd.concat([maturity, maturity.rename(lambda w: 2, level="wave")])
    with pytest.raises(ValueError, match="one value per alliance"):
        maturity_vs_kpi(twice, outcomes, KPIS)
    flat = alliances["maturity_index"]
    with pytest.raises(ValueError, match="one value per alliance"):
        maturity_vs_kpi(pd.concat([flat, flat.iloc[:1]]), outcomes, KPIS)


# --- the example library -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example():
    lib = ar.load_library()
    latest = ar.score_library(lib, n_boot=0).latest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClusterWarning)
        res = cluster_profiles(latest.profiles(), k=3, n_boot=0, n_null=0, framework=lib.framework)
    maturity = latest.maturity.set_index("alliance_id")["maturity_index"]
    return lib, res, maturity


def test_example_library_kpi_by_cluster(example):
    lib, res, _ = example
    table = kpi_by_cluster(lib.outcomes, lib.kpis, res.labels, res.names)
    labelled = set(res.labels.index.get_level_values("alliance_id"))
    assert set(table["kpi"]) == set(lib.kpis["kpi"])
    for kpi, rows in table.groupby("kpi"):
        reported = lib.outcomes[(lib.outcomes["kpi"] == kpi) & lib.outcomes["value"].notna()]
        with_kpi = set(reported["alliance_id"]) & labelled
        assert len(rows) >= 1 and rows["n"].min() >= 1
        assert rows["n"].sum() == rows["n_total"].iloc[0] == len(with_kpi)
        assert rows["n_clusters"].iloc[0] == len(rows) == rows["cluster"].nunique()
        assert rows["cluster_name"].tolist() == res.names.loc[rows["cluster"]].tolist()
        assert f"n = {len(with_kpi)}" in rows["conclusion"].iloc[0]


def test_example_library_maturity_vs_kpi(example):
    lib, _, maturity = example
    table = maturity_vs_kpi(maturity, lib.outcomes, lib.kpis, n_boot=200).set_index("kpi")
    assert set(table.index) == set(lib.kpis["kpi"])
    for kpi, row in table.iterrows():
        reported = lib.outcomes[(lib.outcomes["kpi"] == kpi) & lib.outcomes["value"].notna()]
        assert row["n"] == len(set(reported["alliance_id"]) & set(maturity.dropna().index))
        better = bool(lib.kpis.set_index("kpi").loc[kpi, "higher_is_better"])
        assert row["rho_better"] == (row["rho"] if better else -row["rho"])
        assert f"n = {row['n']}" in row["conclusion"]


def test_maturity_vs_kpi_reports_an_undocumented_kpi_plainly(outcomes, alliances):
    only_on_time = KPIS[KPIS["kpi"] == "on_time"]
    table = maturity_vs_kpi(alliances["maturity_index"], outcomes, only_on_time, n_boot=200).set_index("kpi")
    row = table.loc["accidents"]
    assert np.isnan(row["rho_better"])  # direction unknown: not guessed
    assert "nan" not in row["conclusion"] and "accidents" in row["conclusion"]
    # the interval of a KPI does not depend on the other KPIs in the table
    both = maturity_vs_kpi(alliances["maturity_index"], outcomes, KPIS, n_boot=200).set_index("kpi")
    alone = maturity_vs_kpi(alliances["maturity_index"], outcomes[outcomes["kpi"] == "on_time"], KPIS,
                            n_boot=200).set_index("kpi")
    assert both.loc["on_time", "ci_low"] == alone.loc["on_time", "ci_low"]
