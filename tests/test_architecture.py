"""The architecture holds (docs/architecture.md): layers import only downwards, no module imports another module's
private names, no global matplotlib state, and starting up loads only what is needed.

The layer contracts live in ``.importlinter`` and are checked with import-linter; the other rules are read off
the package's syntax trees.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "alliance_research"
CONFIG = ROOT / ".importlinter"


def _modules() -> dict[str, ast.Module]:
    trees = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        trees[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return trees


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the package found under ``root`` (its own copy first on the path)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.exit(lint_imports_command())", "--config", str(root / ".importlinter"),
                           "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_layer_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_layer_contracts_fail_when_a_lower_layer_imports_a_higher_one(tmp_path):
    # A copy of the package in which the scoring statistics import the report: the contracts must catch it.
    shutil.copytree(PACKAGE, tmp_path / "alliance_research", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    scoring = tmp_path / "alliance_research" / "scoring.py"
    scoring.write_text(scoring.read_text(encoding="utf-8") + "\nfrom .report import tables  # noqa\n",
                       encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "alliance_research.scoring -> alliance_research.report.tables" in result.stdout


def _private_imports(name: str, tree: ast.Module) -> list[str]:
    """``from x import _y`` and ``module._y`` on an imported package module, where x is another module."""
    found = []
    package_aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            internal = node.level > 0 or (node.module or "").startswith("alliance_research")
            for alias in node.names:
                if internal and alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{name}: from {'.' * node.level}{node.module or ''} import {alias.name}")
                elif internal:
                    package_aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in package_aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"{name}: {node.value.id}.{node.attr}")
    return found


def test_no_module_imports_another_modules_private_names():
    found = [hit for name, tree in _modules().items() for hit in _private_imports(name, tree)]
    assert found == []


def test_the_private_name_check_catches_one():
    tree = ast.parse("from .clustering import _fill\nfrom . import report\nreport._swap()\n")
    assert _private_imports("m", tree) == ["m: from .clustering import _fill", "m: report._swap"]


def test_no_module_changes_matplotlib_global_state():
    # matplotlib.use changes a notebook user's backend; pyplot keeps figures open. Only new_axes, for a plot
    # function given no axes, draws on a pyplot figure (so that a notebook shows it).
    offenders = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "use" and getattr(node.value, "id", "") == "matplotlib":
                offenders.append(f"{name}: matplotlib.use")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                names += [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom) else []
                if "matplotlib.pyplot" in names and name != "alliance_research.plotting.style":
                    offenders.append(f"{name}: imports matplotlib.pyplot")
    assert offenders == []


@pytest.mark.parametrize("statement, unwanted", [
    ("import alliance_research", ["pandas", "numpy", "sklearn", "matplotlib", "jinja2", "alliance_research.workshop"]),
    ("import alliance_research.cli", ["pandas", "sklearn", "matplotlib", "jinja2", "papermill"]),
    ("import alliance_research as ar; ar.load_library", ["sklearn", "matplotlib", "jinja2", "papermill", "scipy"]),
])
def test_start_up_loads_only_what_it_needs(statement, unwanted):
    code = f"import sys; {statement}; print(' '.join(m for m in {unwanted!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []


def test_the_public_names_of_the_design_still_work():
    # ../shared/DESIGN.md lists these; they must survive any move into subpackages.
    import alliance_research as ar
    from alliance_research import agreement, clustering, plotting
    from alliance_research.analysis import analyse

    for name in ["load_framework", "load_library", "LibraryError", "score_library", "score_responses", "Scores",
                 "perception_gaps", "wave_changes", "qca", "workshop", "agreement", "scoring", "gaps", "trends"]:
        assert getattr(ar, name) is not None, name
    for name in ["calibrate", "truth_table", "minimise", "necessity", "library_qca"]:
        assert callable(getattr(ar.qca, name)), name
    for name in ["write_template", "fill_workbook", "read_workbooks", "score_room", "write_room", "room_widget"]:
        assert callable(getattr(ar.workshop, name)), name
    for name in ["rwg", "rwg_j", "icc_oneway", "cronbach_alpha", "agreement_table", "icc_table", "reliability_table"]:
        assert callable(getattr(agreement, name)), name
    assert callable(clustering.cluster_profiles) and callable(analyse) and callable(plotting.plot_profile)
    assert ar.writeups is ar.report.writeups and ar.outputs is ar.report.tables  # the modules' earlier names
