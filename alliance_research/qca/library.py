"""Fuzzy-set QCA applied to a library: conditions from area or practice scores, the outcome from a KPI, anchors
stated and justified, and the caveats of a small N in plain words. See :mod:`alliance_research.qca`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .method import MAX_CONDITIONS, SOLUTION_KINDS, TOLERANCE, Solution, TruthTable, calibrate, minimise, truth_table

__all__ = ["library_data", "LibraryData", "library_qca", "scale_anchors", "short_names", "calibration_note",
           "OUTCOME_QUANTILES", "INCL_CUT", "PRI_CUT"]

#: Quantiles of the KPI's values used as its anchors when none are given: exclusion, crossover, inclusion.
OUTCOME_QUANTILES = (0.1, 0.5, 0.9)

#: The consistency cut-off :func:`library_qca` uses (and the synthesis reports): Ragin's usual 0.8.
INCL_CUT = 0.8

#: The PRI cut-off :func:`library_qca` uses: a positive row must be more a subset of the strong outcome than of
#: the weak one (PRI above 0.5). Schneider & Wagemann [SW12]_ ask for a PRI well above 0.5; 0.51 is the least
#: that excludes rows that go as much with the weak outcome as with the strong one. Raise it for a stricter
#: analysis.
PRI_CUT = 0.51


@dataclass(frozen=True)
class LibraryData:
    """The calibrated table of a library for QCA: the result of :func:`library_data`.

    Attributes
    ----------
    raw : DataFrame
        One row per alliance (index ``alliance_id``): the condition scores (columns named by
        :func:`short_names`) and the KPI value (column named by the KPI id).
    data : DataFrame
        The same, calibrated into set memberships.
    outcome : str
        The outcome column (the KPI id): membership in "alliances with a strong <KPI>", whichever direction is
        better.
    conditions : list of str
        The condition columns: short names of the area or practice ids (``anchors`` says which is which).
    anchors : DataFrame
        One row per column of ``data``: ``set`` (the column), ``label`` (the area, practice or KPI it stands
        for), ``exclusion``, ``crossover``, ``inclusion``, ``basis`` (why).
    caveats : list of str
        What the reader must keep in mind, in plain words.
    directional : dict
        The directional expectations: every condition present (more mature practice goes with better delivery,
        the premise of the Alliancing Code of Practice).
    """

    raw: pd.DataFrame
    data: pd.DataFrame
    outcome: str
    conditions: list
    anchors: pd.DataFrame
    caveats: list
    directional: dict


def _condition_scores(scores, conditions) -> pd.DataFrame:
    latest = scores.latest()
    fw = latest.framework
    areas = latest.profiles(level="area").droplevel("wave")
    practices = latest.profiles().droplevel("wave")
    if isinstance(conditions, str) and conditions in ("areas", "practices"):
        table = areas if conditions == "areas" else practices
    else:
        if isinstance(conditions, str):
            conditions = [conditions]
        conditions = [str(c) for c in conditions]
        unknown = [c for c in conditions if c not in fw.area_ids and c not in fw.practice_ids]
        if unknown:
            raise ValueError(f"conditions must be 'areas', 'practices' or area and practice ids of framework "
                             f"{fw.id!r}; unknown: {', '.join(unknown)}")
        table = pd.concat([areas, practices], axis=1)
        table = table.loc[:, ~table.columns.duplicated()][conditions]
    if table.shape[1] > MAX_CONDITIONS:
        raise ValueError(f"{table.shape[1]} conditions are too many for QCA (at most {MAX_CONDITIONS}); choose "
                         f"a few area or practice ids")
    return table


def short_names(ids: list[str]) -> dict[str, str]:
    """Short condition names for expressions: the initials of an id's words, upper case, as QCA reports write
    conditions (``"integrated-performance-management"`` becomes ``"IPM"``); the ids themselves when the initials
    of two of them coincide.
    """
    ids = [str(i) for i in ids]
    short = {i: "".join(w[0] for w in re.split(r"[-_\s]+", i) if w).upper() for i in ids}
    if len(set(short.values())) < len(ids) or not all(short.values()):
        return {i: i for i in ids}
    return short


def scale_anchors(framework) -> tuple[tuple[float, float, float], str]:
    """The default anchors of a maturity score and why: one level above the scale's bottom (out), its middle
    (crossover) and one level below its top (in); 1, 2 and 3 on the 0-4 scale.

    Returns
    -------
    tuple
        ``(exclusion, crossover, inclusion)`` and the sentence that justifies them with the level names.
    """
    lo, hi = framework.min_score, framework.max_score
    anchors = (float(lo + 1), (lo + hi) / 2, float(hi - 1))
    if not anchors[0] < anchors[1] < anchors[2]:
        raise ValueError(f"the scale {lo}-{hi} is too short for default anchors; give anchors")
    names = framework.level_names
    basis = "the rubric's scale: " + ", ".join(
        f"{what} at {a:g}" + (f" ({names[int(a)]})" if float(a).is_integer() and int(a) in names else "")
        for what, a in zip(("out", "crossover", "in"), anchors))
    return anchors, basis


def library_data(scores, outcomes: pd.DataFrame, kpis: pd.DataFrame, kpi: str | None = None, *, conditions="areas",
                 anchors=None, outcome_anchors=None, how: str = "mean") -> LibraryData:
    """Conditions from maturity scores and the outcome from a KPI, calibrated with stated anchors.

    Parameters
    ----------
    scores : Scores
        From :func:`~alliance_research.scoring.score_library`; each alliance's latest wave is used.
    outcomes, kpis : DataFrame
        ``Library.outcomes`` and ``Library.kpis``.
    kpi : str, optional
        The KPI whose strong values are the outcome (default: the first of ``kpis`` with values).
    conditions : "areas", "practices" or list of str
        Area scores (default), practice scores, or chosen area and practice ids. At most ``MAX_CONDITIONS``.
    anchors : sequence of three numbers, optional
        Exclusion, crossover and inclusion for every condition. Default: from the rubric's scale, one level
        above its bottom, its middle, and one level below its top (1, 2, 3 on the 0-4 scale: *Emerging*,
        *Developing*, *Established*).
    outcome_anchors : sequence of three numbers, optional
        Exclusion, crossover and inclusion of the KPI, in its own unit, ordered from worse to better (for a KPI
        where lower is better, exclusion is the largest). Default: its 10th, 50th and 90th percentiles across
        the alliances, turned round when lower is better.
    how : {"mean", "latest"}
        A KPI's value per alliance (:func:`~alliance_research.outcomes.alliance_kpis`).

    Returns
    -------
    LibraryData

    Notes
    -----
    Calibration is direct [Rag08]_ (:func:`calibrate`, log odds 3: memberships of about 0.95 and 0.05, exactly
    0.953 and 0.047, at the outer anchors). The condition anchors read the rubric's scale (:func:`scale_anchors`):
    an alliance is fully in one level below the top, fully out one level above the bottom, and most ambiguous at
    the middle (*Established*, *Emerging* and *Developing* on the built-in 0-4 rubric; :func:`calibration_note`
    says it in words for any rubric). A KPI seldom has such substantive anchors; the default quantiles make the
    outcome "strong *relative to this library*", which the caveats say.
    """
    from ..outcomes import alliance_kpis

    table = _condition_scores(scores, conditions)
    fw = scores.framework
    names = short_names(list(table.columns))
    labels = dict(zip(fw.areas["area_id"], fw.areas["area"])) | dict(zip(fw.practices["practice_id"],
                                                                          fw.practices["label"]))
    labels = {names[c]: labels.get(c, c) for c in table.columns}
    table = table.rename(columns=names)
    values = alliance_kpis(outcomes, kpis, how)
    if not len(values):
        raise ValueError("the library has no outcome data (data/outcomes.csv): QCA needs a KPI as its outcome")
    if kpi is None:
        kpi = next(k for k in [*kpis["kpi"], *values["kpi"]] if k in set(values["kpi"]))
    values = values[values["kpi"] == kpi]
    if values.empty:
        known = sorted(set(outcomes["kpi"])) if len(outcomes) else []
        raise ValueError(f"KPI {kpi!r} has no values; KPIs with values: {', '.join(known) or 'none'}")
    meta = values.iloc[0]
    higher_is_better = meta["higher_is_better"]
    if higher_is_better != higher_is_better:  # NaN: kpis.csv does not say
        raise ValueError(f"kpis.csv does not say whether a higher {kpi} is better; QCA needs the direction")
    higher_is_better = bool(higher_is_better)
    y = values.set_index("alliance_id")["value"].rename(kpi)
    raw = table.join(y, how="inner").dropna()
    dropped = sorted(set(table.index) ^ set(y.index) | set(table.join(y, how="inner").index) - set(raw.index))
    rows = []
    if anchors is None:
        anchors, basis = scale_anchors(fw)
    else:
        basis = "given"
    anchors = tuple(float(a) for a in anchors)
    if len(anchors) != 3:
        raise ValueError(f"anchors must be three numbers (exclusion, crossover, inclusion); got {anchors}")
    data = pd.DataFrame(index=raw.index)
    for c in table.columns:
        data[c] = calibrate(raw[c], *anchors)
        rows.append({"set": c, "label": labels[c], "exclusion": anchors[0], "crossover": anchors[1],
                     "inclusion": anchors[2], "basis": basis})
    if outcome_anchors is None:
        if len(raw) == 0:
            raise ValueError(f"no alliance has both scores and a value of {kpi}")
        q = np.quantile(raw[kpi].to_numpy(), OUTCOME_QUANTILES)
        if not q[0] < q[1] < q[2]:
            raise ValueError(f"the values of {kpi} are too alike to anchor a calibration on their percentiles "
                             f"({', '.join(f'{v:g}' for v in q)}); give outcome_anchors")
        outcome_anchors = tuple(q if higher_is_better else q[::-1])
        o_basis = ("the library's own 10th, 50th and 90th percentiles"
                   + ("" if higher_is_better else ", turned round since lower is better"))
    else:
        outcome_anchors = tuple(float(a) for a in outcome_anchors)
        o_basis = "given"
        if len(outcome_anchors) != 3:
            raise ValueError(f"outcome_anchors must be three numbers; got {outcome_anchors}")
        e, i = outcome_anchors[0], outcome_anchors[2]
        if (i > e) != higher_is_better:
            better = "higher" if higher_is_better else "lower"
            raise ValueError(f"outcome_anchors must run from worse to better: a {better} {kpi} is better, so "
                             f"inclusion must be {'above' if higher_is_better else 'below'} exclusion; got "
                             f"{outcome_anchors}")
    data[kpi] = calibrate(raw[kpi], *outcome_anchors)
    label = meta["label"] if isinstance(meta["label"], str) and meta["label"] else kpi
    rows.append({"set": kpi, "label": label, "exclusion": outcome_anchors[0], "crossover": outcome_anchors[1],
                 "inclusion": outcome_anchors[2], "basis": o_basis})
    conditions = [str(c) for c in table.columns]
    caveats = _caveats(data, kpi, conditions, dropped, o_basis)
    return LibraryData(raw, data, kpi, conditions, pd.DataFrame(rows), caveats, dict.fromkeys(conditions, 1))


def _caveats(data: pd.DataFrame, kpi: str, conditions: list[str], dropped: list[str], outcome_basis: str):
    from ..outcomes import sample_note

    n, k = len(data), len(conditions)
    observed = len({tuple(r) for r in (data[conditions].to_numpy() > 0.5).astype(int)})
    caveats = [f"{sample_note(n)}: QCA describes which combinations go with a strong {kpi} in these {n} "
               f"alliances; it does not show that the practices cause it",
               f"limited diversity: the {n} alliances fall in {observed} of the {2 ** k} possible combinations of "
               f"{k} conditions; the parsimonious solution assumes outcomes for the other {2 ** k - observed}, "
               f"the intermediate one only where that agrees with more mature practice going with better delivery"]
    if outcome_basis.startswith("the library"):
        caveats.append(f"the anchors of {kpi} are {outcome_basis}: a strong {kpi} means strong for this "
                       f"library, not against an external benchmark")
    at_crossover = sorted(data.index[(data[conditions] == 0.5).any(axis=1)])
    if at_crossover:
        caveats.append("at the crossover of a condition, so in no truth-table row: " + ", ".join(at_crossover))
    middle = _at_outcome_crossover(data, kpi)
    if middle:
        why = ", the library's median, as it is with an odd number of alliances" if outcome_basis.startswith(
            "the library") else ""
        caveats.append(f"at the crossover of {kpi} (membership 0.5{why}), so in neither a strong nor a weak {kpi}: "
                       + ", ".join(middle))
    if dropped:
        caveats.append(f"left out for want of scores or a value of {kpi}: " + ", ".join(dropped))
    return caveats


def calibration_note(ld: LibraryData, framework, *, log_odds: float = 3.0) -> str:
    """Why these anchors, in Markdown: the sentences notebook ``06-configurations`` shows, built from the anchors
    of ``ld`` and the rubric's scale, its level names and descriptions, so they hold for any rubric and library.

    Parameters
    ----------
    ld : LibraryData
        From :func:`library_data`.
    framework : Framework
        The rubric the condition scores are on (``Library.framework``).
    log_odds : float
        As in :func:`calibrate`: the memberships at the outer anchors are computed from it, not restated.
    """
    names = framework.level_names
    described = dict(zip(framework.scale["score"], framework.scale["description"]))

    def level(value: float) -> str:
        if float(value).is_integer() and int(value) in names:
            text = str(described.get(int(value), "")).strip().rstrip(".")
            return f"*{names[int(value)]}* ({value:g}" + (f": {text[0].lower()}{text[1:]}" if text else "") + ")"
        lo, hi = int(np.floor(value)), int(np.ceil(value))
        if lo in names and hi in names:
            return f"{value:g}, between *{names[lo]}* and *{names[hi]}*"
        return f"{value:g}"

    top = calibrate([1.0], -1, 0, 1, log_odds=log_odds)[0]  # the membership at the inclusion anchor
    lines = [f"Direct calibration (Ragin 2008, ch. 5) maps each raw value onto the range 0 to 1 through three anchors, "
             f"with a logistic curve that reaches about {top:.2f} at the inclusion anchor and about {1 - top:.2f} at "
             f"the exclusion anchor ({top:.3f} and {1 - top:.3f}: log odds of plus and minus {log_odds:g}).", ""]
    table = ld.anchors.set_index("set")
    conditions = table.loc[ld.conditions]
    scale = (f"the rubric's {framework.min_score}-{framework.max_score} scale ("
             + ", ".join(f"{s} {n}" for s, n in names.items()) + ")")
    groups = conditions.groupby(["exclusion", "crossover", "inclusion", "basis"], sort=False)
    for (e, c, i, basis), rows in groups:
        which = ", ".join(rows.index)
        if str(basis).startswith("the rubric's scale"):
            lines.append(f"**Why these anchors.** The conditions ({which}) are each alliance's latest scores on "
                         f"{scale}. The scale's levels carry the meaning the anchors need: an alliance is fully in at "
                         f"{level(i)}, fully out at {level(e)}, and at the crossover, most ambiguous, at {level(c)}. "
                         f"These anchors come from the rubric, not from the data, so they mean the same in any "
                         f"library.")
        else:
            lines.append(f"**Anchors of {which}** (given), on {scale}: out at {level(e)}; crossover at "
                         f"{level(c)}; in at {level(i)}.")
        lines.append("")
    o = table.loc[ld.outcome]
    anchors = ", ".join(f"{what} {o[key]:.3g}" for what, key in (("out", "exclusion"), ("crossover", "crossover"),
                                                                   ("in", "inclusion")))
    if str(o["basis"]).startswith("the library"):
        lines.append(f"A KPI has no such scale: unless `outcome_anchors` gives substantive ones (for instance a "
                     f"client's own definition of delivering to target), the anchors of {ld.outcome} are "
                     f"{o['basis']} ({anchors}). A strong outcome then means *strong for this library*, which the "
                     f"caveats below repeat.")
    else:
        lines.append(f"The anchors of {ld.outcome} were given: {anchors}, in its own unit.")
    return "\n".join(lines)


def library_qca(scores, outcomes: pd.DataFrame, kpis: pd.DataFrame, *, conditions="areas", incl_cut: float = INCL_CUT,
                pri_cut: float = PRI_CUT, n_cut: int = 1, in_kind: bool = True, how: str = "mean") -> pd.DataFrame:
    """QCA of every KPI of a library: which combinations of conditions go with a strong value of it.

    Parameters
    ----------
    scores, outcomes, kpis, conditions, how
        As in :func:`library_data` (default anchors).
    incl_cut, pri_cut, n_cut, in_kind : float, float, int, bool
        As in :func:`truth_table`. By default a positive row needs a consistency of at least ``INCL_CUT`` (0.8,
        Ragin [Rag08]_), a PRI of at least ``PRI_CUT`` (0.51: more in the strong outcome than in the weak one;
        Schneider & Wagemann [SW12]_ ask for well above 0.5), and at least one alliance with a strong outcome
        (consistency in kind [SW12]_): with a library's few alliances, a row of one alliance without the outcome
        could otherwise pass on consistency in degree alone.

    Returns
    -------
    DataFrame
        One row per KPI and solution (``conservative``, ``intermediate`` with every condition expected present,
        ``parsimonious``): ``kpi``, ``label``, ``n``, ``solution``, ``expression`` (the first model; empty when
        none), ``consistency``, ``pri``, ``coverage`` (of the first model), ``models`` (how many models there are:
        equally minimal ones, or for the intermediate solution the distinct models of every pair of a
        conservative and a parsimonious model), ``alternatives`` (every model, ``" / "`` between them, as R
        QCA's M1, M2, ...),
        ``n_cases`` (the alliances with membership above 0.5 in the first model), ``deviant`` (those of them
        without a strong outcome, comma-separated) and ``conclusion`` (plain words, with the small-N caveat). A KPI
        with fewer than ``outcomes.MIN_N`` alliances, or whose analysis fails (no direction, no spread to anchor
        on, a prime implicant chart too large), is not analysed: one row, solution ``"none"``, the reason in
        ``conclusion``.
    """
    from ..outcomes import MIN_N, sample_note

    columns = ["kpi", "label", "n", "solution", "expression", "consistency", "pri", "coverage", "models",
               "alternatives", "n_cases", "deviant", "conclusion"]
    rows = []
    for kpi, label in zip(kpis["kpi"], kpis["label"]):
        if not (outcomes["kpi"] == kpi).any():
            continue
        name = label if isinstance(label, str) and label else kpi
        none = {"kpi": kpi, "label": label, "solution": "none", "expression": "", "consistency": np.nan,
                "pri": np.nan, "coverage": np.nan, "models": 0, "alternatives": "", "n_cases": 0, "deviant": ""}
        try:
            ld = library_data(scores, outcomes, kpis, kpi, conditions=conditions, how=how)
            n, reason = len(ld.data), (sample_note(len(ld.data)) if len(ld.data) < MIN_N else "")
        except ValueError as err:  # no direction, or no spread to anchor on: said in the table, not raised
            n, reason = int(outcomes.loc[outcomes["kpi"] == kpi, "alliance_id"].nunique()), f"not analysed: {err}"
        if not reason:
            try:
                tt = truth_table(ld.data, kpi, ld.conditions, incl_cut=incl_cut, pri_cut=pri_cut, n_cut=n_cut,
                                 in_kind=in_kind)
                solutions = [minimise(tt, kind, directional=ld.directional)
                             for kind in (SOLUTION_KINDS[0], SOLUTION_KINDS[2], SOLUTION_KINDS[1])]
            except ValueError as err:  # e.g. a chart too large to solve: this KPI's conclusion, not the report's end
                reason = f"not analysed: {err}"
        if reason:
            rows.append(none | {"n": n, "conclusion": reason})
            continue
        crossover = _at_outcome_crossover(ld.data, kpi)
        for sol in solutions:
            rows.append({"kpi": kpi, "label": label, "n": n, "solution": sol.kind, "expression": sol.expression,
                         "consistency": sol.consistency, "pri": sol.pri, "coverage": sol.coverage,
                         "models": len(sol.models), "alternatives": " / ".join(" + ".join(m) for m in sol.models),
                         "n_cases": len(sol.cases), "deviant": ",".join(sol.deviant),
                         "conclusion": _conclusion(sol, name, n, tt, crossover) + f"; {sample_note(n)}"})
    return pd.DataFrame(rows, columns=columns)


def _at_outcome_crossover(data: pd.DataFrame, outcome: str) -> list[str]:
    return sorted(str(i) for i in data.index[np.isclose(data[outcome].to_numpy(dtype=float), 0.5, atol=1e-9)])


def _conclusion(sol: Solution, name: str, n: int, tt: TruthTable, crossover: list[str]) -> str:
    """The plain-words reading of one solution of :func:`library_qca`."""
    cuts = (f"consistency cut-off {tt.incl_cut:g}, PRI cut-off {tt.pri_cut:g}"
            + (", at least one alliance with a strong outcome per row" if tt.in_kind else ""))
    if not sol.expression:
        if sol.message.startswith("All truth table"):
            return (f"no combination is needed for a strong outcome on {name}: no row of the truth table goes with "
                    f"a weak one, so every condition is minimised away (R QCA stops here too); read the truth table")
        return f"no combination goes consistently with a strong outcome on {name} ({cuts})"
    strong = len(sol.cases) - len(sol.deviant)
    text = (f"{sol.expression} goes with a strong outcome on {name} (consistency {sol.consistency:.2f}, PRI "
            f"{sol.pri:.2f}, coverage {sol.coverage:.2f}); {len(sol.cases)} of the {n} alliances "
            f"{'is' if len(sol.cases) == 1 else 'are'} in it, {strong} of them with a strong outcome")
    if len(sol.cases) <= 1:
        text += ", so it rests on a single alliance"
    if sol.deviant:
        text += f"; in it without a strong outcome: {', '.join(sol.deviant)}"
    if len(sol.models) > 1:
        which = ("equally minimal models fit the truth table" if sol.kind != "intermediate" else
                 "models fit the truth table, one or more from each pair of a conservative and a parsimonious model "
                 "(R QCA's C1P1, C1P2, ...)")
        text += (f"; {len(sol.models)} {which}: " + " / ".join(" + ".join(m) for m in sol.models)
                 + " (the first is shown)")
    if sol.consistency < tt.incl_cut - TOLERANCE:
        text += (f"; its consistency is below the cut-off {tt.incl_cut:g} that each of its rows reached, because "
                 f"the combination also takes in the partial membership of alliances in other rows")
    if crossover:
        text += (f"; {', '.join(crossover)} {'sits' if len(crossover) == 1 else 'sit'} at the outcome's crossover "
                 f"(the library's median), so in neither a strong nor a weak outcome")
    return text
