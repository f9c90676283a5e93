"""Fuzzy-set QCA, pinned to R QCA's documented results on Lipset's data.

Fixtures (``tests/data/qca/``): the datasets ``LR`` (raw), ``LF`` (fuzzy) and ``LC`` (crisp) of the R package QCA
3.23 (Dusa), after Lipset (1959) as used by Rihoux & De Meur (2009) and Ragin (2008). Published figures:

- calibration: the anchors DEV 400/550/900, URB 25/50/65, LIT 50/75/90, IND 20/30/40, STB 15/9.5/5
  (decreasing), SURV -9/0/10, log odds -3/0/+3, reproduce every value of ``LF`` to 2 decimals (R QCA's help
  page of ``LF`` / ``calibrate``);
- crisp (``LC``), outcome SURV: conservative DEV*~URB*LIT*STB + DEV*LIT*IND*STB with raw coverage .500 and .750
  and unique coverage .250 and .500 (Rihoux & De Meur 2009, p. 57); parsimonious DEV*STB; outcome ~SURV,
  parsimonious ~DEV + ~STB;
- fuzzy (``LF``), outcome SURV, ``truthTable(LF, "SURV", incl.cut = 0.7)``: positive rows 11111, 10101, 10111
  with consistency .904, .804, .709 and PRI .886, .719, .634; conservative DEV*~URB*LIT*STB (.809, PRI .761,
  raw coverage .433, unique .196) + DEV*LIT*IND*STB (.843, .821, .622, .385), solution .871, PRI .851, coverage
  .818; parsimonious DEV*STB (.869, .848, .824); intermediate with every condition expected present DEV*LIT*STB
  (.869, .848, .824) (Dusa 2019, *QCA with R*, and the package's ``minimize`` help).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_research import qca

DATA = Path(__file__).parent / "data" / "qca"
CONDITIONS = ["DEV", "URB", "LIT", "IND", "STB"]
ANCHORS = {"DEV": (400, 550, 900), "URB": (25, 50, 65), "LIT": (50, 75, 90), "IND": (20, 30, 40),
           "STB": (15, 9.5, 5), "SURV": (-9, 0, 10)}


@pytest.fixture(scope="module")
def lr():
    return pd.read_csv(DATA / "lipset_raw.csv", index_col="case")


@pytest.fixture(scope="module")
def lf():
    return pd.read_csv(DATA / "lipset_fuzzy.csv", index_col="case")


@pytest.fixture(scope="module")
def lc():
    return pd.read_csv(DATA / "lipset_crisp.csv", index_col="case")


# --- calibration --------------------------------------------------------------------------------------------------

def test_calibration_reproduces_lipset_fuzzy(lr, lf):
    calibrated = pd.DataFrame({c: qca.calibrate(lr[c], *a) for c, a in ANCHORS.items()})
    assert list(calibrated.index) == list(lf.index)
    np.testing.assert_array_equal(calibrated.round(2).to_numpy(), lf[list(ANCHORS)].to_numpy())


def test_calibration_anchors_have_the_stated_log_odds():
    m = qca.calibrate([400.0, 550.0, 900.0], 400, 550, 900)
    np.testing.assert_allclose(np.log(m / (1 - m)), [-3, 0, 3], atol=1e-12)
    m = qca.calibrate([15.0, 9.5, 5.0], 15, 9.5, 5, log_odds=np.log(19))  # decreasing; R's idm = 0.95
    np.testing.assert_allclose(m, [0.05, 0.5, 0.95], atol=1e-12)


def test_calibration_keeps_a_series_index_and_missing_values():
    x = pd.Series([1.0, np.nan, 3.0], index=["a", "b", "c"], name="score")
    m = qca.calibrate(x, 1, 2, 3)
    assert list(m.index) == ["a", "b", "c"] and m.name == "score" and np.isnan(m["b"])


def test_crisp_calibration_at_the_crossovers_reproduces_lipset_crisp(lr, lc):
    crisp = pd.DataFrame({c: qca.calibrate_crisp(lr[c], a[1], decreasing=a[0] > a[2]) for c, a in ANCHORS.items()})
    pd.testing.assert_frame_equal(crisp, lc[list(ANCHORS)], check_dtype=False)


@pytest.mark.parametrize("anchors, match", [((1, 3, 2), "in order"), ((1, 1, 2), "in order"),
                                            ((1, np.nan, 3), "finite")])
def test_calibration_refuses_bad_anchors(anchors, match):
    with pytest.raises(ValueError, match=match):
        qca.calibrate([1, 2, 3], *anchors)


def test_calibration_refuses_text_and_bad_log_odds():
    with pytest.raises(ValueError, match="must be numbers"):
        qca.calibrate(["low", "high"], 1, 2, 3)
    with pytest.raises(ValueError, match="log_odds"):
        qca.calibrate([1, 2], 1, 2, 3, log_odds=0)
    with pytest.raises(ValueError, match="missing"):
        qca.calibrate_crisp([1, np.nan], 2)


# --- truth tables -------------------------------------------------------------------------------------------------

def test_crisp_truth_table(lc):
    tt = qca.truth_table(lc, "SURV", CONDITIONS, incl_cut=1)
    table = tt.table.set_index("row")
    # Rihoux & De Meur (2009), table 3.5: nine observed configurations, no contradiction
    assert list(table.index) == ["00000", "00001", "00100", "00101", "10101", "10110", "10111", "11110", "11111"]
    assert list(table["n"]) == [3, 2, 2, 1, 2, 1, 2, 1, 4]
    assert list(table["out"]) == ["0", "0", "0", "0", "1", "0", "1", "0", "1"]
    assert set(table["consistency"]) == {0.0, 1.0}
    assert table.loc["11111", "cases"] == "BE,CZ,NL,UK"


def test_fuzzy_truth_table_matches_r_qca(lf):
    tt = qca.truth_table(lf, "SURV", CONDITIONS, incl_cut=0.7)
    table = tt.table.set_index("row")
    positive = table[table["out"] == "1"]
    assert sorted(positive.index) == ["10101", "10111", "11111"]
    np.testing.assert_allclose(positive.loc[["11111", "10101", "10111"], "consistency"].round(3),
                               [0.904, 0.804, 0.709])
    np.testing.assert_allclose(positive.loc[["11111", "10101", "10111"], "pri"].round(3), [0.886, 0.719, 0.634])
    assert list(positive.loc[["11111", "10101", "10111"], "n"]) == [4, 2, 2]
    assert table["n"].sum() == 18 and not tt.unassigned


def test_fuzzy_truth_table_cut_off_08_drops_row_10111(lf):
    tt = qca.truth_table(lf, "SURV", CONDITIONS, incl_cut=0.8)
    assert sorted(tt.table.loc[tt.table["out"] == "1", "row"]) == ["10101", "11111"]


def test_frequency_cut_off_makes_remainders(lf):
    tt = qca.truth_table(lf, "SURV", CONDITIONS, incl_cut=0.7, n_cut=3)
    assert list(tt.table.loc[tt.table["out"] != "?", "row"]) == ["00000", "11111"]
    assert qca.minimise(tt, "conservative").expression == "DEV*URB*LIT*IND*STB"


# --- minimisation -------------------------------------------------------------------------------------------------

def test_crisp_conservative_solution_rihoux_de_meur(lc):
    sol = qca.minimise(qca.truth_table(lc, "SURV", CONDITIONS, incl_cut=1), "conservative")
    assert sol.expression == "DEV*~URB*LIT*STB + DEV*LIT*IND*STB"
    np.testing.assert_allclose(sol.terms["raw_coverage"], [0.5, 0.75])
    np.testing.assert_allclose(sol.terms["unique_coverage"], [0.25, 0.5])
    assert sol.consistency == 1 and sol.coverage == 1


def test_crisp_parsimonious_solutions(lc):
    assert qca.minimise(qca.truth_table(lc, "SURV", CONDITIONS, incl_cut=1), "parsimonious").expression == "DEV*STB"
    negated = qca.minimise(qca.truth_table(lc, "~SURV", CONDITIONS, incl_cut=1), "parsimonious")
    assert negated.expression == "~DEV + ~STB" and negated.models == [["~DEV", "~STB"]]


@pytest.fixture(scope="module")
def fuzzy_tt(lf):
    return qca.truth_table(lf, "SURV", CONDITIONS, incl_cut=0.7)


def test_fuzzy_conservative_solution_matches_r_qca(fuzzy_tt):
    sol = qca.minimise(fuzzy_tt, "conservative")
    assert sol.expression == "DEV*~URB*LIT*STB + DEV*LIT*IND*STB"
    figures = sol.terms[["consistency", "pri", "raw_coverage", "unique_coverage"]].round(3).to_numpy()
    np.testing.assert_allclose(figures, [[0.809, 0.761, 0.433, 0.196], [0.843, 0.821, 0.622, 0.385]])
    assert (round(sol.consistency, 3), round(sol.pri, 3), round(sol.coverage, 3)) == (0.871, 0.851, 0.818)


def test_fuzzy_parsimonious_solution_matches_r_qca(fuzzy_tt):
    sol = qca.minimise(fuzzy_tt, "parsimonious")
    assert sol.expression == "DEV*STB"
    assert (round(sol.consistency, 3), round(sol.pri, 3), round(sol.coverage, 3)) == (0.869, 0.848, 0.824)
    assert sol.terms.loc[0, "cases"] == "BE,CZ,FI,FR,IE,NL,SE,UK"


def test_fuzzy_intermediate_solution_matches_r_qca(fuzzy_tt):
    sol = qca.minimise(fuzzy_tt, "intermediate", directional=dict.fromkeys(CONDITIONS, 1))
    assert sol.expression == "DEV*LIT*STB"
    assert (round(sol.consistency, 3), round(sol.pri, 3), round(sol.coverage, 3)) == (0.869, 0.848, 0.824)
    # the same expectations as a sequence, in condition order
    assert qca.minimise(fuzzy_tt, "intermediate", directional=[1] * 5).expression == "DEV*LIT*STB"


def test_intermediate_without_expectations_is_the_conservative_solution(fuzzy_tt):
    # no expectation: no remainder is an easy counterfactual, so no literal may be dropped
    sol = qca.minimise(fuzzy_tt, "intermediate", directional={})
    assert sol.expression == "DEV*~URB*LIT*STB + DEV*LIT*IND*STB"


def test_intermediate_lies_between_conservative_and_parsimonious(lf):
    tt = qca.truth_table(lf, "~SURV", CONDITIONS, incl_cut=0.8)
    sol = qca.minimise(tt, "intermediate", directional=dict.fromkeys(CONDITIONS, 0))
    # every intermediate term implies a parsimonious term and is implied by a conservative one
    pars = qca.minimise(tt, "parsimonious").models[0]
    cons = qca.minimise(tt, "conservative").models[0]
    literals = [set(t.split("*")) for t in sol.models[0]]
    assert all(any(set(p.split("*")) <= t for p in pars) for t in literals)
    assert all(any(t <= set(c.split("*")) for t in literals) for c in cons)


def test_term_membership_is_the_minimum_of_its_literals(lf):
    m = qca.membership(lf, "DEV*~URB")
    assert m["AU"] == min(0.81, 1 - 0.12) and m["BE"] == pytest.approx(0.11)


def test_no_positive_row_gives_an_empty_solution_with_a_message(lf):
    tt = qca.truth_table(lf, "SURV", CONDITIONS, incl_cut=0.95)
    sol = qca.minimise(tt, "parsimonious")
    assert sol.expression == "" and sol.terms.empty and np.isnan(sol.coverage)
    assert "no truth-table row is consistent enough" in sol.message
    assert sol.summary().loc[0, "expression"] == "(none)"


def test_cases_at_the_crossover_belong_to_no_row():
    data = pd.DataFrame({"A": [0.9, 0.5, 0.1], "Y": [0.8, 0.6, 0.2]}, index=["p", "q", "r"])
    tt = qca.truth_table(data, "Y", ["A"])
    assert tt.unassigned == ["q"] and tt.table["n"].sum() == 2


# --- necessity ----------------------------------------------------------------------------------------------------

def test_necessity_by_hand():
    # min(x, y) = 0.8, 0.4, 0.2 (sum 1.4); sum y = 1.9; sum x = 1.5; sum(1 - x) = 1.5; sum(1 - min) = 1.6
    data = pd.DataFrame({"A": [0.9, 0.4, 0.2], "Y": [0.8, 0.6, 0.5]})
    table = qca.necessity(data, "Y", ["A"]).set_index("condition")
    assert list(table.index) == ["A", "~A"]
    assert table.loc["A", "consistency"] == pytest.approx(1.4 / 1.9)
    assert table.loc["A", "coverage"] == pytest.approx(1.4 / 1.5)
    assert table.loc["A", "relevance"] == pytest.approx(1.5 / 1.6)
    # ~A = 0.1, 0.6, 0.8: min with y = 0.1, 0.6, 0.5
    assert table.loc["~A", "consistency"] == pytest.approx(1.2 / 1.9)
    assert table.loc["~A", "coverage"] == pytest.approx(1.2 / 1.5)


def test_necessity_lipset(lf):
    table = qca.necessity(lf, "SURV", CONDITIONS).set_index("condition")
    # LIT is the (near-)necessary condition of survival in Lipset's data (Dusa 2019, ch. 5): consistency .991
    assert round(table.loc["LIT", "consistency"], 3) == 0.991
    assert round(table.loc["STB", "consistency"], 3) == 0.920
    y, x = lf["SURV"], lf["LIT"]
    assert table.loc["LIT", "coverage"] == pytest.approx(np.minimum(x, y).sum() / x.sum())


# --- bad input ----------------------------------------------------------------------------------------------------

def test_bad_inputs_raise_clear_errors(lf):
    with pytest.raises(ValueError, match="outcome not in the data: OUT"):
        qca.truth_table(lf, "OUT", CONDITIONS)
    with pytest.raises(ValueError, match="conditions not in the data: GDP"):
        qca.truth_table(lf, "SURV", ["DEV", "GDP"])
    with pytest.raises(ValueError, match="cannot also be a condition"):
        qca.truth_table(lf, "SURV", ["DEV", "SURV"])
    bad = lf.assign(DEV=lf["DEV"] * 100)
    with pytest.raises(ValueError, match="memberships from 0 to 1.*case 'AU'"):
        qca.truth_table(bad, "SURV", CONDITIONS)
    with pytest.raises(ValueError, match="incl_cut"):
        qca.truth_table(lf, "SURV", CONDITIONS, incl_cut=80)
    with pytest.raises(ValueError, match="n_cut"):
        qca.truth_table(lf, "SURV", CONDITIONS, n_cut=0)
    tt = qca.truth_table(lf, "SURV", CONDITIONS, incl_cut=0.7)
    with pytest.raises(ValueError, match="solution must be one of"):
        qca.minimise(tt, "complex")
    with pytest.raises(ValueError, match="needs directional expectations"):
        qca.minimise(tt, "intermediate")
    with pytest.raises(ValueError, match="not a condition"):
        qca.minimise(tt, "intermediate", directional={"GDP": 1})
    with pytest.raises(ValueError, match="must be 1 \\(present\\)"):
        qca.minimise(tt, "intermediate", directional={"DEV": "yes"})
    with pytest.raises(ValueError, match="takes a TruthTable"):
        qca.minimise(lf)


def test_too_many_conditions_are_refused():
    data = pd.DataFrame(np.full((3, qca.MAX_CONDITIONS + 2), 0.7))
    data.columns = [f"C{i}" for i in range(qca.MAX_CONDITIONS + 1)] + ["Y"]
    with pytest.raises(ValueError, match="at most"):
        qca.truth_table(data, "Y")


# --- the example library ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example():
    import alliance_research as ar

    lib = ar.load_library()
    return lib, ar.score_library(lib, n_boot=0)


def test_library_data_calibrates_area_scores_and_a_kpi(example):
    lib, scores = example
    ld = qca.library_data(scores, lib.outcomes, lib.kpis, "cost_vs_target")
    fw = lib.framework
    short = qca.short_names(fw.area_ids)
    assert ld.conditions == [short[a] for a in fw.area_ids] and ld.outcome == "cost_vs_target"
    assert list(ld.data.columns) == [*ld.conditions, "cost_vs_target"]
    # the rubric's 0-4 scale gives the anchors 1, 2, 3, named by its levels
    areas = ld.anchors.set_index("set").loc[ld.conditions]
    assert list(areas["label"]) == list(fw.areas["area"])
    assert (areas[["exclusion", "crossover", "inclusion"]].to_numpy() == [1, 2, 3]).all()
    assert "(Developing)" in areas["basis"].iloc[0]
    # the KPI's anchors are its 10th, 50th and 90th percentiles over the alliances with scores and a value
    values = ld.raw["cost_vs_target"].to_numpy()
    kpi = ld.anchors.set_index("set").loc["cost_vs_target"]
    np.testing.assert_allclose(kpi[["exclusion", "crossover", "inclusion"]].astype(float),
                               np.quantile(values, [0.1, 0.5, 0.9]))
    latest = scores.latest().profiles(level="area").droplevel("wave")
    expected = qca.calibrate(latest.loc[ld.data.index, fw.area_ids[0]], 1, 2, 3)
    np.testing.assert_allclose(ld.data[ld.conditions[0]], expected)
    assert ld.directional == dict.fromkeys(ld.conditions, 1)
    text = " ".join(ld.caveats)
    assert f"n = {len(ld.data)}" in text and "does not show that the practices cause it" in text
    assert "limited diversity" in text and "relative" not in text and "for this library" in text
    # every alliance either analysed or named as left out
    left_out = next(c for c in ld.caveats if c.startswith("left out"))
    assert all(a in ld.data.index or a in left_out for a in lib.alliances["alliance_id"])


def test_library_data_lower_is_better_turns_the_anchors_round(example):
    lib, scores = example
    ld = qca.library_data(scores, lib.outcomes, lib.kpis, "accident_frequency_rate")
    kpi = ld.anchors.set_index("set").loc["accident_frequency_rate"]
    assert kpi["exclusion"] > kpi["crossover"] > kpi["inclusion"] and "turned round" in kpi["basis"]
    best = ld.raw["accident_frequency_rate"].idxmin()
    assert ld.data.loc[best, "accident_frequency_rate"] == ld.data["accident_frequency_rate"].max()


def test_library_data_given_anchors_and_chosen_conditions(example):
    lib, scores = example
    areas = lib.framework.area_ids[:2]
    ld = qca.library_data(scores, lib.outcomes, lib.kpis, "cost_vs_target", conditions=areas, anchors=(0.5, 2, 3.5),
                          outcome_anchors=(0, 2, 4))
    assert ld.conditions == list(qca.short_names(areas).values())
    assert ld.anchors["basis"].eq("given").all()
    assert not any("for this library" in c for c in ld.caveats)
    practice = lib.framework.practice_ids[0]
    one = qca.library_data(scores, lib.outcomes, lib.kpis, "cost_vs_target", conditions=[practice])
    assert one.anchors.loc[0, "label"] == lib.framework.practices.set_index("practice_id").loc[practice, "label"]


def test_short_names_are_initials_unless_they_clash():
    assert qca.short_names(["integrated-performance-management", "team_performance"]) == {
        "integrated-performance-management": "IPM", "team_performance": "TP"}
    assert qca.short_names(["open-view", "other-view"]) == {"open-view": "open-view", "other-view": "other-view"}


def test_library_data_refuses_bad_choices(example):
    lib, scores = example
    with pytest.raises(ValueError, match="KPI 'nope' has no values; KPIs with values: "):
        qca.library_data(scores, lib.outcomes, lib.kpis, "nope")
    with pytest.raises(ValueError, match="unknown: not-an-area"):
        qca.library_data(scores, lib.outcomes, lib.kpis, "cost_vs_target", conditions=["not-an-area"])
    with pytest.raises(ValueError, match="too many for QCA"):
        qca.library_data(scores, lib.outcomes, lib.kpis, "cost_vs_target", conditions="practices")
    with pytest.raises(ValueError, match="from worse to better"):
        qca.library_data(scores, lib.outcomes, lib.kpis, "accident_frequency_rate", outcome_anchors=(0.1, 0.2, 0.3))
    flat = lib.outcomes.assign(value=1.0)
    with pytest.raises(ValueError, match="too alike"):
        qca.library_data(scores, flat, lib.kpis, "cost_vs_target")


def test_library_qca_states_every_kpi_with_n_and_a_caveat(example):
    lib, scores = example
    table = qca.library_qca(scores, lib.outcomes, lib.kpis)
    assert list(table["kpi"].unique()) == list(lib.kpis["kpi"])
    assert set(table["solution"]) == {"conservative", "intermediate", "parsimonious"}
    assert table["conclusion"].str.contains("not a finding").all()
    # the intermediate solution lies between the others: as consistent as the parsimonious one at least
    wide = table.pivot(index="kpi", columns="solution", values="consistency").dropna()
    assert (wide["intermediate"] >= wide["parsimonious"] - 1e-12).all()
    empty = table[table["expression"] == ""]
    assert empty["conclusion"].str.startswith("no combination goes consistently").all()
    # a KPI with too few alliances, and one whose values do not spread, are stated, not raised
    few = lib.outcomes[lib.outcomes["alliance_id"].isin(sorted(set(lib.outcomes["alliance_id"]))[:3])]
    assert qca.library_qca(scores, few, lib.kpis)["conclusion"].str.startswith("not tested").all()
    flat = qca.library_qca(scores, lib.outcomes.assign(value=1.0), lib.kpis)
    assert (flat["solution"] == "none").all() and flat["conclusion"].str.contains("too alike").all()


def test_synthesis_shows_configurations_only_with_outcomes(example):
    from dataclasses import replace

    from alliance_research import writeups
    from alliance_research.analysis import analyse

    lib, _ = example
    a = analyse(lib, n_boot=20, cluster_boot=5)
    page = writeups.render_synthesis(a)
    assert "### Which combinations of practice areas go with strong outcomes?" in page
    for r in a.qca[a.qca["solution"] == "intermediate"].itertuples():
        assert (f"`{r.expression}`" if r.expression else "none at this consistency") in page
    html = writeups.render_synthesis(a, fmt="html")
    assert "<h3>Which combinations of practice areas go with strong outcomes?</h3>" in html
    without = replace(a, qca=pd.DataFrame(), kpi_values=pd.DataFrame(), kpi_by_cluster=pd.DataFrame(),
                      maturity_vs_kpi=pd.DataFrame())
    assert "Which combinations" not in writeups.render_synthesis(without)


def test_sensitivity_to_the_consistency_cut_off(lf):
    table = qca.sensitivity(lf, "SURV", CONDITIONS, incl_cuts=(0.7, 0.8, 0.95), solution="conservative")
    # 0.7: rows 11111, 10101, 10111 (R QCA); 0.8 drops 10111; 0.95 leaves none
    assert list(table["positive_rows"]) == [3, 2, 0]
    assert table.loc[0, "expression"] == "DEV*~URB*LIT*STB + DEV*LIT*IND*STB"
    # rows 11111 and 10101 differ in two conditions, so nothing merges: each stays a whole configuration
    assert set(table.loc[1, "expression"].split(" + ")) == {"DEV*URB*LIT*IND*STB", "DEV*~URB*LIT*~IND*STB"}
    assert table.loc[2, "expression"] == "" and np.isnan(table.loc[2, "coverage"])
    assert round(table.loc[0, "coverage"], 3) == 0.818


def test_when_every_observed_row_is_positive_the_parsimonious_solution_is_1():
    # R QCA writes the term without conditions as "1": with remainders free, the outcome needs no condition
    data = pd.DataFrame({"A": [0.9, 0.2, 0.8], "B": [0.9, 0.1, 0.3], "Y": [0.95, 0.9, 0.9]})
    tt = qca.truth_table(data, "Y", ["A", "B"])
    assert list(tt.table["out"]) == ["1", "1", "1"]
    sol = qca.minimise(tt, "parsimonious")
    assert sol.expression == "1" and sol.coverage == pytest.approx(1.0)
    assert qca.minimise(tt, "conservative").expression == "A + ~B"  # rows 10, 11 and 00, 10: no remainder used
