"""Charts of maturity scores, profiles, perception gaps and wave changes.

Every function takes the tidy tables the package makes (:class:`~alliance_research.scoring.Scores`,
:func:`~alliance_research.gaps.perception_gaps`, :func:`~alliance_research.trends.wave_changes`), draws one chart
on ``ax`` (a new figure sized to the chart when ``ax`` is None) and returns the axes. Nothing is shown: save or
display the figure yourself (``ax.figure.savefig(...)``).

Practice labels, area names and level names all come from the framework, so a chart of another rubric needs no
code change.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory, offset_copy

from ._text import did_you_mean
from .framework import Framework

__all__ = ["plot_practice_scores", "plot_profile", "plot_perception_gaps", "plot_wave_changes"]

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


def _row_axes(ax, n_rows: int, width: float = 9.0):
    """``ax``, or new axes on a figure tall enough for ``n_rows`` rows of labels."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=(width, _FRAME_INCHES + _ROW_INCHES * n_rows), layout="constrained")
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
    rows, wave = _pick_wave(scores.practices, alliance_id, wave)
    rows = _targets("practice", fw).merge(rows.rename(columns={"practice_id": "id"}).drop(columns="area_id"),
                                          on="id", how="left")
    index = scores.maturity[(scores.maturity["alliance_id"] == alliance_id) & (scores.maturity["wave"] == wave)]

    # Rows top to bottom: each area's heading, then its practices.
    area_ids = list(dict.fromkeys(rows["area_id"]))
    rows["y"] = rows.index + rows["area_id"].map({a: i + 1 for i, a in enumerate(area_ids)})
    heading = rows.groupby("area_id", sort=False)["y"].min() - 1
    palette = dict(zip(fw.area_ids, sns.color_palette(AREA_PALETTE, len(fw.area_ids))))

    ax = _row_axes(ax, len(rows) + len(area_ids))
    doubtful = rows[list(DOUBTFUL)].fillna(False).astype(bool).any(axis=1)
    label_at = blended_transform_factory(ax.transAxes, ax.transData)
    for area_id in area_ids:
        part = rows[rows["area_id"] == area_id]
        colour = palette[area_id]
        ax.hlines(part["y"], part["ci_low"], part["ci_high"], color=colour, linewidth=1.6, zorder=2)
        solid, hollow = part[~doubtful[part.index]], part[doubtful[part.index]]
        ax.scatter(solid["score"], solid["y"], s=42, color=colour, zorder=3)
        ax.scatter(hollow["score"], hollow["y"], s=42, facecolors="none", edgecolors=colour, linewidths=1.6,
                   zorder=3)
        ax.text(0.005, heading[area_id], part["area"].iloc[0], transform=label_at, ha="left", va="center",
                fontweight="bold", color=colour, zorder=4,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1))
        if area_id != area_ids[0]:
            ax.axhline(heading[area_id] - 0.5, color="0.85", linewidth=0.8, zorder=0)
    for _, row in rows[rows["score"].isna()].iterrows():
        ax.text(fw.min_score, row["y"], " not scored", va="center", fontsize="small", color="0.4")

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

    _label_rows(ax, rows["label"], rows["y"].to_numpy(), top=0)  # the first heading sits at 0
    _scale_ticks(ax, fw, "x", sep="\n")
    ax.set_xlabel("Score")
    ax.grid(axis="x", color="0.92", zorder=0)
    ax.set_axisbelow(True)
    ci = scores.settings.get("ci") if scores.settings.get("n_boot", 1) else None
    _title_and_legend(ax, f"{alliance_id}, wave {wave}: practice scores{_interval_text(ci)}", handles)
    return ax


# ----------------------------------------------------------------------------------------------------------------
# 2. profile against the library


def plot_profile(scores, alliance_id: str, wave: int | None = None, *, kind: str = "radar",
                 level: str = "practice", ax=None):
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
    frame, column = (scores.practices, "practice_id") if level == "practice" else (scores.areas, "area_id")
    own, wave = _pick_wave(frame, alliance_id, wave)
    targets = _targets(level, fw)
    own = own.set_index(column)["score"].reindex(targets["id"]).to_numpy()
    library = scores.latest().profiles(level)[targets["id"].tolist()]
    q25, median, q75 = (library.quantile(q).to_numpy() for q in (0.25, 0.5, 0.75))
    n_alliances = len(library)

    what = "practice" if level == "practice" else "area"
    labels = {"title": f"{alliance_id}, wave {wave}: {what} profile against the library",
              "band": f"Library interquartile range ({n_alliances} alliances, latest wave)",
              "median": "Library median", "own": f"{alliance_id}, wave {wave}"}
    if kind == "radar":
        return _radar(ax, fw, targets, own, q25, median, q75, labels)
    return _line_profile(ax, fw, targets, own, q25, median, q75, labels)


def _radar(ax, fw, targets, own, q25, median, q75, labels):
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 9.5), subplot_kw={"projection": "polar"}, layout="constrained")
    n = len(targets)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)

    def closed(values):  # a radar polygon returns to its first point
        return np.append(values, values[:1])

    theta = closed(angles)
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    ax.fill_between(theta, closed(q25), closed(q75), color=_colour("library"), alpha=0.25, linewidth=0,
                    label=labels["band"], zorder=1)
    ax.plot(theta, closed(median), color=_colour("library"), linestyle="--", linewidth=1.4, label=labels["median"],
            zorder=2)
    ax.plot(theta, closed(own), color=_colour("alliance"), marker="o", markersize=4, linewidth=2,
            label=labels["own"], zorder=3)
    spoke_labels = [textwrap.fill(str(t), 18, break_on_hyphens=False) for t in targets["label"]]
    ax.set_xticks(angles, spoke_labels, fontsize="small")
    ax.tick_params(axis="x", pad=14)
    ax.set_ylim(fw.min_score, fw.max_score)
    ax.set_yticks(list(fw.level_names), [""] * len(fw.level_names))  # a ring per level, named below
    # Level names halfway between two spokes, where the data lines pass furthest from the rings (the centre
    # needs no name); under the lines, should they still cross.
    rings = {score: name for score, name in fw.level_names.items() if score > fw.min_score}
    gap = _quietest_gap(np.vstack([own, median]) - fw.min_score, np.array(list(rings)) - fw.min_score)
    for score, name in rings.items():
        ax.text(angles[gap] + np.pi / n, score, f"{score} {name}", ha="center", va="center", fontsize="x-small",
                color="0.35", zorder=1.5, bbox=dict(facecolor="white", edgecolor="none", alpha=0.7, pad=0.5))
    handles, _ = ax.get_legend_handles_labels()
    _title_and_legend(ax, labels["title"], handles, ncol=1)
    return ax


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


def _line_profile(ax, fw, targets, own, q25, median, q75, labels):
    if ax is None:
        _, ax = plt.subplots(figsize=(max(8.0, 0.5 * len(targets) + 2), 6.5), layout="constrained")
    x = np.arange(len(targets))
    ax.fill_between(x, q25, q75, color=_colour("library"), alpha=0.25, linewidth=0, label=labels["band"])
    ax.plot(x, median, color=_colour("library"), linestyle="--", linewidth=1.4, label=labels["median"])
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
