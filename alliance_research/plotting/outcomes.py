"""Charts of outcomes: a KPI's values by maturity cluster."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.transforms import blended_transform_factory

from .style import check_choice, cluster_colours, cluster_handles, new_axes, title_and_legend

__all__ = ["plot_kpi_by_cluster"]


# 10. KPIs by cluster


def plot_kpi_by_cluster(values: pd.DataFrame, labels: pd.Series, kpi: str, *, names: pd.Series | None = None,
                        ax=None, pyplot: bool = True, kpis: pd.DataFrame | None = None):
    """One delivery KPI's values by cluster: a box per cluster and every alliance as a point.

    The boxes run from the first to the third quartile with the median across and whiskers to the furthest
    value within 1.5 interquartile ranges; the points (spread sideways a little, at random but the same every
    time) are the alliances themselves, which with a few alliances per cluster say more than the box. Under
    each box, the number of alliances with a value. A cluster with no value for the KPI keeps its place,
    marked "no data".

    Parameters
    ----------
    values : DataFrame
        One value per alliance and KPI: ``alliance_id``, ``kpi``, ``value`` (from
        :func:`~alliance_research.outcomes.alliance_kpis`). Alliances without a cluster are left out.
    labels : Series
        Cluster per alliance, indexed by ``alliance_id`` or by a MultiIndex whose first level is it (as
        ``ClusterResult.labels`` is).
    kpi : str
        The KPI to draw.
    names : Series, optional
        Cluster names (``ClusterResult.names``), shown in a legend above the chart.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    kpis : DataFrame, optional
        ``kpi, label, unit, higher_is_better`` (``Library.kpis``): the y axis's label and unit, and whether
        higher or lower is better (said in the title). Without it they are read from the same columns of
        ``values`` when it has them, else the KPI id is shown.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When ``kpi`` is not in ``values`` (naming a close match), ``values`` lacks a column it needs, or
        ``labels`` has an alliance twice.

    Notes
    -----
    The chart describes; it does not test. For the Kruskal-Wallis test across clusters and its effect size see
    :func:`~alliance_research.outcomes.kpi_by_cluster`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import alliance_research as ar
    >>> from alliance_research.clustering import cluster_profiles
    >>> from alliance_research.outcomes import alliance_kpis
    >>> lib = ar.load_library()
    >>> profiles = ar.score_library(lib, n_boot=0).latest().profiles()
    >>> res = cluster_profiles(profiles, k=3, method="ward", n_boot=0, n_null=0, framework=lib.framework)
    >>> values = alliance_kpis(lib.outcomes, lib.kpis)
    >>> ax = plot_kpi_by_cluster(values, res.labels, "milestones_on_time", names=res.names, kpis=lib.kpis)
    >>> ax.get_title()
    'Milestones delivered on time by cluster (higher is better)'
    >>> plt.close(ax.figure)
    """
    needed = {"alliance_id", "kpi", "value"}
    if not isinstance(values, pd.DataFrame) or not needed <= set(values.columns):
        raise ValueError("values must be a DataFrame with the columns alliance_id, kpi and value "
                         "(from alliance_kpis)")
    check_choice(kpi, sorted(values["kpi"].dropna().unique()), "KPI")
    clusters_of = labels.copy()
    if isinstance(clusters_of.index, pd.MultiIndex):
        clusters_of.index = clusters_of.index.get_level_values(0)
    if not clusters_of.index.is_unique:
        raise ValueError("labels must give one cluster per alliance (e.g. clustering the latest wave: "
                         "Scores.latest())")
    clusters_of = clusters_of.dropna().astype(int)
    rows = values[(values["kpi"] == kpi) & values["value"].notna()]
    rows = rows.assign(cluster=rows["alliance_id"].map(clusters_of)).dropna(subset=["cluster"])
    rows = rows.assign(cluster=rows["cluster"].astype(int)).sort_values(["cluster", "alliance_id"],
                                                                        kind="mergesort")
    clusters = sorted(int(c) for c in clusters_of.unique())
    colours = cluster_colours(clusters)
    label, unit, better = _kpi_meta(kpi, values, kpis)

    if ax is None:
        ax = new_axes((max(6.5, 1.6 * len(clusters) + 2.5), 6.5), pyplot=pyplot)
    groups = {c: rows.loc[rows["cluster"] == c, "value"].to_numpy(dtype=float) for c in clusters}
    present = [c for c in clusters if len(groups[c])]
    if present:
        boxes = ax.boxplot([groups[c] for c in present], positions=present, widths=0.55, patch_artist=True,
                           showfliers=False, medianprops=dict(color="0.1", linewidth=1.6),
                           whiskerprops=dict(color="0.35"), capprops=dict(color="0.35"), zorder=2)
        for c, box in zip(present, boxes["boxes"]):
            box.set(facecolor=(*colours[c][:3], 0.3), edgecolor=colours[c], linewidth=1.4)
    rng = np.random.default_rng(0)  # the same jitter every time: the same data make the same picture
    for c in present:
        jitter = rng.uniform(-0.14, 0.14, len(groups[c]))
        ax.scatter(c + jitter, groups[c], s=34, color=colours[c], edgecolors="0.15", linewidths=0.6, zorder=3)
    for c in clusters:
        if not len(groups[c]):
            ax.text(c, 0.5, "no data", transform=blended_transform_factory(ax.transData, ax.transAxes),
                    ha="center", va="center", color="0.45", fontsize="small", style="italic")

    ax.set_xticks(clusters, [f"Cluster {c}\nn = {len(groups[c])}" for c in clusters])
    ax.set_xlim(min(clusters) - 0.6, max(clusters) + 0.6)
    ax.set_ylabel(textwrap.fill(f"{label} ({unit})" if unit else label, 55))
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    title, note = f"{label} by cluster", {True: "(higher is better)", False: "(lower is better)"}.get(better, "")
    if len(title) + len(note) < 70:
        title = f"{title} {note}".strip()
    else:  # a long label: the note on a line of its own, where it cannot be split
        title = "\n".join([textwrap.fill(title, 70), note]).strip()
    if names is not None:
        title_and_legend(ax, title, cluster_handles(clusters, names, kind="patch"), ncol=2)
    else:
        ax.set_title(title)
    return ax


def _kpi_meta(kpi: str, values: pd.DataFrame, kpis: pd.DataFrame | None) -> tuple[str, str, bool | None]:
    """``label, unit, higher_is_better`` of a KPI from ``kpis``, else from ``values``, else the id alone."""
    for source in (kpis, values):
        if source is None or "kpi" not in source.columns:
            continue
        match = source[source["kpi"] == kpi]
        if not len(match):
            continue
        row = match.iloc[0]
        label, unit, better = (row.get(column) for column in ("label", "unit", "higher_is_better"))
        label = str(label) if isinstance(label, str) and label.strip() else kpi
        unit = str(unit) if isinstance(unit, str) and unit.strip() else ""
        better = None if better is None or pd.isna(better) else bool(better)
        return label, unit, better
    return kpi, "", None
