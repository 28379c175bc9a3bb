"""The claimgraph command line: argument parsing, messages, exit codes and progress — nothing else.

Exit codes: 0 ok, 2 invalid input, 1 anything else (3 is kept for audit gates).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rdflib import RDF, Graph

from . import __version__
from .files import write_atomic
from .problems import InvalidInput, Problem
from .project import Project, load_project
from .rdf import DEFAULT_BASE, FORMATS, Minter, build_graph, serialize
from .vocab import CG

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


class UsageError(Exception):
    """A problem with how the command was called (exit 2)."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except InvalidInput as err:
        _print_problems(err.warnings + err.problems)
        print(f"claimgraph: {len(err.problems)} problem(s) found; nothing was written", file=sys.stderr)
        return EXIT_INVALID
    except UsageError as err:
        print(f"claimgraph: {err}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("claimgraph: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as err:
        if args.debug:
            raise
        print(f"claimgraph: error: {err} (run with --debug for details)", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimgraph", description="Evidence-qualified claims as RDF: build, validate and audit a claims graph."
    )
    parser.add_argument("--version", action="version", version=f"claimgraph {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show a traceback on unexpected errors")
    inputs = argparse.ArgumentParser(add_help=False)
    inputs.add_argument("--claims", type=Path, default=Path("claims.csv"), help="claims table (default: claims.csv)")
    inputs.add_argument(
        "--ontology", type=Path, action="append", help="ontology file; repeat to add extensions (default: ontology.ttl)"
    )
    inputs.add_argument(
        "--sources",
        type=Path,
        default=Path("sources"),
        help="folder with sources.csv and the source texts (default: sources)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", parents=[common, inputs], help="validate the inputs and write the RDF graph")
    build.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: out)")
    build.add_argument("--format", choices=sorted(FORMATS), default="turtle", help="RDF format (default: turtle)")
    build.add_argument("--base", default=DEFAULT_BASE, help=f"base IRI for minted nodes (default: {DEFAULT_BASE})")
    build.set_defaults(run=_build)

    validate = sub.add_parser("validate", parents=[common, inputs], help="check the inputs and report every problem")
    validate.set_defaults(run=_validate)
    return parser


def _load(args: argparse.Namespace) -> Project:
    project = load_project(args.claims, args.ontology or [Path("ontology.ttl")], args.sources)
    _print_problems(project.warnings)
    return project


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    project = _load(args)
    graph = build_graph(project, base=args.base, progress=_progress("building graph"))
    data = serialize(graph, args.format, name=Minter(args.base).dataset())
    target = args.out / f"claims.{FORMATS[args.format][1]}"
    write_atomic(target, data)
    print(
        f"built {target}: {len(project.claims)} claims, {_count_entities(graph)} entities, "
        f"{len({c.source for c in project.claims})} sources, {len(graph)} triples "
        f"in {time.perf_counter() - started:.2f} s"
    )
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    project = _load(args)
    print(f"ok: {len(project.claims)} claims from {len(project.sources)} sources, no problems")
    return EXIT_OK


def _count_entities(graph: Graph) -> int:
    return sum(1 for _ in graph.subjects(RDF.type, CG.Entity))


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _progress(label: str):
    """A progress callback that redraws one line on a terminal and stays silent otherwise."""
    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last[0] > 0.2:
            last[0] = now
            end = "\n" if done == total else ""
            print(f"\r{label}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return report


if __name__ == "__main__":
    sys.exit(main())
