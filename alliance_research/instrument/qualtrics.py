"""Qualtrics survey file (``.qsf``) and the codebook of its CSV response export.

A ``.qsf`` is JSON with two keys: ``SurveyEntry`` (the survey's id, name, language and status) and
``SurveyElements``, a list of elements each naming its kind in ``Element``: ``BL`` (the blocks and the questions
in each), ``FL`` (the survey flow: the blocks in order), ``SO`` (survey options), ``QC`` (question count), ``RS``
(the response set) and one ``SQ`` per question, whose ``Payload`` holds ``QuestionText``, ``DataExportTag``,
``QuestionType`` with its ``Selector`` and ``SubSelector``, ``Choices`` (and for a matrix ``Answers``), their
order, and ``RecodeValues``.

Question types used: ``MC``/``SAVR`` (multiple choice, single answer, vertical) for one practice or the
organisation type; ``Matrix``/``Likert``/``SingleAnswer`` for an area's practices (statements as choices, levels
as answers); ``TE``/``SL`` (single-line text entry) for the organisation.

Response export (*Data & Analysis > Export data > CSV*): three header rows, the column ids (the data export
tag; ``<tag>_<statement tag>`` for a matrix row, ``<tag>`` and ``ResponseId``), the question texts, and
``{"ImportId":"QID3_1"}``-style JSON; then one row per response, answers as choice text (*Use choice text*) or
as recode values (*Use numeric values*). The codebook maps the column ids and the recode values; ``import-survey``
also finds a column by its ImportId, so a renamed export tag still imports.
"""

from __future__ import annotations

import hashlib
import html
import json

from ..framework import Framework
from ..library import ORGANISATION_TYPES
from .items import RESPONDENT_CODES, RESPONDENT_QUESTIONS, codes_text, item_table

__all__ = ["qualtrics_survey", "STYLES", "dont_know_recode"]

#: ``list``: one multiple-choice question per practice; ``array``: one matrix table per area.
STYLES = ("list", "array")
_NEVER = "0000-00-00 00:00:00"  # Qualtrics' own "no date" value: keeps the file byte-identical across runs


def _qid(kind: str, seed: str) -> str:
    """A Qualtrics-style id (``SV_``, ``BL_``, ``RS_`` + 15 characters), derived from the seed: deterministic."""
    return f"{kind}_{hashlib.sha1(seed.encode('utf-8')).hexdigest()[:15]}"


def dont_know_recode(fw: Framework) -> int:
    """The recode value of the don't-know answer: -99 (the usual missing-value code), or one below the lowest
    score if -99 is on the scale."""
    return -99 if not (fw.min_score <= -99 <= fw.max_score) else fw.min_score - 1


def _plain(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _descriptor_list(fw: Framework, practice_id: str) -> str:
    rows = fw.descriptors[fw.descriptors["practice_id"] == practice_id]
    return "<ul>" + "".join(f"<li><b>{html.escape(r.level_name)}</b>: {html.escape(r.descriptor)}</li>"
                            for r in rows.itertuples(index=False)) + "</ul>"


def qualtrics_survey(fw: Framework, *, style: str = "list",
                     title: str | None = None) -> tuple[bytes, list[tuple[str, ...]]]:
    """The ``.qsf`` document and the codebook rows (``column, practice_id, codes, import_id``) of its response
    export.

    Parameters
    ----------
    fw : Framework
    style : {"list", "array"}
        One multiple-choice question per practice, or one matrix table per area.
    title : str, optional
        The survey name (default: the framework's title).
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}; got {style!r}")
    items = item_table(fw)
    survey_id = _qid("SV", fw.id)
    level_items = list(fw.level_names.items())
    dk = dont_know_recode(fw)
    level_recodes = {str(int(score)): int(score) for score, _ in level_items} | {str(dk): None}
    questions: list[dict] = []
    codebook: list[tuple[str, ...]] = [("ResponseId", "respondent_id", "", "_recordId")]

    def add(payload: dict) -> str:
        qid = f"QID{len(questions) + 1}"
        payload = {"QuestionID": qid, "Language": [], "DefaultChoices": False,
                   "Configuration": {"QuestionDescriptionOption": "UseText"}, **payload}
        questions.append(payload)
        return qid

    def mc(tag: str, text: str, description: str, labels: list[str], recodes: list[int], force: bool) -> str:
        ids = [str(i) for i in range(1, len(labels) + 1)]
        return add({"QuestionText": text, "QuestionDescription": _plain(description), "DataExportTag": tag,
                    "QuestionType": "MC", "Selector": "SAVR", "SubSelector": "TX",
                    "Choices": {i: {"Display": label} for i, label in zip(ids, labels)}, "ChoiceOrder": ids,
                    "RecodeValues": {i: str(r) for i, r in zip(ids, recodes)},
                    "Validation": {"Settings": {"ForceResponse": "ON" if force else "OFF",
                                                "ForceResponseType": "ON", "Type": "None"}},
                    "NextChoiceId": len(ids) + 1, "NextAnswerId": 1})

    level_labels = [name for _, name in level_items] + [fw.dont_know]
    level_values = [int(score) for score, _ in level_items] + [dk]
    blocks = []
    about = [mc(RESPONDENT_CODES["organisation_type"], RESPONDENT_QUESTIONS["organisation_type"],
                RESPONDENT_QUESTIONS["organisation_type"], [t.capitalize() for t in ORGANISATION_TYPES],
                list(range(1, len(ORGANISATION_TYPES) + 1)), True)]
    codebook.append((RESPONDENT_CODES["organisation_type"], "organisation_type",
                     codes_text({str(i): t for i, t in enumerate(ORGANISATION_TYPES, start=1)}), about[0]))
    about.append(add({"QuestionText": RESPONDENT_QUESTIONS["organisation"],
                      "QuestionDescription": RESPONDENT_QUESTIONS["organisation"],
                      "DataExportTag": RESPONDENT_CODES["organisation"], "QuestionType": "TE", "Selector": "SL",
                      "Validation": {"Settings": {"ForceResponse": "ON", "ForceResponseType": "ON",
                                                  "Type": "None"}}}))
    codebook.append((RESPONDENT_CODES["organisation"], "organisation", "", f"{about[1]}_TEXT"))
    blocks.append({"Type": "Default", "Description": "About you", "ID": _qid("BL", f"{fw.id}:about"),
                   "BlockElements": [{"Type": "Question", "QuestionID": q} for q in about]})
    level_codes = codes_text(level_recodes)
    for area in fw.areas.itertuples(index=False):
        area_items = items[items["area_id"] == area.area_id]
        elements = []
        if style == "array":
            ids = [str(i) for i in range(1, len(area_items) + 1)]
            answer_ids = [str(i) for i in range(1, len(level_labels) + 1)]
            guide = "".join(f"<p><b>{html.escape(it.label)}</b></p>{_descriptor_list(fw, it.practice_id)}"
                            for it in area_items.itertuples())
            tag = area_items["area_code"].iloc[0]
            text = (f"<p>How mature is each practice of <b>{html.escape(area.area)}</b> in your alliance today?</p>"
                    f"{guide}")
            qid = add({"QuestionText": text, "QuestionDescription": _plain(area.area), "DataExportTag": tag,
                       "QuestionType": "Matrix", "Selector": "Likert", "SubSelector": "SingleAnswer",
                       "Choices": {i: {"Display": it.statement} for i, it in zip(ids, area_items.itertuples())},
                       "ChoiceOrder": ids,
                       "ChoiceDataExportTags": {i: it.code for i, it in zip(ids, area_items.itertuples())},
                       "Answers": {i: {"Display": label} for i, label in zip(answer_ids, level_labels)},
                       "AnswerOrder": answer_ids,
                       "RecodeValues": {i: str(v) for i, v in zip(answer_ids, level_values)},
                       "Validation": {"Settings": {"ForceResponse": "OFF", "ForceResponseType": "ON",
                                                   "Type": "None"}},
                       "NextChoiceId": len(ids) + 1, "NextAnswerId": len(answer_ids) + 1})
            elements.append(qid)
            codebook += [(f"{tag}_{it.code}", it.practice_id, level_codes, f"{qid}_{i}")
                         for i, it in zip(ids, area_items.itertuples())]
        else:
            for it in area_items.itertuples():
                text = f"<p>{html.escape(it.statement)}</p>{_descriptor_list(fw, it.practice_id)}"
                qid = mc(it.code, text, it.statement, level_labels, level_values, False)
                elements.append(qid)
                codebook.append((it.code, it.practice_id, level_codes, qid))
        blocks.append({"Type": "Standard", "SubType": "", "Description": area.area,
                       "ID": _qid("BL", f"{fw.id}:{area.area_id}"),
                       "BlockElements": [{"Type": "Question", "QuestionID": q} for q in elements]})
    blocks.insert(1, {"Type": "Trash", "Description": "Trash / Unused Questions", "ID": _qid("BL", f"{fw.id}:trash"),
                      "BlockElements": []})
    flow = [{"ID": b["ID"], "Type": "Block" if b["Type"] == "Default" else "Standard", "FlowID": f"FL_{i}"}
            for i, b in enumerate((b for b in blocks if b["Type"] != "Trash"), start=2)]

    def element(kind: str, primary: str, payload, secondary=None) -> dict:
        return {"SurveyID": survey_id, "Element": kind, "PrimaryAttribute": primary,
                "SecondaryAttribute": secondary, "TertiaryAttribute": None, "Payload": payload}

    response_set = _qid("RS", fw.id)
    elements = [
        element("BL", "Survey Blocks", blocks),
        element("FL", "Survey Flow", {"Flow": flow, "Properties": {"Count": len(flow) + 1}, "FlowID": "FL_1",
                                      "Type": "Root"}),
        element("SO", "Survey Options", {"BackButton": "true", "SaveAndContinue": "true",
                                         "SurveyProtection": "PublicSurvey", "BallotBoxStuffingPrevention": "false",
                                         "NoIndex": "Yes", "SecureResponseFiles": "true", "SurveyExpiration": "None",
                                         "SurveyTermination": "DefaultMessage", "Header": "", "Footer": "",
                                         "ProgressBarDisplay": "Text", "PartialData": "+1 week",
                                         "ValidationMessage": "", "PreviousButton": " ← ", "NextButton": " → "}),
        element("QC", "Survey Question Count", None, str(len(questions))),
        element("RS", response_set, None, "Default Response Set"),
    ]
    for payload in questions:
        plain = payload["QuestionDescription"]
        elements.append(element("SQ", payload["QuestionID"], payload, plain))
    document = {
        "SurveyEntry": {"SurveyID": survey_id, "SurveyName": title or fw.title,
                        "SurveyDescription": fw.summary, "SurveyOwnerID": "", "SurveyBrandID": "",
                        "DivisionID": None, "SurveyLanguage": "EN", "SurveyActiveResponseSet": response_set,
                        "SurveyStatus": "Inactive", "SurveyStartDate": _NEVER, "SurveyExpirationDate": _NEVER,
                        "SurveyCreationDate": _NEVER, "CreatorID": "", "LastModified": _NEVER,
                        "LastAccessed": _NEVER, "LastActivated": _NEVER, "Deleted": None},
        "SurveyElements": elements,
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8"), codebook
