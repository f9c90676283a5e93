#!/usr/bin/env python
"""Benchmark: wall time of ``alliance-research report``, and the marginal cost of one more alliance.

Runs the command line (a fresh process each time, as an analyst would) on the bundled example library and on
synthetic libraries from ``make_library`` (2 waves, dossiers and outcomes) of two sizes; the marginal cost per
extra alliance is the slope between the two synthetic sizes, so fixed costs (notebook kernels, imports, the
synthesis figures) cancel out. Targets on the project's 2-core machine: the example library in at most 20
seconds, at most 0.15 seconds per extra alliance.

Usage::

    python benchmarks/bench_report.py [--sizes 50 200] [--jobs N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alliance_research.datasets import make_library


def timed_report(library: Path | None, out: Path, jobs: int | None) -> float:
    command = [sys.executable, "-m", "alliance_research", "report", "--out", str(out)]
    if library is not None:
        command += ["--library", str(library)]
    if jobs:
        command += ["--jobs", str(jobs)]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"report failed on {library or 'the example library'}:\n{result.stderr[-3000:]}")
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=(50, 200), metavar=("SMALL", "LARGE"))
    parser.add_argument("--jobs", type=int, default=None, help="passed to the report (default: its own)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        example = timed_report(None, tmp / "example", args.jobs)
        print(f"example library (18 alliances): {example:.1f} s (target: at most 20)")
        times = {}
        for n in args.sizes:
            make_library(tmp / f"lib{n}", n, 3, n_waves=2, random_state=0)
            times[n] = timed_report(tmp / f"lib{n}", tmp / f"out{n}", args.jobs)
            print(f"synthetic library ({n} alliances, 2 waves): {times[n]:.1f} s")
    small, large = args.sizes
    slope = (times[large] - times[small]) / (large - small)
    print(f"seconds per extra alliance: {slope:.3f} (target: at most 0.15)")


if __name__ == "__main__":
    main()
