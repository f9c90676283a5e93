#!/usr/bin/env python
"""Benchmark: seconds to load and validate a large library with ``load_library``.

Default: a synthetic library of 2,000 alliances, 2 waves and 10 to 16 respondents per alliance and wave
(about 1,000,000 ratings and 2,000 dossiers), generated into a temporary folder first.

Usage::

    python benchmarks/bench_load_library.py [--alliances 2000] [--waves 2] [--respondents 10 16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import alliance_research as ar
from alliance_research.datasets import make_library


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alliances", type=int, default=2000)
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--respondents", type=int, nargs=2, default=(10, 16), metavar=("MIN", "MAX"))
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best time is reported")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        make_library(tmp, args.alliances, n_waves=args.waves, respondents=tuple(args.respondents), random_state=0)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            lib = ar.load_library(tmp)
            times.append(time.perf_counter() - start)
    print(f"load_library: {len(lib.alliances)} dossiers, {len(lib.responses):,} ratings, "
          f"{len(lib.outcomes):,} outcome values")
    print(f"seconds: {min(times):.2f} (best of {len(times)})")


if __name__ == "__main__":
    main()
