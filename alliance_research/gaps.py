"""Perception gaps: how differently the client (owner) and the non-owner partners see the same alliance.

The gap between what the owner sees and what its contractors and designers see is among the most valued findings
of an alliance health check: a study of 46 Victorian alliances found non-owner participants markedly more
positive than owners (Department of Treasury and Finance, Victoria, 2009). Here a gap is ``partners - client``,
so a positive gap means the partners rate the practice higher than the client does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._bootstrap import Settings, bootstrap_differences
from ._matrix import GROUPS, RespondentMatrix, long_by_target, matrix_for, target_frame
from .framework import Framework

__all__ = ["perception_gaps", "CLIENT"]

#: The organisation type of the owner.
CLIENT = "client"
_KEYS = list(GROUPS)


def perception_gaps(responses: pd.DataFrame, framework: Framework, *, by: str = "owner",
                    threshold: float = 1.0, min_per_side: int = 2, n_boot: int = 1000, ci: float = 0.95,
                    random_state: int = 0, aggregate: str = "mean", trim: float = 0.2,
                    index_weights: str = "practice", prorate_share: float = 0.5,
                    matrix: RespondentMatrix | None = None) -> pd.DataFrame:
    """Client versus partner scores per practice, area and index, for every alliance and wave.

    Parameters
    ----------
    responses : DataFrame
        Long ratings (``Library.responses``).
    framework : Framework
        The rubric.
    by : {"owner", "organisation_type"}
        ``"owner"`` compares the client with all non-owner partners together (``comparison`` is
        ``"partners"``); ``"organisation_type"`` compares the client with each other organisation type
        (``comparison`` is ``"contractor"``, ``"designer"``, ...).
    threshold : float
        A gap of at least this size (in scale points; 1 = one maturity level) is flagged ...
    min_per_side : int
        ... when each side has at least this many respondents who answered.
    n_boot, ci, random_state
        Bootstrap replicates, confidence level and seed. Each side of each alliance-wave is resampled on its
        own (a stratified bootstrap), from a generator seeded by ``random_state`` and the side's key.
    aggregate, trim, index_weights, prorate_share
        How scores are made, as in :func:`alliance_research.scoring.score_responses`.
    matrix : RespondentMatrix, optional
        ``respondent_matrix(responses, framework)`` when the caller has built it already (see
        :func:`~alliance_research.scoring.score_responses`); the sides are regrouped from it.

    Returns
    -------
    DataFrame
        One row per alliance, wave, comparison and target, with columns ``alliance_id``, ``wave``,
        ``comparison``, ``level`` (practice, area or index), ``id``, ``area_id``, ``client_score``,
        ``partner_score``, ``gap`` (partner minus client), ``ci_low``, ``ci_high`` (percentile bootstrap
        interval of the gap), ``n_client``, ``n_partner`` (respondents who answered), ``flagged`` (the gap is
        at least ``threshold`` either way and both sides have ``min_per_side`` respondents) and
        ``ci_excludes_zero``. Alliance-waves without client respondents or without partners have no rows.

    Notes
    -----
    For a target :math:`t`: :math:`\\text{gap}_t = s_t^{\\text{partners}} - s_t^{\\text{client}}`, each side
    scored as in :func:`~alliance_research.scoring.score_responses` from its own respondents. The interval is
    the percentile interval of the replicate differences, both sides resampled independently [ET93]_.

    References
    ----------
    Department of Treasury and Finance, Victoria (2009). *In Pursuit of Additional Value: A benchmarking study
    into alliancing in the Australian public sector*. Efron & Tibshirani (1993) [ET93]_.

    .. [ET93] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.

    Examples
    --------
    >>> import alliance_research as ar
    >>> lib = ar.load_library()
    >>> gaps = perception_gaps(lib.responses, lib.framework, n_boot=200)
    >>> gaps.columns[:6].tolist()
    ['alliance_id', 'wave', 'comparison', 'level', 'id', 'area_id']
    """
    if by not in ("owner", "organisation_type"):
        raise ValueError(f"by must be 'owner' or 'organisation_type'; got {by!r}")
    settings = Settings(aggregate=aggregate, trim=trim, prorate_share=prorate_share, index_weights=index_weights,
                        n_boot=n_boot, random_state=random_state)
    def side(rows: pd.DataFrame) -> np.ndarray:
        kind = rows["organisation_type"]
        return np.where(kind.eq(CLIENT), CLIENT, "partners" if by == "owner" else kind)

    m = matrix_for(responses, framework, _KEYS + ["side"], matrix=matrix, columns={"side": side})
    groups = m.groups.reset_index(drop=True)
    client = groups[groups["side"] == CLIENT].reset_index().rename(columns={"index": "client_group"})
    others = groups[groups["side"] != CLIENT].reset_index().rename(columns={"index": "partner_group"})
    pairs = others.merge(client[_KEYS + ["client_group"]], on=_KEYS, how="inner")
    pairs = pairs.sort_values(_KEYS + ["side"], kind="mergesort").reset_index(drop=True)
    targets = target_frame(m, framework)
    result = bootstrap_differences(m, settings, _KEYS + ["side"],
                                   pairs[["client_group", "partner_group"]].to_numpy(), ci)
    n_client, n_partner, gap = result["n_from"], result["n_to"], result["difference"]
    keys = pairs[_KEYS + ["side"]].rename(columns={"side": "comparison"})
    out = long_by_target(keys, targets, {
        "client_score": result["from"], "partner_score": result["to"], "gap": gap,
        "ci_low": result["ci_low"], "ci_high": result["ci_high"], "n_client": n_client, "n_partner": n_partner,
        "flagged": (np.abs(np.nan_to_num(gap)) >= threshold - 1e-9) & (n_client >= min_per_side)
        & (n_partner >= min_per_side),
        "ci_excludes_zero": result["ci_excludes_zero"],
    })
    return out
