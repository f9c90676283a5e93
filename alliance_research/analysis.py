"""Every analysis of a library in one object: scores, gaps, changes, clusters and outcomes.

The write-ups, the report and the notebooks all need the same results; :func:`analyse` computes them once with
one seed, and :class:`Analysis` hands them out. The ratings are pivoted into one respondents-by-practices matrix
(``Analysis.ratings``) that the scores, gaps, changes and the agreement tables all start from.

A warning that qualifies a result (a :class:`~alliance_research.clustering.ClusterWarning` such as "the chosen k
is at the edge of the range", or scikit-learn's ``ConvergenceWarning``) is not left to a console nobody reads:
:func:`analyse` records it as a :class:`Caveat` of the result it qualifies, and the pages that show that result
list it. Other warnings (deprecations and the like) are passed on as they came.
"""

from __future__ import annotations

import inspect
import pickle
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from ._bootstrap import SCORE_OPTIONS
from ._matrix import RespondentMatrix, respondent_matrix
from .clustering import ClusterResult, ClusterWarning, cluster_profiles
from .files import atomic_write
from .gaps import perception_gaps
from .library import Library, load_library
from .outcomes import alliance_kpis, kpi_by_cluster, maturity_vs_kpi
from .paths import EXAMPLE_LIBRARY
from .qca import library_qca
from .scoring import Scores, score_library
from .trends import wave_changes

__all__ = ["Analysis", "Caveat", "analyse", "save_analysis", "load_analysis", "analysis_for",  # noqa: F822
           "CAVEAT_WARNINGS"]

def _caveat_warnings() -> tuple:
    """The warning categories that qualify a result, and so become caveats on the pages that show it:
    :class:`~alliance_research.clustering.ClusterWarning` and scikit-learn's ``ConvergenceWarning`` (imported
    here, not at import: reading back a saved analysis needs no scikit-learn)."""
    from sklearn.exceptions import ConvergenceWarning

    return (ClusterWarning, ConvergenceWarning)


def __getattr__(name: str):
    if name == "CAVEAT_WARNINGS":  # the categories, as a constant (PEP 562: loaded on first use)
        return _caveat_warnings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        if issubclass(w.category, _caveat_warnings()):
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
        The parameters used (``k`` is the number of clusters used, chosen or given).
    qca : DataFrame
        Fuzzy-set QCA of each KPI on the area scores (:func:`~alliance_research.qca.library_qca`; empty without
        outcomes).
    caveats : tuple of Caveat
        The warnings that qualify a result, raised while it was computed, in the order they came (e.g. a number
        of clusters chosen at the edge of the range searched). :meth:`caveats_for` gives those of one result.
    ratings : RespondentMatrix or None
        The library's ratings as one respondents-by-practices matrix (``respondent_matrix(library.responses,
        library.framework)``), built once and shared by the scores, gaps, changes and the agreement tables: pass
        it as ``matrix=`` to any of them (the report does for the ICC and reliability tables). None only for an
        Analysis made by hand.
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
    #: The arguments :func:`analyse` was called with, defaults filled in (``k`` as asked: None = chosen).
    request: dict = field(default_factory=dict)
    ratings: RespondentMatrix | None = field(default=None, repr=False)

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

    @cached_property
    def instrument(self) -> tuple:
        """The rubric as a measuring instrument, one
        :class:`~alliance_research.psychometrics.InstrumentQuality` per wave, first wave first (computed on first
        use: item analysis, reliability and, where the data allow, the CFA of the areas; it describes
        respondents' ratings pooled over alliances, see its notes). Warnings raised while it is computed become
        caveats of ``"instrument"``, kept in :attr:`instrument_caveats`."""
        from .psychometrics import instrument_quality

        caveats: list[Caveat] = []
        with _recording("instrument", caveats):
            waves = sorted(int(w) for w in pd.unique(self.library.responses["wave"]))
            result = tuple(instrument_quality(self.library, wave, matrix=self.ratings) for wave in waves)
        self.__dict__["instrument_caveats"] = tuple(caveats)
        return result

    @property
    def instrument_caveats(self) -> tuple:
        """The caveats raised while :attr:`instrument` was computed (computing it if need be)."""
        self.instrument  # noqa: B018  (computes it, and its caveats, on first use)
        return self.__dict__["instrument_caveats"]

    @property
    def instrument_table(self) -> pd.DataFrame:
        """:attr:`instrument` as one long table: ``wave`` and the columns of
        :attr:`~alliance_research.psychometrics.InstrumentQuality.table` (what ``instrument.csv`` holds)."""
        frames = [q.table.assign(wave=q.wave) for q in self.instrument]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["wave"])
        return table[["wave"] + [c for c in table.columns if c != "wave"]]

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
    # the ratings are pivoted once; every statistic below regroups this matrix instead of pivoting them again
    ratings = respondent_matrix(library.responses, library.framework)
    with _recording("scores", caveats):
        scores = score_library(library, n_boot=n_boot, random_state=random_state, matrix=ratings, **score_options)
        latest = scores.latest()
    shared = {key: score_options[key] for key in SCORE_OPTIONS if key in score_options}
    with _recording("gaps", caveats):
        gaps = perception_gaps(library.responses, library.framework, n_boot=n_boot, random_state=random_state,
                               matrix=ratings, **shared)
    with _recording("changes", caveats):
        changes = wave_changes(library.responses, library.framework, n_boot=n_boot, random_state=random_state,
                               matrix=ratings, **shared)
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
    request = _request(method=method, k=k, random_state=random_state, n_boot=n_boot, cluster_boot=cluster_boot,
                       **score_options)
    return Analysis(library, scores, latest, gaps, changes, clusters, kpi_values, by_cluster, correlation, settings,
                    qca=configurations, caveats=tuple(caveats), request=request, ratings=ratings)


def _request(**options) -> dict:
    """``options`` of :func:`analyse` with every default filled in, the score options' too, in one order."""
    from .scoring import score_responses

    defaults = {name: p.default for name, p in inspect.signature(analyse).parameters.items()
                if p.kind is p.KEYWORD_ONLY}
    defaults |= {name: p.default for name, p in inspect.signature(score_responses).parameters.items()
                 if name in SCORE_OPTIONS}
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise TypeError(f"analyse() got unexpected options: {', '.join(unknown)}")
    return {name: options.get(name, default) for name, default in sorted(defaults.items())}


# The first bytes of a saved analysis: what it is and which version of the package wrote it (a pickle is only
# read back by the version that wrote it, as the report does within one run).
_HEADER = b"alliance-research analysis "


def save_analysis(a: Analysis, path: str | Path) -> Path:
    """Save ``a`` to ``path`` (written in one step) for :func:`load_analysis`.

    This is how ``alliance-research report`` computes the analysis once and hands it to every notebook (the
    ``analysis_file`` parameter). The file is a pickle: read it back only with the same version of the package,
    and only from a source you trust, as with any pickle.
    """
    from . import __version__

    return atomic_write(path, _HEADER + __version__.encode() + b"\n" + pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL))


def load_analysis(path: str | Path) -> Analysis:
    """The analysis :func:`save_analysis` saved at ``path``; ValueError when the file is not one, or was written by
    another version of the package."""
    from . import __version__

    data = Path(path).read_bytes()
    head, _, body = data.partition(b"\n")
    if not head.startswith(_HEADER):
        raise ValueError(f"{path} is not an analysis saved by alliance_research.analysis.save_analysis")
    version = head[len(_HEADER):].decode(errors="replace")
    if version != __version__:
        raise ValueError(f"{path} was saved by alliance-research {version}, not {__version__}: analyse again")
    a = pickle.loads(body)
    if not isinstance(a, Analysis):
        raise ValueError(f"{path} does not hold an Analysis")
    return a


def analysis_for(library: Library | str | Path | None, analysis_file: str | Path | None = None,
                 **options) -> Analysis:
    """The analysis a notebook works on: the one saved in ``analysis_file`` when given, else :func:`analyse`.

    ``alliance-research report`` analyses the library once and passes the saved file to every notebook, so that
    a notebook run by the report does not repeat the work; run on its own, the notebook computes the same
    analysis here. Either way the result is the same: the saved analysis must be of the same library (its
    folder) and made with the ``options`` given here (those of :func:`analyse`; an option not given is not
    compared, so give every option the notebook's results depend on), or ValueError.

    ``library`` is a :class:`~alliance_research.library.Library`, a library folder, or None (the example
    library); with a saved analysis a folder is not loaded again (its ``.library`` is used).
    """
    _request(**options)  # no unknown option, whichever way the analysis comes
    if analysis_file:
        a = load_analysis(analysis_file)
        folder = library.path if isinstance(library, Library) else (library or EXAMPLE_LIBRARY)
        if Path(folder).resolve() != Path(a.library.path).resolve():
            raise ValueError(f"{analysis_file} is an analysis of {a.library.path}, not of {folder}")
        differ = {name: (a.request.get(name), value) for name, value in options.items()
                  if a.request.get(name) != value}
        if differ:
            shown = ", ".join(f"{name}={saved!r} (here {value!r})" for name, (saved, value) in differ.items())
            raise ValueError(f"{analysis_file} was made with other options: {shown}")
        return a
    if not isinstance(library, Library):
        library = load_library(library)
    return analyse(library, **options)
