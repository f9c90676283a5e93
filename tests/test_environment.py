"""environment.yml and pyproject.toml must list the same dependencies with the same version bounds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]
    return {_name(r.name): str(r.specifier) for r in reqs}


def _environment() -> tuple[dict[str, str], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep.get("pip", []))
            continue
        match = re.match(r"^([A-Za-z0-9_.-]+)\s*(.*)$", dep)
        deps[_name(match.group(1))] = match.group(2).replace(" ", "")
    return deps, pip


def test_environment_matches_pyproject():
    deps, pip = _environment()
    assert "conda-forge" in yaml.safe_load((ROOT / "environment.yml").read_text())["channels"]
    assert deps.pop("python") == ">=3.11"
    deps.pop("pip")
    assert deps == _pyproject()
    assert pip == ["-e ."]


def test_python_requirement_matches():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"
    assert project["scripts"]["alliance-research"] == "alliance_research.cli:main"
