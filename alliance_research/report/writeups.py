"""Lessons-learnt write-ups: one page per alliance and a cross-case synthesis, in Markdown and HTML.

Pages are rendered from Jinja2 templates (``alliance_research/report/templates``; point ``template_dir`` at a folder of
your own to override any of them) and from the data only: every number comes from the :class:`Analysis`, every
quotation from a dossier. Text from the library is escaped: HTML templates autoescape it, and Markdown output
turns ``<`` into ``&lt;`` so that a comment holding a ``<script>`` tag shows as text wherever the Markdown is
rendered. The same inputs give the same bytes.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment

from ..analysis import Analysis
from ..files import commit_files
from ..multiplicity import ADJUSTMENTS, p_conclusion
from ..qca import INCL_CUT, OUTCOME_QUANTILES, PRI_CUT, scale_anchors, short_names
from .pages import environment, kpi_name, num, plural, signed

__all__ = ["alliance_context", "synthesis_context", "render_alliance", "render_synthesis", "render_all",
           "prepare_worker", "write_figures", "environment"]

N_STRENGTHS = 3
N_RISKS = 3
N_PEERS = 2
N_ACTIONS = 5
WIDE_INTERVAL = 1.0  # an index interval at least one level wide is called wide


# --- what a page says -------------------------------------------------------------------------------------------

class _Lookup:
    """Rows of an analysis's tables by key. In a batch (``grouped``) each table is split once by the keys the
    alliance pages look rows up by: a page per alliance that scanned whole tables would make the write-ups
    quadratic in the number of alliances. For a single page, a scan is quicker than a split."""

    def __init__(self, grouped: bool):
        self.grouped = grouped
        self._groups: dict = {}

    def rows(self, frame: pd.DataFrame, keys: list[str], key: tuple) -> pd.DataFrame:
        """The rows of ``frame`` whose ``keys`` columns equal ``key`` (none: an empty frame)."""
        if not self.grouped:
            return frame[np.logical_and.reduce([frame[k].eq(v).to_numpy(dtype=bool, na_value=False)
                                                for k, v in zip(keys, key)])]
        cache_key = (id(frame), tuple(keys))
        if cache_key not in self._groups:  # the frame is kept with its groups, so its id stays its own
            self._groups[cache_key] = (frame, dict(iter(frame.groupby(keys, sort=False))))
        return self._groups[cache_key][1].get(key, frame.iloc[:0])


def _lookup(a: Analysis) -> _Lookup:
    """The batch's lookup while many alliances of ``a`` are written up; a plain scan for a single page."""
    batch = _batch_cache()
    if batch.get("analysis") is a:
        if "lookup" not in batch:
            batch["lookup"] = _Lookup(grouped=True)
        return batch["lookup"]
    return _Lookup(grouped=False)


def _labels(a: Analysis) -> dict[str, str]:
    return dict(zip(a.framework.practices["practice_id"], a.framework.practices["label"]))


def _area_names(a: Analysis) -> dict[str, str]:
    return dict(zip(a.framework.areas["area_id"], a.framework.areas["area"]))


def _alliance_names(a: Analysis) -> dict[str, str]:
    return dict(zip(a.library.alliances["alliance_id"], a.library.alliances["name"]))


def _evidence(a: Analysis, alliance_id: str, practice_id: str) -> list[dict]:
    rows = _lookup(a).rows(a.library.evidence, ["alliance_id", "practice_id"], (alliance_id, practice_id))
    return [{"text": r.text, "source": r.source if isinstance(r.source, str) else None} for r in rows.itertuples()]


def _lessons(a: Analysis, alliance_id: str, practice_id: str | None = None) -> list[str]:
    rows = _lookup(a).rows(a.library.lessons, ["alliance_id"], (alliance_id,))
    if practice_id is not None:
        rows = rows[rows["practice_id"] == practice_id]
    return rows["text"].tolist()


def _lessons_by_area(a: Analysis, lessons: pd.DataFrame, item) -> list[dict]:
    """Lessons grouped by the rubric's areas in rubric order, then those tied to no practice; ``item`` turns a
    row into what the template shows."""
    area_names = _area_names(a)
    groups = []
    for area_id in a.framework.area_ids + [None]:
        chosen = lessons[lessons["area_id"] == area_id] if area_id else lessons[lessons["area_id"].isna()]
        if len(chosen):
            groups.append({"area": area_names[area_id] if area_id else "Across the alliance",
                           "lessons": [item(r) for r in chosen.itertuples()]})
    return groups


def _result_caveats(a: Analysis, *results: str) -> list[str]:
    """The caveats :func:`~alliance_research.analysis.analyse` recorded for ``results``, less those that only
    repeat the cluster verdict (every page that shows the clusters states it already)."""
    return [c for result in results for c in a.caveats_for(result, omit_verdict=True)]


def _cluster_meaning(a: Analysis, cluster: int, n: int = 2) -> dict:
    """The practices on which a cluster stands furthest above and below the other alliances."""
    labels = _labels(a)
    d = a.clusters.distinguishing
    rows = d[d["cluster"] == cluster].dropna(subset=["hedges_g"])
    ordered = rows.sort_values(["hedges_g", "practice_id"], kind="mergesort")

    def describe(frame):
        return [{"label": labels.get(r.practice_id, r.practice_id), "practice_id": r.practice_id, "mean": r.mean,
                 "others": r.mean_others, "g": r.hedges_g} for r in frame.itertuples()]

    above = describe(ordered[ordered["hedges_g"] > 0].iloc[::-1].head(n))
    below = describe(ordered[ordered["hedges_g"] < 0].head(n))

    def listed(items):
        return " and ".join(f"{m['label']} ({num(m['mean'])} against {num(m['others'])})" for m in items)

    parts = ([f"higher than the other alliances on {listed(above)}"] if above else []) + \
            ([f"lower on {listed(below)}" if above else f"lower than the other alliances on {listed(below)}"]
             if below else [])
    sentence = f"Alliances in this cluster score {', and '.join(parts)}." if parts else ""
    return {"above": above, "below": below, "sentence": sentence}


def _selective_note(a: Analysis) -> dict:
    """How the differences between clusters are (or cannot be) tested, for the synthesis."""
    tests = a.clusters.differences
    testable = a.clusters.method != "gmm" and len(tests) and tests["p_selective"].notna().any()
    return {"testable": bool(testable), "n_tests": int(tests["p_selective"].notna().sum()) if len(tests) else 0,
            "n_undefined": int(tests["p_selective"].isna().sum()) if testable else 0,
            "n_significant": int((tests["p_selective_fdr"] < 0.05).sum()) if testable else 0,
            "sigma": float(tests["sigma"].iloc[0]) if testable else float("nan")}


def _instrument_summary(a: Analysis) -> dict:
    """The rubric as an instrument in the latest wave, for the synthesis: reliability, the weakest practices, the
    area model against one factor (or why it was not fitted), and what the figures describe."""
    if not a.instrument:
        return {}
    q = a.instrument[-1]
    scales = q.item_analysis.scales
    overall = scales[scales["level"] == "overall"].iloc[0]
    area_names = _area_names(a)
    labels = _labels(a)
    areas = [{"name": area_names.get(r.id, r.id), "n_items": int(r.n_items), "alpha": r.alpha, "low": r.ci_low,
              "high": r.ci_high} for r in scales[scales["level"] == "area"].itertuples()]
    items = q.item_analysis.items.sort_values(["r_drop_area", "practice_id"], kind="mergesort")
    weakest = [{"label": labels.get(r.practice_id, r.practice_id), "r": r.r_drop_area, "dont_know": r.dont_know}
               for r in items.head(2).itertuples() if r.r_drop_area == r.r_drop_area]
    fit = None
    if q.models is not None:
        rows = q.models.fit
        fit = [{"model": r.model, "estimator": r.estimator, "cfi": r.cfi, "tli": r.tli, "rmsea": r.rmsea,
                "rmsea_low": r.rmsea_ci_low, "rmsea_high": r.rmsea_ci_high, "srmr": r.srmr}
               for r in rows.itertuples()]
    return {"wave": q.wave, "n": int(overall.n_respondents), "alpha": overall.alpha, "low": overall.ci_low,
            "high": overall.ci_high, "n_items": int(overall.n_items), "areas": areas, "weakest": weakest,
            "verdict": q.verdict, "refusal": q.refusal, "fit": fit,
            "omega": None if q.omega is None else {"total": q.omega.omega_total, "h": q.omega.omega_hierarchical},
            "notes": [n for n in q.notes if "nested" in n.lower()],
            "caveats": [c.sentence for c in a.instrument_caveats]}


def _cluster_summary(a: Analysis, cluster: int) -> dict:
    table = a.clusters.stability_table.set_index("cluster")
    members = a.cluster_of[a.cluster_of == cluster].index.tolist()
    names = _alliance_names(a)
    return {"number": int(cluster), "name": a.clusters.names[cluster], "n": len(members),
            "members": [{"id": m, "name": names.get(m, m)} for m in sorted(members, key=lambda x: names.get(x, x))],
            "mean": float(a.clusters.centres.loc[cluster].mean()), "jaccard": float(table.loc[cluster, "jaccard_mean"]),
            "reading": table.loc[cluster, "reading"], "meaning": _cluster_meaning(a, cluster)}


def _practice_rows(a: Analysis, alliance_id: str, wave: int) -> pd.DataFrame:
    rows = _lookup(a).rows(a.scores.practices, ["alliance_id", "wave"], (alliance_id, wave)).copy()
    rows["label"] = rows["practice_id"].map(_labels(a))
    rows["order"] = np.arange(len(rows))
    return rows


def _next_level(a: Analysis, practice_id: str, score: float) -> dict:
    fw = a.framework
    current = int(np.clip(np.floor(score + 1e-9), fw.min_score, fw.max_score))
    target = min(current + 1, fw.max_score)
    d = fw.descriptors
    row = d[(d["practice_id"] == practice_id) & (d["score"] == target)].iloc[0]
    return {"current": fw.level_names[current], "score": target, "name": row["level_name"],
            "descriptor": row["descriptor"], "at_top": current == fw.max_score}


def _peers(a: Analysis, alliance_id: str, practice_id: str) -> list[dict]:
    """The alliances strongest on a practice (latest wave), with their evidence and lessons for it."""
    names = _alliance_names(a)
    rows = _lookup(a).rows(a.latest.practices, ["practice_id"], (practice_id,))
    rows = rows[rows["alliance_id"] != alliance_id].dropna(subset=["score"])
    rows = rows.sort_values(["score", "alliance_id"], ascending=[False, True], kind="mergesort").head(N_PEERS)
    return [{"id": r.alliance_id, "name": names.get(r.alliance_id, r.alliance_id), "score": r.score,
             "evidence": _evidence(a, r.alliance_id, practice_id), "lessons": _lessons(a, r.alliance_id, practice_id)}
            for r in rows.itertuples()]


def _respondent_basis(a: Analysis, alliance_id: str, wave: int) -> list[dict]:
    people = _lookup(a).rows(a.library.responses, ["alliance_id", "wave"], (alliance_id, wave))
    people = people.drop_duplicates("respondent_id")
    counts = people["organisation_type"].value_counts()
    order = ["client", "contractor", "designer", "supplier", "other"]
    return [{"type": t, "n": int(counts[t])} for t in sorted(counts.index, key=lambda t: (order.index(t)
                                                                                        if t in order else 99, t))]


def alliance_context(a: Analysis, alliance_id: str, *, figures: dict[str, str] | None = None) -> dict:
    """Everything the alliance page says, as plain values (for the templates, or for your own)."""
    lib, fw = a.library, a.framework
    known = lib.alliances.set_index("alliance_id")
    if alliance_id not in known.index:
        from .._text import did_you_mean
        raise ValueError(f"no alliance '{alliance_id}' in the library{did_you_mean(alliance_id, known.index)}")
    info = known.loc[alliance_id]
    latest = a.latest.maturity.set_index("alliance_id")
    if alliance_id not in latest.index:
        raise ValueError(f"alliance '{alliance_id}' has no ratings to write up")
    m = latest.loc[alliance_id]
    wave = int(m["wave"])
    practices = _practice_rows(a, alliance_id, wave)
    scored = practices.dropna(subset=["score"])
    lookup = _lookup(a)
    areas = lookup.rows(a.scores.areas, ["alliance_id", "wave"], (alliance_id, wave))
    area_names = _area_names(a)

    # position in the library
    index = a.latest.maturity.set_index("alliance_id")["maturity_index"].dropna()
    rank = int((index > m["maturity_index"]).sum()) + 1 if m["maturity_index"] == m["maturity_index"] else None
    cluster = int(a.cluster_of[alliance_id])

    strengths = scored.sort_values(["score", "order"], ascending=[False, True], kind="mergesort").head(N_STRENGTHS)
    risks = scored.sort_values(["score", "order"], ascending=[True, True], kind="mergesort").head(N_RISKS)

    def practice_item(r) -> dict:
        return {"id": r.practice_id, "label": r.label, "area": area_names[r.area_id], "score": r.score,
                "low": r.ci_low, "high": r.ci_high, "level": fw.level_name(r.score) if r.score == r.score else None,
                "n": int(r.n_answered), "rwg": r.rwg,
                "flags": [f for f in ("sparse", "low_agreement") if getattr(r, f)]}

    strength_items = [dict(practice_item(r), evidence=_evidence(a, alliance_id, r.practice_id))
                      for r in strengths.itertuples()]
    risk_items = [dict(practice_item(r), next=_next_level(a, r.practice_id, r.score),
                       evidence=_evidence(a, alliance_id, r.practice_id), peers=_peers(a, alliance_id, r.practice_id))
                  for r in risks.itertuples()]

    # every other piece of the dossier's evidence, by area in rubric order, beside its practice's score and level
    # (the strongest and weakest practices quote theirs above): a write-up leaves none of it out
    quoted = set(strengths["practice_id"]) | set(risks["practice_id"])
    own_evidence = lookup.rows(lib.evidence, ["alliance_id"], (alliance_id,))
    evidence_groups = []
    for area_id in fw.area_ids:
        items = [dict(practice_item(r), evidence=_evidence(a, alliance_id, r.practice_id))
                 for r in practices[practices["area_id"] == area_id].itertuples()
                 if r.practice_id not in quoted and r.practice_id in set(own_evidence["practice_id"])]
        if items:
            evidence_groups.append({"area": area_names[area_id], "practices": items})

    # perception gaps (client against all partners)
    g = lookup.rows(a.gaps, ["alliance_id", "wave", "comparison"], (alliance_id, wave, "partners"))
    labels = _labels(a)
    index_gap = g[g["level"] == "index"]
    practice_gaps = g[g["level"] == "practice"].dropna(subset=["gap"]).copy()
    practice_gaps["size"] = practice_gaps["gap"].abs()
    practice_gaps = practice_gaps.sort_values(["size", "id"], ascending=[False, True], kind="mergesort")
    flagged = practice_gaps[practice_gaps["flagged"]]
    shown = flagged if len(flagged) else practice_gaps.head(3)
    gap_items = [{"label": labels.get(r.id, r.id), "client": r.client_score, "partners": r.partner_score,
                  "gap": r.gap, "low": r.ci_low, "high": r.ci_high, "n_client": int(r.n_client),
                  "n_partner": int(r.n_partner), "flagged": bool(r.flagged)} for r in shown.itertuples()]
    gaps = {"available": len(g) > 0, "n_flagged": int(len(flagged)), "items": gap_items,
            "index": None if index_gap.empty else {
                "client": index_gap["client_score"].iloc[0], "partners": index_gap["partner_score"].iloc[0],
                "gap": index_gap["gap"].iloc[0], "low": index_gap["ci_low"].iloc[0],
                "high": index_gap["ci_high"].iloc[0], "n_client": int(index_gap["n_client"].iloc[0]),
                "n_partner": int(index_gap["n_partner"].iloc[0])}}

    # change since the previous wave
    c = lookup.rows(a.changes, ["alliance_id", "wave_to"], (alliance_id, wave))
    change = None
    if len(c):
        idx = c[c["level"] == "index"].iloc[0]
        moved = c[(c["level"] == "practice") & c["ci_excludes_zero"]].sort_values(
            ["change", "id"], kind="mergesort")
        change = {"from": int(idx["wave_from"]), "to": wave, "change": idx["change"], "low": idx["ci_low"],
                  "high": idx["ci_high"], "exceeds_uncertainty": bool(idx["ci_excludes_zero"]),
                  "before": idx["score_from"], "after": idx["score_to"],
                  "practices": [{"label": labels.get(r.id, r.id), "change": r.change, "low": r.ci_low,
                                 "high": r.ci_high} for r in moved.itertuples()]}

    by_practice = practices.set_index("practice_id")

    def lesson_item(r) -> dict:
        """A lesson, with its practice's score and level when it is tied to one."""
        if not isinstance(r.practice_id, str):
            return {"text": r.text, "practice": None, "score": None, "level": None}
        score = by_practice["score"].get(r.practice_id, np.nan)
        return {"text": r.text, "practice": labels.get(r.practice_id, r.practice_id), "score": score,
                "level": fw.level_name(score) if score == score else None}

    lesson_groups = _lessons_by_area(a, lookup.rows(lib.lessons, ["alliance_id"], (alliance_id,)), lesson_item)

    low_agreement = scored[scored["low_agreement"]].sort_values(["rwg", "order"], kind="mergesort")
    actions = _actions(risk_items, gap_items if len(flagged) else [], change, low_agreement)
    caveats = _caveats(a, m, scored, practices, index)
    respondents = _respondent_basis(a, alliance_id, wave)
    waves = sorted(lookup.rows(a.scores.maturity, ["alliance_id"], (alliance_id,))["wave"].astype(int))
    return {
        "id": alliance_id, "name": info["name"], "sector": info["sector"], "client": info["client"],
        "partners": list(info["partners"]), "start_year": info["start_year"], "region": info.get("region"),
        "fictional": bool(info.get("fictional")) if info.get("fictional") == info.get("fictional") else False,
        "wave": wave, "waves": waves,
        "index": m["maturity_index"], "low": m["ci_low"], "high": m["ci_high"],
        "level": m["level_name"], "level_staged": m["level_staged_name"], "level_uncertain": bool(m["level_uncertain"]),
        "scale_max": fw.max_score, "framework": fw.title,
        "rank": rank, "n_alliances": int(len(index)),
        "cluster": _cluster_summary(a, cluster), "k": a.clusters.k, "verdict": a.clusters.verdict,
        "respondents": respondents, "n_respondents": int(m["n_respondents"]), "rwg_j": m["rwg_j"],
        "n_low_agreement": int(m["n_low_agreement_practices"]), "n_practices": len(practices),
        "areas": [{"name": area_names[r.area_id], "score": r.score, "low": r.ci_low, "high": r.ci_high}
                  for r in areas.itertuples()],
        "strengths": strength_items, "risks": risk_items, "evidence_groups": evidence_groups,
        "n_evidence": int(len(own_evidence)), "gaps": gaps, "change": change,
        "lesson_groups": lesson_groups, "actions": actions, "caveats": caveats,
        "figures": figures or {}, "settings": a.settings,
    }


def _actions(risks: list[dict], gaps: list[dict], change: dict | None, low_agreement: pd.DataFrame) -> list[str]:
    """A short, prioritised list: weakest practices first, then gaps, declines and disagreement."""
    actions = []
    for r in risks:
        if r["next"]["at_top"]:
            continue
        peer = f" Learn from {r['peers'][0]['name']}, which scores {num(r['peers'][0]['score'])}." if r["peers"] else ""
        actions.append(f"Move {r['label']} from {r['next']['current']} ({num(r['score'])}) towards "
                       f"{r['next']['name']}: {r['next']['descriptor']}{peer}")
    for g in gaps[:2]:
        who = "partners" if g["gap"] > 0 else "client"
        actions.append(f"Talk through {g['label']} with the client and the partners together: the {who} rate it "
                       f"{num(abs(g['gap']))} higher. Agree what evidence would settle the difference.")
    if change:
        for p in [p for p in change["practices"] if p["change"] < 0][:1]:
            actions.append(f"Find out what changed on {p['label']} since wave {change['from']} "
                           f"({signed(p['change'])}).")
    for r in low_agreement.head(1).itertuples():
        actions.append(f"Find out why respondents disagree about {r.label} (rwg {num(r.rwg, 2)}): the score "
                       f"hides different experiences.")
    return actions[:N_ACTIONS]


def _caveats(a: Analysis, m: pd.Series, scored: pd.DataFrame, practices: pd.DataFrame, index: pd.Series) -> list[str]:
    notes = []
    settings = a.scores.settings
    if m["few_respondents"]:
        notes.append(f"Only {plural(int(m['n_respondents']), 'respondent')} answered: fewer than "
                     f"{settings['min_respondents']}, so every score here rests on very few views.")
    if m["low_agreement"]:
        notes.append("Respondents disagree on many practices (rwg below 0.70), so the averages hide real "
                     "differences of view.")
    elif m["n_low_agreement_practices"]:
        notes.append(f"Respondents disagree on {plural(int(m['n_low_agreement_practices']), 'practice')} "
                     f"(rwg below 0.70); read those scores as an average of different views.")
    width = m["ci_high"] - m["ci_low"]
    if width == width and width >= WIDE_INTERVAL:
        notes.append(f"The maturity index's 95% interval is wide ({num(m['ci_low'])} to {num(m['ci_high'])}).")
    if m["level_uncertain"]:
        notes.append("The interval spans two maturity levels, so the level is not certain.")
    if m["prorated"]:
        notes.append(f"{plural(int(len(practices) - len(scored)), 'practice')} had no answers; the index uses the "
                     f"{len(scored)} that did.")
    if m["n_sparse_practices"]:
        notes.append(f"{plural(int(m['n_sparse_practices']), 'practice')} were answered by fewer than half of "
                     f"the respondents.")
    if len(index) < 20:
        notes.append(f"Comparisons with the library rest on {len(index)} alliances; a different library could "
                     f"rank this alliance differently.")
    if a.clusters.verdict.startswith(("unstable", "partly")):
        notes.append(f"The clusters are {a.clusters.verdict.split(':')[0]}: {a.clusters.verdict.split(': ', 1)[1]}.")
    # what the analysis warned about the results this page shows
    notes.extend(_result_caveats(a, "scores", "gaps", "changes", "clusters"))
    return notes


def synthesis_context(a: Analysis, *, figures: dict[str, str] | None = None, link_base: str = "alliances/") -> dict:
    """Everything the synthesis page says; ``link_base`` is where the alliance pages are, seen from the page."""
    lib, fw = a.library, a.framework
    names = _alliance_names(a)
    clusters = []
    for c in range(a.clusters.k):
        summary = _cluster_summary(a, c)
        members = [m["id"] for m in summary["members"]]
        groups = _lessons_by_area(a, lib.lessons[lib.lessons["alliance_id"].isin(members)],
                                  lambda r: {"text": r.text, "alliance": names.get(r.alliance_id, r.alliance_id)})
        outcomes = []
        if len(a.kpi_by_cluster):
            rows = a.kpi_by_cluster[a.kpi_by_cluster["cluster"] == c]
            outcomes = [{"label": kpi_name(r.label, r.unit), "unit": r.unit, "n": int(r.n), "median": r.median, "q1": r.q1,
                         "q3": r.q3} for r in rows.itertuples()]
        clusters.append(dict(summary, lessons=groups, outcomes=outcomes))

    kpi_tests = []
    if len(a.kpi_by_cluster):
        for r in a.kpi_by_cluster.drop_duplicates("kpi").itertuples():
            kpi_tests.append({"label": r.label, "unit": r.unit, "better": "higher" if r.higher_is_better else "lower",
                              "n": int(r.n_total), "h": r.kw_h, "p": r.p_value, "p_adjusted": r.p_fdr,
                              "eps": r.epsilon_squared, "conclusion": r.conclusion})
    correlations = [{"label": r.label, "n": int(r.n), "rho": r.rho, "low": r.ci_low, "high": r.ci_high,
                     "p": r.p_value, "p_adjusted": r.p_fdr, "conclusion": r.conclusion}
                    for r in a.maturity_vs_kpi.itertuples()] if len(a.maturity_vs_kpi) else []

    configurations, qca_notes = [], {}
    if len(a.qca):
        anchors, _ = scale_anchors(fw)
        short = short_names(fw.area_ids)
        qca_notes = {"anchors": [f"{fw.level_name(v)} ({v:g})" for v in anchors], "incl_cut": INCL_CUT,
                     "pri_cut": PRI_CUT,
                     "legend": [{"short": short[a], "area": name} for a, name in zip(fw.areas["area_id"],
                                                                                     fw.areas["area"])],
                     "quantiles": ", ".join(f"{q * 100:g}th" for q in OUTCOME_QUANTILES[:-1])
                     + f" and {OUTCOME_QUANTILES[-1] * 100:g}th"}
        # the intermediate solution: what Ragin recommends reporting (easy counterfactuals only)
        for r in a.qca[a.qca["solution"].isin(["intermediate", "none"])].itertuples():
            # every model, as R QCA prints M1, M2, ... (of every pair of conservative and parsimonious models); the
            # figures are the first one's
            models = r.alternatives.split(" / ") if r.expression else []
            configurations.append({"label": kpi_name(r.label, None), "n": int(r.n), "expression": r.expression,
                                   "models": models, "n_cases": int(r.n_cases),
                                   "deviant": r.deviant.replace(",", ", "), "consistency": r.consistency,
                                   "below_cut": bool(r.expression) and r.consistency < INCL_CUT - 1e-10,
                                   "coverage": r.coverage, "analysed": r.solution != "none",
                                   "conclusion": r.conclusion})

    # what the most mature cluster does differently, with its members' evidence
    top = a.clusters.k - 1
    meaning = _cluster_meaning(a, top, n=3)
    top_members = a.cluster_of[a.cluster_of == top].index.tolist()
    differently = []
    tests = a.clusters.differences
    n_tests = int(tests["p_selective_fdr"].notna().sum())
    for item in meaning["above"]:
        pid = item["practice_id"]
        evidence = [dict(e, alliance=names.get(m, m)) for m in sorted(top_members) for e in _evidence(a, m, pid)]
        # the selective test of this practice between the most mature cluster and each other one
        against = tests[(tests["practice_id"] == pid) & (tests["cluster_a"] == top)].sort_values("cluster_b")
        comparisons = [{"cluster": int(r.cluster_b), "difference": r.difference, "p": r.p_selective_fdr,
                        "conclusion": p_conclusion(
                            r.p_selective_fdr, f"{'higher' if r.difference > 0 else 'lower'} than cluster "
                                               f"{int(r.cluster_b)} by {abs(r.difference):.1f}",
                            f"of a difference from cluster {int(r.cluster_b)} ({signed(r.difference)})",
                            n_tests=n_tests, family="practice-by-cluster-pair comparison",
                            details="selective test") if r.p_selective_fdr == r.p_selective_fdr else
                        f"against cluster {int(r.cluster_b)} {signed(r.difference)}, with no selective p-value "
                        f"(the clustering broke a tie in the scores there)"}
                       for r in against.itertuples()]
        differently.append(dict(item, evidence=evidence[:3], comparisons=comparisons))

    index = a.latest.maturity.dropna(subset=["maturity_index"])
    table = index.merge(a.cluster_of.rename("cluster").reset_index(), on="alliance_id")
    table["name"] = table["alliance_id"].map(names)
    table = table.sort_values(["cluster", "maturity_index", "alliance_id"], ascending=[True, False, True],
                              kind="mergesort")
    alliances = [{"id": r.alliance_id, "name": r.name, "cluster": int(r.cluster), "index": r.maturity_index,
                  "low": r.ci_low, "high": r.ci_high, "level": r.level_name, "wave": int(r.wave)}
                 for r in table.itertuples()]
    fictional = bool(lib.alliances["fictional"].fillna(False).astype(bool).all()) if "fictional" in lib.alliances else False
    selection = a.clusters.selection
    return {
        "framework": fw.title, "n_alliances": int(len(index)), "n_clusters": a.clusters.k,
        "method": a.clusters.method, "verdict": a.clusters.verdict, "structure": a.clusters.structure,
        "selective": _selective_note(a), "instrument": _instrument_summary(a),
        "clusters": clusters, "alliances": alliances, "kpi_tests": kpi_tests, "correlations": correlations,
        "differently": differently, "configurations": configurations, "qca": qca_notes, "fictional": fictional,
        "has_outcomes": bool(len(a.kpi_by_cluster)),
        "caveats": {"clusters": _result_caveats(a, "clusters"), "outcomes": _result_caveats(a, "outcomes"),
                    "qca": _result_caveats(a, "qca"), "scores": _result_caveats(a, "scores")},
        # the outcomes tables keep the raw p (data) beside the adjusted one the conclusions read
        "adjustment": ADJUSTMENTS["BH"],
        "silhouette": float(selection.loc[selection["chosen"], "silhouette"].iloc[0]),
        "figures": figures or {}, "settings": a.settings, "scale_max": fw.max_score, "link_base": link_base,
    }


# --- rendering --------------------------------------------------------------------------------------------------

def render_alliance(a: Analysis, alliance_id: str, *, fmt: str = "md", template_dir: str | Path | None = None,
                    figures: dict[str, str] | None = None) -> str:
    """The write-up of one alliance as Markdown (``fmt="md"``) or a standalone HTML page (``"html"``)."""
    context = alliance_context(a, alliance_id, figures=figures)
    return environment(fmt, template_dir).get_template(f"alliance.{fmt}.j2").render(**context)


def render_synthesis(a: Analysis, *, fmt: str = "md", template_dir: str | Path | None = None,
                     figures: dict[str, str] | None = None, link_base: str = "alliances/") -> str:
    """The cross-case synthesis as Markdown or HTML; ``link_base`` prefixes the links to alliance pages (e.g.
    ``"../alliances/"`` for a page shown one folder down, as the report's notebooks are)."""
    context = synthesis_context(a, figures=figures, link_base=link_base)
    return environment(fmt, template_dir).get_template(f"synthesis.{fmt}.j2").render(**context)


_WORKER_ANALYSIS = None


def prepare_worker(analysis: Analysis) -> None:
    """Initialise a worker process of a pool passed to :func:`render_all` (``initializer=prepare_worker,
    initargs=(analysis,)``): the analysis its alliance pages are made from."""
    global _WORKER_ANALYSIS
    _WORKER_ANALYSIS = analysis


def _save(fig, path: Path) -> str:
    from ..plotting import save_png

    return save_png(fig, path, dpi=100)


_ENVIRONMENTS: dict = {}


def _cached_environment(fmt: str, template_dir) -> Environment:
    key = (fmt, str(template_dir) if template_dir else None)
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = environment(fmt, template_dir)
    return _ENVIRONMENTS[key]


# What a thread keeps while it writes up many alliances of one analysis: the chart stamps and the table lookup
# (per thread: two threads must not draw on one figure).
_LOCAL = threading.local()


def _batch_cache() -> dict:
    if not hasattr(_LOCAL, "batch"):
        _LOCAL.batch = {}
    return _LOCAL.batch


def _batch(a: Analysis) -> dict:
    """The batch cache for ``a`` (emptied first when it held another analysis)."""
    batch = _batch_cache()
    if batch.get("analysis") is not a:
        _release_batch()
        batch["analysis"] = a
    return batch


def _charts(a: Analysis):
    from ..plotting import AllianceCharts

    batch = _batch(a)
    if "charts" not in batch:
        batch["charts"] = AllianceCharts(a.scores, dpi=100)
    return batch["charts"]


def _release_batch() -> None:
    batch = _batch_cache()
    if "charts" in batch:
        batch["charts"].close()
    batch.clear()


def _draw_alliance(a: Analysis, alliance_id: str, folder: Path) -> dict[str, str]:
    charts = _charts(a)
    cluster = int(a.cluster_of[alliance_id])
    return {
        "scores": charts.practice_scores(alliance_id, folder / f"{alliance_id}-practice-scores.png"),
        "profile": charts.profile(alliance_id, folder / f"{alliance_id}-profile.png",
                                  reference=a.clusters.centres.loc[cluster],
                                  reference_label=f"Centre of cluster {cluster}")}


def _alliance_work(ids: list[str], root: str, template_dir, figures: bool, analysis=None) -> int:
    """Draw each alliance's figures and write its two pages under ``root`` (in a worker process, or here)."""
    a = analysis if analysis is not None else _WORKER_ANALYSIS
    _batch(a)  # keep the lookup (and the chart stamps) from one alliance to the next
    root = Path(root)
    for alliance_id in ids:
        names = _draw_alliance(a, alliance_id, root / "figures") if figures else {}
        context = alliance_context(a, alliance_id, figures={k: "../figures/" + v for k, v in names.items()})
        for fmt in ("md", "html"):
            text = _cached_environment(fmt, template_dir).get_template(f"alliance.{fmt}.j2").render(**context)
            (root / "alliances" / f"{alliance_id}.{fmt}").write_text(text, encoding="utf-8", newline="\n")
    return len(ids)


def _synthesis_figures(a: Analysis, folder: Path) -> dict:
    from .. import plotting

    profiles = a.latest.profiles()
    fw = a.framework
    s = {"map": _save(plotting.plot_cluster_map(profiles, a.clusters, pyplot=False).figure, folder / "cluster-map.png"),
         "profiles": _save(plotting.plot_cluster_profiles(profiles, a.clusters, framework=fw, pyplot=False).figure,
                           folder / "cluster-profiles.png"),
         "heatmap": _save(plotting.plot_cluster_heatmap(profiles, a.clusters, framework=fw, pyplot=False).figure,
                          folder / "cluster-heatmap.png")}
    if a.clusters.method == "ward":
        s["dendrogram"] = _save(plotting.plot_dendrogram(a.clusters, pyplot=False).figure, folder / "dendrogram.png")
    if len(a.kpi_values):
        s["kpis"] = {}
        for kpi in a.library.kpis["kpi"]:
            if kpi in set(a.kpi_values["kpi"]):
                ax = plotting.plot_kpi_by_cluster(a.kpi_values, a.cluster_of, kpi, names=a.clusters.names,
                                                  kpis=a.library.kpis, pyplot=False)
                s["kpis"][kpi] = _save(ax.figure, folder / f"kpi-{kpi}.png")
    return s


def write_figures(a: Analysis, folder: str | Path) -> dict[str, dict[str, str]]:
    """Draw every figure the pages use into ``folder``; returns file names by page (``"synthesis"`` or an id)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, dict[str, str]] = {"synthesis": _synthesis_figures(a, folder)}
    try:
        for alliance_id in a.latest.maturity["alliance_id"]:
            out[alliance_id] = _draw_alliance(a, alliance_id, folder)
    finally:
        _release_batch()
    return out


def render_all(a: Analysis, out: str | Path, *, template_dir: str | Path | None = None,
               figures: bool = True, progress: bool = False, jobs: int | None = 1, executor=None) -> list[Path]:
    """Write every alliance's write-up and the synthesis, Markdown and HTML, with their figures.

    Layout: ``out/alliances/<id>.md`` and ``.html``, ``out/synthesis.md`` and ``.html``, ``out/figures/*.png``.
    Everything is written to a temporary folder beside ``out`` and moved in at the end. The alliances' figures
    and pages are made ``jobs`` processes at a time (``None``: one per core), or by ``executor``, a process pool
    of the caller's made with ``initializer=prepare_worker, initargs=(a,)`` (the report shares one pool between
    the write-ups and the notebooks, so that no core waits for the other's last task). Returns the paths.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ids = a.latest.maturity["alliance_id"].tolist()
    jobs = max(1, jobs or os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(dir=out, prefix=".writeups-") as tmp:
        tmp = Path(tmp)
        (tmp / "figures").mkdir()
        (tmp / "alliances").mkdir()
        synthesis = _synthesis_figures(a, tmp / "figures") if figures else {}
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(ids), desc="write-ups", unit="alliance")
        if executor is not None:
            chunks = [ids[i:i + 4] for i in range(0, len(ids), 4)]
            for done in executor.map(_alliance_work, chunks, [str(tmp)] * len(chunks),
                                     [template_dir] * len(chunks), [figures] * len(chunks)):
                if bar is not None:
                    bar.update(done)
        elif jobs == 1 or len(ids) < 4:
            try:
                for alliance_id in ids:
                    _alliance_work([alliance_id], str(tmp), template_dir, figures, analysis=a)
                    if bar is not None:
                        bar.update(1)
            finally:
                _release_batch()
        else:
            from concurrent.futures import ProcessPoolExecutor

            chunks = [ids[i:i + 4] for i in range(0, len(ids), 4)]
            with ProcessPoolExecutor(max_workers=jobs, initializer=prepare_worker, initargs=(a,)) as pool:
                for done in pool.map(_alliance_work, chunks, [str(tmp)] * len(chunks),
                                     [template_dir] * len(chunks), [figures] * len(chunks)):
                    if bar is not None:
                        bar.update(done)
        if bar is not None:
            bar.close()
        synthesis_figures = {k: "figures/" + v for k, v in synthesis.items() if k != "kpis"}
        kpi_figures = {k: "figures/" + v for k, v in synthesis.get("kpis", {}).items()}
        for fmt in ("md", "html"):
            text = render_synthesis(a, fmt=fmt, template_dir=template_dir,
                                    figures=dict(synthesis_figures, kpis=kpi_figures))
            (tmp / f"synthesis.{fmt}").write_text(text, encoding="utf-8", newline="\n")
        return commit_files(tmp, out)
