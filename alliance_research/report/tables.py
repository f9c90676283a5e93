"""The output tables of the outputs contract, computed from a library and written deterministically.

``scores.csv`` and ``agreement.csv`` (see ``DESIGN.md``) come from :func:`score_tables`; :func:`write_csv` gives
every CSV the same byte-stable form (4 decimals, empty cells for missing values, ``\\n`` line ends), and
:func:`write_score_files` writes them beside each other only once all of them are computed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from .._bootstrap import SCORE_OPTIONS
from .._matrix import GROUPS, respondent_matrix
from ..agreement import icc_table, reliability_table
from ..files import commit_files
from ..gaps import perception_gaps
from ..library import Library
from ..scoring import Scores, score_library
from ..trends import wave_changes

__all__ = ["score_tables", "agreement_summary", "analysis_tables", "write_csv", "write_tables",
           "write_score_files", "TIDY_FILES"]

#: The long tables written with ``tidy=True``, by file name.
TIDY_FILES = ("practice_scores.csv", "area_scores.csv", "perception_gaps.csv", "wave_changes.csv",
              "reliability.csv")
_KEYS = list(GROUPS)


def agreement_summary(scores: Scores, gaps: pd.DataFrame, icc: pd.DataFrame) -> pd.DataFrame:
    """One row per alliance and wave: agreement, the ICC context of its wave and the client-partner gap.

    Columns: ``alliance_id``, ``wave``, ``n_respondents``, ``rwg_j`` (over all practices), ``rwg_j:<area_id>``
    for each area, ``median_rwg`` (over practices), ``n_low_agreement_practices``, ``icc1`` and ``icc2`` of the
    maturity index among the wave's alliances (the same for every alliance of a wave: context, not a property
    of the alliance), ``n_client`` and ``n_partner`` (respondents), ``index_gap`` (partners minus client) with
    ``index_gap_ci_low`` and ``index_gap_ci_high``, ``n_flagged_gaps`` (practices whose gap is flagged) and
    ``largest_gap_practice`` with ``largest_gap`` (the practice with the largest absolute gap).
    """
    fw = scores.framework
    out = scores.maturity[_KEYS + ["n_respondents", "rwg_j"]].copy()
    areas = scores.areas.pivot(index=_KEYS, columns="area_id", values="rwg_j")[fw.area_ids]
    areas.columns = [f"rwg_j:{a}" for a in areas.columns]
    out = out.merge(areas.reset_index(), on=_KEYS, how="left")
    practice = scores.practices.groupby(_KEYS, sort=False).agg(
        median_rwg=("rwg", "median"), n_low_agreement_practices=("low_agreement", "sum")).reset_index()
    out = out.merge(practice, on=_KEYS, how="left")
    index_icc = icc.loc[icc["level"].eq("overall"), ["wave", "icc1", "icc2"]]
    out = out.merge(index_icc, on="wave", how="left")
    owner = gaps[gaps["comparison"].eq("partners")]
    index_gap = owner[owner["level"].eq("index")][_KEYS + ["n_client", "n_partner", "gap", "ci_low", "ci_high"]]
    index_gap = index_gap.rename(columns={"gap": "index_gap", "ci_low": "index_gap_ci_low",
                                          "ci_high": "index_gap_ci_high"})
    out = out.merge(index_gap, on=_KEYS, how="left")
    practice_gaps = owner[owner["level"].eq("practice")].dropna(subset=["gap"])
    flagged = practice_gaps.groupby(_KEYS)["flagged"].sum().rename("n_flagged_gaps").reset_index()
    # the largest absolute gap; ties go to the practice first in rubric order (rows are in rubric order)
    largest = practice_gaps.loc[practice_gaps["gap"].abs().groupby([practice_gaps[k] for k in _KEYS]).idxmax()]
    largest = largest[_KEYS + ["id", "gap"]].rename(columns={"id": "largest_gap_practice", "gap": "largest_gap"})
    out = out.merge(flagged, on=_KEYS, how="left").merge(largest, on=_KEYS, how="left")
    for column in ("n_client", "n_partner", "n_flagged_gaps"):
        out[column] = out[column].astype("Int64")
    return out


def _reliability(icc: pd.DataFrame, alpha: pd.DataFrame) -> pd.DataFrame:
    """``reliability.csv``: the ICC table and Cronbach's alpha per area, one long table."""
    return pd.concat([icc.assign(statistic="icc"), alpha.assign(level="area", statistic="cronbach_alpha")
                      .rename(columns={"area_id": "id"})], ignore_index=True)


def score_tables(library: Library, *, random_state: int = 0, n_boot: int = 1000, ci: float = 0.95,
                 **options) -> dict[str, pd.DataFrame]:
    """Every table of the scoring stage, by output file name.

    ``scores.csv`` (:meth:`Scores.wide`) and ``agreement.csv`` (:func:`agreement_summary`) are the contract
    files; the others are the long tables behind them (see ``TIDY_FILES``). ``options`` go to
    :func:`~alliance_research.scoring.score_responses` (e.g. ``aggregate="median"``).
    """
    score_options = {k: options[k] for k in SCORE_OPTIONS if k in options}
    # one pivot of the ratings for every table (see analysis.analyse)
    ratings = respondent_matrix(library.responses, library.framework)
    scores = score_library(library, random_state=random_state, n_boot=n_boot, ci=ci, matrix=ratings, **options)
    gaps = perception_gaps(library.responses, library.framework, random_state=random_state, n_boot=n_boot, ci=ci,
                           matrix=ratings, **score_options)
    changes = wave_changes(library.responses, library.framework, random_state=random_state, n_boot=n_boot, ci=ci,
                           matrix=ratings, **score_options)
    icc = icc_table(library.responses, library.framework, min_answered=options.get("prorate_share", 0.5),
                    matrix=ratings)
    alpha = reliability_table(library.responses, library.framework, ci=ci, matrix=ratings)
    reliability = _reliability(icc, alpha)
    return {
        "scores.csv": scores.wide(),
        "agreement.csv": agreement_summary(scores, gaps, icc),
        "practice_scores.csv": scores.practices,
        "area_scores.csv": scores.areas,
        "perception_gaps.csv": gaps,
        "wave_changes.csv": changes,
        "reliability.csv": reliability,
    }


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as UTF-8 CSV with 4 decimals, empty cells for missing values and ``\\n`` line ends."""
    path = Path(path)
    frame = frame.copy()
    for column in frame.columns[[pd.api.types.is_float_dtype(t) for t in frame.dtypes]]:
        frame[column] = frame[column].round(4) + 0.0  # no "-0.0000"
    frame.to_csv(path, index=False, float_format="%.4f", na_rep="", lineterminator="\n", encoding="utf-8")
    return path


def write_score_files(library: Library, out: str | Path, *, tidy: bool = False, **options) -> list[Path]:
    """Compute the score tables and write ``scores.csv`` to ``out`` and ``agreement.csv`` beside it.

    With ``tidy=True`` the long tables (``TIDY_FILES``) are written beside them too. Everything is computed
    first and written to a temporary folder next to ``out``; the files are moved into place only at the end,
    so a failure leaves no half-written output. Returns the paths written.
    """
    out = Path(out)
    if out.name in ("agreement.csv",) + (TIDY_FILES if tidy else ()):
        raise ValueError(f"{out.name} is written beside the scores file; name the scores file otherwise")
    tables = score_tables(library, **options)
    names = {"scores.csv": out.name, "agreement.csv": "agreement.csv"}
    if tidy:
        names.update({name: name for name in TIDY_FILES})
    return write_tables({name: tables[key] for key, name in names.items()}, out.parent)



def _cluster_frames(result, clustered: Scores) -> dict[str, pd.DataFrame]:
    labels = result.labels.reset_index()
    clusters = labels[["alliance_id", "cluster"]].assign(cluster_name=labels["cluster"].map(result.names),
                                                         wave=labels["wave"])
    clusters = clusters.merge(clustered.maturity[["alliance_id", "wave", "maturity_index"]],
                              on=["alliance_id", "wave"], how="left")
    stability = result.stability_table.assign(verdict=result.verdict, method=result.method,
                                              structure_p_value=result.structure.get("p_value"))
    return {"clusters.csv": clusters, "cluster_selection.csv": result.selection,
            "cluster_stability.csv": stability, "distinguishing_practices.csv": result.distinguishing,
            "cluster_differences.csv": result.differences}


def analysis_tables(a) -> dict[str, pd.DataFrame]:
    """Every table of an :class:`~alliance_research.analysis.Analysis`, by output file name.

    The contract files (``scores.csv``, ``agreement.csv``, ``clusters.csv``: ``alliance_id``, ``cluster``,
    ``cluster_name``, ``wave``, ``maturity_index``), the long tables of ``TIDY_FILES``, and
    ``cluster_selection.csv``, ``cluster_stability.csv``, ``distinguishing_practices.csv`` (descriptive),
    ``cluster_differences.csv`` (the selective test of every practice and pair of clusters), ``instrument.csv``
    (the rubric as an instrument, every wave: :attr:`~alliance_research.analysis.Analysis.instrument`) and, with
    outcomes,
    ``kpi_by_cluster.csv``, ``maturity_vs_kpi.csv`` and ``configurations.csv`` (the fuzzy-set QCA of each KPI);
    all computed from one analysis (one seed). The ICC and reliability tables start from the analysis's ratings
    matrix (``a.ratings``), not from the ratings again.
    """
    lib = a.library
    icc = icc_table(lib.responses, lib.framework, min_answered=a.scores.settings["prorate_share"], matrix=a.ratings)
    alpha = reliability_table(lib.responses, lib.framework, ci=a.scores.settings["ci"], matrix=a.ratings)
    reliability = _reliability(icc, alpha)
    tables = {"scores.csv": a.scores.wide(), "agreement.csv": agreement_summary(a.scores, a.gaps, icc)}
    tables |= _cluster_frames(a.clusters, a.latest)
    if len(a.kpi_by_cluster):
        tables |= {"kpi_by_cluster.csv": a.kpi_by_cluster, "maturity_vs_kpi.csv": a.maturity_vs_kpi,
                   "configurations.csv": a.qca}
    tables |= {"practice_scores.csv": a.scores.practices, "area_scores.csv": a.scores.areas,
               "perception_gaps.csv": a.gaps, "wave_changes.csv": a.changes, "reliability.csv": reliability,
               "instrument.csv": a.instrument_table}
    return tables


def write_tables(tables: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write ``tables`` (file name -> frame) into ``folder`` with :func:`write_csv`, all or nothing: every table is
    written to a temporary folder first and the set is moved in by :func:`~alliance_research.files.commit_files`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".alliance-research-") as tmp:
        for name, frame in tables.items():
            write_csv(frame, Path(tmp) / name)
        written = commit_files(tmp, folder)
    return [folder / name for name in tables if folder / name in written]
