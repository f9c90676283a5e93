"""``alliance-research report``: every output of a library, written all at once or not at all.

The report folder is built in a temporary folder beside it and swapped into place only when every stage
succeeded. A folder is only ever replaced if it is empty or holds a previous report (marked by
``.alliance-research-report``), so pointing ``--out`` at a folder of your own cannot wipe it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .analysis import analyse
from .library import Library
from .outputs import analysis_tables, write_tables
from .writeups import render_all

__all__ = ["build_report", "MARKER"]

#: The file that marks a folder as a report this tool may replace.
MARKER = ".alliance-research-report"


def _check_replaceable(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise OSError(f"refusing to replace {out}: it is not empty and was not written by alliance-research "
                      f"(no {MARKER} in it); choose another --out")


def build_report(library: Library, out: str | Path, *, random_state: int = 0, method: str = "kmeans",
                 k: int | None = None, n_boot: int = 1000, progress: bool = True) -> list[Path]:
    """Analyse ``library`` and write the report folder ``out``; returns the files written (inside ``out``).

    Stages: the analysis (:func:`~alliance_research.analysis.analyse`), the tables
    (:func:`~alliance_research.outputs.analysis_tables`), the write-ups and their figures
    (:func:`~alliance_research.writeups.render_all`).
    """
    out = Path(out)
    _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stages = ["analyse", "tables", "write-ups"]
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(stages), desc="report", unit="stage")
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-new-"))
    try:
        a = analyse(library, method=method, k=k, random_state=random_state, n_boot=n_boot)
        _step(bar, "tables")
        write_tables(analysis_tables(a), tmp)
        _step(bar, "write-ups")
        render_all(a, tmp)
        (tmp / MARKER).write_text("written by alliance-research report\n", encoding="utf-8")
        _step(bar, None)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    return sorted(p for p in out.rglob("*") if p.is_file())


def _step(bar, name: str | None) -> None:
    if bar is not None:
        bar.update(1)
        if name:
            bar.set_postfix_str(name)


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` where ``out`` is, replacing a previous report."""
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-old-"))
        os.replace(out, old / "report")
        os.replace(new, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, out)
