"""`alliance-research score` and the files of the outputs contract it writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import alliance_research as ar
from alliance_research.cli import main
from alliance_research.report.tables import TIDY_FILES, score_tables, write_csv

from .test_cli import run


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_score_writes_the_contract_files_byte_identically(tmp_path, capsys):
    out = tmp_path / "a" / "scores.csv"
    assert main(["score", "--out", str(out), "--n-boot", "200"]) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["agreement.csv", "scores.csv"]
    first = digest(out.parent)
    assert main(["score", "--out", str(out), "--n-boot", "200"]) == 0
    assert digest(out.parent) == first
    assert main(["score", "--out", str(out), "--n-boot", "200", "--seed", "1"]) == 0
    assert digest(out.parent)["scores.csv"] != first["scores.csv"]  # the intervals move with the seed
    printed = capsys.readouterr().out
    assert "Scored 30 alliance-waves" in printed and str(out) in printed

    scores = pd.read_csv(out)
    for column in ("alliance_id", "wave", "maturity_index", "level", "ci_low", "ci_high", "n_respondents", "rwg_j"):
        assert column in scores.columns
    assert len(scores) == 30 and not scores["maturity_index"].isna().any()
    agreement = pd.read_csv(out.parent / "agreement.csv")
    for column in ("rwg_j", "icc1", "icc2", "index_gap", "index_gap_ci_low", "n_flagged_gaps"):
        assert column in agreement.columns
    assert (agreement[["alliance_id", "wave"]].values == scores[["alliance_id", "wave"]].values).all()


def test_tidy_tables(tmp_path):
    out = tmp_path / "scores.csv"
    assert main(["score", "--out", str(out), "--n-boot", "50", "--tidy", "--aggregate", "median"]) == 0
    for name in TIDY_FILES:
        assert (tmp_path / name).stat().st_size > 0
    practices = pd.read_csv(tmp_path / "practice_scores.csv")
    assert practices["score"].mul(2).round(6).mod(1).eq(0).all()  # medians of whole numbers: halves at most
    lib = ar.load_library()
    assert len(practices) == 30 * len(lib.framework.practice_ids)
    assert list(practices.columns[:5]) == ["alliance_id", "wave", "area_id", "practice_id", "score"]
    gaps = pd.read_csv(tmp_path / "perception_gaps.csv")
    assert set(gaps["level"]) == {"practice", "area", "index"} and gaps["flagged"].dtype == bool
    changes = pd.read_csv(tmp_path / "wave_changes.csv")
    assert set(changes["alliance_id"]) == set(lib.responses.groupby("alliance_id")["wave"].nunique().loc[lambda s: s > 1].index)
    reliability = pd.read_csv(tmp_path / "reliability.csv")
    assert set(reliability["statistic"]) == {"icc", "cronbach_alpha"}
    assert "-0.0000" not in (tmp_path / "perception_gaps.csv").read_text(encoding="utf-8")


def test_agreement_summary_agrees_with_the_long_tables():
    lib = ar.load_library()
    tables = score_tables(lib, n_boot=100)
    summary = tables["agreement.csv"].set_index(["alliance_id", "wave"])
    gaps = tables["perception_gaps.csv"]
    owner_practice = gaps[(gaps["comparison"] == "partners") & (gaps["level"] == "practice")]
    flagged = owner_practice.groupby(["alliance_id", "wave"])["flagged"].sum()
    assert (summary.loc[flagged.index, "n_flagged_gaps"].to_numpy() == flagged.to_numpy()).all()
    largest = owner_practice.loc[owner_practice.groupby(["alliance_id", "wave"])["gap"].apply(
        lambda s: s.abs().idxmax())]
    assert (summary.loc[list(zip(largest["alliance_id"], largest["wave"])), "largest_gap_practice"].to_numpy()
            == largest["id"].to_numpy()).all()
    icc = tables["reliability.csv"]
    overall = icc[(icc["statistic"] == "icc") & (icc["level"] == "overall")].set_index("wave")["icc2"]
    assert (summary["icc2"].to_numpy() == overall.loc[summary.index.get_level_values("wave")].to_numpy()).all()
    assert set(icc.loc[icc["statistic"] == "cronbach_alpha", "id"]) == set(lib.framework.area_ids)


def test_write_csv_format(tmp_path):
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1 / 3, float("nan")], "c": pd.array([1, None], dtype="Int64")})
    text = write_csv(frame, tmp_path / "f.csv").read_bytes()
    assert text == b"a,b,c\nx,0.3333,1\ny,,\n"


@pytest.mark.parametrize("out", ["agreement.csv", "scores.txt"])
def test_score_refuses_an_out_that_is_not_a_scores_file(tmp_path, out):
    result = run("score", "--out", str(tmp_path / out))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "--out names the scores file" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_score_on_invalid_library_writes_nothing(small_library, tmp_path):
    responses = small_library / "data" / "responses.csv"
    responses.write_text(responses.read_text(encoding="utf-8").replace(",3,", ",7,"), encoding="utf-8")
    before = responses.read_bytes()
    out = tmp_path / "out" / "scores.csv"
    result = run("score", "--library", str(small_library), "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "expected a whole number from 0 to 4" in result.stderr
    assert not out.parent.exists() and responses.read_bytes() == before


def test_score_small_library(small_library, tmp_path):
    out = tmp_path / "scores.csv"
    result = run("score", "--library", str(small_library), "--out", str(out), "--n-boot", "20")
    assert result.returncode == 0, result.stderr
    scores = pd.read_csv(out).set_index("alliance_id")
    # two of 19 practices answered: below the half needed to prorate, so no index and no level
    assert scores.loc["beta", "flags"] == "few_respondents; sparse"
    assert pd.isna(scores.loc["beta", "maturity_index"]) and pd.isna(scores.loc["beta", "level"])
    assert scores.loc["alpha", "practice:shared-communication"] == 3.5


def test_analysis_tables_cluster_file():
    from alliance_research.analysis import analyse
    from alliance_research.report.tables import analysis_tables

    lib = ar.load_library()
    tables = analysis_tables(analyse(lib, n_boot=50, cluster_boot=5))
    clusters = tables["clusters.csv"]
    assert list(clusters.columns[:3]) == ["alliance_id", "cluster", "cluster_name"]
    assert clusters["alliance_id"].is_unique and len(clusters) == lib.responses["alliance_id"].nunique()
    assert clusters.groupby("cluster")["maturity_index"].mean().is_monotonic_increasing  # 0 = least mature
    assert {"kpi_by_cluster.csv", "maturity_vs_kpi.csv", "scores.csv", "agreement.csv"} <= set(tables)


def test_the_report_tables_include_the_instrument_of_every_wave():
    """instrument.csv: the psychometrics of each wave (tests/test_psychometrics.py pins them to psych and lavaan)."""
    from alliance_research.analysis import analyse
    from alliance_research.report.tables import analysis_tables

    lib = ar.load_library()
    a = analyse(lib, n_boot=20, cluster_boot=5)
    table = analysis_tables(a)["instrument.csv"]
    assert list(table.columns) == ["wave", "section", "model", "level", "id", "statistic", "value"]
    assert sorted(table["wave"].unique()) == sorted(lib.responses["wave"].unique())
    alphas = table[(table["level"] == "overall") & (table["statistic"] == "alpha")]
    assert len(alphas) == lib.responses["wave"].nunique() and alphas["value"].between(0, 1).all()
