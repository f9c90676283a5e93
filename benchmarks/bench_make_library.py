#!/usr/bin/env python
"""Benchmark: seconds to generate a large synthetic library with ``make_library``.

Default: 2,000 alliances, 2 waves, 10 to 16 respondents per alliance and wave, every practice of the built-in
framework (19): about 1,000,000 ratings, written with dossiers and outcomes into a temporary folder.

Usage::

    python benchmarks/bench_make_library.py [--alliances 2000] [--waves 2] [--respondents 10 16] [--repeat 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from alliance_research.datasets import make_library


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alliances", type=int, default=2000)
    parser.add_argument("--profiles", type=int, default=4)
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--respondents", type=int, nargs=2, default=(10, 16), metavar=("MIN", "MAX"))
    parser.add_argument("--repeat", type=int, default=1, help="runs; the best time is reported")
    args = parser.parse_args(argv)

    times = []
    for run in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            make_library(tmp, args.alliances, args.profiles, n_waves=args.waves, respondents=tuple(args.respondents),
                         random_state=run)
            times.append(time.perf_counter() - start)
            data = Path(tmp) / "data"
            with open(data / "responses.csv", "rb") as f:
                n_ratings = sum(1 for _ in f) - 1
            n_dossiers = len(list((Path(tmp) / "casestudies").glob("*.md")))
            size_mb = (data / "responses.csv").stat().st_size / 1e6
    print(f"make_library: {args.alliances} alliances ({n_dossiers} dossiers), {args.waves} waves, "
          f"{args.respondents[0]}-{args.respondents[1]} respondents per alliance-wave: {n_ratings:,} ratings "
          f"({size_mb:.0f} MB responses.csv)")
    print(f"seconds: {min(times):.2f} (best of {len(times)})")


if __name__ == "__main__":
    main()
