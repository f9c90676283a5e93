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

Figures not in that list (necessity on ``LF``, the negated fuzzy outcome, PRI cut-offs) are checked against the
formulas, computed independently here with numpy, not against a publication.
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


def test_pri_cut_makes_a_consistent_row_negative(lf):
    # PRI 0.886, 0.719, 0.634 at consistency .904, .804, .709 (R QCA): a PRI cut-off of 0.7 drops 10111 only
    tt = qca.truth_table(lf, "SURV", CONDITIONS, incl_cut=0.7, pri_cut=0.7)
    assert sorted(tt.table.loc[tt.table["out"] == "1", "row"]) == ["10101", "11111"]
    assert tt.table.set_index("row").loc["10111", "out"] == "0"
    assert qca.minimise(tt, "conservative").message == "" and tt.pri_cut == 0.7


def test_in_kind_refuses_a_row_whose_cases_all_lack_the_outcome():
    # one case, consistent in degree (0.49 / 0.59 = 0.83: its outcome 0.45 is near its row membership 0.55) but
    # not in the outcome
    data = pd.DataFrame({"A": [0.55, 0.02, 0.02], "Y": [0.45, 0.9, 0.1]}, index=["lone", "s", "t"])
    assert qca.truth_table(data, "Y", ["A"], incl_cut=0.8).table.set_index("row").loc["1", "out"] == "1"
    strict = qca.truth_table(data, "Y", ["A"], incl_cut=0.8, in_kind=True).table.set_index("row")
    assert strict.loc["1", "out"] == "0" and strict.loc["1", "deviant"] == "lone"


def test_negated_fuzzy_outcome_by_the_formulas(lf):
    tt = qca.truth_table(lf, "~SURV", CONDITIONS, incl_cut=0.8)
    y = 1 - lf["SURV"].to_numpy()
    x = lf[CONDITIONS].to_numpy()
    for row in tt.table.itertuples():
        corner = np.array([int(d) for d in row.row])
        m = np.where(corner == 1, x, 1 - x).min(axis=1)
        both, also_not = np.minimum(m, y), np.minimum(np.minimum(m, y), 1 - y)
        assert row.consistency == pytest.approx(both.sum() / m.sum())
        assert row.pri == pytest.approx((both.sum() - also_not.sum()) / (m.sum() - also_not.sum()))
        assert row.out == ("1" if both.sum() / m.sum() >= 0.8 else "0")
    sol = qca.minimise(tt, "parsimonious")
    s = qca.membership(lf, sol.expression).to_numpy()
    assert sol.consistency == pytest.approx(np.minimum(s, y).sum() / s.sum())
    assert sol.coverage == pytest.approx(np.minimum(s, y).sum() / y.sum())


def test_contradictory_crisp_rows():
    # two cases in row 1 disagree on the outcome: consistency 0.5, negative at any cut-off above that
    data = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 1, 0, 1], "Y": [1, 0, 0, 1]}, index=["p", "q", "r", "s"])
    table = qca.truth_table(data, "Y", ["A", "B"], incl_cut=0.75).table.set_index("row")
    assert table.loc["11", "n"] == 2 and table.loc["11", "consistency"] == 0.5 and table.loc["11", "out"] == "0"
    assert table.loc["11", "cases"] == "p,q" and table.loc["11", "deviant"] == "q"
    assert table.loc["01", "out"] == "1" and table.loc["00", "out"] == "0"
    assert qca.truth_table(data, "Y", ["A", "B"], incl_cut=0.5).table.set_index("row").loc["11", "out"] == "1"


def test_missing_memberships_and_unnamed_conditions_are_refused(lf):
    holey = lf.copy()
    holey.loc["AU", "DEV"] = np.nan
    with pytest.raises(ValueError, match="memberships from 0 to 1 for every case; case 'AU' has no value"):
        qca.truth_table(holey, "SURV", CONDITIONS)
    with pytest.raises(ValueError, match="memberships from 0 to 1.*case 'BE'"):
        qca.truth_table(lf.assign(SURV=lf["SURV"].where(lf.index != "BE")), "SURV", CONDITIONS)
    numbered = pd.DataFrame({0: [0.9, 0.1], 1: [0.2, 0.8], "Y": [0.9, 0.1]})
    with pytest.raises(ValueError, match="condition names must be text.*got 0, 1: rename the columns"):
        qca.truth_table(numbered, "Y")
    with pytest.raises(ValueError, match="condition names must be text"):
        qca.truth_table(lf.rename(columns={"DEV": "D*EV"}), "SURV", ["D*EV", "URB"])


def test_membership_of_a_solution_is_the_maximum_of_its_terms(lf):
    both = qca.membership(lf, "DEV*STB + ~URB")
    np.testing.assert_allclose(both, np.maximum(np.minimum(lf["DEV"], lf["STB"]), 1 - lf["URB"]))


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


def test_necessity_lipset_by_the_formulas(lf):
    # not a published figure: every value recomputed here from LF with numpy, for every condition and negation
    table = qca.necessity(lf, "SURV", CONDITIONS).set_index("condition")
    y = lf["SURV"].to_numpy()
    for c in CONDITIONS:
        for name, x in ((c, lf[c].to_numpy()), ("~" + c, 1 - lf[c].to_numpy())):
            both = np.minimum(x, y)
            assert table.loc[name, "consistency"] == pytest.approx(both.sum() / y.sum())
            assert table.loc[name, "coverage"] == pytest.approx(both.sum() / x.sum())
            assert table.loc[name, "relevance"] == pytest.approx((1 - x).sum() / (1 - both).sum())
    # LIT is the most consistent single condition in Lipset's data
    assert table["consistency"].idxmax() == "LIT"


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
    # the intermediate solution lies between the others as sets: conservative <= intermediate <= parsimonious in
    # every alliance's membership (its consistency need not lie between theirs)
    for kpi, rows in table[table["expression"] != ""].groupby("kpi"):
        ld = qca.library_data(scores, lib.outcomes, lib.kpis, kpi)
        m = {r.solution: qca.membership(ld.data, r.expression) for r in rows.itertuples()}
        assert (m["conservative"] <= m["intermediate"] + 1e-12).all(), kpi
        assert (m["intermediate"] <= m["parsimonious"] + 1e-12).all(), kpi
    empty = table[table["expression"] == ""]
    assert empty["conclusion"].str.startswith("no combination goes consistently").all()
    # a KPI with too few alliances, and one whose values do not spread, are stated, not raised
    few = lib.outcomes[lib.outcomes["alliance_id"].isin(sorted(set(lib.outcomes["alliance_id"]))[:3])]
    assert qca.library_qca(scores, few, lib.kpis)["conclusion"].str.startswith("not tested").all()
    flat = qca.library_qca(scores, lib.outcomes.assign(value=1.0), lib.kpis)
    assert (flat["solution"] == "none").all() and flat["conclusion"].str.contains("too alike").all()


def test_synthesis_shows_configurations_only_with_outcomes(example):
    from dataclasses import replace

    from alliance_research.report import writeups
    from alliance_research.analysis import analyse

    lib, _ = example
    a = analyse(lib, n_boot=20, cluster_boot=5)
    page = writeups.render_synthesis(a)
    assert "### Which combinations of practice areas go with strong outcomes?" in page
    assert f"a PRI of at least {qca.PRI_CUT:g}" in page and f"consistency of at least {qca.INCL_CUT:g}" in page
    for r in a.qca[a.qca["solution"] == "intermediate"].itertuples():
        if r.expression:
            # the combination, the alliances in it, and a consistency below the cut-off marked
            below = " †" if r.consistency < qca.INCL_CUT else ""
            assert f"| `{r.expression}` | {r.n_cases} | {r.consistency:.2f}{below} |" in page
        else:
            assert "none at these cut-offs" in page
    html = writeups.render_synthesis(a, fmt="html")
    assert "<h3>Which combinations of practice areas go with strong outcomes?</h3>" in html
    # several equally minimal models are all shown, numbered, and deviant alliances named
    two = a.qca.copy()
    first = two.index[(two["solution"] == "intermediate") & (two["expression"] != "")][0]
    two.loc[first, ["expression", "alternatives", "models", "deviant"]] = ["A*B", "A*B / A*C", 2, "x-one,x-two"]
    page = writeups.render_synthesis(replace(a, qca=two))
    assert "M1: `A*B` / M2: `A*C`" in page and "(without a strong outcome: x-one, x-two)" in page
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


def test_when_no_row_is_negative_remainders_minimise_every_condition_away():
    # R QCA's minimize stops here: "All truth table configurations are used, all conditions are minimized.
    # Please check the truth table." No solution "1" is reported.
    data = pd.DataFrame({"A": [0.9, 0.2, 0.8], "B": [0.9, 0.1, 0.3], "Y": [0.95, 0.9, 0.9]})
    tt = qca.truth_table(data, "Y", ["A", "B"])
    assert list(tt.table["out"]) == ["1", "1", "1"]
    for kind in ("parsimonious", "intermediate"):
        sol = qca.minimise(tt, kind, directional={"A": 1, "B": 1})
        assert sol.expression == "" and sol.models == [] and sol.terms.empty and np.isnan(sol.coverage)
        assert sol.message.startswith("All truth table configurations are used, all conditions are minimized")
        assert "Please check the truth table" in sol.message
    assert qca.minimise(tt, "conservative").expression == "A + ~B"  # rows 10, 11 and 00, 10: no remainder used


def test_every_corner_positive_gives_no_solution_even_without_remainders():
    # all four corners observed and positive: the conservative minimisation would reach the empty conjunction
    data = pd.DataFrame({"A": [0.9, 0.9, 0.1, 0.1], "B": [0.9, 0.1, 0.9, 0.1], "Y": [1.0, 1.0, 1.0, 1.0]})
    sol = qca.minimise(qca.truth_table(data, "Y", ["A", "B"]), "conservative")
    assert sol.expression == "" and "all conditions are minimized" in sol.message


def _crisp(on: list[str], off: list[str]) -> pd.DataFrame:
    rows = [(r, 1) for r in on] + [(r, 0) for r in off]
    return pd.DataFrame([[int(d) for d in r] + [y] for r, y in rows], columns=["A", "B", "C", "Y"],
                        index=[f"case{r}" for r, _ in rows])


def test_a_cyclic_prime_implicant_chart_gives_two_models():
    # every corner observed, so no remainder: six primes of two literals each, and two covers of three
    data = _crisp(["000", "001", "010", "101", "110", "111"], ["011", "100"])
    tt = qca.truth_table(data, "Y", ["A", "B", "C"], incl_cut=1)
    for kind in ("conservative", "parsimonious"):
        sol = qca.minimise(tt, kind)
        assert sorted(map(sorted, sol.models)) == sorted([sorted(["~A*~B", "A*C", "B*~C"]),
                                                          sorted(["A*B", "~A*~C", "~B*C"])]), kind
        assert sol.model_names == ["M1", "M2"]
        # R QCA's M1 (the fixture's data set "cyclic", tests/test_qca_random.py): its terms come first in R's order
        assert sol.expression == " + ".join(sol.models[0]) == "~A*~B + A*C + B*~C"
        assert sol.consistency == 1 and sol.coverage == 1
    inter = qca.minimise(tt, "intermediate", directional={"A": 1, "B": 1, "C": 1})
    # no remainder, so no easy counterfactual: every pair minimises the positive rows alone and gets both
    # models, as R QCA's i.sol C1P1 ... C2P2; each distinct model is listed once, named by its first pair
    assert inter.models == qca.minimise(tt, "conservative").models
    assert inter.model_names == ["C1P1-M1", "C1P1-M2"]
    assert [name for name, _ in inter.pairs] == ["C1P1", "C1P2", "C2P1", "C2P2"]
    assert all(models == inter.models for _, models in inter.pairs)


def test_intermediate_is_built_per_pair_of_models_as_r_qca():
    # row 011 positive, 010 and 101 negative, the rest remainders: two parsimonious models, ~A*C and B*C
    data = _crisp(["011"], ["010", "101"])
    tt = qca.truth_table(data, "Y", ["A", "B", "C"], incl_cut=1)
    assert qca.minimise(tt, "parsimonious").models == [["~A*C"], ["B*C"]]
    assert qca.minimise(tt, "conservative").models == [["~A*B*C"]]
    inter = qca.minimise(tt, "intermediate", directional={"A": 1, "B": 1, "C": 1})
    # C1P1 keeps ~A (a literal of ~A*C); C1P2 drops it (against the expectation, not in B*C): remainder 111 is
    # an easy counterfactual of that pair alone. Pooling the two parsimonious models' terms would have kept B*C
    # alone. (R QCA gives the same: data set "two_parsimonious" of tests/test_qca_random.py.)
    assert inter.models == [["~A*B*C"], ["B*C"]] and inter.model_names == ["C1P1", "C1P2"]
    assert inter.pairs == [("C1P1", [["~A*B*C"]]), ("C1P2", [["B*C"]])]
    assert inter.expression == "~A*B*C"


def test_solution_reports_the_alliances_in_it_and_deviant_cases():
    data = pd.DataFrame({"A": [0.9, 0.8, 0.7, 0.1, 0.2], "Y": [0.9, 0.8, 0.4, 0.1, 0.3]},
                        index=["p", "q", "r", "s", "t"])
    tt = qca.truth_table(data, "Y", ["A"], incl_cut=0.8)
    row = tt.table.set_index("row").loc["1"]
    assert row["cases"] == "p,q,r" and row["deviant"] == "r" and row["out"] == "1"
    sol = qca.minimise(tt, "conservative")
    assert sol.expression == "A" and sol.cases == ["p", "q", "r"] and sol.deviant == ["r"]


def test_library_qca_needs_pri_and_an_alliance_with_the_outcome(example):
    lib, scores = example
    table = qca.library_qca(scores, lib.outcomes, lib.kpis).set_index(["kpi", "solution"])
    # row 011 of the accident rate holds one alliance whose own outcome is below 0.5 (PRI 0.447): not a finding
    assert (table.loc["accident_frequency_rate", "expression"] == "").all()
    assert "PRI cut-off 0.51" in table.loc[("accident_frequency_rate", "intermediate"), "conclusion"]
    # R QCA's defaults (no PRI cut-off, no check in kind) take that row, and the conclusion says what it rests on
    loose = qca.library_qca(scores, lib.outcomes, lib.kpis, pri_cut=0, in_kind=False).set_index(["kpi", "solution"])
    row = loose.loc[("accident_frequency_rate", "intermediate")]
    assert row["expression"] == "~IO*IPM*TPM" and row["n_cases"] == 1 and row["deviant"] == "northmoor-signalling"
    assert "rests on a single alliance" in row["conclusion"]
    assert "without a strong outcome: northmoor-signalling" in row["conclusion"]
    # the alliances behind each solution: those with membership above 0.5 in it
    for (kpi, kind), r in table[table["expression"] != ""].iterrows():
        ld = qca.library_data(scores, lib.outcomes, lib.kpis, kpi)
        assert r["n_cases"] == (qca.membership(ld.data, r["expression"]) > 0.5).sum()
        assert f"{r['n_cases']} of the {r['n']} alliances" in r["conclusion"]
        if r["consistency"] < qca.INCL_CUT:
            assert f"below the cut-off {qca.INCL_CUT:g}" in r["conclusion"]
    # several equally minimal models: all named, and counted
    pars = table.loc[("milestones_on_time", "parsimonious")]
    assert pars["models"] == 2 and pars["alternatives"] == "~IO*IPM / ~IO*TPM"
    assert "2 equally minimal models fit the truth table: ~IO*IPM / ~IO*TPM" in pars["conclusion"]


def test_library_qca_records_a_failed_minimisation_as_the_conclusion(example, monkeypatch):
    lib, scores = example

    def too_large(*args, **kwargs):
        raise ValueError("the prime implicant chart is too large to solve exactly; use fewer conditions")

    monkeypatch.setattr(qca.library, "minimise", too_large)
    table = qca.library_qca(scores, lib.outcomes, lib.kpis)
    assert (table["solution"] == "none").all() and len(table) == len(lib.kpis)
    assert table["conclusion"].str.startswith("not analysed: the prime implicant chart is too large").all()


def test_an_alliance_at_the_outcome_crossover_is_named(example):
    lib, scores = example
    ld = qca.library_data(scores, lib.outcomes, lib.kpis, "stakeholder_satisfaction")
    middle = sorted(ld.data.index[np.isclose(ld.data["stakeholder_satisfaction"], 0.5)])
    assert middle  # the library's median value is shared by two alliances
    caveat = next(c for c in ld.caveats if c.startswith("at the crossover of stakeholder_satisfaction"))
    assert caveat.endswith(", ".join(middle)) and "the library's median" in caveat
    assert not any(c.startswith("at the crossover of cost_vs_target")
                   for c in qca.library_data(scores, lib.outcomes, lib.kpis, "cost_vs_target").caveats)


def test_calibration_note_is_built_from_the_rubric_and_the_anchors(example):
    from dataclasses import replace
    from types import SimpleNamespace

    lib, scores = example
    ld = qca.library_data(scores, lib.outcomes, lib.kpis, "cost_vs_target")
    note = qca.calibration_note(ld, lib.framework)
    fw = lib.framework
    assert "about 0.95" in note and "about 0.05" in note and "0.953 and 0.047" in note
    assert f"the rubric's {fw.min_score}-{fw.max_score} scale" in note
    for score in (1, 2, 3):
        assert f"*{fw.level_names[score]}* ({score}: " in note
    assert "the library's own 10th, 50th and 90th percentiles" in note
    # another rubric: a 1-5 scale with other names gives anchors 2, 3, 4 and says so
    scale = pd.DataFrame({"score": [1, 2, 3, 4, 5], "level_name": ["Absent", "Ad hoc", "Partial", "Routine", "Best"],
                          "description": ["None.", "Sometimes.", "Often.", "Always.", "Leading."]})
    other = SimpleNamespace(min_score=1, max_score=5, level_names=dict(zip(scale["score"], scale["level_name"])),
                            scale=scale)
    (e, c, i), basis = qca.scale_anchors(other)
    anchors = ld.anchors.copy()
    conditions = anchors["set"].isin(ld.conditions)
    anchors.loc[conditions, ["exclusion", "crossover", "inclusion", "basis"]] = [e, c, i, basis]
    note = qca.calibration_note(replace(ld, anchors=anchors), other, log_odds=np.log(19))
    assert "the rubric's 1-5 scale (1 Absent, 2 Ad hoc, 3 Partial, 4 Routine, 5 Best)" in note
    assert "fully in at *Routine* (4: always)" in note and "*Partial* (3: often)" in note
    assert "about 0.95" in note and "0.950 and 0.050" in note and "Established" not in note
