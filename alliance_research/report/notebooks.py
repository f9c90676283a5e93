"""Running the project's notebooks with papermill, and turning them into report pages.

The notebooks (``notebooks/`` in the repository, numbered in reading order) each have one cell tagged
``parameters``. The report runs them with papermill's Python API, one process per notebook and up to ``jobs``
at a time, after checking that every parameter it passes is declared by the notebook (papermill itself only
warns about unknown parameters, so a renamed parameter would silently keep its default).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from ..paths import EXAMPLE_LIBRARY

__all__ = ["NOTEBOOK_DIR", "list_notebooks", "notebook_parameters", "check_parameters", "run_notebooks",
           "notebook_to_html"]

#: Where the notebooks live: ``notebooks/`` beside the package in a source checkout.
NOTEBOOK_DIR = EXAMPLE_LIBRARY / "notebooks"


def list_notebooks(folder: str | Path = NOTEBOOK_DIR) -> list[Path]:
    """The notebooks in reading order (by file name); empty when the folder does not exist."""
    folder = Path(folder)
    return sorted(folder.glob("[0-9]*.ipynb")) if folder.is_dir() else []


def notebook_parameters(path: str | Path) -> dict[str, dict]:
    """The parameters a notebook declares in its ``parameters`` cell (name -> papermill's description)."""
    import papermill

    return dict(papermill.inspect_notebook(str(path)))


def check_parameters(plan: dict[Path, dict]) -> None:
    """Refuse parameters a notebook does not declare, for every notebook at once, before anything runs."""
    problems = []
    for path, parameters in plan.items():
        declared = notebook_parameters(path)
        unknown = sorted(set(parameters) - set(declared))
        if unknown:
            problems.append(f"{path.name} does not declare {', '.join(unknown)} "
                            f"(it declares {', '.join(declared) or 'no parameters'})")
    if problems:
        raise ValueError("unknown notebook parameters: " + "; ".join(problems))


def _execute(source: str, target: str, parameters: dict, cwd: str) -> str:
    import papermill

    papermill.execute_notebook(source, target, parameters=parameters, kernel_name="python3", progress_bar=False,
                               cwd=cwd)
    return target


def run_notebooks(plan: dict[Path, dict], out: str | Path, *, jobs: int | None = None,
                  progress: bool = False) -> list[Path]:
    """Execute each notebook of ``plan`` (path -> parameters) into ``out``, ``jobs`` at a time.

    Parameters are checked first (:func:`check_parameters`). Each run happens in its own process with the
    notebook's own kernel, with ``out`` as working directory. Returns the executed notebooks, in plan order.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    check_parameters(plan)
    jobs = max(1, jobs or os.cpu_count() or 1)
    targets = {path: out / path.name for path in plan}
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(plan), desc="notebooks", unit="notebook")
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(plan) or 1)) as pool:
            futures = {pool.submit(_execute, str(path), str(targets[path]), parameters, str(out)): path
                       for path, parameters in plan.items()}
            for future in as_completed(futures):
                future.result()  # re-raises a notebook's error, with papermill's message naming the cell
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(futures[future].name)
    finally:
        if bar is not None:
            bar.close()
    return [targets[path] for path in plan]


def notebook_to_html(path: str | Path, target: str | Path, *, hide_code: bool = True, title: str | None = None,
                     back_link: str | None = None) -> Path:
    """Convert an executed notebook to a standalone, offline HTML page (figures inline, no scripts).

    nbconvert's ``basic`` template gives the cells without any script or remote style sheet; the page around
    them is :file:`templates/notebook.html.j2`. ``hide_code`` leaves out the code cells' input, as a report page
    should.
    """
    import nbformat
    from nbconvert import HTMLExporter

    from .pages import environment

    notebook = nbformat.read(str(path), as_version=4)
    exporter = HTMLExporter(template_name="basic", exclude_input=hide_code, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook)
    title = title or Path(path).stem.replace("-", " ")
    page = environment("html").get_template("notebook.html.j2").render(title=title, body=body, back_link=back_link)
    target = Path(target)
    target.write_text(page, encoding="utf-8", newline="\n")
    return target
