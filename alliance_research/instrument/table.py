"""The instrument as a CSV table, one row per item, for any other survey tool."""

from __future__ import annotations

import csv
import io

from ..framework import Framework
from .items import RESPONDENT_CODES, item_table

__all__ = ["item_csv", "TABLE_COLUMNS"]

#: Leading columns; ``level_<score>`` and ``descriptor_<score>`` follow for every score of the scale.
TABLE_COLUMNS = ["item", "code", "practice_id", "area_id", "area", "label", "statement", "dont_know"]


def item_csv(fw: Framework) -> tuple[bytes, list[tuple[str, ...]]]:
    """One row per practice: ``item, code, practice_id, area_id, area, label, statement, dont_know``, then
    ``level_<s>, descriptor_<s>`` for each score ``s``; and the codebook rows of an export whose columns are named
    by ``code`` (and ``respondent_id``, ``OrgType``, ``Organisation`` for the respondent fields)."""
    items = item_table(fw)
    scores = [int(s) for s in fw.scale["score"]]
    header = TABLE_COLUMNS + [c for s in scores for c in (f"level_{s}", f"descriptor_{s}")]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    descriptors = fw.descriptors.set_index(["practice_id", "score"])["descriptor"]
    names = fw.level_names
    for it in items.itertuples(index=False):
        row = [it.item, it.code, it.practice_id, it.area_id, it.area, it.label, it.statement, fw.dont_know]
        for s in scores:
            row += [names[s], descriptors[(it.practice_id, s)]]
        writer.writerow(row)
    codebook = [("respondent_id", "respondent_id", ""),
                (RESPONDENT_CODES["organisation_type"], "organisation_type", ""),
                (RESPONDENT_CODES["organisation"], "organisation", "")]
    codebook += [(it.code, it.practice_id, "") for it in items.itertuples(index=False)]
    return buffer.getvalue().encode("utf-8"), codebook
