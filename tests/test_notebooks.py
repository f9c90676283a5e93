"""The notebooks regenerate cleanly for another library with other parameters, from any working folder.

nbval (``make test``) checks the committed notebooks against their stored outputs, which come from the example
library. Here every notebook is run with papermill's Python API, from a folder that is neither the repository
nor the library, against a small synthetic library and with every parameter away from its default; the tests
check that each notebook honours its parameters and writes exactly the files it promises, with the content the
package itself computes for those parameters. The notebooks run once, in parallel, in a module-scoped fixture.
"""

from __future__ import annotations

import ast
import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

import alliance_research as ar
from alliance_research.report import tables as outputs, writeups
from alliance_research.analysis import analyse, save_analysis
from alliance_research.datasets import make_library

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

#: Each notebook's parameters, in the order of its ``parameters`` cell.
PARAMETERS = {
    "01-explore-library.ipynb": ["library", "out_dir", "seed"],
    "02-scoring.ipynb": ["library", "out_dir", "seed", "n_boot", "aggregate", "analysis_file"],
    "03-clustering.ipynb": ["library", "out_dir", "seed", "method", "k", "cluster_boot", "analysis_file"],
    "04-alliance-writeup.ipynb": ["library", "out_dir", "seed", "method", "k", "alliance_id", "analysis_file"],
    "05-synthesis.ipynb": ["library", "out_dir", "seed", "method", "k", "analysis_file"],
    "06-configurations.ipynb": ["library", "out_dir", "seed", "kpi", "conditions", "incl_cut", "pri_cut", "n_cut",
                                "outcome_anchors", "analysis_file"],
    "07-workshop.ipynb": ["library", "out_dir", "seed", "workbooks", "interactive", "analysis_file"],
    "08-instrument.ipynb": ["library", "out_dir", "seed", "wave", "analysis_file"],
}
#: A value other than the default for every parameter but ``library`` and ``out_dir`` (set per run).
CHOSEN = {"seed": 5, "n_boot": 200, "aggregate": "median", "method": "ward", "k": 2, "cluster_boot": 50,
          "alliance_id": "syn-0003", "kpi": "accident_frequency_rate",
          "conditions": ["integrated-organisation", "team-performance-management"], "incl_cut": 0.75, "pri_cut": 0.6,
          "n_cut": 2, "outcome_anchors": [0.25, 0.21, 0.17], "interactive": True, "wave": 1}
N_ALLIANCES, N_WAVES = 12, 2


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def _outputs(nb: nbformat.NotebookNode):
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield from ((cell, output) for output in cell.get("outputs", []))


def _text(nb: nbformat.NotebookNode) -> str:
    """Everything a reader sees printed or displayed as text."""
    parts = []
    for _, output in _outputs(nb):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/markdown", output.data.get("text/plain", "")))
    return "\n".join(parts)


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def _assert_images_resolve(page: Path) -> int:
    """Every image of a Markdown or HTML page is a file beside it (links to other report pages are not checked:
    a notebook writes one page, the report all of them). Returns the number of images."""
    text = page.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text) + re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', text)
    missing = [image for image in images if not (page.parent / image).is_file()]
    assert not missing, f"{page.name} shows missing images: {missing}"
    return len(images)


# ---------------------------------------------------------------------------------------------------------------
# the notebooks as committed


def test_the_notebooks_are_the_expected_ones():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(PARAMETERS)


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_one_parameters_cell_of_plain_values(name):
    nb = _read(name)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name}: {len(tagged)} cells tagged 'parameters'"
    assert tagged[0] is code[0], f"{name}: the parameters cell is not the first code cell"
    names = []
    for statement in ast.parse(tagged[0].source).body:
        assert isinstance(statement, ast.Assign) and len(statement.targets) == 1, ast.unparse(statement)
        ast.literal_eval(statement.value)  # a plain value: nothing computed, imported or read
        names.append(statement.targets[0].id)
    assert names == PARAMETERS[name]
    assert list(papermill.inspect_notebook(str(NOTEBOOKS / name))) == PARAMETERS[name]
    assert nb.metadata.kernelspec.name == "python3" and nb.nbformat == 4


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_stored_outputs_are_text_and_png_without_warnings(name):
    """What nbval compares: every cell executed, no errors or warnings, no HTML reprs, figures as PNG only."""
    nb = _read(name)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code), f"{name}: not executed top to bottom (run `make notebooks`)"
    for cell, output in _outputs(nb):
        assert output.output_type != "error", f"{name}: error in cell {cell.id}"
        assert not (output.output_type == "stream" and output.name == "stderr"), \
            f"{name}: cell {cell.id} writes to stderr: {output.text[:200]!r}"
        kinds = set(output.get("data", {}))
        assert kinds <= {"text/plain", "text/markdown", "image/png"}, f"{name}: cell {cell.id} shows {kinds}"
    assert "papermill" not in nb.metadata, f"{name}: refresh with `make notebooks` (no run metadata)"


# ---------------------------------------------------------------------------------------------------------------
# the notebooks run against a synthetic library


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    library = tmp_path_factory.mktemp("synthetic") / "library"
    make_library(library, n_alliances=N_ALLIANCES, n_profiles=2, n_waves=N_WAVES, random_state=3)
    return library


#: The room of filled workbooks the workshop notebook reads: (organisation type, answer to every practice). Three
#: on each side, the fewest for which the page compares client and partners (workshop.MIN_PER_SIDE).
ROOM = [("client", 1), ("client", 2), ("client", 0), ("contractor", 3), ("designer", 3), ("supplier", 4)]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> Path:
    """A folder of filled workshop workbooks (not simulated), for the workshop notebook's ``workbooks``."""
    from alliance_research import workshop

    folder = tmp_path_factory.mktemp("workbooks")
    fw = ar.load_framework()
    template = workshop.write_template(folder / "template.xlsx", fw)
    for i, (org_type, score) in enumerate(ROOM, start=1):
        workshop.fill_workbook(template, folder / f"table-{i}.xlsx", dict.fromkeys(fw.practice_ids, score),
                               alliance="Test Alliance", organisation_type=org_type)
    template.unlink()
    return folder


@pytest.fixture(scope="module")
def runs(synthetic, workbooks, analysis, tmp_path_factory) -> dict[str, Future]:
    """Each notebook run once with papermill; a future per notebook, holding ``(executed notebook, out_dir)``.

    Notebooks 04 and 05 are handed the analysis saved from the ``analysis`` fixture (``analysis_file``, as the
    report does); the others compute their own (as a notebook run alone does)."""
    tmp = tmp_path_factory.mktemp("notebook-runs")
    elsewhere = tmp / "elsewhere"  # the kernels' working folder: neither the repository nor the library
    elsewhere.mkdir()
    saved = save_analysis(analysis, tmp / "analysis.pickle")

    def run(name: str):
        out = tmp / "out" / Path(name).stem
        parameters = {key: CHOSEN[key] for key in PARAMETERS[name] if key in CHOSEN}
        parameters |= {"library": str(synthetic), "out_dir": str(out)}
        if name in ("04-alliance-writeup.ipynb", "05-synthesis.ipynb"):
            parameters["analysis_file"] = str(saved)
        if "workbooks" in PARAMETERS[name]:
            parameters["workbooks"] = str(workbooks)
        nb = papermill.execute_notebook(str(NOTEBOOKS / name), str(tmp / name), parameters=parameters,
                                        kernel_name="python3", cwd=str(elsewhere), progress_bar=False)
        return nb, out

    # papermill enters `cwd` and returns to the previous folder around each run; starting every thread from the
    # same folder keeps concurrent runs from "returning" each other into the wrong one.
    previous = os.getcwd()
    os.chdir(elsewhere)
    try:
        with ThreadPoolExecutor(max_workers=min(len(PARAMETERS), max(2, os.cpu_count() or 1))) as pool:
            futures = {name: pool.submit(run, name) for name in PARAMETERS}
            for future in futures.values():
                future.exception()  # wait for all of them
    finally:
        os.chdir(previous)
    return futures


@pytest.fixture(scope="module")
def analysis(synthetic):
    """What notebooks 04 and 05 compute for the chosen parameters."""
    return analyse(ar.load_library(synthetic), method=CHOSEN["method"], k=CHOSEN["k"], random_state=CHOSEN["seed"])


def test_every_run_is_clean(runs):
    for name, future in runs.items():
        nb, _ = future.result()  # re-raises papermill's error, with the failing cell, if a run failed
        for cell, output in _outputs(nb):
            assert not (output.output_type == "stream" and output.name == "stderr"), \
                f"{name}: cell {cell.id} writes to stderr: {output.text[:300]!r}"


def test_explore_reads_the_library_it_is_given_and_writes_nothing(runs, synthetic):
    nb, out = runs["01-explore-library.ipynb"].result()
    text = _text(nb)
    assert f"Library {synthetic} is valid" in text
    assert f"alliances    {N_ALLIANCES} (" in text
    assert _files(out) == set()


def test_scoring_writes_scores_and_agreement_for_its_parameters(runs, synthetic, tmp_path):
    _, out = runs["02-scoring.ipynb"].result()
    assert _files(out) == {"scores.csv", "agreement.csv"}
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == N_ALLIANCES * N_WAVES
    assert set(scores["alliance_id"]) == {f"syn-{i:04d}" for i in range(1, N_ALLIANCES + 1)}
    assert len(pd.read_csv(out / "agreement.csv")) == N_ALLIANCES * N_WAVES
    # the seed, the number of replicates and the aggregate reached the analysis: the same bytes as computed here
    a = analyse(ar.load_library(synthetic), random_state=CHOSEN["seed"], n_boot=CHOSEN["n_boot"],
                aggregate=CHOSEN["aggregate"])
    tables = outputs.analysis_tables(a)
    outputs.write_tables({name: tables[name] for name in ("scores.csv", "agreement.csv")}, tmp_path)
    for name in ("scores.csv", "agreement.csv"):
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_clustering_writes_clusters_with_the_chosen_method_and_k(runs, analysis):
    nb, out = runs["03-clustering.ipynb"].result()
    assert _files(out) == {"clusters.csv"}
    clusters = pd.read_csv(out / "clusters.csv")
    assert len(clusters) == N_ALLIANCES
    assert sorted(clusters["cluster"].unique()) == list(range(CHOSEN["k"]))
    expected = analysis.cluster_of.rename("cluster").rename_axis("alliance_id").reset_index()
    pd.testing.assert_frame_equal(clusters[["alliance_id", "cluster"]], expected, check_dtype=False)
    dendrogram = [cell for cell in nb.cells if "plot_dendrogram" in cell.source]
    assert any("image/png" in output.get("data", {}) for output in dendrogram[0].outputs), "no dendrogram for ward"


def test_writeup_writes_the_chosen_alliance(runs, analysis):
    alliance = CHOSEN["alliance_id"]
    nb, out = runs["04-alliance-writeup.ipynb"].result()
    assert _files(out) == {f"alliances/{alliance}.md", f"alliances/{alliance}.html",
                           f"figures/{alliance}-practice-scores.png", f"figures/{alliance}-profile.png"}
    name = analysis.library.alliances.set_index("alliance_id").loc[alliance, "name"]
    page = (out / "alliances" / f"{alliance}.md").read_text(encoding="utf-8")
    assert page.startswith(f"# {name}")
    assert f"# {name}" in _text(nb)  # and the notebook shows it
    links = {"scores": f"../figures/{alliance}-practice-scores.png", "profile": f"../figures/{alliance}-profile.png"}
    assert page == writeups.render_alliance(analysis, alliance, figures=links)
    for fmt in ("md", "html"):
        assert _assert_images_resolve(out / "alliances" / f"{alliance}.{fmt}") == len(links)
    assert name in (out / "alliances" / f"{alliance}.html").read_text(encoding="utf-8")


def test_synthesis_writes_the_synthesis_with_its_figures(runs, analysis):
    _, out = runs["05-synthesis.ipynb"].result()
    kpis = analysis.library.kpis["kpi"].tolist()
    figures = {"cluster-map.png", "cluster-profiles.png", "cluster-heatmap.png", "dendrogram.png"}
    figures |= {f"kpi-{kpi}.png" for kpi in kpis}
    assert _files(out) == {"synthesis.md", "synthesis.html"} | {f"figures/{name}" for name in figures}
    page = (out / "synthesis.md").read_text(encoding="utf-8")
    assert f"across {N_ALLIANCES} alliances" in page
    links = {"map": "figures/cluster-map.png", "profiles": "figures/cluster-profiles.png",
             "heatmap": "figures/cluster-heatmap.png", "dendrogram": "figures/dendrogram.png",
             "kpis": {kpi: f"figures/kpi-{kpi}.png" for kpi in kpis}}
    assert page == writeups.render_synthesis(analysis, figures=links)
    for fmt in ("md", "html"):
        assert _assert_images_resolve(out / f"synthesis.{fmt}") >= 2 + len(kpis)  # map, profiles and the KPIs


def test_configurations_writes_the_qca_of_the_chosen_kpi_and_conditions(runs, synthetic):
    nb, out = runs["06-configurations.ipynb"].result()
    assert _files(out) == {"qca_data.csv", "qca_truth_table.csv", "qca_terms.csv"}
    lib = ar.load_library(synthetic)
    ld = ar.qca.library_data(ar.score_library(lib, n_boot=0), lib.outcomes, lib.kpis, CHOSEN["kpi"],
                             conditions=CHOSEN["conditions"], outcome_anchors=CHOSEN["outcome_anchors"])
    assert ld.conditions == ["IO", "TPM"]
    data = pd.read_csv(out / "qca_data.csv")
    assert list(data.columns) == ["alliance_id", "IO", "TPM", CHOSEN["kpi"], "IO_membership", "TPM_membership",
                                  f"{CHOSEN['kpi']}_membership"]
    pd.testing.assert_series_equal(data.set_index("alliance_id")[f"{CHOSEN['kpi']}_membership"],
                                   ld.data[CHOSEN["kpi"]].rename(f"{CHOSEN['kpi']}_membership"), atol=1e-4,
                                   check_index_type=False)
    tt = ar.qca.truth_table(ld.data, ld.outcome, ld.conditions, incl_cut=CHOSEN["incl_cut"], pri_cut=CHOSEN["pri_cut"],
                            n_cut=CHOSEN["n_cut"], in_kind=True)
    table = pd.read_csv(out / "qca_truth_table.csv", dtype={"row": str, "out": str})
    assert list(table["row"]) == list(tt.table["row"]) and list(table["out"]) == list(tt.table["out"])
    assert (table["n"] >= 1).all() and ((table["n"] < CHOSEN["n_cut"]) == (table["out"] == "?")).all()
    terms = pd.read_csv(out / "qca_terms.csv", keep_default_na=False)
    assert set(terms["solution"]) <= {"conservative", "intermediate", "parsimonious"}
    expected = ar.qca.minimise(tt, "parsimonious").expression
    assert " + ".join(terms.loc[terms["solution"] == "parsimonious", "term"]) == expected
    assert "- with n = " in _text(nb) and "the anchors of" not in _text(nb)  # given anchors: no percentile caveat


def test_the_report_leaves_out_configurations_without_outcomes(small_library):
    from types import SimpleNamespace

    from alliance_research.report import notebook_plan

    lib = ar.load_library(small_library)
    a = SimpleNamespace(latest=ar.score_library(lib, n_boot=0).latest(), request={})  # what the plan reads
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert NOTEBOOKS / "06-configurations.ipynb" in notebook_plan(lib, a, random_state=0, method="kmeans", k=1,
                                                                 notebooks=paths)
    (small_library / "data" / "outcomes.csv").write_text("alliance_id,year,kpi,value\n", encoding="utf-8")
    lib = ar.load_library(small_library)
    plan = notebook_plan(lib, a, random_state=0, method="kmeans", k=1, notebooks=paths)
    assert NOTEBOOKS / "06-configurations.ipynb" not in plan and len(plan) == len(paths) - 1


def test_workshop_scores_the_workbooks_it_is_given_and_writes_the_page(runs, synthetic, workbooks):
    from alliance_research import workshop

    nb, out = runs["07-workshop.ipynb"].result()
    assert _files(out) == {"workshop/room.html", "workshop/figures/room-profile.png",
                           "workshop/figures/room-gaps.png"}
    text = _text(nb)
    assert "The room: 6 participants (3 client, 1 contractor, 1 designer, 1 supplier) rating 1 alliance." in text
    assert "Partners minus client, maturity index: +2.3" in text
    assert "simulated" not in text.lower()
    # the page is what the package makes of these workbooks with the chosen seed, linking the report's write-ups
    lib = ar.load_library(synthetic)
    room = workshop.score_room(workshop.read_workbooks(workbooks, lib.framework),
                               analyse(lib, random_state=CHOSEN["seed"]), random_state=CHOSEN["seed"])
    figures = {"profile": "figures/room-profile.png", "gaps": "figures/room-gaps.png"}
    page = (out / "workshop" / "room.html").read_text(encoding="utf-8")
    assert page == workshop.render_room(room, out / "workshop", link_base="../alliances/", figures=figures)
    assert _assert_images_resolve(out / "workshop" / "room.html") == 2
    for alliance_id in room.cases["alliance_id"]:
        assert f'href="../alliances/{alliance_id}.html"' in page
    # interactive = True under papermill: the sliders were built and shown (a widget view, not an error)
    live = [cell for cell in nb.cells if "room_widget" in cell.source][0]
    assert any("application/vnd.jupyter.widget-view+json" in output.get("data", {}) for output in live.outputs)


def test_the_report_refuses_parameters_a_notebook_does_not_declare():
    from alliance_research.report.notebooks import check_parameters, list_notebooks

    notebooks = list_notebooks(NOTEBOOKS)
    plan = {path: {"library": "", "seed": 1} for path in notebooks}
    check_parameters(plan)  # declared everywhere: fine
    plan[notebooks[0]] = {"library": "", "n_boots": 10}
    with pytest.raises(ValueError, match=r"01-explore-library.ipynb does not declare n_boots"):
        check_parameters(plan)


def test_instrument_shows_the_chosen_wave_and_writes_its_table(runs, synthetic):
    from alliance_research.analysis import analysis_for

    nb, out = runs["08-instrument.ipynb"].result()
    assert _files(out) == {"instrument.csv"}
    text = _text(nb)
    assert f"Wave {CHOSEN['wave']} of {N_WAVES}:" in text
    assert "Respondents are nested in alliances" in text  # what the figures describe, always said
    a = analysis_for(synthetic, None, random_state=CHOSEN["seed"])
    expected = a.instrument_table
    written = pd.read_csv(out / "instrument.csv", keep_default_na=False, na_values=[""])
    assert list(written.columns) == list(expected.columns) and len(written) == len(expected)
    pd.testing.assert_series_equal(written["value"], expected["value"].astype(float), atol=1e-4,
                                   check_names=False)
    q = {q.wave: q for q in a.instrument}[CHOSEN["wave"]]
    assert (q.refusal is None) == ("No CFA and no omega" not in text)
