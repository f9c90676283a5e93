"""The rubric as a research instrument: survey files for LimeSurvey, Qualtrics, Word / Microsoft Forms and CSV,
each with the codebook that ``import-survey`` reads to bring that platform's responses back.

Every text a respondent sees (statements, level names and descriptors, area names, the don't-know answer)
comes from the framework YAML; question codes are derived from practice ids (see :mod:`.items`).

>>> import alliance_research as ar
>>> from alliance_research.instrument import FORMATS
>>> sorted(FORMATS)
['csv', 'docx', 'limesurvey', 'qualtrics']
"""

from __future__ import annotations

from pathlib import Path

from ..framework import Framework, load_framework
from ..files import write_files
from .items import codebook_csv, item_table
from .limesurvey import limesurvey_survey
from .qualtrics import qualtrics_survey
from .table import item_csv
from .word import questionnaire_docx

__all__ = ["export_instrument", "FORMATS", "STYLES", "codebook_path", "item_table", "limesurvey_survey",
           "qualtrics_survey", "questionnaire_docx", "item_csv"]

#: Format -> file extension of the instrument.
FORMATS = {"limesurvey": ".lss", "qualtrics": ".qsf", "docx": ".docx", "csv": ".csv"}
#: Question layouts of the survey platforms: one question per practice, or one array / matrix per area.
STYLES = ("list", "array")


def codebook_path(out: str | Path) -> Path:
    """Where the codebook of an instrument file goes: beside it, ``<stem>-codebook.csv``."""
    out = Path(out)
    return out.with_name(f"{out.stem}-codebook.csv")


def export_instrument(framework: Framework | str | Path | None, format: str, out: str | Path | None = None, *,
                      style: str = "list", title: str | None = None,
                      library: str | Path | None = None) -> list[Path]:
    """Write the rubric as a survey instrument and the codebook of its response export.

    Parameters
    ----------
    framework : Framework, str, path or None
        The rubric, or a framework id / YAML path to load (None: the default rubric).
    format : {"limesurvey", "qualtrics", "docx", "csv"}
        LimeSurvey survey structure (``.lss``), Qualtrics survey (``.qsf``), Word questionnaire that Microsoft
        Forms' quick import reads (``.docx``), or one row per item (``.csv``).
    out : path, optional
        The instrument file (default: ``instrument-<framework id><extension>`` in the working folder). The
        codebook is written beside it as ``<stem>-codebook.csv`` (:func:`codebook_path`).
    style : {"list", "array"}
        For LimeSurvey and Qualtrics: one list / multiple-choice question per practice, with its descriptors
        beside it (default), or one array / matrix question per area.
    title : str, optional
        The survey's title (default: the framework's title).
    library : path, optional
        A library whose ``data/frameworks/`` is searched for a framework id.

    Returns
    -------
    list of Path
        The instrument file and its codebook.

    Notes
    -----
    Both files are written to temporary files beside their targets and moved into place only when both were
    written. ``import-survey EXPORT --codebook <stem>-codebook.csv`` then reads the platform's CSV response
    export without hand mapping: the codebook names the export's columns and the answer codes or recode values.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}; got {style!r}")
    fw = framework if isinstance(framework, Framework) else load_framework(framework, library=library)
    out = Path(out) if out is not None else Path(f"instrument-{fw.id}{FORMATS[format]}")
    if out.suffix.lower() != FORMATS[format]:
        raise ValueError(f"the {format} instrument is a {FORMATS[format]} file; got {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if format == "limesurvey":
        data, codebook = limesurvey_survey(fw, style=style, title=title)
    elif format == "qualtrics":
        data, codebook = qualtrics_survey(fw, style=style, title=title)
    elif format == "docx":
        data, codebook = questionnaire_docx(fw, title=title)
    else:
        data, codebook = item_csv(fw)
    return write_files({out: data, codebook_path(out): codebook_csv(codebook)})
