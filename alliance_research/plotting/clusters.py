"""Charts of a clustering: the cluster map (two principal components), the dendrogram (Ward), the clusters'
mean profiles and the alliances-by-practices heatmap.

They take the alliances-by-practices ``profiles`` that were clustered and the
:class:`~alliance_research.clustering.ClusterResult`; every one colours a cluster the same way
(:func:`~alliance_research.plotting.style.cluster_colours`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import colors as matplotlib_colors
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..framework import Framework
from ..clustering import fill_missing
from .style import (LABEL_LIMIT, METHOD_NAMES, check_clustered, cluster_colours, cluster_handles, method_text, new_axes,
                    practice_labels, row_axes, row_names, scale_ticks, title_and_legend)

__all__ = ["plot_cluster_map", "plot_dendrogram", "plot_cluster_profiles", "plot_cluster_heatmap"]

# Marker areas (points squared) of an alliance and of a cluster centre on the cluster map.
_POINT_SIZE, _CENTRE_SIZE = 55, 260


# 6. cluster map


def plot_cluster_map(profiles: pd.DataFrame, result, *, ax=None, pyplot: bool = True, annotate: bool | None = None):
    """Alliances on the first two principal components of their profiles, coloured by cluster.

    A principal component analysis of the profiles as they were clustered (unscaled: every practice is on the
    same scale, so the components are in scale points; missing scores replaced by the practice's mean, as the
    clustering does). Each alliance is a point in its cluster's colour, named by its alliance id when
    ``annotate``; each cluster's centre (``result.centres``, projected) is a larger cross. The axis labels give
    the share of the profiles' variance each component holds: the lower it is, the more the map flattens
    differences that the clustering saw.

    Parameters
    ----------
    profiles : DataFrame
        Alliances (rows) by practices (columns): the profiles given to
        :func:`~alliance_research.clustering.cluster_profiles`.
    result : ClusterResult
        The clustering of ``profiles``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    annotate : bool, optional
        Write each alliance's id beside its point. None (the default): when there are at most
        :data:`LABEL_LIMIT` alliances.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When ``profiles`` and ``result`` do not hold the same alliances, or there are fewer than two alliances
        or practices.

    Notes
    -----
    The coordinates are scikit-learn's :class:`~sklearn.decomposition.PCA` (two components) fitted on the
    profiles; the centres are projected with the same fit, so each centre sits at the mean of its cluster's
    points.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import alliance_research as ar
    >>> from alliance_research.clustering import cluster_profiles
    >>> lib = ar.load_library()
    >>> profiles = ar.score_library(lib, n_boot=0).latest().profiles()
    >>> res = cluster_profiles(profiles, k=3, method="ward", n_boot=0, n_null=0, framework=lib.framework)
    >>> ax = plot_cluster_map(profiles, res)
    >>> ax.get_xlabel().startswith("PC1 (")
    True
    >>> plt.close(ax.figure)
    """
    from sklearn.decomposition import PCA

    labels = check_clustered(profiles, result)
    if min(profiles.shape) < 2:
        raise ValueError(f"a map on two principal components needs at least two alliances and two practices; "
                         f"profiles has {profiles.shape[0]} and {profiles.shape[1]}")
    filled = fill_missing(profiles)
    pca = PCA(n_components=2).fit(filled.to_numpy())
    xy = pca.transform(filled.to_numpy())
    clusters = sorted(int(c) for c in labels.unique())
    centres = result.centres.reindex(columns=profiles.columns).loc[clusters]
    centre_xy = pca.transform(fill_missing(centres).to_numpy()) if len(centres) else np.empty((0, 2))
    colours = cluster_colours(clusters)

    if ax is None:
        ax = new_axes((9, 8.5), pyplot=pyplot)
    points_ = ax.scatter(xy[:, 0], xy[:, 1], s=_POINT_SIZE, c=[colours[c] for c in labels], edgecolors="white",
                         linewidths=0.8, zorder=3)
    points_.set_gid("alliances")
    # under the alliances' points, so that an alliance at its cluster's centre still shows
    marks = ax.scatter(centre_xy[:, 0], centre_xy[:, 1], s=_CENTRE_SIZE, marker="X", c=[colours[c] for c in clusters],
                       edgecolors="0.15", linewidths=1.2, alpha=0.9, zorder=2)
    marks.set_gid("centres")
    ax.margins(0.08)

    ratio = pca.explained_variance_ratio_
    ax.set_xlabel(f"PC1 ({ratio[0] * 100:.0f}% of variance)")
    ax.set_ylabel(f"PC2 ({ratio[1] * 100:.0f}% of variance)")
    ax.axhline(0, color="0.88", linewidth=0.8, zorder=0)
    ax.axvline(0, color="0.88", linewidth=0.8, zorder=0)
    counts = labels.value_counts()
    handles = cluster_handles(clusters, result.names, counts)
    handles.append(Line2D([], [], linestyle="none", marker="X", markersize=11, color="0.6",
                          markeredgecolor="0.15", label="Cluster centre"))
    title_and_legend(ax, f"Alliances on their first two principal components, by cluster ({method_text(result)})",
                      handles)
    if annotate is None:
        annotate = len(profiles) <= LABEL_LIMIT
    if annotate:  # last: the labels are placed where they are clear of each other in the final layout
        _annotate_points(ax, xy, row_names(profiles.index), centre_xy)
    return ax


def _annotate_points(ax, xy: np.ndarray, texts: list[str], avoid: np.ndarray) -> None:
    """Write ``texts`` beside the points ``xy``, each where it overlaps the fewest labels and markers.

    A greedy placement, labels in order of x: the first free place among eight sides of the point close by, then
    the same sides further out (with a thin leader line); where none is free, the place that covers least,
    covering another label counting ten times as much as covering a marker."""
    fig = ax.figure
    get_renderer = getattr(fig.canvas, "get_renderer", None)
    if get_renderer is None:  # no renderer to measure with: every label to the right
        for (x, y), text in zip(xy, texts):
            ax.annotate(text, (x, y), xytext=(5, 3), textcoords="offset points", fontsize="x-small", zorder=5)
        return
    renderer = get_renderer()
    if fig.get_layout_engine() is not None:
        fig.canvas.draw()  # lay the axes out first, so that what is measured is what is saved
    # (dx, dy, ha, va) in points: right, left, above, below and the diagonals
    near = [(6, 0, "left", "center"), (-6, 0, "right", "center"), (0, 6, "center", "bottom"),
            (0, -6, "center", "top"), (5, 5, "left", "bottom"), (-5, 5, "right", "bottom"),
            (5, -5, "left", "top"), (-5, -5, "right", "top")]
    sides = near + [(f * dx, f * dy, ha, va) for f in (3, 5) for dx, dy, ha, va in near]
    to_pixels = fig.dpi / 72
    obstacles = [np.array([px - r, py - r, px + r, py + r])
                 for points_, radius in ((xy, _POINT_SIZE), (avoid, _CENTRE_SIZE))
                 for (px, py), r in zip(ax.transData.transform(points_), [np.sqrt(radius) / 2 * to_pixels]
                                        * len(points_))]
    frame = ax.get_window_extent(renderer)
    placed = []
    for i in np.argsort(xy[:, 0], kind="mergesort"):
        best = None
        for dx, dy, ha, va in sides:
            note = ax.annotate(texts[i], tuple(xy[i]), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                               fontsize="x-small", color="0.2", zorder=5)
            box = note.get_window_extent(renderer)
            box = np.array([box.x0, box.y0, box.x1, box.y1])
            outside = (box[0] < frame.x0) + (box[2] > frame.x1) + (box[1] < frame.y0) + (box[3] > frame.y1)
            # covering another label is worse than covering a marker (whose colour still shows round it)
            cost = (10 * sum(_overlap(box, other) for other in placed)
                    + sum(_overlap(box, other) for other in obstacles) + 1e6 * outside)
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, note, box, (dx, dy, ha, va))
            else:
                note.remove()
            if cost == 0:
                break
        cost, note, box, (dx, dy, ha, va) = best
        if abs(dx) + abs(dy) > 12:  # away from its point: a leader line to it (measured without, as it may cross)
            note.remove()
            ax.annotate(texts[i], tuple(xy[i]), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                        fontsize="x-small", color="0.2", zorder=5,
                        arrowprops=dict(arrowstyle="-", color="0.6", linewidth=0.5, shrinkA=0, shrinkB=3))
        placed.append(box)


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Area shared by two boxes ``(x0, y0, x1, y1)``."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


# ----------------------------------------------------------------------------------------------------------------
# 7. dendrogram


def plot_dendrogram(result, *, ax=None, pyplot: bool = True, labels=None):
    """Ward's merge tree of the alliances, cut into the result's clusters.

    One leaf per alliance (a row, named by its alliance id and coloured by its cluster), joined at the height
    at which Ward's method merged them: the further right two groups join, the more their profiles differ.
    Branches inside a cluster take the cluster's colour, the ones above the cut grey; the dashed line is the
    cut into ``result.k`` clusters, halfway between the last merge made and the first one left undone.

    Parameters
    ----------
    result : ClusterResult
        A clustering with ``method="ward"`` (the others make no merge tree).
    ax : matplotlib Axes, optional
        Where to draw; a new figure sized to the alliances when None.
    labels : sequence of str or mapping, optional
        Leaf names: one per alliance in the order of ``result.labels``, or a mapping from alliance id to name
        (ids it does not hold keep their id). The alliance ids (first level of ``result.labels``' index) when
        None.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When ``result`` is not a Ward clustering, or ``labels`` has the wrong length.

    Notes
    -----
    The tree is :func:`scipy.cluster.hierarchy.dendrogram` of ``result.linkage`` (scipy's ``ward`` linkage,
    R's ``hclust(method = "ward.D2")``): a merge's height is the Ward distance between the two groups, in
    scale points.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import alliance_research as ar
    >>> from alliance_research.clustering import cluster_profiles
    >>> lib = ar.load_library()
    >>> profiles = ar.score_library(lib, n_boot=0).latest().profiles()
    >>> res = cluster_profiles(profiles, k=3, method="ward", n_boot=0, n_null=0, framework=lib.framework)
    >>> ax = plot_dendrogram(res)
    >>> sorted(t.get_text() for t in ax.get_yticklabels()) == sorted(profiles.index.get_level_values(0))
    True
    >>> plt.close(ax.figure)
    """
    from scipy.cluster.hierarchy import dendrogram

    if getattr(result, "method", None) != "ward" or getattr(result, "linkage", None) is None:
        raise ValueError(f"a dendrogram needs Ward's hierarchical clustering, and this result is "
                         f"{METHOD_NAMES.get(result.method, result.method)} (method={result.method!r}), which "
                         f"makes no merge tree: cluster again with cluster_profiles(..., method=\"ward\")")
    tree = np.asarray(result.linkage, dtype=float)
    clusters = result.labels.astype(int).to_numpy()
    n = len(clusters)
    ids = row_names(result.labels.index)
    if labels is None:
        names = ids
    elif isinstance(labels, (dict, pd.Series)):
        names = [str(labels.get(i, i)) for i in ids]
    else:
        names = [str(name) for name in labels]
        if len(names) != n:
            raise ValueError(f"labels must name every alliance of the result: {n} names are needed, "
                             f"{len(names)} were given")

    # a branch takes its cluster's colour when all the alliances under it are in that cluster, grey otherwise
    colours = cluster_colours(sorted(set(clusters.tolist())))
    hexes = {c: matplotlib_colors.to_hex(colour) for c, colour in colours.items()}
    below = list(clusters) + [None] * (n - 1)
    for i, (a, b) in enumerate(tree[:, :2].astype(int)):
        below[n + i] = below[a] if below[a] == below[b] else None
    above = matplotlib_colors.to_hex("0.55")

    ax = row_axes(ax, n, width=9.0, pyplot=pyplot)
    tree_drawn = dendrogram(tree, labels=names, orientation="right", ax=ax, leaf_font_size=9,
                            link_color_func=lambda node: hexes[below[node]] if below[node] is not None else above)
    for tick, leaf in zip(ax.get_yticklabels(), tree_drawn["leaves"]):
        tick.set_color(colours[clusters[leaf]])
        tick.set_fontweight("bold")

    k = int(result.k)
    heights = np.sort(tree[:, 2])
    cut = (heights[n - 1 - k] + heights[n - k]) / 2 if 2 <= k < n else None
    handles = cluster_handles(sorted(colours), result.names,
                               pd.Series(clusters).value_counts(), kind="line")
    for handle in handles:
        handle.set_marker("")
    if cut is not None:
        ax.axvline(cut, color="0.25", linestyle="--", linewidth=1.2, zorder=3)
        handles.append(Line2D([], [], color="0.25", linestyle="--", linewidth=1.2,
                              label=f"Cut into {k} clusters"))
    ax.set_xlabel("Merge height (Ward distance, scale points)")
    ax.grid(axis="x", color="0.92", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    # two columns: the legend is centred on the axes, which the leaf names push to the right of the figure
    title_and_legend(ax, f"Ward's merge tree of {n} alliances, cut into {k} clusters", handles, ncol=2)
    return ax


# ----------------------------------------------------------------------------------------------------------------
# 8. cluster profiles


def plot_cluster_profiles(profiles: pd.DataFrame, result, *, ax=None, pyplot: bool = True, framework: Framework | None = None,
                          ci: float = 0.95):
    """Each cluster's mean practice scores, with intervals: what a cluster's alliances do well and less well.

    One line per cluster, in the cluster's colour, through the mean score of its alliances on each practice
    (practices along the x axis, in the order of ``profiles``' columns); the bars are t-intervals of those
    means. The lines are shifted a little sideways from each other so that their bars do not hide one another.
    A cluster of one alliance has no interval.

    Parameters
    ----------
    profiles : DataFrame
        Alliances (rows) by practices (columns): the profiles given to
        :func:`~alliance_research.clustering.cluster_profiles`.
    result : ClusterResult
        The clustering of ``profiles``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    framework : Framework, optional
        Gives the practice labels and the scale's level names on the y axis; ids and plain scores without it.
    ci : float
        Coverage of the intervals.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When ``profiles`` and ``result`` do not hold the same alliances.

    Notes
    -----
    The mean and the t-interval :math:`\\bar x \\pm t_{(1+ci)/2,\\,n-1}\\, s / \\sqrt{n}` are over the scores
    present: with no score missing the means are ``result.centres`` (which replaces a missing score with the
    practice's mean over all alliances before averaging). With a handful of alliances per cluster the
    intervals are wide; they describe the spread within the cluster, not a test between clusters (for that see
    :func:`~alliance_research.clustering.difference_test`, which allows for the clusters having been formed from
    these scores).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import alliance_research as ar
    >>> from alliance_research.clustering import cluster_profiles
    >>> lib = ar.load_library()
    >>> profiles = ar.score_library(lib, n_boot=0).latest().profiles()
    >>> res = cluster_profiles(profiles, k=3, method="ward", n_boot=0, n_null=0, framework=lib.framework)
    >>> ax = plot_cluster_profiles(profiles, res, framework=lib.framework)
    >>> len(ax.get_lines()), len(ax.get_xticks()) == profiles.shape[1]
    (3, True)
    >>> plt.close(ax.figure)
    """
    from scipy import stats

    labels = check_clustered(profiles, result)
    scores = profiles.astype(float)
    clusters = sorted(int(c) for c in labels.unique())
    colours = cluster_colours(clusters)
    x = np.arange(profiles.shape[1])
    width = min(0.5, 0.12 * len(clusters))  # the sideways spread of the lines at one practice
    shifts = np.linspace(-width / 2, width / 2, len(clusters)) if len(clusters) > 1 else np.zeros(1)

    if ax is None:
        ax = new_axes((max(8.0, 0.55 * len(x) + 2), 8), pyplot=pyplot)
    for shift, cluster in zip(shifts, clusters):
        rows = scores[(labels == cluster).to_numpy()]
        n = rows.count()
        mean = rows.mean()
        with np.errstate(invalid="ignore", divide="ignore"):
            half = stats.t.ppf((1 + ci) / 2, n - 1) * rows.std(ddof=1) / np.sqrt(n)
        ok = ((n > 1) & half.notna()).to_numpy()  # one score, or scores that are all equal: no interval
        ax.vlines((x + shift)[ok], (mean - half)[ok], (mean + half)[ok], color=colours[cluster], linewidth=1.4,
                  alpha=0.8, zorder=2)
        ax.plot(x + shift, mean.to_numpy(), color=colours[cluster], marker="o", markersize=5, linewidth=2,
                label=f"cluster {cluster}", zorder=3)

    ax.set_xticks(x, practice_labels(profiles.columns, framework), rotation=40, ha="right",
                  rotation_mode="anchor")
    ax.set_xlim(-0.6, len(x) - 0.4)
    if framework is not None:
        scale_ticks(ax, framework, "y")
    ax.set_ylabel("Mean score")
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    handles = cluster_handles(clusters, result.names, labels.value_counts(), kind="line")
    handles.append(Line2D([], [], color="0.4", linewidth=1.4, label=f"{ci * 100:g}% interval of the mean"))
    title_and_legend(ax, f"Practice profiles of the clusters ({method_text(result)})", handles, ncol=2)
    return ax


# ----------------------------------------------------------------------------------------------------------------
# 9. cluster heatmap


def plot_cluster_heatmap(profiles: pd.DataFrame, result, *, ax=None, pyplot: bool = True, framework: Framework | None = None,
                         annotate: bool | None = None):
    """Every alliance's practice scores as a heatmap, alliances grouped by cluster.

    One row per alliance, sorted by cluster (0, the least mature, on top) and within a cluster by the mean of
    its practice scores (lowest first); one column per practice, in the order of ``profiles``' columns. Lines
    separate the clusters, and the cluster's number is written in its colour beside its rows. A missing score
    is left blank. Each cell shows its score to one decimal (``annotate``); without, the rows are thinner and the
    colour alone shows the score.

    Parameters
    ----------
    profiles : DataFrame
        Alliances (rows) by practices (columns): the profiles given to
        :func:`~alliance_research.clustering.cluster_profiles`.
    result : ClusterResult
        The clustering of ``profiles``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure sized to the table when None. The colour bar takes room from it.
    framework : Framework, optional
        Gives the practice labels, the colour scale's limits and its level names; ids and 0..4 without it.
    annotate : bool, optional
        Write each cell's score in it. None (the default): when there are at most :data:`LABEL_LIMIT` alliances.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When ``profiles`` and ``result`` do not hold the same alliances.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import alliance_research as ar
    >>> from alliance_research.clustering import cluster_profiles
    >>> lib = ar.load_library()
    >>> profiles = ar.score_library(lib, n_boot=0).latest().profiles()
    >>> res = cluster_profiles(profiles, k=3, method="ward", n_boot=0, n_null=0, framework=lib.framework)
    >>> ax = plot_cluster_heatmap(profiles, res, framework=lib.framework)
    >>> len(ax.get_yticklabels()) == len(profiles)
    True
    >>> plt.close(ax.figure)
    """
    labels = check_clustered(profiles, result)
    scores = profiles.astype(float)
    order = pd.DataFrame({"cluster": labels.to_numpy(), "mean": scores.mean(axis=1).to_numpy(),
                          "name": row_names(profiles.index)})
    order = order.sort_values(["cluster", "mean", "name"], kind="mergesort")
    table = scores.iloc[order.index.to_numpy()]
    rows_cluster = order["cluster"].to_numpy()
    low, high = (framework.min_score, framework.max_score) if framework is not None else (0, 4)
    n_rows, n_cols = table.shape

    values = n_rows <= LABEL_LIMIT if annotate is None else bool(annotate)
    if ax is None:
        ax = new_axes((0.42 * n_cols + 5.5, (0.34 if values else 0.15) * n_rows + 3.6), pyplot=pyplot)
    sns.heatmap(table.to_numpy(), ax=ax, vmin=low, vmax=high, cmap="YlGnBu", annot=values, fmt=".1f",
                annot_kws={"fontsize": 7}, linewidths=0.5 if values else 0.2, linecolor="white", cbar=False,
                xticklabels=practice_labels(table.columns, framework), yticklabels=order["name"].tolist())
    mesh = ax.collections[0]
    bar = ax.figure.colorbar(mesh, ax=ax, pad=0.02, fraction=0.04, aspect=30)
    if framework is not None:
        bar.set_ticks(list(framework.level_names), labels=[f"{s} {name}" for s, name in
                                                            framework.level_names.items()])
    bar.set_label("Score")
    bar.outline.set_visible(False)

    # separators between clusters, and each cluster's number in a strip of its colour right of its rows
    colours = cluster_colours(sorted(set(rows_cluster.tolist())))
    starts = np.flatnonzero(np.r_[True, rows_cluster[1:] != rows_cluster[:-1]])
    ends = np.r_[starts[1:], n_rows]
    ax.hlines(starts[1:], 0, n_cols, color="0.15", linewidth=2)
    for start, end in zip(starts, ends):
        cluster = int(rows_cluster[start])
        ax.add_patch(Rectangle((n_cols + 0.15, start + 0.06), 0.7, end - start - 0.12, facecolor=colours[cluster],
                               edgecolor="none"))
        ax.text(n_cols + 0.5, (start + end) / 2, str(cluster), ha="center", va="center", fontweight="bold",
                color="white" if sum(colours[cluster]) < 1.8 else "0.1")
    ax.text(n_cols + 0.5, -0.12, "Cluster", ha="center", va="bottom", fontsize="x-small", color="0.25")
    ax.set_xlim(0, n_cols + 0.9)
    ax.tick_params(axis="x", rotation=40, length=0)
    for label in ax.get_xticklabels():
        label.set(ha="right", rotation_mode="anchor")
    ax.tick_params(axis="y", rotation=0, length=0)
    if not values:
        ax.tick_params(axis="y", labelsize=6)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(f"Practice scores of {n_rows} alliances, grouped by cluster ({method_text(result)})", pad=16)
    return ax


# ----------------------------------------------------------------------------------------------------------------
