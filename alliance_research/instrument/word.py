"""A Word questionnaire (``.docx``): printable, and laid out the way Microsoft Forms' *Quick import* reads.

Quick import turns a document's numbered questions, each followed by its options on their own lines, into a
form. So every question is one paragraph starting ``<n>. `` and every option one paragraph starting ``A. ``,
``B. ``, ...; the option texts are exactly the level names and the don't-know answer, which is what
``import-survey`` reads back from a Forms export. Each practice's level descriptors follow its options in a
table (a printed questionnaire needs them next to the question; check after a quick import that Forms kept the
table as text and did not add it as choices).

Forms' response export (Excel) has the columns ``ID``, ``Start time``, ..., then one column per question named
by the question text; the codebook maps those texts.
"""

from __future__ import annotations

import io
import string

from ..framework import Framework
from ..library import ORGANISATION_TYPES
from .items import RESPONDENT_QUESTIONS, item_table

__all__ = ["questionnaire_docx"]


def _options(document, labels: list[str]) -> None:
    for letter, label in zip(string.ascii_uppercase, labels):
        paragraph = document.add_paragraph(f"{letter}. {label}")
        paragraph.paragraph_format.left_indent = _cm(0.75)
        paragraph.paragraph_format.space_after = _pt(0)


def _cm(value: float):
    from docx.shared import Cm

    return Cm(value)


def _pt(value: float):
    from docx.shared import Pt

    return Pt(value)


def questionnaire_docx(fw: Framework, *, title: str | None = None) -> tuple[bytes, list[tuple[str, ...]]]:
    """The ``.docx`` questionnaire and the codebook rows (``column, practice_id, codes``) of a Forms export.

    The document is deterministic: its core properties (dates, author, revision) are fixed.
    """
    import datetime as dt

    from docx import Document

    items = item_table(fw)
    document = Document()
    props = document.core_properties
    props.title = title or fw.title
    props.author = props.last_modified_by = "alliance-research"
    props.created = props.modified = dt.datetime(2000, 1, 1)
    props.revision = 1
    document.add_heading(title or fw.title, level=0)
    if fw.summary:
        document.add_paragraph(fw.summary)
    document.add_paragraph(
        f"Rate how mature each practice is in your alliance today: choose one answer per question. Below each "
        f"question, a table says what every level looks like for that practice. Answer '{fw.dont_know}' when you "
        f"cannot judge. Your answers are anonymous.")
    scale = document.add_table(rows=0, cols=2)
    scale.style = "Table Grid"
    for r in fw.scale.itertuples(index=False):
        cells = scale.add_row().cells
        cells[0].text, cells[1].text = str(r.level_name), str(r.description)

    codebook: list[tuple[str, ...]] = [("ID", "respondent_id", "")]
    number = 0

    def question(text: str) -> None:
        nonlocal number
        number += 1
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{number}. {text}").bold = True
        paragraph.paragraph_format.keep_with_next = True

    document.add_heading("About you", level=1)
    question(RESPONDENT_QUESTIONS["organisation_type"])
    _options(document, [t.capitalize() for t in ORGANISATION_TYPES])
    codebook.append((RESPONDENT_QUESTIONS["organisation_type"], "organisation_type", ""))
    question(RESPONDENT_QUESTIONS["organisation"])
    document.add_paragraph("_" * 40).paragraph_format.left_indent = _cm(0.75)
    codebook.append((RESPONDENT_QUESTIONS["organisation"], "organisation", ""))

    labels = list(fw.level_names.values()) + [fw.dont_know]
    for area in fw.areas.itertuples(index=False):
        document.add_heading(area.area, level=1)
        document.add_paragraph(area.description)
        for it in items[items["area_id"] == area.area_id].itertuples():
            question(it.statement)
            _options(document, labels)
            rows = fw.descriptors[fw.descriptors["practice_id"] == it.practice_id]
            guide = document.add_table(rows=0, cols=2)
            guide.style = "Table Grid"
            for r in rows.itertuples(index=False):
                cells = guide.add_row().cells
                cells[0].text, cells[1].text = str(r.level_name), str(r.descriptor)
            document.add_paragraph()
            codebook.append((it.statement, it.practice_id, ""))
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip_times(buffer.getvalue()), codebook


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite the package with fixed member timestamps, so the same framework gives the same bytes."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return out.getvalue()
