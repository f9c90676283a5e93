"""Measurement quality of the rubric: item analysis, omega and confirmatory factor analysis.

A methods reviewer asks whether the practices of an area measure one thing (item analysis and Cronbach's alpha),
how much of a respondent's total rating reflects one general maturity rather than area-specific variance
(McDonald's omega total and omega hierarchical), and whether the rubric's areas are a better account of the
ratings than a single factor (confirmatory factor analysis with the usual fit indices). This module answers the
three on one wave of a library's respondent-level ratings (respondents x practices, ``NaN`` = "Don't know").

The figures match R: item statistics ``psych::alpha`` (Revelle), omega ``psych::omega`` given the confirmatory
pattern and factor correlations, and the CFA ``lavaan::cfa(..., std.lv = TRUE)`` with ``fitMeasures`` (Rosseel,
2012), for ML and for the Satorra-Bentler robust ("MLM") statistics. ``tests/reference/psychometrics.R`` makes up
data sets with a known structure and stores what R reports; ``tests/test_psychometrics.py`` pins this module to
those values.

What these figures describe: respondents, not alliances. Respondents are nested in alliances; the factor
structure here is that of the pooled respondent-level ratings (within- and between-alliance variance mixed), the
ratings of one alliance are not independent, so chi-square p-values are too optimistic, and a multilevel CFA
(separate within- and between-alliance structures) is out of scope. Every result carries these caveats in its
``notes``.

References
----------
.. [Cro51] Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika*,
   16(3), 297-334.
.. [McD99] McDonald, R. P. (1999). *Test theory: a unified treatment*. Lawrence Erlbaum.
.. [Zin05] Zinbarg, R. E., Revelle, W., Yovel, I. & Li, W. (2005). Cronbach's alpha, Revelle's beta, and
   McDonald's omega_h: their relations with each other and two alternative conceptualizations of reliability.
   *Psychometrika*, 70(1), 123-133.
.. [SL57] Schmid, J. & Leiman, J. M. (1957). The development of hierarchical factor solutions. *Psychometrika*,
   22(1), 53-61.
.. [Rev22] Revelle, W. (2022). *psych: Procedures for Psychological, Psychometric, and Personality Research*.
   R package version 2.2.9.
.. [Ros12] Rosseel, Y. (2012). lavaan: an R package for structural equation modeling. *Journal of Statistical
   Software*, 48(2), 1-36.
.. [Jor69] Joreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor analysis.
   *Psychometrika*, 34(2), 183-202.
.. [HB99] Hu, L. & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure analysis:
   conventional criteria versus new alternatives. *Structural Equation Modeling*, 6(1), 1-55.
.. [BC93] Browne, M. W. & Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A. Bollen &
   J. S. Long (Eds.), *Testing structural equation models* (pp. 136-162). Sage.
.. [SB94] Satorra, A. & Bentler, P. M. (1994). Corrections to test statistics and standard errors in covariance
   structure analysis. In A. von Eye & C. C. Clogg (Eds.), *Latent variables analysis* (pp. 399-419). Sage.
.. [BS14] Brosseau-Liard, P. E. & Savalei, V. (2014). Adjusting incremental fit indices for nonnormality.
   *Multivariate Behavioral Research*, 49(5), 460-470.
.. [BSL12] Brosseau-Liard, P. E., Savalei, V. & Li, L. (2012). An investigation of the sample performance of two
   nonnormality corrections for RMSEA. *Multivariate Behavioral Research*, 47(6), 904-930.
.. [Boo82] Boomsma, A. (1982). The robustness of LISREL against small sample sizes in factor analysis models.
   In K. G. Joreskog & H. Wold (Eds.), *Systems under indirect observation* (Part I, pp. 149-173).
   North-Holland.
.. [BC87] Bentler, P. M. & Chou, C.-P. (1987). Practical issues in structural modeling. *Sociological Methods &
   Research*, 16(1), 78-117.
.. [RBS12] Rhemtulla, M., Brosseau-Liard, P. E. & Savalei, V. (2012). When can categorical variables be treated
   as continuous? *Psychological Methods*, 17(3), 354-373.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ._matrix import matrix_for, respondent_matrix
from .agreement import cronbach_alpha
from .framework import Framework

__all__ = ["item_analysis", "omega", "cfa", "compare_models", "instrument_quality", "respondent_items",
           "fit_verdict", "cfa_refusal", "ItemAnalysis", "Omega", "CFAResult", "ModelComparison",
           "InstrumentQuality", "NotEnoughData", "HU_BENTLER", "MIN_N", "N_PER_PARAMETER", "CAVEATS"]

#: Hu & Bentler's (1999) cut-offs: (statistic, direction, value); a model "passes" a cut-off when its index is on
#: the right side of it (CFI and TLI at least .95, RMSEA at most .06, SRMR at most .08).
HU_BENTLER = (("cfi", ">=", 0.95), ("tli", ">=", 0.95), ("rmsea", "<=", 0.06), ("srmr", "<=", 0.08))

#: Absolute floor on the complete responses a CFA needs: below 100, ML factor analyses often fail to converge or
#: give improper solutions (Boomsma, 1982), and Hu & Bentler's cut-offs were studied from N = 150 up.
MIN_N = 100
#: Complete responses per free parameter of the area model (Bentler & Chou, 1987: at least 5 under normality).
N_PER_PARAMETER = 5

#: What the figures describe and what they do not: carried in every result's ``notes``.
CAVEATS = (
    ("Respondents are nested in alliances: these figures describe respondents' ratings pooled over alliances, "
     "not alliances. The ratings of one alliance are not independent, so chi-square p-values are too optimistic, "
     "and within- and between-alliance structures are mixed; a multilevel CFA is out of scope."),
    ("Ratings are treated as continuous (maximum likelihood on covariances); with five or more ordered "
     "categories this is usually acceptable (Rhemtulla, Brosseau-Liard & Savalei, 2012), and the Satorra-Bentler "
     "robust statistics correct the chi-square for the non-normality that ratings bring."),
)


class NotEnoughData(ValueError):
    """Raised when a CFA (or the omega built on it) is refused: too few complete responses, or a model that is not
    identified. The message says which rule refused it and what would be needed."""


# --- the respondents x practices matrix of one wave ------------------------------------------------------------

def respondent_items(responses, framework: Framework | None = None, wave: int | None = None, *,
                     matrix=None) -> tuple[pd.DataFrame, pd.Series]:
    """One wave's ratings as a respondents x practices matrix, with the rubric's area of every practice.

    Parameters
    ----------
    responses : Library or DataFrame
        A loaded library (its ``framework`` is used unless one is given) or long ratings (the ``responses``
        contract).
    framework : Framework, optional
        The rubric; required when ``responses`` is a DataFrame.
    wave : int, optional
        The wave; ``None`` takes the latest one. A respondent who answers in two waves is two rows only when the
        waves are pooled, which this function never does.
    matrix : RespondentMatrix, optional
        The respondent matrix of all of ``responses`` (:attr:`Analysis.ratings
        <alliance_research.analysis.Analysis.ratings>`), taken instead of pivoting the ratings again.

    Returns
    -------
    items : DataFrame
        One row per respondent of the wave (index ``alliance_id, respondent_id``), one column per practice in rubric
        order, ``NaN`` where the respondent answered "Don't know" or left the practice out.
    areas : Series
        The area id of every practice (index: practice ids, in the same order), taken from the framework.
    """
    if framework is None:
        framework = getattr(responses, "framework", None)
        if framework is None:
            raise TypeError("pass a Library, or long responses together with framework=")
    everything = getattr(responses, "responses", responses)
    if wave is None:
        if not len(everything):
            raise ValueError("there are no ratings to analyse")
        wave = int(pd.to_numeric(everything["wave"]).max())
    data = everything[pd.to_numeric(everything["wave"]) == wave]
    if not len(data):
        raise ValueError(f"there are no ratings in wave {wave}")
    if matrix is None:
        m = respondent_matrix(data, framework, ("wave",))
        people, values = m.respondents, m.values
    else:  # the shared matrix by wave (the same row order as pivoting this wave alone), this wave's rows
        m = matrix_for(everything, framework, ("wave",), matrix=matrix)
        keep = (pd.to_numeric(m.respondents["wave"]) == wave).to_numpy()
        people, values = m.respondents[keep], m.values[keep]
    index = pd.MultiIndex.from_frame(people[["alliance_id", "respondent_id"]])
    items = pd.DataFrame(values, index=index, columns=pd.Index(m.practice_ids, name="practice_id"))
    areas = pd.Series([m.area_ids[i] for i in m.practice_area], index=pd.Index(m.practice_ids, name="practice_id"),
                      name="area_id")
    return items, areas


def _areas_for(items: pd.DataFrame, areas) -> pd.Series:
    """The area of every column of ``items``, in column order (refuses columns without one)."""
    areas = pd.Series(areas) if isinstance(areas, Mapping) else areas
    missing = [c for c in items.columns if c not in areas.index]
    if missing:
        raise ValueError(f"no area given for practice(s) {missing}")
    return areas.reindex(items.columns).astype(str)


def _area_order(areas: pd.Series) -> list[str]:
    return list(dict.fromkeys(areas.tolist()))


# --- item analysis --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemAnalysis:
    """Item statistics and scale reliabilities (see :func:`item_analysis`).

    Attributes
    ----------
    items : DataFrame
        One row per practice: ``practice_id, area_id, n, dont_know, mean, sd, r_drop_area,
        alpha_if_dropped_area, r_drop_overall, alpha_if_dropped_overall``.
    scales : DataFrame
        One row per area and one ``overall``: ``level, id, n_items, n_respondents, alpha, ci_low, ci_high,
        std_alpha, average_r``.
    notes : tuple of str
    """

    items: pd.DataFrame
    scales: pd.DataFrame
    notes: tuple[str, ...] = ()


def _alpha_parts(cov: np.ndarray) -> tuple[float, float, float]:
    """Raw alpha, standardised alpha and mean inter-item correlation of a covariance matrix (as psych::alpha)."""
    k = cov.shape[0]
    if k < 2:
        return np.nan, np.nan, np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = (1 - np.trace(cov) / cov.sum()) * k / (k - 1)
        sd = np.sqrt(np.diag(cov))
        r = cov / np.outer(sd, sd)
        std = (1 - k / r.sum()) * k / (k - 1)
        average_r = (r.sum() - k) / (k * (k - 1))
    return float(raw), float(std), float(average_r)


def _drop_statistics(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corrected item-total correlation and alpha if the item is dropped, for every item of one scale."""
    k = cov.shape[0]
    r_drop = np.full(k, np.nan)
    alpha_drop = np.full(k, np.nan)
    if k < 2:
        return r_drop, alpha_drop
    for i in range(k):
        rest = np.delete(np.arange(k), i)
        with np.errstate(invalid="ignore", divide="ignore"):
            r_drop[i] = cov[rest, i].sum() / np.sqrt(cov[i, i] * cov[np.ix_(rest, rest)].sum())
        # with two items, dropping one leaves a single item, which has no alpha (psych prints another figure)
        if k > 2:
            alpha_drop[i] = _alpha_parts(cov[np.ix_(rest, rest)])[0]
    return r_drop, alpha_drop


def item_analysis(items: pd.DataFrame, areas, *, ci: float = 0.95) -> ItemAnalysis:
    """Item statistics per practice and Cronbach's alpha per area and overall, as R ``psych::alpha``.

    Parameters
    ----------
    items : DataFrame
        Respondents in rows, practices in columns, ``NaN`` for "Don't know" or no answer (see
        :func:`respondent_items`).
    areas : Series or mapping
        The area id of every practice (from the framework).
    ci : float
        Level of alpha's interval (Feldt's, see :func:`alliance_research.agreement.cronbach_alpha`).

    Returns
    -------
    ItemAnalysis
        ``items``: per practice ``n`` (who answered), ``dont_know`` (share of the respondents who did not),
        ``mean``, ``sd``, the corrected item-total correlation ``r_drop_*`` and ``alpha_if_dropped_*``, both within
        the practice's area and within the whole rubric (``overall``). ``scales``: per area and overall, alpha with
        its interval, standardised alpha and the mean inter-item correlation.

    Notes
    -----
    Missing answers are handled **pairwise**, as ``psych::alpha`` does by default (``use = "pairwise"``): each
    covariance :math:`C_{ij}` is taken over the respondents who answered both practices (denominator
    :math:`n_{ij} - 1`); means and SDs over those who answered the practice. With :math:`k` items,

    .. math::
        \\alpha = \\frac{k}{k - 1}\\left(1 - \\frac{\\operatorname{tr} C}{\\sum_{ij} C_{ij}}\\right), \\qquad
        r_{i,\\text{drop}} = \\frac{\\sum_{j \\ne i} C_{ij}}{\\sqrt{C_{ii} \\sum_{j, l \\ne i} C_{jl}}}

    [Cro51]_; "alpha if dropped" is :math:`\\alpha` of :math:`C` without row and column :math:`i`. Standardised
    alpha is the same formula on the correlation matrix. In an area of two practices, alpha if dropped is
    ``NaN`` (one item has no alpha; psych prints :math:`C_{12}/C_{jj}` there). Items are not reverse-keyed: every
    practice is worded so that a higher level is more mature. The interval is Feldt's with :math:`n` the number
    of respondents who answered at least one practice of the scale.

    References
    ----------
    Cronbach (1951) [Cro51]_; R ``psych::alpha`` [Rev22]_.

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 2], "b": [2, 2, 3, 4, 1], "c": [1, 3, 3, 3, np.nan]})
    >>> res = item_analysis(x, {"a": "one", "b": "one", "c": "one"})
    >>> res.items[["practice_id", "n", "r_drop_area"]].round(3)   # R psych::alpha(x)$item.stats: n, r.drop
      practice_id  n  r_drop_area
    0           a  5        0.990
    1           b  5        0.656
    2           c  4        0.692
    >>> print(round(res.scales.loc[0, "alpha"], 3))      # R: psych::alpha(x)$total$raw_alpha = 0.8793103
    0.879
    """
    areas = _areas_for(items, areas)
    x = items.astype(float)
    n_rows = len(x)
    cov = x.cov().to_numpy()       # pairwise complete, denominator n_ij - 1, as R cov(use = "pairwise")
    answered = x.notna()
    frame = pd.DataFrame({
        "practice_id": list(x.columns), "area_id": areas.to_list(),
        "n": answered.sum().to_numpy(dtype=int),
        "dont_know": (1 - answered.mean()).to_numpy() if n_rows else np.nan,
        "mean": x.mean().to_numpy(), "sd": x.std(ddof=1).to_numpy()})
    frame["r_drop_area"] = np.nan
    frame["alpha_if_dropped_area"] = np.nan
    scales = []
    for area in _area_order(areas):
        cols = np.flatnonzero(areas.to_numpy() == area)
        r_drop, a_drop = _drop_statistics(cov[np.ix_(cols, cols)])
        frame.loc[cols, "r_drop_area"] = r_drop
        frame.loc[cols, "alpha_if_dropped_area"] = a_drop
        scales.append(_scale_row("area", area, x.iloc[:, cols], cov[np.ix_(cols, cols)], ci))
    r_drop, a_drop = _drop_statistics(cov)
    frame["r_drop_overall"] = r_drop
    frame["alpha_if_dropped_overall"] = a_drop
    scales.append(_scale_row("overall", "overall", x, cov, ci))
    notes = (("Missing answers ('Don't know') are left out pairwise: each covariance uses the respondents who "
              "answered both practices, as psych::alpha does."),) + CAVEATS[:1]
    return ItemAnalysis(items=frame, scales=pd.DataFrame(scales), notes=notes)


def _scale_row(level: str, ident: str, block: pd.DataFrame, cov: np.ndarray, ci: float) -> dict:
    used = block[block.notna().any(axis=1)]
    k = block.shape[1]
    raw, std, average_r = _alpha_parts(cov)
    if k >= 2 and len(used) >= 2:
        a = cronbach_alpha(used, nan_policy="pairwise", ci=ci)
        low, high = a.ci_low, a.ci_high
    else:
        low = high = np.nan
    return {"level": level, "id": ident, "n_items": k, "n_respondents": len(used), "alpha": raw, "ci_low": low,
            "ci_high": high, "std_alpha": std, "average_r": average_r}


# --- maximum likelihood CFA ----------------------------------------------------------------------------------

def _vech_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of every element of vech (lower triangle by columns, as lavaan orders it)."""
    cols, rows = np.triu_indices(p)        # column-major lower triangle = row-major upper triangle, swapped
    return rows, cols


class _Model:
    """A CFA with simple structure: practice ``i`` loads on factor ``factor_of[i]``; factor variances fixed at 1
    (``std.lv = TRUE``); factors correlate freely unless ``orthogonal``."""

    def __init__(self, factor_of: np.ndarray, n_factors: int, orthogonal: bool = False):
        self.factor_of = factor_of
        self.p = len(factor_of)
        self.k = n_factors
        self.pairs = [] if orthogonal or n_factors < 2 else [(a, b) for b in range(n_factors)
                                                             for a in range(b + 1, n_factors)]
        self.q = 2 * self.p + len(self.pairs)

    def unpack(self, theta: np.ndarray):
        lam = np.zeros((self.p, self.k))
        lam[np.arange(self.p), self.factor_of] = theta[:self.p]
        psi = theta[self.p:2 * self.p]
        phi = np.eye(self.k)
        for v, (a, b) in zip(theta[2 * self.p:], self.pairs):
            phi[a, b] = phi[b, a] = v
        return lam, phi, psi

    def sigma(self, theta):
        lam, phi, psi = self.unpack(theta)
        return lam @ phi @ lam.T + np.diag(psi)

    def derivatives(self, theta) -> np.ndarray:
        """dSigma / dtheta, shape (q, p, p)."""
        lam, phi, _ = self.unpack(theta)
        p = self.p
        out = np.zeros((self.q, p, p))
        lp = lam @ phi                                   # p x k
        for i in range(p):
            col = lp[:, self.factor_of[i]]
            out[i, i, :] += col
            out[i, :, i] += col
        out[np.arange(p) + p, np.arange(p), np.arange(p)] = 1.0
        for j, (a, b) in enumerate(self.pairs):
            out[2 * p + j] = np.outer(lam[:, a], lam[:, b]) + np.outer(lam[:, b], lam[:, a])
        return out

    def start(self, s: np.ndarray) -> np.ndarray:
        """Start values from the correlations: a factor with two practices is not identified while its
        correlations are 0 (the information matrix is singular there), so they start from the data instead."""
        d = np.diag(s)
        sd = np.sqrt(d)
        r = s / np.outer(sd, sd)
        within = np.zeros(self.k)
        for f in range(self.k):
            idx = np.flatnonzero(self.factor_of == f)
            block = r[np.ix_(idx, idx)][np.triu_indices(len(idx), 1)]
            within[f] = np.clip(block.mean() if len(block) else 0.5, 0.1, 0.9)
        lam = np.sqrt(within[self.factor_of]) * sd
        phi = []
        for a, b in self.pairs:
            between = r[np.ix_(self.factor_of == a, self.factor_of == b)].mean()
            phi.append(np.clip(between / np.sqrt(within[a] * within[b]), -0.9, 0.9))
        return np.concatenate([lam, d - lam ** 2, phi])


def _discrepancy(sigma: np.ndarray, s: np.ndarray, logdet_s: float) -> float:
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return np.inf
    return float(logdet + np.trace(np.linalg.solve(sigma, s)) - logdet_s - len(s))


def _fit_ml(model: _Model, s: np.ndarray, max_iter: int = 500, tol: float = 1e-12):
    """Minimise F_ML = log|Sigma| + tr(S Sigma^-1) - log|S| - p by Fisher scoring with step halving.

    Returns ``(theta, fmin, converged, iterations)``. Residual variances are not bounded (lavaan does not bound
    them either), so a negative one (a Heywood case) is reported, not hidden.
    """
    logdet_s = np.linalg.slogdet(s)[1]
    theta = model.start(s)
    f = _discrepancy(model.sigma(theta), s, logdet_s)
    for it in range(1, max_iter + 1):
        sigma = model.sigma(theta)
        inv = np.linalg.inv(sigma)
        a = np.matmul(inv, model.derivatives(theta))                  # Sigma^-1 dSigma/dtheta_a
        flat = a.reshape(model.q, -1)
        info = flat @ a.transpose(0, 2, 1).reshape(model.q, -1).T      # tr(A_a A_b)
        score = flat @ (inv @ (s - sigma)).T.ravel()                    # tr(A_a Sigma^-1 (S - Sigma))
        # least squares rather than solve: near an unidentified point (e.g. an area of two practices
        # uncorrelated with the rest) the information matrix is singular; the minimum-norm step still descends
        step = np.linalg.lstsq(info, score, rcond=None)[0]
        t = 1.0
        while True:
            candidate = theta + t * step
            f_new = _discrepancy(model.sigma(candidate), s, logdet_s)
            if f_new <= f + 1e-15 or t < 1e-8:
                break
            t /= 2
        if not np.isfinite(f_new) or f_new > f + 1e-12:
            return theta, f, False, it
        theta, f_old, f = candidate, f, f_new
        if np.max(np.abs(t * step)) < 1e-9 and abs(f_old - f) < tol:
            return theta, f, True, it
    return theta, f, False, max_iter


def _ncp_bound(chisq: float, df: float, prob: float) -> float:
    """Noncentrality ``lam`` with P(chi2(df, lam) <= chisq) = prob (0 when even lam = 0 is below it)."""
    if not np.isfinite(chisq) or df <= 0 or stats.chi2.cdf(chisq, df) < prob:
        return 0.0
    upper = max(chisq, 1.0)
    while stats.ncx2.cdf(chisq, df, upper) > prob:
        upper *= 2
    return float(optimize.brentq(lambda lam: stats.ncx2.cdf(chisq, df, lam) - prob, 0.0, upper, xtol=1e-12))


def _rmsea(chisq: float, df: float, n: int, c: float = 1.0) -> tuple[float, float, float]:
    """RMSEA with its 90% interval (Browne & Cudeck, 1993); ``c`` the scaling factor for the robust version."""
    if df <= 0:
        return np.nan, np.nan, np.nan
    point = np.sqrt(max(chisq - c * df, 0.0) / (n * df))
    scaled = chisq / c
    low = np.sqrt(c * _ncp_bound(scaled, df, 0.95) / (n * df))
    high = np.sqrt(c * _ncp_bound(scaled, df, 0.05) / (n * df))
    return float(point), float(low), float(high)


def _incremental(chisq, df, chisq_b, df_b):
    """CFI and TLI against the independence (baseline) model, as lavaan computes them."""
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, chisq_b - df_b, 0.0)
    cfi = 1.0 if t2 == 0 else 1 - t1 / t2
    tli = (chisq_b / df_b - chisq / df) / (chisq_b / df_b - 1) if df > 0 else np.nan
    return float(cfi), float(tli)


def _gamma(x: np.ndarray) -> np.ndarray:
    """Asymptotic covariance of vech(S) from fourth-order moments (normal-theory free; n divisor as lavaan)."""
    rows, cols = _vech_index(x.shape[1])
    c = x - x.mean(axis=0)
    d = c[:, rows] * c[:, cols]
    return np.cov(d, rowvar=False, bias=True)


def _normal_weight(sigma: np.ndarray) -> np.ndarray:
    """W = D'(Sigma^-1 (x) Sigma^-1) D / 2 in vech coordinates, without forming the Kronecker product.

    For vech elements a = (i, j) and b = (m, n) the sum over their duplicated positions is
    (mult_a mult_b / 2)(A_im A_jn + A_in A_jm), mult = 2 off the diagonal and 1 on it.
    """
    inv = np.linalg.inv(sigma)
    rows, cols = _vech_index(len(sigma))
    m = inv[np.ix_(rows, rows)] * inv[np.ix_(cols, cols)] + inv[np.ix_(rows, cols)] * inv[np.ix_(cols, rows)]
    mult = np.where(rows == cols, 1.0, 2.0)
    return 0.25 * np.outer(mult, mult) * m


def _sb_scaling(sigma: np.ndarray, delta: np.ndarray, gamma: np.ndarray, df: int) -> float:
    """Satorra-Bentler scaling factor c = tr(U Gamma) / df with U = W - W D (D'W D)^-1 D'W."""
    w = _normal_weight(sigma)
    wd = w @ delta
    u = w - wd @ np.linalg.solve(delta.T @ wd, wd.T)
    return float(np.sum(u * gamma.T) / df)


@dataclass(frozen=True)
class CFAResult:
    """One confirmatory factor model (see :func:`cfa`).

    Attributes
    ----------
    model : str
        ``"areas"`` (practices load on their area; areas correlate) or ``"one-factor"``.
    fit : DataFrame
        One row per estimator (``ML``; and ``MLM`` when robust): ``model, estimator, n, chisq, df, pvalue,
        scaling_factor, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high, srmr, baseline_chisq, baseline_df``, one
        ``pass_<index>`` column per Hu & Bentler cut-off, ``n_pass`` and ``verdict``.
    loadings : DataFrame
        ``practice_id, factor, loading`` (unstandardised, factor variances 1) and ``std_loading`` (lavaan's
        ``std.all``), ``residual_variance``.
    factor_correlations : DataFrame
        ``factor_a, factor_b, correlation`` (empty for one factor).
    converged : bool
    notes : tuple of str
    """

    model: str
    fit: pd.DataFrame
    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    converged: bool
    notes: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        return " ".join(self.fit["verdict"])


def _complete(items: pd.DataFrame) -> np.ndarray:
    return items.dropna(axis=0, how="any").to_numpy(dtype=float)


def cfa_refusal(n: int, areas: pd.Series, *, min_n: int = MIN_N, n_per_parameter: float = N_PER_PARAMETER
                ) -> str | None:
    """Why a CFA of the area structure on ``n`` complete responses is refused, or ``None`` when it may run.

    The rules: every area has at least two practices (a factor with one indicator is not identified; one with
    two is identified only through its correlations with the other areas), the one-factor model has at least
    three practices, the covariance matrix is not singular (``n`` above the number of practices), and ``n`` is at
    least ``max(min_n, n_per_parameter * q)`` with ``q`` the free parameters of the area model (one loading and one
    residual variance per practice plus the areas' correlations): five per parameter after Bentler & Chou
    (1987) [BC87]_, and never under 100 (Boomsma, 1982 [Boo82]_).

    Examples
    --------
    >>> areas = pd.Series(["a"] * 4 + ["b"] * 4, index=[f"i{j}" for j in range(8)])
    >>> cfa_refusal(60, areas)
    'too few complete responses for a CFA: 60, and it needs at least 100 (5 per free parameter of the area model, q = 17, and never fewer than 100)'
    >>> cfa_refusal(100, areas) is None
    True
    """
    sizes = areas.value_counts()
    p = len(areas)
    if p < 3:
        return f"a CFA needs at least three practices, got {p}"
    thin = sorted(sizes[sizes < 2].index)
    if len(sizes) > 1 and thin:
        return (f"the area model is not identified: area(s) {', '.join(thin)} have a single practice "
                "(a factor needs at least two)")
    k = len(sizes)
    q = 2 * p + k * (k - 1) // 2
    needed = int(max(min_n, np.ceil(n_per_parameter * q)))
    if n <= p or n < needed:
        return (f"too few complete responses for a CFA: {n}, and it needs at least {needed} "
                f"({n_per_parameter:g} per free parameter of the area model, q = {q}, and never fewer than "
                f"{min_n})")
    return None


def fit_verdict(row: Mapping) -> str:
    """A plain-words verdict on one model's fit by Hu & Bentler's (1999) cut-offs.

    Examples
    --------
    >>> fit_verdict({"model": "areas", "estimator": "ML", "cfi": 0.97, "tli": 0.96, "rmsea": 0.07, "srmr": 0.05})
    'areas (ML): meets 3 of 4 Hu & Bentler (1999) cut-offs (CFI 0.970 >= .95, TLI 0.960 >= .95, SRMR 0.050 <= .08); misses RMSEA 0.070 > .06.'
    """
    met, missed = [], []
    for stat, direction, cut in HU_BENTLER:
        value = row[stat]
        label = f"{stat.upper()} {value:.3f}"
        cut_text = f"{cut:.2f}".lstrip("0")
        if not np.isfinite(value):
            missed.append(f"{stat.upper()} not available")
        elif (value >= cut) if direction == ">=" else (value <= cut):
            met.append(f"{label} {direction} {cut_text}")
        else:
            missed.append(f"{label} {'<' if direction == '>=' else '>'} {cut_text}")
    head = f"{row['model']} ({row['estimator']}): "
    if not missed:
        return head + f"meets all four Hu & Bentler (1999) cut-offs ({', '.join(met)})."
    if not met:
        return head + f"meets none of the Hu & Bentler (1999) cut-offs ({', '.join(missed)})."
    return head + (f"meets {len(met)} of 4 Hu & Bentler (1999) cut-offs ({', '.join(met)}); "
                   f"misses {', '.join(missed)}.")


def cfa(items: pd.DataFrame, areas, *, one_factor: bool = False, robust: bool = True, min_n: int = MIN_N,
        n_per_parameter: float = N_PER_PARAMETER) -> CFAResult:
    """Confirmatory factor analysis of the rubric's areas (or of one factor), as ``lavaan::cfa``.

    Parameters
    ----------
    items : DataFrame
        Respondents x practices, ``NaN`` = no answer (see :func:`respondent_items`).
    areas : Series or mapping
        The area of every practice (from the framework): the factor it loads on.
    one_factor : bool
        Fit one factor for all practices instead of the areas.
    robust : bool
        Also report the Satorra-Bentler scaled chi-square and the robust CFI, TLI and RMSEA (lavaan's
        ``estimator = "MLM"``).
    min_n, n_per_parameter : int, float
        Refusal rule (see :func:`cfa_refusal`); it is always that of the area model, so the two models of a
        comparison are fitted on the same footing.

    Returns
    -------
    CFAResult

    Raises
    ------
    NotEnoughData
        When :func:`cfa_refusal` refuses the data.

    Notes
    -----
    Respondents with a missing answer are deleted listwise (lavaan's default for ML). With the sample covariance
    :math:`S` (denominator :math:`N`, lavaan's ``likelihood = "normal"``) and the model
    :math:`\\Sigma = \\Lambda\\Phi\\Lambda' + \\Theta` (each practice loads on its area, factor variances fixed at 1
    as ``std.lv = TRUE``, areas correlate, residuals uncorrelated), the estimates minimise [Jor69]_

    .. math:: F_{ML} = \\log|\\Sigma| + \\operatorname{tr}(S\\Sigma^{-1}) - \\log|S| - p

    (Fisher scoring). :math:`\\chi^2 = N F_{ML}` on :math:`df = p(p+1)/2 - q`; the baseline is the independence
    model :math:`\\chi^2_B = N(\\sum_i \\log s_{ii} - \\log|S|)` on :math:`p(p-1)/2`;

    .. math::
        CFI = 1 - \\frac{\\max(\\chi^2 - df, 0)}{\\max(\\chi^2 - df, \\chi^2_B - df_B, 0)}, \\quad
        TLI = \\frac{\\chi^2_B/df_B - \\chi^2/df}{\\chi^2_B/df_B - 1}, \\quad
        RMSEA = \\sqrt{\\frac{\\max(\\chi^2 - df, 0)}{N\\,df}}

    with RMSEA's 90% interval from the noncentral :math:`\\chi^2` whose 95th and 5th percentiles are the
    observed :math:`\\chi^2` [BC93]_; SRMR is the root mean square of
    :math:`(s_{ij} - \\hat\\sigma_{ij})/\\sqrt{s_{ii}s_{jj}}` over :math:`i \\le j` (lavaan's ``srmr``, Bentler's
    definition). Standardised loadings are lavaan's ``std.all``: :math:`\\lambda_i/\\sqrt{\\hat\\sigma_{ii}}`.

    Robust (``MLM``): with :math:`\\Gamma` the fourth-moment estimate of the covariance of :math:`\\text{vech}(S)`,
    :math:`W = \\tfrac12 D'(\\Sigma^{-1}\\otimes\\Sigma^{-1})D`, :math:`\\Delta = \\partial\\sigma/\\partial\\theta'`
    and :math:`U = W - W\\Delta(\\Delta'W\\Delta)^{-1}\\Delta'W`, the scaling factor is
    :math:`c = \\operatorname{tr}(U\\Gamma)/df` and :math:`\\chi^2_{SB} = \\chi^2/c` [SB94]_. The robust CFI and
    TLI replace :math:`df` by :math:`c\\,df` (and :math:`df_B` by :math:`c_B df_B`) in the formulas above
    [BS14]_; the robust RMSEA is :math:`\\sqrt{\\max(\\chi^2 - c\\,df, 0)/(N\\,df)}` and its interval is
    :math:`\\sqrt{c\\,\\lambda/(N\\,df)}` from the noncentrality bounds :math:`\\lambda` of :math:`\\chi^2_{SB}`
    [BSL12]_, as lavaan 0.6 reports them (``cfi.robust``, ``tli.robust``, ``rmsea.robust``).

    References
    ----------
    Joreskog (1969) [Jor69]_; R ``lavaan`` 0.6 [Ros12]_; Browne & Cudeck (1993) [BC93]_; Hu & Bentler (1999)
    [HB99]_; Satorra & Bentler (1994) [SB94]_; Brosseau-Liard & Savalei (2014) [BS14]_; Brosseau-Liard, Savalei &
    Li (2012) [BSL12]_; Bentler & Chou (1987) [BC87]_ and Boomsma (1982) [Boo82]_ for the minimum sample.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=400)
    >>> x = np.repeat(f, 3, axis=1) * 0.7 + rng.normal(scale=0.7, size=(400, 6))
    >>> items = pd.DataFrame(x, columns=[f"i{j}" for j in range(6)])
    >>> res = cfa(items, {c: "ab"[j // 3] for j, c in enumerate(items.columns)})
    >>> res.fit[["estimator", "df", "cfi", "srmr"]].round(3)
      estimator  df    cfi   srmr
    0        ML   8  0.999  0.024
    1       MLM   8  0.999  0.024
    """
    areas = _areas_for(items, areas)
    order = _area_order(areas)
    x = _complete(items)
    n, p = x.shape
    reason = cfa_refusal(n, areas, min_n=min_n, n_per_parameter=n_per_parameter)
    if reason:
        raise NotEnoughData(reason)
    names = ["g"] if one_factor else order
    factor_of = np.zeros(p, dtype=int) if one_factor else np.array([order.index(a) for a in areas])
    model = _Model(factor_of, len(names))
    s = np.cov(x, rowvar=False, bias=True)
    theta, fmin, converged, _ = _fit_ml(model, s)
    lam, phi, psi = model.unpack(theta)
    # a factor's sign is arbitrary: make its loadings mostly positive, as lavaan's start values do
    flip = np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    lam, phi = lam * flip, phi * np.outer(flip, flip)
    sigma = lam @ phi @ lam.T + np.diag(psi)
    df = p * (p + 1) // 2 - model.q
    chisq = n * fmin
    chisq_b = n * (np.log(np.diag(s)).sum() - np.linalg.slogdet(s)[1])
    df_b = p * (p - 1) // 2
    sd = np.sqrt(np.diag(s))
    rows, cols = _vech_index(p)
    srmr = float(np.sqrt(np.mean(((s - sigma) / np.outer(sd, sd))[rows, cols] ** 2)))
    label = "one-factor" if one_factor else "areas"
    fits = []
    cfi, tli = _incremental(chisq, df, chisq_b, df_b)
    rmsea = _rmsea(chisq, df, n)
    fits.append({"model": label, "estimator": "ML", "n": n, "chisq": chisq, "df": df,
                 "pvalue": stats.chi2.sf(chisq, df), "scaling_factor": 1.0, "cfi": cfi, "tli": tli,
                 "rmsea": rmsea[0], "rmsea_ci_low": rmsea[1], "rmsea_ci_high": rmsea[2], "srmr": srmr,
                 "baseline_chisq": chisq_b, "baseline_df": df_b})
    if robust and df > 0:
        gamma = _gamma(x)
        delta = model.derivatives(theta)[:, rows, cols].T
        c = _sb_scaling(sigma, delta, gamma, df)
        delta_b = np.zeros((len(rows), p))
        delta_b[rows == cols, np.arange(p)] = 1.0
        c_b = _sb_scaling(np.diag(np.diag(s)), delta_b, gamma, df_b)
        cfi_r, tli_r = _incremental(chisq, c * df, chisq_b, c_b * df_b)
        tli_r = 1 - ((chisq - c * df) / df) / ((chisq_b - c_b * df_b) / df_b)
        rmsea_r = _rmsea(chisq, df, n, c)
        fits.append({"model": label, "estimator": "MLM", "n": n, "chisq": chisq / c, "df": df,
                     "pvalue": stats.chi2.sf(chisq / c, df), "scaling_factor": c, "cfi": cfi_r, "tli": tli_r,
                     "rmsea": rmsea_r[0], "rmsea_ci_low": rmsea_r[1], "rmsea_ci_high": rmsea_r[2], "srmr": srmr,
                     "baseline_chisq": chisq_b / c_b, "baseline_df": df_b})
    fit = pd.DataFrame(fits)
    for stat, direction, cut in HU_BENTLER:
        fit[f"pass_{stat}"] = fit[stat] >= cut if direction == ">=" else fit[stat] <= cut
    fit["n_pass"] = fit[[f"pass_{s_}" for s_, _, _ in HU_BENTLER]].sum(axis=1).astype(int)
    fit["verdict"] = [fit_verdict(r) for r in fit.to_dict("records")]
    practice_ids = list(items.columns)
    loading = lam[np.arange(p), factor_of]
    loadings = pd.DataFrame({"practice_id": practice_ids, "factor": [names[f] for f in factor_of],
                             "loading": loading, "std_loading": loading / np.sqrt(np.diag(sigma)),
                             "residual_variance": psi})
    corr = pd.DataFrame([{"factor_a": names[a], "factor_b": names[b], "correlation": phi[a, b]}
                         for a, b in model.pairs], columns=["factor_a", "factor_b", "correlation"])
    notes = [f"Listwise deletion: {n} of {len(items)} respondents answered every practice."]
    if not converged:
        notes.append("The estimation did not converge: the figures are not to be reported.")
    if (psi <= 0).any():
        notes.append("A residual variance is not positive (a Heywood case): the model is misspecified or the "
                     "sample too small for it.")
    if not one_factor and len(corr) and (np.abs(corr["correlation"]) >= 1).any():
        notes.append("Two areas correlate at 1 or more: the data do not tell those areas apart.")
    return CFAResult(model=label, fit=fit, loadings=loadings, factor_correlations=corr, converged=converged,
                     notes=tuple(notes) + CAVEATS)


@dataclass(frozen=True)
class ModelComparison:
    """The area model against one factor (see :func:`compare_models`).

    Attributes
    ----------
    areas, one_factor : CFAResult
    fit : DataFrame
        Both models' fit rows, area model first.
    difference : DataFrame
        The ML likelihood-ratio test of one factor against the areas: ``chisq_diff, df_diff, pvalue``.
    verdict : str
    notes : tuple of str
    """

    areas: CFAResult
    one_factor: CFAResult
    fit: pd.DataFrame
    difference: pd.DataFrame
    verdict: str
    notes: tuple[str, ...] = ()


def compare_models(items: pd.DataFrame, areas, *, robust: bool = True, min_n: int = MIN_N,
                   n_per_parameter: float = N_PER_PARAMETER) -> ModelComparison:
    """Fit the rubric's area model and a one-factor model to the same complete responses and compare them.

    Returns
    -------
    ModelComparison
        The two :class:`CFAResult`, their fit rows side by side, the ML chi-square difference test and a verdict.

    Notes
    -----
    One factor is the area model with every correlation between areas fixed at 1, so the two are nested and
    :math:`\\Delta\\chi^2 = \\chi^2_{one} - \\chi^2_{areas}` on :math:`k(k-1)/2` degrees of freedom (``k`` areas)
    tests whether the areas are distinguishable (as ``lavaan::lavTestLRT`` for ML). The constraint lies on the
    boundary of the correlations' range, which makes this test conservative.

    References
    ----------
    Rosseel (2012) [Ros12]_; Hu & Bentler (1999) [HB99]_.
    """
    areas = _areas_for(items, areas)
    kw = {"robust": robust, "min_n": min_n, "n_per_parameter": n_per_parameter}
    area_fit = cfa(items, areas, **kw)
    one = cfa(items, areas, one_factor=True, **kw)
    fit = pd.concat([area_fit.fit, one.fit], ignore_index=True)
    a, o = area_fit.fit.iloc[0], one.fit.iloc[0]
    diff = o["chisq"] - a["chisq"]
    ddf = int(o["df"] - a["df"])
    p = stats.chi2.sf(diff, ddf) if ddf > 0 else np.nan
    difference = pd.DataFrame([{"chisq_diff": diff, "df_diff": ddf, "pvalue": p}])
    words = [fit_verdict(r) for r in fit.to_dict("records")]
    if ddf > 0:
        better = ("fits significantly better than one factor" if p < 0.05 else
                  "does not fit significantly better than one factor")
        words.append(f"The area model {better} (ML chi-square difference {diff:.2f} on {ddf} df, p = {p:.3g}).")
    return ModelComparison(areas=area_fit, one_factor=one, fit=fit, difference=difference, verdict=" ".join(words),
                           notes=area_fit.notes)


# --- omega ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Omega:
    """McDonald's omega from the Schmid-Leiman transformation of the area model (see :func:`omega`).

    Attributes
    ----------
    omega_total, omega_hierarchical : float
    loadings : DataFrame
        ``practice_id, area_id, g`` (general factor), ``group`` (the area's group factor), ``h2``, ``u2``.
    groups : DataFrame
        psych's ``omega.group``: one row ``g`` for the whole rubric and one per area, with ``total``,
        ``general`` and ``group``.
    general_loadings : Series
        Each area's loading on the general (second-order) factor.
    notes : tuple of str
    """

    omega_total: float
    omega_hierarchical: float
    loadings: pd.DataFrame
    groups: pd.DataFrame
    general_loadings: pd.Series
    notes: tuple[str, ...] = ()


def _one_factor_uls(phi: np.ndarray) -> np.ndarray:
    """Loadings of one factor fitted to the off-diagonal of a correlation matrix by least squares (minres)."""
    k = len(phi)
    if k == 3:
        # just identified: the exact solution, gamma_a^2 = phi_ab phi_ac / phi_bc
        with np.errstate(invalid="ignore", divide="ignore"):
            g = np.array([phi[0, 1] * phi[0, 2] / phi[1, 2], phi[0, 1] * phi[1, 2] / phi[0, 2],
                          phi[0, 2] * phi[1, 2] / phi[0, 1]])
        if np.all(g > 0):
            return np.sqrt(g)
    rows, cols = np.triu_indices(k, 1)
    start = np.sqrt(np.clip(np.abs((phi.sum(axis=0) - 1) / (k - 1)), 0.05, 1))
    res = optimize.least_squares(lambda g: (np.outer(g, g) - phi)[rows, cols], start, xtol=1e-14, ftol=1e-14,
                                 gtol=1e-14)
    g = res.x
    return g if g.sum() >= 0 else -g


def omega(items: pd.DataFrame, areas, *, min_n: int = MIN_N, n_per_parameter: float = N_PER_PARAMETER,
          fit: CFAResult | None = None) -> Omega:
    """McDonald's omega total and omega hierarchical, with the rubric's areas as group factors.

    Parameters
    ----------
    items : DataFrame
        Respondents x practices (see :func:`respondent_items`).
    areas : Series or mapping
        The area of every practice, from the framework.
    min_n, n_per_parameter
        The CFA's refusal rule (see :func:`cfa_refusal`).
    fit : CFAResult, optional
        An area-model fit of the same data, to avoid fitting it twice.

    Returns
    -------
    Omega

    Raises
    ------
    NotEnoughData
        When the area model's CFA is refused.

    Notes
    -----
    R ``psych::omega`` on raw data finds its group factors by an exploratory factor analysis (minres, oblimin),
    which need not reproduce the rubric's areas, especially areas of two practices. Here the group factors *are*
    the areas: the oblique solution is the confirmatory area model of :func:`cfa` (standardised loadings
    :math:`\\Lambda`, area correlations :math:`\\Phi`), and its Schmid-Leiman transformation [SL57]_ is done as
    ``psych::omega(Lambda, Phi = Phi)`` does it [Rev22]_: one factor fitted to :math:`\\Phi` by minres gives each
    area's general loading :math:`\\gamma_a` (with two areas, :math:`\\gamma = \\sqrt{|\\phi_{12}|}` for both, psych's
    ``option = "equal"``), then practice :math:`i` of area :math:`a` has general loading
    :math:`g_i = \\lambda_i\\gamma_a` and group loading :math:`\\lambda_i\\sqrt{1 - \\gamma_a^2}`. With the model-implied
    correlation matrix :math:`R = \\Lambda\\Phi\\Lambda'` (unit diagonal), :math:`V_t = \\sum_{ij} R_{ij}` and
    :math:`u_i^2 = 1 - h_i^2`,

    .. math:: \\omega_t = \\frac{V_t - \\sum_i u_i^2}{V_t}, \\qquad \\omega_h = \\frac{(\\sum_i g_i)^2}{V_t}

    [McD99]_ [Zin05]_. Per area (psych's ``omega.group``), with :math:`V_a` the sum of :math:`R` over the area's
    practices: ``total`` :math:`((\\sum g_i)^2 + (\\sum s_i)^2)/V_a`, ``general`` :math:`(\\sum g_i)^2/V_a` and
    ``group`` :math:`(\\sum s_i)^2/V_a`. With one area, omega hierarchical is not defined (``NaN``).

    References
    ----------
    McDonald (1999) [McD99]_; Zinbarg et al. (2005) [Zin05]_; Schmid & Leiman (1957) [SL57]_; R ``psych::omega``
    [Rev22]_.
    """
    areas = _areas_for(items, areas)
    order = _area_order(areas)
    if fit is None:
        fit = cfa(items, areas, robust=False, min_n=min_n, n_per_parameter=n_per_parameter)
    lam_std = fit.loadings["std_loading"].to_numpy()
    factor_of = np.array([order.index(a) for a in areas])
    k, p = len(order), len(lam_std)
    phi = np.eye(k)
    for r in fit.factor_correlations.itertuples():
        a, b = order.index(r.factor_a), order.index(r.factor_b)
        phi[a, b] = phi[b, a] = r.correlation
    lam = np.zeros((p, k))
    lam[np.arange(p), factor_of] = lam_std
    notes = list(fit.notes[:1])
    if k >= 3:
        gamma = _one_factor_uls(phi)
    elif k == 2:
        gamma = np.array([np.sqrt(abs(phi[0, 1])), np.sign(phi[0, 1]) * np.sqrt(abs(phi[0, 1]))])
        notes.append("With two areas the general factor is not identified: both areas' general loadings are set "
                     "equal (psych's option = 'equal').")
    else:
        gamma = np.array([np.nan])
    if np.any(np.abs(gamma) > 1):
        notes.append("An area's loading on the general factor exceeds 1 (a Heywood case): omega hierarchical is "
                     "not trustworthy.")
    r = lam @ phi @ lam.T
    h2 = np.diag(r).copy()
    np.fill_diagonal(r, 1.0)
    g = lam @ gamma
    group = np.sign(lam_std) * np.sqrt(np.clip(lam_std ** 2 * (1 - gamma[factor_of] ** 2), 0, None))
    # psych reverses practices with a negative general loading before summing
    key = np.where(g < 0, -1.0, 1.0)
    r = r * np.outer(key, key)
    g, group = g * key, group * key
    vt = r.sum()
    u2 = 1 - h2
    omega_t = (vt - u2.sum()) / vt
    omega_h = g.sum() ** 2 / vt if k > 1 else np.nan
    rows = [{"factor": "g", "total": omega_t, "general": omega_h, "group": np.nan}]
    group_sq = 0.0
    for a, area in enumerate(order):
        idx = factor_of == a
        va = r[np.ix_(idx, idx)].sum()
        gs, ss = g[idx].sum() ** 2, group[idx].sum() ** 2
        group_sq += ss
        rows.append({"factor": area, "total": (gs + ss) / va, "general": gs / va, "group": ss / va})
    rows[0]["group"] = group_sq / vt
    loadings = pd.DataFrame({"practice_id": list(items.columns), "area_id": areas.to_list(), "g": g,
                             "group": group, "h2": h2, "u2": u2})
    return Omega(omega_total=float(omega_t), omega_hierarchical=float(omega_h), loadings=loadings,
                 groups=pd.DataFrame(rows), general_loadings=pd.Series(gamma, index=order, name="gamma"),
                 notes=tuple(notes) + CAVEATS)


# --- everything for one wave ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class InstrumentQuality:
    """Everything :func:`instrument_quality` finds for one wave.

    Attributes
    ----------
    wave : int
    item_analysis : ItemAnalysis
    omega : Omega or None
        ``None`` when the CFA was refused.
    models : ModelComparison or None
        ``None`` when the CFA was refused.
    refusal : str or None
        Why the CFA and omega were refused (``None`` when they ran).
    table : DataFrame
        One long tidy table: ``section`` (``item``, ``scale``, ``omega``, ``fit``, ``loading``), ``model``,
        ``level`` (``practice``, ``area``, ``overall``), ``id``, ``statistic``, ``value``.
    notes : tuple of str
    """

    wave: int
    item_analysis: ItemAnalysis
    omega: Omega | None
    models: ModelComparison | None
    refusal: str | None
    table: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> str:
        return self.models.verdict if self.models is not None else f"No CFA: {self.refusal}."


def instrument_quality(library, wave: int | None = None, *, framework: Framework | None = None,
                       robust: bool = True, min_n: int = MIN_N,
                       n_per_parameter: float = N_PER_PARAMETER, matrix=None) -> InstrumentQuality:
    """Item analysis, omega and the CFA comparison for one wave of a library (the latest by default).

    Parameters
    ----------
    library : Library or DataFrame
        A loaded library, or long responses with ``framework=``.
    wave : int, optional
        The wave to analyse; ``None`` = the latest.
    framework : Framework, optional
        The rubric; by default the library's. Practices and areas come from it.
    robust, min_n, n_per_parameter
        As :func:`cfa`.
    matrix : RespondentMatrix, optional
        As in :func:`respondent_items`.

    Returns
    -------
    InstrumentQuality
        When the CFA is refused (too few complete responses, or an area with a single practice), ``omega`` and
        ``models`` are ``None``, ``refusal`` says why, and the item analysis is still there.

    Examples
    --------
    >>> import alliance_research as ar
    >>> q = instrument_quality(ar.load_library())
    >>> q.wave, q.refusal is not None
    (2, True)
    >>> sorted(q.table["section"].unique())
    ['item', 'scale']
    """
    fw = framework if framework is not None else getattr(library, "framework", None)
    data = getattr(library, "responses", library)
    if wave is None:
        wave = int(pd.to_numeric(data["wave"]).max())
    items, areas = respondent_items(data, fw, wave, matrix=matrix)
    ia = item_analysis(items, areas)
    kw = {"min_n": min_n, "n_per_parameter": n_per_parameter}
    refusal = cfa_refusal(len(_complete(items)), areas, **kw)
    om = models = None
    if refusal is None:
        models = compare_models(items, areas, robust=robust, **kw)
        om = omega(items, areas, fit=models.areas, **kw)
    table = _long_table(ia, om, models)
    notes = ia.notes + ((f"No CFA or omega: {refusal}.",) if refusal else models.areas.notes[:1]) + CAVEATS[1:]
    return InstrumentQuality(wave=wave, item_analysis=ia, omega=om, models=models, refusal=refusal, table=table,
                             notes=tuple(dict.fromkeys(notes)))


def _long_table(ia: ItemAnalysis, om: Omega | None, models: ModelComparison | None) -> pd.DataFrame:
    parts = []
    stats_ = ["n", "dont_know", "mean", "sd", "r_drop_area", "alpha_if_dropped_area", "r_drop_overall",
              "alpha_if_dropped_overall"]
    it = ia.items.melt(id_vars=["practice_id"], value_vars=stats_, var_name="statistic")
    parts.append(pd.DataFrame({"section": "item", "model": "", "level": "practice", "id": it["practice_id"],
                               "statistic": it["statistic"], "value": it["value"]}))
    sc = ia.scales.melt(id_vars=["level", "id"], value_vars=["n_items", "n_respondents", "alpha", "ci_low",
                                                             "ci_high", "std_alpha", "average_r"],
                        var_name="statistic")
    parts.append(pd.DataFrame({"section": "scale", "model": "", "level": sc["level"], "id": sc["id"],
                               "statistic": sc["statistic"], "value": sc["value"]}))
    if om is not None:
        g = om.groups.melt(id_vars=["factor"], value_vars=["total", "general", "group"], var_name="statistic")
        parts.append(pd.DataFrame({"section": "omega", "model": "areas",
                                   "level": np.where(g["factor"] == "g", "overall", "area"),
                                   "id": np.where(g["factor"] == "g", "overall", g["factor"]),
                                   "statistic": "omega_" + g["statistic"], "value": g["value"]}))
    if models is not None:
        cols = ["n", "chisq", "df", "pvalue", "scaling_factor", "cfi", "tli", "rmsea", "rmsea_ci_low",
                "rmsea_ci_high", "srmr", "n_pass"]
        f = models.fit.melt(id_vars=["model", "estimator"], value_vars=cols, var_name="statistic")
        parts.append(pd.DataFrame({"section": "fit", "model": f["model"] + ":" + f["estimator"],
                                   "level": "overall", "id": "overall", "statistic": f["statistic"],
                                   "value": f["value"]}))
        for res in (models.areas, models.one_factor):
            ld = res.loadings
            parts.append(pd.DataFrame({"section": "loading", "model": res.model, "level": "practice",
                                       "id": ld["practice_id"], "statistic": "std_loading",
                                       "value": ld["std_loading"]}))
            if len(res.factor_correlations):
                fc = res.factor_correlations
                parts.append(pd.DataFrame({"section": "loading", "model": res.model, "level": "area",
                                           "id": fc["factor_a"] + "~" + fc["factor_b"],
                                           "statistic": "correlation", "value": fc["correlation"]}))
    table = pd.concat(parts, ignore_index=True)
    table["value"] = table["value"].astype(float)
    return table
