"""The claimgraph command line: argument parsing, messages, exit codes and progress — nothing else.

Each command is one library call (graph.api). Modules are imported inside the commands, so ``claimgraph
--version`` and ``--help`` start at once.

Exit codes: 0 ok, 2 invalid input, 1 anything else, 3 audit findings of a kind named by --fail-on, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import __version__
from .progress import on_terminal, steps_on_terminal

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_FINDINGS = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as shells report a command whose reader went away
MAX_SHOWN_PROBLEMS = 200
DEFAULT_BASE = "https://w3id.org/claimgraph/id/"
OUTPUT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld")
ONLY_CHOICES = ("flagged", "contradictions", "unsupported")
MAX_SECONDS = 1_000_000  # about 11 days; the system's waits (poll, a lock's timeout) overflow near 2,147,483 s


def _seconds(text: str, positive: bool = False) -> float:
    """A number of seconds for an option: not negative (or more than 0), and at most MAX_SECONDS."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not ((value > 0 if positive else value >= 0) and value <= MAX_SECONDS):  # nan fails every comparison
        least = "more than 0" if positive else "0 or more"
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds ({least}, at most {MAX_SECONDS:,})")
    return value


def _positive_seconds(text: str) -> float:
    return _seconds(text, positive=True)


WAIT = {  # --wait, for every command that opens an on-disk store
    "type": _seconds, "default": 0.0, "metavar": "SECONDS",
    "help": "wait up to this long for an on-disk store another process has open (default: 0, give up at once)",
}  # fmt: skip


class UsageError(Exception):
    """A problem with how the command was called (exit 2)."""


def main(argv: list[str] | None = None) -> int:
    args = None
    restore = _exit_on_interrupt(argv if argv is not None else sys.argv[1:])
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as stop:  # --help, --version, or a usage error argparse has printed: a code to return
            return stop.code if isinstance(stop.code, int) else EXIT_INVALID
        return args.run(args)
    except KeyboardInterrupt:
        # Ctrl-C: a build leaves out/ as it was (outputs are swapped in whole); a push says what it left
        print("claimgraph: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError as err:
        if not _reader_gone():
            return _report(err, args)
        # `claimgraph audit | head`: the reader has what it wanted; end quietly, as a command stopped by SIGPIPE
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit fails too
        return EXIT_BROKEN_PIPE
    except Exception as err:
        return _report(err, args)
    finally:
        restore()


def _exit_on_interrupt(argv: list[str]) -> Callable[[], None]:
    """Make Ctrl-C end the command at once and quietly: the temporary files being written are removed and the
    process exits 130, whatever it was doing. A KeyboardInterrupt raised inside an import or a finaliser is
    printed by Python as "Exception ignored … Traceback" and then lost, so the command would go on.

    Outputs never need the unwinding: a build's out/ is swapped in whole, so stopping anywhere leaves it as it
    was or complete. ``push`` (which reports how far it got) and ``serve`` (which stops its workers) keep the
    KeyboardInterrupt. Returns the function that puts the previous handler back."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or {"push", "serve"} & set(argv[:1]):
        return lambda: None
    own = os.getpid()

    def interrupted(signum: int, frame: object) -> None:
        if os.getpid() == own:  # not in a forked rule child, which just ends
            remove_pending = getattr(sys.modules.get("graph.files"), "remove_pending", None)
            if remove_pending is not None:  # (None while graph.files is still being imported)
                remove_pending()
            with contextlib.suppress(OSError):
                os.write(2, b"claimgraph: interrupted\n")
        os._exit(EXIT_INTERRUPTED)

    previous = signal.signal(signal.SIGINT, interrupted)
    return lambda: signal.signal(signal.SIGINT, previous)


def _reader_gone() -> bool:
    """Whether stdout's reader has closed it (a BrokenPipeError may also come from a connection to an endpoint)."""
    import select

    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):  # captured in a program, or closed
        return False
    if not hasattr(select, "poll"):
        return True  # Windows: stdout is the only pipe a command writes to without its own handling
    poller = select.poll()
    poller.register(fd, 0)  # always reported: POLLERR on a pipe whose read end is closed, POLLHUP on a socket
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


def _report(err: Exception, args: argparse.Namespace | None) -> int:
    from .escape import one_line
    from .problems import InvalidInput

    debug = bool(getattr(args, "debug", False))
    if isinstance(err, InvalidInput):
        _print_problems(err.warnings + err.problems)
        print(f"claimgraph: {err.count:,} problem(s) found; nothing was written", file=sys.stderr)
        return EXIT_INVALID
    usage = isinstance(err, UsageError | ValueError | LookupError | FileNotFoundError)
    if usage and not isinstance(err, IndexError | KeyError) and not debug:  # those two are our own bugs
        print(f"claimgraph: {one_line(str(err))}", file=sys.stderr)
        return EXIT_INVALID
    if debug:
        raise err
    stopped = type(err).__name__ == "RuleTimeout"  # says all there is to say: the rule, its limit, the option
    hint = "" if stopped else " (run with --debug for details)"
    if type(err).__name__ == "StoreInUse":  # its own message says what to do
        hint = " (--wait SECONDS waits for it)" if getattr(args, "wait", None) == 0 else ""
    print(f"claimgraph: error: {one_line(str(err))}{hint}", file=sys.stderr)
    return EXIT_ERROR


# ---------------------------------------------------------------- arguments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimgraph", description="Evidence-qualified claims as RDF: build, validate, audit, query and explore."
    )
    parser.add_argument("--version", action="version", version=f"claimgraph {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show a traceback on unexpected errors")
    inputs = argparse.ArgumentParser(add_help=False)
    inputs.add_argument("--claims", type=Path, default=Path("claims.csv"), help="claims table (default: claims.csv)")
    inputs.add_argument(
        "--ontology",
        type=Path,
        action="append",
        help="ontology file; repeat to add extensions (default: ./ontology.ttl, else the bundled core ontology)",
    )
    inputs.add_argument(
        "--sources", type=Path, help="folder with sources.csv and the texts (default: sources)"
    )
    rules = argparse.ArgumentParser(add_help=False)
    rules.add_argument("--rules", type=Path, action="append", default=[], help="folder of extra audit rules (*.rq)")
    rules.add_argument(
        "--rule-timeout", type=_positive_seconds, default=300.0, metavar="SECONDS",
        help="stop a rule after this long (300)",
    )  # fmt: skip
    rules.add_argument("--allow-service", action="store_true", help="let rules use SERVICE (fetch other endpoints)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", parents=[common, inputs, rules], help="validate, build, audit and write out/")
    build.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: out)")
    build.add_argument("--format", choices=OUTPUT_FORMATS, default="turtle", help="RDF format (default: turtle)")
    build.add_argument("--base", default=DEFAULT_BASE, help=f"base IRI for minted nodes (default: {DEFAULT_BASE})")
    build.add_argument("--store", metavar="oxigraph:DIR", help="build in an on-disk Oxigraph store (large corpora)")
    build.add_argument("--wait", **WAIT)
    build.add_argument("--waivers", type=Path, help="waivers file (default: waivers.csv beside the claims table)")
    build.add_argument("--allow-empty", action="store_true", help="build even when the claims table has no rows")
    build.add_argument(
        "--max-nodes", type=int, default=2000, metavar="N", help="draw claims.html only up to N nodes (2000)"
    )
    build.set_defaults(run=_build)

    validate = sub.add_parser("validate", parents=[common, inputs], help="check the inputs and report every problem")
    validate.add_argument("--graph", type=Path, help="check this RDF file against the SHACL shapes instead")
    validate.add_argument("--allow-empty", action="store_true", help="accept a claims table without rows")
    validate.set_defaults(run=_validate)

    stores = argparse.ArgumentParser(add_help=False)
    where = stores.add_argument_group("where the graph is (default: out/claims.ttl, in memory)")
    where.add_argument("--graph", type=Path, help="graph file (default: out/claims.ttl)")
    where.add_argument("--store", metavar="STORE", help="oxigraph (in memory, default), memory (rdflib), oxigraph:DIR")
    where.add_argument("--endpoint", metavar="URL", help="a SPARQL 1.1 endpoint instead")
    where.add_argument("--default-graph", metavar="IRI", help="with --endpoint: the named graph to use")
    where.add_argument("--wait", **WAIT)
    _auth_options(stores)

    audit = sub.add_parser(
        "audit", parents=[common, inputs, rules, stores], help="print the audit of a claims table, or of a build"
    )
    audit.add_argument("--format", choices=["md", "json", "csv"], default="md", help="output format (default: md)")
    audit.add_argument(
        "--fail-on",
        default="",
        metavar="NAME[,NAME…]",
        help="exit 3 when findings of these kinds, or claims with these verdicts, exist (or: any); waived ones ignored",
    )
    audit.add_argument("--waivers", type=Path, help="waivers file (default: waivers.csv beside the claims table)")
    audit.set_defaults(run=_audit)

    render = sub.add_parser("render", parents=[common, stores], help="write the interactive HTML page of a build")
    render.add_argument("--out", type=Path, default=Path("out/claims.html"), help="page to write")
    render.add_argument("--focus", metavar="LABEL", help="only the neighbourhood of this entity (or claim id)")
    render.add_argument("--hops", type=int, default=1, metavar="N", help="neighbourhood radius for --focus (1)")
    render.add_argument("--only", choices=ONLY_CHOICES, help="only flagged, contradicting or unsupported claims")
    render.add_argument("--max-nodes", type=int, default=2000, metavar="N", help="refuse larger pages (2000)")
    render.add_argument("--title", help="page heading")
    render.set_defaults(run=_render)

    export = sub.add_parser(
        "export", parents=[common, stores], help="write the graph as GraphML/GEXF, or back as claims.csv + sources.csv"
    )
    export.add_argument(
        "--format", choices=("graphml", "gexf", "csv"), default="graphml",
        help="graphml (default) or gexf: the NetworkX projection; csv: claims.csv and sources/sources.csv to edit "
        "and build again",
    )  # fmt: skip
    export.add_argument(
        "--out", type=Path, help="file to write (default: out/claims.graphml or .gexf); for csv a folder (default: .)"
    )
    export.add_argument("--force", action="store_true", help="csv: replace existing claims.csv and sources.csv")
    export.set_defaults(run=_export)

    query = sub.add_parser("query", parents=[common, stores], help="run a named query, a .rq file or SPARQL text")
    query.add_argument("query", nargs="?", metavar="NAME|FILE.rq|SPARQL", help="what to run (see --list)")
    query.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind a variable")
    query.add_argument("--format", choices=["table", "csv", "tsv", "json", "xml"], help="table on a terminal, else csv")
    query.add_argument("--allow-service", action="store_true", help="let the query use SERVICE")
    query.set_defaults(run=_query)

    serve = sub.add_parser("serve", parents=[common, stores], help="a read-only SPARQL endpoint with the page")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--timeout", type=_positive_seconds, default=10.0, help="seconds a query may run (default: 10)")
    serve.add_argument("--max-rows", type=int, default=10_000, help="rows (or triples) an answer may hold")
    serve.add_argument("--workers", type=int, default=2, help="queries run at once, each in a process (default: 2)")
    serve.add_argument(
        "--allow-host", action="append", default=[], metavar="NAME",
        help="also answer requests for this Host name (repeat; NAME:PORT for one port; default: loopback names only)",
    )  # fmt: skip
    serve.add_argument(
        "--cors", action="append", default=[], metavar="ORIGIN",
        help="let web pages from ORIGIN (e.g. https://yasgui.triply.cc, or *) read answers (repeat; default: none)",
    )  # fmt: skip
    serve.add_argument(
        "--client-timeout", type=_positive_seconds, default=20.0, metavar="SECONDS",
        help="seconds a client may take to send a request, or keep an idle connection (default: 20)",
    )  # fmt: skip
    serve.set_defaults(run=_serve)

    push = sub.add_parser("push", parents=[common], help="load a build into a SPARQL 1.1 store (replaces its graph)")
    push.add_argument("--endpoint", metavar="URL", help="the store's SPARQL endpoint (updates, and the check after)")
    push.add_argument("--graph", metavar="IRI", help="named graph to replace (default: the build's dataset IRI)")
    push.add_argument("--gsp", metavar="URL", help="Graph Store Protocol endpoint; without it SPARQL Update is used")
    push.add_argument("--update-endpoint", metavar="URL", help="SPARQL Update endpoint if not --endpoint")
    push.add_argument("--file", type=Path, default=Path("out/claims.ttl"), help="build to push (out/claims.ttl)")
    push.add_argument(
        "--chunk", type=int, default=50_000, metavar="N",
        help="triples per Graph Store request: a PUT, then POSTs that append (default: 50000)",
    )  # fmt: skip
    push.add_argument(
        "--update-chunk", type=int, default=500, metavar="N", help="triples per INSERT DATA (default: 500)"
    )
    _auth_options(push)
    push.set_defaults(run=_push)
    return parser


def _auth_options(parser: argparse.ArgumentParser) -> None:
    auth = parser.add_argument_group("endpoint authentication (Basic or Digest, whichever the server asks for)")
    auth.add_argument("--user", help="user name for the endpoint")
    auth.add_argument(
        "--password-env",
        default="CLAIMGRAPH_PASSWORD",
        metavar="VAR",
        help="environment variable holding the password (default: CLAIMGRAPH_PASSWORD)",
    )


# ---------------------------------------------------------------- commands


def _project(args: argparse.Namespace, allow_empty: bool = False):
    from .api import Options, Project

    options = Options(
        base=getattr(args, "base", DEFAULT_BASE),
        rule_dirs=list(getattr(args, "rules", [])),
        rule_seconds=getattr(args, "rule_timeout", None),
        allow_service=getattr(args, "allow_service", False),
    )
    waivers = getattr(args, "waivers", None)
    project = Project.load(args.claims, args.ontology, args.sources or Path("sources"), allow_empty, options, waivers)
    _print_problems(project.inputs.warnings)
    return project


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    store_dir = _store_dir(args.store)
    steps = steps_on_terminal()
    steps(f"reading {args.claims}, the sources and the ontology")
    project = _project(args, args.allow_empty)
    result = project.build(
        store_dir, progress=on_terminal("building graph"), audit_progress=on_terminal("audit rules"), steps=steps,
        wait=args.wait, waiting=_notice,
    )  # fmt: skip
    written = result.write(args.out, args.format, args.max_nodes, steps)
    audit = result.audit
    entities = len({v.subject_iri for v in audit.views} | {v.object_iri for v in audit.views if v.object_iri})
    kinds = ", ".join(f"{n} {kind}" for kind, n in audit.counts().items() if n)
    print(
        f"built {written.files[0]}: {len(audit.views)} claims, {entities} entities, "
        f"{len({v.source for v in audit.views})} sources, {written.triples} triples "
        f"in {time.perf_counter() - started:.2f} s"
    )
    print(f"audit {written.files[1]}, {written.files[2]}: {len(audit.findings)} findings ({kinds})")
    print(f"page {written.files[3]}: {written.page}")
    return EXIT_OK


def _store_dir(store: str | None) -> Path | None:
    if store is None:
        return None
    kind, _, where = store.partition(":")
    if kind != "oxigraph" or not where:
        raise UsageError(f"--store {store!r}: a build's store is oxigraph:DIR")
    return Path(where)


def _validate(args: argparse.Namespace) -> int:
    if args.graph:
        from .api import ClaimGraph
        from .shapes import check_shapes

        graph = ClaimGraph.open(graph=args.graph)
        violations = check_shapes(graph.store)
        for violation in violations:
            print(f"{args.graph}: {violation}", file=sys.stderr)
        if violations:
            print(f"claimgraph: {len(violations)} SHACL violation(s)", file=sys.stderr)
            return EXIT_INVALID
        print(f"ok: {args.graph} conforms to the claimgraph shapes")
        return EXIT_OK
    project = _project(args, args.allow_empty)
    warnings = len(project.inputs.warnings)
    verdict = f"{warnings} warning(s) above" if warnings else "no problems"
    print(f"ok: {len(project.inputs.claims)} claims from {len(project.inputs.sources)} sources, {verdict}")
    return EXIT_OK


def _graph(args: argparse.Namespace, read_only: bool = False):
    from .api import ClaimGraph
    from .stores import StoreSpec

    spec = StoreSpec(args.graph, args.store, args.endpoint, args.default_graph, _credentials(args), wait=args.wait)
    return ClaimGraph.open(spec, read_only=read_only, waiting=_notice)


def _audit(args: argparse.Namespace) -> int:
    from .audit.report import json_chunks, markdown_chunks, to_csv

    fail_on = _kinds(args.fail_on)
    steps = steps_on_terminal()
    if args.graph or args.store or args.endpoint:
        steps(f"opening {args.graph or args.store or args.endpoint}")
        graph = _graph(args)
        text_dirs = [args.sources] if args.sources else graph.text_dirs()
        waivers = _waivers(args.waivers)
        audit = graph.audit(
            args.rules, text_dirs, args.rule_timeout, args.allow_service, on_terminal("audit rules"), waivers, steps
        )
        texts = _texts(text_dirs, audit)
    else:
        steps(f"reading {args.claims}, the sources and the ontology")
        result = _project(args).build(audit_progress=on_terminal("audit rules"), steps=steps)
        audit, texts = result.audit, result.texts()
    writers: dict[str, Callable[[], Iterable[str]]] = {  # the reports are written as they are made
        "md": lambda: markdown_chunks(audit, texts),
        "json": lambda: json_chunks(audit),
        "csv": lambda: [to_csv(audit)],
    }
    known = set(audit.vocab.finding_kinds) | set(audit.vocab.verdicts) | {"any"}
    unknown = fail_on - known
    if unknown:
        names = f"{audit.vocab.finding_kinds.words()}, {audit.vocab.verdicts.words()}, any"
        listed = ", ".join(sorted(unknown))
        raise UsageError(f"--fail-on: unknown name(s) {listed}; use finding kinds or verdicts: {names}")
    sys.stdout.writelines(writers[args.format]())
    failing = [f.kind for f in audit.active if "any" in fail_on or f.kind in fail_on]
    failing += [
        v.verdict for v in audit.views
        if v.verdict in fail_on and f"verdict:{v.id}" not in audit.waived
    ]  # fmt: skip
    if failing:
        names = ", ".join(sorted(set(failing)))
        print(f"claimgraph: {len(failing)} finding(s) or verdict(s) of: {names}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def _waivers(path: Path | None) -> dict[str, str]:
    """The waivers of --waivers (which must exist), else of ./waivers.csv if there is one."""
    from .problems import raise_if_errors
    from .read.waivers import read_waivers

    problems: list = []
    waivers = read_waivers(path or Path("waivers.csv"), problems, required=path is not None)
    raise_if_errors(problems)
    return waivers


def _texts(dirs: list[Path], audit: Any) -> dict[str, str]:
    from .audit.coverage import source_texts

    return source_texts(audit.views, dirs)[0]


def _kinds(text: str) -> set[str]:
    return {k.strip() for k in text.split(",") if k.strip()}


def _render(args: argparse.Namespace) -> int:
    from .files import write_atomic
    from .views import TooLarge

    if args.hops < 0 or args.max_nodes < 1:
        raise UsageError("--hops must be 0 or more and --max-nodes 1 or more")
    graph = _graph(args)
    try:
        page = graph.page(args.focus, args.hops, args.only, args.max_nodes, args.title)
    except (TooLarge, LookupError) as err:
        raise UsageError(err.args[0] if err.args else str(err)) from err
    write_atomic(args.out, page.html)
    print(f"wrote {args.out}: {page.nodes} nodes, {page.edges} edges")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from .escape import one_line
    from .files import write_atomic

    if args.format == "csv":
        out = args.out or Path(".")
        tables = _graph(args).export_tables(out, replace=args.force)
        for note in tables.notes:
            print(f"claimgraph: note: {one_line(note)}", file=sys.stderr)
        print(
            f"wrote {out / 'claims.csv'} ({tables.claim_count} claims) and {out / 'sources' / 'sources.csv'} "
            f"({tables.source_count} sources); build them with the same ontology, rules and --base"
        )
        return EXIT_OK
    out = args.out or Path("out") / f"claims.{args.format}"
    data, nodes, edges = _graph(args).export(args.format)
    write_atomic(out, data)
    print(f"wrote {out}: {nodes} nodes, {edges} edges ({args.format})")
    return EXIT_OK


def _query(args: argparse.Namespace) -> int:
    from .sparql.named import named_queries, parse_params, resolve
    from .sparql.results import render
    from .sparql_text import Refused, check_query

    if args.list:
        for named in named_queries():
            print(f"{named.name}\n    {named.description}")
            for name, meaning in named.params.items():
                print(f"    --param {name}=…  {meaning}")
        return EXIT_OK
    if not args.query:
        raise UsageError("query: give a query name, a .rq file or SPARQL text (or --list)")
    named = resolve(args.query)
    bindings = parse_params(named, args.param)
    try:
        check_query(named.text, named.path, allow_service=args.allow_service)
    except Refused as err:
        raise UsageError(str(err)) from None
    result = _graph(args, read_only=False).query(named.text, bindings)
    fmt = args.format or ("table" if sys.stdout.isatty() else "csv")
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        fmt = "turtle"
    sys.stdout.flush()
    sys.stdout.buffer.write(render(result, fmt))  # bytes: the CSV's CRLF must reach the file as is
    sys.stdout.buffer.flush()
    if result.type == "ASK":
        return EXIT_OK if result.boolean else EXIT_ERROR
    return EXIT_OK


def _push(args: argparse.Namespace) -> int:
    from .sparql.push import push

    pushed = push(
        args.file, args.endpoint, args.graph, args.gsp, args.update_endpoint, _credentials(args),
        chunk=args.chunk, update_chunk=args.update_chunk, progress=on_terminal("push triples"),
    )  # fmt: skip
    if pushed.method == "update":
        how = "SPARQL Update"
    elif pushed.requests > 1:
        how = f"Graph Store Protocol PUT and {pushed.requests - 1} POST(s) of at most {args.chunk} triples"
    else:
        how = "Graph Store Protocol PUT"
    checked = f"; the store holds {pushed.stored}" if pushed.stored is not None else ""
    print(f"pushed {pushed.triples} triples to <{pushed.graph}> by {how}{checked}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .sparql.serve import ServeOptions, make_server
    from .stores import DEFAULT_GRAPH_FILE, StoreSpec

    spec = StoreSpec(args.graph, args.store, args.endpoint, args.default_graph, _credentials(args), wait=args.wait)
    if args.max_rows < 1 or args.workers < 1:
        raise UsageError("--max-rows and --workers must be 1 or more")
    options = ServeOptions(
        spec, timeout=args.timeout, max_rows=args.max_rows, workers=args.workers,
        allow_hosts=tuple(args.allow_host), cors=tuple(args.cors), client_timeout=args.client_timeout,
    )  # fmt: skip
    static = (args.graph or DEFAULT_GRAPH_FILE).parent
    server = make_server(options, args.host, args.port, static_dir=static, waiting=_notice)
    host, port = server.server_address[:2]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"claimgraph: warning: listening on {args.host}, reachable from other machines; requests are answered "
            "only for the Host names localhost, 127.0.0.1, [::1] and those given by --allow-host",
            file=sys.stderr,
        )
    shown = f"[{host}]" if ":" in host else host
    print(f"serving http://{shown}:{port}/sparql (pages from {static}/; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # Ctrl-C is how a server is stopped: not an interruption of work
        print("claimgraph: stopped", file=sys.stderr)
    finally:
        server.server_close()
    return EXIT_OK


# ---------------------------------------------------------------- output


def _notice(message: str) -> None:
    from .escape import one_line

    print(f"claimgraph: {one_line(message)}", file=sys.stderr, flush=True)


def _credentials(args: argparse.Namespace) -> tuple[str, str] | None:
    if not getattr(args, "user", None):
        return None
    password = os.environ.get(args.password_env)
    if password is None:
        if not sys.stdin.isatty():
            raise UsageError(f"--user {args.user}: set the password in ${args.password_env}")
        import getpass

        password = getpass.getpass(f"password for {args.user}: ")
    return args.user, password


def _print_problems(problems: list) -> None:
    """Every problem, up to a limit: a table with a million bad rows says so in one line, not a million."""
    listed = [p for p in problems if not p.more]
    for problem in listed[:MAX_SHOWN_PROBLEMS]:
        print(problem, file=sys.stderr)
    rest = sum(1 + p.more for p in problems) - min(len(listed), MAX_SHOWN_PROBLEMS)
    if rest:
        print(f"… and {rest:,} more problem(s) not shown (the first {MAX_SHOWN_PROBLEMS} are above)", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
