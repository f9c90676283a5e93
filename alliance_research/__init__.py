"""alliance-research: integration maturity of infrastructure alliances, scored against the Alliancing Code of
Practice, clustered, related to outcomes and written up as lessons learnt.

>>> import alliance_research as ar
>>> fw = ar.load_framework()          # the Sustaining integration rubric
>>> lib = ar.load_library()           # the bundled, fictional example library
>>> scores = ar.score_library(lib, n_boot=200)   # practice, area and index scores with intervals

Names are loaded on first use (PEP 562), so ``import alliance_research`` and ``alliance-research --help`` start
fast and a command loads only what it needs; ``docs/architecture.md`` shows where everything lives.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> (module, attribute); attribute None: the module itself
_LAZY = {
    "LibraryError": ("errors", "LibraryError"), "Problem": ("errors", "Problem"),
    "Framework": ("framework", "Framework"), "list_frameworks": ("framework", "list_frameworks"),
    "load_framework": ("framework", "load_framework"),
    "Library": ("library", "Library"), "load_library": ("library", "load_library"),
    "Scores": ("scoring", "Scores"), "score_library": ("scoring", "score_library"),
    "score_responses": ("scoring", "score_responses"),
    "perception_gaps": ("gaps", "perception_gaps"), "wave_changes": ("trends", "wave_changes"),
    **{name: (name, None) for name in ("agreement", "scoring", "gaps", "trends", "qca", "workshop", "analysis",
                                       "clustering", "outcomes", "plotting", "report", "multiplicity",
                                       "selective", "survey", "datasets", "files", "psychometrics",
                                       "instrument")},
    # where these modules lived before the report subpackage (kept so that older code still runs)
    "outputs": ("report.tables", None), "writeups": ("report.writeups", None),
    "notebooks": ("report.notebooks", None),
}

__all__ = ["LibraryError", "Problem", "Framework", "Library", "load_framework", "list_frameworks",
           "load_library", "Scores", "score_library", "score_responses", "perception_gaps", "wave_changes",
           "agreement", "scoring", "gaps", "trends", "qca", "workshop", "__version__"]


def __getattr__(name: str):
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'alliance_research' has no attribute {name!r}") from None
    value = importlib.import_module(f"{__name__}.{module}")
    if attribute is not None:
        value = getattr(value, attribute)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, eagerly
    from . import agreement, gaps, qca, scoring, trends, workshop
    from .errors import LibraryError, Problem
    from .framework import Framework, list_frameworks, load_framework
    from .gaps import perception_gaps
    from .library import Library, load_library
    from .scoring import Scores, score_library, score_responses
    from .trends import wave_changes
