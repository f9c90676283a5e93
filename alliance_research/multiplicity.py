"""Several tests at once: adjusted p-values, and the one wording of every conclusion drawn from a p-value.

A conclusion such as "clusters differ" rests on one test of a *family*: the KPIs of one analysis, say. Tested
five times at 0.05, a library with no real difference anywhere still shows one "difference" in four runs, so a
conclusion reads the p-value adjusted over its family, and says which adjustment that is. Raw p-values stay in
the tables (they are data), labelled as unadjusted.

:func:`p_conclusion` is the only place that turns a p-value into words: the outcomes tables, the synthesis and
the notebooks all print what it returns, so a change of wording (or of the rule) happens once.

References
----------
.. [BH95] Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical and powerful
   approach to multiple testing. *Journal of the Royal Statistical Society B*, 57(1), 289-300.
.. [Hol79] Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian Journal of
   Statistics*, 6(2), 65-70.
.. [R] R Core Team. ``stats::p.adjust``, *R: A Language and Environment for Statistical Computing*.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ALPHA", "ADJUSTMENTS", "p_adjust", "format_p", "adjustment_text", "p_conclusion"]

#: The level at which a conclusion is drawn from an adjusted p-value.
ALPHA = 0.05

#: The adjustments :func:`p_adjust` knows, by the name R's ``p.adjust`` gives them, with the name a reader knows.
ADJUSTMENTS = {"BH": "Benjamini-Hochberg", "holm": "Holm", "bonferroni": "Bonferroni", "none": "no adjustment"}


def p_adjust(p, method: str = "BH") -> np.ndarray:
    """Adjusted p-values over one family of tests, as R's ``p.adjust(p, method)``.

    Parameters
    ----------
    p : array-like of float
        The unadjusted p-values of the family. Missing values (``NaN``: tests not run) stay missing and do not
        count as members of the family, as in R.
    method : {"BH", "holm", "bonferroni", "none"}
        ``"BH"``: Benjamini-Hochberg, controlling the false discovery rate [BH95]_; ``"holm"``: Holm's step-down
        procedure, controlling the family-wise error rate [Hol79]_; ``"bonferroni"``: ``p * m``; ``"none"``:
        unchanged.

    Returns
    -------
    ndarray
        The adjusted p-values, in the order of ``p``, none above 1.

    Notes
    -----
    With :math:`m` p-values ordered :math:`p_{(1)} \\le \\dots \\le p_{(m)}`, Benjamini-Hochberg gives
    :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m\\, p_{(j)} / j)` and Holm
    :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m - j + 1)\\, p_{(j)})`. Pinned to R's ``p.adjust`` in
    ``tests/test_multiplicity.py`` (script ``tests/reference/multiplicity.R``).

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03, 0.2]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    >>> p_adjust([0.01, float("nan"), 0.03], method="holm").round(4).tolist()
    [0.02, nan, 0.03]
    """
    if method not in ADJUSTMENTS:
        raise ValueError(f"method must be one of {', '.join(ADJUSTMENTS)}; got {method!r}")
    values = np.asarray(p, dtype=float).ravel()
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    x = values[present]
    if np.any((x < 0) | (x > 1)):
        raise ValueError("p-values must lie between 0 and 1")
    m = len(x)
    if m == 0:
        return out
    if method == "none":
        adjusted = x
    elif method == "bonferroni":
        adjusted = np.minimum(1.0, m * x)
    else:
        order = np.argsort(x, kind="mergesort")
        ranked = x[order]
        rank = np.arange(1, m + 1)
        if method == "BH":
            # from the largest p down: each keeps the smallest m p / rank at or above it
            stepped = np.minimum.accumulate((m * ranked / rank)[::-1])[::-1]
        else:  # holm: from the smallest up, each at least the one before
            stepped = np.maximum.accumulate((m - rank + 1) * ranked)
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(1.0, stepped)
    out[present] = adjusted
    return out


def format_p(p: float, alpha: float = ALPHA) -> str:
    """``"p = 0.031"``, or ``"p < 0.001"``; never rounded across ``alpha`` (0.04996 is not shown as 0.050).

    Examples
    --------
    >>> format_p(0.03149), format_p(0.2), format_p(0.0004), format_p(0.04996)
    ('p = 0.031', 'p = 0.200', 'p < 0.001', 'p = 0.04996')
    """
    if p != p:
        raise ValueError("no p-value to show (NaN)")
    if p < 0.001:
        return "p < 0.001"
    for digits in range(3, 8):
        shown = f"{p:.{digits}f}"
        if (float(shown) < alpha) == (p < alpha):
            return f"p = {shown}"
    return f"p = {p!r}"


def _plural(n: int, noun: str, plural: str | None) -> str:
    return noun if n == 1 else (plural or noun + "s")


def adjustment_text(method: str, n_tests: int, family: str, family_plural: str | None = None) -> str:
    """Which adjustment a p-value carries, in words: ``"Benjamini-Hochberg adjusted over the 4 KPIs tested"``.

    Parameters
    ----------
    method : str
        A key of :data:`ADJUSTMENTS`.
    n_tests : int
        How many tests the family holds (those with a p-value).
    family, family_plural : str
        What the family's members are, singular (``"KPI"``) and plural (default: the singular with an "s").

    Examples
    --------
    >>> adjustment_text("BH", 4, "KPI")
    'Benjamini-Hochberg adjusted over the 4 KPIs tested'
    >>> adjustment_text("BH", 1, "KPI")
    'the only KPI tested, so not adjusted'
    >>> adjustment_text("none", 3, "practice")
    'not adjusted for the 3 practices tested'
    """
    if method not in ADJUSTMENTS:
        raise ValueError(f"method must be one of {', '.join(ADJUSTMENTS)}; got {method!r}")
    if int(n_tests) < 1:
        raise ValueError(f"a family holds at least one test; got n_tests={n_tests!r}")
    if n_tests == 1:
        return f"the only {family} tested, so not adjusted"
    members = f"the {n_tests} {_plural(n_tests, family, family_plural)} tested"
    if method == "none":
        return f"not adjusted for {members}"
    return f"{ADJUSTMENTS[method]} adjusted over {members}"


def p_conclusion(p_adjusted: float, finding: str, no_finding: str, *, n_tests: int, family: str,
                 family_plural: str | None = None, method: str = "BH", alpha: float = ALPHA,
                 details: str | None = None) -> str:
    """The conclusion drawn from one test of a family: what was found, or that there is no evidence of it.

    Every sentence the package writes from a p-value comes from here: the claim when the *adjusted* p-value is
    below ``alpha``, else "no evidence ...", followed by the adjusted p-value and the adjustment it carries.

    Parameters
    ----------
    p_adjusted : float
        The test's p-value adjusted over its family (:func:`p_adjust`).
    finding : str
        The claim, as the start of a sentence in lower case: ``"clusters differ"``.
    no_finding : str
        What follows "no evidence" when the claim is not supported: ``"that clusters differ"``.
    n_tests : int
        How many tests the family holds.
    family, family_plural : str
        What the family's members are (see :func:`adjustment_text`).
    method : str
        The adjustment that gave ``p_adjusted`` (a key of :data:`ADJUSTMENTS`).
    alpha : float
        The level.
    details : str or None
        Figures to add after the p-value (an effect size, an interval).

    Returns
    -------
    str
        ``"<finding> (p = ..., <adjustment>; <details>)"`` or ``"no evidence <no_finding> (...)"``.

    Examples
    --------
    >>> p_conclusion(0.031, "clusters differ", "that clusters differ", n_tests=4, family="KPI",
    ...              details="epsilon squared = 0.45")
    'clusters differ (p = 0.031, Benjamini-Hochberg adjusted over the 4 KPIs tested; epsilon squared = 0.45)'
    >>> p_conclusion(0.08, "clusters differ", "that clusters differ", n_tests=4, family="KPI")
    'no evidence that clusters differ (p = 0.080, Benjamini-Hochberg adjusted over the 4 KPIs tested)'
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1; got {alpha!r}")
    claim = finding if p_adjusted < alpha else f"no evidence {no_finding}"
    figures = f"{format_p(p_adjusted, alpha)}, {adjustment_text(method, n_tests, family, family_plural)}"
    return f"{claim} ({figures}{'; ' + details if details else ''})"
