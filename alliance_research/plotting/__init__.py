"""Charts of maturity scores, profiles, perception gaps, wave changes, clusters and KPIs by cluster.

Every function takes the tidy tables the package makes (:class:`~alliance_research.scoring.Scores`,
:func:`~alliance_research.gaps.perception_gaps`, :func:`~alliance_research.trends.wave_changes`, the profiles and
:class:`~alliance_research.clustering.ClusterResult` of :func:`~alliance_research.clustering.cluster_profiles`,
:func:`~alliance_research.outcomes.alliance_kpis`), draws one chart on ``ax`` and returns the axes. Given no
``ax``, a function draws on a new figure sized to the chart: pyplot's (so a notebook shows it), or with
``pyplot=False`` a :class:`~matplotlib.figure.Figure` of its own outside pyplot (what the report and the workshop
use: no backend is chosen or changed). Nothing is shown: save or display the figure yourself
(``ax.figure.savefig(...)``).

Practice labels, area names and level names all come from the framework, so a chart of another rubric needs no
code change.

Modules: :mod:`~alliance_research.plotting.style` (colours, ticks, legends, new figures, PNG files),
:mod:`~alliance_research.plotting.alliance` (one alliance's charts and the fast renderer for many),
:mod:`~alliance_research.plotting.clusters` and :mod:`~alliance_research.plotting.outcomes`.
"""

from .alliance import AllianceCharts, plot_perception_gaps, plot_practice_scores, plot_profile, plot_wave_changes
from .clusters import plot_cluster_heatmap, plot_cluster_map, plot_cluster_profiles, plot_dendrogram
from .outcomes import plot_kpi_by_cluster
from .style import CLUSTER_PALETTE, LABEL_LIMIT, new_axes, png_bytes, save_png

__all__ = ["plot_practice_scores", "plot_profile", "plot_perception_gaps", "plot_wave_changes", "plot_cluster_map",
           "plot_dendrogram", "plot_cluster_profiles", "plot_cluster_heatmap", "plot_kpi_by_cluster",
           "AllianceCharts", "CLUSTER_PALETTE", "LABEL_LIMIT", "new_axes", "save_png", "png_bytes"]
