"""Maturity scores: point estimates against an independent pandas computation, bootstrap intervals against
scipy.stats.bootstrap and a coverage simulation, levels, flags and proration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import alliance_research as ar
from alliance_research._bootstrap import Settings, aggregate_counts, percentile_interval
from alliance_research.scoring import banded_level, score_library, score_responses, staged_level

from .conftest import ratings, write_framework


@pytest.fixture(scope="module")
def lib():
    return ar.load_library()


@pytest.fixture(scope="module")
def scores(lib):
    return score_library(lib, n_boot=400)


def test_practice_area_and_index_scores_match_pandas(lib, scores):
    expected = (lib.responses.dropna(subset=["score"]).astype({"score": float})
                .groupby(["alliance_id", "wave", "practice_id"])["score"].mean())
    got = scores.practices.set_index(["alliance_id", "wave", "practice_id"])["score"]
    pd.testing.assert_series_equal(got.loc[expected.index], expected, check_names=False, check_index_type=False, atol=1e-12)
    # areas and the index from the pandas practice means, not from the code's own practice table
    area_of = lib.framework.practices.set_index("practice_id")["area_id"]
    independent = expected.rename("score").reset_index()
    independent["area_id"] = independent["practice_id"].map(area_of)
    area = independent.groupby(["alliance_id", "wave", "area_id"])["score"].mean()
    got_area = scores.areas.set_index(["alliance_id", "wave", "area_id"])["score"]
    pd.testing.assert_series_equal(got_area.loc[area.index], area, check_names=False, check_index_type=False, atol=1e-12)
    index = independent.groupby(["alliance_id", "wave"])["score"].mean()
    got_index = scores.maturity.set_index(["alliance_id", "wave"])["maturity_index"]
    pd.testing.assert_series_equal(got_index.loc[index.index], index, check_names=False, check_index_type=False, atol=1e-12)


@pytest.mark.parametrize("aggregate, reference", [
    ("median", lambda x: float(np.median(x))),
    ("trimmed", lambda x: float(stats.trim_mean(x, 0.2))),  # R: mean(x, trim = 0.2)
])
def test_median_and_trimmed_mean_match_numpy_and_scipy(lib, aggregate, reference):
    s = score_library(lib, aggregate=aggregate, n_boot=0)
    answered = lib.responses.dropna(subset=["score"]).astype({"score": float})
    expected = answered.groupby(["alliance_id", "wave", "practice_id"])["score"].agg(reference)
    got = s.practices.set_index(["alliance_id", "wave", "practice_id"])["score"]
    np.testing.assert_allclose(got.loc[expected.index].to_numpy(), expected.to_numpy(), atol=1e-12)


def test_aggregate_counts_random_samples():
    rng = np.random.default_rng(1)
    levels = np.arange(5)
    for _ in range(300):
        x = rng.integers(0, 5, size=rng.integers(1, 30))
        counts = np.bincount(x, minlength=5)[None, :]
        assert aggregate_counts(counts, levels, "mean", 0.2)[0] == pytest.approx(x.mean())
        assert aggregate_counts(counts, levels, "median", 0.2)[0] == pytest.approx(np.median(x))
        for trim in (0.1, 0.2, 0.25):
            assert aggregate_counts(counts, levels, "trimmed", trim)[0] == pytest.approx(stats.trim_mean(x, trim))
    assert np.isnan(aggregate_counts(np.zeros((1, 5)), levels, "median", 0.2)[0])


def test_percentile_interval_equals_numpy_nanquantile():
    rng = np.random.default_rng(2)
    reps = rng.normal(size=(40, 3, 300))
    reps[rng.random(reps.shape) < 0.1] = np.nan
    reps[:5] = rng.normal(size=(5, 3, 300))  # some rows complete
    reps[7, 1] = np.nan  # one row with nothing
    reps[8, 2, 1:] = np.nan  # one with a single replicate
    low, high = percentile_interval(reps, 0.9)
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanquantile(reps, [0.05, 0.95], axis=-1)
    np.testing.assert_allclose(low, expected[0], atol=5e-7, equal_nan=True)  # bounds are rounded to 6 decimals
    np.testing.assert_allclose(high, expected[1], atol=5e-7, equal_nan=True)


def test_interval_agrees_with_scipy_bootstrap(lib):
    # scipy.stats.bootstrap(method="percentile") is the reference percentile bootstrap; with many replicates
    # both estimate the same quantiles of the same bootstrap distribution
    s = score_library(lib, n_boot=20000, random_state=3)
    rows = lib.responses[(lib.responses["alliance_id"] == "tywi-water") & (lib.responses["wave"] == 1)
                         & (lib.responses["practice_id"] == lib.framework.practice_ids[0])]
    x = rows["score"].dropna().to_numpy(dtype=float)
    ref = stats.bootstrap((x,), np.mean, n_resamples=20000, method="percentile", confidence_level=0.95,
                          random_state=np.random.default_rng(0)).confidence_interval
    got = s.practices.query("alliance_id == 'tywi-water' and wave == 1").iloc[0]
    assert got["ci_low"] == pytest.approx(ref.low, abs=0.03)
    assert got["ci_high"] == pytest.approx(ref.high, abs=0.03)


def test_interval_coverage_simulation(small_fw):
    # 400 groups of 12 respondents drawn from a known answer distribution: the 95% percentile interval of a
    # practice mean should cover the true mean in roughly 95% of groups (a little less at n = 12)
    rng = np.random.default_rng(4)
    p = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    truth = float(p @ np.arange(5))
    n_groups, n = 400, 12
    answers = rng.choice(5, size=(n_groups, n), p=p)
    rows = [(f"g{g}", f"r{r}", "contractor", "p-one", int(answers[g, r])) for g in range(n_groups) for r in range(n)]
    s = score_responses(ratings(rows), small_fw, n_boot=500)
    first = s.practices[s.practices["practice_id"] == "p-one"]
    covered = ((first["ci_low"] <= truth) & (truth <= first["ci_high"])).mean()
    assert 0.88 <= covered <= 0.98


def test_seeded_and_independent_of_the_rest_of_the_library(lib):
    a = score_library(lib, n_boot=300, random_state=5)
    b = score_library(lib, n_boot=300, random_state=5)
    pd.testing.assert_frame_equal(a.practices, b.practices)
    c = score_library(lib, n_boot=300, random_state=6)
    assert not np.allclose(a.maturity["ci_low"], c.maturity["ci_low"])
    # one alliance scored alone, rows shuffled, gets exactly the intervals it gets inside the library
    alone = lib.responses[lib.responses["alliance_id"] == "tywi-water"].sample(frac=1, random_state=0)
    d = score_responses(alone, lib.framework, n_boot=300, random_state=5)
    inside = a.maturity[a.maturity["alliance_id"] == "tywi-water"].reset_index(drop=True)
    pd.testing.assert_frame_equal(d.maturity, inside)


def test_intervals_contain_the_point_estimate(scores):
    for frame, column in ((scores.practices, "score"), (scores.areas, "score"), (scores.maturity, "maturity_index")):
        assert (frame["ci_low"] <= frame[column] + 1e-9).all() and (frame[column] <= frame["ci_high"] + 1e-9).all()
    assert scores.maturity["maturity_index"].between(0, 4).all()


def test_banded_and_staged_levels(small_fw):
    assert banded_level([0.49, 0.5, 1.5, 2.4999, 3.5, 4.0, np.nan], small_fw).tolist()[:6] == [0, 1, 2, 2, 4, 4]
    assert np.isnan(banded_level([np.nan], small_fw)[0])
    x = [[3.0, 2.5, 3.9], [3.0, 2.49, 3.9], [np.nan, 3.6, 3.5], [np.nan, np.nan, np.nan]]
    assert staged_level(x, small_fw, tolerance=0.5)[:3].tolist() == [3, 2, 4]
    assert np.isnan(staged_level(x, small_fw)[3])
    assert staged_level(x, small_fw, tolerance=0)[:3].tolist() == [2, 2, 3]
    with pytest.raises(ValueError, match="tolerance"):
        staged_level(x, small_fw, tolerance=1.5)


def test_levels_in_the_maturity_table(scores, lib):
    m = scores.maturity
    assert (m["level"] == np.floor(m["maturity_index"] + 0.5)).all()
    weakest = scores.practices.groupby(["alliance_id", "wave"])["score"].min().to_numpy()
    assert (m["level_staged"].to_numpy(dtype=float) == np.floor(weakest + 0.5)).all()
    assert (m["level_staged"] <= m["level"]).all()
    names = lib.framework.level_names
    assert (m["level_name"] == m["level"].map(lambda v: names[int(v)])).all()


def test_flags_few_respondents_sparse_and_prorated(small_fw):
    rows = [
        # alliance "two": only two respondents
        ("two", "r1", "client", "p-one", 2), ("two", "r1", "client", "p-two", 2), ("two", "r1", "client", "p-three", 2),
        ("two", "r1", "client", "p-four", 2), ("two", "r2", "contractor", "p-one", 3),
        ("two", "r2", "contractor", "p-two", 3), ("two", "r2", "contractor", "p-three", 3),
        ("two", "r2", "contractor", "p-four", 3),
    ]
    # alliance "gappy": four respondents; p-three answered by one of them (sparse); p-four by none
    for r in range(4):
        rows += [("gappy", f"r{r}", "contractor", "p-one", 1 + r % 2), ("gappy", f"r{r}", "contractor", "p-two", 2)]
        rows.append(("gappy", f"r{r}", "contractor", "p-three", 3 if r == 0 else None))
        rows.append(("gappy", f"r{r}", "contractor", "p-four", None))
    s = score_responses(ratings(rows), small_fw, n_boot=50)
    m = s.maturity.set_index("alliance_id")
    assert m.loc["two", "few_respondents"] and not m.loc["gappy", "few_respondents"]
    assert "few_respondents" in m.loc["two", "flags"]
    p = s.practices.set_index(["alliance_id", "practice_id"])
    assert p.loc[("gappy", "p-three"), "sparse"] and not p.loc[("gappy", "p-one"), "sparse"]
    assert p.loc[("gappy", "p-three"), "n_answered"] == 1 and np.isnan(p.loc[("gappy", "p-four"), "score"])
    a = s.areas.set_index(["alliance_id", "area_id"])
    assert np.isnan(a.loc[("gappy", "area-b"), "score"])  # its only practice has no answer
    assert not a.loc[("gappy", "area-a"), "prorated"]  # p-three has one answer, so a score
    assert m.loc["gappy", "prorated"] and m.loc["gappy", "n_scored"] == 3
    assert m.loc["gappy", "maturity_index"] == pytest.approx((1.5 + 2 + 3) / 3)
    assert m.loc["gappy", "n_sparse_practices"] == 2  # p-three (1 of 4) and p-four (none)
    assert m.loc["gappy", "flags"] == "sparse; prorated"


def test_proration_threshold(small_fw):
    # one respondent answering only p-one: one of three practices in area-a -> below half -> no area score
    rows = [(a, f"r{r}", "contractor", "p-one", 2) for a in ("x",) for r in range(3)]
    rows += [("x", f"r{r}", "contractor", "p-four", 3) for r in range(3)]
    s = score_responses(ratings(rows), small_fw, n_boot=0)
    area = s.areas.set_index("area_id")
    assert np.isnan(area.loc["area-a", "score"]) and area.loc["area-b", "score"] == 3
    assert s.maturity.loc[0, "maturity_index"] == 2.5  # two of four practices scored: exactly half
    s = score_responses(ratings(rows), small_fw, n_boot=0, prorate_share=0.75)
    assert np.isnan(s.maturity.loc[0, "maturity_index"])
    s = score_responses(ratings(rows), small_fw, n_boot=0, prorate_share=1 / 3)
    assert s.areas.set_index("area_id").loc["area-a", "score"] == 2


def test_index_weights_area(lib):
    s = score_library(lib, n_boot=0, index_weights="area")
    expected = s.areas.groupby(["alliance_id", "wave"])["score"].mean().to_numpy()
    np.testing.assert_allclose(s.maturity["maturity_index"].to_numpy(), expected)


def test_wide_layout_follows_the_contract(scores, lib):
    wide = scores.wide()
    for column in ("alliance_id", "wave", "maturity_index", "level", "ci_low", "ci_high", "n_respondents", "rwg_j"):
        assert column in wide.columns
    assert [c for c in wide.columns if c.startswith("practice:")] == [f"practice:{p}" for p in lib.framework.practice_ids]
    assert [c for c in wide.columns if c.startswith("area:")] == [f"area:{a}" for a in lib.framework.area_ids]
    assert len(wide) == lib.responses[["alliance_id", "wave"]].drop_duplicates().shape[0]


def test_latest_and_profiles(scores, lib):
    latest = scores.latest()
    assert latest.maturity["alliance_id"].is_unique
    assert len(latest.maturity) == lib.responses["alliance_id"].nunique()
    profiles = latest.profiles()
    assert profiles.shape == (len(latest.maturity), len(lib.framework.practice_ids))


@pytest.mark.parametrize("options, message", [
    ({"aggregate": "mode"}, "aggregate"), ({"index_weights": "equal"}, "index_weights"), ({"trim": 0.5}, "trim"),
    ({"prorate_share": 0}, "prorate_share"), ({"n_boot": -1}, "n_boot"), ({"random_state": -3}, "random_state"),
    ({"ci": 1.0}, "ci"),
])
def test_bad_options_are_refused(lib, options, message):
    with pytest.raises(ValueError, match=message):
        score_library(lib, **options)


def test_settings_accept_numpy_integers():
    assert Settings(random_state=np.int64(3)).random_state == 3


def test_vectorised_bootstrap_equals_a_plain_loop_over_replicates(lib):
    # the engine draws each alliance-wave's resampling counts from its own generator; redoing every replicate
    # with a plain loop over those same counts must give the same practice, area and index percentiles, which
    # also shows that areas and the index come from the very resample their practices come from
    from alliance_research._bootstrap import group_generator, resample_counts

    n_boot = 200
    s = score_library(lib, n_boot=n_boot, random_state=9)
    rows = lib.responses[(lib.responses["alliance_id"] == "fenland-flood") & (lib.responses["wave"] == 2)]
    wide = rows.pivot(index="respondent_id", columns="practice_id", values="score").astype(float)
    wide = wide.sort_index()[lib.framework.practice_ids]
    counts = resample_counts(group_generator(9, ("fenland-flood", 2)), len(wide), n_boot)
    areas = lib.framework.practices.groupby("area_id", sort=False)["practice_id"].apply(list)
    replicate_practice, replicate_area, replicate_index = [], [], []
    for b in range(n_boot):
        drawn = wide.loc[wide.index.repeat(counts[b])]
        practice = drawn.mean()
        replicate_practice.append(practice)
        replicate_area.append([practice[p].mean() for p in areas])
        replicate_index.append(practice.mean())
    practice_q = pd.DataFrame(replicate_practice).quantile([0.025, 0.975])
    got = s.practices.query("alliance_id == 'fenland-flood' and wave == 2").set_index("practice_id")
    np.testing.assert_allclose(got["ci_low"], practice_q.loc[0.025, got.index], atol=1e-5)
    np.testing.assert_allclose(got["ci_high"], practice_q.loc[0.975, got.index], atol=1e-5)
    area_q = np.quantile(np.array(replicate_area), [0.025, 0.975], axis=0)
    got_area = s.areas.query("alliance_id == 'fenland-flood' and wave == 2").set_index("area_id").loc[areas.index]
    np.testing.assert_allclose(got_area[["ci_low", "ci_high"]].to_numpy().T, area_q, atol=1e-5)
    index_q = np.quantile(replicate_index, [0.025, 0.975])
    got_index = s.maturity.query("alliance_id == 'fenland-flood' and wave == 2")
    np.testing.assert_allclose(got_index[["ci_low", "ci_high"]].to_numpy()[0], index_q, atol=1e-5)


def test_a_scale_from_1_to_7(tmp_path):
    fw = ar.load_framework(write_framework(tmp_path / "seven.yaml", {"only": ["q-one", "q-two"]}, n_levels=7,
                                           lowest=1))
    rows = [("a", f"r{r}", "contractor", p, v) for r, (x, y) in enumerate([(1, 7), (2, 6), (4, 6)])
            for p, v in (("q-one", x), ("q-two", y))]
    s = score_responses(ratings(rows), fw, n_boot=100)
    m = s.maturity.iloc[0]
    assert m["maturity_index"] == pytest.approx((7 / 3 + 19 / 3) / 2)
    assert m["level"] == 4 and m["level_name"] == "Level 4"  # 4.33 rounds to 4
    # staged: the weakest practice (2.33) reaches level 2 with the 0.5 tolerance
    assert m["level_staged"] == 2
    p = s.practices.set_index("practice_id")
    # rwg on 7 options: null variance (49 - 1) / 12 = 4; q-one has variance 7/3
    assert p.loc["q-one", "rwg"] == pytest.approx(1 - (7 / 3) / 4)
    with pytest.raises(ValueError, match="whole number from 1 to 7"):
        score_responses(ratings([("a", "r1", "client", "q-one", 0)]), fw, n_boot=0)


def test_grouping_without_wave_pools_respondents_instead_of_merging_them(small_fw):
    first = ratings([("a", f"r{r}", "contractor", "p-one", 0) for r in range(2)], wave=1)
    second = ratings([("a", f"r{r}", "contractor", "p-one", 4) for r in range(2)], wave=2)
    s = score_responses(pd.concat([first, second]), small_fw, groups=["alliance_id"], n_boot=0)
    row = s.practices.set_index("practice_id").loc["p-one"]
    assert row["score"] == 2.0 and row["n_answered"] == 4 and row["n_respondents"] == 4


def test_one_answer_gets_no_interval(small_fw):
    rows = [("a", "r1", "client", "p-one", 3), ("a", "r1", "client", "p-two", 2),
            ("a", "r2", "contractor", "p-one", 1)]
    s = score_responses(ratings(rows), small_fw, n_boot=200)
    p = s.practices.set_index("practice_id")
    assert p.loc["p-one", "ci_low"] <= 1 and p.loc["p-one", "ci_high"] >= 3 - 1e-9
    assert np.isnan(p.loc["p-two", "ci_low"]) and np.isnan(p.loc["p-two", "ci_high"])
    # a lone respondent: nothing has an interval, and the flag says why
    alone = score_responses(ratings(rows[:2]), small_fw, n_boot=200)
    assert alone.maturity[["ci_low", "ci_high"]].isna().all(axis=None)
    assert alone.maturity.loc[0, "few_respondents"]


def test_blank_questionnaires_do_not_count_as_respondents(small_fw):
    rows = [("a", "r1", "client", "p-one", 3)] + [("a", f"r{r}", "contractor", "p-one", None) for r in (2, 3)]
    s = score_responses(ratings(rows), small_fw, n_boot=0)
    assert s.maturity.loc[0, "few_respondents"] and s.maturity.loc[0, "n_respondents"] == 3


def test_ratings_that_a_library_could_not_hold_are_refused(lib):
    r = lib.responses
    with pytest.raises(ValueError, match="rates the same practice twice"):
        score_responses(pd.concat([r, r.iloc[[0]]], ignore_index=True), lib.framework, n_boot=0)
    bad = r.copy()
    bad["score"] = bad["score"].astype("Float64")
    bad.loc[1, "score"] = 2.5
    with pytest.raises(ValueError, match=r"whole number from 0 to 4 \(or missing\) at rows 1 "):
        score_responses(bad, lib.framework, n_boot=0)
    other = r.copy()
    other.loc[2, "practice_id"] = "made-up"
    with pytest.raises(ValueError, match="not in the 'sustaining-integration' rubric at rows 2 "):
        score_responses(other, lib.framework, n_boot=0)


def test_seed_does_not_depend_on_how_wave_is_typed(lib):
    a = score_library(lib, n_boot=100)
    responses = lib.responses.astype({"wave": float})
    b = score_responses(responses, lib.framework, n_boot=100)
    np.testing.assert_allclose(a.maturity["ci_low"], b.maturity["ci_low"])
