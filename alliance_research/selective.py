"""Selective inference after clustering: is one practice's mean really different between two found clusters?

Testing a difference between clusters with the data that formed the clusters ("double dipping") gives p-values
that are small by construction: k-means or Ward puts alliances with different scores into different clusters,
so a t or Kruskal-Wallis test of those same scores rejects even when the alliances form one homogeneous cloud.
Chen & Gao [CG23]_ (building on Gao, Bien & Witten [GBW22]_ and Chen & Witten [CW23]_) give a valid test for
one feature: with the model ``X = mu + E``, ``E`` having independent ``N(0, sigma^2)`` entries, and the contrast
``nu = 1_{C1} / |C1| - 1_{C2} / |C2|``, the statistic is the difference of the two clusters' means of feature
``j``, ``phi = nu' x_j``, and its p-value is computed conditional on the clustering having produced ``C1`` and
``C2`` (and on everything in the data that is independent of ``phi``):

.. math::

    p = P\\big(|\\phi| \\ge |\\nu^\\top x_j| \\;\\big|\\; \\phi \\in S\\big), \\qquad
    \\phi \\sim N(0, \\sigma^2 \\lVert\\nu\\rVert^2),

where ``S`` is the set of values of ``phi`` for which the perturbed data
``x'(phi) = x + (phi - nu' x_j) nu / ||nu||^2 e_j'`` (only feature ``j`` of the two clusters' members moves)
gives the same clustering. For Ward's method and for Lloyd's k-means ``S`` is a finite union of intervals found by
solving quadratic inequalities in ``phi``, so the p-value is exact. Under the null hypothesis of equal means the
p-value is uniform, whatever the clustering did; the test controls the *selective* type I error.

How ``S`` is found here:

- **Ward** (``hclust(dist(x)^2, "ward.D")`` in R, ``scipy.cluster.hierarchy.linkage(x, "ward")``; the merges are
  the same): the perturbation moves only the members of ``C1`` and ``C2``, so distances inside each final
  cluster, and therefore the merges inside them and their heights, are unchanged. The first ``n - K`` merges stay
  the same exactly when every pair of clusters that coexist before the cut and lie in different final clusters
  stays at least as far apart (Ward's criterion ``2 n_G n_H / (n_G + n_H) ||mean_G - mean_H||^2``) as the height
  of the last merge at which both exist [GBW22]_ (heights only grow under Ward's method). Each such condition is
  a quadratic inequality in ``phi``.
- **k-means** (Lloyd's algorithm from initial centroids drawn among the alliances [CG23]_): every assignment of
  every alliance at every iteration must stay the same; with centroids that are means of the previous assignment
  each is a quadratic inequality in ``phi``. When k-means keeps the best of several starts, the paths of every
  start and the choice of the start with the lowest within-cluster sum of squares (also quadratic in ``phi``) are
  conditioned on too, which keeps the test valid for the multi-start algorithm.

``sigma`` is the noise standard deviation of one practice score. When not given it is estimated as the papers do:
for Ward, the pooled standard deviation of all practices around their means, ``sqrt(sum((x - mean)^2) / (n q -
q))`` [GBW22]_ (it contains the clusters' own spread, so it over-estimates ``sigma`` and makes the test
conservative); for k-means, the robust median estimator of [CG23]_ Section 4.2,
``sqrt(median((x - column median)^2) / qchisq(1/2, 1))``.

References
----------
.. [CG23] Chen, Y. T. & Gao, L. L. (2023+). Testing for a difference in means of a single feature after
   clustering. arXiv:2311.16375. R package CADET 0.1.0.
.. [GBW22] Gao, L. L., Bien, J. & Witten, D. (2022). Selective inference for hierarchical clustering. *Journal of
   the American Statistical Association*, 119(545), 332-342.
.. [CW23] Chen, Y. T. & Witten, D. M. (2023). Selective inference for k-means clustering. *Journal of Machine
   Learning Research*, 24(152), 1-41.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = ["LloydRun", "KMeansFit", "lloyd_kmeans", "WardTruncation", "KMeansTruncation", "ward_truncation",
           "kmeans_truncation", "truncated_pvalue",
           "estimate_sigma"]


@dataclass(frozen=True)
class LloydRun:
    """One start of Lloyd's algorithm.

    Attributes
    ----------
    initial : ndarray of int
        The rows of ``x`` used as initial centroids (cluster ``l`` starts at ``x[initial[l]]``).
    assignments : ndarray of int, shape (T, n)
        The cluster of every row after each of the ``T`` assignment steps (the first is to the initial
        centroids); the last row is the result.
    inertia : float
        Within-cluster sum of squares of the result (``inf`` when a cluster emptied and the start failed).
    """

    initial: np.ndarray
    assignments: np.ndarray
    inertia: float

    @property
    def labels(self) -> np.ndarray:
        return self.assignments[-1]


@dataclass(frozen=True)
class KMeansFit:
    """Lloyd's k-means kept with every start's path (see :func:`lloyd_kmeans`).

    Attributes
    ----------
    runs : tuple of LloydRun
    best : int
        The start whose result is used: the lowest inertia (the first of equals).
    """

    runs: tuple
    best: int

    @property
    def labels_(self) -> np.ndarray:
        return self.runs[self.best].labels

    @property
    def inertia_(self) -> float:
        return self.runs[self.best].inertia


def _nearest(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre of every row (the first of equals, as R's ``which.min``)."""
    # the distances as the truncation sets compute them, so that a near tie is decided the same way in both
    return ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def lloyd_kmeans(x: np.ndarray, k: int, *, n_init: int = 10, max_iter: int = 100, random_state: int = 0,
                 initial=None) -> KMeansFit:
    """k-means by Lloyd's algorithm, keeping each start's assignments at every iteration.

    Each start draws ``k`` rows of ``x`` as initial centroids (uniformly among the distinct rows, independently
    of the data's values, as [CG23]_ requires), assigns every row to its nearest centroid, and then alternates centroid = mean
    of its rows and reassignment until no assignment changes or ``max_iter`` reassignments have been made. The
    start with the lowest within-cluster sum of squares is kept. This is the algorithm of R ``CADET``'s
    ``kmeans_estimation`` (one start) and of R ``kmeans(algorithm = "Lloyd")``.

    Parameters
    ----------
    x : array, shape (n, q)
    k : int
    n_init : int
        Number of starts.
    max_iter : int
        Largest number of reassignments after the first assignment.
    random_state : int
        Seed for the initial centroids.
    initial : array of int, shape (n_init, k), optional
        Rows to start from (0-based) instead of random ones, e.g. to reproduce another program's run.

    Returns
    -------
    KMeansFit
    """
    x = np.asarray(x, dtype=float)
    if initial is None:
        # among distinct rows (the first of each set of identical ones, in row order), so that duplicate profiles
        # cannot start two centroids at one point; with continuous data every row is distinct
        rows = np.sort(np.unique(x, axis=0, return_index=True)[1])
        if len(rows) < k:
            raise ValueError(f"k-means needs at least {k} distinct rows; got {len(rows)}")
        rng = np.random.default_rng(random_state)
        initial = np.array([rows[rng.choice(len(rows), size=k, replace=False)] for _ in range(n_init)])
    initial = np.atleast_2d(np.asarray(initial, dtype=int))
    runs = []
    for start in initial:
        labels = _nearest(x, x[start])
        path = [labels]
        failed = False
        for _ in range(max_iter):
            counts = np.bincount(labels, minlength=k)
            if (counts == 0).any():  # a centroid with no rows: this start cannot give k clusters
                failed = True
                break
            centres = np.zeros((k, x.shape[1]))
            np.add.at(centres, labels, x)
            labels = _nearest(x, centres / counts[:, None])
            path.append(labels)
            if np.array_equal(labels, path[-2]):
                break
        failed = failed or len(np.unique(labels)) < k
        inertia = np.inf
        if not failed:
            means = np.array([x[labels == c].mean(axis=0) for c in range(k)])
            inertia = float(((x - means[labels]) ** 2).sum())
        runs.append(LloydRun(initial=start.copy(), assignments=np.array(path), inertia=inertia))
    inertias = np.array([run.inertia for run in runs])
    if not np.isfinite(inertias).any():
        raise ValueError(f"no start of k-means gave {k} non-empty clusters")
    return KMeansFit(runs=tuple(runs), best=int(inertias.argmin()))


# ---- truncation sets --------------------------------------------------------------------------------------

def _forbidden(a: np.ndarray, b: np.ndarray, c: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Open intervals of ``delta`` where ``a delta^2 + b delta + c > 0`` (a condition ``<= 0`` fails).

    Every condition holds at ``delta = 0`` (the observed data), so ``c <= 0`` up to rounding. Conditions that fail
    on a half-line (linear ones, and parabolas opening upwards, which fail outside their roots) are summarised by
    the innermost half-line on each side, and a parabola opening downwards, which fails between its roots, is
    kept only when it reaches between those two: the union is the same, with far fewer intervals to sort.
    Returns one row per interval (``lo``, ``hi``), possibly infinite.
    """
    a, b, c = (np.asarray(v, dtype=float).ravel() for v in (a, b, c))
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), np.maximum(np.abs(c), 1.0))
    a, b, c = a / scale, b / scale, c / scale
    linear = np.abs(a) <= tol
    lb, lc = b[linear], c[linear]
    up, down = lb > tol, lb < -tol
    # b delta + c > 0: beyond -c/b on the side b points to
    right = [-lc[up] / lb[up]]
    left = [-lc[down] / lb[down]]
    broken = bool((~up & ~down & (lc > tol)).any())  # never satisfied: cannot happen for a condition the data meet
    qa, qb, qc = a[~linear], b[~linear], c[~linear]
    disc = qb ** 2 - 4 * qa * qc
    real = disc > tol
    opens_up = qa > 0
    broken = broken or bool((opens_up & ~real).any())  # positive everywhere: cannot happen either
    qa, qb, qc, opens_up = qa[real], qb[real], qc[real], opens_up[real]
    # roots by the numerically stable pair of formulas (no cancellation between -b and sqrt(disc))
    root = np.sqrt(disc[real])
    q = -0.5 * (qb + np.where(qb >= 0, root, -root))
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = q / qa
        r2 = np.where(q != 0, qc / np.where(q == 0, 1.0, q), 0.0)
    lo, hi = np.minimum(r1, r2), np.maximum(r1, r2)
    left.append(lo[opens_up])
    right.append(hi[opens_up])
    inner_left = max((v.max() for v in left if len(v)), default=-np.inf)
    inner_right = min((v.min() for v in right if len(v)), default=np.inf)
    middle_lo, middle_hi = lo[~opens_up], hi[~opens_up]
    reaching = (middle_hi > inner_left) & (middle_lo < inner_right)
    rows = [np.column_stack([middle_lo[reaching], middle_hi[reaching]])]
    if inner_left > -np.inf:
        rows.append(np.array([[-np.inf, inner_left]]))
    if inner_right < np.inf:
        rows.append(np.array([[inner_right, np.inf]]))
    if broken:
        rows.append(np.array([[-np.inf, np.inf]]))
    return np.concatenate(rows)


def _complement(forbidden: np.ndarray) -> np.ndarray:
    """The allowed set: the real line without the union of the forbidden open intervals, as sorted closed
    intervals (rows ``lo, hi``)."""
    forbidden = forbidden[forbidden[:, 0] < forbidden[:, 1]]
    if not len(forbidden):
        return np.array([[-np.inf, np.inf]])
    forbidden = forbidden[np.argsort(forbidden[:, 0], kind="mergesort")]
    lo, reach = forbidden[:, 0], np.maximum.accumulate(forbidden[:, 1])
    # a gap opens before interval i when it starts beyond everything forbidden so far
    gap = np.flatnonzero(lo[1:] > reach[:-1])
    starts = np.concatenate([[-np.inf], reach[gap], [reach[-1]]])
    ends = np.concatenate([[lo[0]], lo[gap + 1], [np.inf]])
    allowed = np.column_stack([starts, ends])
    return allowed[allowed[:, 0] < allowed[:, 1]]


def _contrast(members_a: np.ndarray, members_b: np.ndarray) -> np.ndarray:
    """``u = nu / ||nu||^2``: how far each row's feature moves per unit change of the statistic."""
    n_a, n_b = members_a.sum(), members_b.sum()
    u = np.zeros(len(members_a))
    u[members_a] = n_b / (n_a + n_b)
    u[members_b] = -n_a / (n_a + n_b)
    return u


def _statistic(x: np.ndarray, members_a: np.ndarray, members_b: np.ndarray, feature: int) -> float:
    return float(x[members_a, feature].mean() - x[members_b, feature].mean())


def _check_members(members_a, members_b, n: int) -> tuple[np.ndarray, np.ndarray]:
    members_a, members_b = np.asarray(members_a, bool), np.asarray(members_b, bool)
    if members_a.shape != (n,) or members_b.shape != (n,) or not members_a.any() or not members_b.any() \
            or (members_a & members_b).any():
        raise ValueError("members_a and members_b must mark two disjoint, non-empty sets of rows")
    return members_a, members_b


class WardTruncation:
    """Truncation sets for Ward's clustering cut into ``k`` clusters (see the module notes; [GBW22]_, [CG23]_).

    What does not depend on the clusters or the feature tested (the clusters formed before the cut, their
    means, sizes and lifetimes, the merge heights) is computed once, so that many tests of one clustering are
    quick.

    Parameters
    ----------
    x : array, shape (n, q)
    linkage_matrix : array
        ``scipy.cluster.hierarchy.linkage(x, "ward")``.
    k : int
        Number of clusters of the cut.
    """

    def __init__(self, x: np.ndarray, linkage_matrix: np.ndarray, k: int):
        # in units of the data's spread, so that the tolerances of the root finding do not depend on the scale the
        # scores are on (every condition is homogeneous in x and the statistic: S scales with the data)
        x = np.asarray(x, dtype=float)
        self.unit = float(np.std(x)) or 1.0
        self.x = x / self.unit
        n = len(self.x)
        linkage_matrix = np.asarray(linkage_matrix, dtype=float).copy()
        linkage_matrix[:, 2] /= self.unit
        merges = linkage_matrix[:, :2].astype(int)
        heights = linkage_matrix[:, 2] ** 2  # Ward's criterion, as R's ward.D heights on squared distances
        steps = n - int(k)
        rows = [np.array([i]) for i in range(n)]
        parent = np.arange(n + steps)
        for t, (g, h) in enumerate(merges[:steps]):
            rows.append(np.concatenate([rows[g], rows[h]]))
            parent[g] = parent[h] = n + t
        root = np.arange(n)
        while (parent[root] != root).any():
            root = parent[root]
        self.root = root  # the final cluster (a node id) of every row
        # birth: the step (1-based) that formed a node; end: the last step at which it is a candidate to merge
        birth = np.concatenate([np.zeros(n, int), np.arange(1, steps + 1)])
        end = np.full(n + steps, steps)
        for t, (g, h) in enumerate(merges[:steps]):
            end[g] = end[h] = t + 1
        i, j = np.triu_indices(n + steps, k=1)
        self.first = np.array([r[0] for r in rows])  # any member stands for its node's final cluster
        keep = (root[self.first[i]] != root[self.first[j]]) & (np.maximum(birth[i], birth[j])
                                                                < np.minimum(end[i], end[j]))
        self.i, self.j = i[keep], j[keep]
        size = np.array([len(r) for r in rows], dtype=float)
        self.means = np.array([self.x[r].mean(axis=0) for r in rows])
        self.weight = 2 * size[self.i] * size[self.j] / (size[self.i] + size[self.j])
        self.total = ((self.means[self.i] - self.means[self.j]) ** 2).sum(axis=1)
        self.bound = heights[np.minimum(end[self.i], end[self.j]) - 1]
        self.k = int(k)

    def intervals(self, members_a, members_b, feature: int) -> np.ndarray:
        """``S`` as closed intervals of the statistic ``mean_a - mean_b`` of ``x[:, feature]``."""
        members_a, members_b = _check_members(members_a, members_b, len(self.x))
        for members in (members_a, members_b):
            final = np.unique(self.root[members])
            if len(final) != 1 or (self.root == final[0]).sum() != members.sum():
                raise ValueError(f"the clusters tested are not clusters of the Ward tree cut into {self.k}")
        u = _contrast(members_a, members_b)
        ui, uj = u[self.first[self.i]], u[self.first[self.j]]
        moves = (ui != 0) | (uj != 0)  # pairs where neither moves keep their distance
        e = (ui - uj)[moves]
        weight = self.weight[moves]
        d = self.means[self.i[moves], feature] - self.means[self.j[moves], feature]
        # the pair stays at least as far apart as the merge it must not pre-empt:
        # weight (total + 2 d e delta + e^2 delta^2) >= bound
        allowed = _complement(_forbidden(-weight * e ** 2, -2 * weight * d * e,
                                         self.bound[moves] - weight * self.total[moves]))
        return (allowed + _statistic(self.x, members_a, members_b, feature)) * self.unit


def ward_truncation(x: np.ndarray, linkage_matrix: np.ndarray, k: int, members_a, members_b,
                    feature: int) -> np.ndarray:
    """Truncation set ``S`` of the statistic for Ward's clustering cut into ``k`` clusters
    (:class:`WardTruncation` for one test).

    Parameters
    ----------
    x : array, shape (n, q)
    linkage_matrix : array
        ``scipy.cluster.hierarchy.linkage(x, "ward")``.
    k : int
        Number of clusters of the cut.
    members_a, members_b : array of bool, shape (n,)
        The two clusters tested; each must be a cluster of the cut.
    feature : int
        Column of ``x`` tested.

    Returns
    -------
    ndarray, shape (m, 2)
        Closed intervals of the statistic ``mean_a - mean_b`` of ``x[:, feature]``.
    """
    return WardTruncation(x, linkage_matrix, k).intervals(members_a, members_b, feature)


class KMeansTruncation:
    """Truncation sets for a k-means clustering from :func:`lloyd_kmeans` (see the module notes; [CG23]_).

    Conditions on every assignment of every row at every iteration of every start, and on the kept start
    having the lowest within-cluster sum of squares. The centroids and distances along every path are computed
    once, so that many tests of one clustering are quick.

    Parameters
    ----------
    x : array, shape (n, q)
        The data ``fit`` was computed on.
    fit : KMeansFit
    """

    def __init__(self, x: np.ndarray, fit: KMeansFit):
        x = np.asarray(x, dtype=float)
        self.unit = float(np.std(x)) or 1.0  # see WardTruncation
        self.x = x / self.unit
        self.fit = fit
        n = len(self.x)
        k = len(fit.runs[0].initial)
        centres, squared, previous, current, seeds = [], [], [], [], []
        for run in fit.runs:
            steps = [(None, run.assignments[0], self.x[run.initial])]
            for before, after in zip(run.assignments[:-1], run.assignments[1:]):
                counts = np.bincount(before, minlength=k).astype(float)
                means = np.zeros((k, self.x.shape[1]))
                np.add.at(means, before, self.x)
                steps.append((before, after, means / counts[:, None]))
            for before, after, means in steps:
                centres.append(means)
                squared.append(((self.x[:, None, :] - means[None, :, :]) ** 2).sum(axis=2))
                # the initial step's centroids are rows: marked by -1 - row in `previous`
                previous.append(before if before is not None else np.full(n, -1))
                current.append(after)
                seeds.append(run.initial if before is None else np.full(k, -1))
        self.centres = np.array(centres)      # (S, k, q)
        self.squared = np.array(squared)      # (S, n, k)
        self.previous = np.array(previous)    # (S, n), -1 for an initial step
        self.current = np.array(current)      # (S, n)
        self.seeds = np.array(seeds)          # (S, k), rows of the initial centroids or -1
        self.k = k
        # for the centroids' shifts: each later step's previous assignment as flat (step, cluster) bins
        later = self.seeds[:, 0] < 0
        n_later = int(later.sum())
        self.bins = (np.arange(n_later)[:, None] * k + self.previous[later]).ravel()
        self.counts = np.bincount(self.bins, minlength=n_later * k).reshape(n_later, k).astype(float)
        self.c_own = np.take_along_axis(self.squared, self.current[:, :, None], axis=2)
        self._last = (None, None)  # see _pair

    def _centre_shift(self, u: np.ndarray) -> np.ndarray:
        """How far every centroid of every step moves per unit ``delta``: (S, k)."""
        shift = np.empty(self.seeds.shape)
        initial = self.seeds[:, 0] >= 0
        shift[initial] = u[self.seeds[initial]]
        later = ~initial
        if later.any():
            n_later = int(later.sum())
            sums = np.bincount(self.bins, weights=np.tile(u, n_later), minlength=n_later * self.k)
            shift[later] = sums.reshape(n_later, self.k) / self.counts
        return shift

    def _pair(self, members_a: np.ndarray, members_b: np.ndarray):
        """What depends on the pair of clusters but not on the feature (kept for the pair last asked about, as
        a table tests every feature of one pair in turn): ``u``, how far rows move relative to every centre
        (``e``, ``e_own``) and the quadratic coefficients of the assignment conditions."""
        key = (members_a.tobytes(), members_b.tobytes())
        if self._last[0] != key:
            u = _contrast(members_a, members_b)
            e = u[None, :, None] - self._centre_shift(u)[:, None, :]                # (S, n, k)
            e_own = np.take_along_axis(e, self.current[:, :, None], axis=2)
            self._last = (key, (u, e, e_own, e_own ** 2 - e ** 2))
        return self._last[1]

    def intervals(self, members_a, members_b, feature: int) -> np.ndarray:
        """``S`` as closed intervals of the statistic ``mean_a - mean_b`` of ``x[:, feature]``."""
        members_a, members_b = _check_members(members_a, members_b, len(self.x))
        labels = self.fit.labels_
        for members in (members_a, members_b):
            if len(np.unique(labels[members])) != 1 or (labels == labels[members][0]).sum() != members.sum():
                raise ValueError("the clusters tested are not clusters of the k-means result")
        u, e, e_own, a = self._pair(members_a, members_b)
        x = self.x
        d = x[None, :, feature, None] - self.centres[:, None, :, feature]         # (S, n, k)
        d_own = np.take_along_axis(d, self.current[:, :, None], axis=2)
        # each row stays at least as close to its own centre as to every other one (against its own centre the
        # coefficients are 0: a condition that always holds)
        b = 2 * (d_own * e_own - d * e)
        c = self.c_own - self.squared
        pieces = [_forbidden(a, b, c)]
        # and the kept start keeps the lowest within-cluster sum of squares
        kept = _inertia_coefficients(x, u, labels, self.k, feature)
        others = [_inertia_coefficients(x, u, run.labels, self.k, feature)
                  for i, run in enumerate(self.fit.runs) if i != self.fit.best and np.isfinite(run.inertia)]
        if others:
            others = np.array(others)
            pieces.append(_forbidden(kept[0] - others[:, 0], kept[1] - others[:, 1], kept[2] - others[:, 2]))
        return (_complement(np.concatenate(pieces)) + _statistic(x, members_a, members_b, feature)) * self.unit


def _inertia_coefficients(x, u, labels, k, feature):
    """Within-cluster sum of squares of a partition as ``a delta^2 + b delta + c`` (rows move by ``delta u``)."""
    counts = np.bincount(labels, minlength=k)
    means = np.zeros((k, x.shape[1]))
    np.add.at(means, labels, x)
    means /= counts[:, None]
    shift = np.bincount(labels, weights=u, minlength=k) / counts
    d = x[:, feature] - means[labels, feature]
    e = u - shift[labels]
    return float((e ** 2).sum()), float(2 * (d * e).sum()), float(((x - means[labels]) ** 2).sum())


def kmeans_truncation(x: np.ndarray, fit: KMeansFit, members_a, members_b, feature: int) -> np.ndarray:
    """Truncation set ``S`` of the statistic for the k-means clustering ``fit`` (:class:`KMeansTruncation` for
    one test).

    Parameters
    ----------
    x : array, shape (n, q)
        The data ``fit`` was computed on.
    fit : KMeansFit
        From :func:`lloyd_kmeans`.
    members_a, members_b : array of bool, shape (n,)
        The two clusters tested (clusters of ``fit.labels_``).
    feature : int

    Returns
    -------
    ndarray, shape (m, 2)
        Closed intervals of the statistic ``mean_a - mean_b`` of ``x[:, feature]``.
    """
    return KMeansTruncation(x, fit).intervals(members_a, members_b, feature)


def _log_mass(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``log P(lo <= Z <= hi)`` for a standard normal ``Z``, accurate far in the tails."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    out = np.full(lo.shape, -np.inf)
    upper = lo >= 0  # both in the upper tail: differences of survival functions
    lower = hi <= 0
    middle = ~upper & ~lower
    with np.errstate(divide="ignore", invalid="ignore"):
        sa, sb = stats.norm.logsf(lo[upper]), stats.norm.logsf(hi[upper])
        out[upper] = sa + np.log(-np.expm1(sb - sa))
        ca, cb = stats.norm.logcdf(hi[lower]), stats.norm.logcdf(lo[lower])
        out[lower] = ca + np.log(-np.expm1(cb - ca))
        # straddling 0: the difference of error functions keeps narrow intervals accurate
        out[middle] = np.log(0.5 * (special.erf(hi[middle] / np.sqrt(2)) - special.erf(lo[middle] / np.sqrt(2))))
    return out


def truncated_pvalue(statistic: float, scale: float, intervals: np.ndarray) -> float:
    """Two-sided p-value ``P(|phi| >= |statistic| | phi in S)`` for ``phi ~ N(0, scale^2)`` truncated to ``S``.

    Parameters
    ----------
    statistic : float
        The observed statistic (signed); it lies in ``S``.
    scale : float
        Standard deviation of the statistic under the null hypothesis, ``sigma ||nu||``.
    intervals : array, shape (m, 2)
        ``S`` as closed intervals (from :func:`ward_truncation` or :func:`kmeans_truncation`).

    Returns
    -------
    float
        The p-value, or ``NaN`` when the observed statistic is not strictly inside an interval of ``S``. With
        continuous data that has probability zero. With scores that are means of a few ratings the clustering may
        have to break an exact tie (an alliance exactly as far from two centroids) that this statistic sits on:
        ``S`` then ends at the observed value, or shrinks to it, and the p-value would be 0 or 1 by an artefact of
        the tie-breaking rule, not of the data. The model (continuous noise) gives such ties probability zero and
        says nothing about them, so the p-value is reported as undefined rather than as 0.

    Examples
    --------
    Without truncation it is the usual two-sided normal p-value:

    >>> round(truncated_pvalue(1.96, 1.0, np.array([[-np.inf, np.inf]])), 4)
    0.05
    """
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number; got {scale!r}")
    z = np.asarray(intervals, dtype=float).reshape(-1, 2) / scale
    observed = statistic / scale
    # on an end of S the observed data sit on a tie the clustering broke by its rule: see Returns
    margin = 1e-9 * max(1.0, abs(observed))
    if not ((z[:, 0] < observed - margin) & (observed + margin < z[:, 1])).any():
        return float("nan")
    t = abs(observed)
    total = special.logsumexp(_log_mass(z[:, 0], z[:, 1]))
    # S within the two tails |phi| >= t (never empty: the observed statistic is inside S)
    upper = np.column_stack([np.maximum(z[:, 0], t), z[:, 1]])
    lower = np.column_stack([z[:, 0], np.minimum(z[:, 1], -t)])
    tails = np.concatenate([upper[upper[:, 0] < upper[:, 1]], lower[lower[:, 0] < lower[:, 1]]])
    tail = special.logsumexp(_log_mass(tails[:, 0], tails[:, 1]))
    return float(min(1.0, np.exp(tail - total)))


def estimate_sigma(x: np.ndarray, method: str) -> float:
    """The noise standard deviation of one feature, estimated as [GBW22]_ (``"ward"``: pooled standard deviation
    around the column means, ``sqrt(sum((x - mean)^2) / (n q - q))``) or [CG23]_ (``"kmeans"``: the median
    estimator ``sqrt(median((x - column median)^2) / qchisq(1/2, 1))``) do.

    >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 2.0]])
    >>> round(estimate_sigma(x, "ward"), 4)
    1.5811
    """
    x = np.asarray(x, dtype=float)
    n, q = x.shape
    if method == "ward":
        return float(np.sqrt(((x - x.mean(axis=0)) ** 2).sum() / (n * q - q)))
    if method == "kmeans":
        centred = x - np.median(x, axis=0)
        return float(np.sqrt(np.median(centred ** 2) / stats.chi2.ppf(0.5, df=1)))
    raise ValueError(f"sigma is estimated for 'ward' or 'kmeans'; got {method!r}")
