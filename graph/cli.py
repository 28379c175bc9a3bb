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
from .files import read_graph
from .oxstore import OxigraphStore
from .pipeline import audit_store, build, write_build
from .problems import InvalidInput, Problem
from .project import Project, load_project
from .rdf import DEFAULT_BASE, FORMATS
from .shapes import check_shapes
from .sources import load_project_sources
from .store import MemoryStore, Store, open_store
from .views import DEFAULT_MAX_NODES, TooLarge, export_graph, render_page
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
    build.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        metavar="N",
        help="draw out/claims.html only up to N nodes (default 2000); above it, a notice page",
    )
    build.set_defaults(run=_build)

    audit = sub.add_parser(
        "audit", parents=[common, inputs], help="audit a claims table, or an existing build with --graph"
    )
    audit.add_argument(
        "--graph", help="audit this RDF file (for example out/claims.ttl) instead; with --endpoint, a named graph IRI"
    )
    audit.add_argument("--endpoint", metavar="URL", help="run the rules on this SPARQL endpoint")
    audit.add_argument(
        "--store", metavar="STORE", help="with --graph FILE: oxigraph (default, in memory), memory or oxigraph:DIR"
    )
    _auth_options(audit)
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
    _add_query_commands(sub, common)
    return parser


def _load(args: argparse.Namespace) -> Project:
    project = load_project(args.claims, args.ontology or [Path("ontology.ttl")], args.sources)
    _print_problems(project.warnings)
    return project


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    project = _load(args)
    result = build(
        project, args.base, args.rules, progress=_progress("building graph"), audit_progress=_progress("audit rules")
    )
    written, page = write_build(result, args.out, args.format, args.max_nodes)
    counts = result.audit.counts()
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
    print(f"page {written[3]}: {page}")
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    fail_on = _kinds(args.fail_on)
    if args.endpoint:
        from .remote import EndpointStore

        sources = load_project_sources(args.sources) if args.sources.is_dir() else None
        store = EndpointStore(args.endpoint, default_graph=args.graph, auth=_credentials(args))
        audit = audit_store(store, args.rules, sources)
    elif args.graph or args.store:
        sources = load_project_sources(args.sources) if args.sources.is_dir() else None
        audit = audit_store(_graph_store(args), args.rules, sources)
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


def _graph_store(args: argparse.Namespace) -> Store:
    """The store an audit of a built graph runs on: in-memory Oxigraph unless --store says otherwise."""
    if args.store in (None, "oxigraph"):
        return OxigraphStore.from_graph(_read_graph(Path(args.graph)))
    if args.store == "memory":
        return MemoryStore(_read_graph(Path(args.graph)))
    try:  # oxigraph:DIR: the file is bulk-loaded into the on-disk store, never held in rdflib
        return open_store(graph=Path(args.graph) if args.graph else None, store=args.store)
    except (FileNotFoundError, ValueError) as err:
        raise UsageError(str(err)) from None


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
    return read_graph(path)


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


# --- SPARQL: query, serve, push (issue 5) -----------------------------------------------------------------


def _add_query_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    stores = argparse.ArgumentParser(add_help=False)
    where = stores.add_argument_group("where the graph is (default: out/claims.ttl in memory)")
    where.add_argument("--graph", type=Path, help="graph file to query (default: out/claims.ttl)")
    where.add_argument(
        "--store", metavar="STORE", help="oxigraph (default, in memory), memory (rdflib) or oxigraph:DIR (on disk)"
    )
    where.add_argument("--endpoint", metavar="URL", help="query a SPARQL 1.1 endpoint instead")
    where.add_argument("--default-graph", metavar="IRI", help="with --endpoint: the named graph to query")
    _auth_options(stores)

    query = sub.add_parser(
        "query", parents=[common, stores], help="run a named query, a .rq file or SPARQL text over the graph"
    )
    query.add_argument("query", nargs="?", metavar="NAME|FILE.rq|SPARQL", help="what to run (see --list)")
    query.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    query.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="bind a variable (<IRI> or a literal)"
    )
    query.add_argument(
        "--format",
        choices=["table", "csv", "tsv", "json", "xml"],
        help="result format (default: table on a terminal, csv otherwise; CONSTRUCT/DESCRIBE give Turtle)",
    )
    query.set_defaults(run=_query)

    serve = sub.add_parser(
        "serve", parents=[common, stores], help="a read-only SPARQL endpoint (/sparql) over the graph, with its pages"
    )
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--timeout", type=float, default=10.0, help="seconds a query may run (default: 10)")
    serve.add_argument(
        "--max-rows",
        type=int,
        default=10_000,
        help="rows a SELECT, or triples a CONSTRUCT/DESCRIBE, may return (default: 10000)",
    )
    serve.add_argument("--workers", type=int, default=2, help="queries run at once, each in a process (default: 2)")
    serve.set_defaults(run=_serve)

    push = sub.add_parser("push", parents=[common], help="load a build into a SPARQL 1.1 store (replaces its graph)")
    push.add_argument("--endpoint", metavar="URL", help="the store's SPARQL endpoint (updates, and the check after)")
    push.add_argument("--graph", metavar="IRI", help="named graph to replace (default: the build's dataset IRI)")
    push.add_argument("--gsp", metavar="URL", help="Graph Store Protocol endpoint; without it SPARQL Update is used")
    push.add_argument("--update-endpoint", metavar="URL", help="SPARQL Update endpoint if not --endpoint")
    push.add_argument("--file", type=Path, default=Path("out/claims.ttl"), help="build to push (out/claims.ttl)")
    _auth_options(push)
    push.set_defaults(run=_push)


def _auth_options(parser: argparse.ArgumentParser) -> None:
    auth = parser.add_argument_group("endpoint authentication (Basic or Digest, whichever the server asks for)")
    auth.add_argument("--user", help="user name for the endpoint")
    auth.add_argument(
        "--password-env",
        default="CLAIMGRAPH_PASSWORD",
        metavar="VAR",
        help="environment variable holding the password (default: CLAIMGRAPH_PASSWORD)",
    )


def _credentials(args: argparse.Namespace) -> tuple[str, str] | None:
    if not args.user:
        return None
    import os

    password = os.environ.get(args.password_env)
    if password is None:
        if not sys.stdin.isatty():
            raise UsageError(f"--user {args.user}: set the password in ${args.password_env}")
        import getpass

        password = getpass.getpass(f"password for {args.user}: ")
    return args.user, password


def _open_store(args: argparse.Namespace):
    from .store import open_store

    try:
        return open_store(
            graph=args.graph,
            store=args.store,
            endpoint=args.endpoint,
            default_graph=args.default_graph,
            auth=_credentials(args),
        )
    except (FileNotFoundError, ValueError) as err:
        raise UsageError(str(err)) from None


def _query(args: argparse.Namespace) -> int:
    from .named import named_queries, parse_params, resolve
    from .results import render
    from .syntax import check_query

    if args.list:
        for named in named_queries():
            print(f"{named.name}\n    {named.description}")
            for name, meaning in named.params.items():
                print(f"    --param {name}=…  {meaning}")
        return EXIT_OK
    if not args.query:
        raise UsageError("query: give a query name, a .rq file or SPARQL text (or --list)")
    try:
        named = resolve(args.query)
        bindings = parse_params(named, args.param)
    except (LookupError, ValueError, FileNotFoundError) as err:
        raise UsageError(str(err)) from None
    try:
        check_query(named.text, named.path)
    except InvalidInput as err:  # a query is not the project's input: report it without the build's wording
        _print_problems(err.problems)
        return EXIT_INVALID
    result = _open_store(args).query(named.text, bindings)
    fmt = args.format or ("table" if sys.stdout.isatty() else "csv")
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        fmt = "turtle"
    sys.stdout.flush()
    sys.stdout.buffer.write(render(result, fmt).encode("utf-8"))  # bytes: the CSV's CRLF must reach the file as is
    sys.stdout.buffer.flush()
    if result.type == "ASK":
        return EXIT_OK if result.boolean else EXIT_ERROR
    return EXIT_OK


def _push(args: argparse.Namespace) -> int:
    from .push import push

    if not args.file.exists():
        raise UsageError(f"{args.file}: no such build (run `claimgraph build` first)")
    try:
        pushed = push(args.file, args.endpoint, args.graph, args.gsp, args.update_endpoint, _credentials(args))
    except ValueError as err:
        raise UsageError(str(err)) from None
    how = "Graph Store Protocol PUT" if pushed.method == "graph-store" else "SPARQL Update"
    checked = f"; the store holds {pushed.stored}" if pushed.stored is not None else ""
    print(f"pushed {pushed.triples} triples to <{pushed.graph}> by {how}{checked}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .serve import ServeOptions, make_server, on_disk_store
    from .store import DEFAULT_GRAPH_FILE

    directory = on_disk_store({"store": args.store})
    if directory and args.graph is None and not DEFAULT_GRAPH_FILE.exists() and not directory.exists():
        raise UsageError(f"{args.store}: no such store and no graph file to load into it")
    store = {"graph": args.graph, "store": args.store, "endpoint": args.endpoint, "default_graph": args.default_graph}
    store["auth"] = _credentials(args)
    options = ServeOptions(store, timeout=args.timeout, max_rows=args.max_rows, workers=args.workers)
    static = (args.graph or DEFAULT_GRAPH_FILE).parent
    try:
        server = make_server(options, args.host, args.port, static_dir=static)
    except (FileNotFoundError, ValueError) as err:
        raise UsageError(str(err)) from None
    host, port = server.server_address[:2]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"claimgraph: warning: listening on {args.host}, reachable from other machines", file=sys.stderr)
    print(f"serving http://{host}:{port}/sparql (pages from {static}/; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
