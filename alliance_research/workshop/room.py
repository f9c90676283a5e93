"""Scoring a room: the room's answers as one group set against the library's clusters and case studies, its
client-versus-partner gaps and discussion prompts, and only what the room may show.

The workbook tells participants that their answers are anonymous, so nothing a room shows rests on fewer than
``min_answers`` participants' answers (:data:`MIN_ANSWERS`, 3): a practice rated by fewer is not shown and is left
out of everything computed from the practices, client and partner scores need it on each side, and the result
keeps no raw answers (:func:`score_room` gives the reasoning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..agreement import RWG_THRESHOLD
from ..framework import Framework
from ..gaps import CLIENT
from ..library import ORGANISATION_TYPES, RESPONSE_COLUMNS
from ..report.pages import interval, plural, signed
from .workbook import slug

__all__ = ["score_room", "RoomResult", "check_min_answers", "check_room", "sides", "MIN_ANSWERS", "MIN_ANSWERS_FLOOR",
           "MIN_FOR_INTERVAL", "TOO_FEW", "ROOM"]

#: The group id the room is scored under.
ROOM = "room"


# ----------------------------------------------------------------------------------------------------------------
# scoring the room


#: The default minimum number of participants' answers behind any number the room shows (``min_answers``). With
#: one answer, a practice's score is that answer; with two, each of the two can work out the other's from the
#: mean and their own. Three is the smallest count at which nobody can read another participant's answer off a
#: mean, as the threshold rule of statistical disclosure control asks of a table cell (Hundepool et al., 2012,
#: ch. 4 and 5); agencies use 3 or more, 5 and 10 also being common.
MIN_ANSWERS = 3
#: The smallest ``min_answers`` accepted: below it, a number could be one person's answer.
MIN_ANSWERS_FLOOR = 2
#: The default minimum on each side (client, partners) of the client-partner comparison: the same rule, applied
#: to each side. Kept under this name for code written before ``min_answers``; the room's own minimum applies.
MIN_PER_SIDE = MIN_ANSWERS
#: Answers (participants) needed before an interval is shown beside a score. A percentile bootstrap interval
#: over n participants ends at the lowest (highest) participant's own value whenever a replicate drawing that one
#: participant n times is more likely than the interval's tail, n**-n >= 2.5% for a 95% interval: so for n <= 3
#: the ends are two people's answers. From 4 on (4**-4 = 0.4%) they are mixtures.
MIN_FOR_INTERVAL = 4
#: Practices the room must show (each with ``min_answers`` answers) to be set against the library's clusters and
#: case studies.
MIN_OVERLAP = 3
#: A client-partner gap smaller than this (in levels) makes no discussion prompt.
MIN_PROMPT_GAP = 0.5
TOO_FEW = "too few on one side to compare without identifying anyone"


def check_min_answers(min_answers) -> int:
    """``min_answers`` as an int, or ValueError when it is not a whole number of at least
    :data:`MIN_ANSWERS_FLOOR` (with one answer, a score is that participant's answer)."""
    if isinstance(min_answers, (bool, np.bool_)) or not isinstance(min_answers, (int, np.integer)):
        raise ValueError(f"min_answers must be a whole number, {MIN_ANSWERS_FLOOR} or more; got {min_answers!r}")
    if min_answers < MIN_ANSWERS_FLOOR:
        raise ValueError(f"min_answers must be {MIN_ANSWERS_FLOOR} or more; got {min_answers}: with one answer "
                         f"behind it, a score is that participant's answer")
    return int(min_answers)


@dataclass(frozen=True)
class RoomResult:
    """What :func:`score_room` finds: only what the room may show.

    Every number in it rests on at least ``min_answers`` participants' answers (:data:`MIN_ANSWERS` by default):
    a practice rated by fewer is *not shown* (its score, interval and agreement are blank) and is left out of
    everything computed from the practices (area scores, the index, distances, nearest cases, prompts), so that
    it cannot be recovered by differencing either. The room's raw answers are not kept.

    Attributes
    ----------
    scores : Scores
        The room scored as one group (``alliance_id`` ``"room"``, wave 1) from the answers it shows only: the
        answers to a practice with fewer than ``min_answers`` answers count as unanswered, and an interval
        resting on fewer than :data:`MIN_FOR_INTERVAL` participants is blank.
    profile : DataFrame
        One row per practice: ``practice_id``, ``area_id``, ``area``, ``label``, ``score`` (the room's, blank
        when not shown), ``ci_low``, ``ci_high``, ``n_answered`` (how many rated it: a count, shown for every
        practice), ``shown`` (``n_answered >= min_answers``), ``rwg``, ``low_agreement``, ``library_q25``,
        ``library_median``, ``library_q75`` (the library's latest profiles) and ``nearest_centre`` (the centre
        of the nearest cluster).
    areas : DataFrame
        ``area_id``, ``area``, ``score`` (the mean of the area's shown practices, when at least half of them are
        shown), ``ci_low``, ``ci_high``, ``n_practices``, ``n_shown``, ``library_median`` (the median of the
        library's latest area scores; over the shown practices only when some are not shown, so that it compares
        like with like) and ``nearest_centre`` (likewise).
    clusters : DataFrame
        One row per library cluster: ``cluster``, ``name``, ``n_alliances``, ``mean_score``, ``distance``
        (root mean square difference from the room's profile, in levels, over the practices the room shows,
        against the library's profiles as clustered: a practice an alliance lacks takes the practice's mean)
        and ``nearest``.
    nearest_cluster : int
    cases : DataFrame
        The case studies to read: ``alliance_id``, ``name``, ``sector``, ``cluster``, ``cluster_name``,
        ``maturity_index``, ``distance``, ``why`` (``"nearest"`` profile, or ``"a step ahead"``: the nearest
        alliance of the next more mature cluster) and ``ahead_on`` with ``ahead_by`` (the shown practice on
        which it stands furthest above the room).
    gaps : DataFrame
        The room's client-versus-partner gaps per practice (:func:`~alliance_research.gaps.perception_gaps`,
        ``comparison == "partners"``); empty without client or without partner participants. ``n_client`` and
        ``n_partner`` count who rated the practice on each side; where either is below ``min_answers``, the
        scores, gap and interval are blank and ``comparable`` is False: a side's score would be one or two
        people's answers (and the other side's, with the room's score, would give it away).
    index_gap : dict or None
        The gap of the maturity index over the comparable practices (``gap``, ``ci_low``, ``ci_high``,
        ``n_client``, ``n_partner``); None without both sides, without a comparable practice, or with fewer than
        ``min_answers`` participants on a side.
    prompts : list of dict
        The discussion prompts: ``kind`` (``"gap"`` or ``"low"``), ``practice_id``, ``label``, ``area``,
        ``statement``, ``text`` (the question), ``read`` (the library alliance scoring highest on the practice:
        ``alliance_id``, ``name``, ``score``).
    participants : DataFrame
        ``organisation_type`` and ``n`` (participants).
    alliances : DataFrame
        The alliances the room rated: ``alliance``, ``n`` (participants).
    caveats : list of str
        How far to trust the view: few participants, what is not shown and why, disagreement, many don't-know
        answers, pooled alliances.
    fictional_library, simulated : bool
        The library is fictional; the room's workbooks were made by :func:`simulate_room`.
    library_profiles : DataFrame
        The library's latest practice profiles (alliances by practices), what the room is compared with.
    framework : Framework
    library_path : Path
    settings : dict
        The parameters used, ``min_answers`` among them.
    """

    scores: object
    profile: pd.DataFrame
    areas: pd.DataFrame
    clusters: pd.DataFrame
    nearest_cluster: int
    cases: pd.DataFrame
    gaps: pd.DataFrame
    index_gap: dict | None
    prompts: list
    participants: pd.DataFrame
    alliances: pd.DataFrame
    caveats: list
    fictional_library: bool
    simulated: bool
    library_profiles: pd.DataFrame = field(repr=False)
    framework: Framework = field(repr=False)
    library_path: Path | None = None
    settings: dict = field(default_factory=dict)

    @property
    def responses(self):
        # an attribute of earlier versions: the raw answers are no longer kept, so that nothing a room returns
        # shows one participant's answer
        raise AttributeError("a RoomResult keeps no participant's answers (they are not for display); use the "
                             "responses you passed to score_room")

    @property
    def min_answers(self) -> int:
        """The minimum number of answers behind every number the room shows."""
        return int(self.settings.get("min_answers", MIN_ANSWERS))

    @property
    def hidden_practices(self) -> pd.DataFrame:
        """The practices not shown (fewer than ``min_answers`` answers): ``practice_id``, ``label``,
        ``n_answered``."""
        return self.profile.loc[~self.profile["shown"], ["practice_id", "label", "n_answered"]].reset_index(drop=True)

    @property
    def maturity(self) -> pd.Series:
        """The room's row of ``scores.maturity`` (``maturity_index``, ``ci_low``, ``ci_high``, ``level_name`` ...)."""
        return self.scores.maturity.iloc[0]

    @property
    def n_participants(self) -> int:
        return int(self.participants["n"].sum())

    def describe(self) -> str:
        """A few lines a facilitator can read out: who answered, where the room stands, what to read."""
        m = self.maturity
        who = ", ".join(f"{r.n} {r.organisation_type}" for r in self.participants.itertuples())
        nearest = self.clusters.set_index("cluster").loc[self.nearest_cluster]
        if pd.isna(m.maturity_index):
            index = (f"Maturity index not shown: fewer than half the practices were rated by {self.min_answers} "
                     f"or more participants.")
        else:
            index = (f"Maturity index {m.maturity_index:.1f} of {self.framework.max_score} "
                     f"({_interval_text(m.ci_low, m.ci_high)}): {m.level_name}.")
        lines = [f"{'Simulated room' if self.simulated else 'The room'}: {plural(self.n_participants, 'participant')}"
                 f" ({who}) rating {plural(len(self.alliances), 'alliance')}.",
                 index,
                 f"Nearest library cluster: {self.nearest_cluster} ({nearest['name']}), "
                 f"{nearest['distance']:.2f} levels apart on average.",
                 "Case studies to read: " + "; ".join(f"{r.name} ({r.why})" for r in self.cases.itertuples()) + "."]
        hidden = int((~self.profile["shown"]).sum())
        if hidden:
            lines.append(f"Not shown: {plural(hidden, 'practice')} rated by fewer than {self.min_answers} "
                         f"participants.")
        if self.index_gap is not None:
            g = self.index_gap
            lines.append(f"Partners minus client, maturity index: {signed(g['gap'])} "
                         f"({_interval_text(g['ci_low'], g['ci_high'])}; {g['n_client']} client, "
                         f"{g['n_partner']} partner participants).")
        return "\n".join(lines)


def sides(participants: pd.DataFrame) -> tuple[int, int]:
    """Client and partner participants (anyone not of the client) in the room, from its ``participants``."""
    client = participants["organisation_type"].eq(CLIENT)
    return int(participants.loc[client, "n"].sum()), int(participants.loc[~client, "n"].sum())


def _interval_text(low, high) -> str:
    return "no interval" if pd.isna(low) or pd.isna(high) else f"95% interval {interval(low, high)}"


def _rms(a: pd.Series, b: pd.Series) -> tuple[float, int]:
    """Root mean square difference over the entries both have, and how many those are."""
    both = a.notna() & b.notna()
    n = int(both.sum())
    return (float(np.sqrt(((a[both] - b[both]) ** 2).mean())) if n else float("nan")), n


def _answer_counts(room: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Per practice: participants who rated it (``n_answered``), and of them client and partner participants."""
    answered = room[room["score"].notna()]
    client = answered["organisation_type"].eq(CLIENT)
    count = lambda rows: rows.groupby("practice_id")["respondent_id"].nunique()  # noqa: E731
    return pd.DataFrame({"n_answered": count(answered), "n_client": count(answered[client]),
                         "n_partner": count(answered[~client])}).reindex(fw.practice_ids).fillna(0).astype(int)


def _keep_only(room: pd.DataFrame, practice_ids) -> pd.DataFrame:
    """The ratings with every answer to a practice outside ``practice_ids`` blanked (as if nobody rated it): what
    is scored from them cannot depend on those answers, so no shown number lets anyone work them out."""
    out = room.copy()
    out["score"] = out["score"].astype("Int64").where(out["practice_id"].isin(set(practice_ids)), pd.NA)
    return out


def _without_small_intervals(scores, rated: pd.DataFrame, fw: Framework):
    """``scores`` with every interval blanked that rests on fewer than :data:`MIN_FOR_INTERVAL` participants
    (per practice: who rated it; per area: who rated any of its practices; the index: who rated any)."""
    answered = rated[rated["score"].notna()]
    area_of = dict(zip(fw.practices["practice_id"], fw.practices["area_id"]))
    by_practice = answered.groupby("practice_id")["respondent_id"].nunique()
    by_area = (answered.assign(area_id=answered["practice_id"].map(area_of))
               .groupby("area_id")["respondent_id"].nunique())
    overall = answered["respondent_id"].nunique()

    def blank(frame: pd.DataFrame, few) -> pd.DataFrame:
        frame = frame.copy()
        few = np.asarray(few, dtype=bool)
        frame.loc[few, ["ci_low", "ci_high"]] = np.nan
        if "level_uncertain" in frame:  # read from the interval's ends: nothing to read without them
            frame.loc[few, "level_uncertain"] = False
        return frame

    practices = blank(scores.practices, scores.practices["practice_id"].map(by_practice).fillna(0) < MIN_FOR_INTERVAL)
    areas = blank(scores.areas, scores.areas["area_id"].map(by_area).fillna(0) < MIN_FOR_INTERVAL)
    maturity = blank(scores.maturity, [overall < MIN_FOR_INTERVAL] * len(scores.maturity))
    return replace(scores, practices=practices, areas=areas, maturity=maturity)


def score_room(responses: pd.DataFrame, analysis, *, min_answers: int = MIN_ANSWERS, n_cases: int = 3,
               n_prompts: int = 3, n_boot: int = 1000, random_state: int = 0,
               min_respondents: int = 3) -> RoomResult:
    """Score a room of participants as one group and set it against the library, showing nothing that rests on
    fewer than ``min_answers`` participants' answers.

    Parameters
    ----------
    responses : DataFrame
        From :func:`read_workbooks` (or any long ratings in the ``responses`` contract).
    analysis : Analysis
        The library's analysis (:func:`~alliance_research.analysis.analyse`): its latest profiles, clusters and
        case studies are what the room is compared with.
    min_answers : int
        The minimum number of participants who rated a practice for the room to show its score
        (:data:`MIN_ANSWERS`, 3; at least 2). A practice rated by fewer is not shown and is left out of the area
        scores, the index, the distances, the nearest cases and the prompts; client and partner scores need it
        on each side. See Notes.
    n_cases : int
        Case studies with the nearest profiles to suggest (plus one "a step ahead" when there is a more mature
        cluster).
    n_prompts : int
        Discussion prompts: the largest client-partner gaps and the lowest-scoring practices, alternately.
    n_boot, random_state
        Bootstrap replicates and seed of the room's intervals and gaps.
    min_respondents : int
        Fewer participants than this are flagged as few.

    Returns
    -------
    RoomResult
        Only what the room may show; it keeps no participant's answers.

    Raises
    ------
    ValueError
        When ``min_answers`` is below 2 or not a whole number, when the ratings are on another framework than the
        library's, or when fewer than :data:`MIN_OVERLAP` practices were rated by ``min_answers`` participants or
        more.

    Notes
    -----
    *What is shown.* A practice's score is shown when at least ``min_answers`` participants rated it (don't
    know and blank are no rating). Everything built from practice scores (area scores, the maturity index and
    level, distances to clusters and case studies, the nearest cases, the prompts) is computed from the shown
    practices only, as if the others had no answers: had a hidden practice entered an area's mean beside shown
    practices, the area's score and theirs would give it away by differencing. Client and partner scores, their
    gap and the index gap need ``min_answers`` on each side and are computed over the practices that have them;
    where one side falls short both are blanked, since the room's score and one side's would give the other
    away. An interval is shown only when at least :data:`MIN_FOR_INTERVAL` participants lie behind it: with three
    or fewer, the ends of a percentile bootstrap interval are the lowest and highest participant's own values.
    Counts (who took part, of which organisation type, how many rated each practice) are shown: they say who
    answered, not what. This is the threshold rule with secondary (complementary) suppression of statistical
    disclosure control for tables (Hundepool et al., 2012, ch. 4 and 5), in the spirit of k-anonymity (Sweeney,
    2002); like them it does not stop someone who knows their own answer from learning about the others' in a
    small cell whose answers all agree (Machanavajjhala et al., 2007): a larger ``min_answers`` narrows that.

    *Distances* are root mean square differences of practice scores, :math:`d = \\sqrt{\\frac{1}{P}\\sum_p
    (s_p^{\\text{room}} - s_p)^2}`, over the :math:`P` practices the room shows: one number in levels of the
    scale, so that 0.5 reads "half a level apart on a typical practice". The library's side is its profiles as
    they were clustered (a practice an alliance lacks takes the practice's library mean, as in
    :func:`~alliance_research.clustering.cluster_profiles`), so every distance is over the same practices.
    The room is scored with :func:`~alliance_research.scoring.score_responses` (all participants as one group)
    and its gaps with :func:`~alliance_research.gaps.perception_gaps`.

    References
    ----------
    Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt, E., Spicer, K. & de Wolf,
    P.-P. (2012). *Statistical Disclosure Control*. Wiley. Sweeney, L. (2002). k-anonymity: a model for
    protecting privacy. *International Journal of Uncertainty, Fuzziness and Knowledge-Based Systems*, 10(5),
    557-570. Machanavajjhala, A., Kifer, D., Gehrke, J. & Venkitasubramaniam, M. (2007). l-diversity: privacy
    beyond k-anonymity. *ACM Transactions on Knowledge Discovery from Data*, 1(1), 3.
    """
    from ..clustering import fill_missing
    from ..scoring import score_responses

    k = check_min_answers(min_answers)
    fw = analysis.framework
    if set(responses["practice_id"]) - set(fw.practice_ids):
        raise ValueError("the room's ratings are on another framework than the library's")
    room = responses.assign(alliance_id=ROOM, wave=1)[RESPONSE_COLUMNS]
    counts = _answer_counts(room, fw)
    shown = counts.index[counts["n_answered"] >= k].tolist()
    if len(shown) < min(MIN_OVERLAP, len(fw.practice_ids)):
        raise ValueError(f"the room scored {plural(len(shown), 'practice')} with at least {k} answers (a practice "
                         f"rated by fewer is not shown, so that no one's answer can be read off it); at least "
                         f"{MIN_OVERLAP} are needed to set the room against the library")
    rated = _keep_only(room, shown)
    scores = _without_small_intervals(
        score_responses(rated, fw, n_boot=n_boot, random_state=random_state, min_respondents=min_respondents),
        rated, fw)
    practices = scores.practices.set_index("practice_id")
    library = analysis.latest.profiles().droplevel("wave")
    own = practices["score"].reindex(fw.practice_ids).astype(float)  # blank where not shown
    # the library as it was clustered: its gaps filled with each practice's mean, so that every alliance and
    # every centre is compared with the room over the same practices (all the room shows)
    filled = fill_missing(library.reindex(columns=fw.practice_ids))

    centres = analysis.clusters.centres
    clusters = analysis.clusters.summary()[["cluster", "name", "n", "mean_score"]].rename(columns={"n": "n_alliances"})
    clusters["distance"] = [_rms(own, centres.loc[c].reindex(fw.practice_ids))[0] for c in clusters["cluster"]]
    nearest_cluster = int(clusters.sort_values(["distance", "cluster"], kind="mergesort")["cluster"].iloc[0])
    clusters["nearest"] = clusters["cluster"].eq(nearest_cluster)
    centre = centres.loc[nearest_cluster].reindex(fw.practice_ids)

    profile = fw.practices[["practice_id", "area_id", "area", "label"]].copy()
    for column in ("score", "ci_low", "ci_high"):
        profile[column] = practices[column].reindex(profile["practice_id"]).to_numpy()
    profile["n_answered"] = counts["n_answered"].reindex(profile["practice_id"]).to_numpy()
    profile["shown"] = profile["n_answered"] >= k
    for column in ("rwg", "low_agreement"):
        profile[column] = practices[column].reindex(profile["practice_id"]).to_numpy()
    for name, q in (("library_q25", 0.25), ("library_median", 0.5), ("library_q75", 0.75)):
        profile[name] = library.quantile(q).reindex(profile["practice_id"]).to_numpy()
    profile["nearest_centre"] = centre.to_numpy()

    areas = _area_table(fw, scores, analysis, library, centre, set(shown))
    cases = _cases(analysis, own, library, filled, nearest_cluster, n_cases)

    people = responses.drop_duplicates("respondent_id")
    order = {t: i for i, t in enumerate(ORGANISATION_TYPES)}
    participants = (people.groupby("organisation_type").size().rename("n").reset_index()
                    .sort_values("organisation_type", key=lambda s: s.map(order), kind="mergesort")
                    .reset_index(drop=True))
    gaps, index_gap = _room_gaps(room, fw, counts, k, n_boot=n_boot, random_state=random_state)
    prompts = _prompts(fw, profile, gaps, library, analysis, n_prompts)

    # one alliance however its name was typed ("Riverside Alliance", "riverside  alliance"): grouped by its
    # slug, shown by its most common spelling
    names = people["alliance"] if "alliance" in people else people["alliance_id"]
    typed = pd.DataFrame({"key": [slug(str(n), "alliance") for n in names], "alliance": names.astype(str)})
    alliances = (typed.groupby("key", sort=True)
                 .agg(alliance=("alliance", lambda s: s.value_counts().sort_index().idxmax()),  # ties: A-Z
                      n=("alliance", "size"))
                 .reset_index(drop=True))
    versions = []
    if "framework_version" in responses:
        versions = sorted(set(responses["framework_version"].dropna().astype(str)) - {""} - {str(fw.version)})
    fictional = bool(analysis.library.alliances["fictional"].fillna(False).astype(bool).all())
    simulated = bool(responses["simulated"].any()) if "simulated" in responses else False
    result = RoomResult(scores=scores, profile=profile, areas=areas, clusters=clusters,
                        nearest_cluster=nearest_cluster, cases=cases, gaps=gaps, index_gap=index_gap,
                        prompts=prompts, participants=participants, alliances=alliances, caveats=[],
                        fictional_library=fictional, simulated=simulated, library_profiles=library, framework=fw,
                        library_path=Path(analysis.library.path),
                        settings=dict(min_answers=k, min_for_interval=MIN_FOR_INTERVAL, n_boot=n_boot,
                                      random_state=random_state, n_cases=n_cases, n_prompts=n_prompts,
                                      min_respondents=min_respondents, rwg_threshold=RWG_THRESHOLD))
    result.caveats.extend(_caveats(result, versions))
    return result


def _area_table(fw: Framework, scores, analysis, library: pd.DataFrame, centre: pd.Series,
                shown: set) -> pd.DataFrame:
    """The room's area scores beside the library's median and the nearest centre, each over the same practices:
    all of the area's when the room shows them all, else the shown ones."""
    areas = fw.areas[["area_id", "area"]].merge(
        scores.areas[["area_id", "score", "ci_low", "ci_high", "n_practices", "n_scored"]], on="area_id", how="left")
    areas = areas.rename(columns={"n_scored": "n_shown"})
    # the library's median area score (not the mean of its practice medians, which no alliance need have)
    area_median = analysis.latest.profiles("area").droplevel("wave").median()
    medians, centres = [], []
    for area_id in areas["area_id"]:
        members = fw.practices.loc[fw.practices["area_id"].eq(area_id), "practice_id"].tolist()
        kept = [p for p in members if p in shown]
        if len(kept) == len(members):
            medians.append(float(area_median.get(area_id, np.nan)))
        elif kept:  # each alliance's area score over the practices the room shows, then their median
            medians.append(float(library[kept].mean(axis=1).median()))
        else:
            medians.append(np.nan)
        centres.append(float(centre[kept].mean()) if kept else np.nan)
    areas["library_median"] = medians
    areas["nearest_centre"] = centres
    areas["n_practices"] = areas["n_practices"].astype(int)
    areas["n_shown"] = areas["n_shown"].astype(int)
    return areas


def _room_gaps(room: pd.DataFrame, fw: Framework, counts: pd.DataFrame, k: int, *, n_boot: int,
               random_state: int) -> tuple[pd.DataFrame, dict | None]:
    """Client against partners over the practices with ``k`` or more answers on each side (the rest blanked for
    both sides before anything is computed, so that the index gap cannot give them away), and the index gap."""
    from ..gaps import perception_gaps

    comparable = counts.index[(counts["n_client"] >= k) & (counts["n_partner"] >= k)].tolist()
    all_gaps = perception_gaps(_keep_only(room, comparable), fw, n_boot=n_boot, random_state=random_state)
    owner = all_gaps[all_gaps["comparison"].eq("partners")]
    gaps = owner[owner["level"].eq("practice")].reset_index(drop=True)
    if len(gaps):  # who rated each practice on each side, as counted before blanking
        gaps["n_client"] = gaps["id"].map(counts["n_client"]).astype(int)
        gaps["n_partner"] = gaps["id"].map(counts["n_partner"]).astype(int)
    gaps = _anonymous(gaps, k)
    index_row = owner[owner["level"].eq("index")]
    if not len(index_row) or pd.isna(index_row["gap"].iloc[0]):
        return gaps, None
    r = index_row.iloc[0]
    if min(int(r["n_client"]), int(r["n_partner"])) < k:
        return gaps, None
    return gaps, {"gap": float(r["gap"]), "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                  "n_client": int(r["n_client"]), "n_partner": int(r["n_partner"])}


def _anonymous(gaps: pd.DataFrame, k: int = MIN_ANSWERS) -> pd.DataFrame:
    """The practice gaps with both sides' scores blanked where a side has fewer than ``k`` participants who
    answered; ``comparable`` says which rows keep them."""
    gaps = gaps.copy()
    if gaps.empty:
        gaps["comparable"] = pd.Series(dtype=bool)
        return gaps
    comparable = (gaps["n_client"].fillna(0) >= k) & (gaps["n_partner"].fillna(0) >= k)
    hidden = [c for c in ("client_score", "partner_score", "gap", "ci_low", "ci_high") if c in gaps]
    gaps[hidden] = gaps[hidden].astype(float).where(comparable)
    if "flagged" in gaps:
        gaps["flagged"] = gaps["flagged"].fillna(False).astype(bool) & comparable
    if "ci_excludes_zero" in gaps:
        gaps["ci_excludes_zero"] = gaps["ci_excludes_zero"].fillna(False).astype(bool) & comparable
    gaps["comparable"] = comparable.astype(bool)
    return gaps


def _cases(analysis, own: pd.Series, library: pd.DataFrame, filled: pd.DataFrame, nearest_cluster: int,
           n_cases: int) -> pd.DataFrame:
    alliances = analysis.library.alliances.set_index("alliance_id")
    labels = dict(zip(analysis.framework.practices["practice_id"], analysis.framework.practices["label"]))
    cluster_of = analysis.cluster_of
    index = analysis.latest.maturity.set_index("alliance_id")["maturity_index"]
    rows = []
    for alliance_id, profile in filled.iterrows():
        distance, _ = _rms(own, profile.reindex(own.index))
        rows.append((alliance_id, distance))
    ranked = pd.DataFrame(rows, columns=["alliance_id", "distance"]).sort_values(
        ["distance", "alliance_id"], kind="mergesort")
    chosen = [(a, "nearest") for a in ranked["alliance_id"].head(n_cases)]
    above = ranked[ranked["alliance_id"].map(cluster_of).eq(nearest_cluster + 1)]
    if len(above) and above["alliance_id"].iloc[0] not in {a for a, _ in chosen}:
        chosen.append((above["alliance_id"].iloc[0], "a step ahead"))
    out = []
    for alliance_id, why in chosen:
        difference = (library.loc[alliance_id].reindex(own.index) - own).dropna()
        ahead = difference.idxmax() if len(difference) and difference.max() > 0 else None
        cluster = int(cluster_of[alliance_id])
        out.append({"alliance_id": alliance_id, "name": alliances.loc[alliance_id, "name"],
                    "sector": alliances.loc[alliance_id, "sector"], "cluster": cluster,
                    "cluster_name": analysis.clusters.names[cluster], "maturity_index": float(index[alliance_id]),
                    "distance": float(ranked.set_index("alliance_id").loc[alliance_id, "distance"]), "why": why,
                    "ahead_on": labels.get(ahead) if ahead else None,
                    "ahead_by": float(difference[ahead]) if ahead else float("nan")})
    return pd.DataFrame(out, columns=["alliance_id", "name", "sector", "cluster", "cluster_name", "maturity_index",
                                      "distance", "why", "ahead_on", "ahead_by"])


def _best_in_library(library: pd.DataFrame, analysis, practice_id: str) -> dict | None:
    column = library[practice_id].dropna()
    if column.empty:
        return None
    best = column.sort_index().idxmax()  # ties: the first alliance id
    return {"alliance_id": best, "name": analysis.library.alliances.set_index("alliance_id").loc[best, "name"],
            "score": float(column[best])}


def _prompts(fw: Framework, profile: pd.DataFrame, gaps: pd.DataFrame, library: pd.DataFrame, analysis,
             n_prompts: int) -> list[dict]:
    """The largest client-partner gaps and the lowest-scoring practices, alternately, each practice once."""
    practices = fw.practices.set_index("practice_id")
    descriptors = fw.descriptors.set_index(["practice_id", "score"])["descriptor"]
    order = {p: i for i, p in enumerate(fw.practice_ids)}
    big = gaps.dropna(subset=["gap"])
    big = big[big["gap"].abs() >= MIN_PROMPT_GAP - 1e-9]
    big = big.assign(size=big["gap"].abs(), order=big["id"].map(order)).sort_values(
        ["size", "order"], ascending=[False, True], kind="mergesort")
    low = profile.dropna(subset=["score"]).sort_values(["score", "practice_id"], kind="mergesort")
    low = low.assign(order=low["practice_id"].map(order)).sort_values(["score", "order"], kind="mergesort")
    queues = [[("gap", r) for r in big.itertuples()], [("low", r) for r in low.itertuples()]]
    prompts, used = [], set()
    while len(prompts) < n_prompts and any(queues):
        for queue in queues:
            while queue:
                kind, r = queue.pop(0)
                practice_id = r.id if kind == "gap" else r.practice_id
                if practice_id in used:
                    continue
                used.add(practice_id)
                p = practices.loc[practice_id]
                if kind == "gap":
                    higher, lower = ("Partner", "client") if r.gap > 0 else ("Client", "partner")
                    text = (f"{higher} staff rate \u201c{p.label}\u201d {abs(r.gap):.1f} levels higher than "
                            f"{lower} staff do ({r.partner_score:.1f} for partners, {r.client_score:.1f} for the "
                            f"client). What does each side see that the other does not, and what evidence would "
                            f"settle it?")
                else:
                    current = int(min(max(math.floor(r.score), fw.min_score), fw.max_score))
                    if current < fw.max_score:
                        nxt = current + 1
                        text = (f"\u201c{p.label}\u201d scores lowest in the room: {r.score:.1f} "
                                f"({fw.level_name(r.score)}). At {fw.level_names[nxt]} it would look like this: "
                                f"\u201c{descriptors[(practice_id, nxt)]}\u201d What would it take to get there, "
                                f"and who would own it?")
                    else:
                        text = (f"\u201c{p.label}\u201d scores {r.score:.1f} ({fw.level_name(r.score)}), the room's "
                                f"lowest. What keeps it there, and what would let it slip?")
                prompts.append({"kind": kind, "practice_id": practice_id, "label": p.label, "area": p.area,
                                "statement": p.statement, "text": text,
                                "read": _best_in_library(library, analysis, practice_id)})
                break
            if len(prompts) >= n_prompts:
                break
    return prompts


def _quoted(labels, most: int = 5) -> str:
    labels = list(labels)
    shown = ", ".join(f"\u201c{label}\u201d" for label in labels[:most])
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


def _caveats(result: RoomResult, versions=()) -> list[str]:
    """Honest reading: what makes the room's view less certain than it looks, and what it does not show."""
    out = []
    n = result.n_participants
    k = result.min_answers
    if n < result.settings["min_respondents"]:
        out.append(f"Only {plural(n, 'participant')}: the profile is one or two people's view, and its intervals "
                   f"are too narrow to trust (the bootstrap understates uncertainty for very small groups).")
    elif n < 8:
        out.append(f"{n} participants: the intervals are wide; read differences under about half a level as "
                   f"no difference.")
    hidden = result.profile[~result.profile["shown"]]
    if len(hidden):
        out.append(f"{plural(len(hidden), 'practice')} not shown, rated by fewer than {k} participants: "
                   f"{_quoted(hidden['label'])}. A score from so few answers would give someone's answer away, "
                   f"so these practices are also left out of the area scores, the index, the distances to the "
                   f"library and the prompts.")
    no_interval = result.profile[result.profile["shown"] & result.profile["ci_low"].isna()]
    if len(no_interval):
        out.append(f"{plural(len(no_interval), 'practice')} shown without an interval, rated by fewer than "
                   f"{MIN_FOR_INTERVAL} participants: the interval's ends would be the lowest and highest answers "
                   f"given.")
    low = result.profile[result.profile["low_agreement"].fillna(False).astype(bool)]
    if len(low):
        out.append(f"The room disagrees on {plural(len(low), 'practice')} (rwg below {RWG_THRESHOLD:g}): "
                   f"{_quoted(low['label'])}. A mean hides disagreement: ask who chose what, and why.")
    answered = result.profile["n_answered"].fillna(0) / max(n, 1)
    unknown = result.profile[answered < 0.5]
    if len(unknown):
        out.append(f"Fewer than half the room could rate {plural(len(unknown), 'practice')} (don't know or "
                   f"blank): " + ", ".join(f"\u201c{label}\u201d" for label in unknown["label"].head(5))
                   + ". Not knowing is a finding too.")
    scored = int(result.profile["shown"].sum())
    total = len(result.profile)
    if scored < total / 2:
        out.append(f"The room shows only {scored} of {total} practices: its distances to the clusters and case "
                   f"studies rest on those alone, and the nearest cluster may differ once the rest are rated.")
    n_client, n_partner = sides(result.participants)
    if not n_client or not n_partner:
        out.append("No client-versus-partner comparison: the room needs participants from both the client and its "
                   "partners.")
    elif result.index_gap is None:
        out.append(f"No client-versus-partner comparison: {n_client} client and {n_partner} partner "
                   f"participants are {TOO_FEW} (it needs at least {k} on each side who rated the same "
                   f"practices).")
    else:
        g = result.index_gap
        not_compared = int((~result.gaps["comparable"]).sum()) if "comparable" in result.gaps else 0
        if not_compared:
            out.append(f"{plural(not_compared, 'practice')} not compared between client and partners: "
                       f"{TOO_FEW} (fewer than {k} answered on a side).")
        if min(g["n_client"], g["n_partner"]) < 5:
            out.append(f"The client-partner gaps rest on {g['n_client']} client and {g['n_partner']} partner "
                       f"participants: treat them as questions, not findings.")
    if versions:
        out.append(f"Some workbooks were made from version {', '.join(versions)} of the rubric; the library "
                   f"is scored on version {result.framework.version}. Check that the practices and their "
                   f"descriptors have not changed in between.")
    if len(result.alliances) > 1:
        out.append(f"The room rated {len(result.alliances)} different alliances; the profile pools them.")
    if result.fictional_library:
        out.append("The library's case studies are fictional: they show what the comparison looks like, not how "
                   "real alliances score.")
    if result.simulated:
        out.append("These participants are simulated: made-up ratings that show how the page reads.")
    return out


def check_room(result: RoomResult, min_answers) -> int:
    """The minimum a page of ``result`` follows: the room's own, which ``min_answers`` (when given) must equal."""
    if min_answers is None:
        return result.min_answers
    k = check_min_answers(min_answers)
    if k != result.min_answers:
        # what a room shows is computed from the practices it shows (areas, index, distances), so a page can
        # neither hide more nor show more afterwards without letting the difference be worked out
        raise ValueError(f"the room was scored with min_answers={result.min_answers}, not {k}: score it again "
                         f"with score_room(..., min_answers={k})")
    return k
