"""Fuzzy-set Qualitative Comparative Analysis, the general method (as R's QCA package): calibration, the truth
table, logical minimisation (conservative, parsimonious and intermediate solutions), necessity and the
sensitivity of a solution to the consistency cut-off. See :mod:`alliance_research.qca` for the references.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["calibrate", "calibrate_crisp", "truth_table", "TruthTable", "minimise", "Solution", "necessity",
           "membership", "sensitivity", "MAX_CONDITIONS", "SOLUTION_KINDS", "TOLERANCE"]

#: More conditions than this are refused: :math:`2^k` corners outgrow any case-study library, and the
#: minimisation enumerates :math:`3^k` terms.
MAX_CONDITIONS = 10

TOLERANCE = 1e-10  # cut-offs compare with a tolerance, as R QCA does, so 0.8 read as 0.7999999999 still counts


# --- calibration ------------------------------------------------------------------------------------------------

def _numeric(x, name: str = "x") -> np.ndarray:
    values = np.asarray(x, dtype=object)
    try:
        values = np.asarray(pd.to_numeric(pd.Series(values.ravel()), errors="raise"), dtype=float)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name} must be numbers: {err}") from None
    return values.reshape(np.shape(x))


def _like(x, values: np.ndarray):
    """``values`` shaped like ``x``: a Series keeps its index and name."""
    if isinstance(x, pd.Series):
        return pd.Series(values, index=x.index, name=x.name)
    return values


def calibrate(x, exclusion: float, crossover: float, inclusion: float, *, log_odds: float = 3.0):
    """Direct calibration of raw values into fuzzy-set memberships, with three anchors.

    Parameters
    ----------
    x : array-like or Series
        Raw values (missing values stay missing).
    exclusion, crossover, inclusion : float
        The anchors of full non-membership, maximum ambiguity and full membership. Increasing when
        ``exclusion < crossover < inclusion``; decreasing (more of ``x`` is *less* in the set) when
        ``exclusion > crossover > inclusion``.
    log_odds : float
        The log odds of membership at the inclusion anchor (and minus it at the exclusion anchor); Ragin's 3
        gives memberships 0.953 and 0.047 there (about 0.95 and 0.05).

    Returns
    -------
    ndarray or Series
        Memberships in (0, 1), shaped like ``x``.

    Notes
    -----
    Ragin's two-sided logistic [Rag08]_ (ch. 5), as R QCA's ``calibrate(type = "fuzzy", logistic = TRUE)``
    [Dus19]_: the deviation from the crossover is scaled separately on each side of it,

    .. math:: \\lambda(x) = L\\,\\frac{x - c}{i - c} \\text{ if } x \\text{ is on the inclusion side of } c,
              \\quad L\\,\\frac{x - c}{c - e} \\text{ otherwise}; \\qquad \\mu(x) = \\frac{1}{1 + e^{-\\lambda(x)}}

    with anchors :math:`e, c, i` and :math:`L` = ``log_odds``. The same formula serves decreasing sets (the signs
    of :math:`i - c` and :math:`c - e` turn). R QCA's default ``idm = 0.95`` is :math:`L = \\ln 19 = 2.944`.

    Examples
    --------
    >>> from alliance_research import qca
    >>> qca.calibrate([400, 550, 900, 720], 400, 550, 900).round(2)
    array([0.05, 0.5 , 0.95, 0.81])
    """
    anchors = np.array([exclusion, crossover, inclusion], dtype=float)
    if not np.isfinite(anchors).all():
        raise ValueError(f"calibration anchors must be finite numbers; got {exclusion}, {crossover}, {inclusion}")
    if not (anchors[0] < anchors[1] < anchors[2] or anchors[0] > anchors[1] > anchors[2]):
        raise ValueError("calibration anchors must be in order: exclusion < crossover < inclusion (increasing) or "
                         f"exclusion > crossover > inclusion (decreasing); got {exclusion}, {crossover}, "
                         f"{inclusion}")
    if not (np.isfinite(log_odds) and log_odds > 0):
        raise ValueError(f"log_odds must be a positive number; got {log_odds}")
    values = _numeric(x)
    e, c, i = anchors
    deviation = values - c
    inclusion_side = deviation * (i - c) >= 0
    scale = np.where(inclusion_side, i - c, c - e)
    with np.errstate(over="ignore"):
        out = 1.0 / (1.0 + np.exp(-log_odds * deviation / scale))
    return _like(x, out)


def calibrate_crisp(x, threshold: float, *, decreasing: bool = False):
    """Crisp calibration: 1 at or beyond the threshold, else 0.

    Parameters
    ----------
    x : array-like or Series
        Raw values; a missing value raises (a crisp set has no missing membership).
    threshold : float
        Values ``>= threshold`` are in the set (``<= threshold`` when ``decreasing``).
    decreasing : bool
        More of ``x`` is less in the set.

    Returns
    -------
    ndarray or Series of int
        0 or 1, shaped like ``x``.

    Notes
    -----
    As R QCA's ``calibrate(type = "crisp")`` with one threshold [Dus19]_. Lipset's crisp data ``LC`` is the raw
    data ``LR`` cut at the fuzzy crossovers [RDM09]_.
    """
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number; got {threshold}")
    values = _numeric(x)
    if np.isnan(values).any():
        raise ValueError("crisp calibration needs a value for every case; x has missing values")
    out = (values <= threshold) if decreasing else (values >= threshold)
    return _like(x, out.astype(int))


# --- memberships of terms -----------------------------------------------------------------------------------------

def _negated(name: str) -> tuple[str, bool]:
    name = str(name).strip()
    return (name[1:].strip(), True) if name.startswith("~") else (name, False)


def _check_data(data: pd.DataFrame, columns: list[str], what: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a DataFrame of set memberships; got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"{what} not in the data: {', '.join(map(str, missing))}; the columns are "
                         f"{', '.join(map(str, data.columns))}")
    for c in columns:
        values = pd.to_numeric(data[c], errors="coerce")
        bad = values.isna() | (values < 0) | (values > 1)
        if bad.any():
            row = data.index[bad.to_numpy()][0]
            value = data[c][row]
            shown = ("no value" if pd.isna(value) else f"{value:g}" if isinstance(value, (int, float, np.number))
                     else repr(value))
            raise ValueError(f"column {c!r} must hold set memberships from 0 to 1 for every case; "
                             f"case {row!r} has {shown} (calibrate the raw values first)")


def _outcome_values(data: pd.DataFrame, outcome: str) -> tuple[str, np.ndarray]:
    name, negate = _negated(outcome)
    _check_data(data, [name], "outcome")
    y = data[name].to_numpy(dtype=float)
    return name, (1 - y if negate else y)


def membership(data: pd.DataFrame, term: str) -> pd.Series:
    """Each case's membership in a conjunction such as ``"DEV*~URB*LIT"``, or in a solution such as
    ``"DEV*STB + ~URB"``.

    Parameters
    ----------
    data : DataFrame
        Memberships, one column per condition, one row per case.
    term : str
        Literals joined by ``*``; ``~`` negates one. Several such terms joined by ``+``.

    Returns
    -------
    Series
        :math:`\\min_j` of each literal's membership, :math:`1 - x` for a negated one, and the maximum over the
        terms joined by ``+`` [Rag08]_.
    """
    parts = []
    for conjunction in str(term).split("+"):
        literals = [_negated(part) for part in conjunction.split("*") if part.strip()]
        if not literals:
            raise ValueError(f"term {term!r} names no condition")
        _check_data(data, [name for name, _ in literals], "condition")
        parts.append(np.column_stack([1 - data[n].to_numpy(float) if neg else data[n].to_numpy(float)
                                      for n, neg in literals]).min(axis=1))
    return pd.Series(np.max(parts, axis=0), index=data.index, name=term)


def _fit(x: np.ndarray, y: np.ndarray) -> dict:
    """Sufficiency consistency, PRI and coverage of membership ``x`` for outcome ``y``."""
    overlap = np.minimum(x, y)
    both = overlap.sum()
    also_not = np.minimum(overlap, 1 - y).sum()  # in x as much for y as for not-y
    sx, sy = x.sum(), y.sum()
    consistency = both / sx if sx > 0 else np.nan
    pri = (both - also_not) / (sx - also_not) if sx - also_not > 0 else np.nan
    coverage = both / sy if sy > 0 else np.nan
    return {"consistency": consistency, "pri": pri, "coverage": coverage}


# --- truth table ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TruthTable:
    """The result of :func:`truth_table`.

    Attributes
    ----------
    table : DataFrame
        One row per corner of the property space that holds at least one case (row number order, as R QCA):
        ``row`` (the corner as 0/1 digits in condition order, e.g. ``"10111"``), one 0/1 column per condition,
        ``out`` (``"1"`` positive, ``"0"`` negative, ``"?"`` a remainder: fewer than ``n_cut`` cases), ``n``,
        ``consistency``, ``pri``, ``cases`` (the case labels, comma-separated) and ``deviant`` (those of its cases
        that are not in the outcome, membership 0.5 or less: deviant cases for consistency in kind when the row is
        positive [SW12]_).
    data : DataFrame
        The memberships used (conditions and outcome columns).
    outcome : str
        As given (``"~SURV"`` for the negated outcome).
    conditions : list of str
    incl_cut, pri_cut : float
    n_cut : int
    in_kind : bool
        Whether a positive row needed a case in the outcome (see :func:`truth_table`).
    unassigned : list
        Cases with a membership of exactly 0.5 in some condition, which belong to no corner [Rag08]_.
    """

    table: pd.DataFrame
    data: pd.DataFrame
    outcome: str
    conditions: list
    incl_cut: float
    pri_cut: float
    n_cut: int
    unassigned: list = field(default_factory=list)
    in_kind: bool = False

    @property
    def y(self) -> np.ndarray:
        return _outcome_values(self.data, self.outcome)[1]

    def corners(self, out: str) -> np.ndarray:
        """The corners (0/1 rows, one column per condition) whose ``out`` is ``"1"``, ``"0"`` or ``"?"``."""
        rows = self.table[self.table["out"] == out]
        return rows[self.conditions].to_numpy(dtype=int).reshape(-1, len(self.conditions))


def truth_table(data: pd.DataFrame, outcome: str, conditions: list[str] | None = None, *, incl_cut: float = 0.8,
                pri_cut: float = 0.0, n_cut: int = 1, in_kind: bool = False) -> TruthTable:
    """The truth table: cases sorted into the corners of the property space, with consistency and PRI.

    Parameters
    ----------
    data : DataFrame
        Set memberships (fuzzy in [0, 1] or crisp 0/1), one row per case (the index labels the cases), one column
        per condition and the outcome.
    outcome : str
        The outcome column; ``"~NAME"`` for its negation (membership :math:`1 - y`).
    conditions : list of str, optional
        The condition columns (default: every other column).
    incl_cut : float
        A corner is positive (``out = "1"``) when its consistency is at least this...
    pri_cut : float
        ...and its PRI at least this (R QCA's ``incl.cut`` and ``pri.cut``; Ragin recommends consistency of
        0.75 or more [Rag08]_, Schneider & Wagemann a PRI well above 0.5 [SW12]_).
    n_cut : int
        Corners with fewer cases are remainders (``out = "?"``), as are corners without any case.
    in_kind : bool
        When true, a corner is positive only if at least one of its cases is in the outcome (membership above
        0.5): a row whose cases all lack the outcome is consistent in degree but not in kind, and Schneider &
        Wagemann [SW12]_ advise against treating it as sufficient. R QCA does not check this (its
        default, ``False`` here); the ``deviant`` column names such cases either way.

    Returns
    -------
    TruthTable

    Notes
    -----
    A case's membership in corner :math:`r` is :math:`m_r = \\min_j x_j^{(r_j)}` with :math:`x^{(1)} = x` and
    :math:`x^{(0)} = 1 - x`; a case belongs to the one corner where :math:`m_r > 0.5` (none when some
    :math:`x_j = 0.5`). Over *all* cases [Rag08]_ [Dus19]_:

    .. math:: \\text{consistency}_r = \\frac{\\sum \\min(m_r, y)}{\\sum m_r}, \\qquad
              \\text{PRI}_r = \\frac{\\sum \\min(m_r, y) - \\sum \\min(m_r, y, 1 - y)}
                               {\\sum m_r - \\sum \\min(m_r, y, 1 - y)}

    PRI (proportional reduction in inconsistency) is the consistency once the cases that are in the corner as
    much for :math:`y` as for :math:`\\neg y` are set aside, as R QCA computes it.
    """
    name, y = _outcome_values(data, outcome)
    if conditions is None:
        conditions = [c for c in data.columns if c != name]
    conditions = list(conditions)
    if not conditions:
        raise ValueError("at least one condition is needed")
    named = [c for c in conditions if not isinstance(c, str) or not c.strip() or c != c.strip() or
             any(ch in c for ch in "*+~")]
    if named:
        # solutions are written as text ("A*~B + C"), so a condition is named by text that reads back unchanged
        raise ValueError(f"condition names must be text without spaces at the ends and without '*', '+' or '~' "
                         f"(they are written in expressions such as 'A*~B'); got {', '.join(map(repr, named))}: "
                         f"rename the columns")
    if len(set(conditions)) != len(conditions):
        raise ValueError(f"conditions are repeated: {conditions}")
    if name in conditions:
        raise ValueError(f"the outcome {name!r} cannot also be a condition")
    if len(conditions) > MAX_CONDITIONS:
        raise ValueError(f"{len(conditions)} conditions give {2 ** len(conditions)} configurations; at most "
                         f"{MAX_CONDITIONS} are supported (choose fewer conditions, e.g. area scores)")
    _check_data(data, conditions, "conditions")
    for value, what in ((incl_cut, "incl_cut"), (pri_cut, "pri_cut")):
        if not 0 <= value <= 1:
            raise ValueError(f"{what} must be between 0 and 1; got {value}")
    if int(n_cut) != n_cut or n_cut < 1:
        raise ValueError(f"n_cut must be a whole number of at least 1; got {n_cut}")
    if len(data) == 0:
        raise ValueError("the data has no cases")
    x = data[conditions].to_numpy(dtype=float)
    corner = (x > 0.5).astype(int)
    assigned = ~(x == 0.5).any(axis=1)
    labels = [str(i) for i in data.index]
    rows = []
    keys = [tuple(r) for r in corner]
    for key in sorted({k for k, ok in zip(keys, assigned) if ok}):
        m = _corner_membership(x, np.array(key))
        fit = _fit(m, y)
        inside = np.array([ok and k == key for k, ok in zip(keys, assigned)])
        members = [lab for lab, m in zip(labels, inside) if m]
        deviant = [lab for lab, m, yy in zip(labels, inside, y) if m and yy <= 0.5]
        n = len(members)
        positive = fit["consistency"] >= incl_cut - TOLERANCE and (fit["pri"] >= pri_cut - TOLERANCE or pri_cut == 0)
        if in_kind and len(deviant) == n:
            positive = False
        out = "?" if n < n_cut else ("1" if positive else "0")
        rows.append({"row": "".join(map(str, key)), **dict(zip(conditions, key)), "out": out, "n": n,
                     "consistency": fit["consistency"], "pri": fit["pri"], "cases": ",".join(members),
                     "deviant": ",".join(deviant)})
    table = pd.DataFrame(rows, columns=["row", *conditions, "out", "n", "consistency", "pri", "cases", "deviant"])
    used = data[[*conditions, name]].copy()
    unassigned = [lab for lab, ok in zip(labels, assigned) if not ok]
    return TruthTable(table, used, outcome, conditions, float(incl_cut), float(pri_cut), int(n_cut), unassigned,
                      bool(in_kind))


def _corner_membership(x: np.ndarray, corner: np.ndarray) -> np.ndarray:
    return np.where(corner == 1, x, 1 - x).min(axis=1)


# --- minimisation -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Solution:
    """The result of :func:`minimise`.

    Attributes
    ----------
    kind : str
        ``"conservative"``, ``"parsimonious"`` or ``"intermediate"``.
    expression : str
        The solution as R QCA writes it (``"DEV*~URB*LIT*STB + DEV*LIT*IND*STB"``); empty when there is none.
    terms : DataFrame
        One row per term of the first model: ``term``, ``consistency``, ``pri``, ``raw_coverage``,
        ``unique_coverage``, ``cases`` (the cases with membership above 0.5 in the term and in the outcome).
    consistency, pri, coverage : float
        Of the first model as a whole (the union of its terms); NaN when there is none. The solution's
        consistency can be lower than the cut-off its rows passed: its terms also take in the membership that
        cases of other rows (and of remainders) have in them.
    models : list of list of str
        Every model: each cover of the positive rows by the fewest terms, when the prime implicant chart allows
        several (R QCA's M1, M2, ...; the first is shown in ``expression``; see :func:`minimise` for the order).
    message : str
        Why there is no solution, or ``""``.
    outcome : str
    directional : dict
        The directional expectations used (intermediate solution only).
    model_names : list of str
        One per model: ``"M1"``, ``"M2"``, ...; for the intermediate solution the first pair of conservative and
        parsimonious models it comes from (``"C1P2"``, or ``"C1P2-M2"`` when that pair has several).
    cases : list
        The cases with membership above 0.5 in the first model: the alliances behind it.
    deviant : list
        Those of ``cases`` not in the outcome (membership 0.5 or less): deviant cases for consistency in kind
        [SW12]_.
    pairs : list of (str, list of list of str)
        Intermediate solution only: for every pair of a conservative and a parsimonious model, in R QCA's order
        (``"C1P1"``, ``"C1P2"``, ...), every model that pair gives, as R QCA's ``i.sol`` holds them (a model can
        come from several pairs; ``models`` lists it once).
    model_fits : DataFrame
        One row per model, as R QCA prints each: ``model`` (its name in ``model_names``), ``expression``,
        ``consistency``, ``pri``, ``coverage`` (of the union of its terms).
    """

    kind: str
    expression: str
    terms: pd.DataFrame
    consistency: float
    pri: float
    coverage: float
    models: list
    message: str
    outcome: str
    directional: dict = field(default_factory=dict)
    model_names: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    deviant: list = field(default_factory=list)
    pairs: list = field(default_factory=list)
    model_fits: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["model", "expression", "consistency", "pri", "coverage"]))

    def summary(self) -> pd.DataFrame:
        """One row: ``solution``, ``expression``, ``consistency``, ``pri``, ``coverage``."""
        return pd.DataFrame([{"solution": self.kind, "expression": self.expression or "(none)",
                              "consistency": self.consistency, "pri": self.pri, "coverage": self.coverage}])


SOLUTION_KINDS = ("conservative", "parsimonious", "intermediate")
_FREE = 2  # a condition that a term leaves out


def _all_terms(k: int) -> np.ndarray:
    """Every term over k conditions: values 0 (absent), 1 (present), 2 (left out); row index = base-3 number."""
    return np.array(list(itertools.product((0, 1, 2), repeat=k)), dtype=np.int8).reshape(-1, k)


def _covers(terms: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """covers[t, r]: term t contains corner r."""
    if len(corners) == 0:
        return np.zeros((len(terms), 0), dtype=bool)
    return ((terms[:, None, :] == _FREE) | (terms[:, None, :] == corners[None, :, :])).all(axis=2)


def _prime_implicants(k: int, on: np.ndarray, off: np.ndarray, remainders_allowed: bool) -> np.ndarray:
    """Quine-McCluskey's prime implicants of the positive corners ``on``.

    A term is an implicant when it contains at least one positive corner and no negative one; without remainders
    (the conservative solution) every corner it contains must be positive. A prime implicant is an implicant that
    no term with one condition fewer contains. Enumerating the :math:`3^k` terms gives the same primes as the
    pairwise merging of the textbook algorithm [Dus19]_.
    """
    terms = _all_terms(k)
    n_on = _covers(terms, on).sum(axis=1)
    if remainders_allowed:
        ok = (n_on > 0) & ~_covers(terms, off).any(axis=1)
    else:
        ok = (n_on > 0) & (n_on == 2 ** (terms == _FREE).sum(axis=1))
    powers = 3 ** np.arange(k - 1, -1, -1)
    prime = ok.copy()
    for j in range(k):
        # the parent that leaves out condition j: its base-3 index differs in digit j
        fixed = terms[:, j] != _FREE
        parent = np.arange(len(terms)) + (_FREE - terms[:, j]) * powers[j]
        prime &= ~(fixed & ok[np.where(fixed, parent, 0)])
    return terms[prime]


def _minimal_covers(chart: np.ndarray, limit: int = 2_000_000) -> list[tuple[int, ...]]:
    """Every smallest set of columns (terms) of the boolean chart (corners x terms) that covers all rows.

    Essential terms first (a row only one term covers), then every smallest set of the others that covers the
    remaining rows, as R QCA's prime implicant chart solver finds them [Dus19]_. The sets are searched for size
    1, 2, ... in turn: a row not yet covered, the one the fewest allowed terms cover, is covered by each of its
    terms in turn, and once a term has been tried for it, the later branches leave that term out, so that every
    set is met once. ``limit`` bounds the number of steps: beyond it the chart is refused as too large.
    """
    n_rows, n_terms = chart.shape
    if n_rows == 0:
        return [()]
    essential = sorted({int(np.flatnonzero(row)[0]) for row in chart if row.sum() == 1})
    left = ~chart[:, essential].any(axis=1) if essential else np.ones(n_rows, dtype=bool)
    if not left.any():
        return [tuple(essential)]
    others = [t for t in range(n_terms) if t not in essential and chart[left, t].any()]
    sub = chart[left][:, others]
    # rows as bits: masks[t] holds the rows term t covers; by_row[r] the terms that cover row r
    masks = [sum(1 << r for r in np.flatnonzero(sub[:, t])) for t in range(len(others))]
    by_row = [list(np.flatnonzero(sub[r])) for r in range(sub.shape[0])]
    everything = (1 << sub.shape[0]) - 1
    steps = 0

    def search(covered: int, chosen: list, banned: int, size: int, found: list) -> None:
        nonlocal steps
        steps += 1
        if steps > limit:
            raise ValueError("the prime implicant chart is too large to solve exactly; use fewer conditions")
        if covered == everything:
            found.append(tuple(sorted(essential + [others[i] for i in chosen])))
            return
        if len(chosen) == size:
            return
        best = None
        for r, terms in enumerate(by_row):
            if not covered >> r & 1:
                allowed = [t for t in terms if not banned >> t & 1]
                if best is None or len(allowed) < len(best):
                    best = allowed
                    if len(best) <= 1:
                        break
        for t in best:
            search(covered | masks[t], chosen + [t], banned, size, found)
            banned |= 1 << t

    for size in range(1, len(others) + 1):
        found: list = []
        search(0, [], 0, size, found)
        if found:
            return sorted(found)
    raise ValueError("the positive corners cannot be covered")  # cannot happen: each is its own implicant


def _term_text(term: np.ndarray, conditions: list[str]) -> str:
    """``"DEV*~URB"``. A term without conditions never reaches here: :func:`minimise` refuses it, as R QCA."""
    return "*".join(("" if v == 1 else "~") + c for v, c in zip(term, conditions) if v != _FREE)


def _term_membership(x: np.ndarray, term: np.ndarray) -> np.ndarray:
    used = term != _FREE
    if not used.any():
        return np.ones(len(x))
    return np.where(term[used] == 1, x[:, used], 1 - x[:, used]).min(axis=1)


def _easy_counterfactuals(conservative: np.ndarray, parsimonious: np.ndarray, on: np.ndarray, expected: np.ndarray
                          ) -> np.ndarray:
    """The easy counterfactuals of one pair of a conservative and a parsimonious model, as R QCA finds them.

    The simplifying assumptions of the parsimonious model are the remainders its terms contain (every corner a
    term contains, less the positive rows). Each conservative term is compared with every parsimonious term that
    contains it: the literals of the parsimonious term stay, a literal with no directional expectation or with
    the expected value stays, a literal that contradicts its expectation goes. The simplifying assumptions that
    one of these reduced terms contains are the easy counterfactuals: remainders that differ from the evidence
    only on conditions whose expected value they take [RS05]_ [Dus19]_ (ch. 8).
    """
    k = len(expected)
    corners = _all_terms(k)
    corners = corners[(corners != _FREE).all(axis=1)]
    observed = _covers(corners, on).any(axis=1) if len(on) else np.zeros(len(corners), dtype=bool)
    # corners x terms of the parsimonious model: the remainders the model assumes positive
    assumed = _covers(parsimonious, corners).any(axis=0) & ~observed
    reduced = []
    for c in conservative:
        for p in parsimonious:
            if not ((p == _FREE) | (p == c)).all():
                continue  # p does not contain c
            keep = (p != _FREE) | (expected == _FREE) | (expected == c)
            reduced.append(np.where(keep, c, _FREE))
    if not reduced:
        return np.zeros((0, k), dtype=np.int8)
    easy = assumed & _covers(np.array(reduced, dtype=np.int8), corners).any(axis=0)
    return corners[easy]


def _directional(directional, conditions: list[str]) -> dict:
    if directional is None:
        raise ValueError("the intermediate solution needs directional expectations: e.g. directional={'DEV': 1} "
                         "(1 present, 0 absent, '-' either) for the conditions you have expectations about")
    if isinstance(directional, (list, tuple)):
        if len(directional) != len(conditions):
            raise ValueError(f"directional has {len(directional)} values for {len(conditions)} conditions")
        directional = dict(zip(conditions, directional))
    result = {}
    for key, value in dict(directional).items():
        if key not in conditions:
            raise ValueError(f"directional expectation for {key!r}, which is not a condition "
                             f"({', '.join(conditions)})")
        if value in ("-", None, "either", _FREE):
            continue
        if value not in (0, 1, True, False, "0", "1"):
            raise ValueError(f"directional expectation for {key!r} must be 1 (present), 0 (absent) or '-'; "
                             f"got {value!r}")
        result[key] = int(value)
    return result


def minimise(tt: TruthTable, solution: str = "conservative", *, directional=None) -> Solution:
    """Boolean minimisation of the positive truth-table rows (Quine-McCluskey), with parameters of fit.

    Parameters
    ----------
    tt : TruthTable
        From :func:`truth_table`.
    solution : {"conservative", "parsimonious", "intermediate"}
        *Conservative* (complex): the positive corners alone. *Parsimonious*: remainders may be used wherever
        they simplify. *Intermediate*: only the remainders that agree with ``directional`` (easy
        counterfactuals).
    directional : dict or sequence, optional
        Required for the intermediate solution: per condition 1 (its presence is expected to go with the
        outcome), 0 (its absence) or ``"-"`` (no expectation); a condition left out has no expectation.

    Returns
    -------
    Solution
        With an empty expression and a ``message`` when no corner is positive, and when every condition would
        be minimised away (below).

    Notes
    -----
    Prime implicants are found by Quine-McCluskey [Dus19]_ and the fewest of them that cover every positive
    corner are chosen from the prime implicant chart. When several choices are equally few (a cyclic chart),
    every one is kept in ``models``, in R QCA's order (the combinations of that many prime implicants in
    lexicographic order, the prime implicants sorted as R QCA sorts them: :func:`_r_order`), so that the first,
    shown in ``expression`` and measured, is R QCA's M1. Which of equally minimal models is the "right" one is
    not a question the data can answer: report them all (``model_fits`` measures each).

    The intermediate solution is derived as R QCA derives it [Dus19]_ (ch. 8), after Ragin & Sonnett [RS05]_,
    for every pair of a conservative model :math:`C_i` and a parsimonious model :math:`P_j` (``C1P1``,
    ``C1P2``, ...):

    1. the *simplifying assumptions* of :math:`P_j` are the remainders its terms contain;
    2. every term of :math:`C_i` is compared with every term of :math:`P_j` that contains it: it keeps the
       literals of that parsimonious term and the literals that agree with, or have no, directional
       expectation, and loses those that contradict one; the simplifying assumptions that such a reduced term
       contains are the *easy counterfactuals* (remainders that differ from observed positive rows only in
       the direction the expectations call for);
    3. the positive rows together with the easy counterfactuals are minimised without any other remainder
       (Quine-McCluskey), and the prime implicant chart of the positive rows gives the pair's models (one or
       several).

    So an intermediate term need not be a reduced conservative term: the positive rows and the easy
    counterfactuals are minimised together, and ``A*B`` and ``A*~B`` merge into ``A`` when the
    counterfactuals allow. Without any expectation (``directional`` empty, or ``"-"`` for every condition) no
    remainder is an easy counterfactual, and each pair gives its conservative model, as in R QCA. Every pair's
    models are in ``pairs``, as R QCA's ``i.sol``; ``models`` lists each distinct model once, named by the first
    pair that gives it.

    When no row is negative and remainders may be used (parsimonious, intermediate), or when the chosen model
    would contain the term without conditions (every corner positive), all conditions are minimised away. R
    QCA's ``minimize`` stops there ("All truth table configurations are used, all conditions are minimized.
    Please check the truth table."); so does this function, with an empty solution and that ``message``, rather
    than report the empty conjunction "1" as a finding.

    With term membership :math:`t` (the minimum over its literals), outcome :math:`y` and solution membership
    :math:`s = \\max_j t_j` [Rag08]_ [Dus19]_:

    .. math:: \\text{consistency} = \\frac{\\sum \\min(t, y)}{\\sum t}, \\quad
              \\text{PRI} = \\frac{\\sum \\min(t, y) - \\sum \\min(t, y, 1-y)}{\\sum t - \\sum \\min(t, y, 1-y)},
              \\quad \\text{raw coverage} = \\frac{\\sum \\min(t, y)}{\\sum y}

    and the unique coverage of term :math:`j` is the solution's coverage less the coverage of the union of the
    other terms, as R QCA's ``pof``. The solution's consistency is that of :math:`s`, which can fall below the
    consistency cut-off every positive row passed: :math:`s` also counts the membership that cases of other
    rows have in the terms.
    """
    if not isinstance(tt, TruthTable):
        raise ValueError(f"minimise takes a TruthTable (from truth_table); got {type(tt).__name__}")
    if solution not in SOLUTION_KINDS:
        raise ValueError(f"solution must be one of {', '.join(SOLUTION_KINDS)}; got {solution!r}")
    conditions = tt.conditions
    k = len(conditions)
    expected = _directional(directional, conditions) if solution == "intermediate" else {}

    def empty(message: str) -> Solution:
        return Solution(solution, "", _terms_frame([]), np.nan, np.nan, np.nan, [], message, tt.outcome, expected)

    on, off = tt.corners("1"), tt.corners("0")
    if len(on) == 0:
        in_kind = ", at least one of them in the outcome" if tt.in_kind else ""
        return empty(f"no truth-table row is consistent enough with {tt.outcome} (consistency cut-off "
                     f"{tt.incl_cut:g}, PRI cut-off {tt.pri_cut:g}, at least {tt.n_cut} case(s){in_kind}): nothing to "
                     f"minimise")
    all_minimised = (f"All truth table configurations are used, all conditions are minimized (as R QCA): no row is "
                     f"negative for {tt.outcome}, so with remainders every condition drops out. Please check the "
                     f"truth table (a higher consistency or PRI cut-off, or the conservative solution)")
    if solution != "conservative" and len(off) == 0:
        return empty(all_minimised)
    conservative = _prime_implicants(k, on, off, remainders_allowed=False)
    pairs = []
    if solution == "conservative":
        models = [(f"M{i + 1}", conservative[list(m)]) for i, m in enumerate(_solve(conservative, on))]
    else:
        parsimonious = _prime_implicants(k, on, off, remainders_allowed=True)
        p_models = [parsimonious[list(m)] for m in _solve(parsimonious, on)]
        if solution == "parsimonious":
            models = [(f"M{i + 1}", m) for i, m in enumerate(p_models)]
        else:
            expectation = np.array([expected.get(c, _FREE) for c in conditions], dtype=np.int8)
            models, seen = [], set()
            for i, c in enumerate(conservative[list(m)] for m in _solve(conservative, on)):
                for j, p in enumerate(p_models):
                    if expected:
                        # the positive rows and this pair's easy counterfactuals, minimised as a conservative
                        # solution of them and covering the positive rows alone (R QCA's prime implicant chart)
                        easy = _easy_counterfactuals(c, p, on, expectation)
                        primes = _prime_implicants(k, np.vstack([on, easy]), off, remainders_allowed=False)
                        covers = [primes[list(m)] for m in _solve(primes, on)]
                    else:
                        # no expectation: no remainder is an easy counterfactual, and R QCA keeps the pair's
                        # conservative model as it is
                        covers = [c]
                    pair = f"C{i + 1}P{j + 1}"
                    pairs.append((pair, [_model_texts(m, conditions) for m in covers]))
                    for n, m in enumerate(covers):
                        key = frozenset(map(tuple, m.tolist()))
                        if key in seen:
                            continue
                        seen.add(key)
                        models.append((pair + (f"-M{n + 1}" if len(covers) > 1 else ""), m))
    if any((m == _FREE).all(axis=1).any() for _, m in models):
        return empty(all_minimised)
    names = [name for name, _ in models]
    models = [m for _, m in models]
    x = tt.data[conditions].to_numpy(dtype=float)
    y = tt.y
    texts = [_model_texts(m, conditions) for m in models]
    labels = [str(i) for i in tt.data.index]
    table, fit = _parameters(x, y, models[0], texts[0], labels)
    union = np.column_stack([_term_membership(x, t) for t in models[0]]).max(axis=1)
    cases = [lab for lab, s in zip(labels, union) if s > 0.5]
    deviant = [lab for lab, s, yy in zip(labels, union, y) if s > 0.5 and yy <= 0.5]
    fits = pd.DataFrame([{"model": name, "expression": " + ".join(text)}
                         | _fit(np.column_stack([_term_membership(x, t) for t in m]).max(axis=1), y)
                         for name, text, m in zip(names, texts, models)],
                        columns=["model", "expression", "consistency", "pri", "coverage"])
    return Solution(solution, " + ".join(texts[0]), table, fit["consistency"], fit["pri"], fit["coverage"], texts,
                    "", tt.outcome, expected, names, cases, deviant, pairs, fits)


def _model_texts(model: np.ndarray, conditions: list[str]) -> list[str]:
    """A model's terms as text (in the order of ``model``: R QCA's, from :func:`_solve`)."""
    return [_term_text(t, conditions) for t in model]


def _r_order(terms: np.ndarray) -> list[int]:
    """The order in which R QCA lists prime implicants (and so the terms of a model, and its models).

    R QCA sorts its prime implicants condition by condition, from the last condition to the first, each time
    stably: a negated literal before a present one before a condition left out; then, stably, by the number of
    literals. In a condition that every term uses, its sort (QCA 3.25.1, ``sort_matrix`` and ``sort_cols``)
    leaves one term out of the comparison: the last after putting present before negated literals, which is the
    last negated term, or the last present one when none is negated. That term goes to the end. The rule is
    reproduced here because it decides which of several models R calls M1; it changes nothing else.
    """
    order = list(range(len(terms)))  # the base-3 enumeration order of the primes
    for j in reversed(range(terms.shape[1])):
        absent = [i for i in order if terms[i, j] == 0]
        present = [i for i in order if terms[i, j] == 1]
        free = [i for i in order if terms[i, j] == _FREE]
        if free:
            order = absent + present + free
        else:
            last = absent[-1] if absent else present[-1]
            order = [i for i in absent + present if i != last] + [last]
    size = (terms != _FREE).sum(axis=1)
    return sorted(order, key=lambda i: size[i])


def _solve(primes: np.ndarray, on: np.ndarray) -> list[tuple[int, ...]]:
    """Every smallest cover of the positive corners ``on`` by ``primes`` (indices into ``primes``, each cover in
    R QCA's order of primes), in R QCA's order: covers in lexicographic order of their primes' positions in
    :func:`_r_order`, as R QCA's chart solver enumerates the combinations of that many primes [Dus19]_."""
    order = _r_order(primes)
    chart = _covers(primes[order], on).T  # corners x terms, terms in R QCA's order
    covers = sorted(_minimal_covers(chart))
    return [tuple(order[i] for i in cover) for cover in covers]


def _terms_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["term", "consistency", "pri", "raw_coverage", "unique_coverage", "cases"])


def _parameters(x: np.ndarray, y: np.ndarray, terms: np.ndarray, texts: list[str], labels: list[str]):
    members = np.column_stack([_term_membership(x, t) for t in terms])
    union = members.max(axis=1)
    fit = _fit(union, y)
    rows = []
    for j, text in enumerate(texts):
        f = _fit(members[:, j], y)
        others = np.delete(members, j, axis=1)
        rest = _fit(others.max(axis=1), y)["coverage"] if others.shape[1] else 0.0
        cases = [lab for lab, t, yy in zip(labels, members[:, j], y) if t > 0.5 and yy > 0.5]
        rows.append({"term": text, "consistency": f["consistency"], "pri": f["pri"], "raw_coverage": f["coverage"],
                     "unique_coverage": fit["coverage"] - rest, "cases": ",".join(cases)})
    return _terms_frame(rows), fit


# --- necessity ----------------------------------------------------------------------------------------------------

def necessity(data: pd.DataFrame, outcome: str, conditions: list[str] | None = None) -> pd.DataFrame:
    """Necessity of single conditions (and their negations) for the outcome.

    Parameters
    ----------
    data : DataFrame
        Set memberships, as for :func:`truth_table`.
    outcome : str
        The outcome column, ``"~NAME"`` for its negation.
    conditions : list of str, optional
        Default: every other column.

    Returns
    -------
    DataFrame
        Two rows per condition (``X`` and ``~X``): ``condition``, ``consistency``, ``coverage``, ``relevance``.

    Notes
    -----
    With condition membership :math:`x` and outcome :math:`y` [Rag08]_ [SW12]_, as R QCA's
    ``pof(relation = "necessity")``:

    .. math:: \\text{consistency} = \\frac{\\sum \\min(x, y)}{\\sum y}, \\quad
              \\text{coverage} = \\frac{\\sum \\min(x, y)}{\\sum x}, \\quad
              \\text{relevance (RoN)} = \\frac{\\sum (1 - x)}{\\sum (1 - \\min(x, y))}

    A condition is usually called necessary when its consistency is at least 0.9 and its relevance is not low
    (a condition almost every case has is trivially necessary).
    """
    name, y = _outcome_values(data, outcome)
    if conditions is None:
        conditions = [c for c in data.columns if c != name]
    _check_data(data, list(conditions), "conditions")
    rows = []
    for c in conditions:
        for negate in (False, True):
            x = data[c].to_numpy(dtype=float)
            x = 1 - x if negate else x
            both = np.minimum(x, y)
            rows.append({"condition": ("~" if negate else "") + str(c),
                         "consistency": both.sum() / y.sum() if y.sum() > 0 else np.nan,
                         "coverage": both.sum() / x.sum() if x.sum() > 0 else np.nan,
                         "relevance": (1 - x).sum() / (1 - both).sum() if (1 - both).sum() > 0 else np.nan})
    return pd.DataFrame(rows, columns=["condition", "consistency", "coverage", "relevance"])


def sensitivity(data: pd.DataFrame, outcome: str, conditions: list[str] | None = None, *,
                incl_cuts=(0.75, 0.8, 0.85, 0.9), solution: str = "intermediate", directional=None,
                pri_cut: float = 0.0, n_cut: int = 1, in_kind: bool = False) -> pd.DataFrame:
    """How the solution changes with the consistency cut-off: a robustness check.

    Parameters
    ----------
    data, outcome, conditions, pri_cut, n_cut, in_kind
        As in :func:`truth_table`.
    incl_cuts : sequence of float
        The consistency cut-offs to try.
    solution, directional
        As in :func:`minimise`.

    Returns
    -------
    DataFrame
        One row per cut-off: ``incl_cut``, ``positive_rows`` (how many truth-table rows are positive),
        ``expression`` (empty when none), ``consistency``, ``pri``, ``coverage``.

    Notes
    -----
    Schneider & Wagemann [SW12]_ (ch. 11) ask that a solution be reported with how it changes under
    reasonable changes of the cut-offs: a result that appears or vanishes between 0.75 and 0.9 is fragile.
    """
    rows = []
    for cut in incl_cuts:
        tt = truth_table(data, outcome, conditions, incl_cut=cut, pri_cut=pri_cut, n_cut=n_cut, in_kind=in_kind)
        sol = minimise(tt, solution, directional=directional)
        rows.append({"incl_cut": float(cut), "positive_rows": int((tt.table["out"] == "1").sum()),
                     "expression": sol.expression, "consistency": sol.consistency, "pri": sol.pri,
                     "coverage": sol.coverage})
    return pd.DataFrame(rows, columns=["incl_cut", "positive_rows", "expression", "consistency", "pri", "coverage"])
