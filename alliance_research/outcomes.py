"""Do more mature alliances deliver differently? Delivery KPIs by cluster and against the maturity index.

Case-study libraries are small: a few dozen alliances at most, often fewer than twenty with outcome data. Every
table here states ``n`` and carries a ``conclusion`` in plain words that says when a result cannot support a
conclusion. Several KPIs are tested at once, so every conclusion reads the p-value adjusted over the KPIs of
the analysis (Benjamini-Hochberg) and says so; the raw p-values stay in the tables. Nothing here is causal:
maturity and outcomes may both follow from a third thing (client, sector, budget).

A KPI's value for an alliance is the mean over the years it was reported (``how="mean"``), or its latest year
(``how="latest"``). ``kpis.csv`` says whether higher is better; ``rho_better`` turns the sign so that a positive
value always means "more mature goes with better delivery".

References
----------
.. [KW52] Kruskal, W. H. & Wallis, W. A. (1952). Use of ranks in one-criterion variance analysis. *Journal of
   the American Statistical Association*, 47(260), 583-621.
.. [TT14] Tomczak, M. & Tomczak, E. (2014). The need to report effect size estimates revisited: an overview of
   some recommended measures of effect size. *Trends in Sport Sciences*, 21(1), 19-25.
.. [BH95] Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical and powerful
   approach to multiple testing. *Journal of the Royal Statistical Society B*, 57(1), 289-300.
.. [ET93] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from scipy import stats

from .multiplicity import ALPHA, p_adjust, p_conclusion

__all__ = ["alliance_kpis", "kpi_by_cluster", "maturity_vs_kpi", "sample_note", "MIN_N"]

#: Below this many alliances a test is not run at all; below ``2 * MIN_N`` its result is called descriptive.
MIN_N = 5


def alliance_kpis(outcomes: pd.DataFrame, kpis: pd.DataFrame, how: str = "mean") -> pd.DataFrame:
    """One value per alliance and KPI.

    Parameters
    ----------
    outcomes : DataFrame
        ``alliance_id, year, kpi, value`` (``Library.outcomes``).
    kpis : DataFrame
        ``kpi, label, unit, higher_is_better`` (``Library.kpis``).
    how : {"mean", "latest"}
        The mean over the reported years, or the latest year's value.

    Returns
    -------
    DataFrame
        ``alliance_id``, ``kpi``, ``value``, ``n_years``, ``first_year``, ``last_year``, ``label``, ``unit``,
        ``higher_is_better``.
    """
    if how not in ("mean", "latest"):
        raise ValueError(f"how must be 'mean' or 'latest'; got {how!r}")
    data = outcomes.dropna(subset=["value"]).sort_values(["alliance_id", "kpi", "year"], kind="mergesort")
    grouped = data.groupby(["alliance_id", "kpi"], sort=True)
    values = grouped["value"].mean() if how == "mean" else grouped["value"].last()
    table = pd.DataFrame({"value": values.astype(float), "n_years": grouped["year"].count(),
                          "first_year": grouped["year"].min(), "last_year": grouped["year"].max()}).reset_index()
    return table.merge(kpis[["kpi", "label", "unit", "higher_is_better"]], on="kpi", how="left")


def sample_note(n: int) -> str:
    """What a sample of ``n`` alliances allows: not tested below :data:`MIN_N`, descriptive below twice that;
    empty otherwise. The wording every table of outcomes (and the QCA of a library) uses."""
    if n < MIN_N:
        return f"not tested: only {n} alliances have this KPI"
    if n < 2 * MIN_N:
        return f"with n = {n} this is descriptive only"
    return f"with n = {n}, a pattern to confirm in more alliances, not a finding"


def kpi_by_cluster(outcomes: pd.DataFrame, kpis: pd.DataFrame, labels: pd.Series, names: pd.Series | None = None,
                   *, how: str = "mean", alpha: float = ALPHA) -> pd.DataFrame:
    """KPI values by cluster, with a Kruskal-Wallis test and its effect size for each KPI.

    Parameters
    ----------
    outcomes, kpis : DataFrame
        As in :func:`alliance_kpis`.
    labels : Series
        Cluster per alliance; indexed by ``alliance_id`` (or by a MultiIndex whose first level is it, as
        ``ClusterResult.labels`` of ``Scores.profiles()`` is).
    names : Series or None
        Cluster names (``ClusterResult.names``).
    how : {"mean", "latest"}
        See :func:`alliance_kpis`.
    alpha : float
        The level at which a conclusion says the clusters differ, on the adjusted p-value.

    Returns
    -------
    DataFrame
        One row per KPI and cluster: ``kpi``, ``label``, ``unit``, ``higher_is_better``, ``cluster``,
        ``cluster_name``, ``n``, ``median``, ``q1``, ``q3``, ``mean``; and per KPI: ``n_total``,
        ``n_clusters`` (clusters with data), ``kw_h``, ``df``, ``p_value`` (unadjusted), ``p_fdr``
        (Benjamini-Hochberg adjusted over the KPIs tested, as R's ``p.adjust(p, "BH")``), ``epsilon_squared``
        and ``conclusion`` (drawn from ``p_fdr`` by :func:`~alliance_research.multiplicity.p_conclusion`, so
        it names the adjustment).

    Notes
    -----
    Kruskal-Wallis :math:`H` with the correction for ties, on :math:`k - 1` degrees of freedom [KW52]_, as R's
    ``kruskal.test``; effect size :math:`\\varepsilon^2_R = H / (n - 1)` [TT14]_ (0 = no difference, 1 = the
    clusters' values do not overlap at all). The test needs at least ``MIN_N`` alliances and two clusters with
    data. The KPIs of one call are one family: a conclusion reads its KPI's p-value adjusted over the KPIs
    tested [BH95]_, never the raw one.
    """
    values = alliance_kpis(outcomes, kpis, how)
    per_alliance = _by_alliance(labels)
    values = values.merge(per_alliance.rename("cluster"), left_on="alliance_id", right_index=True, how="inner")
    values = values.dropna(subset=["cluster"])  # alliances without a cluster are not compared
    rows, tests = [], []
    for kpi, data in values.groupby("kpi", sort=False):
        groups = {c: g["value"].to_numpy() for c, g in data.groupby("cluster", sort=True)}
        n = len(data)
        present = [g for g in groups.values() if len(g)]
        h = p = eps = np.nan
        constant = np.ptp(data["value"].to_numpy()) == 0
        if n >= MIN_N and len(present) >= 2 and not constant:
            h, p = stats.kruskal(*present)
            eps = h / (n - 1)
        if constant and n >= MIN_N:
            untested = f"not tested: every alliance has the same value (n = {n})"
        elif p != p:
            untested = sample_note(n) if n < MIN_N else f"not tested: fewer than two clusters with data (n = {n})"
        else:
            untested = None
        meta = data.iloc[0]
        tests.append({"kpi": kpi, "n_total": n, "n_clusters": len(present), "kw_h": h, "df": len(present) - 1,
                      "p_value": p, "epsilon_squared": eps, "conclusion": untested})
        for cluster, g in groups.items():
            rows.append({"kpi": kpi, "label": meta["label"], "unit": meta["unit"],
                         "higher_is_better": meta["higher_is_better"], "cluster": int(cluster),
                         "cluster_name": names.get(cluster) if names is not None else None, "n": len(g),
                         "median": np.median(g), "q1": np.quantile(g, 0.25), "q3": np.quantile(g, 0.75),
                         "mean": g.mean()})
    table = pd.DataFrame(rows, columns=["kpi", "label", "unit", "higher_is_better", "cluster", "cluster_name", "n",
                                        "median", "q1", "q3", "mean"])
    tests = pd.DataFrame(tests, columns=["kpi", "n_total", "n_clusters", "kw_h", "df", "p_value", "epsilon_squared",
                                         "conclusion"])
    # several KPIs are tested at once: the conclusions read the p-values adjusted over them (Benjamini-Hochberg)
    tests.insert(6, "p_fdr", p_adjust(tests["p_value"].to_numpy(), "BH") if len(tests) else np.nan)
    n_tested = int(tests["p_value"].notna().sum())
    for i in np.flatnonzero(tests["p_value"].notna().to_numpy()):
        test = tests.iloc[i]
        verdict = p_conclusion(test["p_fdr"], "clusters differ", "that clusters differ", n_tests=n_tested,
                               family="KPI", method="BH", alpha=alpha,
                               details=f"epsilon squared = {test['epsilon_squared']:.2f}")
        tests.iloc[i, tests.columns.get_loc("conclusion")] = f"{verdict}; {sample_note(int(test['n_total']))}"
    return table.merge(tests, on="kpi", how="left")


def _by_alliance(series: pd.Series) -> pd.Series:
    """A series indexed by alliance id (the first level of a MultiIndex)."""
    if isinstance(series.index, pd.MultiIndex):
        series = series.copy()
        series.index = series.index.get_level_values(0)
    if not series.index.is_unique:
        raise ValueError("one value per alliance is needed (e.g. the latest wave: Scores.latest())")
    return series


def _spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row pair of ``x`` and ``y`` (average ranks for ties)."""
    rx = stats.rankdata(x, axis=-1)
    ry = stats.rankdata(y, axis=-1)
    rx = rx - rx.mean(axis=-1, keepdims=True)
    ry = ry - ry.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry).sum(axis=-1) / np.sqrt((rx ** 2).sum(axis=-1) * (ry ** 2).sum(axis=-1))


def maturity_vs_kpi(maturity: pd.Series, outcomes: pd.DataFrame, kpis: pd.DataFrame, *, how: str = "mean",
                    n_boot: int = 2000, ci: float = 0.95, random_state: int = 0,
                    alpha: float = ALPHA) -> pd.DataFrame:
    """Spearman correlation of the maturity index with each KPI, with a bootstrap interval.

    Parameters
    ----------
    maturity : Series
        One maturity index per alliance, indexed by ``alliance_id`` (or a MultiIndex whose first level is it),
        e.g. ``scores.latest().maturity.set_index("alliance_id")["maturity_index"]``.
    outcomes, kpis : DataFrame
        As in :func:`alliance_kpis`.
    how : {"mean", "latest"}
        See :func:`alliance_kpis`.
    n_boot, ci, random_state
        Percentile bootstrap over alliances (pairs resampled together) [ET93]_.
    alpha : float
        The level at which a conclusion reports an association, on the adjusted p-value.

    Returns
    -------
    DataFrame
        One row per KPI: ``kpi``, ``label``, ``unit``, ``higher_is_better``, ``n``, ``rho``, ``p_value``
        (unadjusted), ``p_fdr`` (Benjamini-Hochberg adjusted over the KPIs with a p-value, as R's
        ``p.adjust(p, "BH")``), ``ci_low``, ``ci_high`` (this KPI's own interval, not adjusted), ``rho_better``
        (``rho`` signed so that positive means more mature goes with better delivery; missing when ``kpis`` does
        not give the direction) and ``conclusion``. Each KPI's bootstrap has its own generator (seeded by
        ``random_state`` and the KPI), so adding a KPI does not move another's interval.

    Notes
    -----
    :math:`\\rho` is Pearson's correlation of the ranks (average ranks for ties). The p-value is the
    two-sided t approximation :math:`t = \\rho\\sqrt{(n-2)/(1-\\rho^2)}` on :math:`n - 2` degrees of freedom,
    as R's ``cor.test(method = "spearman", exact = FALSE)``. Fewer than ``MIN_N`` alliances: not computed.
    The KPIs of one call are one family: the conclusion reads the p-value adjusted over them [BH95]_ (through
    :func:`~alliance_research.multiplicity.p_conclusion`, which names the adjustment), and shows the interval
    as a description of the KPI's own uncertainty, noting when it includes 0 though the adjusted test rejects.
    """
    values = alliance_kpis(outcomes, kpis, how)
    index = _by_alliance(maturity).dropna().astype(float)
    rows = []
    for kpi, data in values.groupby("kpi", sort=False):
        # one generator per KPI, so a KPI's interval does not depend on which other KPIs are in the table
        rng = np.random.default_rng([int(random_state), 13, zlib.crc32(str(kpi).encode("utf-8"))])
        data = data[data["alliance_id"].isin(index.index)]
        x = index.loc[data["alliance_id"]].to_numpy()
        y = data["value"].to_numpy()
        n = len(data)
        meta = values[values["kpi"] == kpi].iloc[0]
        rho = p = low = high = np.nan
        if n >= MIN_N and np.ptp(x) > 0 and np.ptp(y) > 0:
            rho = float(_spearman_rows(x, y))
            t = rho * np.sqrt((n - 2) / max(1 - rho ** 2, 1e-300))
            p = float(2 * stats.t.sf(abs(t), n - 2))
            if n_boot:
                draws = rng.integers(0, n, size=(n_boot, n))
                reps = _spearman_rows(x[draws], y[draws])
                reps = reps[np.isfinite(reps)]
                if len(reps):
                    low, high = np.quantile(reps, [(1 - ci) / 2, 1 - (1 - ci) / 2])
        known = meta["higher_is_better"] == meta["higher_is_better"]  # not NaN: the KPI is in kpis.csv
        rho_better = (rho if bool(meta["higher_is_better"]) else -rho) if known else np.nan
        name = meta["label"] if isinstance(meta["label"], str) and meta["label"] else kpi
        untested = None
        if rho != rho:
            untested = sample_note(n) if n < MIN_N else f"not computed: no variation (n = {n})"
        rows.append({"kpi": kpi, "label": meta["label"], "unit": meta["unit"],
                     "higher_is_better": meta["higher_is_better"], "n": n, "rho": rho, "p_value": p,
                     "ci_low": low, "ci_high": high, "rho_better": rho_better, "conclusion": untested,
                     "_name": name, "_known": known})
    table = pd.DataFrame(rows, columns=["kpi", "label", "unit", "higher_is_better", "n", "rho", "p_value", "ci_low",
                                        "ci_high", "rho_better", "conclusion", "_name", "_known"])
    # one correlation per KPI: the conclusions read the p-values adjusted over the KPIs (Benjamini-Hochberg)
    table.insert(7, "p_fdr", p_adjust(table["p_value"].to_numpy(), "BH") if len(table) else np.nan)
    n_tested = int(table["p_value"].notna().sum())
    for i in np.flatnonzero(table["p_value"].notna().to_numpy()):
        r = table.iloc[i]
        if r["ci_low"] == r["ci_low"]:
            interval = f"{int(round(ci * 100))}% interval {r['ci_low']:.2f} to {r['ci_high']:.2f}"
            # the interval is this KPI's alone (not adjusted): say so when it disagrees with the adjusted test
            if r["p_fdr"] < alpha and r["ci_low"] <= 0 <= r["ci_high"]:
                interval += ", which includes 0"
        else:
            interval = "no bootstrap interval"
        details = f"rho = {r['rho']:.2f}, {interval}"
        if r["_known"]:
            finding = f"more mature alliances tend to show {'better' if r['rho_better'] > 0 else 'worse'} {r['_name']}"
        else:
            finding = f"more mature alliances tend to show {'higher' if r['rho'] > 0 else 'lower'} {r['_name']}"
            details += "; kpis.csv does not say which direction is better"
        verdict = p_conclusion(r["p_fdr"], finding, f"of an association between maturity and {r['_name']}",
                               n_tests=n_tested, family="KPI", method="BH", alpha=alpha, details=details)
        table.iloc[i, table.columns.get_loc("conclusion")] = f"{verdict}; {sample_note(int(r['n']))}"
    return table.drop(columns=["_name", "_known"])
