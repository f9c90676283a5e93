"""Clustering alliances by their integration-maturity profiles.

Three methods, chosen to match what a reviewer would run in R:

- ``"kmeans"``: k-means by Lloyd's algorithm from 10 starts whose initial centroids are alliances drawn at random
  (R ``kmeans(algorithm = "Lloyd")``; :func:`~alliance_research.selective.lloyd_kmeans`), keeping every start's
  path so that the selective test below can condition on it;
- ``"ward"``: Ward's hierarchical clustering on Euclidean distances (R ``hclust(method = "ward.D2")``), cut
  into ``k`` groups;
- ``"gmm"``: a Gaussian mixture used as a latent profile analysis. By default (``covariance="equal"``) the
  practices' variances are **equal across profiles and their covariances fixed to zero**: tidyLPA's default
  model 1 (mclust ``"EEI"``), fitted by :class:`EqualVarianceMixture`; it is what stays estimable with a few
  dozen alliances and 19 practices. ``covariance="varying"`` lets variances differ by profile (tidyLPA model 2,
  mclust ``"VVI"``, scikit-learn's ``"diag"``), which needs many more alliances than practices.

Profiles are not standardised: every practice is on the same 0..4 scale, so distances stay in scale points and
cluster centres read directly as maturity profiles.

Choosing ``k`` (when ``k=None``): among ``k = 2 .. min(8, n // 3)``, k-means and Ward take the highest average
silhouette width (Rousseeuw, 1987); the mixture takes, among solutions whose smallest class holds at least
``max(2, 5%)`` of the alliances (the usual LPA guard against spurious tiny classes; Nylund-Gibson & Choi, 2018),
the fewest classes whose BIC is within 10 of the lowest (a larger BIC difference is "very strong" evidence for
the extra classes; Raftery, 1995). A :class:`ClusterWarning` says when the chosen ``k`` sits at the edge of the range.

Is there structure at all? :func:`structure_test` compares the partition's within-cluster share of the spread
with the best k-means cut of Gaussian reference data of the same covariance (in the manner of SigClust; Liu et
al., 2008). Alliances that vary along one continuum (more or less mature overall) split stably into "high" and
"low" halves, so stability alone cannot tell clusters from a continuum; the :attr:`ClusterResult.verdict`
says "unstable" when the structure test finds nothing, and "unconfirmed" when it finds nothing but has too few
alliances to tell (fewer than ``POWER_RATIO`` times the number of practices).

What distinguishes two clusters? Testing a practice's difference between clusters with the scores that formed the
clusters gives p-values that are small by construction ("double dipping"), so no such naive test is reported.
:func:`difference_test` gives the selective p-value of Chen & Gao (2023+) for Ward and k-means (see
:mod:`alliance_research.selective`), valid because it conditions on the clustering having produced the two
clusters; :attr:`ClusterResult.differences` has it for every practice and pair of clusters, with
Benjamini-Hochberg adjustment over the whole table. The latent profile model has no such test: for ``"gmm"`` the
differences are descriptive only (``p_selective`` is empty). Hedges' g in :func:`distinguishing_practices` is
always descriptive.

Stability: Hennig's (2007) clusterwise bootstrap (R ``fpc::clusterboot``, ``bootmethod = "boot"``): resample
alliances with replacement, recluster with the same method and ``k``, and for each original cluster take the
highest Jaccard similarity with any bootstrap cluster, both restricted to the alliances drawn; the mean over
replicates is the cluster's stability. Hennig's reading: 0.5 or below, the cluster *dissolved*; 0.6 to 0.75, a
pattern whose membership is doubtful; 0.75 or more, *stable*; 0.85 or more, *highly stable* (0.5 to 0.6 is
called *weak* here). As in fpc, each resample reclusters the distinct alliances drawn, and a cluster none of
whose members was drawn scores 0.

References
----------
.. [Hen07] Hennig, C. (2007). Cluster-wise assessment of cluster stability. *Computational Statistics & Data
   Analysis*, 52(1), 258-271.
.. [Rou87] Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation and validation of cluster
   analysis. *Journal of Computational and Applied Mathematics*, 20, 53-65.
.. [NC18] Nylund-Gibson, K. & Choi, A. Y. (2018). Ten frequently asked questions about latent class analysis.
   *Translational Issues in Psychological Science*, 4(4), 440-461.
.. [Ros18] Rosenberg, J. M., Beymer, P. N., Anderson, D. J., van Lissa, C. J. & Schmidt, J. A. (2018). tidyLPA:
   an R package to easily carry out latent profile analysis (LPA) using open-source or commercial software.
   *Journal of Open Source Software*, 3(30), 978.
.. [LHNM08] Liu, Y., Hayes, D. N., Nobel, A. & Marron, J. S. (2008). Statistical significance of clustering for
   high-dimension, low-sample size data. *Journal of the American Statistical Association*, 103(483),
   1281-1293.
.. [Raf95] Raftery, A. E. (1995). Bayesian model selection in social research. *Sociological Methodology*, 25,
   111-163.
.. [BH95] Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. *Journal of the Royal
   Statistical Society B*, 57(1), 289-300.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from threadpoolctl import threadpool_limits

from .multiplicity import p_adjust
from .selective import KMeansFit, KMeansTruncation, WardTruncation, estimate_sigma, lloyd_kmeans, truncated_pvalue

__all__ = ["cluster_profiles", "ClusterResult", "ClusterWarning", "stability_band", "distinguishing_practices",
           "hedges_g", "difference_test", "difference_table", "cluster_index", "structure_test", "EqualVarianceMixture",
           "fill_missing", "METHODS", "COVARIANCES", "STABILITY_BANDS", "DIFFERENCE_COLUMNS"]

METHODS = ("kmeans", "ward", "gmm")
#: Covariance structures of the latent profile analysis (``method="gmm"``), as tidyLPA names them.
COVARIANCES = {
    "equal": "variances equal across profiles, covariances fixed to zero (tidyLPA model 1, mclust EEI)",
    "varying": "variances varying across profiles, covariances fixed to zero (tidyLPA model 2, mclust VVI)",
}
#: Hennig's (2007) interpretation of a cluster's mean bootstrap Jaccard: (lower bound, reading).
STABILITY_BANDS = ((0.85, "highly stable"), (0.75, "stable"), (0.6, "pattern, doubtful membership"),
                   (0.5, "weak"))


def fill_missing(profiles: pd.DataFrame) -> pd.DataFrame:
    """The profiles as clustered: a missing practice score is the practice's mean over the alliances (the
    overall mean when no alliance scores the practice). The workshop compares a room with these same profiles."""
    filled = profiles.astype(float)
    return filled.fillna(filled.mean()).fillna(filled.stack().mean())


def _single_threaded(function):
    """Run ``function`` with one OpenMP thread: scikit-learn's k-means on a few hundred small fits spends far
    longer starting and parking threads than computing (on a 2-core machine, 7 s instead of 0.08 s for one fit
    on 2,000 alliances)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="openmp"):
            return function(*args, **kwargs)
    return wrapper


class ClusterWarning(UserWarning):
    """A clustering result a reader should treat with care (e.g. the chosen k is at the edge of the range)."""


@dataclass(frozen=True)
class ClusterResult:
    """The outcome of :func:`cluster_profiles`.

    Attributes
    ----------
    labels : Series
        Cluster of each alliance, indexed like ``profiles``; 0 is the least mature cluster, numbered upwards by
        the mean of the cluster's practice scores.
    selection : DataFrame
        One row per candidate ``k``: ``k``, ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``,
        ``smallest_class`` (alliances) and, for ``"gmm"``, ``log_likelihood``, ``bic``, ``aic``, ``entropy``;
        ``chosen`` marks the ``k`` used.
    stability : Series
        Mean bootstrap Jaccard per cluster (Hennig's clusterwise stability), indexed by cluster.
    stability_table : DataFrame
        Per cluster: ``cluster``, ``name``, ``n``, ``jaccard_mean``, ``jaccard_sd``, ``dissolved`` (share of
        replicates with Jaccard <= 0.5), ``recovered`` (share >= 0.75) and ``reading`` (Hennig's band).
    names : Series
        A readable name per cluster, from its centre: the level its mean reaches and the practices on which it
        stands furthest above and below the other alliances.
    centres : DataFrame
        Clusters by practices: mean profile of each cluster.
    distinguishing : DataFrame
        See :func:`distinguishing_practices` (descriptive: no p-values).
    differences : DataFrame
        See :func:`difference_table`: every practice and pair of clusters with the selective p-value (computed
        on first use).
    method, k, n_boot, random_state, covariance
        What was run (``covariance`` is ``None`` except for ``"gmm"``).
    linkage : ndarray or None
        Ward's linkage matrix (for a dendrogram), rows in ``profiles`` order.
    kmeans : KMeansFit or None
        For ``"kmeans"``: every start's Lloyd path (what the selective test conditions on).
    profiles : DataFrame or None
        The profiles clustered, as given (missing scores included).
    probabilities : DataFrame or None
        For ``"gmm"``: each alliance's posterior probability of each cluster.
    imputed : int
        Missing practice scores that were replaced by the practice's mean over the other alliances.
    structure : dict
        :func:`structure_test` of the partition against a single Gaussian cloud (``p_value`` etc.).
    verdict : str
        One sentence a reader can rely on: whether there is evidence of clusters at all (the structure test)
        and how stable they are (Hennig's bands): ``"stable: ..."``, ``"moderately stable: ..."``,
        ``"partly stable: ..."``, ``"unconfirmed: ..."`` (stable under resampling, but too few alliances for the
        structure test to rule out a continuum) or ``"unstable: ..."`` (the structure test finds no clusters).
    """

    labels: pd.Series
    selection: pd.DataFrame
    stability: pd.Series
    stability_table: pd.DataFrame
    names: pd.Series
    centres: pd.DataFrame
    distinguishing: pd.DataFrame
    method: str
    k: int
    n_boot: int
    random_state: int
    linkage: np.ndarray | None = field(default=None, repr=False)
    probabilities: pd.DataFrame | None = field(default=None, repr=False)
    imputed: int = 0
    covariance: str | None = None
    structure: dict = field(default_factory=dict)
    verdict: str = ""
    kmeans: KMeansFit | None = field(default=None, repr=False)
    profiles: pd.DataFrame | None = field(default=None, repr=False)

    @functools.cached_property
    def differences(self) -> pd.DataFrame:
        """Every practice and pair of clusters with the selective p-value: :func:`difference_table` of the
        profiles clustered (computed on first use)."""
        if self.profiles is None:
            raise ValueError("this ClusterResult does not keep the profiles it clustered")
        return difference_table(self.profiles, self)

    def summary(self) -> pd.DataFrame:
        """One row per cluster: ``cluster``, ``name``, ``n``, ``mean_score``, ``jaccard_mean`` and ``reading``."""
        table = self.stability_table[["cluster", "name", "n", "jaccard_mean", "reading"]].copy()
        table.insert(3, "mean_score", self.centres.mean(axis=1).to_numpy())
        return table


def stability_band(jaccard: float) -> str:
    """Hennig's (2007) reading of a cluster's mean bootstrap Jaccard similarity.

    >>> stability_band(0.9), stability_band(0.7), stability_band(0.45)
    ('highly stable', 'pattern, doubtful membership', 'dissolved')
    """
    if jaccard != jaccard:
        return "not assessed"
    if jaccard <= 0.5:
        return "dissolved"
    return next(reading for bound, reading in STABILITY_BANDS if jaccard >= bound)


class EqualVarianceMixture:
    """Gaussian mixture with one diagonal covariance shared by every class: tidyLPA's model 1 (mclust "EEI").

    Fitted by expectation-maximisation from a k-means start (10 starts), until the log-likelihood changes by
    less than ``tol``. With few alliances and many practices this is the structure that stays estimable: it
    has ``k p`` means, ``p`` variances and ``k - 1`` mixing proportions.

    Parameters
    ----------
    n_components : int
    tol : float
        Convergence threshold on the log-likelihood.
    max_iter : int
    reg_covar : float
        Floor added to the variances, so a practice on which every alliance agrees does not make the
        likelihood infinite.
    random_state : int
    """

    def __init__(self, n_components: int, *, tol: float = 1e-10, max_iter: int = 2000, reg_covar: float = 1e-6,
                 random_state: int = 0):
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.reg_covar = reg_covar
        self.random_state = random_state

    def _log_joint(self, x: np.ndarray) -> np.ndarray:
        """``log(pi_c) + log N(x_i | mu_c, diag(var))``, shape (n, k)."""
        diff = x[:, None, :] - self.means_[None, :, :]
        quad = (diff ** 2 / self.variances_).sum(axis=-1)
        log_det = np.log(self.variances_).sum()
        return np.log(self.weights_)[None, :] - 0.5 * (quad + log_det + x.shape[1] * np.log(2 * np.pi))

    @_single_threaded
    def fit(self, x: np.ndarray) -> "EqualVarianceMixture":
        x = np.asarray(x, dtype=float)
        n, p = x.shape
        k = self.n_components
        from sklearn.cluster import KMeans  # here: reading back a saved analysis needs no scikit-learn

        start = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit(x).labels_
        resp = np.eye(k)[start]
        previous = -np.inf
        for iteration in range(self.max_iter):
            # M-step
            nk = resp.sum(axis=0) + 10 * np.finfo(float).eps
            self.weights_ = nk / n
            self.means_ = resp.T @ x / nk[:, None]
            sq = ((x[:, None, :] - self.means_[None, :, :]) ** 2 * resp[:, :, None]).sum(axis=(0, 1))
            self.variances_ = sq / n + self.reg_covar
            # E-step
            joint = self._log_joint(x)
            total = np.logaddexp.reduce(joint, axis=1)
            resp = np.exp(joint - total[:, None])
            loglik = float(total.sum())
            if abs(loglik - previous) < self.tol * max(1.0, abs(loglik)):
                break
            previous = loglik
        self.n_iter_ = iteration + 1
        self.log_likelihood_ = loglik
        return self

    @property
    def n_parameters(self) -> int:
        k, p = self.means_.shape
        return k * p + p + (k - 1)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        joint = self._log_joint(np.asarray(x, dtype=float))
        return np.exp(joint - np.logaddexp.reduce(joint, axis=1)[:, None])

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.predict_proba(x).argmax(axis=1)

    def score(self, x: np.ndarray) -> float:
        """Mean log-likelihood per alliance (as scikit-learn's ``score``)."""
        return float(np.logaddexp.reduce(self._log_joint(np.asarray(x, dtype=float)), axis=1).mean())

    def bic(self, x: np.ndarray) -> float:
        """``-2 log L + n_parameters log n`` (lower is better; mclust reports the negative)."""
        return -2 * self.score(x) * len(x) + self.n_parameters * np.log(len(x))

    def aic(self, x: np.ndarray) -> float:
        return -2 * self.score(x) * len(x) + 2 * self.n_parameters


def _fit(x: np.ndarray, k: int, method: str, random_state: int, covariance: str = "equal"):
    """Labels (0..k-1) and the fitted model (Ward: the linkage matrix) for one clustering."""
    if method == "kmeans":
        model = lloyd_kmeans(x, k, n_init=10, random_state=random_state)
        return model.labels_.astype(int), model
    if method == "ward":
        model = linkage(x, method="ward")
        return fcluster(model, t=k, criterion="maxclust").astype(int) - 1, model
    if covariance == "equal":
        model = EqualVarianceMixture(k, random_state=random_state).fit(x)
    else:
        from sklearn.mixture import GaussianMixture

        model = GaussianMixture(n_components=k, covariance_type="diag", n_init=5, reg_covar=1e-4,
                                random_state=random_state).fit(x)
    return model.predict(x).astype(int), model


def _entropy(probabilities: np.ndarray) -> float:
    """Relative entropy of a mixture's classification, as tidyLPA reports it (1 = perfectly separated)."""
    n, k = probabilities.shape
    p = np.clip(probabilities, 1e-300, 1)
    return float(1 - (-(p * np.log(p)).sum()) / (n * np.log(k)))


def _selection(x: np.ndarray, ks: range, method: str, random_state: int, covariance: str) -> pd.DataFrame:
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    rows = []
    for k in ks:
        labels, model = _fit(x, k, method, random_state, covariance)
        sizes = np.bincount(labels, minlength=k)
        distinct = len(np.unique(labels)) > 1
        row = {"k": k,
               "silhouette": silhouette_score(x, labels) if distinct else np.nan,
               "calinski_harabasz": calinski_harabasz_score(x, labels) if distinct else np.nan,
               "davies_bouldin": davies_bouldin_score(x, labels) if distinct else np.nan,
               "smallest_class": int(sizes.min())}
        if method == "gmm":
            row.update(log_likelihood=float(model.score(x) * len(x)), bic=float(model.bic(x)),
                       aic=float(model.aic(x)), entropy=_entropy(model.predict_proba(x)))
        rows.append(row)
    return pd.DataFrame(rows)


def _choose_k(selection: pd.DataFrame, method: str, n: int) -> int:
    if method == "gmm":
        floor = max(2, int(np.ceil(0.05 * n)))
        ok = selection[selection["smallest_class"] >= floor]
        pool = ok if len(ok) else selection
        # the fewest classes whose BIC is within 10 of the best: more classes need "very strong" evidence
        # (a BIC difference above 10; Raftery, 1995)
        return int(pool.loc[pool["bic"] <= pool["bic"].min() + 10, "k"].min())
    return int(selection.sort_values(["silhouette", "k"], ascending=[False, True]).iloc[0]["k"])


def _jaccard_per_cluster(original: np.ndarray, k: int, drawn: np.ndarray, boot_labels: np.ndarray) -> np.ndarray:
    """For each original cluster, its best Jaccard with a bootstrap cluster, on the distinct alliances drawn
    (``boot_labels`` gives their bootstrap cluster, in the order of ``np.unique(drawn)``). A cluster none of
    whose members was drawn scores 0, as in fpc."""
    unique = np.unique(drawn)
    inter = pd.crosstab(original[unique], boot_labels).reindex(index=range(k), fill_value=0)
    inter = inter.to_numpy(dtype=float)
    size_orig = inter.sum(axis=1, keepdims=True)
    size_boot = inter.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        best = (inter / (size_orig + size_boot - inter)).max(axis=1)
    return np.where(size_orig[:, 0] > 0, best, 0.0)


def _stability(x: np.ndarray, labels: np.ndarray, k: int, method: str, n_boot: int,
               random_state: int, covariance: str) -> np.ndarray:
    """``(n_boot, k)`` Jaccard similarities; ``NaN`` for a resample with too few distinct alliances to cluster.

    As ``fpc::clusterboot`` with ``bootmethod = "boot"`` and ``multipleboot = FALSE``: each resample draws
    ``n`` alliances with replacement and reclusters the distinct ones.
    """
    rng = np.random.default_rng([int(random_state), 7])
    out = np.full((n_boot, k), np.nan)
    n = len(x)
    skipped, failed, warned, first = 0, 0, 0, ""
    for b in range(n_boot):
        drawn = rng.integers(0, n, n)
        unique = np.unique(drawn)
        if len(unique) <= k:
            skipped += 1
            continue
        # a refit's own warnings (e.g. scikit-learn's "fewer distinct clusters than n_clusters") would repeat once
        # per resample: they are counted, and said once below
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                boot_labels, _ = _fit(x[unique], k, method, random_state + b + 1, covariance)
            except ValueError:  # k-means found no k non-empty clusters (duplicate profiles): not assessable
                boot_labels = None
        if boot_labels is None:
            failed += 1
            continue
        if caught:
            warned += 1
            first = first or str(caught[0].message)
        out[b] = _jaccard_per_cluster(labels, k, drawn, boot_labels)
    if skipped or failed or warned:
        parts = ([f"{skipped} drew too few distinct alliances to recluster and were left out"] if skipped else []) + \
                ([f"{failed} could not be split into {k} non-empty clusters and were left out"] if failed else []) + \
                ([f"{warned} refits warned (first: {first.rstrip('.')})"] if warned else [])
        warnings.warn(f"the cluster stability rests on {n_boot - skipped - failed} of {n_boot} bootstrap resamples: "
                      f"{'; '.join(parts)}", ClusterWarning, stacklevel=4)
    return out


def cluster_index(x: np.ndarray, labels: np.ndarray) -> float:
    """Within-cluster sum of squares over the total sum of squares (the "cluster index" of Liu et al., 2008)."""
    total = ((x - x.mean(axis=0)) ** 2).sum()
    within = sum(((x[labels == c] - x[labels == c].mean(axis=0)) ** 2).sum() for c in np.unique(labels))
    return float(within / total) if total > 0 else float("nan")


@_single_threaded
def structure_test(x: np.ndarray, labels: np.ndarray, n_null: int = 100, random_state: int = 0) -> dict:
    """Is the partition tighter than the best cut of a single Gaussian cloud with the same spread?

    A Monte Carlo test in the manner of SigClust (Liu, Hayes, Nobel & Marron, 2008): the statistic is the
    partition's cluster index (within over total sum of squares, lower is tighter); the null distribution is the
    k-means cluster index, at the same ``k``, of ``n_null`` data sets drawn from a multivariate normal with the
    data's sample covariance (its eigenvalues suffice, the index being rotation invariant). Since k-means
    minimises the index, comparing any method's partition with k-means on the null is conservative, and with
    fewer alliances than practices the sample covariance carries the clusters' own spread, which makes the test
    more conservative still: a small p-value is good evidence of structure, a large one says the alliances may
    just vary along a continuum.

    Returns
    -------
    dict
        ``cluster_index``, ``null_mean``, ``null_low`` (5th percentile), ``p_value``
        (``(1 + #{null <= observed}) / (n_null + 1)``) and ``n_null``.
    """
    from sklearn.cluster import KMeans

    k = len(np.unique(labels))
    observed = cluster_index(x, labels)
    eigen = np.clip(np.linalg.eigvalsh(np.cov(x, rowvar=False)), 0, None)
    rng = np.random.default_rng([int(random_state), 11])
    null = np.empty(n_null)
    for r in range(n_null):
        z = rng.normal(size=x.shape) * np.sqrt(eigen)
        fit = KMeans(n_clusters=k, n_init=10, random_state=random_state + r).fit(z)
        null[r] = fit.inertia_ / ((z - z.mean(axis=0)) ** 2).sum()
    return {"cluster_index": observed, "null_mean": float(null.mean()) if n_null else np.nan,
            "null_low": float(np.quantile(null, 0.05)) if n_null else np.nan,
            "p_value": float((1 + (null <= observed).sum()) / (n_null + 1)) if n_null else np.nan,
            "n_null": n_null}


def hedges_g(a, b) -> float:
    """Hedges' g: the standardised mean difference ``(mean(a) - mean(b)) / s_pooled`` with the small-sample
    correction ``J = 1 - 3 / (4 (n_a + n_b) - 9)`` (Hedges & Olkin, 1985, p. 81).

    >>> round(hedges_g([3, 4, 5], [1, 2, 3]), 4)
    1.6
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return float("nan")
    pooled = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if pooled == 0:
        return float("nan")
    return float((a.mean() - b.mean()) / pooled * (1 - 3 / (4 * (na + nb) - 9)))


def distinguishing_practices(profiles: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """What sets each cluster apart, practice by practice: descriptive, without p-values.

    The clusters were formed to separate these very scores, so a test of their differences on the same data
    (Kruskal-Wallis, t) would reject by construction; :func:`difference_table` gives the valid selective test.

    Parameters
    ----------
    profiles : DataFrame
        Alliances by practices.
    labels : Series
        Cluster of each alliance (indexed like ``profiles``).

    Returns
    -------
    DataFrame
        One row per practice and cluster: ``practice_id``, ``cluster``, ``n``, ``mean``, ``mean_others``,
        ``difference`` and ``hedges_g`` (the cluster against all other alliances, see :func:`hedges_g`; a
        descriptive effect size).
    """
    rows = []
    clusters = sorted(labels.unique())
    for practice in profiles.columns:
        values = profiles[practice]
        for c in clusters:
            g = values[(labels == c) & values.notna()].to_numpy()
            others = values[(labels != c) & values.notna()].to_numpy()
            rows.append({"practice_id": practice, "cluster": int(c), "n": len(g),
                         "mean": g.mean() if len(g) else np.nan,
                         "mean_others": others.mean() if len(others) else np.nan, "hedges_g": hedges_g(g, others)})
    table = pd.DataFrame(rows, columns=["practice_id", "cluster", "n", "mean", "mean_others", "hedges_g"])
    table.insert(5, "difference", table["mean"] - table["mean_others"])
    return table


#: Columns of :func:`difference_table`.
DIFFERENCE_COLUMNS = ["practice_id", "cluster_a", "cluster_b", "n_a", "n_b", "mean_a", "mean_b", "difference",
                      "hedges_g", "sigma", "statistic", "p_selective", "p_selective_fdr"]


def _tested_data(profiles: pd.DataFrame, result: ClusterResult) -> np.ndarray:
    same = isinstance(profiles, pd.DataFrame) and profiles.index.equals(result.labels.index)
    if same and result.profiles is not None:
        same = profiles.columns.equals(result.profiles.columns) and profiles.equals(result.profiles)
    if not same:
        raise ValueError("profiles must be the DataFrame that was clustered (same alliances, same order, same "
                         "scores)")
    return fill_missing(profiles).to_numpy()


def _members(result: ClusterResult, cluster) -> np.ndarray:
    if cluster not in range(result.k):
        raise ValueError(f"cluster must be one of 0..{result.k - 1}; got {cluster!r}")
    return (result.labels == cluster).to_numpy()


def _sigma(x: np.ndarray, method: str, sigma) -> float:
    if sigma is None:
        sigma = estimate_sigma(x, method)
        if not np.isfinite(sigma) or sigma <= 0:
            raise ValueError(f"the noise standard deviation estimated from the scores is {sigma!r} (with the "
                             f"{method} estimator, e.g. when most scores equal their practice's median): give "
                             f"sigma instead")
        return sigma
    if not np.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a positive number; got {sigma!r}")
    return float(sigma)


def _truncation(x: np.ndarray, result: ClusterResult):
    """What the selective tests of one clustering share (computed once for a whole table)."""
    if result.method == "ward":
        return WardTruncation(x, result.linkage, result.k)
    return KMeansTruncation(x, result.kmeans)


def _difference_row(x: np.ndarray, truncation, cluster_a: int, cluster_b: int, a: np.ndarray, b: np.ndarray,
                    feature: int, practice, sigma: float) -> dict:
    """One row of :func:`difference_table` (the members ``a`` and ``b``, column ``feature`` of ``x``); without a
    ``truncation`` (no selective test) the statistic and p-value are missing."""
    difference = float(x[a, feature].mean() - x[b, feature].mean())
    statistic = p = np.nan
    if truncation is not None:
        scale = sigma * np.sqrt(1 / a.sum() + 1 / b.sum())
        statistic = difference / scale
        p = truncated_pvalue(difference, scale, truncation.intervals(a, b, feature))
    return {"practice_id": practice, "cluster_a": int(cluster_a), "cluster_b": int(cluster_b),
            "n_a": int(a.sum()), "n_b": int(b.sum()), "mean_a": float(x[a, feature].mean()),
            "mean_b": float(x[b, feature].mean()), "difference": difference,
            "hedges_g": hedges_g(x[a, feature], x[b, feature]), "sigma": sigma, "statistic": statistic,
            "p_selective": p}


def _check_testable(result: ClusterResult) -> None:
    if result.method == "gmm":
        raise ValueError("the latent profile model (method='gmm') has no selective test of a difference between "
                         "its classes; read its differences as descriptive (Hedges' g)")
    if result.method == "kmeans" and result.kmeans is None or result.method == "ward" and result.linkage is None:
        raise ValueError("this ClusterResult does not keep the clustering path the selective test needs")


def difference_test(profiles: pd.DataFrame, result: ClusterResult, cluster_a: int, cluster_b: int, practice: str,
                    sigma: float | None = None) -> pd.Series:
    """Selective test of a difference in one practice's mean between two clusters (Chen & Gao, 2023+).

    The p-value is computed conditional on the clustering (Ward or k-means, as in ``result``) having produced
    the two clusters, so it is valid although the clusters were found with these scores: under the null
    hypothesis of equal means it is uniform. See :mod:`alliance_research.selective` for the method.

    Parameters
    ----------
    profiles : DataFrame
        The alliances by practices that were clustered (missing scores are filled as the clustering filled them).
    result : ClusterResult
        From :func:`cluster_profiles` with ``method="ward"`` or ``"kmeans"``.
    cluster_a, cluster_b : int
        The clusters compared (``result.labels`` numbering).
    practice : str
        A column of ``profiles``.
    sigma : float or None
        Noise standard deviation of one practice score; ``None`` estimates it as the papers do (Ward: the pooled
        standard deviation of every practice; k-means: the median-based estimator).

    Returns
    -------
    Series
        ``practice_id``, ``cluster_a``, ``cluster_b``, ``n_a``, ``n_b``, ``mean_a``, ``mean_b``, ``difference``
        (``mean_a - mean_b``), ``hedges_g`` (descriptive), ``sigma``, ``statistic`` (the difference over its
        null standard deviation ``sigma sqrt(1/n_a + 1/n_b)``) and ``p_selective`` (two-sided; ``NaN`` when the
        clustering had to break an exact tie that this practice's difference sits on, where the selective
        p-value is undefined: see :func:`~alliance_research.selective.truncated_pvalue`).

    References
    ----------
    Chen, Y. T. & Gao, L. L. (2023+). Testing for a difference in means of a single feature after clustering.
    arXiv:2311.16375 (R package CADET). Gao, L. L., Bien, J. & Witten, D. (2022). Selective inference for
    hierarchical clustering. *JASA*.

    Examples
    --------
    >>> import alliance_research as ar
    >>> lib = ar.load_library()
    >>> profiles = ar.score_library(lib, n_boot=0).latest().profiles()
    >>> res = cluster_profiles(profiles, k=3, method="ward", n_boot=0, n_null=0)
    >>> test = difference_test(profiles, res, 2, 0, profiles.columns[0])
    >>> 0 <= test["p_selective"] <= 1
    True
    """
    _check_testable(result)
    x = _tested_data(profiles, result)
    if practice not in profiles.columns:
        raise ValueError(f"practice must be a column of profiles; got {practice!r}")
    if cluster_a == cluster_b:
        raise ValueError("cluster_a and cluster_b must differ")
    a, b = _members(result, cluster_a), _members(result, cluster_b)
    sigma = _sigma(x, result.method, sigma)
    feature = profiles.columns.get_loc(practice)
    return pd.Series(_difference_row(x, _truncation(x, result), cluster_a, cluster_b, a, b, feature, practice,
                                     sigma))


def difference_table(profiles: pd.DataFrame, result: ClusterResult, sigma: float | None = None) -> pd.DataFrame:
    """Every practice and pair of clusters: the difference in means and its selective p-value.

    Pairs are ``cluster_a > cluster_b`` (the more mature cluster first, so a positive difference means the more
    mature cluster scores higher). ``p_selective_fdr`` is Benjamini-Hochberg adjusted over the whole table
    (every practice and every pair: the family the synthesis draws its conclusions from). For a latent profile
    model (``"gmm"``) there is no selective test and both p columns are empty; the rest is descriptive.

    Returns
    -------
    DataFrame
        Columns ``DIFFERENCE_COLUMNS``: see :func:`difference_test`, plus ``p_selective_fdr``.
    """
    testable = result.method != "gmm"
    if testable:
        _check_testable(result)
    x = _tested_data(profiles, result)
    sigma = _sigma(x, result.method, sigma) if testable else np.nan
    truncation = _truncation(x, result) if testable else None
    rows = []
    for cluster_a in range(result.k - 1, 0, -1):
        for cluster_b in range(cluster_a - 1, -1, -1):
            a, b = _members(result, cluster_a), _members(result, cluster_b)
            rows += [_difference_row(x, truncation, cluster_a, cluster_b, a, b, feature, practice, sigma)
                     for feature, practice in enumerate(profiles.columns)]
    table = pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS[:-1])
    # a p-value left missing (no test, or a tie) stays missing and is not counted in the family
    table["p_selective_fdr"] = p_adjust(table["p_selective"].to_numpy(dtype=float), "BH") if len(table) else []
    return table


def _names(centres: pd.DataFrame, overall: pd.Series, framework) -> pd.Series:
    """``"<level>: high on <practice>; low on <practice>"`` from each centre's departures from the mean."""
    labels = dict(zip(framework.practices["practice_id"], framework.practices["label"])) if framework else {}
    names = {}
    for cluster, centre in centres.iterrows():
        mean = float(centre.mean())
        level = framework.level_names[int(np.clip(np.floor(mean + 0.5), framework.min_score,
                                                  framework.max_score))] if framework else f"mean {mean:.1f}"
        departure = (centre - overall).sort_values(kind="mergesort")
        high, low = departure.index[-1], departure.index[0]
        names[cluster] = f"{level}: high on {labels.get(high, high)}; low on {labels.get(low, low)}"
    series = pd.Series(names)
    duplicated = series.duplicated(keep=False)
    if duplicated.any():
        series[duplicated] = [f"{name} ({i + 1})" for i, name in enumerate(series[duplicated])]
    return series.rename("name").rename_axis("cluster")


#: The structure test is trusted to call clusters a continuum only with at least this many alliances per
#: practice (below it, the sample covariance carries the clusters' own spread and the test has little power).
POWER_RATIO = 2.0


def _verdict(structure: dict, jaccard: np.ndarray, n: int, n_practices: int, alpha: float = 0.05) -> str:
    p = structure.get("p_value", np.nan)
    weakest = np.nanmin(jaccard) if np.isfinite(jaccard).any() else np.nan
    powered = n >= POWER_RATIO * n_practices
    if p == p and p >= alpha and powered:
        return (f"unstable: the clusters are no tighter than cuts through a single cloud of alliances with the "
                f"same spread (structure test p = {p:.2f}); read them as positions along a continuum, not types")
    if weakest != weakest:
        return "not assessed: no bootstrap replicates were run"
    if p == p and p >= alpha:
        return (f"unconfirmed: the clusters recur under resampling (lowest mean Jaccard {weakest:.2f}), but with "
                f"{n} alliances and {n_practices} practices the structure test cannot tell them from a continuum "
                f"(p = {p:.2f})")
    if weakest < 0.6:
        return (f"partly stable: at least one cluster dissolves under resampling (lowest mean Jaccard "
                f"{weakest:.2f}); read only the clusters marked stable")
    if weakest < 0.75:
        return (f"moderately stable: every cluster is a recurring pattern but some memberships are doubtful "
                f"(lowest mean Jaccard {weakest:.2f})")
    return (f"stable: every cluster is recovered under resampling (lowest mean Jaccard {weakest:.2f})"
            + (f" and the partition is tighter than chance (structure test p = {p:.2f})" if p == p else ""))


@_single_threaded
def cluster_profiles(profiles: pd.DataFrame, k: int | None = None, method: str = "kmeans", random_state: int = 0,
                     *, k_max: int | None = None, n_boot: int = 100, n_null: int = 100, covariance: str = "equal",
                     framework=None) -> ClusterResult:
    """Cluster alliances by their practice-score profiles, choose ``k``, and assess stability.

    Parameters
    ----------
    profiles : DataFrame
        Alliances (rows) by practices (columns), e.g. ``Scores.latest().profiles()``; the index identifies the
        alliances (a MultiIndex such as ``(alliance_id, wave)`` is fine). Missing scores are replaced by the
        practice's mean over the other alliances (counted in ``imputed``).
    k : int or None
        Number of clusters; ``None`` chooses it from the selection table (see the module notes).
    method : {"kmeans", "ward", "gmm"}
        See the module notes; ``"gmm"`` is a latent profile analysis (equal variances and zero covariances by
        default; see ``covariance``).
    random_state : int
        Seed for the fits and the bootstrap.
    k_max : int or None
        Largest ``k`` considered (default ``min(8, n // 3)``).
    n_boot : int
        Bootstrap replicates for the stability assessment (Hennig recommends at least 100; 0 skips it).
    n_null : int
        Reference data sets for :func:`structure_test` (0 skips it).
    covariance : {"equal", "varying"}
        Covariance structure of the mixture (``method="gmm"`` only; see ``COVARIANCES``).
    framework : Framework or None
        Used for readable cluster names (level names and practice labels); ids are used without it.

    Returns
    -------
    ClusterResult

    Examples
    --------
    >>> import alliance_research as ar
    >>> lib = ar.load_library()
    >>> profiles = ar.score_library(lib, n_boot=0).latest().profiles()
    >>> res = cluster_profiles(profiles, k=4, n_boot=20, n_null=20, framework=lib.framework)
    >>> sorted(res.labels.unique().tolist())
    [0, 1, 2, 3]
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if covariance not in COVARIANCES:
        raise ValueError(f"covariance must be one of {', '.join(COVARIANCES)}; got {covariance!r}")
    if not isinstance(profiles, pd.DataFrame) or profiles.shape[1] == 0:
        raise ValueError("profiles must be a DataFrame of alliances (rows) by practice scores (columns)")
    n = len(profiles)
    if n < 4:
        raise ValueError(f"clustering needs at least 4 alliances; got {n}")
    if k is not None and (isinstance(k, bool) or int(k) != k):
        raise ValueError(f"k must be a whole number; got {k!r}")
    if not isinstance(random_state, (int, np.integer)) or random_state < 0:
        raise ValueError(f"random_state must be a whole number, 0 or more; got {random_state!r}")
    empty = profiles.index[profiles.isna().all(axis=1)]
    if len(empty):
        raise ValueError(f"{len(empty)} alliances have no practice score at all: {', '.join(map(str, empty[:5]))}")
    imputed = int(profiles.isna().sum().sum())
    filled = fill_missing(profiles)
    x = filled.to_numpy()
    distinct = len(np.unique(x, axis=0))
    if distinct < 2:
        raise ValueError("the profiles do not vary: every alliance has the same practice scores")
    k_max = min(8, n // 3) if k_max is None else int(k_max)
    k_max = max(2, min(k_max, n - 1, distinct))
    if k is not None:
        if not 2 <= int(k) < n:
            raise ValueError(f"k must be between 2 and {n - 1} for {n} alliances; got {k}")
        if int(k) > distinct:
            raise ValueError(f"k={k} clusters cannot be formed from {distinct} distinct profiles")
        k_max = max(k_max, int(k))
    ks = range(2, k_max + 1)
    selection = _selection(x, ks, method, random_state, covariance)
    if k is None:
        k = _choose_k(selection, method, n)
        if len(ks) > 1 and k in (ks[0], ks[-1]):
            warnings.warn(f"the chosen number of clusters, k={k}, is at the edge of the range considered "
                          f"({ks[0]}..{ks[-1]}); check the selection table and the stability before reading "
                          f"the clusters", ClusterWarning, stacklevel=3)
    k = int(k)
    selection["chosen"] = selection["k"] == k
    raw, model = _fit(x, k, method, random_state, covariance)
    # number the clusters by mean maturity, least mature first (a mixture component may end up empty)
    means = pd.Series(x.mean(axis=1)).groupby(raw).mean()
    order = means.sort_values(kind="mergesort").index.to_numpy()
    if len(order) < k:
        raise ValueError(f"only {len(order)} of the {k} clusters asked for hold any alliance with method "
                         f"{method!r}; choose a smaller k")
    relabel = np.full(raw.max() + 1, -1, dtype=int)
    relabel[order] = np.arange(k)
    labels = relabel[raw]
    label_series = pd.Series(labels, index=profiles.index, name="cluster")
    centres = filled.groupby(labels).mean().rename_axis("cluster")
    names = _names(centres, filled.mean(), framework)
    jaccard = (_stability(x, labels, k, method, n_boot, random_state, covariance) if n_boot
               else np.full((0, k), np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean_j = np.nanmean(jaccard, axis=0) if len(jaccard) else np.full(k, np.nan)
        sd_j = np.nanstd(jaccard, axis=0, ddof=1) if len(jaccard) > 1 else np.full(k, np.nan)
    valid = ~np.isnan(jaccard)
    with np.errstate(invalid="ignore", divide="ignore"):
        dissolved = ((jaccard <= 0.5) & valid).sum(axis=0) / valid.sum(axis=0)
        recovered = ((jaccard >= 0.75) & valid).sum(axis=0) / valid.sum(axis=0)
    stability_table = pd.DataFrame({
        "cluster": np.arange(k), "name": names.to_numpy(), "n": np.bincount(labels, minlength=k),
        "jaccard_mean": mean_j, "jaccard_sd": sd_j, "dissolved": dissolved, "recovered": recovered,
        "reading": [stability_band(v) for v in mean_j]})
    # with fewer than 19 reference sets no p-value can fall below 0.05: the test is not run
    structure = structure_test(x, labels, n_null=n_null, random_state=random_state) if n_null >= 19 else {}
    verdict = _verdict(structure, mean_j, n, x.shape[1])
    if verdict.startswith("unstable"):
        warnings.warn(f"no evidence of cluster structure: {verdict}", ClusterWarning, stacklevel=3)
    probabilities = None
    if method == "gmm":
        proba = model.predict_proba(x)
        probabilities = pd.DataFrame(proba[:, order], index=profiles.index, columns=pd.RangeIndex(k, name="cluster"))
    result = ClusterResult(
        labels=label_series, selection=selection,
        stability=pd.Series(mean_j, index=pd.RangeIndex(k, name="cluster"), name="jaccard_mean"),
        stability_table=stability_table, names=names, centres=centres,
        distinguishing=distinguishing_practices(profiles.astype(float), label_series), method=method, k=k, n_boot=n_boot,
        random_state=random_state, linkage=model if method == "ward" else None, probabilities=probabilities,
        imputed=imputed, covariance=covariance if method == "gmm" else None, structure=structure, verdict=verdict,
        kmeans=model if method == "kmeans" else None, profiles=profiles.copy())
    return result
