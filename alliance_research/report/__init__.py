"""Everything ``alliance-research report`` writes, and the pieces it is made of.

- :mod:`~alliance_research.report.tables`: the CSV tables of an analysis (``scores.csv``, ``agreement.csv``, ...).
- :mod:`~alliance_research.report.pages`: the Jinja2 environment and number formats every page shares.
- :mod:`~alliance_research.report.writeups`: the lessons-learnt write-ups and the synthesis, with their figures.
- :mod:`~alliance_research.report.notebooks`: running the notebooks with papermill, and their HTML pages.
- :mod:`~alliance_research.report.build`: :func:`build_report`, all of the above into one folder, all or nothing.

The templates live in ``alliance_research/report/templates``.
"""

from .build import MARKER, build_report, notebook_plan

__all__ = ["build_report", "notebook_plan", "MARKER"]
