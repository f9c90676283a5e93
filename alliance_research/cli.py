"""The ``alliance-research`` command line: a thin layer over the package's functions."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import LibraryError

MAX_SHOWN = 200


def _library_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--library", type=Path, default=None, metavar="PATH",
                        help="library folder holding casestudies/ and data/ (default: the bundled example library)")
    parser.add_argument("--framework", default=None, metavar="ID_OR_FILE",
                        help="rubric id or YAML file (default: sustaining-integration)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alliance-research",
        description="Score, cluster and write up the integration maturity of infrastructure alliances.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a library and print its summary")
    _library_arg(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("report", help="regenerate every report from a library")
    _library_arg(p)
    p.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR", help="output folder (default: reports/)")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="parallel notebook runs (default: cores)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("score", help="score every alliance and wave; write scores.csv and agreement.csv")
    _library_arg(p)
    p.add_argument("--out", type=Path, default=Path("reports") / "scores.csv", metavar="FILE",
                   help="the scores file; agreement.csv is written beside it (default: reports/scores.csv)")
    p.add_argument("--tidy", action="store_true",
                   help="also write the long tables beside it (practice and area scores with intervals, "
                        "perception gaps, wave changes, reliability)")
    p.add_argument("--aggregate", choices=["mean", "median", "trimmed"], default="mean",
                   help="how a practice's answers become its score (default: mean)")
    p.add_argument("--n-boot", type=int, default=1000, metavar="N", help="bootstrap replicates (default: 1000)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("import-survey", help="append a wide survey export to data/responses.csv")
    p.add_argument("export", type=Path, metavar="EXPORT", help="the export, CSV or XLSX, one row per respondent")
    p.add_argument("--codebook", type=Path, required=True, metavar="CODEBOOK",
                   help="CSV mapping export columns to practice ids (column,practice_id)")
    p.add_argument("--alliance", required=True, metavar="ID", help="the alliance the respondents rated")
    p.add_argument("--wave", type=int, required=True, metavar="N", help="the assessment round (1 or more)")
    p.add_argument("--dry-run", action="store_true", help="check and show the rows, write nothing")
    p.add_argument("--library", type=Path, required=True, metavar="PATH",
                   help="the library to append to (required: an import never writes into the example library)")
    p.add_argument("--framework", default=None, metavar="ID_OR_FILE",
                   help="rubric id or YAML file (default: sustaining-integration)")
    p.set_defaults(func=cmd_import_survey)

    p = sub.add_parser("instrument", help="the rubric as a survey instrument for LimeSurvey, Qualtrics, Word/Forms "
                                          "or any tool, with the codebook that brings responses back")
    steps = p.add_subparsers(dest="instrument_command", required=True, metavar="STEP")
    e = steps.add_parser("export", help="write the survey file and, beside it, the codebook for import-survey")
    e.add_argument("--format", required=True, choices=["limesurvey", "qualtrics", "docx", "csv"],
                   help="limesurvey (.lss), qualtrics (.qsf), docx (Word; Microsoft Forms' quick import reads it) "
                        "or csv (one row per item)")
    e.add_argument("--out", type=Path, default=None, metavar="PATH",
                   help="the instrument file (default: instrument-<framework id>.<lss|qsf|docx|csv>); the "
                        "codebook is written beside it as <name>-codebook.csv")
    e.add_argument("--style", choices=["list", "array"], default="list",
                   help="LimeSurvey and Qualtrics: one question per practice with its descriptors (list, the "
                        "default) or one array/matrix question per area (array)")
    e.add_argument("--title", default=None, metavar="TEXT", help="the survey title (default: the framework's)")
    _library_arg(e)
    e.set_defaults(func=cmd_instrument_export)

    p = sub.add_parser("workshop", help="the workshop kit: a self-assessment workbook, and scoring a room of them")
    kit = p.add_subparsers(dest="workshop_command", required=True, metavar="STEP")
    t = kit.add_parser("template", help="write the self-assessment workbook participants fill in")
    t.add_argument("--out", type=Path, default=Path("workshop-template.xlsx"), metavar="FILE.xlsx",
                   help="the workbook to write (default: workshop-template.xlsx)")
    t.add_argument("--alliance", metavar="NAME", default=None,
                   help="fill in the alliance's name for the participants (they can still change it)")
    _library_arg(t)
    t.set_defaults(func=cmd_workshop_template)
    s = kit.add_parser("score", help="score filled workbooks as a room; write the page to show the room")
    s.add_argument("files", type=Path, nargs="+", metavar="FILES",
                   help="filled workbooks, folders of them (every .xlsx in the folder), or live rooms' folders "
                        "(made by workshop serve: the answers of everyone who submitted)")
    _library_arg(s)
    s.add_argument("--out", type=Path, default=Path("workshop"), metavar="DIR",
                   help="output folder: room.html and figures/ (default: workshop/)")
    s.add_argument("--link-base", default=None, metavar="PREFIX",
                   help="prefix of the links to case-study write-ups, <PREFIX><alliance_id>.html, e.g. "
                        "../reports/alliances/ for a built report (default: the library's dossiers, "
                        "casestudies/<alliance_id>.md)")
    s.add_argument("--n-boot", type=int, default=1000, metavar="N", help="bootstrap replicates (default: 1000)")
    s.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    s.add_argument("--min-answers", type=int, default=3, metavar="N",
                   help="show nothing that rests on fewer than N participants' answers: a practice rated by fewer "
                        "is not shown (nor used in area scores, the index or distances), and client and partner "
                        "scores need N on each side (default: 3; at least 2)")
    s.set_defaults(func=cmd_workshop_score)
    v = kit.add_parser("serve", help="run a live room: participants rate on their phones, the facilitator sees "
                                     "the room's result as answers arrive")
    _library_arg(v)
    v.add_argument("--room", type=Path, default=Path("workshop-room"), metavar="DIR",
                   help="the room folder: its answers are kept there (SQLite); start again with the same folder "
                        "to carry on (default: workshop-room/)")
    v.add_argument("--host", default="127.0.0.1", metavar="HOST",
                   help="address to listen on (default: 127.0.0.1, this computer only; 0.0.0.0 lets the room's "
                        "network in)")
    v.add_argument("--port", type=int, default=8000, metavar="N", help="port (default: 8000)")
    v.add_argument("--title", default=None, metavar="TEXT", help="the room's title, shown to participants")
    v.add_argument("--min-answers", type=int, default=3, metavar="N",
                   help="show nothing resting on fewer than N participants' answers, nor any change resting on "
                        "fewer (default: 3; at least 2)")
    v.add_argument("--n-boot", type=int, default=1000, metavar="N", help="bootstrap replicates (default: 1000)")
    v.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    v.set_defaults(func=cmd_workshop_serve)
    e = kit.add_parser("export", help="write a live room's answers as ratings, or append them to a library")
    e.add_argument("--room", type=Path, required=True, metavar="DIR", help="the room folder")
    e.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="the ratings CSV to write (default: DIR/responses.csv); not with --library")
    e.add_argument("--alliance", default=None, metavar="ID",
                   help="the alliance the room rated (required with --library: a dossier of the library)")
    e.add_argument("--wave", type=int, default=1, metavar="N", help="the assessment round (default: 1)")
    e.add_argument("--library", type=Path, default=None, metavar="PATH",
                   help="append the answers to this library's data/responses.csv as the wave, checked as "
                        "import-survey checks")
    e.add_argument("--framework", default=None, metavar="ID_OR_FILE",
                   help="rubric id or YAML file (default: sustaining-integration)")
    e.add_argument("--dry-run", action="store_true", help="check and count the rows, write nothing")
    e.set_defaults(func=cmd_workshop_export)
    return parser


def cmd_validate(args: argparse.Namespace) -> int:
    from .library import load_library

    lib = load_library(args.library, framework=args.framework)
    print(lib.describe())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .library import load_library
    from .report import build_report

    lib = load_library(args.library, framework=args.framework)
    print(lib.describe())
    try:
        written = build_report(lib, args.out, random_state=args.seed, jobs=args.jobs, progress=True)
    except ValueError as err:  # e.g. too few alliances to cluster; nothing was written
        print(f"alliance-research: cannot build the report: {err}; nothing was written.", file=sys.stderr)
        return 2
    print(f"\nWrote {len(written)} files to {args.out}/. Open {args.out / 'index.html'}: it links the synthesis, "
          f"a write-up per alliance, the executed notebooks and the tables.")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from .library import load_library
    from .report.tables import TIDY_FILES, write_score_files

    if args.out.suffix.lower() != ".csv" or args.out.name in ("agreement.csv",) + TIDY_FILES:
        print(f"alliance-research: --out names the scores file, a .csv other than agreement.csv and "
              f"{', '.join(TIDY_FILES)}; got {args.out}", file=sys.stderr)
        return 2
    if args.n_boot < 0 or args.seed < 0:
        print("alliance-research: --n-boot and --seed must be 0 or more", file=sys.stderr)
        return 2
    lib = load_library(args.library, framework=args.framework)
    written = write_score_files(lib, args.out, tidy=args.tidy, aggregate=args.aggregate, n_boot=args.n_boot,
                                random_state=args.seed)
    print(f"Scored {lib.responses[['alliance_id', 'wave']].drop_duplicates().shape[0]} alliance-waves "
          f"({args.n_boot} bootstrap replicates, seed {args.seed}); wrote:")
    for path in written:
        print(f"  {path}")
    return 0


def cmd_import_survey(args: argparse.Namespace) -> int:
    from .survey import import_survey

    rows = import_survey(args.export, args.codebook, args.alliance, args.wave, args.library,
                         framework=args.framework, dry_run=args.dry_run)
    respondents = rows["respondent_id"].nunique()
    verb = "Would append" if args.dry_run else "Appended"
    print(f"{verb} {len(rows)} ratings from {respondents} respondents to alliance '{args.alliance}', "
          f"wave {args.wave} ({rows['score'].isna().sum()} without an answer).")
    return 0


def cmd_instrument_export(args: argparse.Namespace) -> int:
    from .instrument import export_instrument

    try:
        instrument, codebook = export_instrument(args.framework, args.format, args.out, style=args.style,
                                                 title=args.title, library=args.library)
    except ValueError as err:  # e.g. an --out whose extension does not match the format; nothing was written
        print(f"alliance-research: {err}; nothing was written.", file=sys.stderr)
        return 2
    print(f"Wrote {instrument} and its codebook {codebook}. Bring the responses back with\n"
          f"  alliance-research import-survey EXPORT.csv --codebook {codebook} --alliance ID --wave N "
          f"--library PATH")
    return 0


def cmd_workshop_template(args: argparse.Namespace) -> int:
    from .framework import load_framework
    from .workshop import write_template

    if args.out.suffix.lower() != ".xlsx":
        print(f"alliance-research: --out names an Excel workbook ending in .xlsx; got {args.out}", file=sys.stderr)
        return 2
    fw = load_framework(args.framework, library=args.library)
    path = write_template(args.out, fw, alliance=args.alliance)
    print(f"Wrote {path}: {len(fw.practices)} practices of '{fw.title}' to rate. Hand out a copy per participant "
          f"or table; score the filled copies with `alliance-research workshop score`.")
    return 0


def cmd_workshop_score(args: argparse.Namespace) -> int:
    from .framework import load_framework
    from .workshop import build_room

    if args.n_boot < 0 or args.seed < 0:
        print("alliance-research: --n-boot and --seed must be 0 or more", file=sys.stderr)
        return 2
    if args.min_answers < 2:
        print(f"alliance-research: --min-answers must be 2 or more; got {args.min_answers}: with one answer behind "
              f"it, a score on the page is that participant's answer. Nothing was written.", file=sys.stderr)
        return 2
    fw = load_framework(args.framework, library=args.library)
    try:
        room, written = build_room(args.files, args.out, library=args.library, framework=fw,
                                   link_base=args.link_base, n_boot=args.n_boot, random_state=args.seed,
                                   min_answers=args.min_answers)
    except LibraryError:  # bad workbooks or library: every problem listed by main()
        raise
    except ValueError as err:  # e.g. a library too small to cluster, a room that scored too few practices
        print(f"alliance-research: cannot score the room: {err}; nothing was written.", file=sys.stderr)
        return 2
    print(room.describe())
    print(f"\nWrote {len(written)} files to {args.out}/. Put {args.out / 'room.html'} on the screen.")
    return 0


def cmd_workshop_serve(args: argparse.Namespace) -> int:
    from .workshop.live.serve import serve

    if args.min_answers < 2:
        print(f"alliance-research: --min-answers must be 2 or more; got {args.min_answers}: with one answer behind "
              f"it, a score on the page is that participant's answer.", file=sys.stderr)
        return 2
    if args.n_boot < 0 or args.seed < 0 or not 0 < args.port < 65536:
        print("alliance-research: --n-boot and --seed must be 0 or more, --port 1 to 65535", file=sys.stderr)
        return 2
    try:
        serve(args.room, library=args.library, framework=args.framework, host=args.host, port=args.port,
              title=args.title, min_answers=args.min_answers, n_boot=args.n_boot, random_state=args.seed)
    except ValueError as err:  # e.g. a room made for another rubric, a library too small to cluster
        print(f"alliance-research: cannot serve the room: {err}", file=sys.stderr)
        return 2
    return 0


def cmd_workshop_export(args: argparse.Namespace) -> int:
    from .workshop.live.export import export_room

    if args.library is not None and args.out is not None:
        print("alliance-research: give --out or --library, not both", file=sys.stderr)
        return 2
    rows, path = export_room(args.room, out=args.out, alliance_id=args.alliance, wave=args.wave,
                             library=args.library, framework=args.framework, dry_run=args.dry_run)
    people = rows["respondent_id"].nunique()
    what = f"{len(rows)} ratings from {people} participants ({rows['score'].isna().sum()} without an answer)"
    if path is None:
        print(f"Would write {what}.")
    elif args.library is not None:
        print(f"Appended {what} to {path} as alliance '{args.alliance}', wave {args.wave}.")
    else:
        print(f"Wrote {what} to {path}.")
    return 0


def report_problems(err: LibraryError, stream=None) -> None:
    stream = stream or sys.stderr
    problems = err.problems
    n = len(problems)
    print(f"alliance-research: {n} problem{'s' if n != 1 else ''} found; nothing was written.", file=stream)
    for problem in problems[:MAX_SHOWN]:
        print(f"  {problem}", file=stream)
    if n > MAX_SHOWN:
        print(f"  ... and {n - MAX_SHOWN} more (the Python API's LibraryError.problems lists them all)", file=stream)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # pandera imports hypothesis (when installed, as it is with the test extras) and hypothesis then loads every
    # installed plugin (trio's, ...), a second of start-up that a command never needs: it runs no property tests
    os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")
    try:
        return args.func(args)
    except LibraryError as err:
        report_problems(err)
        return 2
    except OSError as err:  # e.g. an output folder that cannot be written
        print(f"alliance-research: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("alliance-research: interrupted; nothing was written.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
