"""Every analysis of a library in one object: scores, gaps, changes, clusters and outcomes.

The write-ups, the report and the notebooks all need the same results; :func:`analyse` computes them once with
one seed, and :class:`Analysis` hands them out.

A warning that qualifies a result (a :class:`~alliance_research.clustering.ClusterWarning` such as "the chosen k
is at the edge of the range", or scikit-learn's ``ConvergenceWarning``) is not left to a console nobody reads:
:func:`analyse` records it as a :class:`Caveat` of the result it qualifies, and the pages that show that result
list it. Other warnings (deprecations and the like) are passed on as they came.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from ._bootstrap import SCORE_OPTIONS
from .clustering import ClusterResult, ClusterWarning, cluster_profiles
from .gaps import perception_gaps
from .library import Library
from .outcomes import alliance_kpis, kpi_by_cluster, maturity_vs_kpi
from .qca import library_qca
from .scoring import Scores, score_library
from .trends import wave_changes

__all__ = ["Analysis", "Caveat", "analyse", "CAVEAT_WARNINGS"]

#: The warning categories that qualify a result, and so become caveats on the pages that show it.
CAVEAT_WARNINGS = (ClusterWarning, ConvergenceWarning)


@dataclass(frozen=True)
class Caveat:
    """A warning raised while a result was computed, kept for the pages that show the result.

    Attributes
    ----------
    result : str
        The result it qualifies: ``"scores"``, ``"gaps"``, ``"changes"``, ``"clusters"``, ``"outcomes"`` or
        ``"qca"``.
    category : str
        The warning's class name (e.g. ``"ClusterWarning"``).
    message : str
        The warning's text.
    """

    result: str
    category: str
    message: str

    @property
    def sentence(self) -> str:
        """The message as a sentence: first letter upper case, a full stop at the end."""
        text = self.message.strip()
        text = text[:1].upper() + text[1:]
        return text if text.endswith((".", "!", "?")) else text + "."


@contextmanager
def _recording(result: str, caveats: list):
    """Record the warnings raised inside as caveats of ``result`` (those of ``CAVEAT_WARNINGS``, each message
    once), and pass every other warning on unchanged."""
    with warnings.catch_warnings(record=True) as caught:
        # every warning is seen here, whatever the caller's filters: a caveat must not depend on them
        warnings.simplefilter("always")
        yield
    passed_on = set()
    for w in caught:
        if issubclass(w.category, CAVEAT_WARNINGS):
            caveat = Caveat(result, w.category.__name__, str(w.message))
            if caveat not in caveats:
                caveats.append(caveat)
            continue
        # not about a result: back to the caller's filters, as if never caught (once per place and text, as the
        # default filter shows a warning raised in a loop)
        key = (w.category, str(w.message), w.filename, w.lineno)
        if key not in passed_on:
            passed_on.add(key)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


@dataclass(frozen=True)
class Analysis:
    """The results of :func:`analyse`.

    Attributes
    ----------
    library : Library
    scores : Scores
        Every alliance and wave.
    latest : Scores
        Each alliance's latest wave (what the clusters and the library comparisons use).
    gaps : DataFrame
        Client versus partners (:func:`~alliance_research.gaps.perception_gaps`), every wave.
    changes : DataFrame
        Change from the previous wave (:func:`~alliance_research.trends.wave_changes`).
    clusters : ClusterResult
        Clusters of the latest profiles.
    kpi_values, kpi_by_cluster, maturity_vs_kpi : DataFrame
        Outcomes per alliance, by cluster and against the maturity index (empty without outcomes).
    settings : dict
        The parameters used.
    qca : DataFrame
        Fuzzy-set QCA of each KPI on the area scores (:func:`~alliance_research.qca.library_qca`; empty without
        outcomes).
    caveats : tuple of Caveat
        The warnings that qualify a result, raised while it was computed, in the order they came (e.g. a number
        of clusters chosen at the edge of the range searched). :meth:`caveats_for` gives those of one result.
    """

    library: Library
    scores: Scores
    latest: Scores
    gaps: pd.DataFrame
    changes: pd.DataFrame
    clusters: ClusterResult
    kpi_values: pd.DataFrame
    kpi_by_cluster: pd.DataFrame
    maturity_vs_kpi: pd.DataFrame
    settings: dict = field(default_factory=dict)
    qca: pd.DataFrame = field(default_factory=pd.DataFrame)
    caveats: tuple[Caveat, ...] = ()

    @property
    def framework(self):
        return self.library.framework

    def caveats_for(self, result: str, *, omit_verdict: bool = False) -> list[str]:
        """The caveats of one result (``"clusters"``, ``"outcomes"``, ...), as sentences for a page.

        ``omit_verdict`` leaves out a caveat that only repeats the clusters' verdict (``clusters.verdict``), for
        a page that states the verdict already.
        """
        verdict = self.clusters.verdict
        return [c.sentence for c in self.caveats
                if c.result == result and not (omit_verdict and verdict and verdict in c.message)]

    @property
    def cluster_of(self) -> pd.Series:
        """Cluster per alliance id (latest wave)."""
        return self.clusters.labels.droplevel("wave")


def analyse(library: Library, *, method: str = "kmeans", k: int | None = None, random_state: int = 0,
            n_boot: int = 1000, cluster_boot: int = 100, **score_options) -> Analysis:
    """Score, compare, cluster and relate to outcomes: everything the write-ups and the report show.

    Parameters
    ----------
    library : Library
    method, k : str, int or None
        Clustering method and number of clusters (see :func:`~alliance_research.clustering.cluster_profiles`).
    random_state : int
        One seed for every bootstrap and fit.
    n_boot : int
        Bootstrap replicates for the score, gap, change and correlation intervals.
    cluster_boot : int
        Bootstrap replicates for the cluster stability.
    **score_options
        Passed to :func:`~alliance_research.scoring.score_responses` (e.g. ``aggregate="median"``).
    """
    caveats: list[Caveat] = []
    with _recording("scores", caveats):
        scores = score_library(library, n_boot=n_boot, random_state=random_state, **score_options)
        latest = scores.latest()
    shared = {key: score_options[key] for key in SCORE_OPTIONS if key in score_options}
    with _recording("gaps", caveats):
        gaps = perception_gaps(library.responses, library.framework, n_boot=n_boot, random_state=random_state,
                               **shared)
    with _recording("changes", caveats):
        changes = wave_changes(library.responses, library.framework, n_boot=n_boot, random_state=random_state,
                               **shared)
    with _recording("clusters", caveats):
        clusters = cluster_profiles(latest.profiles(), k=k, method=method, random_state=random_state,
                                    n_boot=cluster_boot, framework=library.framework)
    if len(library.outcomes):
        labels = clusters.labels.droplevel("wave")
        index = latest.maturity.set_index("alliance_id")["maturity_index"]
        with _recording("outcomes", caveats):
            kpi_values = alliance_kpis(library.outcomes, library.kpis)
            by_cluster = kpi_by_cluster(library.outcomes, library.kpis, labels, clusters.names)
            correlation = maturity_vs_kpi(index, library.outcomes, library.kpis, n_boot=min(n_boot, 2000) or 0,
                                          random_state=random_state)
        with _recording("qca", caveats):
            configurations = library_qca(latest, library.outcomes, library.kpis)
    else:
        kpi_values = by_cluster = correlation = configurations = pd.DataFrame()
    settings = dict(method=method, k=clusters.k, random_state=random_state, n_boot=n_boot,
                    cluster_boot=cluster_boot, **score_options)
    return Analysis(library, scores, latest, gaps, changes, clusters, kpi_values, by_cluster, correlation, settings,
                    qca=configurations, caveats=tuple(caveats))
