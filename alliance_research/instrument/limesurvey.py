"""LimeSurvey survey structure file (``.lss``) and the codebook of its CSV response export.

The ``.lss`` is the XML that LimeSurvey's *Import survey* reads: a ``<document>`` with
``<LimeSurveyDocType>Survey</LimeSurveyDocType>``, a ``<DBVersion>``, the survey languages, and one section per
database table (``<answers>``, ``<groups>``, ``<questions>``, ``<subquestions>``, ``<question_attributes>``,
``<surveys>``, ``<surveys_languagesettings>``), each a list of ``<fields>`` and ``<rows><row>`` with the
values in CDATA. We write the single-table layout of LimeSurvey 3 (texts and language inline in each row, no
``*_l10ns`` tables): LimeSurvey 3 imports it natively and LimeSurvey 4 and later convert it on import
(``XMLImportSurvey`` in LimeSurvey's ``import_helper.php`` reads either layout).

Question types (LimeSurvey's one-letter codes): ``L`` list (radio) for one practice or the organisation type,
``F`` array for an area's practices, ``S`` short free text for the organisation.

Response export: *Export responses* as CSV with headings *Question code* writes one column per question,
``CODE`` for a list question and ``CODE[SQ]`` for a row of an array, and ``id`` for the response id; answers
are the answer codes (*Answer codes*) or texts (*Full answers*). The codebook maps both.
"""

from __future__ import annotations

import html
import zlib

from ..framework import Framework
from ..library import ORGANISATION_TYPES
from .items import (DONT_KNOW_CODE, RESPONDENT_CODES, RESPONDENT_QUESTIONS, codes_text, item_table, level_codes,
                    organisation_type_codes)

__all__ = ["limesurvey_survey", "DB_VERSION", "STYLES"]

#: The database version written: a LimeSurvey 3 layout, which every later version converts on import.
DB_VERSION = 359
#: ``list``: one list question per practice (its descriptors beside it); ``array``: one array per area.
STYLES = ("list", "array")

_QUESTION_FIELDS = ["qid", "parent_qid", "sid", "gid", "type", "title", "question", "preg", "help", "other",
                    "mandatory", "question_order", "language", "scale_id", "same_default", "relevance",
                    "modulename"]


def _cdata(value: object) -> str:
    text = str(value)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _section(name: str, fields: list[str], rows: list[dict]) -> list[str]:
    out = [f" <{name}>", "  <fields>"]
    out += [f"   <fieldname>{f}</fieldname>" for f in fields]
    out += ["  </fields>", "  <rows>"]
    for row in rows:
        out.append("   <row>")
        for f in fields:
            value = row.get(f)
            out.append(f"    <{f}/>" if value is None or value == "" else f"    <{f}>{_cdata(value)}</{f}>")
        out.append("   </row>")
    out += ["  </rows>", f" </{name}>"]
    return out


def _descriptor_help(fw: Framework, practice_id: str, heading: str | None = None) -> str:
    """The practice's level descriptors as HTML, for a question's help text."""
    rows = fw.descriptors[fw.descriptors["practice_id"] == practice_id]
    items = "".join(f"<li><strong>{html.escape(r.level_name)}</strong>: {html.escape(r.descriptor)}</li>"
                    for r in rows.itertuples(index=False))
    title = f"<p><strong>{html.escape(heading)}</strong></p>" if heading else ""
    return f"{title}<ul>{items}</ul>"


def limesurvey_survey(fw: Framework, *, style: str = "list", language: str = "en",
                      title: str | None = None) -> tuple[bytes, list[tuple[str, ...]]]:
    """The ``.lss`` document and the codebook rows (``column, practice_id, codes``) of its response export.

    Parameters
    ----------
    fw : Framework
    style : {"list", "array"}
        One list question per practice, or one array question per area with the practices as subquestions.
    language : str
        The survey's base language code.
    title : str, optional
        The survey title (default: the framework's title).
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}; got {style!r}")
    items = item_table(fw)
    sid = 100000 + zlib.crc32(fw.id.encode("utf-8")) % 900000  # deterministic; LimeSurvey renumbers on a clash
    answers_by_score = level_codes(fw)
    org_codes = organisation_type_codes()
    level_answer_codes = {code: score for score, code in answers_by_score.items()} | {DONT_KNOW_CODE: None}
    groups, questions, subquestions, answers, attributes = [], [], [], [], []
    codebook: list[tuple[str, ...]] = [("id", "respondent_id", "")]
    qid = 0

    def question(gid: int, qtype: str, code: str, text: str, help_text: str, order: int, mandatory: str = "N",
                 parent: int = 0) -> int:
        nonlocal qid
        qid += 1
        row = {"qid": qid, "parent_qid": parent, "sid": sid, "gid": gid, "type": qtype, "title": code,
               "question": text, "help": help_text, "other": "N", "mandatory": mandatory, "question_order": order,
               "language": language, "scale_id": 0, "same_default": 0, "relevance": "1"}
        (subquestions if parent else questions).append(row)
        return qid

    def level_answers(q: int) -> None:
        for order, (score, name) in enumerate(fw.level_names.items(), start=1):
            answers.append({"qid": q, "code": answers_by_score[score], "answer": name, "sortorder": order,
                            "assessment_value": int(score), "language": language, "scale_id": 0})
        answers.append({"qid": q, "code": DONT_KNOW_CODE, "answer": fw.dont_know, "sortorder": len(fw.level_names) + 1,
                        "assessment_value": 0, "language": language, "scale_id": 0})

    groups.append({"gid": 1, "sid": sid, "group_name": "About you", "group_order": 1, "language": language,
                   "description": "Your answers are anonymous; these two questions let the analysis compare how "
                                  "client and partner organisations see the alliance.",
                   "randomization_group": "", "grelevance": "1"})
    q = question(1, "L", RESPONDENT_CODES["organisation_type"], RESPONDENT_QUESTIONS["organisation_type"], "", 1, "Y")
    for order, org_type in enumerate(ORGANISATION_TYPES, start=1):
        answers.append({"qid": q, "code": org_codes[org_type], "answer": org_type.capitalize(), "sortorder": order,
                        "assessment_value": 0, "language": language, "scale_id": 0})
    codebook.append((RESPONDENT_CODES["organisation_type"], "organisation_type",
                     codes_text({code: org_type for org_type, code in org_codes.items()})))
    question(1, "S", RESPONDENT_CODES["organisation"], RESPONDENT_QUESTIONS["organisation"], "", 2, "Y")
    codebook.append((RESPONDENT_CODES["organisation"], "organisation", ""))

    level_codes_text = codes_text(level_answer_codes)
    for gid, area in enumerate(fw.areas.itertuples(index=False), start=2):
        groups.append({"gid": gid, "sid": sid, "group_name": area.area, "group_order": gid, "language": language,
                       "description": html.escape(area.description, quote=False), "randomization_group": "", "grelevance": "1"})
        area_items = items[items["area_id"] == area.area_id]
        if style == "array":
            help_text = "".join(_descriptor_help(fw, it.practice_id, it.label) for it in area_items.itertuples())
            parent = question(gid, "F", area_items["area_code"].iloc[0],
                              f"How mature is each practice of '{area.area}' in your alliance today?", help_text, 1)
            level_answers(parent)
            attributes.append({"qid": parent, "attribute": "answer_width", "value": "35"})
            for order, it in enumerate(area_items.itertuples(), start=1):
                question(gid, "T", it.code, html.escape(it.statement, quote=False), "", order, parent=parent)
                codebook.append((f"{it.area_code}[{it.code}]", it.practice_id, level_codes_text))
        else:
            for order, it in enumerate(area_items.itertuples(), start=1):
                q = question(gid, "L", it.code, html.escape(it.statement, quote=False), _descriptor_help(fw, it.practice_id), order)
                level_answers(q)
                attributes.append({"qid": q, "attribute": "display_columns", "value": "1"})
                codebook.append((it.code, it.practice_id, level_codes_text))

    survey_title = title or fw.title
    doc = ['<?xml version="1.0" encoding="UTF-8"?>', "<document>",
           " <LimeSurveyDocType>Survey</LimeSurveyDocType>", f" <DBVersion>{DB_VERSION}</DBVersion>",
           " <languages>", f"  <language>{html.escape(language)}</language>", " </languages>"]
    doc += _section("answers", ["qid", "code", "answer", "sortorder", "assessment_value", "language", "scale_id"],
                    answers)
    doc += _section("groups", ["gid", "sid", "group_name", "group_order", "description", "language",
                               "randomization_group", "grelevance"], groups)
    doc += _section("questions", _QUESTION_FIELDS, questions)
    doc += _section("subquestions", _QUESTION_FIELDS, subquestions)
    doc += _section("question_attributes", ["qid", "attribute", "value", "language"], attributes)
    doc += _section("surveys", ["sid", "gsid", "admin", "adminemail", "anonymized", "format", "savetimings",
                                "template", "language", "additional_languages", "datestamp", "usecookie",
                                "allowregister", "allowsave", "autonumber_start", "autoredirect", "allowprev",
                                "printanswers", "ipaddr", "refurl", "publicstatistics", "publicgraphs",
                                "listpublic", "htmlemail", "sendconfirmation", "tokenanswerspersistence",
                                "assessments", "usecaptcha", "usetokens", "showxquestions", "showgroupinfo",
                                "shownoanswer", "showqnumcode", "showwelcome", "showprogress", "questionindex",
                                "navigationdelay", "nokeyboard", "alloweditaftercompletion"],
                    [{"sid": sid, "gsid": 1, "admin": "", "adminemail": "", "anonymized": "Y", "format": "G",
                      "savetimings": "N", "template": "vanilla", "language": language, "additional_languages": "",
                      "datestamp": "N", "usecookie": "N", "allowregister": "N", "allowsave": "Y",
                      "autonumber_start": 0, "autoredirect": "N", "allowprev": "Y", "printanswers": "N",
                      "ipaddr": "N", "refurl": "N", "publicstatistics": "N", "publicgraphs": "N", "listpublic": "N",
                      "htmlemail": "Y", "sendconfirmation": "N", "tokenanswerspersistence": "N",
                      "assessments": "N", "usecaptcha": "N", "usetokens": "N", "showxquestions": "Y",
                      "showgroupinfo": "B", "shownoanswer": "N",  # "Don't know" is an answer; blank is no answer
                      "showqnumcode": "X", "showwelcome": "Y", "showprogress": "Y", "questionindex": 0,
                      "navigationdelay": 0, "nokeyboard": "N", "alloweditaftercompletion": "N"}])
    doc += _section("surveys_languagesettings",
                    ["surveyls_survey_id", "surveyls_language", "surveyls_title", "surveyls_description",
                     "surveyls_welcometext", "surveyls_endtext", "surveyls_dateformat", "surveyls_numberformat"],
                    [{"surveyls_survey_id": sid, "surveyls_language": language, "surveyls_title": survey_title,
                      "surveyls_description": fw.summary or "",
                      "surveyls_welcometext": _welcome(fw), "surveyls_endtext": "Thank you.",
                      "surveyls_dateformat": 9, "surveyls_numberformat": 0}])
    doc.append("</document>")
    return ("\n".join(doc) + "\n").encode("utf-8"), codebook


def _welcome(fw: Framework) -> str:
    """The scale explained once, before the questions."""
    levels = "".join(f"<li><strong>{html.escape(r.level_name)}</strong>: {html.escape(r.description)}</li>"
                     for r in fw.scale.itertuples(index=False))
    return (f"<p>Rate how mature each practice is in your alliance today. Each question shows what every level "
            f"looks like for that practice; answer '{html.escape(fw.dont_know)}' when you cannot judge.</p>"
            f"<ul>{levels}</ul>")
