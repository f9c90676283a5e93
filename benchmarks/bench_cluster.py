#!/usr/bin/env python
"""Benchmark: seconds to cluster a large library's profiles with each method, choosing k and assessing stability.

Default: 2,000 alliances from ``make_library`` (4 planted profiles, 1 wave, 10 to 16 respondents, the 19
practices of the built-in rubric), scored without intervals; their latest-wave profiles are clustered with
``cluster_profiles(profiles, k=None, method=m, k_max=8, n_boot=100)`` for each of ``"kmeans"``, ``"ward"`` and
``"gmm"``: seven candidate k (2 to 8), the choice of k, Hennig's clusterwise bootstrap with 100 replicates and
the structure test (its default 100 reference data sets). Generating, loading and scoring the library is not
timed. For each method it prints the seconds, the chosen k, the adjusted Rand index of the clusters against the
planted profiles (``GroundTruth.profiles``) and the mean bootstrap Jaccard of each cluster. Target: the three
methods together under 60 s on the project's 2-core machine.

Usage::

    python benchmarks/bench_cluster.py [--alliances 2000] [--profiles 4] [--methods kmeans ward gmm]
        [--k-max 8] [--n-boot 100] [--n-null 100] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
import warnings

from sklearn.metrics import adjusted_rand_score

import alliance_research as ar
from alliance_research.clustering import METHODS, ClusterWarning, cluster_profiles
from alliance_research.datasets import make_library


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alliances", type=int, default=2000)
    parser.add_argument("--profiles", type=int, default=4, help="planted profiles")
    parser.add_argument("--respondents", type=int, nargs=2, default=(10, 16), metavar=("MIN", "MAX"))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--k-max", type=int, default=8)
    parser.add_argument("--n-boot", type=int, default=100)
    parser.add_argument("--n-null", type=int, default=100, help="reference data sets of the structure test")
    parser.add_argument("--profile", action="store_true", help="run each method under cProfile and print the top")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        truth = make_library(tmp, args.alliances, args.profiles, n_waves=1, respondents=tuple(args.respondents),
                             with_outcomes=False, random_state=0)
        lib = ar.load_library(tmp)
    profiles = ar.score_library(lib, n_boot=0).latest().profiles()
    planted = truth.profiles.reindex(profiles.index.get_level_values("alliance_id")).to_numpy()
    print(f"profiles: {profiles.shape[0]:,} alliances x {profiles.shape[1]} practices, {args.profiles} planted "
          f"profiles; k = 2..{args.k_max}, {args.n_boot} bootstrap replicates, {args.n_null} reference data sets")

    total = 0.0
    for method in args.methods:
        profiler = cProfile.Profile() if args.profile else None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ClusterWarning)
            t = time.perf_counter()
            if profiler:
                profiler.enable()
            res = cluster_profiles(profiles, k=None, method=method, k_max=args.k_max, n_boot=args.n_boot,
                                   n_null=args.n_null, framework=lib.framework)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - t
        total += seconds
        ari = adjusted_rand_score(planted, res.labels.to_numpy())
        stability = ", ".join(f"{c}: {j:.2f} (n={n})" for c, j, n in
                              zip(res.stability_table["cluster"], res.stability_table["jaccard_mean"],
                                  res.stability_table["n"]))
        print(f"  {method:<7} {seconds:7.2f} s  k = {res.k}  adjusted Rand = {ari:.3f}  "
              f"structure p = {res.structure.get('p_value', float('nan')):.3f}")
        print(f"          stability (mean Jaccard): {stability}")
        for w in caught:
            if issubclass(w.category, ClusterWarning):
                print(f"          warning: {w.message}")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(f"seconds: {total:.2f} (target: under 60)")


if __name__ == "__main__":
    main()
