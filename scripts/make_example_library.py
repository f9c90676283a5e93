#!/usr/bin/env python
"""Write the tables of the bundled FICTIONAL example library from its specification.

Reads ``scripts/example_library_spec.yaml`` (alliances, maturity profiles, waves, KPIs, simulation settings) and
``scripts/example_comments.yaml`` (the comment bank) and writes, with the spec's fixed seed::

    <library>/data/responses.csv   one row per respondent, wave and practice
    <library>/data/outcomes.csv    alliance_id, year, kpi, value
    <library>/data/kpis.csv        kpi, label, unit, higher_is_better

The dossiers in ``casestudies/`` are written by hand to agree with the spec; this script does not touch them.

How the data are simulated (the core is shared with :func:`alliance_research.datasets.make_library`):

* latent mean of each alliance on each practice = its profile's value (or the profile's ``default``) + ``shift``
  + ``practice_shift``; a later wave ``w`` adds every ``wave<v>_change`` for ``2 <= v <= w`` (``all`` plus
  per-practice changes); latent means are clipped to the scale;
* each alliance-wave has the number of respondents given in ``respondents`` (``{wave: n}``): 2 or 3 from the
  client (organisation = the client, type ``client``), the others spread evenly over the partners (types from
  ``partner_types``), numbered ``r01, r02, ...`` in random order;
* each score is ``round(latent + respondent leniency + noise)`` clipped to the scale, client respondents seeing
  the alliance ``client_offset`` higher (negative = lower) than the partners (leniency is centred within the
  client and within the partner respondents of each alliance-wave, so the planted gap is what the data show,
  up to noise, rounding and clipping); about ``missing_rate`` of the
  answers are missing; about ``comment_share`` of the answered ratings get a comment from the bank (low scores
  a ``low`` comment, high scores a ``high`` one);
* outcomes on every KPI for each of ``outcomes_years``: better where the alliance's mean latent maturity
  (interpolated between its waves' years) is higher, plus an alliance effect, yearly noise and a mild trend,
  within the KPI's ``range`` and rounded to its ``decimals`` (``outcome_strength``: how strongly maturity
  drives outcomes).

The same spec, comment bank and framework give byte-identical files.

Usage::

    python scripts/make_example_library.py            # write the tables into the repository root
    python scripts/make_example_library.py --check    # verify the committed tables are what it would write
    python scripts/make_example_library.py --library /tmp/lib --spec my_spec.yaml

Exit status: 0 on success; 1 when ``--check`` finds a difference; 2 on an invalid spec or comment bank.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from alliance_research.datasets import (
    ORGANISATION_TYPES,
    allocate_respondents,
    csv_bytes,
    kpis_frame,
    maturity_by_year,
    pick_comments,
    responses_frame,
    simulate_outcomes,
    simulate_scores,
    write_csv,
)
from alliance_research.framework import Framework, load_framework

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_SPEC = HERE / "example_library_spec.yaml"
DEFAULT_COMMENTS = HERE / "example_comments.yaml"
PARTNER_TYPES = [t for t in ORGANISATION_TYPES if t != "client"]
SIMULATION_DEFAULTS = {"noise": 0.55, "respondent_sd": 0.35, "missing_rate": 0.05, "comment_share": 0.065,
                       "client_respondents": [2, 3], "outcome_strength": 0.45}


class SpecError(ValueError):
    """An invalid spec or comment bank; carries every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def read_yaml(path: Path) -> dict:
    """Read a YAML mapping."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise SpecError([f"{path}: expected a YAML mapping"])
    return data


def _check_ids(where: str, mapping: dict | None, known: set, problems: list, allow: tuple = ()) -> None:
    for key in (mapping or {}):
        if key not in known and key not in allow:
            problems.append(f"{where}: unknown practice id {key!r}")


def check_spec(spec: dict, bank: dict, fw: Framework) -> None:
    """Raise :class:`SpecError` listing every problem of the spec and comment bank."""
    problems: list[str] = []
    known = set(fw.practice_ids)
    profiles = spec.get("profiles") or {}
    for name, prof in profiles.items():
        if "default" not in prof:
            problems.append(f"profiles.{name}: a 'default' value is required")
        _check_ids(f"profiles.{name}.practices", prof.get("practices"), known, problems)
    waves = spec.get("waves") or {}
    ids = set()
    for i, al in enumerate(spec.get("alliances") or []):
        where = f"alliances[{i}] ({al.get('id', '?')})"
        if al.get("id") in ids:
            problems.append(f"{where}: id used twice")
        ids.add(al.get("id"))
        if al.get("profile") not in profiles:
            problems.append(f"{where}: profile {al.get('profile')!r} is not one of {sorted(profiles)}")
        partners, types = al.get("partners") or [], al.get("partner_types") or []
        if not partners:
            problems.append(f"{where}: at least one partner is required")
        if len(types) != len(partners) or any(t not in PARTNER_TYPES for t in types):
            problems.append(f"{where}: partner_types must give one of {PARTNER_TYPES} for each partner")
        respondents = al.get("respondents") or {}
        if not respondents:
            problems.append(f"{where}: respondents ({{wave: n}}) is required")
        for wave, n in respondents.items():
            if wave not in waves:
                problems.append(f"{where}: wave {wave} is not one of the spec's waves {sorted(waves)}")
            if not isinstance(n, int) or n < 3:
                problems.append(f"{where}: respondents in wave {wave} must be an integer >= 3 (got {n!r})")
        _check_ids(f"{where}.practice_shift", al.get("practice_shift"), known, problems)
        for key, value in al.items():
            if key.startswith("wave") and key.endswith("_change"):
                _check_ids(f"{where}.{key}", value, known, problems, allow=("all",))
    for k, kpi in enumerate(spec.get("kpis") or []):
        rng = kpi.get("range")
        if not (isinstance(rng, list) and len(rng) == 2 and rng[0] < rng[1]):
            problems.append(f"kpis[{k}] ({kpi.get('kpi')}): range must be [low, high] with low < high")
        if not isinstance(kpi.get("decimals"), int):
            problems.append(f"kpis[{k}] ({kpi.get('kpi')}): decimals must be an integer")
    comments = bank.get("comments") or {}
    _check_ids("comment bank", comments, known, problems)
    for pid in fw.practice_ids:
        entry = comments.get(pid) or {}
        for key in ("low", "high"):
            if not entry.get(key):
                problems.append(f"comment bank: practice {pid!r} has no {key!r} comments")
    if problems:
        raise SpecError(problems)


def latent_means(al: dict, profile: dict, practice_ids: list[str], wave: int, low: int, high: int) -> np.ndarray:
    """The latent mean of one alliance on every practice in one wave, clipped to the scale."""
    values = profile.get("practices") or {}
    shift = float(al.get("shift", 0.0))
    practice_shift = al.get("practice_shift") or {}
    latent = np.array([float(values.get(pid, profile["default"])) + shift + float(practice_shift.get(pid, 0.0))
                       for pid in practice_ids])
    for v in range(2, int(wave) + 1):
        change = al.get(f"wave{v}_change") or {}
        latent += float(change.get("all", 0.0))
        latent += np.array([float(change.get(pid, 0.0)) for pid in practice_ids])
    return np.clip(latent, low, high)


def build_tables(spec: dict, bank: dict, fw: Framework) -> dict[str, pd.DataFrame]:
    """Simulate the example library's tables: ``{"responses": ..., "outcomes": ..., "kpis": ...}``."""
    check_spec(spec, bank, fw)
    sim = {**SIMULATION_DEFAULTS, **(spec.get("simulation") or {})}
    rng = np.random.default_rng(int(spec["seed"]))
    practice_ids = fw.practice_ids
    low, high = fw.min_score, fw.max_score
    alliances = sorted(spec["alliances"], key=lambda al: al["id"])

    # one unit per alliance and wave, in output order
    units = [(al, int(wave), int(n)) for al in alliances for wave, n in sorted(al["respondents"].items())]
    latent = np.array([latent_means(al, spec["profiles"][al["profile"]], practice_ids, wave, low, high)
                       for al, wave, _ in units])
    n_resp = np.array([n for _, _, n in units])
    c_lo, c_hi = (int(v) for v in sim["client_respondents"])
    n_client = np.minimum(rng.integers(c_lo, c_hi + 1, len(units)), n_resp - 1)
    n_partners = np.array([len(al["partners"]) for al, _, _ in units])
    who = allocate_respondents(n_resp, n_client, n_partners, rng)
    unit = who["unit"].to_numpy()
    partner = who["partner"].to_numpy()

    width = max(2, len(str(int(n_resp.max()))))
    organisation, organisation_type, shift = [], [], np.zeros(len(who))
    for i, (u, k) in enumerate(zip(unit, partner)):  # per respondent (a few hundred), not per rating
        al = units[u][0]
        if k < 0:
            organisation.append(al["client"])
            organisation_type.append("client")
            shift[i] = float(al.get("client_offset", 0.0))
        else:
            organisation.append(al["partners"][k])
            organisation_type.append(al["partner_types"][k])
    people = pd.DataFrame({
        "alliance_id": [units[u][0]["id"] for u in unit],
        "wave": [units[u][1] for u in unit],
        "respondent_id": [f"r{n:0{width}d}" for n in who["number"]],
        "organisation": organisation,
        "organisation_type": organisation_type,
    })
    scores = simulate_scores(latent, unit, shift, rng=rng, noise=float(sim["noise"]),
                             respondent_sd=float(sim["respondent_sd"]), missing_rate=float(sim["missing_rate"]),
                             min_score=low, max_score=high, effect_groups=2 * unit + (partner < 0))
    comments = pick_comments(scores, practice_ids, bank["comments"], float(sim["comment_share"]), rng,
                             min_score=low, max_score=high)
    responses = responses_frame(people, scores, practice_ids, comments)

    # outcomes: maturity = mean latent of the alliance's waves, interpolated to each year
    wave_year = {int(w): int(y) for w, y in spec["waves"].items()}
    unit_mean = {(al["id"], wave): latent[j].mean() for j, (al, wave, _) in enumerate(units)}
    rows = []
    for al in alliances:
        years = sorted(int(y) for y in al.get("outcomes_years") or [])
        if not years:
            continue
        waves = sorted(int(w) for w in al["respondents"])
        means = np.array([unit_mean[al["id"], wave] for wave in waves])
        by_year = maturity_by_year([wave_year[w] for w in waves], means[None, :], years)[0]
        rows += [(al["id"], y, m) for y, m in zip(years, by_year)]
    maturity = pd.DataFrame(rows, columns=["alliance_id", "year", "maturity"])
    kpis = pd.DataFrame(spec["kpis"])
    kpis["low"] = [float(r[0]) for r in kpis["range"]]
    kpis["high"] = [float(r[1]) for r in kpis["range"]]
    outcomes = simulate_outcomes(maturity, kpis, rng=rng, min_score=low, max_score=high,
                                 strength=float(sim["outcome_strength"]))
    return {"responses": responses, "outcomes": outcomes, "kpis": kpis_frame(kpis)}


def summary(tables: dict[str, pd.DataFrame]) -> str:
    """Counts and shares of the written tables, for the console."""
    r = tables["responses"]
    answered = r["score"].notna()
    respondents = r.drop_duplicates(["alliance_id", "wave", "respondent_id"])
    return (f"{len(r)} ratings from {len(respondents)} respondents in {r['alliance_id'].nunique()} alliances; "
            f"missing {1 - answered.mean():.1%}; comments on {(r['comment'] != '').mean():.1%} of ratings "
            f"({(r.loc[answered, 'comment'] != '').mean():.1%} of answered); {len(tables['outcomes'])} outcome "
            f"values on {len(tables['kpis'])} KPIs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the library spec (default: %(default)s)")
    parser.add_argument("--comments", type=Path, default=DEFAULT_COMMENTS,
                        help="the comment bank (default: %(default)s)")
    parser.add_argument("--library", type=Path, default=REPO,
                        help="the library folder whose data/ receives the tables (default: the repository root)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 unless the library's tables equal what would be written")
    args = parser.parse_args(argv)

    try:
        spec, bank = read_yaml(args.spec), read_yaml(args.comments)
        fw = load_framework(spec.get("framework"), library=args.library)
        tables = build_tables(spec, bank, fw)
    except SpecError as err:
        print("invalid spec or comment bank:\n  " + "\n  ".join(err.problems), file=sys.stderr)
        return 2
    data = args.library / "data"
    if args.check:
        differ = [name for name, table in tables.items()
                  if not (data / f"{name}.csv").is_file() or (data / f"{name}.csv").read_bytes() != csv_bytes(table)]
        if differ:
            print("out of date: " + ", ".join(f"data/{name}.csv" for name in differ)
                  + " (run scripts/make_example_library.py)", file=sys.stderr)
            return 1
        print(f"ok: data/{{{','.join(tables)}}}.csv are up to date")
        return 0
    for name, table in tables.items():
        write_csv(table, data / f"{name}.csv")
    print(f"wrote {', '.join(f'data/{name}.csv' for name in tables)} in {args.library}")
    print(summary(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
