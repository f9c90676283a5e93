"""Charts of one alliance: its practice scores, its profile against the library, its client-versus-partner gaps and
its changes between waves; and :class:`AllianceCharts`, which draws the first two for every alliance of a report
fast (matplotlib's blitting on a figure of its own).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from ..framework import Framework
from .style import (AREA_PALETTE, DOUBTFUL, LEVELS, alliance_rows, check_choice, interval_text, label_rows,
                    level_targets, new_axes, pick_wave, role_colour, row_axes, row_figsize, save_png, scale_ticks,
                    title_and_legend, with_labels)

__all__ = ["plot_practice_scores", "plot_profile", "plot_perception_gaps", "plot_wave_changes", "AllianceCharts"]

# Size of a radar chart's figure (inches).
_RADAR_INCHES = (9, 9.5)


# 1. practice scores


def plot_practice_scores(scores, alliance_id: str, wave: int | None = None, *, ax=None, pyplot: bool = True):
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
    ax = row_axes(ax, layout.n_rows, pyplot=pyplot)
    _practice_frame(ax, fw, layout)
    handles = _practice_marks(ax, layout, rows, index)
    title_and_legend(ax, _practice_title(scores, alliance_id, wave), handles)
    return ax


class _PracticeLayout:
    """Where each practice of a rubric goes on a practice-score chart: the same for every alliance."""

    def __init__(self, fw: Framework):
        rows = level_targets("practice", fw)
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
    rows, wave = pick_wave(scores.practices, alliance_id, wave)
    m = scores.maturity
    return rows, wave, m[(m["alliance_id"] == alliance_id) & (m["wave"] == wave)]


def _practice_title(scores, alliance_id: str, wave: int) -> str:
    ci = scores.settings.get("ci") if scores.settings.get("n_boot", 1) else None
    return f"{alliance_id}, wave {wave}: practice scores{interval_text(ci)}"


def _practice_frame(ax, fw: Framework, layout: _PracticeLayout) -> None:
    """What every alliance's practice-score chart shares: the rows' labels, the scale, the grid."""
    rows = layout.rows
    label_rows(ax, rows["label"], rows["y"].to_numpy(), top=0)  # the first heading sits at 0
    scale_ticks(ax, fw, "x", sep="\n")
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
                 level: str = "practice", ax=None, pyplot: bool = True, reference: pd.Series | None = None,
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
    check_choice(kind, ["radar", "line"], "kind", "known")
    check_choice(level, ["practice", "area"], "level", "known")
    if kind == "radar" and ax is not None and ax.name != "polar":
        raise ValueError("a radar chart needs polar axes: create them with "
                         "plt.subplots(subplot_kw={\"projection\": \"polar\"}), or use kind=\"line\"")
    fw = scores.framework
    targets = level_targets(level, fw)
    quartiles = _library_quartiles(scores.latest().profiles(level) if library is None else library, targets)
    own, labels, extra = _profile_of(scores, alliance_id, wave, level, targets, quartiles, reference,
                                     reference_label, label)
    if kind == "radar":
        return _radar(ax, fw, targets, own, *quartiles[:3], labels, extra, pyplot=pyplot)
    return _line_profile(ax, fw, targets, own, *quartiles[:3], labels, extra, pyplot=pyplot)


def _library_quartiles(library: pd.DataFrame, targets: pd.DataFrame) -> tuple:
    """The 25th, 50th and 75th percentile of each target over the ``library`` profiles, and their count."""
    library = library.reindex(columns=targets["id"].tolist())
    return (*(library.quantile(q).to_numpy() for q in (0.25, 0.5, 0.75)), len(library))


def _profile_of(scores, alliance_id: str, wave: int | None, level: str, targets: pd.DataFrame, library: tuple,
                reference, reference_label: str, label: str | None = None) -> tuple:
    """One alliance-wave's profile (in the order of ``targets``), the chart's labels and the reference profile."""
    frame, column = (scores.practices, "practice_id") if level == "practice" else (scores.areas, "area_id")
    own, wave = pick_wave(frame, alliance_id, wave)
    own = own.set_index(column)["score"].reindex(targets["id"]).to_numpy()
    what = "practice" if level == "practice" else "area"
    own_label = label if label is not None else f"{alliance_id}, wave {wave}"
    labels = {"title": f"{own_label}: {what} profile against the library",
              "band": f"Library interquartile range ({library[3]} alliances, latest wave)",
              "median": "Library median", "own": own_label, "reference": reference_label}
    extra = None if reference is None else pd.Series(reference).reindex(targets["id"]).to_numpy(dtype=float)
    return own, labels, extra


def _radar(ax, fw, targets, own, q25, median, q75, labels, reference=None, *, pyplot: bool = True):
    if ax is None:
        ax = new_axes(_RADAR_INCHES, polar=True, pyplot=pyplot)
    _radar_frame(ax, fw, targets)
    handles = _radar_marks(ax, fw, own, q25, median, q75, labels, reference)
    title_and_legend(ax, labels["title"], handles, ncol=1)
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
    ax.fill_between(theta, closed(q25), closed(q75), color=role_colour("library"), alpha=0.25, linewidth=0,
                    label=labels["band"], zorder=1)
    ax.plot(theta, closed(median), color=role_colour("library"), linestyle="--", linewidth=1.4, label=labels["median"],
            zorder=2)
    if reference is not None:
        ax.plot(theta, closed(reference), color="0.2", linestyle=":", linewidth=1.6, label=labels["reference"],
                zorder=2.5)
    ax.plot(theta, closed(own), color=role_colour("alliance"), marker="o", markersize=4, linewidth=2,
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


def _line_profile(ax, fw, targets, own, q25, median, q75, labels, reference=None, *, pyplot: bool = True):
    if ax is None:
        ax = new_axes((max(8.0, 0.5 * len(targets) + 2), 6.5), pyplot=pyplot)
    x = np.arange(len(targets))
    ax.fill_between(x, q25, q75, color=role_colour("library"), alpha=0.25, linewidth=0, label=labels["band"])
    ax.plot(x, median, color=role_colour("library"), linestyle="--", linewidth=1.4, label=labels["median"])
    if reference is not None:
        ax.plot(x, reference, color="0.2", linestyle=":", linewidth=1.6, label=labels["reference"])
    ax.plot(x, own, color=role_colour("alliance"), marker="o", linewidth=2, label=labels["own"])
    ax.set_xticks(x, targets["label"].astype(str).tolist(), rotation=40, ha="right", rotation_mode="anchor")
    ax.set_xlim(-0.5, len(targets) - 0.5)
    scale_ticks(ax, fw, "y")
    ax.set_ylabel("Score")
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    handles, _ = ax.get_legend_handles_labels()
    title_and_legend(ax, labels["title"], handles, ncol=3)
    return ax


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
        self._targets = level_targets("practice", self.framework)
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
                ax = self._axes(row_figsize(self._practices.n_rows))
                _practice_frame(ax, fw, self._practices)
                reserve = lambda ax: title_and_legend(ax, "Title", [  # noqa: E731
                    Line2D([], [], marker="o", label="Practice score"),
                    Line2D([], [], marker="o", label="Sparse or low agreement"),
                    Line2D([], [], label="Maturity index 0.00"), Patch(label="Index interval")])
            else:
                ax = self._axes(_RADAR_INCHES, projection="polar")
                _radar_frame(ax, fw, self._targets)
                reserve = lambda ax: title_and_legend(  # noqa: E731
                    ax, "Title", [Line2D([], [], label=f"Legend entry {i}") for i in range(4)], ncol=1)
            self._stamps[kind] = _Stamp(ax, reserve, self.dpi)
        return self._stamps[kind]

    def practice_scores(self, alliance_id: str, path, wave: int | None = None) -> str:
        """Write the alliance-wave's practice-score chart (its latest wave when None) to ``path``; returns its name."""
        scores = self.scores
        rows, wave, index = _practice_inputs(scores, alliance_id, wave)

        def marks(ax):
            handles = _practice_marks(ax, self._practices, rows, index)
            title_and_legend(ax, _practice_title(scores, alliance_id, wave), handles)

        return self._stamp("scores").save(path, marks) or self._in_full(
            plot_practice_scores(scores, alliance_id, wave, ax=self._axes(self._stamp("scores").size)), path)

    def profile(self, alliance_id: str, path, wave: int | None = None, *, reference: pd.Series | None = None,
                reference_label: str = "Cluster centre") -> str:
        """Write the alliance-wave's radar profile against the library (and ``reference``) to ``path``."""
        own, labels, extra = _profile_of(self.scores, alliance_id, wave, "practice", self._targets, self._library,
                                         reference, reference_label)

        def marks(ax):
            handles = _radar_marks(ax, self.framework, own, *self._library[:3], labels, extra)
            title_and_legend(ax, labels["title"], handles, ncol=1)

        return self._stamp("profile").save(path, marks) or self._in_full(
            plot_profile(self.scores, alliance_id, wave, reference=reference, reference_label=reference_label,
                         ax=self._axes(self._stamp("profile").size, projection="polar")), path)

    def _in_full(self, ax, path) -> str:
        return save_png(ax.figure, path, dpi=self.dpi)

    def close(self) -> None:
        """Let the figures go."""
        self._stamps.clear()


# ----------------------------------------------------------------------------------------------------------------
# 3. perception gaps


def plot_perception_gaps(gaps: pd.DataFrame, alliance_id: str, wave: int | None = None, *,
                         comparison: str = "partners", level: str = "practice", ax=None, pyplot: bool = True,
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
    rows = alliance_rows(gaps, alliance_id)
    check_choice(comparison, rows["comparison"], "comparison")
    rows, wave = pick_wave(rows[rows["comparison"] == comparison], alliance_id, wave)
    check_choice(level, [lv for lv in LEVELS if lv in set(rows["level"])], "level")
    rows = with_labels(rows[rows["level"] == level], level, framework)
    flagged = rows["flagged"].fillna(False).astype(bool).to_numpy()
    y = np.arange(len(rows))

    ax = row_axes(ax, len(rows), pyplot=pyplot)
    client, partner, strong = role_colour("client"), role_colour("partner"), role_colour("flagged")
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

    label_rows(ax, rows["label"])
    if framework is not None:
        scale_ticks(ax, framework, "x", sep="\n")
    ax.set_xlabel("Score")
    ax.grid(axis="x", color="0.92")
    ax.set_axisbelow(True)
    side = comparison.capitalize()
    handles = [Line2D([], [], linestyle="none", marker="o", color=client, label="Client"),
               Line2D([], [], linestyle="none", marker="D", color=partner, label=side),
               Line2D([], [], color=strong, linewidth=3.5, label=f"Flagged gap ({side} \u2212 client)")]
    title_and_legend(ax, f"{alliance_id}, wave {wave}: client and {comparison.lower()} {level} scores", handles)
    return ax


# ----------------------------------------------------------------------------------------------------------------
# 4. wave changes


def plot_wave_changes(changes: pd.DataFrame, alliance_id: str, *, level: str = "practice", ax=None, pyplot: bool = True,
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
    rows = alliance_rows(changes, alliance_id)
    pair = rows[["wave_to", "wave_from"]].drop_duplicates().sort_values(["wave_to", "wave_from"]).iloc[-1]
    rows = rows[(rows["wave_from"] == pair["wave_from"]) & (rows["wave_to"] == pair["wave_to"])]
    check_choice(level, [lv for lv in LEVELS if lv in set(rows["level"])], "level")
    rows = with_labels(rows[rows["level"] == level], level, framework)
    clear = rows["ci_excludes_zero"].fillna(False).astype(bool).to_numpy()
    colour = np.where(rows["change"] > 0, "up", "down")
    y = np.arange(len(rows))

    ax = row_axes(ax, len(rows), pyplot=pyplot)
    colours = [role_colour(c) if k else "0.6" for c, k in zip(colour, clear)]
    ax.axvline(0, color="0.3", linewidth=1, zorder=1)
    ax.hlines(y, rows["ci_low"], rows["ci_high"], colors=colours, linewidth=1.6, zorder=2)
    ax.scatter(rows["change"], y, s=42, color=colours, zorder=3)

    label_rows(ax, rows["label"])
    reach = np.nanmax(np.abs(rows[["change", "ci_low", "ci_high"]].to_numpy(dtype=float)), initial=0.5)
    ax.set_xlim(-1.08 * reach, 1.08 * reach)  # symmetric: no change sits in the middle
    first, last = int(pair["wave_from"]), int(pair["wave_to"])
    ax.set_xlabel(f"Change in score, wave {last} \u2212 wave {first}")
    ax.grid(axis="x", color="0.92")
    ax.set_axisbelow(True)
    handles = [Line2D([], [], linestyle="none", marker="o", color=role_colour("up"), label="Rise, interval excludes 0"),
               Line2D([], [], linestyle="none", marker="o", color=role_colour("down"), label="Fall, interval excludes 0"),
               Line2D([], [], linestyle="none", marker="o", color="0.6", label="Interval includes 0")]
    title_and_legend(ax, f"{alliance_id}: change in {level} scores from wave {first} to wave {last}", handles)
    return ax
