"""Agreement between respondents and reliability of the scores.

Within-group agreement (``rwg``, ``rwg_j``) says whether the respondents of one alliance see a practice the same
way; the one-way intraclass correlations (``icc_oneway``) say whether alliances' mean scores tell alliances apart;
Cronbach's alpha says whether the practices of an area hang together. The formulas follow R's ``multilevel``
(Bliese, 2016) and ``psych`` (Revelle) packages, and the tests pin them to values those packages print.

References
----------
.. [JDW84] James, L. R., Demaree, R. G. & Wolf, G. (1984). Estimating within-group interrater reliability with
   and without response bias. *Journal of Applied Psychology*, 69(1), 85-98.
.. [Bli00] Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability: implications for data
   aggregation and analysis. In K. J. Klein & S. W. J. Kozlowski (Eds.), *Multilevel theory, research, and
   methods in organizations* (pp. 349-381). Jossey-Bass.
.. [Bli16] Bliese, P. D. (2016). *multilevel: Multilevel Functions*. R package version 2.6/2.7.
.. [LB08] LeBreton, J. M. & Senter, J. L. (2008). Answers to 20 questions about interrater reliability and
   interrater agreement. *Organizational Research Methods*, 11(4), 815-852.
.. [SF79] Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater reliability.
   *Psychological Bulletin*, 86(2), 420-428.
.. [Cro51] Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika*,
   16(3), 297-334.
.. [Fel87] Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987). Statistical inference for coefficient alpha.
   *Applied Psychological Measurement*, 11(1), 93-103.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._matrix import GROUPS, RespondentMatrix, long_by_target, matrix_for, respondent_scale_scores
from .framework import Framework

__all__ = ["rwg", "rwg_j", "icc_oneway", "cronbach_alpha", "ICC", "Alpha", "uniform_null_variance",
           "agreement_table", "agreement_arrays", "icc_table", "reliability_table", "RWG_THRESHOLD"]

#: The conventional cut-off for "enough agreement to aggregate" (LeBreton & Senter, 2008).
RWG_THRESHOLD = 0.70

NanPolicy = Literal["pairwise", "listwise"]


class ICC(NamedTuple):
    """ICC(1) and ICC(2) of a one-way ANOVA, as R ``multilevel``'s ``ICC1`` and ``ICC2``."""

    icc1: float
    icc2: float


class Alpha(NamedTuple):
    """Cronbach's alpha with its confidence interval."""

    alpha: float
    ci_low: float
    ci_high: float


def uniform_null_variance(n_points: int) -> float:
    """Variance of a uniform ("rectangular") null distribution on ``n_points`` answer options: ``(A**2 - 1) / 12``
    (James, Demaree & Wolf, 1984 [JDW84]_): the variance expected if respondents answered at random.

    >>> uniform_null_variance(5)
    2.0
    """
    if n_points < 2:
        raise ValueError(f"n_points must be at least 2, got {n_points}")
    return (n_points ** 2 - 1) / 12


def _rwg_from_variance(variance, null_variance: float):
    """``1 - S**2 / sigma_EU**2`` with the observed variance capped at the null, as R multilevel does."""
    variance = np.minimum(variance, null_variance)
    return 1.0 - variance / null_variance


def _rwg_j_from_variance(mean_variance, n_items, null_variance: float):
    """The Spearman-Brown form of James, Demaree & Wolf (1984), equation 3, with the same cap."""
    ratio = np.minimum(mean_variance, null_variance) / null_variance
    with np.errstate(invalid="ignore", divide="ignore"):
        return n_items * (1 - ratio) / (n_items * (1 - ratio) + ratio)


def rwg(scores, n_points: int = 5) -> float:
    """Within-group agreement on one item, rwg (James, Demaree & Wolf, 1984).

    Parameters
    ----------
    scores : array-like
        One group's answers to one item; missing values are ignored.
    n_points : int
        Number of answer options ``A`` (5 for a 0..4 scale).

    Returns
    -------
    float
        ``NaN`` with fewer than two answers.

    Notes
    -----
    .. math:: r_{wg} = 1 - \\frac{S_x^2}{\\sigma_{EU}^2}, \\qquad \\sigma_{EU}^2 = \\frac{A^2 - 1}{12}

    where :math:`S_x^2` is the sample variance (denominator :math:`n - 1`) and :math:`\\sigma_{EU}^2` the
    variance expected if respondents answered at random (uniform null). When the observed variance exceeds the
    null, rwg is set to 0, as R's ``multilevel::rwg`` does [Bli16]_. Values of 0.70 or more are conventionally
    taken as enough agreement to aggregate [LB08]_.

    References
    ----------
    James, Demaree & Wolf (1984) [JDW84]_; R ``multilevel::rwg`` [Bli16]_.

    Examples
    --------
    >>> rwg([3, 3, 4, 3])
    0.875
    >>> rwg([0, 4, 0, 4])           # more spread than random answering: truncated
    0.0
    """
    x = pd.to_numeric(pd.Series(np.asarray(scores, dtype=float).ravel()), errors="coerce").dropna()
    if len(x) < 2:
        return float("nan")
    return float(_rwg_from_variance(x.var(ddof=1), uniform_null_variance(n_points)))


def rwg_j(items, n_points: int = 5, nan_policy: NanPolicy = "listwise") -> float:
    """Within-group agreement over ``J`` parallel items, rwg(j) (James, Demaree & Wolf, 1984).

    Parameters
    ----------
    items : DataFrame or 2-D array
        One group's answers: respondents in rows, items in columns.
    n_points : int
        Number of answer options ``A``.
    nan_policy : {"listwise", "pairwise"}
        ``"listwise"`` (the default) drops every respondent with a missing item first, exactly as R's
        ``multilevel::rwg.j`` does. ``"pairwise"`` takes each item's variance over the respondents who answered
        it and averages over the items with at least two answers; :func:`agreement_table` and the scores use it,
        because with 19 practices and a few "don't know" answers listwise deletion discards most respondents.

    Returns
    -------
    float
        ``NaN`` when fewer than two respondents (listwise) or no item with two answers (pairwise) remain.

    Notes
    -----
    .. math:: r_{wg(J)} = \\frac{J\\,(1 - \\bar{s}^2_x / \\sigma_{EU}^2)}
                               {J\\,(1 - \\bar{s}^2_x / \\sigma_{EU}^2) + \\bar{s}^2_x / \\sigma_{EU}^2}

    with :math:`\\bar{s}^2_x` the mean of the item variances, capped at :math:`\\sigma_{EU}^2 = (A^2 - 1)/12`
    (so that rwg(j) is 0, not negative, under more-than-random disagreement) as in [Bli16]_. rwg(j) grows with
    ``J``, so an overall value over many practices reads higher than the per-practice rwg values [LB08]_.

    References
    ----------
    James, Demaree & Wolf (1984) [JDW84]_, eq. 3; R ``multilevel::rwg.j`` [Bli16]_.

    Examples
    --------
    >>> round(rwg_j([[3, 2], [3, 3], [4, 3]]), 4)
    0.9091
    """
    x = np.asarray(items, dtype=float)
    if x.ndim != 2:
        raise ValueError("items must be two-dimensional: respondents in rows, items in columns")
    if nan_policy == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
        if len(x) < 2:
            return float("nan")
        variances = x.var(axis=0, ddof=1)
    elif nan_policy == "pairwise":
        counts = (~np.isnan(x)).sum(axis=0)
        x = x[:, counts >= 2]
        if x.shape[1] == 0:
            return float("nan")
        variances = np.nanvar(x, axis=0, ddof=1)
    else:
        raise ValueError(f"nan_policy must be 'pairwise' or 'listwise', got {nan_policy!r}")
    return float(_rwg_j_from_variance(variances.mean(), x.shape[1], uniform_null_variance(n_points)))


def _oneway_anova(counts, sums, sumsqs):
    """One-way ANOVA from group moments; arrays have groups on axis 0 (empty groups allowed, ignored).

    Returns ``(msb, msw, n_total, n_groups)`` reduced over axis 0.
    """
    counts = np.asarray(counts, dtype=float)
    present = counts > 0
    n = counts.sum(axis=0)
    k = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        grand = sums.sum(axis=0) / n
        means = np.where(present, sums / np.where(present, counts, 1), 0.0)
        ssb = (counts * (means - grand) ** 2).sum(axis=0)
        ssw = np.where(present, sumsqs - counts * means ** 2, 0.0).sum(axis=0)
        msb = ssb / (k - 1)
        msw = ssw / (n - k)
    return msb, msw, n, k


def _icc_from_anova(msb, msw, n, k):
    with np.errstate(invalid="ignore", divide="ignore"):
        gsize = n / k
        icc1 = (msb - msw) / (msb + (gsize - 1) * msw)
        icc2 = (msb - msw) / msb
    return icc1, icc2


def icc_oneway(data: pd.DataFrame, group: str, value: str) -> ICC:
    """ICC(1) and ICC(2) for respondents nested in groups (unbalanced sizes allowed).

    Parameters
    ----------
    data : DataFrame
        Long data: one row per respondent.
    group, value : str
        The grouping column (e.g. ``"alliance_id"``) and the score column. Rows with a missing value are dropped,
        as ``aov`` does in R.

    Returns
    -------
    ICC
        A named tuple ``(icc1, icc2)``.

    Notes
    -----
    From the one-way ANOVA's mean squares between (:math:`MS_B`) and within (:math:`MS_W`) groups, with
    :math:`N` respondents in :math:`k` groups:

    .. math::
        ICC(1) = \\frac{MS_B - MS_W}{MS_B + (N/k - 1)\\,MS_W}, \\qquad ICC(2) = \\frac{MS_B - MS_W}{MS_B}

    ICC(1) is the share of a single respondent's variance explained by the group; ICC(2) is the reliability of
    the group means, i.e. whether an alliance's mean tells it apart from the others (values of 0.70 or more are
    usually asked for before comparing groups). For unbalanced groups the mean group size :math:`N/k` is used,
    exactly as R's ``multilevel::ICC1`` does [Bli16]_ [Bli00]_. With equal group sizes these are Shrout &
    Fleiss's ICC(1,1) and ICC(1,k) [SF79]_.

    References
    ----------
    Bliese (2000) [Bli00]_; R ``multilevel::ICC1``/``ICC2`` [Bli16]_; Shrout & Fleiss (1979) [SF79]_.

    Examples
    --------
    >>> d = pd.DataFrame({"g": list("aaabbbccc"), "x": [1, 2, 1, 3, 4, 3, 2, 2, 3]})
    >>> [round(v, 4) for v in icc_oneway(d, "g", "x")]
    [0.7273, 0.8889]
    """
    d = data[[group, value]].dropna()
    x = d[value].astype(float)
    grouped = x.groupby(d[group].to_numpy(), sort=True)
    counts, sums, sumsqs = grouped.count().to_numpy(), grouped.sum().to_numpy(), (x ** 2).groupby(
        d[group].to_numpy(), sort=True).sum().to_numpy()
    icc1, icc2 = _icc_from_anova(*_oneway_anova(counts, sums, sumsqs))
    return ICC(float(icc1), float(icc2))


def cronbach_alpha(items, nan_policy: NanPolicy = "pairwise", ci: float = 0.95) -> Alpha:
    """Cronbach's alpha of a set of items, with a confidence interval.

    Parameters
    ----------
    items : DataFrame or 2-D array
        Respondents in rows, items in columns (at least two of each).
    nan_policy : {"pairwise", "listwise"}
        ``"pairwise"`` (the default, as R ``psych::alpha`` and pingouin) computes each covariance over the
        respondents who answered both items; ``"listwise"`` first drops respondents with any missing item.
    ci : float
        Confidence level of the interval.

    Returns
    -------
    Alpha
        A named tuple ``(alpha, ci_low, ci_high)``.

    Notes
    -----
    With :math:`k` items, item covariance matrix :math:`C` and item variances :math:`\\sigma^2_i`:

    .. math:: \\alpha = \\frac{k}{k - 1}\\left(1 - \\frac{\\sum_i \\sigma^2_i}{\\sum_{i,j} C_{ij}}\\right)

    [Cro51]_. The interval is Feldt's F-based interval [Fel87]_ with :math:`n - 1` and :math:`(n - 1)(k - 1)`
    degrees of freedom, :math:`n` the number of respondents used (all rows for ``"pairwise"``, as pingouin
    does; the complete rows for ``"listwise"``):

    .. math:: 1 - (1 - \\alpha) F_{1-\\gamma/2}, \\quad 1 - (1 - \\alpha) F_{\\gamma/2}

    References
    ----------
    Cronbach (1951) [Cro51]_; Feldt, Woodruff & Salih (1987) [Fel87]_.

    Examples
    --------
    >>> a = cronbach_alpha([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4]])
    >>> round(a.alpha, 4)
    0.9485
    """
    x = pd.DataFrame(np.asarray(items, dtype=float))
    if nan_policy == "listwise":
        x = x.dropna(axis=0, how="any")
    elif nan_policy != "pairwise":
        raise ValueError(f"nan_policy must be 'pairwise' or 'listwise', got {nan_policy!r}")
    n, k = x.shape
    if k < 2 or n < 2:
        return Alpha(float("nan"), float("nan"), float("nan"))
    cov = x.cov().to_numpy()
    alpha = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    gamma = 1 - ci
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.isf(gamma / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf(1 - gamma / 2, df1, df2)
    return Alpha(float(alpha), float(low), float(high))


# --- tables over a whole library ------------------------------------------------------------------------------

def _group_item_variances(matrix, weights=None):
    """Per group and practice: answer counts and sample variances (``NaN`` under two answers)."""
    answered = matrix.answered if weights is None else matrix.answered & weights
    x = np.where(answered, matrix.values, 0.0)
    counts = matrix.group_sums(answered.astype(float))
    sums = matrix.group_sums(x)
    sumsqs = matrix.group_sums(x * x)
    with np.errstate(invalid="ignore", divide="ignore"):
        variances = (sumsqs - sums ** 2 / counts) / (counts - 1)
    variances = np.where(counts >= 2, np.maximum(variances, 0.0), np.nan)
    return counts, variances


def agreement_arrays(m, nan_policy: NanPolicy = "pairwise") -> dict[str, np.ndarray]:
    """rwg and rwg(j) of every group of a respondent matrix, as arrays (used by the tables and by scoring).

    Returns a dict with ``rwg``, ``variance`` and ``n_answered`` (groups x practices), and ``rwg_j``, ``n_items`` and
    ``n_respondents`` (groups x (areas + 1), the last column over all practices).
    """
    if nan_policy not in ("pairwise", "listwise"):
        raise ValueError(f"nan_policy must be 'pairwise' or 'listwise', got {nan_policy!r}")
    null = uniform_null_variance(len(m.levels))
    counts, variances = _group_item_variances(m)
    targets = [np.flatnonzero(m.practice_area == i) for i in range(len(m.area_ids))]
    targets.append(np.arange(len(m.practice_ids)))
    rwg_js, n_items_all, n_resp_all = [], [], []
    for cols in targets:
        if nan_policy == "listwise":
            complete = m.answered[:, cols].all(axis=1)
            c, v = _group_item_variances(m, weights=complete[:, None])
            n_resp = c[:, cols[0]] if len(cols) else np.zeros(len(m.groups))
            n_items = np.where(n_resp >= 2, len(cols), 0)
            mean_var = v[:, cols].mean(axis=1)
        else:
            v = variances[:, cols]
            n_items = (~np.isnan(v)).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean_var = np.where(np.isnan(v), 0.0, v).sum(axis=1) / n_items
            n_resp = m.group_sums(m.answered[:, cols].any(axis=1).astype(float))
        value = np.where(n_items > 0, _rwg_j_from_variance(mean_var, n_items, null), np.nan)
        rwg_js.append(value)
        n_items_all.append(n_items)
        n_resp_all.append(n_resp)
    return {"rwg": _rwg_from_variance(variances, null), "n_answered": counts, "variance": variances,
            "rwg_j": np.column_stack(rwg_js), "n_items": np.column_stack(n_items_all).astype(int),
            "n_respondents": np.column_stack(n_resp_all).astype(int)}


def agreement_table(responses: pd.DataFrame, framework: Framework, *, groups: Sequence[str] = GROUPS,
                    nan_policy: NanPolicy = "pairwise", threshold: float = RWG_THRESHOLD,
                    matrix: RespondentMatrix | None = None) -> pd.DataFrame:
    """rwg per practice and rwg(j) per area and overall, for every alliance and wave.

    Parameters
    ----------
    responses : DataFrame
        Long ratings (``Library.responses``).
    framework : Framework
        The rubric: gives the practices, their areas and the number of answer options.
    groups : sequence of str
        Columns that define a group of respondents (default: alliance and wave).
    nan_policy : {"pairwise", "listwise"}
        How :func:`rwg_j` treats missing answers.
    threshold : float
        Agreement below this is flagged (default 0.70).
    matrix : RespondentMatrix, optional
        ``respondent_matrix(responses, framework)`` when the caller has built it already (see
        :func:`~alliance_research.scoring.score_responses`).

    Returns
    -------
    DataFrame
        One row per group and target, with columns: the group columns, ``level`` (``"practice"``, ``"area"`` or
        ``"overall"``), ``id`` (practice id, area id, or ``"index"``), ``statistic`` (``"rwg"`` or ``"rwg_j"``),
        ``value``, ``n_items``, ``n_respondents`` (who answered; for listwise rwg(j), the complete ones) and
        ``low_agreement`` (``value < threshold``; missing values are not flagged).

    Notes
    -----
    The same formulas as :func:`rwg` and :func:`rwg_j` (uniform null variance ``(A**2 - 1) / 12`` with ``A``
    the number of levels of the rubric's scale), computed for every group at once from per-group sums; the
    default ``nan_policy`` here is ``"pairwise"``.

    References
    ----------
    James, Demaree & Wolf (1984) [JDW84]_; LeBreton & Senter (2008) [LB08]_ for the 0.70 threshold.
    """
    groups = list(groups)
    m = matrix_for(responses, framework, groups, matrix=matrix)
    a = agreement_arrays(m, nan_policy)
    practice_targets = pd.DataFrame({"level": "practice", "id": m.practice_ids, "statistic": "rwg"})
    frames = [long_by_target(m.groups[groups], practice_targets, {
        "value": a["rwg"], "n_items": np.ones_like(a["n_answered"], dtype=int), "n_respondents": a["n_answered"]})]
    scale_targets = pd.DataFrame({"level": ["area"] * len(m.area_ids) + ["overall"], "id": m.area_ids + ["index"],
                                  "statistic": "rwg_j"})
    frames.append(long_by_target(m.groups[groups], scale_targets, {
        "value": a["rwg_j"], "n_items": a["n_items"], "n_respondents": a["n_respondents"]}))
    out = pd.concat(frames, ignore_index=True)
    out["low_agreement"] = out["value"].lt(threshold).fillna(False).astype(bool)
    out["_order"] = out["level"].map({"practice": 0, "area": 1, "overall": 2})
    return out.sort_values(groups + ["_order"], kind="mergesort").drop(columns="_order").reset_index(drop=True)


def icc_table(responses: pd.DataFrame, framework: Framework, *, by: Sequence[str] = ("wave",),
              min_answered: float = 0.5, matrix: RespondentMatrix | None = None) -> pd.DataFrame:
    """ICC(1) and ICC(2) of respondents nested in alliances, per practice, area and the maturity index.

    Parameters
    ----------
    responses : DataFrame
        Long ratings (``Library.responses``).
    framework : Framework
        The rubric.
    by : sequence of str
        Separate analyses for each value of these columns (default: each wave, so that a respondent counts once).
    min_answered : float
        For area and index values, a respondent's mean over the answered practices is used only when at least
        this share of them was answered (see :func:`alliance_research.scoring.score_responses`).
    matrix : RespondentMatrix, optional
        ``respondent_matrix(responses, framework)`` when the caller has built it already (see
        :func:`~alliance_research.scoring.score_responses`).

    Returns
    -------
    DataFrame
        Columns: the ``by`` columns, ``level``, ``id``, ``icc1``, ``icc2``, ``f``, ``df1``, ``df2``, ``p_value``
        (the one-way ANOVA's F test of no alliance differences), ``n_alliances``, ``n_respondents`` and
        ``mean_group_size``.

    Notes
    -----
    As :func:`icc_oneway`, one ANOVA per target and ``by`` value: :math:`F = MS_B / MS_W` on
    :math:`(k - 1, N - k)` degrees of freedom, and ICC(2) :math:`= 1 - 1/F`.

    References
    ----------
    Bliese (2000) [Bli00]_; R ``multilevel::ICC1``/``ICC2`` [Bli16]_.
    """
    by = list(by)
    m = matrix_for(responses, framework, by + ["alliance_id"], matrix=matrix)
    cols = [("practice", pid, np.array([j])) for j, pid in enumerate(m.practice_ids)]
    cols += [("area", aid, np.flatnonzero(m.practice_area == i)) for i, aid in enumerate(m.area_ids)]
    cols.append(("overall", "index", np.arange(len(m.practice_ids))))
    scores = np.column_stack([m.values[:, c[0]] if lvl == "practice" else
                              respondent_scale_scores(m.values, c, min_answered) for lvl, _, c in cols])
    ok = ~np.isnan(scores)
    x = np.where(ok, scores, 0.0)
    counts, sums, sumsqs = m.group_sums(ok.astype(float)), m.group_sums(x), m.group_sums(x * x)
    # one ANOVA per value of `by`: groups (alliances) of the same `by` value are contiguous
    outer = m.groups.groupby(by, sort=False).ngroup().to_numpy() if by else np.zeros(len(m.groups), dtype=int)
    rows = []
    for code in np.unique(outer):
        sel = outer == code
        msb, msw, n, k = _oneway_anova(counts[sel], sums[sel], sumsqs[sel])
        icc1, icc2 = _icc_from_anova(msb, msw, n, k)
        with np.errstate(invalid="ignore", divide="ignore"):
            f = msb / msw
        df1, df2 = k - 1, n - k
        p = stats.f.sf(f, np.maximum(df1, 1), np.maximum(df2, 1))
        key = m.groups.loc[np.flatnonzero(sel)[0], by].to_dict() if by else {}
        for j, (level, ident, _) in enumerate(cols):
            valid = k[j] >= 2 and df2[j] >= 1
            rows.append({**key, "level": level, "id": ident,
                         "icc1": icc1[j] if valid else np.nan, "icc2": icc2[j] if valid else np.nan,
                         "f": f[j] if valid else np.nan, "df1": int(df1[j]), "df2": int(df2[j]),
                         "p_value": p[j] if valid else np.nan, "n_alliances": int(k[j]),
                         "n_respondents": int(n[j]), "mean_group_size": n[j] / k[j] if k[j] else np.nan})
    return pd.DataFrame(rows, columns=by + ["level", "id", "icc1", "icc2", "f", "df1", "df2", "p_value",
                                            "n_alliances", "n_respondents", "mean_group_size"])


def reliability_table(responses: pd.DataFrame, framework: Framework, *, nan_policy: NanPolicy = "pairwise",
                      ci: float = 0.95, matrix: RespondentMatrix | None = None) -> pd.DataFrame:
    """Cronbach's alpha of each area's practices, over every respondent (each respondent-wave is one row).

    ``matrix`` is ``respondent_matrix(responses, framework)`` when the caller has built it already (see
    :func:`~alliance_research.scoring.score_responses`).

    Returns
    -------
    DataFrame
        Columns ``area_id``, ``n_items``, ``n_respondents``, ``alpha``, ``ci_low``, ``ci_high`` (see
        :func:`cronbach_alpha`). An area with a single practice has no alpha (``NaN``).

    References
    ----------
    Cronbach (1951) [Cro51]_; Feldt, Woodruff & Salih (1987) [Fel87]_.
    """
    m = matrix_for(responses, framework, matrix=matrix)
    rows = []
    for i, area in enumerate(m.area_ids):
        cols = np.flatnonzero(m.practice_area == i)
        block = m.values[:, cols]
        block = block[~np.isnan(block).all(axis=1)]
        a = cronbach_alpha(block, nan_policy=nan_policy, ci=ci) if len(cols) >= 2 else Alpha(np.nan, np.nan,
                                                                                              np.nan)
        rows.append({"area_id": area, "n_items": len(cols), "n_respondents": len(block), **a._asdict()})
    return pd.DataFrame(rows, columns=["area_id", "n_items", "n_respondents", "alpha", "ci_low", "ci_high"])
