#!/usr/bin/env python
"""Benchmark: how fast the package and the command line start.

Each figure is the median of several fresh processes, as an analyst or a notebook meets them. Targets on the
project's 2-core machine: ``alliance-research --help`` at most 0.3 s, ``import alliance_research`` at most
0.6 s, ``alliance-research validate`` on the example library at most 2 s.

Usage::

    python benchmarks/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def timed(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "alliance_research"]
    cases = [("alliance-research --help", cli + ["--help"], 0.3),
             ("import alliance_research", [sys.executable, "-c", "import alliance_research"], 0.6),
             ("alliance-research validate (example library)", cli + ["validate"], 2.0)]
    for label, command, target in cases:
        seconds = timed(command, args.repeat)
        print(f"{label}: {seconds:.2f} s (target: at most {target:g}; median of {args.repeat})")


if __name__ == "__main__":
    main()
