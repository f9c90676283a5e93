"""Fuzzy-set Qualitative Comparative Analysis (QCA): which combinations of conditions go with an outcome.

QCA [Rag08]_ treats each case as a set of memberships: in each *condition* (an alliance with established
integrated-team practices, ...) and in the *outcome* (an alliance that delivers to target cost). It asks which
*combinations* of conditions are (quasi-)sufficient for the outcome and which single conditions are necessary for
it. The steps, each a function here, follow R's QCA package [Dus19]_:

1. :func:`calibrate` (direct method, three anchors) or :func:`calibrate_crisp` turns raw values into set
   memberships in [0, 1].
2. :func:`truth_table` sorts the cases into the :math:`2^k` corners of the property space and decides, with a
   consistency and a frequency cut-off, which corners go with the outcome.
3. :func:`minimise` reduces the positive corners by Quine-McCluskey to the conservative (complex), parsimonious or
   intermediate solution, with consistency, PRI and coverage of every term and of the solution.
4. :func:`necessity` gives the consistency, coverage and relevance of necessity of single conditions.

:func:`library_data` and :func:`library_qca` apply it to a library: conditions from area or practice scores,
the outcome from a KPI, anchors stated and justified, and the caveats of a small N in plain words.

Modules: :mod:`~alliance_research.qca.method` (the general method) and :mod:`~alliance_research.qca.library`
(its application to a library).

The implementation is pinned to R QCA's results on Lipset's data (``tests/test_qca.py``) and, every model of
every solution, on 83 data sets made up for the purpose (``tests/test_qca_random.py``).

References
----------
.. [Rag08] Ragin, C. C. (2008). *Redesigning Social Inquiry: Fuzzy Sets and Beyond*. University of Chicago
   Press. (Direct calibration: ch. 5; consistency and coverage: ch. 3; easy counterfactuals: ch. 9.)
.. [Dus19] Dusa, A. (2019). *QCA with R: A Comprehensive Resource*. Springer. (R package QCA: ``calibrate``,
   ``truthTable``, ``minimize``, ``pof``; ch. 8, the logical minimisation, with the intermediate solution from
   simplifying assumptions and easy counterfactuals.)
.. [RDM09] Rihoux, B. & De Meur, G. (2009). Crisp-set qualitative comparative analysis (csQCA). In Rihoux, B. &
   Ragin, C. C. (eds.), *Configurational Comparative Methods*, pp. 33-68. Sage.
.. [SW12] Schneider, C. Q. & Wagemann, C. (2012). *Set-Theoretic Methods for the Social Sciences: A Guide to
   Qualitative Comparative Analysis*. Cambridge University Press.
.. [RS05] Ragin, C. C. & Sonnett, J. (2005). Between complexity and parsimony: limited diversity, counterfactual
   cases, and comparative analysis. In Kropp, S. & Minkenberg, M. (eds.), *Vergleichen in der
   Politikwissenschaft*, pp. 180-197. VS Verlag.
"""

from .library import (INCL_CUT, OUTCOME_QUANTILES, PRI_CUT, LibraryData, calibration_note, library_data, library_qca,
                      scale_anchors, short_names)
from .method import (MAX_CONDITIONS, Solution, TruthTable, calibrate, calibrate_crisp, membership, minimise, necessity,
                     sensitivity, truth_table)

__all__ = ["calibrate", "calibrate_crisp", "truth_table", "TruthTable", "minimise", "Solution", "necessity",
           "membership", "sensitivity", "library_data", "LibraryData", "library_qca", "scale_anchors", "short_names",
           "calibration_note", "MAX_CONDITIONS", "OUTCOME_QUANTILES", "INCL_CUT", "PRI_CUT"]
