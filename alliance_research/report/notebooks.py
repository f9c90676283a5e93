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

__all__ = ["NOTEBOOK_DIR", "list_notebooks", "notebook_parameters", "notebook_requires", "notebook_title",
           "check_parameters", "run_notebooks", "notebook_to_html"]

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


def _kernel_manager_class():
    """The kernel manager the report runs notebooks with: jupyter_client's, over local IPC sockets.

    Two changes from the default, both so that the analyst's terminal shows only the report's progress: IPC
    transport (the kernel is on this machine, so TCP is not needed, and the kernel warns that TCP is
    unencrypted), and no interrupt before the shutdown request at the end (the kernel is idle by then, and an
    interrupt makes it log "KeyboardInterrupt caught in kernel" as an error).
    """
    import shutil
    import tempfile

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    class LocalKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc")

        @default("ip")
        def _socket_path(self) -> str:
            # the sockets in a folder of this kernel's own: notebooks run side by side must never share one
            self._socket_dir = tempfile.mkdtemp(prefix="alliance-research-kernel-")
            return os.path.join(self._socket_dir, "kernel")

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and getattr(self, "_socket_dir", None):
                shutil.rmtree(self._socket_dir, ignore_errors=True)

    return LocalKernelManager


def _execute(source: str, target: str, parameters: dict, cwd: str, html: dict | None = None) -> str:
    import papermill

    papermill.execute_notebook(source, target, parameters=parameters, kernel_name="python3", progress_bar=False,
                               cwd=cwd, kernel_manager_class=_kernel_manager_class())
    if html is not None:  # here, in the worker: the pages are made in parallel too
        notebook_to_html(target, Path(target).with_suffix(".html"), **html)
    return target


def run_notebooks(plan: dict[Path, dict], out: str | Path, *, jobs: int | None = None,
                  progress: bool = False, html: dict | None = None) -> list[Path]:
    """Execute each notebook of ``plan`` (path -> parameters) into ``out``, ``jobs`` at a time.

    Parameters are checked first (:func:`check_parameters`). Each run happens in its own process with the
    notebook's own kernel, with ``out`` as working directory. With ``html`` (keyword arguments of
    :func:`notebook_to_html`, or ``{}``) each executed notebook also gets its HTML page beside it, ``title``
    defaulting to the notebook's first heading. Returns the executed notebooks, in plan order.
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
            futures = {pool.submit(_execute, str(path), str(targets[path]), parameters, str(out),
                                   None if html is None else {"title": notebook_title(path), **html}): path
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
