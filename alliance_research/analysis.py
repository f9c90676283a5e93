"""Every analysis of a library in one object: scores, gaps, changes, clusters and outcomes.

The write-ups, the report and the notebooks all need the same results; :func:`analyse` computes them once with
one seed, and :class:`Analysis` hands them out.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import pandas as pd

from ._bootstrap import SCORE_OPTIONS
from .clustering import ClusterResult, ClusterWarning, cluster_profiles
from .gaps import perception_gaps
from .library import Library
from .outcomes import alliance_kpis, kpi_by_cluster, maturity_vs_kpi
from .qca import library_qca
from .scoring import Scores, score_library
from .trends import wave_changes

__all__ = ["Analysis", "analyse"]


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

    @property
    def framework(self):
        return self.library.framework

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
    scores = score_library(library, n_boot=n_boot, random_state=random_state, **score_options)
    latest = scores.latest()
    shared = {key: score_options[key] for key in SCORE_OPTIONS if key in score_options}
    gaps = perception_gaps(library.responses, library.framework, n_boot=n_boot, random_state=random_state, **shared)
    changes = wave_changes(library.responses, library.framework, n_boot=n_boot, random_state=random_state, **shared)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClusterWarning)  # the verdict says it in words, where readers look
        clusters = cluster_profiles(latest.profiles(), k=k, method=method, random_state=random_state,
                                    n_boot=cluster_boot, framework=library.framework)
    if len(library.outcomes):
        labels = clusters.labels.droplevel("wave")
        index = latest.maturity.set_index("alliance_id")["maturity_index"]
        kpi_values = alliance_kpis(library.outcomes, library.kpis)
        by_cluster = kpi_by_cluster(library.outcomes, library.kpis, labels, clusters.names)
        correlation = maturity_vs_kpi(index, library.outcomes, library.kpis, n_boot=min(n_boot, 2000) or 0,
                                      random_state=random_state)
        configurations = library_qca(latest, library.outcomes, library.kpis)
    else:
        kpi_values = by_cluster = correlation = configurations = pd.DataFrame()
    settings = dict(method=method, k=clusters.k, random_state=random_state, n_boot=n_boot,
                    cluster_boot=cluster_boot, **score_options)
    return Analysis(library, scores, latest, gaps, changes, clusters, kpi_values, by_cluster, correlation, settings,
                    qca=configurations)
