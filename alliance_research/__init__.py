"""alliance-research: integration maturity of infrastructure alliances, scored against the Alliancing Code of
Practice, clustered, related to outcomes and written up as lessons learnt.

>>> import alliance_research as ar
>>> fw = ar.load_framework()          # the Sustaining integration rubric
>>> lib = ar.load_library()           # the bundled, fictional example library
>>> scores = ar.score_library(lib, n_boot=200)   # practice, area and index scores with intervals
"""

from . import agreement, gaps, qca, scoring, trends, workshop
from .errors import LibraryError, Problem
from .framework import Framework, list_frameworks, load_framework
from .gaps import perception_gaps
from .library import Library, load_library
from .scoring import Scores, score_library, score_responses
from .trends import wave_changes

__version__ = "0.1.0"

__all__ = ["LibraryError", "Problem", "Framework", "Library", "load_framework", "list_frameworks",
           "load_library", "Scores", "score_library", "score_responses", "perception_gaps", "wave_changes",
           "agreement", "scoring", "gaps", "trends", "qca", "workshop", "__version__"]
