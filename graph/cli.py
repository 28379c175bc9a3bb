"""The claimgraph command line: argument parsing, messages, exit codes and progress — nothing else.

Exit codes: 0 ok, 2 invalid input, 1 anything else, 3 audit findings of a kind named by --fail-on.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rdflib import RDF, Graph

from . import __version__
from .audit import KINDS, to_csv, to_json, to_markdown
from .pipeline import audit_store, build, write_build
from .problems import InvalidInput, Problem
from .project import Project, load_project
from .rdf import DEFAULT_BASE, FORMATS
from .shapes import check_shapes, load_graph
from .sources import load_project_sources
from .store import MemoryStore
from .views import DEFAULT_MAX_NODES, TooLarge, export_graph, render_page, write_build_page
from .views import load_graph as load_built_graph
from .views.network import EXPORT_FORMATS, ONLY_CHOICES
from .vocab import CG

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_FINDINGS = 0, 1, 2, 3


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
    build.add_argument("--rules", type=Path, action="append", default=[], help="folder of extra audit rules (*.rq)")
    build.set_defaults(run=_build)

    audit = sub.add_parser(
        "audit", parents=[common, inputs], help="audit a claims table, or an existing build with --graph"
    )
    audit.add_argument("--graph", type=Path, help="audit this RDF file (for example out/claims.ttl) instead")
    audit.add_argument("--rules", type=Path, action="append", default=[], help="folder of extra audit rules (*.rq)")
    audit.add_argument("--format", choices=["md", "json", "csv"], default="md", help="output format (default: md)")
    audit.add_argument(
        "--fail-on",
        default="",
        metavar="KIND[,KIND…]",
        help=f"exit 3 when findings of these kinds exist ({', '.join(KINDS)}, or any)",
    )
    audit.set_defaults(run=_audit)

    validate = sub.add_parser("validate", parents=[common, inputs], help="check the inputs and report every problem")
    validate.add_argument("--graph", type=Path, help="check this RDF file against the SHACL shapes instead")
    validate.set_defaults(run=_validate)

    graph_file = argparse.ArgumentParser(add_help=False)
    graph_file.add_argument(
        "--graph", type=Path, default=Path("out/claims.ttl"), help="built graph to read (default: out/claims.ttl)"
    )
    render = sub.add_parser("render", parents=[common, graph_file], help="write the interactive HTML page of the graph")
    render.add_argument("--out", type=Path, default=Path("out/claims.html"), help="page to write")
    render.add_argument("--focus", metavar="LABEL", help="only the neighbourhood of this entity (or claim id)")
    render.add_argument("--hops", type=int, default=1, metavar="N", help="neighbourhood radius for --focus (default 1)")
    render.add_argument("--only", choices=ONLY_CHOICES, help="only flagged, contradicting or unsupported claims")
    render.add_argument(
        "--max-nodes", type=int, default=DEFAULT_MAX_NODES, metavar="N", help="refuse larger pages (default 2000)"
    )
    render.add_argument("--title", help="page heading")
    render.set_defaults(run=_render)

    export = sub.add_parser("export", parents=[common, graph_file], help="write the NetworkX projection (GraphML/GEXF)")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="graphml", help="graphml (default) or gexf")
    export.add_argument("--out", type=Path, help="file to write (default: out/claims.graphml or .gexf)")
    export.set_defaults(run=_export)
    return parser


def _load(args: argparse.Namespace) -> Project:
    project = load_project(args.claims, args.ontology or [Path("ontology.ttl")], args.sources)
    _print_problems(project.warnings)
    return project


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    project = _load(args)
    result = build(project, base=args.base, rule_dirs=args.rules, progress=_progress("building graph"))
    written = write_build(result, args.out, args.format)
    counts = result.audit.counts()
    page = write_build_page(result.graph, args.out)
    print(
        f"built {written[0]}: {len(project.claims)} claims, {_count_entities(result.graph)} entities, "
        f"{len({c.source for c in project.claims})} sources, {len(result.graph)} triples "
        f"in {time.perf_counter() - started:.2f} s"
    )
    print(
        f"audit {written[1]}, {written[2]}: {len(result.audit.findings)} findings ("
        + ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
        + ")"
    )
    print(f"wrote {page.path}: {page.nodes} nodes, {page.edges} edges" if not isinstance(page, str) else page)
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    fail_on = _kinds(args.fail_on)
    if args.graph:
        graph = _read_graph(args.graph)
        sources = load_project_sources(args.sources) if args.sources.is_dir() else None
        audit = audit_store(MemoryStore(graph), args.rules, sources)
    else:
        project = _load(args)
        result = build(project, rule_dirs=args.rules)
        audit, sources = result.audit, project.sources
    render = {"md": lambda: to_markdown(audit, sources), "json": lambda: to_json(audit), "csv": lambda: to_csv(audit)}
    sys.stdout.write(render[args.format]())
    failing = [f for f in audit.findings if f.kind in fail_on]
    if failing:
        print(
            f"claimgraph: {len(failing)} finding(s) of kind {', '.join(sorted({f.kind for f in failing}))}",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK


def _kinds(text: str) -> set[str]:
    kinds = {k.strip() for k in text.split(",") if k.strip()}
    if "any" in kinds:
        return set(KINDS)
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        raise UsageError(f"--fail-on: unknown kind(s) {', '.join(unknown)}; use: {', '.join(KINDS)}, any")
    return kinds


def _read_graph(path: Path) -> Graph:
    if not path.is_file():
        raise UsageError(f"{path}: no such file (run 'claimgraph build' first?)")
    problems: list[Problem] = []
    graph = load_graph(path, problems)
    if problems:
        raise InvalidInput(problems)
    return graph


def _validate(args: argparse.Namespace) -> int:
    if args.graph:
        graph = _read_graph(args.graph)
        violations = check_shapes(graph)
        for violation in violations:
            print(f"{args.graph}: {violation}", file=sys.stderr)
        if violations:
            print(f"claimgraph: {len(violations)} SHACL violation(s)", file=sys.stderr)
            return EXIT_INVALID
        print(f"ok: {args.graph} conforms to the claimgraph shapes ({len(graph)} triples)")
        return EXIT_OK
    project = _load(args)
    print(f"ok: {len(project.claims)} claims from {len(project.sources)} sources, no problems")
    return EXIT_OK


def _render(args: argparse.Namespace) -> int:
    if args.hops < 0 or args.max_nodes < 1:
        raise UsageError("--hops must be 0 or more and --max-nodes 1 or more")
    try:
        page = render_page(
            load_built_graph(args.graph), args.out, args.focus, args.hops, args.only, args.max_nodes, args.title
        )
    except (TooLarge, LookupError) as err:
        raise UsageError(err.args[0] if err.args else str(err)) from err
    print(f"wrote {page.path}: {page.nodes} nodes, {page.edges} edges")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    out = args.out or Path("out") / f"claims.{args.format}"
    written = export_graph(load_built_graph(args.graph), args.format, out)
    print(f"wrote {written.path}: {written.nodes} nodes, {written.edges} edges ({args.format})")
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
