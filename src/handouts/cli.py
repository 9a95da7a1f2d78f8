"""The `handouts` command line: a thin caller of the library.

Exit status: 0 success, 1 a user error (printed as `path:line: message`, no
traceback), 2 bad usage, 130 after Ctrl+C, 143 after SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from pathlib import Path

from .domain import DEFAULT_CLINIC, DEFAULT_JOBS, DEFAULT_OUT, counted, invalid
from .errors import UserError, file_error


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl+C is: every clean-up on the way out runs."""


def _terminated(signum, frame):
    raise Terminated


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="handouts", description="Branded, multilingual "
                                "patient handouts for ketamine-therapy clinics.")
    p.add_argument("--version", action="version", version=f"handouts {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _build_parser(sub.add_parser("build", help="build handouts as PDF (or HTML)"))
    c = sub.add_parser("check", help="check content, clinic and catalogs; render nothing")
    _clinic_option(c)
    c.add_argument("--strict", action="store_true",
                   help="also fail when a language the clinic offers is not fully translated")
    n = sub.add_parser("new-clinic", help="scaffold a clinic folder to edit")
    n.add_argument("folder", type=Path, metavar="DIR")
    _i18n_parser(sub.add_parser("i18n", help="translation catalogs: extract, init, update, "
                                "compile, status, review, packet"))
    _content_parser(sub.add_parser("content", help="clinical sign-off: review, status, "
                                   "packet"))
    sv = sub.add_parser("serve", help="the front-desk web page, served on this computer")
    # No default: a front desk must never be served the fictional demo clinic by mistake.
    sv.add_argument("--clinic", type=Path, metavar="DIR",
                    help="the clinic folder with clinic.yaml (required; the fictional demo: "
                         f"{DEFAULT_CLINIC})")
    sv.add_argument("--write-unit", action="store_true",
                    help="write a systemd user unit that starts this page with the computer, "
                         "then stop (see the README)")
    sv.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default: 127.0.0.1, this computer only)")
    sv.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free)")
    return p


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("handouts")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _clinic_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--clinic", type=Path, default=DEFAULT_CLINIC,
                   help=f"clinic folder with clinic.yaml (default: {DEFAULT_CLINIC})")


def _build_parser(b: argparse.ArgumentParser) -> None:
    _clinic_option(b)
    b.add_argument("--stage", action="append", default=[], metavar="ID",
                   help="consultation, infusion-day or aftercare; repeatable (default: all)")
    b.add_argument("--lang", action="append", default=[], metavar="LL",
                   help="language, e.g. es or zh-Hans; repeatable (default: the clinic's)")
    b.add_argument("--route", metavar="ID", help="iv, im or esketamine (default: the "
                   "clinic's first)")
    b.add_argument("--out", type=Path, metavar="DIR",
                   help=f"output folder (default: {DEFAULT_OUT}); with --list, one file per row")
    b.add_argument("--output", type=Path, metavar="FILE",
                   help="one patient's handouts to this file: one --lang; several --stage "
                        "make one packet; with --list, the whole day in one PDF")
    b.add_argument("--list", type=Path, metavar="FILE.csv|FILE.xlsx", dest="day_list",
                   help="a day's schedule: a packet for each row (see the README)")
    b.add_argument("--quiet", action="store_true", help="no progress, no summary line; "
                   "warnings and errors are still printed")
    b.add_argument("--format", choices=("pdf", "html"), default="pdf")
    b.add_argument("--strict", action="store_true",
                   help="fail on a missing translation or a refused resource")
    b.add_argument("--patient-name", metavar="TEXT", help="printed on page 1; never stored")
    b.add_argument("--appointment", metavar="YYYY-MM-DDTHH:MM",
                   help="appointment date and time; preparation times are computed from it")
    b.add_argument("--provider", metavar="TEXT", help="the patient's care team")
    b.add_argument("--details", metavar="-", help="read the personal details from standard "
                   "input, one 'key: value' a line (patient-name, appointment, provider), "
                   "so they stay out of the process list")
    b.add_argument("--large-print", action="store_true", help="body text 16 pt or larger")
    b.add_argument("--jobs", type=int, default=DEFAULT_JOBS, metavar="N",
                   help=f"render in N worker processes; 0: in this process "
                        f"(default: {DEFAULT_JOBS})")
    b.add_argument("--second-lang", metavar="LL",
                   help="bilingual: each section again in this language")


def _i18n_parser(i: argparse.ArgumentParser) -> None:
    _project_option(i)
    isub = i.add_subparsers(dest="i18n_command", required=True, metavar="ACTION")
    isub.add_parser("extract", help="write locales/handouts.pot from content and templates")
    init = isub.add_parser("init", help="start a catalog for a new language")
    init.add_argument("lang", metavar="LL")
    isub.add_parser("update", help="merge handouts.pot into every catalog")
    isub.add_parser("compile", help="compile every catalog to .mo")
    st = isub.add_parser("status", help="translation progress and review per language")
    st.add_argument("--check", action="store_true", help="exit 1 unless every language "
                    "is complete, current and free of broken translations")
    rv = isub.add_parser("review", help="approve a language's translations as they are now")
    rv.add_argument("lang", metavar="LL")
    rv.add_argument("--by", required=True, metavar='"NAME, credential"',
                    help="the qualified medical translator who checked them")
    rv.add_argument("--context", action="append", default=[], metavar="GLOB",
                    help="only entries whose msgctxt matches, e.g. 'warning-signs/*'; "
                         "repeatable (default: every entry)")
    pk = isub.add_parser("packet", help="a PDF for the reviewer: English, translation, state")
    pk.add_argument("lang", metavar="LL")
    pk.add_argument("--output", type=Path, required=True, metavar="FILE")
    pk.add_argument("--pending", action="store_true",
                    help="only entries waiting for review (not approved as they are)")


def _project_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", type=Path, metavar="DIR",
                   help="the project folder with content/, locales/ and templates/ "
                        "(default: the checkout around the current folder)")


def _content_parser(c: argparse.ArgumentParser) -> None:
    _project_option(c)
    csub = c.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    rv = csub.add_parser("review", help="record a clinician's sign-off of topics as they are")
    rv.add_argument("topics", nargs="*", metavar="TOPIC")
    rv.add_argument("--all", action="store_true", help="every topic")
    rv.add_argument("--by", required=True, metavar='"NAME, credential"',
                    help="the clinician who checked the text, routes and sources")
    csub.add_parser("status", help="each topic's version, sign-off and whether it changed")
    pk = csub.add_parser("packet", help="a PDF for the clinician: every topic block by block")
    pk.add_argument("--output", type=Path, required=True, metavar="FILE")
    _clinic_option(pk)


def main(argv: list[str] | None = None) -> int:
    """Run one command. With `argv` None this is the program itself, which owns its
    process: SIGTERM then stops it as Ctrl+C does, and `build` takes the memory limit of
    a render worker. A caller passing `argv` (a test, a script) keeps its own."""
    args = _parser().parse_args(argv)
    args.whole_process = argv is None
    if args.whole_process:
        signal.signal(signal.SIGTERM, _terminated)
    try:
        return _run(args)
    except UserError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader of our output went away (`| head`): say nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # one not met where the file is known; still a user's problem
        print(file_error(exc).problems[0], file=sys.stderr)
        return 1
    except MemoryError:
        print("handouts: ran out of memory; close other programs, or build fewer handouts "
              "at once (--jobs 1)", file=sys.stderr)
        return 1
    except Terminated:
        print("handouts: stopped (SIGTERM); files already written are complete",
              file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("handouts: interrupted; files already written are complete", file=sys.stderr)
        return 130


def _run(args) -> int:
    """The command asked for; its user errors are said by `main`."""
    if args.command == "build":
        return _build(args)
    if args.command == "check":
        return _check(args)
    if args.command == "i18n":
        return _i18n(args)
    if args.command == "content":
        return _content(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "new-clinic":
        from .commands.new_clinic import new_clinic

        for path in new_clinic(args.folder):
            print(f"Wrote {path}")
        print(f"Next: edit {args.folder}/clinic.yaml, then run "
              f"'handouts check --clinic {args.folder}'")
        return 0
    return 2


def _build(args) -> int:
    from .commands.build import Options, build, stderr_progress
    from .inputs.patient import make_patient, read_details
    from .pipeline.limits import limit_memory

    if args.jobs < 0:
        raise invalid("--jobs", f"{args.jobs} is not a number of processes (0 or more)")
    if args.details is not None:
        if args.details != "-":
            raise invalid("--details", f"{args.details!r}; give '-' to read the details from "
                          "standard input (a file would keep them on disk)")
        if args.patient_name or args.appointment or args.provider:
            raise UserError("give the personal details with --details - or with "
                            "--patient-name, --appointment and --provider, not both")
        patient = read_details(sys.stdin.buffer)
    else:
        patient = make_patient(args.patient_name, args.appointment, args.provider)
    if args.whole_process:
        limit_memory()  # as a render worker of the page: composing runs in this process
    opts = Options(clinic_dir=args.clinic, stages=tuple(args.stage), langs=tuple(args.lang),
                   route=args.route, out=args.out, output=args.output, fmt=args.format,
                   strict=args.strict, patient=patient, large_print=args.large_print,
                   second_lang=args.second_lang, jobs=args.jobs, day_list=args.day_list)
    with _progress_bar(args.quiet) as count:
        result = build(opts, progress=None if args.quiet else stderr_progress, count=count)
    for w in result.warnings:  # `en/aftercare.pdf: message`, whether rendered or cached
        print(w, file=sys.stderr)
    folders = sorted({str(p.parent) for p in result.written})
    what = "file" if args.day_list or len(args.stage) > 1 and args.output else "handout"
    if not args.quiet:
        print(f"Wrote {counted(len(result.written), what)} in {result.seconds:.1f} s to "
              f"{', '.join(folders)}")
    if result.warnings:
        print(f"{counted(len(result.warnings), 'warning')}; with --strict they are errors",
              file=sys.stderr)
    return 0


@contextlib.contextmanager
def _progress_bar(quiet: bool):
    """A bar of handouts rendered and time left (tqdm), on a terminal only, not with --quiet."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: the render workers fork after this
    bar = None

    def count(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="handout", desc="Rendering", file=sys.stderr,
                       leave=False, dynamic_ncols=True)
        bar.update(done - bar.n)

    try:
        yield count
    finally:
        if bar is not None:
            bar.close()


def _check(args) -> int:
    from .commands.check import check

    report = check(args.clinic, strict=args.strict)
    print(report)
    return 0


def _i18n(args) -> int:
    from .errors import display_path
    from .i18n import workflow as i18n
    from .project import authoring_project

    action = args.i18n_command
    project = authoring_project(args.project, read_only=action == "status")
    if action == "extract":
        changed = i18n.extract(project)
        pot = display_path(i18n.pot_path(project))
        print(f"Wrote {pot}" if changed else f"{pot} is up to date")
    elif action == "init":
        print(f"Wrote {display_path(i18n.init(project, args.lang))}")
    elif action == "update":
        written = i18n.update(project)
        print("\n".join(f"Updated {display_path(p)}" for p in written) or "All catalogs current")
    elif action == "compile":
        for mo in i18n.compile_all(project):
            print(f"Compiled {display_path(mo)}")
    elif action == "status":
        rows, problems = i18n.status(project, full=args.check)
        print(i18n.status_table(rows))
        if args.check and problems:
            for p in problems:
                print(p, file=sys.stderr)
            return 1
    elif action == "review":
        path, before = i18n.review(project, args.lang, args.by, tuple(args.context))
        print(f"{display_path(path)}: approved {before['waiting']} entries; "
              f"{before['approved']} were already approved as they are; "
              f"{before['fuzzy'] + before['untranslated']} fuzzy or untranslated, "
              "not approved")
    elif action == "packet":
        from .commands.packets import translation_packet

        out, count = translation_packet(project, args.lang, args.output, args.pending)
        print(f"Wrote {display_path(out)} ({count} entries)")
    return 0


def _content(args) -> int:
    from .errors import display_path
    from .inputs import signoff
    from .inputs.content import load_content
    from .project import PROJECT, Project

    project = Project(args.project) if args.project else PROJECT
    action = args.content_command
    if action == "review":
        if args.all and args.topics:
            raise invalid("TOPIC", "name topics or use --all, not both")
        for path in signoff.sign_off(project.content_dir, args.topics, args.by, args.all):
            print(f"Recorded sign-off in {display_path(path)}")
    elif action == "status":
        print(signoff.status_table(signoff.status(load_content(project.content_dir))))
    elif action == "packet":
        from .commands.packets import content_packet

        out, count = content_packet(project, args.clinic, args.output)
        print(f"Wrote {display_path(out)} ({count} topics)")
    return 0


def _serve(args) -> int:
    if args.clinic is None:
        raise UserError("handouts serve needs --clinic DIR, your clinic's folder (e.g. "
                        "--clinic clinics/myclinic); to try the page with the fictional "
                        f"demo clinic: --clinic {DEFAULT_CLINIC}")
    if args.write_unit:
        return _write_unit(args)
    from .commands.web.server import serve

    return serve(args.clinic, args.host, args.port)


def _write_unit(args) -> int:
    from .commands.web.unit import UNIT_NAME, write_unit
    from .pipeline.make import load_inputs

    inputs = load_inputs(args.clinic)  # a clinic that does not load would never start
    path = write_unit(inputs.clinic, args.clinic, args.host, args.port)
    print(f"Wrote {path}\n"
          "Start it now and whenever you log in:\n"
          f"  systemctl --user daemon-reload && systemctl --user enable --now {UNIT_NAME}\n"
          "Start it when the computer starts, before anyone logs in:\n"
          "  loginctl enable-linger \"$USER\"\n"
          f"Then open http://{args.host}:{args.port}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
