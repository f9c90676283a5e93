"""``alliance-research report``: every output of a library, written all at once or not at all.

The report folder is built in a temporary folder beside it and swapped into place only when every stage
succeeded. A folder is only ever replaced if it is empty or holds a previous report (marked by
``.alliance-research-report``), so pointing ``--out`` at a folder of your own cannot wipe it.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..analysis import analyse, save_analysis
from ..files import check_replaceable, staged_folder
from ..library import Library
from .notebooks import (check_parameters, list_notebooks, notebook_parameters, notebook_requires, notebook_title,
                        submit_notebooks)
from .pages import environment
from .tables import analysis_tables, write_tables
from .writeups import prepare_worker, render_all

__all__ = ["build_report", "notebook_plan", "MARKER"]

#: The file that marks a folder as a report this tool may replace.
MARKER = ".alliance-research-report"


def notebook_plan(library: Library, a, *, random_state: int, method: str, k: int | None,
                  notebooks: list[Path] | None = None, analysis_file: str | Path | None = None) -> dict[Path, dict]:
    """The parameters the report passes to each notebook: those it declares (papermill's inspection) of the
    report's values.

    The values: ``library``, ``out_dir`` (empty: the report writes its own files), ``seed``, ``analysis_file``
    (the analysis saved once for all notebooks, :func:`~alliance_research.analysis.save_analysis`), the options
    the analysis was made with (``method``, ``k``, ``n_boot``, ``cluster_boot``, ...) and ``alliance_id`` (the
    first rated alliance, for a notebook about one alliance). A notebook that needs what the library lacks
    (:func:`~alliance_research.report.notebooks.notebook_requires`, e.g. outcomes) is left out.
    """
    first = sorted(a.latest.maturity["alliance_id"])[0]
    values = {**a.request, "method": method, "k": k, "library": str(library.path), "out_dir": "",
              "seed": random_state, "alliance_id": first, "analysis_file": str(analysis_file or "")}
    values.pop("random_state", None)  # the notebooks call it seed
    has = {"outcomes": bool(len(library.outcomes))}
    plan = {}
    for path in notebooks if notebooks is not None else list_notebooks():
        if not all(has.get(need, False) for need in notebook_requires(path)):
            continue
        declared = notebook_parameters(path)
        plan[path] = {name: value for name, value in values.items() if name in declared}
    return plan


def build_report(library: Library, out: str | Path, *, random_state: int = 0, method: str = "kmeans",
                 k: int | None = None, n_boot: int = 1000, jobs: int | None = None,
                 notebooks: list[Path] | None = None, progress: bool = True) -> list[Path]:
    """Analyse ``library`` and write the report folder ``out``; returns the files written (inside ``out``).

    Stages: the analysis (:func:`~alliance_research.analysis.analyse`, once: it is saved and handed to every
    notebook), the tables (:func:`~alliance_research.report.tables.analysis_tables`), then in one pool of
    ``jobs`` processes the notebooks (papermill, their parameters checked first, an HTML page each) and the
    write-ups with their figures (:func:`~alliance_research.report.writeups.render_all`), and ``index.html``.
    ``notebooks`` defaults to the repository's ``notebooks/*.ipynb`` (none in an installed package).
    """
    out = Path(out)
    check_replaceable(out, MARKER)
    notebooks = list_notebooks() if notebooks is None else list(notebooks)
    stages = ["analyse", "tables", "write-ups and notebooks", "index"]
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(stages), desc="report", unit="stage")
    try:
        with staged_folder(out, marker=MARKER, note="written by alliance-research report\n") as tmp, \
                tempfile.TemporaryDirectory(prefix="alliance-research-") as scratch:
            a = analyse(library, method=method, k=k, random_state=random_state, n_boot=n_boot)
            saved = Path(scratch) / "analysis.pickle"
            plan = notebook_plan(library, a, random_state=random_state, method=method, k=k, notebooks=notebooks,
                                 analysis_file=saved)
            check_parameters(plan)  # before any work that takes time
            _step(bar, "tables")
            tables = analysis_tables(a)  # computes what the analysis computes on first use (the selective tests)
            save_analysis(a, saved)  # so the notebooks are handed everything, computed once
            write_tables(tables, tmp)
            _step(bar, "write-ups and notebooks")
            # One pool for both: the notebooks (the longest tasks) first, then the alliances' pages, while this
            # process draws the synthesis figures, so that no core waits for the other's last task.
            jobs = max(1, jobs or os.cpu_count() or 1)
            with ProcessPoolExecutor(max_workers=jobs, initializer=prepare_worker, initargs=(a,)) as pool:
                running = submit_notebooks(plan, tmp / "notebooks", pool, html={"back_link": "../index.html"},
                                           progress=progress)
                render_all(a, tmp, progress=progress, executor=pool)
                executed = running.wait()
            pages = [{"title": notebook_title(path), "html": f"notebooks/{path.stem}.html",
                      "ipynb": f"notebooks/{path.name}"} for path in executed]
            _step(bar, "index")
            _write_index(a, tmp, tables=sorted(tables), notebooks=pages)
            _step(bar, None)
    finally:
        if bar is not None:
            bar.close()
    return sorted(p for p in out.rglob("*") if p.is_file())


def _write_index(a, folder: Path, *, tables: list[str], notebooks: list[dict]) -> Path:
    lib = a.library
    summary = lib.summary()
    names = dict(zip(lib.alliances["alliance_id"], lib.alliances["name"]))
    sectors = dict(zip(lib.alliances["alliance_id"], lib.alliances["sector"]))
    rows = a.latest.maturity.merge(a.cluster_of.rename("cluster").reset_index(), on="alliance_id")
    rows = rows.sort_values(["maturity_index", "alliance_id"], ascending=[False, True], kind="mergesort")
    alliances = [{"id": r.alliance_id, "name": names.get(r.alliance_id, r.alliance_id),
                  "sector": sectors.get(r.alliance_id, ""), "index": r.maturity_index, "low": r.ci_low,
                  "high": r.ci_high, "level": r.level_name, "cluster": int(r.cluster),
                  "cluster_name": a.clusters.names[int(r.cluster)]} for r in rows.itertuples()]
    fictional = bool(lib.alliances["fictional"].fillna(False).astype(bool).all())
    sector_text = ", ".join(f"{n} {s}" for s, n in sorted(summary["sectors"].items()))
    cluster_map = "figures/cluster-map.png" if (folder / "figures" / "cluster-map.png").exists() else None
    page = environment("html").get_template("index.html.j2").render(
        title=("Example library" if fictional else "Alliance library") + ": integration maturity report",
        framework=lib.framework.title, fictional=fictional, summary=summary, sectors=sector_text,
        n_clusters=a.clusters.k, method=a.clusters.method, verdict_word=a.clusters.verdict.split(":")[0],
        scale_max=lib.framework.max_score, cluster_map=cluster_map, alliances=alliances, notebooks=notebooks,
        tables=tables, cluster_caveats=a.caveats_for("clusters", omit_verdict=True))
    target = folder / "index.html"
    target.write_text(page, encoding="utf-8", newline="\n")
    return target


def _step(bar, name: str | None) -> None:
    if bar is not None:
        bar.update(1)
        if name:
            bar.set_postfix_str(name)
