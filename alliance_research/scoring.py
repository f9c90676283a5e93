"""Maturity scores: per practice, per area and a maturity index for every alliance and wave, with bootstrap
intervals, maturity levels and the flags a reader must see.

How a score is made (defaults in brackets; every choice is a parameter):

1. **Practice score**: the respondents' answers to a practice are aggregated [mean]. The mean is the default
   because the index, rwg and the ICCs are all built on means and variances, and because with 5 to 15
   respondents on a 0..4 scale a median moves in whole or half steps and hides real differences. ``"median"``
   (robust, ordinal) and ``"trimmed"`` (a 20% trimmed mean, Wilcox 2012) are offered for researchers who prefer
   them. "Don't know" and blank answers are left out, not counted as 0.
2. **Area score**: the mean of the area's practice scores, each practice weighted equally.
3. **Maturity index** (on the scale, 0..4): the mean of all practice scores [``index_weights="practice"``];
   ``"area"`` gives each area equal weight instead (with 15, 2 and 2 practices in the built-in rubric, that puts
   two thirds of the weight on four practices).
4. **Missing answers**: an area score or the index is computed from the practices that have a score (*prorated*)
   only when at least ``prorate_share`` [0.5] of them do, and is then flagged ``prorated``; otherwise it is
   missing. This is the "half rule" for proration (Mazza, Enders & Ruehlman, 2015).
5. **Intervals**: percentile bootstrap over respondents [1,000 replicates, 95%]: each replicate redraws the
   alliance-wave's respondents with replacement and recomputes every score, so area and index intervals carry
   the correlation between practices (Efron & Tibshirani, 1993, ch. 13). Seeds are per alliance and wave.
6. **Levels**: the *banded* level is the index rounded to the nearest level (bands of width 1 centred on each
   level; halves round up). The *staged* level, in the spirit of CMMI's staged representation (CMMI Product
   Team, 2010), is the highest level that **every** scored practice reaches, where a practice reaches level
   ``L`` when its score is at least ``L - tolerance`` [0.5]. The banded level says "on average"; the staged
   level says "at least, everywhere".
7. **Flags**: ``few_respondents`` (fewer than ``min_respondents`` [3]), ``sparse`` (a practice answered by fewer
   than ``sparse_share`` [half] of the respondents), ``low_agreement`` (rwg or rwg(j) below 0.70, see
   :mod:`alliance_research.agreement`) and ``prorated``.

References
----------
.. [ET93] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
.. [MER15] Mazza, G. L., Enders, C. K. & Ruehlman, L. S. (2015). Addressing item-level missing data: a
   comparison of proration and full information maximum likelihood estimation. *Multivariate Behavioral
   Research*, 50(5), 504-519.
.. [Wil12] Wilcox, R. R. (2012). *Introduction to Robust Estimation and Hypothesis Testing* (3rd ed.). Academic
   Press.
.. [CMMI10] CMMI Product Team (2010). *CMMI for Development, Version 1.3* (CMU/SEI-2010-TR-033). Software
   Engineering Institute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ._bootstrap import Settings, bootstrap_chunks, percentile_interval
from ._matrix import GROUPS, RespondentMatrix, matrix_for, target_counts
from .agreement import RWG_THRESHOLD, NanPolicy, agreement_arrays
from .framework import Framework

__all__ = ["Scores", "score_responses", "score_library", "banded_level", "staged_level", "FLAGS"]

#: Flag names, in the order they are listed in ``flags`` columns.
FLAGS = ("few_respondents", "sparse", "low_agreement", "prorated")


@dataclass(frozen=True)
class Scores:
    """Maturity scores of every alliance and wave (or other groups of respondents).

    Attributes
    ----------
    practices : DataFrame
        One row per group and practice: the group columns, ``area_id``, ``practice_id``, ``score``, ``ci_low``,
        ``ci_high``, ``n_respondents`` (in the group), ``n_answered``, ``share_answered``, ``sd`` (of the
        answers), ``rwg``, and the flags ``few_respondents``, ``sparse``, ``low_agreement``.
    areas : DataFrame
        One row per group and area: the group columns, ``area_id``, ``score``, ``ci_low``, ``ci_high``,
        ``n_respondents``, ``n_practices``, ``n_scored`` (practices with a score), ``rwg_j``, and the flags
        ``few_respondents``, ``low_agreement``, ``prorated``.
    maturity : DataFrame
        One row per group: the group columns, ``n_respondents``, ``maturity_index``, ``ci_low``, ``ci_high``,
        ``level`` and ``level_name`` (banded rule), ``level_staged`` and ``level_staged_name`` (staged rule),
        ``level_uncertain`` (the interval's ends fall in different bands), ``n_scored``, ``rwg_j`` (over all
        practices), ``n_sparse_practices``, ``n_low_agreement_practices``, the flags ``few_respondents``,
        ``low_agreement`` (overall rwg(j) below the threshold, or more than half of the scored practices below
        it one by one, since rwg(j) over many practices runs high), ``prorated`` (the index or an area), and
        ``flags``: the names of the flags that apply, joined by ``"; "`` (``sparse`` when any practice is).
    framework : Framework
        The rubric the scores are on.
    settings : dict
        The parameters used, for the method note of a report.
    """

    practices: pd.DataFrame
    areas: pd.DataFrame
    maturity: pd.DataFrame
    framework: Framework = field(repr=False)
    settings: dict = field(default_factory=dict)

    @property
    def groups(self) -> list[str]:
        """The columns that identify a group (by default ``alliance_id`` and ``wave``)."""
        return list(self.settings.get("groups", GROUPS))

    def wide(self) -> pd.DataFrame:
        """One row per group, as ``scores.csv`` holds it.

        Columns: the group columns, ``n_respondents``, ``maturity_index``, ``ci_low``, ``ci_high``, ``level``,
        ``level_name``, ``level_staged``, ``level_staged_name``, ``rwg_j``, ``flags``, then ``area:<area_id>``
        for each area and ``practice:<practice_id>`` for each practice (scores), in rubric order.
        """
        g = self.groups
        head = self.maturity[g + ["n_respondents", "maturity_index", "ci_low", "ci_high", "level", "level_name",
                                  "level_staged", "level_staged_name", "rwg_j", "flags"]]
        areas = self.areas.pivot(index=g, columns="area_id", values="score").reindex(columns=self.framework.area_ids)
        areas.columns = [f"area:{a}" for a in areas.columns]
        practices = (self.practices.pivot(index=g, columns="practice_id", values="score")
                     .reindex(columns=self.framework.practice_ids))
        practices.columns = [f"practice:{p}" for p in practices.columns]
        return head.merge(areas.reset_index(), on=g, how="left").merge(practices.reset_index(), on=g, how="left")

    def latest(self) -> "Scores":
        """Only each alliance's latest wave (needs ``alliance_id`` and ``wave`` among the groups)."""
        last = self.maturity.groupby("alliance_id")["wave"].transform("max") == self.maturity["wave"]
        keep = self.maturity.loc[last, ["alliance_id", "wave"]]
        pick = lambda frame: frame.merge(keep, on=["alliance_id", "wave"]).reset_index(drop=True)  # noqa: E731
        return Scores(pick(self.practices), pick(self.areas), pick(self.maturity), self.framework, self.settings)

    def profiles(self, level: str = "practice") -> pd.DataFrame:
        """Groups by practice (or ``level="area"``) scores: the wide matrix that clustering takes."""
        frame, column = (self.practices, "practice_id") if level == "practice" else (self.areas, "area_id")
        order = self.framework.practice_ids if level == "practice" else self.framework.area_ids
        return frame.pivot(index=self.groups, columns=column, values="score").reindex(columns=order)


def banded_level(index, framework: Framework) -> np.ndarray:
    """The banded maturity level: the index rounded to the nearest level, halves up (``NaN`` stays ``NaN``).

    >>> import alliance_research as ar
    >>> banded_level([0.2, 1.5, 2.49, 3.7], ar.load_framework()).tolist()
    [0.0, 2.0, 2.0, 4.0]
    """
    x = np.asarray(index, dtype=float)
    return np.clip(np.floor(x + 0.5 + 1e-9), framework.min_score, framework.max_score)


def staged_level(practice_scores, framework: Framework, tolerance: float = 0.5) -> np.ndarray:
    """The staged maturity level: the highest level ``L`` with every practice score at least ``L - tolerance``.

    Parameters
    ----------
    practice_scores : array-like, shape (n_groups, n_practices)
        ``NaN`` for a practice without a score (it is left out; the row is ``NaN`` when all are).
    framework : Framework
        Gives the scale.
    tolerance : float
        How far below a level a practice may score and still count as reaching it (0 is strict).

    >>> import alliance_research as ar
    >>> staged_level([[3.6, 2.5, 3.0], [3.6, 2.4, 3.0]], ar.load_framework()).tolist()
    [3.0, 2.0]
    """
    x = np.atleast_2d(np.asarray(practice_scores, dtype=float))
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be at least 0 and below 1; got {tolerance}")
    with np.errstate(invalid="ignore"):
        weakest = np.where(np.isnan(x).all(axis=1), np.nan, np.nanmin(np.where(np.isnan(x), np.inf, x), axis=1))
    return np.clip(np.floor(weakest + tolerance + 1e-9), framework.min_score, framework.max_score)


def score_responses(responses: pd.DataFrame, framework: Framework, *, groups: Sequence[str] = GROUPS,
                    aggregate: str = "mean", trim: float = 0.2, index_weights: str = "practice",
                    prorate_share: float = 0.5, min_respondents: int = 3, sparse_share: float = 0.5,
                    agreement_threshold: float = RWG_THRESHOLD, nan_policy: NanPolicy = "pairwise",
                    tolerance: float = 0.5, n_boot: int = 1000, ci: float = 0.95,
                    random_state: int = 0, matrix: RespondentMatrix | None = None) -> Scores:
    """Score every group of respondents (by default every alliance and wave).

    Parameters
    ----------
    responses : DataFrame
        Long ratings in the ``responses`` contract (``Library.responses``).
    framework : Framework
        The rubric the ratings are on.
    groups : sequence of str
        Columns that define one scored unit.
    aggregate : {"mean", "median", "trimmed"}
        How a practice's answers become its score (see the module notes for why the mean is the default).
    trim : float
        Share cut from each end for ``aggregate="trimmed"`` (0.2, Wilcox's recommendation).
    index_weights : {"practice", "area"}
        Weight each practice equally in the index, or each area.
    prorate_share : float
        Minimum share of practices with a score for an area score or the index to be computed (and flagged
        ``prorated`` when below 1).
    min_respondents : int
        Fewer respondents than this are flagged ``few_respondents``.
    sparse_share : float
        A practice answered by fewer than this share of the group's respondents is flagged ``sparse``.
    agreement_threshold : float
        rwg or rwg(j) below this is flagged ``low_agreement``.
    nan_policy : {"pairwise", "listwise"}
        Missing answers in rwg(j) (see :func:`alliance_research.agreement.rwg_j`).
    tolerance : float
        Tolerance of the staged level (see :func:`staged_level`).
    n_boot : int
        Bootstrap replicates (0 skips the intervals).
    ci : float
        Confidence level of the intervals.
    random_state : int
        Seed. Each group's replicates come from this seed and the group's key, so they do not depend on the
        rest of the data.
    matrix : RespondentMatrix, optional
        ``respondent_matrix(responses, framework)`` (:mod:`alliance_research._matrix`) when the caller has built
        it already, so that the ratings are not pivoted again (:func:`~alliance_research.analysis.analyse` builds
        one for all its statistics). The scores are the same either way.

    Returns
    -------
    Scores
        Tidy tables of practice, area and index scores (see :class:`Scores` for the columns).

    Notes
    -----
    A practice score with the default mean, for respondents :math:`i` who answered practice :math:`p`:
    :math:`s_p = \\frac{1}{n_p}\\sum_i x_{ip}`; an area score :math:`s_a = \\frac{1}{|a|}\\sum_{p \\in a} s_p`;
    the index :math:`I = \\frac{1}{P}\\sum_p s_p`. The interval is the percentile bootstrap interval
    :math:`[\\hat\\theta^*_{(\\gamma/2)}, \\hat\\theta^*_{(1-\\gamma/2)}]` over replicates that resample
    respondents [ET93]_. With few respondents the percentile interval is too narrow by about a factor
    :math:`\\sqrt{(n-1)/n}`; the ``few_respondents`` flag marks where that matters.

    Examples
    --------
    >>> import alliance_research as ar
    >>> lib = ar.load_library()
    >>> s = score_responses(lib.responses, lib.framework, n_boot=200)
    >>> s.maturity.columns[:8].tolist()
    ['alliance_id', 'wave', 'n_respondents', 'maturity_index', 'ci_low', 'ci_high', 'level', 'level_name']
    """
    settings = Settings(aggregate=aggregate, trim=trim, prorate_share=prorate_share,
                        index_weights=index_weights, n_boot=n_boot, random_state=random_state)
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1; got {ci}")
    groups = list(groups)
    m = matrix_for(responses, framework, groups, matrix=matrix)
    point, low, high = _point_and_interval(m, settings, groups, ci)
    agr = agreement_arrays(m, nan_policy)
    params = dict(groups=groups, aggregate=aggregate, trim=trim, index_weights=index_weights,
                  prorate_share=prorate_share, min_respondents=min_respondents, sparse_share=sparse_share,
                  agreement_threshold=agreement_threshold, nan_policy=nan_policy, tolerance=tolerance,
                  n_boot=n_boot, ci=ci, random_state=random_state)
    return _tables(m, framework, point, low, high, agr, params)


def score_library(library, **options) -> Scores:
    """Score a loaded :class:`~alliance_research.library.Library`; ``options`` as for :func:`score_responses`."""
    return score_responses(library.responses, library.framework, **options)


def _point_and_interval(m: RespondentMatrix, settings: Settings, key_columns: Sequence[str], ci: float):
    n_targets = len(m.practice_ids) + len(m.area_ids) + 1
    point = np.full((len(m.groups), n_targets), np.nan)
    low, high = point.copy(), point.copy()
    for idx, pt, reps in bootstrap_chunks(m, settings, key_columns):
        point[idx] = pt
        low[idx], high[idx] = percentile_interval(reps, ci)
    # one answer cannot show its own uncertainty: every replicate would repeat it
    single = target_counts(m) < 2
    low[single], high[single] = np.nan, np.nan
    return point, low, high


def _tables(m: RespondentMatrix, fw: Framework, point, low, high, agr, params) -> Scores:
    groups = params["groups"]
    n_p, n_a = len(m.practice_ids), len(m.area_ids)
    n_g = len(m.groups)
    threshold = params["agreement_threshold"]
    sizes = m.sizes
    # respondents who answered at least one practice (a questionnaire left blank says nothing)
    few = target_counts(m)[:, -1] < params["min_respondents"]
    keys = m.groups[groups].reset_index(drop=True)

    def repeat(t: int) -> pd.DataFrame:
        return keys.loc[np.repeat(np.arange(n_g), t)].reset_index(drop=True)

    # practices
    answered = agr["n_answered"]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(sizes[:, None] > 0, answered / sizes[:, None], np.nan)
    rwg = agr["rwg"]
    practices = repeat(n_p)
    area_of = fw.practices["area_id"].to_numpy(dtype=object)
    practices["area_id"] = np.tile(area_of, n_g)
    practices["practice_id"] = np.tile(np.asarray(m.practice_ids, dtype=object), n_g)
    practices["score"] = point[:, :n_p].ravel()
    practices["ci_low"] = low[:, :n_p].ravel()
    practices["ci_high"] = high[:, :n_p].ravel()
    practices["n_respondents"] = np.repeat(sizes, n_p)
    practices["n_answered"] = answered.ravel().astype(int)
    practices["share_answered"] = share.ravel()
    practices["sd"] = np.sqrt(agr["variance"]).ravel()
    practices["rwg"] = rwg.ravel()
    practices["few_respondents"] = np.repeat(few, n_p)
    sparse = share < params["sparse_share"]
    practices["sparse"] = sparse.ravel()
    low_practice = np.nan_to_num(rwg, nan=1.0) < threshold
    practices["low_agreement"] = low_practice.ravel()

    # areas
    scored = ~np.isnan(point[:, :n_p])
    n_in_area = np.array([(m.practice_area == a).sum() for a in range(n_a)])
    n_scored_area = np.column_stack([scored[:, m.practice_area == a].sum(axis=1) for a in range(n_a)])
    area_scores = point[:, n_p:n_p + n_a]
    areas = repeat(n_a)
    areas["area_id"] = np.tile(np.asarray(m.area_ids, dtype=object), n_g)
    areas["score"] = area_scores.ravel()
    areas["ci_low"] = low[:, n_p:n_p + n_a].ravel()
    areas["ci_high"] = high[:, n_p:n_p + n_a].ravel()
    areas["n_respondents"] = np.repeat(sizes, n_a)
    areas["n_practices"] = np.tile(n_in_area, n_g)
    areas["n_scored"] = n_scored_area.ravel()
    areas["rwg_j"] = agr["rwg_j"][:, :n_a].ravel()
    areas["few_respondents"] = np.repeat(few, n_a)
    areas["low_agreement"] = (np.nan_to_num(agr["rwg_j"][:, :n_a], nan=1.0) < threshold).ravel()
    areas["prorated"] = (~np.isnan(area_scores) & (n_scored_area < n_in_area)).ravel()

    # the maturity index
    index = point[:, -1]
    maturity = keys.copy()
    maturity["n_respondents"] = sizes
    maturity["maturity_index"] = index
    maturity["ci_low"] = low[:, -1]
    maturity["ci_high"] = high[:, -1]
    level = banded_level(index, fw)
    staged = np.where(np.isnan(index), np.nan, staged_level(point[:, :n_p], fw, params["tolerance"]))
    maturity["level"] = pd.array(level, dtype="Float64").astype("Int64")
    names = fw.level_names
    maturity["level_name"] = [names[int(v)] if v == v else None for v in level]
    maturity["level_staged"] = pd.array(staged, dtype="Float64").astype("Int64")
    maturity["level_staged_name"] = [names[int(v)] if v == v else None for v in staged]
    band_low, band_high = banded_level(low[:, -1], fw), banded_level(high[:, -1], fw)
    maturity["level_uncertain"] = (band_low != band_high) & ~np.isnan(band_low)
    maturity["n_scored"] = scored.sum(axis=1)
    maturity["rwg_j"] = agr["rwg_j"][:, -1]
    maturity["n_sparse_practices"] = sparse.sum(axis=1)
    maturity["n_low_agreement_practices"] = low_practice.sum(axis=1)
    maturity["few_respondents"] = few
    # rwg(j) over 19 practices is inflated by J (LeBreton & Senter, 2008), so an alliance is also flagged when
    # most of its scored practices fall short of the threshold one by one
    mostly_low = low_practice.sum(axis=1) > scored.sum(axis=1) / 2
    maturity["low_agreement"] = (np.nan_to_num(agr["rwg_j"][:, -1], nan=1.0) < threshold) | mostly_low
    maturity["prorated"] = ~np.isnan(index) & (scored.sum(axis=1) < n_p)
    any_flag = {
        "few_respondents": few,
        "sparse": sparse.any(axis=1),
        "low_agreement": maturity["low_agreement"].to_numpy(),
        "prorated": maturity["prorated"].to_numpy() | (areas["prorated"].to_numpy().reshape(n_g, n_a).any(axis=1)),
    }
    maturity["flags"] = ["; ".join(f for f in FLAGS if any_flag[f][i]) for i in range(n_g)]
    return Scores(practices, areas, maturity, fw, params)
