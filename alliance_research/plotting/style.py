"""What every chart shares: colours, the scale's ticks, rows of labels, the title-and-legend block, new figures and
the PNG files the report writes.

Colours: areas take :data:`AREA_PALETTE`; the roles (client, partners, up, down, library) and clusters take
fixed places in the colour-blind palette, so a reader can follow a cluster from the map to the profiles and the
KPIs. A plot function given no ``ax`` draws on :func:`new_axes`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from .._text import did_you_mean
from ..framework import Framework

__all__ = ["AREA_PALETTE", "CLUSTER_PALETTE", "LABEL_LIMIT", "LEVELS", "DOUBTFUL", "METHOD_NAMES", "role_colour",
           "check_choice", "alliance_rows", "pick_wave", "level_targets", "with_labels", "scale_ticks", "row_figsize",
           "new_axes", "row_axes", "label_rows", "interval_text", "title_and_legend", "save_png", "png_bytes",
           "cluster_colours", "cluster_label", "cluster_handles", "row_names", "check_clustered", "practice_labels",
           "method_text"]


#: Target levels in the gaps and changes tables.
LEVELS = ("practice", "area", "index")
#: Flags that make a practice score less trustworthy, drawn as hollow markers.
DOUBTFUL = ("sparse", "low_agreement")
#: Colours: areas take ``AREA_PALETTE``; the roles below take fixed places in the colour-blind palette.
AREA_PALETTE = "colorblind"
_ROLE = dict(client=0, partner=1, alliance=0, up=2, down=3, library=7)
# A flagged gap must stand out from both of its (blue and orange) ends.
_FLAGGED = sns.color_palette("dark")[3]
# Height of one row of a row-per-target chart, and room for title, ticks and legend (inches).
_ROW_INCHES, _FRAME_INCHES = 0.3, 1.9


def role_colour(role: str):
    return _FLAGGED if role == "flagged" else sns.color_palette(AREA_PALETTE)[_ROLE[role]]


# ----------------------------------------------------------------------------------------------------------------
# shared helpers


def check_choice(value, choices, what: str, where: str = "in the data") -> None:
    """Raise a ``ValueError`` naming a close match (or every choice) when ``value`` is not among ``choices``."""
    choices = list(dict.fromkeys(choices))
    if value in choices:
        return
    hint = did_you_mean(value, [str(c) for c in choices])
    if not hint:
        shown = ", ".join(repr(c) if isinstance(c, str) else str(c) for c in choices) or "none"
        hint = f"; available: {shown}"
    raise ValueError(f"{what} {value!r} is not {where}{hint}")


def alliance_rows(frame: pd.DataFrame, alliance_id: str) -> pd.DataFrame:
    """The rows of one alliance (``ValueError`` with a close match when it is not there)."""
    check_choice(alliance_id, sorted(frame["alliance_id"].unique()), "alliance")
    return frame[frame["alliance_id"] == alliance_id]


def pick_wave(frame: pd.DataFrame, alliance_id: str, wave: int | None) -> tuple[pd.DataFrame, int]:
    """One alliance-wave's rows, and the wave (the alliance's latest when ``wave`` is None)."""
    rows = alliance_rows(frame, alliance_id)
    waves = sorted(int(w) for w in rows["wave"].unique())
    if wave is None:
        wave = waves[-1]
    elif wave not in waves:
        raise ValueError(f"wave {wave!r} of alliance {alliance_id!r} is not in the data; "
                         f"available waves: {', '.join(map(str, waves))}")
    return rows[rows["wave"] == wave], int(wave)


def level_targets(level: str, framework: Framework) -> pd.DataFrame:
    """``id, label, area_id, area`` of the practices, areas or the index, in rubric order."""
    if level == "practice":
        return framework.practices.rename(columns={"practice_id": "id"})[["id", "label", "area_id", "area"]]
    if level == "area":
        frame = framework.areas.rename(columns={"area_id": "id"})[["id", "area"]]
        return frame.assign(label=frame["area"], area_id=frame["id"])[["id", "label", "area_id", "area"]]
    return pd.DataFrame({"id": ["index"], "label": ["Maturity index"], "area_id": [None], "area": [None]})


def with_labels(rows: pd.DataFrame, level: str, framework: Framework | None) -> pd.DataFrame:
    """``rows`` (with an ``id`` column) in rubric order with a ``label`` column (the ids without a framework)."""
    if framework is None:
        return rows.assign(label=rows["id"].astype(str)).reset_index(drop=True)
    return level_targets(level, framework)[["id", "label"]].merge(rows, on="id", how="left")


def scale_ticks(ax, framework: Framework, axis: str = "x", sep: str = " ") -> None:
    """Limit ``axis`` to the rubric's scale and label its ticks ``"<score> <level name>"``."""
    scores = list(framework.level_names)
    labels = [f"{s}{sep}{name}" for s, name in framework.level_names.items()]
    pad = 0.04 * (framework.max_score - framework.min_score)
    limits = (framework.min_score - pad, framework.max_score + pad)
    if axis == "x":
        ax.set_xlim(*limits)
        ax.set_xticks(scores, labels)
    else:
        ax.set_ylim(*limits)
        ax.set_yticks(scores, labels)


def row_figsize(n_rows: int, width: float = 9.0) -> tuple[float, float]:
    """A figure tall enough for ``n_rows`` rows of labels (inches)."""
    return (width, _FRAME_INCHES + _ROW_INCHES * n_rows)


def new_axes(figsize: tuple[float, float], *, polar: bool = False, pyplot: bool = True):
    """Axes on a new figure of ``figsize`` inches (constrained layout), for a plot function given no ``ax``.

    With ``pyplot`` (the default of every plot function, as in seaborn) the figure is pyplot's, so a notebook
    shows it; with ``pyplot=False`` it is a :class:`~matplotlib.figure.Figure` of its own outside pyplot, which is
    what the report and the workshop draw on: no backend is chosen or changed and nothing is left open.
    """
    subplot_kw = {"projection": "polar"} if polar else {}
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.subplots(figsize=figsize, subplot_kw=subplot_kw, layout="constrained")[1]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)  # a renderer of its own: legends and labels are measured as on pyplot's figures
    return figure.add_subplot(**subplot_kw)


def row_axes(ax, n_rows: int, width: float = 9.0, *, pyplot: bool = True):
    """``ax``, or new axes (:func:`new_axes`) on a figure tall enough for ``n_rows`` rows of labels."""
    return ax if ax is not None else new_axes(row_figsize(n_rows, width), pyplot=pyplot)


def label_rows(ax, labels, positions=None, top=None) -> None:
    """One y tick per row, the first row (or position ``top``) on top."""
    positions = np.arange(len(labels)) if positions is None else positions
    ax.set_yticks(positions, list(labels))
    top = min(positions) if top is None else top
    ax.set_ylim(max(positions) + 0.7, top - 0.7)  # inverted: rubric order reads top to bottom
    ax.tick_params(axis="y", length=0)


def interval_text(ci: float | None) -> str:
    return f" ({ci * 100:g}% intervals)" if ci else ""


def title_and_legend(ax, title: str, handles, ncol: int | None = None) -> None:
    """The title on top and a frameless legend under it, both above the axes (and any tick labels up there), so
    the legend never covers data."""
    fig = ax.figure
    get_renderer = getattr(fig.canvas, "get_renderer", None)
    renderer = get_renderer() if get_renderer else None
    to_points = 72 / fig.dpi
    # Tick labels above the axes (a radar's top spoke labels) keep their size in points however the axes are
    # laid out, so measuring them once is enough.
    if renderer is not None:
        ticks = ax.xaxis.get_tightbbox(renderer)
        above = max(0.0, (ticks.y1 - ax.bbox.y1) * to_points) if ticks is not None else 0.0
    else:
        above = 48.0 if ax.name == "polar" else 0.0
    ncol = ncol or len(handles)
    while True:  # as many columns as fit across the figure
        legend = ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol,
                           bbox_transform=offset_copy(ax.transAxes, fig=fig, y=above + 2, units="points"),
                           frameon=False, borderaxespad=0.2, handletextpad=0.4, columnspacing=1.4,
                           fontsize="small")
        if renderer is None or ncol == 1 or legend.get_window_extent(renderer).width <= 0.9 * fig.bbox.width:
            break
        ncol = -(-ncol // 2)
    if renderer is not None:
        height = legend.get_window_extent(renderer).height * to_points
    else:
        height = 16.0 * -(-len(handles) // ncol)
    ax.set_title(title, pad=above + height + 6)


# ----------------------------------------------------------------------------------------------------------------

# How every PNG of the package is written: cropped to what is drawn, with no version stamp (the same figure gives
# the same bytes) and light compression (PNG encoding is a large share of the time for hundreds of figures).
_PNG = {"format": "png", "bbox_inches": "tight", "metadata": {"Software": None}, "pil_kwargs": {"compress_level": 3}}


def save_png(fig, path, dpi: int = 100) -> str:
    """Write ``fig`` to ``path`` as the report's PNG files are written; returns the file name."""
    fig.savefig(path, dpi=dpi, **_PNG)
    return Path(path).name


def png_bytes(fig, dpi: int = 100) -> bytes:
    """``fig`` as the bytes :func:`save_png` would write (for a page that serves figures itself)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, **_PNG)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------------------------
# 5. clusters: shared helpers
#
# The cluster charts take the alliances-by-practices ``profiles`` that were clustered and the
# :class:`~alliance_research.clustering.ClusterResult`; every one colours a cluster the same way
# (:func:`cluster_colours`), so a reader can follow a cluster from the map to the profiles and the KPIs.

#: Colours of clusters 0, 1, 2, ... (in that order; 0 is the least mature cluster).
CLUSTER_PALETTE = "colorblind"
METHOD_NAMES = {"ward": "Ward", "kmeans": "k-means", "gmm": "latent profiles"}
# Cluster names are sentences ("Developing: high on ...; low on ..."): wrapped to this many characters in legends.
_NAME_WIDTH = 44
#: Beyond this many alliances the cluster map names no points and the heatmap writes no values in its cells:
#: hundreds of labels are unreadable, and placing them clear of each other takes most of the report's time.
LABEL_LIMIT = 40


def cluster_colours(clusters) -> dict:
    """Cluster number -> colour: cluster ``c`` always takes place ``c`` of ``CLUSTER_PALETTE``, in every chart."""
    palette = sns.color_palette(CLUSTER_PALETTE)
    return {int(c): palette[int(c) % len(palette)] for c in clusters}


def cluster_label(cluster: int, names, n: int | None = None) -> str:
    """``"0 · <name> (n = 4)"``, the name wrapped; just the number without a name."""
    name = names.get(cluster) if names is not None else None
    text = f"{cluster} \u00b7 {name}" if name is not None and name == name else f"Cluster {cluster}"
    if n is not None:
        text += f" (n = {n})"
    return textwrap.fill(text, _NAME_WIDTH, break_on_hyphens=False)


def cluster_handles(clusters, names, counts=None, kind: str = "marker") -> list:
    colours = cluster_colours(clusters)
    handles = []
    for c in clusters:
        label = cluster_label(int(c), names, None if counts is None else int(counts.get(c, 0)))
        if kind == "patch":
            handles.append(Patch(facecolor=colours[int(c)], edgecolor="0.25", linewidth=0.6, label=label))
        elif kind == "line":
            handles.append(Line2D([], [], color=colours[int(c)], marker="o", linewidth=2, label=label))
        else:
            handles.append(Line2D([], [], linestyle="none", marker="o", markersize=8, color=colours[int(c)],
                                  markeredgecolor="white", label=label))
    return handles


def row_names(index: pd.Index) -> list[str]:
    """A readable name per row: the alliance id (first index level), or every level when ids repeat."""
    if not isinstance(index, pd.MultiIndex):
        return [str(i) for i in index]
    ids = index.get_level_values(0)
    if ids.is_unique:
        return [str(i) for i in ids]
    return [", ".join(map(str, row)) for row in index]


def check_clustered(profiles: pd.DataFrame, result) -> pd.Series:
    """``result.labels`` in the order of ``profiles``' rows (``ValueError`` when they are not the same rows)."""
    if not isinstance(profiles, pd.DataFrame) or profiles.shape[1] == 0:
        raise ValueError("profiles must be a DataFrame of alliances (rows) by practice scores (columns), "
                         "the one that was clustered")
    labels = result.labels
    missing = profiles.index.difference(labels.index)
    extra = labels.index.difference(profiles.index)
    if len(missing) or len(extra) or len(profiles) != len(labels):
        which = (f"{row_names(missing)[0]!r} is in profiles but not in result.labels" if len(missing) else
                 f"{row_names(extra)[0]!r} is in result.labels but not in profiles" if len(extra) else
                 "their rows differ")
        raise ValueError(f"profiles and result must hold the same alliances (the profiles that were clustered): "
                         f"{which}")
    return labels.reindex(profiles.index).astype(int)


def practice_labels(columns, framework: Framework | None) -> list[str]:
    if framework is None:
        return [str(c) for c in columns]
    label = dict(zip(framework.practices["practice_id"], framework.practices["label"]))
    return [str(label.get(c, c)) for c in columns]


def method_text(result) -> str:
    return f"{METHOD_NAMES.get(result.method, result.method)}, k = {result.k}"


# ----------------------------------------------------------------------------------------------------------------
