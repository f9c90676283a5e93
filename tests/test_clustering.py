"""Clustering alliances: recovery of planted profiles, no structure where there is none, and the figures R's
mclust, cluster and fpc packages give.

Values marked "R" were printed by ``tests/reference/clustering.R`` (R 4.2.2, mclust 6.0.0, cluster 2.1.4, fpc
2.2-10) on ``tests/data/cluster_profiles.csv`` (the example library's 18 alliances by 19 practices and a
4-cluster partition).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

import alliance_research as ar
from alliance_research.clustering import (ClusterWarning, EqualVarianceMixture, _jaccard_per_cluster,
                                          cluster_profiles, hedges_g, stability_band)
from alliance_research.datasets import make_library

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def fixture_profiles():
    frame = pd.read_csv(DATA / "cluster_profiles.csv").set_index("alliance_id")
    return frame.drop(columns="cluster"), frame["cluster"]


def planted(separation: float, seed: int, n: int = 60, profiles: int = 3):
    with tempfile.TemporaryDirectory() as tmp:
        truth = make_library(tmp, n, profiles, separation=separation, with_outcomes=False, random_state=seed)
        lib = ar.load_library(tmp)
    scores = ar.score_library(lib, n_boot=0).latest().profiles()
    return scores, truth.profiles.loc[scores.index.get_level_values(0)].to_numpy()


def quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClusterWarning)
        return cluster_profiles(*args, **kwargs)


# R: Mclust(x, G = g, modelNames = "EEI"): log-likelihood, BIC (mclust's sign), df
R_EEI = {2: (-294.499620696829, -756.640803351635, 58), 3: (-223.17011373448, -671.789224584861, 78),
         4: (-112.870083604428, -508.996599482681, 98), 5: (-69.8620049410619, -480.787877313871, 118)}


@pytest.mark.parametrize("k", sorted(R_EEI))
def test_equal_variance_mixture_matches_mclust_eei(fixture_profiles, k):
    x = fixture_profiles[0].to_numpy()
    model = EqualVarianceMixture(k, reg_covar=0).fit(x)
    loglik, bic, df = R_EEI[k]
    assert model.n_parameters == df
    assert model.log_likelihood_ == pytest.approx(loglik, abs=1e-6)
    assert -model.bic(x) == pytest.approx(bic, abs=1e-5)  # mclust reports 2 logL - df log n
    assert model.aic(x) == pytest.approx(-2 * loglik + 2 * df, abs=1e-5)


def test_selection_indices_match_r(fixture_profiles):
    profiles, partition = fixture_profiles
    res = quiet(profiles, k=4, n_boot=0, n_null=0)
    assert adjusted_rand_score(partition, res.labels) == 1.0
    row = res.selection.set_index("k").loc[4]
    assert row["silhouette"] == pytest.approx(0.556854595000712, abs=1e-9)  # R: cluster::silhouette
    assert row["calinski_harabasz"] == pytest.approx(27.9531242193629, abs=1e-7)  # R: fpc::calinhara
    assert bool(row["chosen"]) and res.selection["chosen"].sum() == 1


def test_distinguishing_practices_are_descriptive_and_match_r(fixture_profiles):
    profiles, partition = fixture_profiles
    res = quiet(profiles, k=4, n_boot=0, n_null=0)
    # no test of the scores that formed the clusters (it would reject by construction; issue 13): the selective
    # test lives in res.differences (tests/test_selective.py)
    assert list(res.distinguishing.columns) == ["practice_id", "cluster", "n", "mean", "mean_others",
                                                "difference", "hedges_g"]
    g = res.distinguishing.set_index(["practice_id", "cluster"]).loc[(profiles.columns[0], 3), "hedges_g"]
    assert g == pytest.approx(2.0614363705538, abs=1e-9)  # R: formula in clustering.R


def test_hedges_g_small_example():
    # means 4 and 2, pooled sd 1, J = 1 - 3 / (4 * 6 - 9) = 0.8 (Hedges & Olkin, 1985)
    assert hedges_g([3, 4, 5], [1, 2, 3]) == pytest.approx(1.6)
    assert np.isnan(hedges_g([1], [2, 3]))


@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_profiles_are_recovered(method, seed):
    profiles, truth = planted(1.5, seed)  # make_library's default separation
    res = quiet(profiles, method=method, n_boot=30, n_null=30, random_state=seed)
    assert res.verdict.startswith("stable")
    assert (res.stability >= 0.75).all()
    if method == "gmm":
        # the mixture's zero-covariance model meets alliances that differ by an overall level (correlated
        # practices), and BIC may add a class for it: seed 0 gives k = 4 with a BIC lower by 11.9
        assert res.k in (3, 4) and adjusted_rand_score(truth, res.labels) >= 0.85
        res = quiet(profiles, k=3, method=method, n_boot=0, n_null=0, random_state=seed)
    assert res.k == 3
    assert adjusted_rand_score(truth, res.labels) >= 0.9


@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.filterwarnings("ignore:the chosen number of clusters")
def test_structureless_data_comes_out_unstable(method, seed):
    profiles, _ = planted(0.0, seed)
    with pytest.warns(ClusterWarning, match="no evidence of cluster structure"):
        res = cluster_profiles(profiles, method=method, n_boot=20, n_null=60, random_state=seed)
    assert res.verdict.startswith("unstable")
    assert res.structure["p_value"] > 0.05


def test_isotropic_noise_dissolves():
    rng = np.random.default_rng(5)
    profiles = pd.DataFrame(rng.normal(2, 0.5, size=(60, 19)))
    with pytest.warns(ClusterWarning):
        res = cluster_profiles(profiles, k=3, n_boot=50, n_null=50)
    assert res.verdict.startswith("unstable")
    assert (res.stability < 0.75).all()  # Hennig: no cluster of pure noise is "stable"


def test_labels_numbered_by_maturity_and_named(fixture_profiles):
    profiles, _ = fixture_profiles
    fw = ar.load_framework()
    res = quiet(profiles, k=4, n_boot=10, n_null=10, framework=fw)
    means = res.centres.mean(axis=1)
    assert list(means.index) == [0, 1, 2, 3] and means.is_monotonic_increasing
    assert res.labels.index.equals(profiles.index) and res.labels.name == "cluster"
    assert res.names.is_unique and len(res.names) == 4
    labels = set(fw.practices["label"])
    for cluster, name in res.names.items():
        level, rest = name.split(": ", 1)
        assert level in fw.level_names.values()
        high, low = rest.removeprefix("high on ").split("; low on ")
        assert high in labels and low in labels
    again = quiet(profiles, k=4, n_boot=10, n_null=10, framework=fw)
    pd.testing.assert_series_equal(res.names, again.names)
    plain = quiet(profiles, k=4, n_boot=0, n_null=0)
    assert all(name.startswith("mean ") for name in plain.names)


def test_choosing_k_and_the_edge_warning():
    profiles, _ = planted(1.5, 0, n=40, profiles=2)
    with pytest.warns(ClusterWarning, match="at the edge of the range"):
        res = cluster_profiles(profiles, n_boot=0, n_null=0)
    assert res.k == 2
    best = res.selection.sort_values("silhouette", ascending=False).iloc[0]["k"]
    assert res.k == best
    assert res.selection["k"].tolist() == list(range(2, 9))  # min(8, 40 // 3)


def test_gmm_probabilities_follow_the_labels(fixture_profiles):
    profiles, _ = fixture_profiles
    res = quiet(profiles, k=4, method="gmm", n_boot=0, n_null=0)
    assert res.covariance == "equal"
    np.testing.assert_allclose(res.probabilities.sum(axis=1), 1)
    assert (res.probabilities.to_numpy().argmax(axis=1) == res.labels.to_numpy()).all()
    for column in ("bic", "aic", "entropy", "log_likelihood"):
        assert res.selection[column].notna().all()
    varying = quiet(profiles, k=4, method="gmm", covariance="varying", n_boot=0, n_null=0)
    assert varying.covariance == "varying"


def test_jaccard_per_cluster_by_hand():
    original = np.array([0, 0, 0, 1, 1, 1])
    drawn = np.array([0, 0, 1, 3, 4, 5])  # point 2 not drawn; point 0 twice
    boot = np.array([0, 0, 1, 1, 0])  # labels of the distinct points drawn (0, 1, 3, 4, 5); point 5 moves to 0
    # cluster 0 on drawn points {0, 1} vs boot cluster {0, 1, 5}: 2/3; cluster 1 {3, 4, 5} vs {3, 4}: 2/3
    np.testing.assert_allclose(_jaccard_per_cluster(original, 2, drawn, boot), [2 / 3, 2 / 3])


def test_stability_bands():
    assert [stability_band(v) for v in (0.9, 0.8, 0.65, 0.55, 0.5, float("nan"))] == [
        "highly stable", "stable", "pattern, doubtful membership", "weak", "dissolved", "not assessed"]


def test_missing_scores_are_imputed_and_counted(fixture_profiles):
    profiles = fixture_profiles[0].copy()
    profiles.iloc[0, 0] = np.nan
    profiles.iloc[3, 5] = np.nan
    res = quiet(profiles, k=3, n_boot=0, n_null=0)
    assert res.imputed == 2 and res.labels.notna().all()


@pytest.mark.parametrize("kwargs, message", [({"method": "dbscan"}, "method"), ({"k": 1}, "k must be"),
                                             ({"k": 18}, "k must be"), ({"covariance": "full"}, "covariance")])
def test_bad_arguments(fixture_profiles, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cluster_profiles(fixture_profiles[0], n_boot=0, n_null=0, **kwargs)
    with pytest.raises(ValueError, match="at least 4 alliances"):
        cluster_profiles(fixture_profiles[0].iloc[:3], n_boot=0)


def test_deterministic(fixture_profiles):
    a = quiet(fixture_profiles[0], n_boot=20, n_null=20, method="ward", random_state=3)
    b = quiet(fixture_profiles[0], n_boot=20, n_null=20, method="ward", random_state=3)
    pd.testing.assert_frame_equal(a.stability_table, b.stability_table)
    assert a.structure == b.structure


def test_clusterboot_matches_fpc():
    # R: fpc::clusterboot(x, B = 2000, clustermethod = hclustCBI, method = "ward.D2", k = 3, scaling = FALSE)
    # (tests/reference/clustering.R): bootmean 0.5632 (18 alliances), 0.4541 (15), 0.5463 (7). Different random
    # draws, so the two Monte Carlo means agree within their error (about 0.01 each at 2,000 resamples).
    data = pd.read_csv(DATA / "clusterboot_ward.csv")
    res = cluster_profiles(data.drop(columns="cl"), k=3, method="ward", n_boot=2000, n_null=0)
    by_size = res.stability_table.set_index("n")["jaccard_mean"]
    for size, expected in ((18, 0.563186516367489), (15, 0.454098437154689), (7, 0.546287628221452)):
        assert by_size.loc[size] == pytest.approx(expected, abs=0.03)


def test_a_cluster_never_drawn_counts_as_dissolved():
    # fpc scores a cluster none of whose members is drawn as 0, so a lone outlier is not "highly stable"
    original = np.array([0, 0, 0, 1])
    drawn = np.array([0, 1, 2, 2])
    assert _jaccard_per_cluster(original, 2, drawn, np.array([0, 0, 1]))[1] == 0.0


@pytest.mark.parametrize("n", [18, 24, 30])
def test_small_planted_libraries_are_not_called_unstable(n):
    # with fewer alliances than twice the practices the structure test has little power: clusters that recur
    # under resampling are "unconfirmed", not "unstable"
    profiles, truth = planted(1.5, 0, n=n, profiles=2)
    res = quiet(profiles, k=2, n_boot=30, n_null=40)
    assert adjusted_rand_score(truth, res.labels) >= 0.9
    assert res.verdict.startswith(("stable", "unconfirmed"))


def test_too_few_reference_sets_leave_the_structure_unassessed(fixture_profiles):
    res = quiet(fixture_profiles[0], k=4, n_boot=10, n_null=10)
    assert res.structure == {} and res.verdict.startswith("stable")


@pytest.mark.parametrize("profiles, message", [
    (pd.DataFrame(np.ones((6, 3))), "do not vary"),
    (pd.DataFrame(np.repeat(np.eye(3), 4, axis=0)), "cannot be formed from 3 distinct profiles"),
    (pd.DataFrame([[1.0, 2.0], [np.nan, np.nan], [2.0, 1.0], [3.0, 3.0], [0.0, 1.0]]), "no practice score"),
])
def test_degenerate_profiles_get_a_clear_error(profiles, message):
    with pytest.raises(ValueError, match=message):
        cluster_profiles(profiles, k=4 if "distinct" in message else 2, n_boot=0, n_null=0)


def test_k_must_be_whole_and_gets_a_selection_row(fixture_profiles):
    with pytest.raises(ValueError, match="whole number"):
        cluster_profiles(fixture_profiles[0], k=2.7, n_boot=0, n_null=0)
    res = quiet(fixture_profiles[0], k=7, k_max=4, n_boot=0, n_null=0)
    assert res.selection.loc[res.selection["chosen"], "k"].tolist() == [7]


def test_distinguishing_uses_observed_scores_only(fixture_profiles):
    profiles = fixture_profiles[0].copy()
    profiles.iloc[:3, 0] = np.nan
    res = quiet(profiles, k=4, n_boot=0, n_null=0)
    first = res.distinguishing[res.distinguishing["practice_id"] == profiles.columns[0]]
    assert first["n"].sum() == len(profiles) - 3
