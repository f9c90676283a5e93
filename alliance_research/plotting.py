"""Charts of maturity scores, profiles, perception gaps, wave changes, clusters and KPIs by cluster.

Every function takes the tidy tables the package makes (:class:`~alliance_research.scoring.Scores`,
:func:`~alliance_research.gaps.perception_gaps`, :func:`~alliance_research.trends.wave_changes`, the profiles and
:class:`~alliance_research.clustering.ClusterResult` of :func:`~alliance_research.clustering.cluster_profiles`,
:func:`~alliance_research.outcomes.alliance_kpis`), draws one chart
on ``ax`` (a new figure sized to the chart when ``ax`` is None) and returns the axes. Nothing is shown: save or
display the figure yourself (``ax.figure.savefig(...)``).

Practice labels, area names and level names all come from the framework, so a chart of another rubric needs no
code change.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import colors as matplotlib_colors
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory, offset_copy

from ._text import did_you_mean
from .framework import Framework

__all__ = ["plot_practice_scores", "plot_profile", "plot_perception_gaps", "plot_wave_changes", "plot_cluster_map",
           "plot_dendrogram", "plot_cluster_profiles", "plot_cluster_heatmap", "plot_kpi_by_cluster",
           "AllianceCharts", "CLUSTER_PALETTE", "LABEL_LIMIT"]

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
# Size of a radar chart's figure (inches).
_RADAR_INCHES = (9, 9.5)


def _colour(role: str):
    return _FLAGGED if role == "flagged" else sns.color_palette(AREA_PALETTE)[_ROLE[role]]


# ----------------------------------------------------------------------------------------------------------------
# shared helpers


def _check_choice(value, choices, what: str, where: str = "in the data") -> None:
    """Raise a ``ValueError`` naming a close match (or every choice) when ``value`` is not among ``choices``."""
    choices = list(dict.fromkeys(choices))
    if value in choices:
        return
    hint = did_you_mean(value, [str(c) for c in choices])
    if not hint:
        shown = ", ".join(repr(c) if isinstance(c, str) else str(c) for c in choices) or "none"
        hint = f"; available: {shown}"
    raise ValueError(f"{what} {value!r} is not {where}{hint}")


def _alliance_rows(frame: pd.DataFrame, alliance_id: str) -> pd.DataFrame:
    """The rows of one alliance (``ValueError`` with a close match when it is not there)."""
    _check_choice(alliance_id, sorted(frame["alliance_id"].unique()), "alliance")
    return frame[frame["alliance_id"] == alliance_id]


def _pick_wave(frame: pd.DataFrame, alliance_id: str, wave: int | None) -> tuple[pd.DataFrame, int]:
    """One alliance-wave's rows, and the wave (the alliance's latest when ``wave`` is None)."""
    rows = _alliance_rows(frame, alliance_id)
    waves = sorted(int(w) for w in rows["wave"].unique())
    if wave is None:
        wave = waves[-1]
    elif wave not in waves:
        raise ValueError(f"wave {wave!r} of alliance {alliance_id!r} is not in the data; "
                         f"available waves: {', '.join(map(str, waves))}")
    return rows[rows["wave"] == wave], int(wave)


def _targets(level: str, framework: Framework) -> pd.DataFrame:
    """``id, label, area_id, area`` of the practices, areas or the index, in rubric order."""
    if level == "practice":
        return framework.practices.rename(columns={"practice_id": "id"})[["id", "label", "area_id", "area"]]
    if level == "area":
        frame = framework.areas.rename(columns={"area_id": "id"})[["id", "area"]]
        return frame.assign(label=frame["area"], area_id=frame["id"])[["id", "label", "area_id", "area"]]
    return pd.DataFrame({"id": ["index"], "label": ["Maturity index"], "area_id": [None], "area": [None]})


def _with_labels(rows: pd.DataFrame, level: str, framework: Framework | None) -> pd.DataFrame:
    """``rows`` (with an ``id`` column) in rubric order with a ``label`` column (the ids without a framework)."""
    if framework is None:
        return rows.assign(label=rows["id"].astype(str)).reset_index(drop=True)
    return _targets(level, framework)[["id", "label"]].merge(rows, on="id", how="left")


def _scale_ticks(ax, framework: Framework, axis: str = "x", sep: str = " ") -> None:
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


def _row_figsize(n_rows: int, width: float = 9.0) -> tuple[float, float]:
    """A figure tall enough for ``n_rows`` rows of labels (inches)."""
    return (width, _FRAME_INCHES + _ROW_INCHES * n_rows)


def _row_axes(ax, n_rows: int, width: float = 9.0):
    """``ax``, or new axes on a figure tall enough for ``n_rows`` rows of labels."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=_row_figsize(n_rows, width), layout="constrained")
    return ax


def _label_rows(ax, labels, positions=None, top=None) -> None:
    """One y tick per row, the first row (or position ``top``) on top."""
    positions = np.arange(len(labels)) if positions is None else positions
    ax.set_yticks(positions, list(labels))
    top = min(positions) if top is None else top
    ax.set_ylim(max(positions) + 0.7, top - 0.7)  # inverted: rubric order reads top to bottom
    ax.tick_params(axis="y", length=0)


def _interval_text(ci: float | None) -> str:
    return f" ({ci * 100:g}% intervals)" if ci else ""


def _title_and_legend(ax, title: str, handles, ncol: int | None = None) -> None:
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
# 1. practice scores


def plot_practice_scores(scores, alliance_id: str, wave: int | None = None, *, ax=None):
    """Point-and-interval chart of one alliance-wave's practice scores, grouped by area.

    One row per practice in rubric order, top to bottom, under its area's name and in its area's colour; the
    point is the score, the bar its bootstrap interval. Practices flagged ``sparse`` or ``low_agreement`` are
    drawn hollow: their score rests on few answers or on respondents who disagree. The dashed line is the
    maturity index, the band around it the index's interval.

    Parameters
    ----------
    scores : Scores
        From :func:`~alliance_research.scoring.score_responses` (groups ``alliance_id`` and ``wave``).
    alliance_id : str
        The alliance to draw.
    wave : int, optional
        The wave; the alliance's latest when None.
    ax : matplotlib Axes, optional
        Where to draw; a new figure sized to the rubric when None.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When the alliance or wave is not in ``scores``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import alliance_research as ar
    >>> from alliance_research.scoring import score_library
    >>> scores = score_library(ar.load_library(), n_boot=100)
    >>> ax = plot_practice_scores(scores, "vale-electrification")
    >>> ax.get_title()
    'vale-electrification, wave 2: practice scores (95% intervals)'
    >>> len(ax.get_yticks()) == len(scores.framework.practices)
    True
    >>> plt.close(ax.figure)
    """
    fw = scores.framework
    rows, wave, index = _practice_inputs(scores, alliance_id, wave)
    layout = _PracticeLayout(fw)
    ax = _row_axes(ax, layout.n_rows)
    _practice_frame(ax, fw, layout)
    handles = _practice_marks(ax, layout, rows, index)
    _title_and_legend(ax, _practice_title(scores, alliance_id, wave), handles)
    return ax


class _PracticeLayout:
    """Where each practice of a rubric goes on a practice-score chart: the same for every alliance."""

    def __init__(self, fw: Framework):
        rows = _targets("practice", fw)
        self.area_ids = list(dict.fromkeys(rows["area_id"]))
        # Rows top to bottom: each area's heading, then its practices.
        rows["y"] = rows.index + rows["area_id"].map({a: i + 1 for i, a in enumerate(self.area_ids)})
        self.rows = rows
        self.heading = rows.groupby("area_id", sort=False)["y"].min() - 1
        self.palette = dict(zip(fw.area_ids, sns.color_palette(AREA_PALETTE, len(fw.area_ids))))
        self.n_rows = len(rows) + len(self.area_ids)
        self.min_score = fw.min_score


def _practice_inputs(scores, alliance_id: str, wave: int | None) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """One alliance-wave's practice rows, the wave (its latest when None) and its maturity row."""
    rows, wave = _pick_wave(scores.practices, alliance_id, wave)
    m = scores.maturity
    return rows, wave, m[(m["alliance_id"] == alliance_id) & (m["wave"] == wave)]


def _practice_title(scores, alliance_id: str, wave: int) -> str:
    ci = scores.settings.get("ci") if scores.settings.get("n_boot", 1) else None
    return f"{alliance_id}, wave {wave}: practice scores{_interval_text(ci)}"


def _practice_frame(ax, fw: Framework, layout: _PracticeLayout) -> None:
    """What every alliance's practice-score chart shares: the rows' labels, the scale, the grid."""
    rows = layout.rows
    _label_rows(ax, rows["label"], rows["y"].to_numpy(), top=0)  # the first heading sits at 0
    _scale_ticks(ax, fw, "x", sep="\n")
    ax.set_xlabel("Score")
    ax.grid(axis="x", color="0.92", zorder=0)
    ax.set_axisbelow(True)


def _practice_marks(ax, layout: _PracticeLayout, scores: pd.DataFrame, index: pd.DataFrame) -> list:
    """One alliance-wave's marks on a practice-score chart (``scores``: its practice rows, ``index``: its maturity
    row); returns the legend's handles."""
    rows = layout.rows.merge(scores.rename(columns={"practice_id": "id"}).drop(columns="area_id"), on="id",
                             how="left")
    doubtful = rows[list(DOUBTFUL)].fillna(False).astype(bool).any(axis=1)
    label_at = blended_transform_factory(ax.transAxes, ax.transData)
    for area_id in layout.area_ids:
        part = rows[rows["area_id"] == area_id]
        colour = layout.palette[area_id]
        ax.hlines(part["y"], part["ci_low"], part["ci_high"], color=colour, linewidth=1.6, zorder=2)
        solid, hollow = part[~doubtful[part.index]], part[doubtful[part.index]]
        ax.scatter(solid["score"], solid["y"], s=42, color=colour, zorder=3)
        ax.scatter(hollow["score"], hollow["y"], s=42, facecolors="none", edgecolors=colour, linewidths=1.6,
                   zorder=3)
        ax.text(0.005, layout.heading[area_id], part["area"].iloc[0], transform=label_at, ha="left", va="center",
                fontweight="bold", color=colour, zorder=4,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1))
        if area_id != layout.area_ids[0]:
            ax.axhline(layout.heading[area_id] - 0.5, color="0.85", linewidth=0.8, zorder=0)
    for _, row in rows[rows["score"].isna()].iterrows():
        ax.text(layout.min_score, row["y"], " not scored", va="center", fontsize="small", color="0.4")

    handles = [Line2D([], [], linestyle="none", marker="o", color="0.3", label="Practice score")]
    if doubtful.any():
        handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="none", markeredgecolor="0.3",
                              label="Sparse or low agreement"))
    if len(index) and pd.notna(index["maturity_index"].iloc[0]):
        value, low, high = index[["maturity_index", "ci_low", "ci_high"]].iloc[0]
        ax.axvline(value, color="0.2", linestyle="--", linewidth=1.2, zorder=1)
        handles.append(Line2D([], [], color="0.2", linestyle="--", label=f"Maturity index {value:.2f}"))
        if pd.notna(low) and pd.notna(high):
            ax.axvspan(low, high, color="0.5", alpha=0.18, linewidth=0, zorder=0)
            handles.append(Patch(color="0.5", alpha=0.18, linewidth=0, label="Index interval"))
    return handles


# ----------------------------------------------------------------------------------------------------------------
# 2. profile against the library


def plot_profile(scores, alliance_id: str, wave: int | None = None, *, kind: str = "radar",
                 level: str = "practice", ax=None, reference: pd.Series | None = None,
                 reference_label: str = "Cluster centre", library: pd.DataFrame | None = None,
                 label: str | None = None):
    """One alliance's profile against the library: its scores, the library median and interquartile band.

    The library is every alliance's latest wave (:meth:`~alliance_research.scoring.Scores.latest`), the alliance
    drawn included; the band runs from the 25th to the 75th percentile of each practice's (or area's) scores.

    Parameters
    ----------
    scores : Scores
        From :func:`~alliance_research.scoring.score_responses` (groups ``alliance_id`` and ``wave``).
    alliance_id : str
        The alliance to draw.
    wave : int, optional
        The alliance's wave; its latest when None.
    kind : {"radar", "line"}
        A radar chart on polar axes, or a line profile with practices along the x axis.
    level : {"practice", "area"}
        Practice scores, or area scores.
    ax : matplotlib Axes, optional
        Where to draw (polar axes for ``kind="radar"``); a new figure when None.
    reference : Series, optional
        Another profile to draw, indexed by practice (or area) id: e.g. the centre of the alliance's cluster,
        ``ClusterResult.centres.loc[cluster]``.
    reference_label : str
        Its legend entry.
    library : DataFrame, optional
        The profiles the band and the median are drawn from (alliances by practice or area ids), e.g.
        ``Scores.latest().profiles()`` of a library that ``scores`` is not part of, such as a workshop room's;
        default: the latest wave of every group in ``scores``.
    label : str, optional
        What to call the profile drawn, in the title and legend (default: ``"<alliance_id>, wave <wave>"``).

    Returns
    -------
    matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When the alliance or wave is not in ``scores``, for an unknown ``kind`` or ``level``, or when ``ax`` is
        not polar for a radar chart.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import alliance_research as ar
    >>> from alliance_research.scoring import score_library
    >>> scores = score_library(ar.load_library(), n_boot=100)
    >>> ax = plot_profile(scores, "vale-electrification", level="area")
    >>> ax.name, len(ax.get_xticks())
    ('polar', 3)
    >>> ax = plot_profile(scores, "vale-electrification", kind="line")
    >>> len(ax.get_xticklabels()) == len(scores.framework.practices)
    True
    >>> plt.close("all")
    """
    _check_choice(kind, ["radar", "line"], "kind", "known")
    _check_choice(level, ["practice", "area"], "level", "known")
    if kind == "radar" and ax is not None and ax.name != "polar":
        raise ValueError("a radar chart needs polar axes: create them with "
                         "plt.subplots(subplot_kw={\"projection\": \"polar\"}), or use kind=\"line\"")
    fw = scores.framework
    targets = _targets(level, fw)
    quartiles = _library_quartiles(scores.latest().profiles(level) if library is None else library, targets)
    own, labels, extra = _profile_of(scores, alliance_id, wave, level, targets, quartiles, reference,
                                     reference_label, label)
    if kind == "radar":
        return _radar(ax, fw, targets, own, *quartiles[:3], labels, extra)
    return _line_profile(ax, fw, targets, own, *quartiles[:3], labels, extra)


def _library_quartiles(library: pd.DataFrame, targets: pd.DataFrame) -> tuple:
    """The 25th, 50th and 75th percentile of each target over the ``library`` profiles, and their count."""
    library = library.reindex(columns=targets["id"].tolist())
    return (*(library.quantile(q).to_numpy() for q in (0.25, 0.5, 0.75)), len(library))


def _profile_of(scores, alliance_id: str, wave: int | None, level: str, targets: pd.DataFrame, library: tuple,
                reference, reference_label: str, label: str | None = None) -> tuple:
    """One alliance-wave's profile (in the order of ``targets``), the chart's labels and the reference profile."""
    frame, column = (scores.practices, "practice_id") if level == "practice" else (scores.areas, "area_id")
    own, wave = _pick_wave(frame, alliance_id, wave)
    own = own.set_index(column)["score"].reindex(targets["id"]).to_numpy()
    what = "practice" if level == "practice" else "area"
    own_label = label if label is not None else f"{alliance_id}, wave {wave}"
    labels = {"title": f"{own_label}: {what} profile against the library",
              "band": f"Library interquartile range ({library[3]} alliances, latest wave)",
              "median": "Library median", "own": own_label, "reference": reference_label}
    extra = None if reference is None else pd.Series(reference).reindex(targets["id"]).to_numpy(dtype=float)
    return own, labels, extra


def _radar(ax, fw, targets, own, q25, median, q75, labels, reference=None):
    if ax is None:
        _, ax = plt.subplots(figsize=_RADAR_INCHES, subplot_kw={"projection": "polar"}, layout="constrained")
    _radar_frame(ax, fw, targets)
    handles = _radar_marks(ax, fw, own, q25, median, q75, labels, reference)
    _title_and_legend(ax, labels["title"], handles, ncol=1)
    return ax


def _radar_frame(ax, fw, targets) -> None:
    """What every radar chart of a rubric shares: a spoke per target, a ring per level."""
    angles = np.linspace(0, 2 * np.pi, len(targets), endpoint=False)
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    spoke_labels = [textwrap.fill(str(t), 18, break_on_hyphens=False) for t in targets["label"]]
    ax.set_xticks(angles, spoke_labels, fontsize="small")
    ax.tick_params(axis="x", pad=14)
    ax.set_ylim(fw.min_score, fw.max_score)
    ax.set_yticks(list(fw.level_names), [""] * len(fw.level_names))  # a ring per level, named below


def _radar_marks(ax, fw, own, q25, median, q75, labels, reference=None) -> list:
    """One profile's lines on a radar frame, with the library's band and median; returns the legend's handles."""
    n = len(own)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)

    def closed(values):  # a radar polygon returns to its first point
        return np.append(values, values[:1])

    theta = closed(angles)
    ax.fill_between(theta, closed(q25), closed(q75), color=_colour("library"), alpha=0.25, linewidth=0,
                    label=labels["band"], zorder=1)
    ax.plot(theta, closed(median), color=_colour("library"), linestyle="--", linewidth=1.4, label=labels["median"],
            zorder=2)
    if reference is not None:
        ax.plot(theta, closed(reference), color="0.2", linestyle=":", linewidth=1.6, label=labels["reference"],
                zorder=2.5)
    ax.plot(theta, closed(own), color=_colour("alliance"), marker="o", markersize=4, linewidth=2,
            label=labels["own"], zorder=3)
    # Level names halfway between two spokes, where the data lines pass furthest from the rings (the centre
    # needs no name); under the lines, should they still cross.
    rings = {score: name for score, name in fw.level_names.items() if score > fw.min_score}
    gap = _quietest_gap(np.vstack([own, median]) - fw.min_score, np.array(list(rings)) - fw.min_score)
    for score, name in rings.items():
        ax.text(angles[gap] + np.pi / n, score, f"{score} {name}", ha="center", va="center", fontsize="x-small",
                color="0.35", zorder=1.5, bbox=dict(facecolor="white", edgecolor="none", alpha=0.7, pad=0.5))
    handles, _ = ax.get_legend_handles_labels()
    return handles


def _quietest_gap(lines: np.ndarray, rings: np.ndarray) -> int:
    """The gap between spokes ``i`` and ``i + 1`` whose midline the radar's lines cross furthest from any ring.

    ``lines`` holds one row of radii (from the centre) per line, ``rings`` the radii of the rings. A straight
    segment from radius ``a`` to ``b`` over an angle ``phi`` crosses the midline at ``2ab cos(phi/2) / (a+b)``.
    """
    a, b = lines, np.roll(lines, -1, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        middle = 2 * a * b * np.cos(np.pi / lines.shape[1]) / (a + b)
    clearance = np.abs(middle[:, :, None] - rings[None, None, :])  # line, gap, ring
    return int(np.argmax(np.nan_to_num(clearance, nan=np.inf).min(axis=(0, 2))))


def _line_profile(ax, fw, targets, own, q25, median, q75, labels, reference=None):
    if ax is None:
        _, ax = plt.subplots(figsize=(max(8.0, 0.5 * len(targets) + 2), 6.5), layout="constrained")
    x = np.arange(len(targets))
    ax.fill_between(x, q25, q75, color=_colour("library"), alpha=0.25, linewidth=0, label=labels["band"])
    ax.plot(x, median, color=_colour("library"), linestyle="--", linewidth=1.4, label=labels["median"])
    if reference is not None:
        ax.plot(x, reference, color="0.2", linestyle=":", linewidth=1.6, label=labels["reference"])
    ax.plot(x, own, color=_colour("alliance"), marker="o", linewidth=2, label=labels["own"])
    ax.set_xticks(x, targets["label"].astype(str).tolist(), rotation=40, ha="right", rotation_mode="anchor")
    ax.set_xlim(-0.5, len(targets) - 0.5)
    _scale_ticks(ax, fw, "y")
    ax.set_ylabel("Score")
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    handles, _ = ax.get_legend_handles_labels()
    _title_and_legend(ax, labels["title"], handles, ncol=3)
    return ax


def _save_png(fig, path, dpi: int = 100) -> str:
    """Write ``fig`` to ``path`` as the report's PNG files are written; returns the file name.

    Cropped to what is drawn, with no version stamp (the same figure gives the same bytes) and light compression
    (PNG encoding is a large share of the time for hundreds of figures).
    """
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    return Path(path).name


class _Stamp:
    """One chart drawn for many alliances quickly, with matplotlib's blitting.

    What every alliance's chart shares (axes, ticks, their labels: most of the text, which is most of the drawing
    time) is rendered once into a background; :meth:`save` draws one alliance's marks, title and legend over a
    copy of it and writes the PNG. The axes' place is fixed by one full layout made with ``reserve`` (the tallest
    title and legend any alliance can have), so every alliance's title and legend fit.
    """

    def __init__(self, ax, reserve, dpi: int):
        self.ax, self.dpi = ax, dpi
        fig = ax.figure
        self.size = tuple(fig.get_size_inches())
        self._base = set(ax.get_children())
        reserve(ax)
        fig.canvas.draw()  # runs the layout engine; then keep that layout
        fig.set_layout_engine("none")
        self._clear(self._added())
        fig.canvas.draw()
        self.background = fig.canvas.copy_from_bbox(fig.bbox)

    def _added(self) -> list:
        return [artist for artist in self.ax.get_children() if artist not in self._base]

    def _clear(self, artists: list) -> None:
        for artist in artists:
            artist.remove()
        self.ax.set_title("")

    def save(self, path, marks) -> str | None:
        """Draw ``marks(ax)`` (an alliance's marks, title and legend) over the background and write ``path``;
        returns its name, or None (nothing written) when the title or legend would run off the figure."""
        from PIL import Image

        ax, canvas = self.ax, self.ax.figure.canvas
        try:
            marks(ax)
            added = self._added()
            if not self._fits([ax.title] + [a for a in added if a is ax.get_legend()]):
                return None
            canvas.restore_region(self.background)
            for artist in sorted(added + [ax.title], key=lambda artist: artist.get_zorder()):
                ax.draw_artist(artist)
            width, height = canvas.get_width_height()
            image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
            image.save(path, format="png", dpi=(self.dpi, self.dpi), compress_level=3)
        finally:  # whatever happened, the next alliance starts from the bare frame
            self._clear(self._added())
        return Path(path).name

    def _fits(self, artists: list) -> bool:
        fig = self.ax.figure
        renderer = fig.canvas.get_renderer()
        for artist in artists:
            box = artist.get_window_extent(renderer)
            if box.x0 < 0 or box.y0 < 0 or box.x1 > fig.bbox.width or box.y1 > fig.bbox.height:
                return False
        return True


class AllianceCharts:
    """Each alliance's practice-score chart and radar profile, drawn fast for a report of many alliances.

    The same marks as :func:`plot_practice_scores` and :func:`plot_profile` (``kind="radar"``), on figures of a
    fixed size laid out once with room for the largest legend (so an alliance with a shorter legend has a little
    space above its title); what all alliances' charts share is rendered once (see ``_Stamp``), which makes each
    chart several times faster to write. A chart whose title would run off that figure (a very long alliance
    id) is drawn in full instead, with the ``plot_`` function and a tight bounding box. Use it to write hundreds
    of PNG files; use the ``plot_`` functions to draw on axes of your own.

    Parameters
    ----------
    scores : Scores
        From :func:`~alliance_research.scoring.score_responses`.
    dpi : int
        Resolution of the PNG files.
    """

    def __init__(self, scores, dpi: int = 100):
        self.scores, self.dpi = scores, dpi
        self.framework = scores.framework
        self._stamps: dict = {}
        self._practices = _PracticeLayout(self.framework)
        self._targets = _targets("practice", self.framework)
        self._library = _library_quartiles(scores.latest().profiles(), self._targets)

    def _axes(self, size: tuple, projection: str | None = None):
        # An Agg figure of its own, outside pyplot: blitting needs Agg, and nothing shows in a notebook.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=size, dpi=self.dpi, layout="constrained")
        FigureCanvasAgg(fig)
        return fig.add_subplot(projection=projection)

    def _stamp(self, kind: str) -> _Stamp:
        if kind not in self._stamps:
            fw = self.framework
            if kind == "scores":
                ax = self._axes(_row_figsize(self._practices.n_rows))
                _practice_frame(ax, fw, self._practices)
                reserve = lambda ax: _title_and_legend(ax, "Title", [  # noqa: E731
                    Line2D([], [], marker="o", label="Practice score"),
                    Line2D([], [], marker="o", label="Sparse or low agreement"),
                    Line2D([], [], label="Maturity index 0.00"), Patch(label="Index interval")])
            else:
                ax = self._axes(_RADAR_INCHES, projection="polar")
                _radar_frame(ax, fw, self._targets)
                reserve = lambda ax: _title_and_legend(  # noqa: E731
                    ax, "Title", [Line2D([], [], label=f"Legend entry {i}") for i in range(4)], ncol=1)
            self._stamps[kind] = _Stamp(ax, reserve, self.dpi)
        return self._stamps[kind]

    def practice_scores(self, alliance_id: str, path, wave: int | None = None) -> str:
        """Write the alliance-wave's practice-score chart (its latest wave when None) to ``path``; returns its name."""
        scores = self.scores
        rows, wave, index = _practice_inputs(scores, alliance_id, wave)

        def marks(ax):
            handles = _practice_marks(ax, self._practices, rows, index)
            _title_and_legend(ax, _practice_title(scores, alliance_id, wave), handles)

        return self._stamp("scores").save(path, marks) or self._in_full(
            plot_practice_scores(scores, alliance_id, wave, ax=self._axes(self._stamp("scores").size)), path)

    def profile(self, alliance_id: str, path, wave: int | None = None, *, reference: pd.Series | None = None,
                reference_label: str = "Cluster centre") -> str:
        """Write the alliance-wave's radar profile against the library (and ``reference``) to ``path``."""
        own, labels, extra = _profile_of(self.scores, alliance_id, wave, "practice", self._targets, self._library,
                                         reference, reference_label)

        def marks(ax):
            handles = _radar_marks(ax, self.framework, own, *self._library[:3], labels, extra)
            _title_and_legend(ax, labels["title"], handles, ncol=1)

        return self._stamp("profile").save(path, marks) or self._in_full(
            plot_profile(self.scores, alliance_id, wave, reference=reference, reference_label=reference_label,
                         ax=self._axes(self._stamp("profile").size, projection="polar")), path)

    def _in_full(self, ax, path) -> str:
        return _save_png(ax.figure, path, dpi=self.dpi)

    def close(self) -> None:
        """Let the figures go."""
        self._stamps.clear()


# ----------------------------------------------------------------------------------------------------------------
# 3. perception gaps


def plot_perception_gaps(gaps: pd.DataFrame, alliance_id: str, wave: int | None = None, *,
                         comparison: str = "partners", level: str = "practice", ax=None,
                         framework: Framework | None = None):
    """Dumbbell chart of the client's and the partners' scores of one alliance-wave.

    One row per target: the client's score and the partners' joined by a line. Flagged gaps (large enough and
    with enough respondents on both sides, see :func:`~alliance_research.gaps.perception_gaps`) are drawn in a
    strong colour with the gap (partners minus client) written beside them.

    Parameters
    ----------
    gaps : DataFrame
        From :func:`~alliance_research.gaps.perception_gaps`.
    alliance_id : str
        The alliance to draw.
    wave : int, optional
        The wave; the alliance's latest when None.
    comparison : str
        The ``comparison`` to draw: ``"partners"``, or an organisation type for ``by="organisation_type"``.
    level : {"practice", "area", "index"}
        Which targets to draw.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    framework : Framework, optional
        Gives the practice labels and area names (and the scale of the x axis); ids are shown without it.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When the alliance, wave, comparison or level is not in ``gaps``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import alliance_research as ar
    >>> from alliance_research.gaps import perception_gaps
    >>> lib = ar.load_library()
    >>> gaps = perception_gaps(lib.responses, lib.framework, n_boot=100)
    >>> ax = plot_perception_gaps(gaps, "kestrel-highways", level="area", framework=lib.framework)
    >>> [t.get_text() for t in ax.get_yticklabels()] == lib.framework.areas["area"].tolist()
    True
    >>> plt.close(ax.figure)
    """
    rows = _alliance_rows(gaps, alliance_id)
    _check_choice(comparison, rows["comparison"], "comparison")
    rows, wave = _pick_wave(rows[rows["comparison"] == comparison], alliance_id, wave)
    _check_choice(level, [lv for lv in LEVELS if lv in set(rows["level"])], "level")
    rows = _with_labels(rows[rows["level"] == level], level, framework)
    flagged = rows["flagged"].fillna(False).astype(bool).to_numpy()
    y = np.arange(len(rows))

    ax = _row_axes(ax, len(rows))
    client, partner, strong = _colour("client"), _colour("partner"), _colour("flagged")
    ax.hlines(y[~flagged], rows["client_score"][~flagged], rows["partner_score"][~flagged], color="0.7",
              linewidth=2, zorder=1)
    ax.hlines(y[flagged], rows["client_score"][flagged], rows["partner_score"][flagged], color=strong,
              linewidth=3.5, zorder=1)
    # the client's dot a little larger, so that it still shows round a partner diamond on the same score
    ax.scatter(rows["client_score"], y, s=70, color=client, zorder=3)
    ax.scatter(rows["partner_score"], y, s=36, color=partner, marker="D", zorder=4)
    for yi, row in zip(y[flagged], rows[flagged].itertuples()):
        right = np.nanmax([row.client_score, row.partner_score])
        ax.annotate(f"{row.gap:+.1f}", (right, yi), xytext=(8, 0), textcoords="offset points", va="center",
                    color=strong, fontweight="bold", fontsize="small")

    _label_rows(ax, rows["label"])
    if framework is not None:
        _scale_ticks(ax, framework, "x", sep="\n")
    ax.set_xlabel("Score")
    ax.grid(axis="x", color="0.92")
    ax.set_axisbelow(True)
    side = comparison.capitalize()
    handles = [Line2D([], [], linestyle="none", marker="o", color=client, label="Client"),
               Line2D([], [], linestyle="none", marker="D", color=partner, label=side),
               Line2D([], [], color=strong, linewidth=3.5, label=f"Flagged gap ({side} \u2212 client)")]
    _title_and_legend(ax, f"{alliance_id}, wave {wave}: client and {comparison.lower()} {level} scores", handles)
    return ax


# ----------------------------------------------------------------------------------------------------------------
# 4. wave changes


def plot_wave_changes(changes: pd.DataFrame, alliance_id: str, *, level: str = "practice", ax=None,
                      framework: Framework | None = None):
    """Change in each score between two waves of one alliance, with bootstrap intervals.

    One row per target: the change (later wave minus earlier) and its interval. Changes whose interval
    excludes zero are drawn in colour (one colour for a rise, one for a fall); the rest in grey. When the
    alliance has several pairs of waves the latest pair is drawn.

    Parameters
    ----------
    changes : DataFrame
        From :func:`~alliance_research.trends.wave_changes`.
    alliance_id : str
        The alliance to draw.
    level : {"practice", "area", "index"}
        Which targets to draw.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    framework : Framework, optional
        Gives the practice labels and area names; ids are shown without it.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        When the alliance (which needs two waves) or level is not in ``changes``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import alliance_research as ar
    >>> from alliance_research.trends import wave_changes
    >>> lib = ar.load_library()
    >>> changes = wave_changes(lib.responses, lib.framework, n_boot=100)
    >>> ax = plot_wave_changes(changes, "vale-electrification", level="area")
    >>> ax.get_title()
    'vale-electrification: change in area scores from wave 1 to wave 2'
    >>> plt.close(ax.figure)
    """
    rows = _alliance_rows(changes, alliance_id)
    pair = rows[["wave_to", "wave_from"]].drop_duplicates().sort_values(["wave_to", "wave_from"]).iloc[-1]
    rows = rows[(rows["wave_from"] == pair["wave_from"]) & (rows["wave_to"] == pair["wave_to"])]
    _check_choice(level, [lv for lv in LEVELS if lv in set(rows["level"])], "level")
    rows = _with_labels(rows[rows["level"] == level], level, framework)
    clear = rows["ci_excludes_zero"].fillna(False).astype(bool).to_numpy()
    colour = np.where(rows["change"] > 0, "up", "down")
    y = np.arange(len(rows))

    ax = _row_axes(ax, len(rows))
    colours = [_colour(c) if k else "0.6" for c, k in zip(colour, clear)]
    ax.axvline(0, color="0.3", linewidth=1, zorder=1)
    ax.hlines(y, rows["ci_low"], rows["ci_high"], colors=colours, linewidth=1.6, zorder=2)
    ax.scatter(rows["change"], y, s=42, color=colours, zorder=3)

    _label_rows(ax, rows["label"])
    reach = np.nanmax(np.abs(rows[["change", "ci_low", "ci_high"]].to_numpy(dtype=float)), initial=0.5)
    ax.set_xlim(-1.08 * reach, 1.08 * reach)  # symmetric: no change sits in the middle
    first, last = int(pair["wave_from"]), int(pair["wave_to"])
    ax.set_xlabel(f"Change in score, wave {last} \u2212 wave {first}")
    ax.grid(axis="x", color="0.92")
    ax.set_axisbelow(True)
    handles = [Line2D([], [], linestyle="none", marker="o", color=_colour("up"), label="Rise, interval excludes 0"),
               Line2D([], [], linestyle="none", marker="o", color=_colour("down"), label="Fall, interval excludes 0"),
               Line2D([], [], linestyle="none", marker="o", color="0.6", label="Interval includes 0")]
    _title_and_legend(ax, f"{alliance_id}: change in {level} scores from wave {first} to wave {last}", handles)
    return ax


# ----------------------------------------------------------------------------------------------------------------
# 5. clusters: shared helpers
#
# The cluster charts take the alliances-by-practices ``profiles`` that were clustered and the
# :class:`~alliance_research.clustering.ClusterResult`; every one colours a cluster the same way
# (:func:`_cluster_colours`), so a reader can follow a cluster from the map to the profiles and the KPIs.

#: Colours of clusters 0, 1, 2, ... (in that order; 0 is the least mature cluster).
CLUSTER_PALETTE = "colorblind"
_METHOD_NAMES = {"ward": "Ward", "kmeans": "k-means", "gmm": "latent profiles"}
# Cluster names are sentences ("Developing: high on ...; low on ..."): wrapped to this many characters in legends.
_NAME_WIDTH = 44
# Marker areas (points squared) of an alliance and of a cluster centre on the cluster map.
_POINT_SIZE, _CENTRE_SIZE = 55, 260
#: Beyond this many alliances the cluster map names no points and the heatmap writes no values in its cells:
#: hundreds of labels are unreadable, and placing them clear of each other takes most of the report's time.
LABEL_LIMIT = 40


def _cluster_colours(clusters) -> dict:
    """Cluster number -> colour: cluster ``c`` always takes place ``c`` of ``CLUSTER_PALETTE``, in every chart."""
    palette = sns.color_palette(CLUSTER_PALETTE)
    return {int(c): palette[int(c) % len(palette)] for c in clusters}


def _cluster_label(cluster: int, names, n: int | None = None) -> str:
    """``"0 · <name> (n = 4)"``, the name wrapped; just the number without a name."""
    name = names.get(cluster) if names is not None else None
    text = f"{cluster} \u00b7 {name}" if name is not None and name == name else f"Cluster {cluster}"
    if n is not None:
        text += f" (n = {n})"
    return textwrap.fill(text, _NAME_WIDTH, break_on_hyphens=False)


def _cluster_handles(clusters, names, counts=None, kind: str = "marker") -> list:
    colours = _cluster_colours(clusters)
    handles = []
    for c in clusters:
        label = _cluster_label(int(c), names, None if counts is None else int(counts.get(c, 0)))
        if kind == "patch":
            handles.append(Patch(facecolor=colours[int(c)], edgecolor="0.25", linewidth=0.6, label=label))
        elif kind == "line":
            handles.append(Line2D([], [], color=colours[int(c)], marker="o", linewidth=2, label=label))
        else:
            handles.append(Line2D([], [], linestyle="none", marker="o", markersize=8, color=colours[int(c)],
                                  markeredgecolor="white", label=label))
    return handles


def _row_names(index: pd.Index) -> list[str]:
    """A readable name per row: the alliance id (first index level), or every level when ids repeat."""
    if not isinstance(index, pd.MultiIndex):
        return [str(i) for i in index]
    ids = index.get_level_values(0)
    if ids.is_unique:
        return [str(i) for i in ids]
    return [", ".join(map(str, row)) for row in index]


def _check_clustered(profiles: pd.DataFrame, result) -> pd.Series:
    """``result.labels`` in the order of ``profiles``' rows (``ValueError`` when they are not the same rows)."""
    if not isinstance(profiles, pd.DataFrame) or profiles.shape[1] == 0:
        raise ValueError("profiles must be a DataFrame of alliances (rows) by practice scores (columns), "
                         "the one that was clustered")
    labels = result.labels
    missing = profiles.index.difference(labels.index)
    extra = labels.index.difference(profiles.index)
    if len(missing) or len(extra) or len(profiles) != len(labels):
        which = (f"{_row_names(missing)[0]!r} is in profiles but not in result.labels" if len(missing) else
                 f"{_row_names(extra)[0]!r} is in result.labels but not in profiles" if len(extra) else
                 "their rows differ")
        raise ValueError(f"profiles and result must hold the same alliances (the profiles that were clustered): "
                         f"{which}")
    return labels.reindex(profiles.index).astype(int)


def _filled(profiles: pd.DataFrame) -> pd.DataFrame:
    """Missing scores replaced by the practice's mean, as :func:`~alliance_research.clustering.cluster_profiles`
    does before it clusters."""
    filled = profiles.astype(float)
    return filled.fillna(filled.mean()).fillna(filled.stack().mean())


def _practice_labels(columns, framework: Framework | None) -> list[str]:
    if framework is None:
        return [str(c) for c in columns]
    label = dict(zip(framework.practices["practice_id"], framework.practices["label"]))
    return [str(label.get(c, c)) for c in columns]


def _method_text(result) -> str:
    return f"{_METHOD_NAMES.get(result.method, result.method)}, k = {result.k}"


# ----------------------------------------------------------------------------------------------------------------
# 6. cluster map


def plot_cluster_map(profiles: pd.DataFrame, result, *, ax=None, annotate: bool | None = None):
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

    labels = _check_clustered(profiles, result)
    if min(profiles.shape) < 2:
        raise ValueError(f"a map on two principal components needs at least two alliances and two practices; "
                         f"profiles has {profiles.shape[0]} and {profiles.shape[1]}")
    filled = _filled(profiles)
    pca = PCA(n_components=2).fit(filled.to_numpy())
    xy = pca.transform(filled.to_numpy())
    clusters = sorted(int(c) for c in labels.unique())
    centres = result.centres.reindex(columns=profiles.columns).loc[clusters]
    centre_xy = pca.transform(_filled(centres).to_numpy()) if len(centres) else np.empty((0, 2))
    colours = _cluster_colours(clusters)

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 8.5), layout="constrained")
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
    handles = _cluster_handles(clusters, result.names, counts)
    handles.append(Line2D([], [], linestyle="none", marker="X", markersize=11, color="0.6",
                          markeredgecolor="0.15", label="Cluster centre"))
    _title_and_legend(ax, f"Alliances on their first two principal components, by cluster ({_method_text(result)})",
                      handles)
    if annotate is None:
        annotate = len(profiles) <= LABEL_LIMIT
    if annotate:  # last: the labels are placed where they are clear of each other in the final layout
        _annotate_points(ax, xy, _row_names(profiles.index), centre_xy)
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


def plot_dendrogram(result, *, ax=None, labels=None):
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
                         f"{_METHOD_NAMES.get(result.method, result.method)} (method={result.method!r}), which "
                         f"makes no merge tree: cluster again with cluster_profiles(..., method=\"ward\")")
    tree = np.asarray(result.linkage, dtype=float)
    clusters = result.labels.astype(int).to_numpy()
    n = len(clusters)
    ids = _row_names(result.labels.index)
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
    colours = _cluster_colours(sorted(set(clusters.tolist())))
    hexes = {c: matplotlib_colors.to_hex(colour) for c, colour in colours.items()}
    below = list(clusters) + [None] * (n - 1)
    for i, (a, b) in enumerate(tree[:, :2].astype(int)):
        below[n + i] = below[a] if below[a] == below[b] else None
    above = matplotlib_colors.to_hex("0.55")

    ax = _row_axes(ax, n, width=9.0)
    tree_drawn = dendrogram(tree, labels=names, orientation="right", ax=ax, leaf_font_size=9,
                            link_color_func=lambda node: hexes[below[node]] if below[node] is not None else above)
    for tick, leaf in zip(ax.get_yticklabels(), tree_drawn["leaves"]):
        tick.set_color(colours[clusters[leaf]])
        tick.set_fontweight("bold")

    k = int(result.k)
    heights = np.sort(tree[:, 2])
    cut = (heights[n - 1 - k] + heights[n - k]) / 2 if 2 <= k < n else None
    handles = _cluster_handles(sorted(colours), result.names,
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
    _title_and_legend(ax, f"Ward's merge tree of {n} alliances, cut into {k} clusters", handles, ncol=2)
    return ax


# ----------------------------------------------------------------------------------------------------------------
# 8. cluster profiles


def plot_cluster_profiles(profiles: pd.DataFrame, result, *, ax=None, framework: Framework | None = None,
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

    labels = _check_clustered(profiles, result)
    scores = profiles.astype(float)
    clusters = sorted(int(c) for c in labels.unique())
    colours = _cluster_colours(clusters)
    x = np.arange(profiles.shape[1])
    width = min(0.5, 0.12 * len(clusters))  # the sideways spread of the lines at one practice
    shifts = np.linspace(-width / 2, width / 2, len(clusters)) if len(clusters) > 1 else np.zeros(1)

    if ax is None:
        _, ax = plt.subplots(figsize=(max(8.0, 0.55 * len(x) + 2), 8), layout="constrained")
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

    ax.set_xticks(x, _practice_labels(profiles.columns, framework), rotation=40, ha="right",
                  rotation_mode="anchor")
    ax.set_xlim(-0.6, len(x) - 0.4)
    if framework is not None:
        _scale_ticks(ax, framework, "y")
    ax.set_ylabel("Mean score")
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    handles = _cluster_handles(clusters, result.names, labels.value_counts(), kind="line")
    handles.append(Line2D([], [], color="0.4", linewidth=1.4, label=f"{ci * 100:g}% interval of the mean"))
    _title_and_legend(ax, f"Practice profiles of the clusters ({_method_text(result)})", handles, ncol=2)
    return ax


# ----------------------------------------------------------------------------------------------------------------
# 9. cluster heatmap


def plot_cluster_heatmap(profiles: pd.DataFrame, result, *, ax=None, framework: Framework | None = None,
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
    labels = _check_clustered(profiles, result)
    scores = profiles.astype(float)
    order = pd.DataFrame({"cluster": labels.to_numpy(), "mean": scores.mean(axis=1).to_numpy(),
                          "name": _row_names(profiles.index)})
    order = order.sort_values(["cluster", "mean", "name"], kind="mergesort")
    table = scores.iloc[order.index.to_numpy()]
    rows_cluster = order["cluster"].to_numpy()
    low, high = (framework.min_score, framework.max_score) if framework is not None else (0, 4)
    n_rows, n_cols = table.shape

    values = n_rows <= LABEL_LIMIT if annotate is None else bool(annotate)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.42 * n_cols + 5.5, (0.34 if values else 0.15) * n_rows + 3.6),
                             layout="constrained")
    sns.heatmap(table.to_numpy(), ax=ax, vmin=low, vmax=high, cmap="YlGnBu", annot=values, fmt=".1f",
                annot_kws={"fontsize": 7}, linewidths=0.5 if values else 0.2, linecolor="white", cbar=False,
                xticklabels=_practice_labels(table.columns, framework), yticklabels=order["name"].tolist())
    mesh = ax.collections[0]
    bar = ax.figure.colorbar(mesh, ax=ax, pad=0.02, fraction=0.04, aspect=30)
    if framework is not None:
        bar.set_ticks(list(framework.level_names), labels=[f"{s} {name}" for s, name in
                                                            framework.level_names.items()])
    bar.set_label("Score")
    bar.outline.set_visible(False)

    # separators between clusters, and each cluster's number in a strip of its colour right of its rows
    colours = _cluster_colours(sorted(set(rows_cluster.tolist())))
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
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.tick_params(axis="y", rotation=0, length=0)
    if not values:
        ax.tick_params(axis="y", labelsize=6)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(f"Practice scores of {n_rows} alliances, grouped by cluster ({_method_text(result)})", pad=16)
    return ax


# ----------------------------------------------------------------------------------------------------------------
# 10. KPIs by cluster


def plot_kpi_by_cluster(values: pd.DataFrame, labels: pd.Series, kpi: str, *, names: pd.Series | None = None,
                        ax=None, kpis: pd.DataFrame | None = None):
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
    _check_choice(kpi, sorted(values["kpi"].dropna().unique()), "KPI")
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
    colours = _cluster_colours(clusters)
    label, unit, better = _kpi_meta(kpi, values, kpis)

    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.5, 1.6 * len(clusters) + 2.5), 6.5), layout="constrained")
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
        _title_and_legend(ax, title, _cluster_handles(clusters, names, kind="patch"), ncol=2)
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
