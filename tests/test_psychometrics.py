"""Item analysis, omega and CFA, pinned to R psych and lavaan.

Reference values were written by ``tests/reference/psychometrics.R`` (R 4.2.2, psych 2.2.9, lavaan 0.6.14,
GPArotation 2022.10-2) into ``tests/data/psychometrics/psy_<x>_r.json``, on data sets that script made up with a
known structure and stored next to them (``psy_<x>.csv``, areas in ``psy_<x>_areas.csv``):

====== ============ ===== ===============================================
set    area sizes   n     notes
====== ============ ===== ===============================================
psy_a  4, 5, 4      200   factor correlations .45, 3% missing
psy_b  6, 5, 7      450   correlations .60, 3% missing
psy_c  4, 4, 4      200   correlations .30 (CFI capped at 1), 2% missing
psy_d  5, 2, 2      300   two areas of two practices, as the rubric has
psy_e  4, 3, 4, 3   300   four areas: the general factor found by minres
====== ============ ===== ===============================================

R calls: ``psych::alpha(x)`` (pairwise, its default) on all practices and on each area;
``lavaan::cfa(model, data = x, std.lv = TRUE, estimator = "ML" / "MLM")`` (listwise, lavaan's default) with
``fitMeasures`` and ``standardizedSolution``; ``psych::omega(Lambda, Phi = Phi)`` on lavaan's standardised area
loadings and factor correlations.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_research import load_framework, load_library
from alliance_research import psychometrics as ps

from .conftest import write_framework

DATA = Path(__file__).parent / "data" / "psychometrics"
SETS = ["psy_a", "psy_b", "psy_c", "psy_d", "psy_e"]
TOL = 1e-4     # the issue asks for 1e-3; the largest difference seen is 3e-6 (chi-square 3e-4 on values of 100+)


def load_set(name: str):
    items = pd.read_csv(DATA / f"{name}.csv")
    areas = pd.read_csv(DATA / f"{name}_areas.csv")
    expected = json.loads((DATA / f"{name}_r.json").read_text(encoding="utf-8"))
    return items, pd.Series(areas["area_id"].to_numpy(), index=areas["practice_id"]), expected


@pytest.fixture(scope="module", params=SETS)
def case(request):
    items, areas, expected = load_set(request.param)
    assert expected["versions"] == {"R": "4.2.2", "psych": "2.2.9", "lavaan": "0.6.14"}
    return items, areas, expected


@pytest.fixture(scope="module")
def fitted(case):
    """Both models of each set, fitted once for the tests below (ML and MLM)."""
    items, areas, _ = case
    return ps.compare_models(items, areas)


# --- item analysis: psych::alpha ---------------------------------------------------------------------------------

def test_item_analysis_matches_psych_alpha_overall(case):
    items, areas, r = case
    got = ps.item_analysis(items, areas)
    want = pd.DataFrame(r["alpha_overall"]["items"])
    assert list(got.items["practice_id"]) == list(want["practice_id"])
    assert (got.items["n"].to_numpy() == want["n"].to_numpy()).all()
    for mine, theirs in [("mean", "mean"), ("sd", "sd"), ("r_drop_overall", "r_drop"),
                         ("alpha_if_dropped_overall", "alpha_if_dropped")]:
        np.testing.assert_allclose(got.items[mine], want[theirs], atol=1e-10, err_msg=mine)
    overall = got.scales.set_index("id").loc["overall"]
    total = r["alpha_overall"]["total"]
    assert overall["alpha"] == pytest.approx(total["raw_alpha"], abs=1e-10)
    assert overall["std_alpha"] == pytest.approx(total["std.alpha"], abs=1e-10)
    assert overall["average_r"] == pytest.approx(total["average_r"], abs=1e-10)
    # "Don't know" share: the complement of psych's n over all respondents
    np.testing.assert_allclose(got.items["dont_know"], 1 - want["n"] / len(items), atol=1e-12)


def test_item_analysis_matches_psych_alpha_within_areas(case):
    items, areas, r = case
    got = ps.item_analysis(items, areas)
    scales = got.scales.set_index("id")
    for area, res in r["alpha_areas"].items():
        rows = got.items[got.items["area_id"] == area]
        want = pd.DataFrame(res["items"])
        np.testing.assert_allclose(rows["r_drop_area"], want["r_drop"], atol=1e-10)
        if len(rows) > 2:
            np.testing.assert_allclose(rows["alpha_if_dropped_area"], want["alpha_if_dropped"], atol=1e-10)
        else:   # one item left has no alpha; psych prints C12 / C22 there, which is not an alpha
            assert rows["alpha_if_dropped_area"].isna().all()
        assert scales.loc[area, "alpha"] == pytest.approx(res["total"]["raw_alpha"], abs=1e-10)


# --- CFA: lavaan ----------------------------------------------------------------------------------------------

ML_MEASURES = {"chisq": "chisq", "pvalue": "pvalue", "cfi": "cfi", "tli": "tli", "rmsea": "rmsea",
               "rmsea_ci_low": "rmsea.ci.lower", "rmsea_ci_high": "rmsea.ci.upper", "srmr": "srmr",
               "baseline_chisq": "baseline.chisq"}
MLM_MEASURES = {"chisq": "chisq.scaled", "pvalue": "pvalue.scaled", "scaling_factor": "chisq.scaling.factor",
                "cfi": "cfi.robust", "tli": "tli.robust", "rmsea": "rmsea.robust",
                "rmsea_ci_low": "rmsea.ci.lower.robust", "rmsea_ci_high": "rmsea.ci.upper.robust", "srmr": "srmr",
                "baseline_chisq": "baseline.chisq.scaled"}


@pytest.mark.parametrize("one_factor", [False, True], ids=["areas", "one-factor"])
def test_cfa_matches_lavaan_ml_and_mlm(case, fitted, one_factor):
    r = case[2]
    res = fitted.one_factor if one_factor else fitted.areas
    assert res.converged
    fit = res.fit.set_index("estimator")
    key = "one" if one_factor else "areas"
    for estimator, measures, ref in [("ML", ML_MEASURES, r[f"cfa_{key}"]), ("MLM", MLM_MEASURES, r[f"mlm_{key}"])]:
        row = fit.loc[estimator]
        assert row["n"] == ref["fit"]["ntotal"] == r["complete"]
        assert row["df"] == ref["fit"]["df"]
        for mine, theirs in measures.items():
            # chi-squares are in the hundreds: compare them relative to their size
            tol = TOL * max(1.0, abs(ref["fit"][theirs])) if "chisq" in mine else TOL
            assert row[mine] == pytest.approx(ref["fit"][theirs], abs=tol), (estimator, mine)
        want = pd.DataFrame(ref["loadings"])
        assert list(res.loadings["practice_id"]) == list(want["practice_id"])
        np.testing.assert_allclose(res.loadings["std_loading"], want["std_all"], atol=TOL)
        np.testing.assert_allclose(res.loadings["loading"], pd.DataFrame(ref["unstandardised"])["est"], atol=TOL)
    if not one_factor:
        want = pd.DataFrame(r["cfa_areas"]["correlations"])
        np.testing.assert_allclose(res.factor_correlations["correlation"], want["est"], atol=TOL)


def test_model_comparison_is_the_ml_likelihood_ratio(case, fitted):
    r = case[2]
    comp = fitted
    assert list(comp.fit["model"]) == ["areas", "areas", "one-factor", "one-factor"]
    diff = comp.difference.iloc[0]
    # lavTestLRT for two ML fits is the difference of their chi-squares on the difference of their df
    assert diff["chisq_diff"] == pytest.approx(r["cfa_one"]["fit"]["chisq"] - r["cfa_areas"]["fit"]["chisq"],
                                               abs=1e-3)
    assert diff["df_diff"] == r["cfa_one"]["fit"]["df"] - r["cfa_areas"]["fit"]["df"]
    assert "Hu & Bentler (1999)" in comp.verdict


# --- omega: psych::omega on the confirmatory pattern ---------------------------------------------------------

def test_omega_matches_psych_omega_with_the_areas_as_group_factors(case, fitted):
    items, areas, r = case
    om = ps.omega(items, areas, fit=fitted.areas)
    assert om.omega_total == ps.omega(items, areas).omega_total      # the fit passed in is the one it would make
    ref = r["omega"]
    assert om.omega_hierarchical == pytest.approx(ref["omega_h"], abs=TOL)
    assert om.omega_total == pytest.approx(ref["omega_tot"], abs=TOL)
    np.testing.assert_allclose(om.general_loadings, ref["gloading"], atol=TOL)
    sl = pd.DataFrame(ref["sl"])
    np.testing.assert_allclose(om.loadings["g"], sl["g"], atol=TOL)
    group_cols = [c for c in sl.columns if c.startswith("F")]
    np.testing.assert_allclose(om.loadings["group"], sl[group_cols].sum(axis=1), atol=TOL)   # simple structure
    np.testing.assert_allclose(om.loadings["u2"], sl["u2"], atol=TOL)
    groups = pd.DataFrame(ref["group"])
    for col in ["total", "general", "group"]:
        np.testing.assert_allclose(om.groups[col], groups[col], atol=TOL, err_msg=col)


# --- refusal, identification, framework, determinism ---------------------------------------------------------

def test_cfa_is_refused_below_the_minimum_n_with_item_analysis_still_given():
    items, areas, _ = load_set("psy_a")       # 13 practices in 3 areas: q = 29, so at least 145 complete rows
    small = items.dropna().iloc[:140]
    with pytest.raises(ps.NotEnoughData, match="140, and it needs at least 145"):
        ps.cfa(small, areas)
    with pytest.raises(ps.NotEnoughData):
        ps.omega(small, areas)
    assert ps.cfa_refusal(145, areas) is None
    tiny = items.dropna().iloc[:60]
    assert "never fewer than 100" in ps.cfa_refusal(len(tiny), areas)
    ia = ps.item_analysis(small, areas)
    assert ia.scales["alpha"].notna().all()


def test_an_area_with_one_practice_is_not_identified():
    areas = pd.Series(["a"] * 5 + ["b"], index=[f"i{j}" for j in range(6)])
    assert "not identified" in ps.cfa_refusal(10_000, areas)


def test_instrument_quality_reports_items_only_when_the_cfa_is_refused(tmp_path):
    lib = load_library()
    q = ps.instrument_quality(lib)
    assert q.wave == int(lib.responses["wave"].max())
    assert q.models is None and q.omega is None
    assert q.refusal.startswith("too few complete responses")
    assert any(q.refusal in note for note in q.notes)
    assert set(q.table["section"]) == {"item", "scale"}
    assert any("multilevel CFA is out of scope" in note for note in q.notes)


def long_ratings(items: pd.DataFrame, wave: int = 1) -> pd.DataFrame:
    frame = items.rename_axis("respondent_id").reset_index().melt(id_vars="respondent_id", var_name="practice_id",
                                                                     value_name="score")
    frame["respondent_id"] = "r" + frame["respondent_id"].astype(str).str.zfill(4)
    frame.insert(0, "alliance_id", "made-up")
    frame.insert(1, "wave", wave)
    frame["organisation"] = "Org"
    frame["organisation_type"] = "contractor"
    frame["score"] = frame["score"].astype("Int64")
    return frame


def test_areas_come_from_the_framework(tmp_path):
    items, areas, r = load_set("psy_a")
    groups = {a: list(areas.index[areas == a]) for a in dict.fromkeys(areas)}
    fw = load_framework(write_framework(tmp_path / "fw.yaml", groups))
    responses = long_ratings(items)
    q = ps.instrument_quality(responses, framework=fw)
    assert q.refusal is None
    assert list(q.item_analysis.items["practice_id"]) == fw.practice_ids
    assert list(q.item_analysis.items["area_id"]) == list(fw.practices["area_id"])
    ml = q.models.fit.set_index(["model", "estimator"])
    assert ml.loc[("areas", "ML"), "cfi"] == pytest.approx(r["cfa_areas"]["fit"]["cfi"], abs=TOL)
    assert q.omega.omega_hierarchical == pytest.approx(r["omega"]["omega_h"], abs=TOL)
    # the same ratings under another grouping of the practices: the areas follow the rubric file
    regrouped = {"first": list(items.columns[:7]), "second": list(items.columns[7:])}
    fw2 = load_framework(write_framework(tmp_path / "fw2.yaml", regrouped))
    q2 = ps.instrument_quality(responses, framework=fw2)
    assert set(q2.item_analysis.items["area_id"]) == {"first", "second"}
    assert set(q2.models.areas.loadings["factor"]) == {"first", "second"}
    assert q2.models.fit.iloc[0]["chisq"] != pytest.approx(ml.loc[("areas", "ML"), "chisq"], abs=1)


def test_instrument_quality_table_is_tidy_and_deterministic(tmp_path):
    items, areas, _ = load_set("psy_d")
    groups = {a: list(areas.index[areas == a]) for a in dict.fromkeys(areas)}
    fw = load_framework(write_framework(tmp_path / "fw.yaml", groups))
    responses = long_ratings(items, wave=3)
    first = ps.instrument_quality(responses, framework=fw)
    second = ps.instrument_quality(responses.sample(frac=1.0, random_state=7), framework=fw)
    assert first.wave == 3
    assert list(first.table.columns) == ["section", "model", "level", "id", "statistic", "value"]
    assert set(first.table["section"]) == {"item", "scale", "omega", "fit", "loading"}
    pd.testing.assert_frame_equal(first.table, second.table, check_exact=False, rtol=1e-9, atol=1e-9)
    assert first.table.to_csv(index=False) == ps.instrument_quality(responses, framework=fw).table.to_csv(index=False)


def test_verdict_names_the_cutoffs_that_pass():
    row = {"model": "areas", "estimator": "MLM", "cfi": 0.951, "tli": 0.94, "rmsea": 0.061, "srmr": 0.08}
    text = ps.fit_verdict(row)
    assert text.startswith("areas (MLM): meets 2 of 4")
    assert "CFI 0.951 >= .95" in text and "SRMR 0.080 <= .08" in text
    assert "TLI 0.940 < .95" in text and "RMSEA 0.061 > .06" in text
    good = ps.fit_verdict({**row, "tli": 0.96, "rmsea": 0.03})
    assert "meets all four" in good
