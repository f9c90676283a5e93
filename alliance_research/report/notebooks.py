"""Running the project's notebooks with papermill, and turning them into report pages.

The notebooks (``notebooks/`` in the repository, numbered in reading order) each have one cell tagged
``parameters``. The report runs them with papermill's Python API, one process per notebook and up to ``jobs``
at a time, after checking that every parameter it passes is declared by the notebook (papermill itself only
warns about unknown parameters, so a renamed parameter would silently keep its default).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..paths import EXAMPLE_LIBRARY

__all__ = ["NOTEBOOK_DIR", "list_notebooks", "notebook_parameters", "notebook_requires", "notebook_title",
           "check_parameters", "run_notebooks", "submit_notebooks", "RunningNotebooks", "notebook_to_html"]

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


def notebook_requires(path: str | Path) -> list[str]:
    """What a notebook needs of a library besides ratings (``["outcomes"]``, ...), from its metadata
    (``metadata.alliance_research.requires``): the report leaves out a notebook whose needs the library lacks."""
    import nbformat

    meta = nbformat.read(str(path), as_version=4).metadata.get("alliance_research", {})
    return list(meta.get("requires", []))


def notebook_title(path: str | Path) -> str:
    """The notebook's first Markdown heading, else its file name."""
    import nbformat

    for cell in nbformat.read(str(path), as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return Path(path).stem


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


def _execute(source: str, target: str, parameters: dict, cwd: str, html: dict | None = None) -> str:
    import papermill

    from .kernel import LocalKernelManager

    papermill.execute_notebook(source, target, parameters=parameters, kernel_name="python3", progress_bar=False,
                               cwd=cwd, kernel_manager_class=LocalKernelManager,
                               request_save_on_cell_execute=False)  # written once, at the end
    if html is not None:  # here, in the worker: the pages are made in parallel too
        notebook_to_html(target, Path(target).with_suffix(".html"), **html)
    return target


def submit_notebooks(plan: dict[Path, dict], out: str | Path, executor, *, html: dict | None = None,
                     progress: bool = False) -> "RunningNotebooks":
    """Submit each notebook of ``plan`` to ``executor`` (a process pool), to be executed into ``out``, and return
    at once; :meth:`RunningNotebooks.wait` waits for them. Parameters are checked first
    (:func:`check_parameters`); ``html`` as in :func:`run_notebooks`. With ``progress`` a bar counts the
    notebooks as they finish, whatever else the pool is doing meanwhile."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    check_parameters(plan)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(plan), desc="notebooks", unit="notebook")
    futures = {}
    for path, parameters in plan.items():
        future = executor.submit(_execute, str(path), str(out / path.name), parameters, str(out),
                                 None if html is None else {"title": notebook_title(path), **html})
        if bar is not None:
            future.add_done_callback(lambda _, bar=bar, name=path.name: (bar.update(1), bar.set_postfix_str(name)))
        futures[future] = path
    return RunningNotebooks(futures, bar)


class RunningNotebooks:
    """The notebooks :func:`submit_notebooks` submitted: ``futures`` (future -> notebook, in plan order)."""

    def __init__(self, futures: dict, bar=None):
        self.futures, self._bar = futures, bar

    def wait(self) -> list[Path]:
        """Wait for every notebook; re-raises the first failure (papermill's message names the cell). Returns
        the executed notebooks, in plan order."""
        try:
            return [Path(future.result()) for future in self.futures]
        finally:
            if self._bar is not None:
                self._bar.close()


def run_notebooks(plan: dict[Path, dict], out: str | Path, *, jobs: int | None = None,
                  progress: bool = False, html: dict | None = None) -> list[Path]:
    """Execute each notebook of ``plan`` (path -> parameters) into ``out``, ``jobs`` at a time.

    Parameters are checked first (:func:`check_parameters`). Each run happens in its own process with the
    notebook's own kernel, with ``out`` as working directory. With ``html`` (keyword arguments of
    :func:`notebook_to_html`, or ``{}``) each executed notebook also gets its HTML page beside it, ``title``
    defaulting to the notebook's first heading. Returns the executed notebooks, in plan order.
    """
    check_parameters(plan)
    jobs = max(1, jobs or os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=min(jobs, len(plan) or 1)) as pool:
        return submit_notebooks(plan, out, pool, html=html, progress=progress).wait()


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
