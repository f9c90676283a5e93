"""alliance-research: integration maturity of infrastructure alliances, scored against the Alliancing Code of
Practice, clustered, related to outcomes and written up as lessons learnt.

>>> import alliance_research as ar
>>> fw = ar.load_framework()          # the Sustaining integration rubric
>>> lib = ar.load_library()           # the bundled, fictional example library
"""

from .errors import LibraryError, Problem
from .framework import Framework, list_frameworks, load_framework
from .library import Library, load_library

__version__ = "0.1.0"

__all__ = ["LibraryError", "Problem", "Framework", "Library", "load_framework", "list_frameworks",
           "load_library", "__version__"]
