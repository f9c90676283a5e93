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
DOUBTFUL_FLAGS = ("sparse", "low_agreement")
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
# 2b. the fast path the report draws its hundreds of charts with


def _grey(path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("L"), dtype=float)


@pytest.mark.parametrize("kind", ["practice_scores", "profile"])
def test_alliance_charts_draw_the_same_picture_as_the_plot_functions(data, tmp_path, kind):
    """AllianceCharts renders the shared parts once and each alliance's marks over them; the PNG must show what
    the plot_ function shows on a figure of the same size (up to anti-aliasing where a band overlies a grid line),
    for several alliances in a row (nothing of one alliance may be left on the next one's chart). The profile has
    a reference line, as the report's do: the fast path keeps room for one."""
    from alliance_research.plotting import AllianceCharts

    scores = data["scores"]
    reference = {"reference": scores.latest().profiles().mean(), "reference_label": "Library mean"}
    charts = AllianceCharts(scores, dpi=100)
    alliances = ["kestrel-highways", ALLIANCE, "fellside-nuclear"]
    try:
        for alliance in alliances:
            fast = tmp_path / f"{alliance}-fast.png"
            if kind == "practice_scores":
                charts.practice_scores(alliance, fast)
                ax = plot_practice_scores(scores, alliance)
            else:
                charts.profile(alliance, fast, **reference)
                ax = plot_profile(scores, alliance, **reference)
            ax.figure.savefig(tmp_path / f"{alliance}-full.png", dpi=100)
            plt.close(ax.figure)
            a, b = _grey(fast), _grey(tmp_path / f"{alliance}-full.png")
            assert a.shape == b.shape
            differ = np.abs(a - b) > 40  # pixels that changed visibly
            assert differ.mean() < 5e-4, f"{alliance}: {differ.mean():.3%} of pixels differ"
        # another alliance's chart differs where its marks differ: the fast path really draws each one
        assert np.abs(_grey(tmp_path / f"{alliances[0]}-fast.png") - _grey(tmp_path / f"{alliances[1]}-fast.png")).mean() > 1
        again = tmp_path / "again.png"
        getattr(charts, kind)(alliances[0], again, **(reference if kind == "profile" else {}))
        assert again.read_bytes() == (tmp_path / f"{alliances[0]}-fast.png").read_bytes()  # same bytes on a rerun
    finally:
        charts.close()


def test_alliance_charts_carry_nothing_from_one_alliance_to_the_next_and_never_cut_a_title(data, tmp_path):
    """After an alliance with a practice not scored, no doubtful practice and no index interval, a save that
    fails, and an alliance whose id is too long for the fixed figure, the next chart is byte for byte what a fresh
    AllianceCharts draws; the long title is drawn in full (a wider, tight image), not cut at the figure's edge."""
    from alliance_research.plotting import AllianceCharts

    scores, odd, long_id = data["scores"], "kestrel-highways", "a-very-long-alliance-id-" * 3
    practices, maturity = scores.practices.copy(), scores.maturity.copy()
    mine = practices["alliance_id"] == odd
    first = practices.index[mine & (practices["practice_id"] == practices.loc[mine, "practice_id"].iloc[0])]
    practices.loc[first, ["score", "ci_low", "ci_high"]] = np.nan
    practices.loc[mine, list(DOUBTFUL_FLAGS)] = False
    maturity.loc[maturity["alliance_id"] == odd, ["ci_low", "ci_high"]] = np.nan
    rename = {"fenland-flood": long_id}
    edited = dataclasses.replace(scores, **{name: frame.replace({"alliance_id": rename}) for name, frame in
                                            (("practices", practices), ("areas", scores.areas),
                                             ("maturity", maturity))})
    charts = AllianceCharts(edited, dpi=100)
    for kind in ("practice_scores", "profile"):
        draw = getattr(charts, kind)
        getattr(AllianceCharts(edited, dpi=100), kind)(ALLIANCE, tmp_path / f"fresh-{kind}.png")
        expected = (tmp_path / f"fresh-{kind}.png").read_bytes()
        draw(odd, tmp_path / f"odd-{kind}.png")
        assert (tmp_path / f"odd-{kind}.png").read_bytes() != expected
        with pytest.raises(OSError):
            draw(odd, tmp_path / "no-such-folder" / "x.png")
        draw(ALLIANCE, tmp_path / f"after-failure-{kind}.png")
        assert (tmp_path / f"after-failure-{kind}.png").read_bytes() == expected
        draw(long_id, tmp_path / f"long-{kind}.png")
        assert _grey(tmp_path / f"long-{kind}.png").shape[1] > 900  # widened to the whole title
        draw(ALLIANCE, tmp_path / f"after-long-{kind}.png")
        assert (tmp_path / f"after-long-{kind}.png").read_bytes() == expected
    assert not (tmp_path / "no-such-folder").exists()


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


# ------------------------------------------------------------------------------------------------------------
# 5. clusters and KPIs by cluster

import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.cluster.hierarchy import dendrogram, fcluster  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from alliance_research.clustering import cluster_profiles  # noqa: E402
from alliance_research.outcomes import alliance_kpis  # noqa: E402
from alliance_research.plotting import (  # noqa: E402
    CLUSTER_PALETTE, plot_cluster_heatmap, plot_cluster_map, plot_cluster_profiles, plot_dendrogram,
    plot_kpi_by_cluster)


@pytest.fixture(scope="module")
def clustered(data):
    lib = ar.load_library()
    profiles = data["scores"].latest().profiles()
    return dict(
        fw=lib.framework, kpis=lib.kpis, profiles=profiles,
        ward=cluster_profiles(profiles, method="ward", n_boot=20, n_null=20, framework=lib.framework),
        kmeans=cluster_profiles(profiles, method="kmeans", k=3, n_boot=0, n_null=0, framework=lib.framework),
        values=alliance_kpis(lib.outcomes, lib.kpis),
    )


def cluster_rgba(cluster: int):
    return to_rgba(sns.color_palette(CLUSTER_PALETTE)[cluster])


def by_gid(ax, gid: str) -> PathCollection:
    (found,) = [c for c in ax.collections if c.get_gid() == gid]
    return found


def legend_texts(ax) -> list[str]:
    return [" ".join(t.get_text().split()) for t in ax.get_legend().get_texts()]


def alliance_ids(index) -> list[str]:
    return list(index.get_level_values(0))


def test_cluster_map_points_are_the_pca_of_the_profiles(clustered):
    profiles, res = clustered["profiles"], clustered["ward"]
    assert res.k >= 3  # the example must exercise several colours
    fig, ax = plt.subplots()
    assert plot_cluster_map(profiles, res, ax=ax) is ax
    pca = PCA(n_components=2).fit(profiles.to_numpy(dtype=float))
    dots = by_gid(ax, "alliances")
    assert len(dots.get_offsets()) == len(profiles) == 18
    np.testing.assert_allclose(dots.get_offsets(), pca.transform(profiles.to_numpy(dtype=float)), atol=1e-12)
    # each point in its cluster's colour, in the order of the profiles
    np.testing.assert_allclose(dots.get_facecolors(), [cluster_rgba(c) for c in res.labels])
    # the centres are the projected res.centres, which sit at the mean of their cluster's points
    centres = by_gid(ax, "centres").get_offsets()
    np.testing.assert_allclose(centres, pca.transform(res.centres[profiles.columns].to_numpy()), atol=1e-12)
    points_by_cluster = pd.DataFrame(np.asarray(dots.get_offsets())).groupby(res.labels.to_numpy()).mean()
    np.testing.assert_allclose(centres, points_by_cluster.to_numpy(), atol=1e-12)
    share = pca.explained_variance_ratio_ * 100
    assert ax.get_xlabel() == f"PC1 ({share[0]:.0f}% of variance)"
    assert ax.get_ylabel() == f"PC2 ({share[1]:.0f}% of variance)"
    # every alliance named once, beside its own point
    notes = {t.get_text(): t.xy for t in ax.texts}
    assert sorted(notes) == sorted(alliance_ids(profiles.index))
    first = profiles.index[0][0]
    np.testing.assert_allclose(notes[first], dots.get_offsets()[0])
    # one legend entry per cluster, "0 · <name> (n = 4)", then the centre marker
    expected = [f"{c} \u00b7 {res.names[c]} (n = {(res.labels == c).sum()})" for c in range(res.k)]
    assert legend_texts(ax) == expected + ["Cluster centre"]


def test_cluster_map_labels_do_not_overlap(clustered):
    ax = plot_cluster_map(clustered["profiles"], clustered["ward"])
    ax.figure.canvas.draw()
    boxes = [Text.get_window_extent(t) for t in ax.texts]  # the words, without any leader line
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]
    assert overlapping == []
    frame = ax.get_window_extent()
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)


def test_cluster_map_without_names_and_wrong_profiles(clustered):
    profiles, res = clustered["profiles"], clustered["ward"]
    ax = plot_cluster_map(profiles, res, annotate=False)
    assert len(ax.texts) == 0
    with pytest.raises(ValueError, match="same alliances.*'wolds-flood' is in result.labels but not in profiles"):
        plot_cluster_map(profiles.drop(index="wolds-flood", level=0), res)


def test_dendrogram_leaves_and_cut(clustered):
    res = clustered["ward"]
    fig, ax = plt.subplots()
    assert plot_dendrogram(res, ax=ax) is ax
    ids = alliance_ids(res.labels.index)
    leaves = dendrogram(res.linkage, no_plot=True)["leaves"]
    # scipy draws the first leaf at the bottom: the tick labels read bottom to top
    assert ytick_labels(ax) == [ids[i] for i in leaves]
    assert sorted(ytick_labels(ax)) == sorted(ids)
    for tick, leaf in zip(ax.get_yticklabels(), leaves):
        assert to_rgba(tick.get_color()) == pytest.approx(cluster_rgba(res.labels.iloc[leaf]))
    # the cut: above the merge that leaves k clusters, below the one that would leave k - 1
    (cut,) = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    heights = np.sort(res.linkage[:, 2])
    assert heights[-res.k] < cut < heights[-res.k + 1]
    # ... and it cuts the tree into the result's clusters
    cut_labels = fcluster(res.linkage, t=cut, criterion="distance")
    assert pd.crosstab(cut_labels, res.labels.to_numpy()).astype(bool).sum().tolist() == [1] * res.k
    # branches inside a cluster take its colour; those above the cut are grey
    colours = {tuple(np.round(c.get_colors()[0], 2)) for c in ax.collections if isinstance(c, LineCollection)}
    expected = {tuple(np.round(cluster_rgba(c), 2)) for c in range(res.k)} | {tuple(np.round(to_rgba("0.55"), 2))}
    assert colours == expected
    assert legend_texts(ax)[-1] == f"Cut into {res.k} clusters"


def test_dendrogram_needs_ward_and_takes_labels(clustered):
    with pytest.raises(ValueError, match='needs Ward.*k-means.*method="ward"'):
        plot_dendrogram(clustered["kmeans"])
    res = clustered["ward"]
    ax = plot_dendrogram(res, labels={"wolds-flood": "Wolds"})
    assert "Wolds" in ytick_labels(ax) and "wolds-flood" not in ytick_labels(ax)
    with pytest.raises(ValueError, match="18 names are needed, 2 were given"):
        plot_dendrogram(res, labels=["a", "b"])


def test_cluster_profiles_lines_are_the_centres(clustered):
    profiles, res, fw = clustered["profiles"], clustered["ward"], clustered["fw"]
    fig, ax = plt.subplots()
    assert plot_cluster_profiles(profiles, res, ax=ax, framework=fw) is ax
    lines = ax.get_lines()
    assert len(lines) == res.k
    for cluster, line in enumerate(lines):
        np.testing.assert_allclose(line.get_ydata(), res.centres.loc[cluster, profiles.columns])
        assert to_rgba(line.get_color()) == pytest.approx(cluster_rgba(cluster))
    assert xtick_labels(ax) == fw.practices.set_index("practice_id").loc[profiles.columns, "label"].tolist()
    assert all(t.get_rotation() > 0 for t in ax.get_xticklabels())
    assert ytick_labels(ax) == [f"{s} {name}" for s, name in fw.level_names.items()]
    # the bars are t-intervals of each practice's mean within the cluster
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    cluster, practice = 3, 5
    scores = profiles.loc[(res.labels == cluster).to_numpy(), profiles.columns[practice]].to_numpy()
    half = stats.t.ppf(0.975, len(scores) - 1) * scores.std(ddof=1) / np.sqrt(len(scores))
    segment = bars[cluster].get_segments()[practice]
    assert sorted(segment[:, 1]) == pytest.approx([scores.mean() - half, scores.mean() + half])
    assert segment[0, 0] == pytest.approx(lines[cluster].get_xdata()[practice])


def test_cluster_profiles_single_alliance_has_no_interval(clustered):
    profiles, res = clustered["profiles"], clustered["ward"]
    labels = res.labels.copy()
    labels.iloc[0] = res.k  # a cluster of one
    alone = dataclasses.replace(res, labels=labels, k=res.k + 1)
    ax = plot_cluster_profiles(profiles, alone)
    assert xtick_labels(ax) == list(profiles.columns)  # ids without a framework
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(bars) == res.k + 1
    assert len(bars[-1].get_segments()) == 0
    assert all(len(b.get_segments()) == profiles.shape[1] for b in bars[:-1])
    np.testing.assert_allclose(ax.get_lines()[-1].get_ydata(), profiles.iloc[0])


def test_cluster_heatmap_rows_are_sorted_by_cluster(clustered):
    profiles, res, fw = clustered["profiles"], clustered["ward"], clustered["fw"]
    fig, ax = plt.subplots()
    assert plot_cluster_heatmap(profiles, res, ax=ax, framework=fw) is ax
    rows = ytick_labels(ax)
    assert sorted(rows) == sorted(alliance_ids(profiles.index))
    by_id = profiles.droplevel("wave")
    cluster = res.labels.droplevel("wave")
    order = pd.DataFrame({"cluster": cluster[rows].to_numpy(), "mean": by_id.loc[rows].mean(axis=1).to_numpy()})
    assert order["cluster"].is_monotonic_increasing
    assert all(g["mean"].is_monotonic_increasing for _, g in order.groupby("cluster"))
    mesh = ax.collections[0]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(profiles.shape), by_id.loc[rows])
    assert mesh.get_clim() == (fw.min_score, fw.max_score)
    # a line between clusters, at the rows where the cluster changes, and the cluster numbers beside them
    (separators,) = [c for c in ax.collections[1:] if isinstance(c, LineCollection)]
    changes = np.flatnonzero(np.diff(order["cluster"].to_numpy())) + 1
    assert sorted(seg[0, 1] for seg in separators.get_segments()) == changes.tolist()
    assert [t.get_text() for t in ax.texts if t.get_text().isdigit()] == [str(c) for c in range(res.k)]
    assert xtick_labels(ax) == fw.practices.set_index("practice_id").loc[profiles.columns, "label"].tolist()


def test_many_alliances_lose_point_names_and_cell_values_but_keep_rows(clustered):
    """Beyond LABEL_LIMIT alliances, names on the map and values in the heatmap's cells are left out (unreadable,
    and slow to place); the heatmap still names every row."""
    from alliance_research.plotting import LABEL_LIMIT

    profiles = clustered["profiles"]
    copies = -(-(LABEL_LIMIT + 1) // len(profiles))
    many = pd.concat([profiles.rename(index=lambda a: f"{a}-{i}" if isinstance(a, str) else a, level="alliance_id")
                      for i in range(copies)])
    assert len(many) > LABEL_LIMIT
    res = cluster_profiles(many, k=3, method="kmeans", n_boot=0, n_null=0, framework=clustered["fw"])
    ax = plot_cluster_map(many, res)
    assert not [t for t in ax.texts if t.get_text()]
    ax = plot_cluster_map(many, res, annotate=True)  # asked for: named all the same
    assert len([t for t in ax.texts if t.get_text()]) == len(many)
    ax = plot_cluster_heatmap(many, res, framework=clustered["fw"])
    assert not [t for t in ax.texts if "." in t.get_text()]
    assert len(ytick_labels(ax)) == len(many)
    few = plot_cluster_heatmap(profiles, clustered["ward"], framework=clustered["fw"])
    assert len([t for t in few.texts if "." in t.get_text()]) == profiles.notna().sum().sum()
    plt.close("all")


def kpi_counts(values, labels, kpi) -> dict[int, int]:
    per_alliance = labels.droplevel("wave")
    rows = values[values["kpi"] == kpi]
    return rows["alliance_id"].map(per_alliance).dropna().astype(int).value_counts().to_dict()


def test_kpi_by_cluster_boxes_points_and_counts(clustered):
    values, res, kpis = clustered["values"], clustered["ward"], clustered["kpis"]
    kpi = "cost_vs_target"
    fig, ax = plt.subplots()
    assert plot_kpi_by_cluster(values, res.labels, kpi, names=res.names, ax=ax, kpis=kpis) is ax
    counts = kpi_counts(values, res.labels, kpi)
    assert sum(counts.values()) == 16  # two alliances report no KPIs
    assert len([p for p in ax.patches if isinstance(p, PathPatch)]) == len(counts) == res.k
    assert xtick_labels(ax) == [f"Cluster {c}\nn = {counts.get(c, 0)}" for c in range(res.k)]
    # every alliance with a value is a point, at its value, by its cluster
    dots = np.concatenate([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])
    rows = values[values["kpi"] == kpi]
    assert sorted(dots[:, 1]) == pytest.approx(sorted(rows["value"]))
    assert np.all(np.abs(dots[:, 0] - np.round(dots[:, 0])) < 0.2)
    label = kpis.set_index("kpi").loc[kpi]
    assert " ".join(ax.get_ylabel().split()) == f"{label['label']} ({label['unit']})"
    assert " ".join(ax.get_title().split()) == f"{label['label']} by cluster (higher is better)"
    assert legend_texts(ax) == [f"{c} \u00b7 {res.names[c]}" for c in range(res.k)]


def test_kpi_by_cluster_empty_cluster_and_direction(clustered):
    values, res = clustered["values"], clustered["ward"]
    kpi = "accident_frequency_rate"
    in_one = res.labels[res.labels == 1].index.get_level_values(0)
    ax = plot_kpi_by_cluster(values[~values["alliance_id"].isin(in_one)], res.labels, kpi)
    assert len([p for p in ax.patches if isinstance(p, PathPatch)]) == res.k - 1
    assert xtick_labels(ax)[1] == "Cluster 1\nn = 0"
    assert "no data" in [t.get_text() for t in ax.texts]
    assert ax.get_legend() is None  # no names, no legend
    # label, unit and direction from values' own columns when kpis is not given
    assert ax.get_title().endswith("(lower is better)")
    assert "per 100,000 hours" in " ".join(ax.get_ylabel().split())
    # nothing but the id when nothing says what the KPI is
    bare = values[["alliance_id", "kpi", "value"]]
    ax = plot_kpi_by_cluster(bare, res.labels, kpi)
    assert ax.get_ylabel() == kpi and ax.get_title() == f"{kpi} by cluster"


def test_kpi_by_cluster_unknown_kpi(clustered):
    with pytest.raises(ValueError, match="KPI 'cost_vs_targt' is not in the data; did you mean 'cost_vs_target'"):
        plot_kpi_by_cluster(clustered["values"], clustered["ward"].labels, "cost_vs_targt")
    with pytest.raises(ValueError, match="available: 'accident_frequency_rate'"):
        plot_kpi_by_cluster(clustered["values"], clustered["ward"].labels, "zzz")


CLUSTER_CHARTS = {
    "map": lambda d: plot_cluster_map(d["profiles"], d["ward"]),
    "dendrogram": lambda d: plot_dendrogram(d["ward"]),
    "profiles": lambda d: plot_cluster_profiles(d["profiles"], d["ward"], framework=d["fw"]),
    "heatmap": lambda d: plot_cluster_heatmap(d["profiles"], d["ward"], framework=d["fw"]),
    "kpi": lambda d: plot_kpi_by_cluster(d["values"], d["ward"].labels, "milestones_on_time",
                                         names=d["ward"].names, kpis=d["kpis"]),
}


@pytest.mark.parametrize("chart", list(CLUSTER_CHARTS))
def test_cluster_charts_save_to_png(clustered, chart, tmp_path):
    ax = CLUSTER_CHARTS[chart](clustered)
    path = tmp_path / "chart.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if ax.get_legend() is not None:  # above the axes, where it cannot cover data
        assert ax.get_legend().get_window_extent().y0 >= ax.get_window_extent().y1 - 1
    # nothing cut off: the axes with their tick labels, title and legend fit in the figure
    drawn, figure = ax.get_tightbbox(), ax.figure.bbox
    assert figure.x0 - 1 <= drawn.x0 and drawn.x1 <= figure.x1 + 1
    assert figure.y0 - 1 <= drawn.y0 and drawn.y1 <= figure.y1 + 1


@pytest.mark.parametrize("chart", list(CLUSTER_CHARTS))
def test_cluster_charts_are_deterministic(clustered, chart, tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    for path in (first, second):
        CLUSTER_CHARTS[chart](clustered).figure.savefig(path, metadata={"Software": None})
        plt.close("all")
    assert first.read_bytes() == second.read_bytes()


def test_profile_with_a_reference_profile(data):
    import matplotlib.pyplot as plt
    from alliance_research.plotting import plot_profile

    scores = data["scores"]
    centre = scores.latest().profiles().mean()
    fig, ax = plt.subplots(subplot_kw={"projection": "polar"})
    plot_profile(scores, "tywi-water", ax=ax, reference=centre, reference_label="Centre of cluster 3")
    line = next(l for l in ax.get_lines() if l.get_label() == "Centre of cluster 3")
    np.testing.assert_allclose(line.get_ydata()[:-1], centre.to_numpy())
    ax = plot_profile(scores, "tywi-water", kind="line", reference=centre)
    assert "Cluster centre" in [l.get_label() for l in ax.get_lines()]
