"""The charts: what they draw is read back from the artists and checked against the tables they were given."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba

import alliance_research as ar
from alliance_research.gaps import perception_gaps
from alliance_research.plotting import plot_perception_gaps, plot_practice_scores, plot_profile, plot_wave_changes
from alliance_research.scoring import score_library
from alliance_research.trends import wave_changes

ALLIANCE = "vale-electrification"  # two waves, several low-agreement practices
FLAGGED_GAPS = "kestrel-highways"  # several flagged perception gaps in wave 2


@pytest.fixture(scope="module")
def data():
    lib = ar.load_library()
    return dict(
        fw=lib.framework,
        scores=score_library(lib, n_boot=100),
        gaps=perception_gaps(lib.responses, lib.framework, n_boot=100),
        changes=wave_changes(lib.responses, lib.framework, n_boot=100),
    )


# ------------------------------------------------------------------------------------------------------------
# reading a chart back


def ytick_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def xtick_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]


def row_of(ax, label: str) -> float:
    """The y position of the row labelled ``label``."""
    return dict(zip(ytick_labels(ax), ax.get_yticks()))[label]


def segments_at(ax, y: float) -> list[tuple[float, float]]:
    """The (left, right) ends of every horizontal line segment drawn at height ``y``."""
    found = []
    for c in ax.collections:
        if isinstance(c, LineCollection):
            for seg in c.get_segments():
                if len(seg) == 2 and np.allclose(seg[:, 1], y):
                    found.append(tuple(sorted(seg[:, 0])))
    return found


def points(ax, *, hollow: bool | None = None) -> np.ndarray:
    """Scatter points, optionally only the hollow (no face colour) or only the filled ones."""
    out = [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)
           and (hollow is None or (len(c.get_facecolors()) == 0) == hollow)]
    return np.concatenate([np.asarray(o) for o in out]) if out else np.empty((0, 2))


def one_wave(frame, alliance_id, wave):
    return frame[(frame["alliance_id"] == alliance_id) & (frame["wave"] == wave)]


# ------------------------------------------------------------------------------------------------------------
# 1. practice scores


def test_practice_scores_rows_are_the_rubric_in_order(data):
    fig, ax = plt.subplots()
    assert plot_practice_scores(data["scores"], ALLIANCE, ax=ax) is ax
    labels = data["fw"].practices["label"].tolist()
    assert len(ax.get_yticks()) == len(labels) == 19
    assert ytick_labels(ax) == labels
    # top to bottom: the axis is inverted, so the first practice has the smallest y
    assert list(ax.get_yticks()) == sorted(ax.get_yticks())
    assert ax.yaxis_inverted()
    # every area's name is written above its practices
    texts = {t.get_text() for t in ax.texts}
    assert set(data["fw"].areas["area"]) <= texts


def test_practice_scores_points_and_intervals_are_the_scores(data):
    scores, fw = data["scores"], data["fw"]
    ax = plot_practice_scores(scores, ALLIANCE)  # latest wave: 2
    rows = one_wave(scores.practices, ALLIANCE, 2).set_index("practice_id")
    label = dict(zip(fw.practices["practice_id"], fw.practices["label"]))
    for practice_id in (fw.practice_ids[1], fw.practice_ids[5], fw.practice_ids[-1]):
        y = row_of(ax, label[practice_id])
        row = rows.loc[practice_id]
        assert segments_at(ax, y) == [pytest.approx((row["ci_low"], row["ci_high"]))]
        xs = [x for x, yy in points(ax) if np.isclose(yy, y)]
        assert xs == [pytest.approx(row["score"])]
    assert ax.get_title() == f"{ALLIANCE}, wave 2: practice scores (95% intervals)"


def test_practice_scores_flagged_practices_are_hollow(data):
    scores = data["scores"]
    for wave in (1, 2):
        ax = plot_practice_scores(scores, ALLIANCE, wave)
        rows = one_wave(scores.practices, ALLIANCE, wave)
        flagged = (rows["sparse"] | rows["low_agreement"]).to_numpy()
        assert flagged.sum() > 0  # the example must exercise the hollow markers
        assert len(points(ax, hollow=True)) == flagged.sum()
        assert len(points(ax, hollow=False)) == (~flagged).sum()
        assert "Sparse or low agreement" in [t.get_text() for t in ax.get_legend().get_texts()]
        plt.close(ax.figure)


def test_practice_scores_sparse_alone_is_hollow(data):
    # the example library has no sparse practice, so mark one: it must be drawn hollow like low agreement
    scores = data["scores"]
    practices = scores.practices.copy()
    target = (practices["alliance_id"] == ALLIANCE) & (practices["wave"] == 2) & ~practices["low_agreement"]
    first = practices.index[target][0]
    practices.loc[first, "sparse"] = True
    marked = dataclasses.replace(scores, practices=practices)
    rows = one_wave(practices, ALLIANCE, 2)
    ax = plot_practice_scores(marked, ALLIANCE)
    assert len(points(ax, hollow=True)) == (rows["sparse"] | rows["low_agreement"]).sum()


def test_practice_scores_scale_index_and_wave(data):
    scores, fw = data["scores"], data["fw"]
    ax = plot_practice_scores(scores, ALLIANCE, wave=1)
    assert ax.get_title().startswith(f"{ALLIANCE}, wave 1:")
    # x runs over the scale, each tick named by its level from the framework
    assert list(ax.get_xticks()) == list(fw.level_names)
    assert [t.split("\n") for t in xtick_labels(ax)] == [[str(s), n] for s, n in fw.level_names.items()]
    low, high = ax.get_xlim()
    assert low <= fw.min_score and high >= fw.max_score and high - low < 1.1 * (fw.max_score - fw.min_score)
    # the maturity index is a vertical line at its value
    index = one_wave(scores.maturity, ALLIANCE, 1)["maturity_index"].iloc[0]
    verticals = [ln.get_xdata()[0] for ln in ax.get_lines() if len(set(ln.get_xdata())) == 1]
    assert verticals == [pytest.approx(index)]
    # wave 1 intervals, not wave 2's
    row = one_wave(scores.practices, ALLIANCE, 1).iloc[0]
    label = fw.practices["label"].iloc[0]
    assert segments_at(ax, row_of(ax, label)) == [pytest.approx((row["ci_low"], row["ci_high"]))]


def test_practice_scores_unknown_alliance_or_wave(data):
    with pytest.raises(ValueError, match="did you mean 'vale-electrification'"):
        plot_practice_scores(data["scores"], "vale-electrificaton")
    with pytest.raises(ValueError, match="available: .*'wolds-flood'"):
        plot_practice_scores(data["scores"], "zzz")
    with pytest.raises(ValueError, match="wave 3 .*available waves: 1, 2"):
        plot_practice_scores(data["scores"], ALLIANCE, wave=3)


# ------------------------------------------------------------------------------------------------------------
# 2. profile


def test_radar_profile_draws_alliance_and_library(data):
    scores, fw = data["scores"], data["fw"]
    ax = plot_profile(scores, ALLIANCE)
    assert ax.name == "polar"
    assert [" ".join(t.split()) for t in xtick_labels(ax)] == fw.practices["label"].tolist()
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    own = lines[f"{ALLIANCE}, wave 2"].get_ydata()
    expected = one_wave(scores.practices, ALLIANCE, 2)["score"].to_numpy()
    assert len(own) == 20 and own[0] == own[-1]  # a closed polygon over 19 practices
    np.testing.assert_allclose(own[:-1], expected)
    latest = scores.latest().profiles("practice")
    assert len(latest) == 18  # one row per alliance: its latest wave
    np.testing.assert_allclose(lines["Library median"].get_ydata()[:-1], latest.median().to_numpy())


def test_radar_profile_uses_the_given_polar_axes(data):
    fig, ax = plt.subplots(subplot_kw={"projection": "polar"})
    assert plot_profile(data["scores"], ALLIANCE, level="area", ax=ax) is ax
    assert len(ax.get_xticks()) == 3
    assert [" ".join(t.split()) for t in xtick_labels(ax)] == data["fw"].areas["area"].tolist()


def test_radar_profile_needs_polar_axes(data):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match='subplot_kw=\\{"projection": "polar"\\}'):
        plot_profile(data["scores"], ALLIANCE, ax=ax)


def test_line_profile(data):
    scores, fw = data["scores"], data["fw"]
    fig, ax = plt.subplots()
    assert plot_profile(scores, ALLIANCE, wave=1, kind="line", ax=ax) is ax
    assert xtick_labels(ax) == fw.practices["label"].tolist()
    assert all(t.get_rotation() > 0 for t in ax.get_xticklabels())
    own = {ln.get_label(): ln for ln in ax.get_lines()}[f"{ALLIANCE}, wave 1"].get_ydata()
    np.testing.assert_allclose(own, one_wave(scores.practices, ALLIANCE, 1)["score"])
    ax = plot_profile(scores, ALLIANCE, kind="line", level="area")
    assert len(ax.get_xticks()) == 3
    own = {ln.get_label(): ln for ln in ax.get_lines()}[f"{ALLIANCE}, wave 2"].get_ydata()
    np.testing.assert_allclose(own, one_wave(scores.areas, ALLIANCE, 2)["score"])


def test_profile_bad_arguments(data):
    with pytest.raises(ValueError, match="did you mean 'line'"):
        plot_profile(data["scores"], ALLIANCE, kind="lines")
    with pytest.raises(ValueError, match="level .index. is not known"):
        plot_profile(data["scores"], ALLIANCE, level="index")
    with pytest.raises(ValueError, match="did you mean 'vale-electrification'"):
        plot_profile(data["scores"], "vale_electrification")


# ------------------------------------------------------------------------------------------------------------
# 3. perception gaps


def test_perception_gaps_dumbbells(data):
    gaps, fw = data["gaps"], data["fw"]
    fig, ax = plt.subplots()
    assert plot_perception_gaps(gaps, FLAGGED_GAPS, framework=fw, ax=ax) is ax
    assert ytick_labels(ax) == fw.practices["label"].tolist()
    rows = one_wave(gaps, FLAGGED_GAPS, 2)
    rows = rows[rows["level"] == "practice"].reset_index(drop=True)
    # each row: a segment from the client's score to the partners'
    for i in (0, 7, 18):
        ends = sorted([rows.loc[i, "client_score"], rows.loc[i, "partner_score"]])
        assert segments_at(ax, row_of(ax, fw.practices["label"][i])) == [pytest.approx(tuple(ends))]
    # flagged gaps are annotated with their signed value, and only they
    flagged = rows[rows["flagged"]]
    assert len(flagged) >= 3
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{g:+.1f}" for g in flagged["gap"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["Client", "Partners"] and "Flagged" in legend[2]


def test_perception_gaps_without_framework_and_by_area(data):
    gaps, fw = data["gaps"], data["fw"]
    ax = plot_perception_gaps(gaps, ALLIANCE, wave=1)
    assert ytick_labels(ax) == fw.practice_ids
    assert "wave 1" in ax.get_title()
    ax = plot_perception_gaps(gaps, ALLIANCE, level="area", framework=fw)
    assert ytick_labels(ax) == fw.areas["area"].tolist()


def test_perception_gaps_errors(data):
    gaps = data["gaps"]
    with pytest.raises(ValueError, match="did you mean 'kestrel-highways'"):
        plot_perception_gaps(gaps, "kestrel-highway")
    with pytest.raises(ValueError, match="comparison 'contractor'.*available: 'partners'"):
        plot_perception_gaps(gaps, ALLIANCE, comparison="contractor")
    with pytest.raises(ValueError, match="did you mean 'practice'"):
        plot_perception_gaps(gaps, ALLIANCE, level="practise")
    with pytest.raises(ValueError, match="available waves: 1, 2"):
        plot_perception_gaps(gaps, ALLIANCE, wave=5)


# ------------------------------------------------------------------------------------------------------------
# 4. wave changes


def test_wave_changes_intervals_and_emphasis(data):
    changes, fw = data["changes"], data["fw"]
    fig, ax = plt.subplots()
    assert plot_wave_changes(changes, ALLIANCE, framework=fw, ax=ax) is ax
    assert ytick_labels(ax) == fw.practices["label"].tolist()
    rows = changes[(changes["alliance_id"] == ALLIANCE) & (changes["level"] == "practice")].reset_index(drop=True)
    for i in (0, 5, 18):
        y = row_of(ax, fw.practices["label"][i])
        assert segments_at(ax, y) == [pytest.approx((rows.loc[i, "ci_low"], rows.loc[i, "ci_high"]))]
    # a zero line, centred
    assert any(np.allclose(ln.get_xdata(), 0) for ln in ax.get_lines())
    low, high = ax.get_xlim()
    assert low == pytest.approx(-high)
    # changes whose interval excludes zero are coloured, the rest grey
    (dots,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    grey = np.all(np.isclose(dots.get_facecolors(), to_rgba("0.6")), axis=1)
    assert (~grey).sum() == rows["ci_excludes_zero"].sum() > 0
    np.testing.assert_allclose(dots.get_offsets()[:, 0], rows["change"])


def test_wave_changes_latest_pair(data):
    changes = data["changes"]
    base = changes[changes["alliance_id"] == ALLIANCE]
    later = base.assign(wave_from=2, wave_to=3, change=base["change"] + 0.25)
    both = __import__("pandas").concat([later, base], ignore_index=True)
    ax = plot_wave_changes(both, ALLIANCE, level="area")
    assert ax.get_title() == f"{ALLIANCE}: change in area scores from wave 2 to wave 3"
    assert ytick_labels(ax) == data["fw"].area_ids
    (dots,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(dots.get_offsets()[:, 0], later.loc[later["level"] == "area", "change"])


def test_wave_changes_errors(data):
    with pytest.raises(ValueError, match="did you mean 'vale-electrification'"):
        plot_wave_changes(data["changes"], "vale-electrifcation")
    # one wave only: no changes to draw
    with pytest.raises(ValueError, match="alliance 'fellside-nuclear' is not in the data"):
        plot_wave_changes(data["changes"], "fellside-nuclear")


# ------------------------------------------------------------------------------------------------------------
# all four


@pytest.mark.parametrize("draw", [
    lambda d: plot_practice_scores(d["scores"], ALLIANCE),
    lambda d: plot_profile(d["scores"], ALLIANCE),
    lambda d: plot_profile(d["scores"], ALLIANCE, kind="line", level="area"),
    lambda d: plot_perception_gaps(d["gaps"], ALLIANCE, framework=d["fw"]),
    lambda d: plot_wave_changes(d["changes"], ALLIANCE, framework=d["fw"]),
], ids=["practice_scores", "radar", "line", "gaps", "changes"])
def test_saves_to_png(data, draw, tmp_path):
    ax = draw(data)
    path = tmp_path / "chart.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the legend sits above the axes, where it cannot cover data
    assert ax.get_legend().get_window_extent().y0 >= ax.get_window_extent().y1 - 1


def test_charts_are_deterministic(data, tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    for path in (first, second):
        plot_practice_scores(data["scores"], ALLIANCE).figure.savefig(path, metadata={"Software": None})
    assert first.read_bytes() == second.read_bytes()
