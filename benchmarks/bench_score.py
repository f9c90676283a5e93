#!/usr/bin/env python
"""Benchmark: seconds to score a large library completely.

Default: 2,000 alliances from ``make_library``, 2 waves, 10 to 16 respondents per alliance and wave, the 19
practices of the built-in rubric (about 1,000,000 ratings). "Completely" means what ``alliance-research score``
computes: practice, area and index scores with levels and 1,000-replicate bootstrap intervals, agreement (rwg,
rwg(j), ICC, Cronbach's alpha), client-partner perception gaps with intervals, and wave-to-wave changes with
intervals. The ratings are pivoted into one respondent matrix, shared by every statistic as ``analyse`` and
``alliance-research score`` share it (its own line in the output). Generating and loading the library is not
timed (see the other benchmarks). Target: under 10 s on the project's 2-core machine.

Usage::

    python benchmarks/bench_score.py [--alliances 2000] [--waves 2] [--respondents 10 16] [--n-boot 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import alliance_research as ar
from alliance_research._matrix import respondent_matrix
from alliance_research.agreement import icc_table, reliability_table
from alliance_research.datasets import make_library
from alliance_research.gaps import perception_gaps
from alliance_research.report.tables import agreement_summary
from alliance_research.scoring import score_library
from alliance_research.trends import wave_changes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alliances", type=int, default=2000)
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--respondents", type=int, nargs=2, default=(10, 16), metavar=("MIN", "MAX"))
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--aggregate", default="mean", choices=["mean", "median", "trimmed"])
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        make_library(tmp, args.alliances, 4, n_waves=args.waves, respondents=tuple(args.respondents),
                     with_outcomes=False, random_state=0)
        lib = ar.load_library(tmp)
    r, fw = lib.responses, lib.framework
    print(f"library: {r['alliance_id'].nunique():,} alliances, "
          f"{len(r[['alliance_id', 'wave']].drop_duplicates()):,} alliance-waves, "
          f"{len(r[['alliance_id', 'wave', 'respondent_id']].drop_duplicates()):,} respondents, {len(r):,} ratings; "
          f"{args.n_boot} replicates, aggregate={args.aggregate}")

    timings = {}
    start = time.perf_counter()
    t = time.perf_counter()
    m = respondent_matrix(r, fw)
    timings["respondent matrix (once)"] = time.perf_counter() - t
    t = time.perf_counter()
    scores = score_library(lib, n_boot=args.n_boot, aggregate=args.aggregate, matrix=m)
    timings["scores, levels, intervals, rwg"] = time.perf_counter() - t
    t = time.perf_counter()
    gaps = perception_gaps(r, fw, n_boot=args.n_boot, aggregate=args.aggregate, matrix=m)
    timings["perception gaps"] = time.perf_counter() - t
    t = time.perf_counter()
    wave_changes(r, fw, n_boot=args.n_boot, aggregate=args.aggregate, matrix=m)
    timings["wave changes"] = time.perf_counter() - t
    t = time.perf_counter()
    icc = icc_table(r, fw, matrix=m)
    reliability_table(r, fw, matrix=m)
    agreement_summary(scores, gaps, icc)
    timings["ICC, alpha, agreement summary"] = time.perf_counter() - t
    total = time.perf_counter() - start
    for name, seconds in timings.items():
        print(f"  {name:<32} {seconds:6.2f} s")
    print(f"seconds: {total:.2f} (target: under 10)")


if __name__ == "__main__":
    main()
