"""Adjusted p-values pinned to R's p.adjust, and the one wording of conclusions drawn from p-values.

``tests/data/p_adjust_r.csv`` was written by ``tests/reference/multiplicity.R`` (R 4.2.2, base package stats
4.2.2): 16 families of made-up p-values (uniform draws of 1 to 50 values, mixtures with small p-values, ties, 0
and 1, missing values) with ``p.adjust(p, "BH")``, ``"holm"`` and ``"bonferroni"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_research.multiplicity import ADJUSTMENTS, adjustment_text, format_p, p_adjust, p_conclusion

R_P_ADJUST = Path(__file__).parent / "data" / "p_adjust_r.csv"


@pytest.fixture(scope="module")
def r_values() -> pd.DataFrame:
    return pd.read_csv(R_P_ADJUST, na_values=["NA"])


@pytest.mark.parametrize("method", ["BH", "holm", "bonferroni"])
def test_p_adjust_matches_r(r_values, method):
    assert r_values["family"].nunique() == 16 and len(r_values) == 164
    for family, rows in r_values.groupby("family"):
        got = p_adjust(rows["p"].to_numpy(), method)
        np.testing.assert_allclose(got, rows[method].to_numpy(), rtol=1e-12, atol=0, equal_nan=True,
                                   err_msg=f"family {family}")


def test_p_adjust_keeps_missing_values_out_of_the_family(r_values):
    rows = r_values[r_values["family"] == 14]  # (0.01, NA, 0.03, NA, 0.2, 0.04): a family of four
    assert rows["p"].isna().sum() == 2
    got = p_adjust(rows["p"].to_numpy())
    assert np.isnan(got[[1, 3]]).all()
    np.testing.assert_allclose(got[[0, 2, 4, 5]], p_adjust(rows["p"].dropna().to_numpy()), rtol=0, atol=0)
    assert np.isnan(p_adjust([np.nan, np.nan])).all() and len(p_adjust([])) == 0


def test_p_adjust_none_and_bad_input():
    np.testing.assert_array_equal(p_adjust([0.2, 0.01], "none"), [0.2, 0.01])
    with pytest.raises(ValueError, match="method must be one of"):
        p_adjust([0.1], "fdr_bh")
    with pytest.raises(ValueError, match="between 0 and 1"):
        p_adjust([0.1, 1.2])


def test_format_p_never_rounds_across_alpha():
    assert format_p(0.0499) == "p = 0.0499"  # 0.050 would read as not below 0.05
    assert format_p(0.04996) == "p = 0.04996"
    assert format_p(0.05) == "p = 0.050"
    assert format_p(0.0504) == "p = 0.050"
    assert format_p(0.00099) == "p < 0.001" and format_p(0.001) == "p = 0.001"
    assert format_p(1.0) == "p = 1.000"
    with pytest.raises(ValueError):
        format_p(float("nan"))


def test_the_conclusion_uses_the_adjusted_p_and_names_the_adjustment():
    # raw p = 0.03 in a family of four whose other p-values are large: BH adjusted 0.12 (R: p.adjust(c(0.03,
    # 0.4, 0.6, 0.9), "BH") = 0.12 0.80 0.80 0.90)
    adjusted = p_adjust([0.03, 0.4, 0.6, 0.9])
    np.testing.assert_allclose(adjusted, [0.12, 0.8, 0.8, 0.9], rtol=1e-12)
    sentence = p_conclusion(adjusted[0], "clusters differ", "that clusters differ", n_tests=4, family="KPI")
    assert sentence == ("no evidence that clusters differ (p = 0.120, Benjamini-Hochberg adjusted over the 4 KPIs "
                        "tested)")
    found = p_conclusion(0.012, "clusters differ", "that clusters differ", n_tests=4, family="KPI",
                         details="epsilon squared = 0.61")
    assert found == ("clusters differ (p = 0.012, Benjamini-Hochberg adjusted over the 4 KPIs tested; "
                     "epsilon squared = 0.61)")
    holm = p_conclusion(0.2, "x", "of x", n_tests=3, family="practice", method="holm")
    assert holm == "no evidence of x (p = 0.200, Holm adjusted over the 3 practices tested)"
    assert p_conclusion(0.049, "x", "of x", n_tests=1, family="KPI") == \
        "x (p = 0.049, the only KPI tested, so not adjusted)"
    assert p_conclusion(0.01, "x", "of x", n_tests=2, family="KPI", alpha=0.005).startswith("no evidence of x")


def test_adjustment_text_names_every_adjustment():
    assert adjustment_text("bonferroni", 5, "analysis", "analyses") == "Bonferroni adjusted over the 5 analyses tested"
    assert adjustment_text("none", 2, "KPI") == "not adjusted for the 2 KPIs tested"
    assert set(ADJUSTMENTS) == {"BH", "holm", "bonferroni", "none"}
    with pytest.raises(ValueError):
        adjustment_text("BH", 0, "KPI")
