"""The main job as library calls: build a project's graph, audit it, and write the outputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from rdflib import Graph

from .audit import Audit, add_findings, coverage, load_rules, run_audit, to_json, to_markdown
from .files import write_atomic
from .oxstore import OxigraphStore
from .project import Project
from .rdf import DEFAULT_BASE, FORMATS, Minter, build_graph, serialize
from .sources import Source
from .store import Store
from .views import DEFAULT_MAX_NODES, TooLarge, build_page

Progress = Callable[[int, int], None] | None


@dataclass
class Build:
    project: Project
    graph: Graph
    audit: Audit
    base: str


def audit_store(
    store: Store,
    rule_dirs: list[Path] | tuple[Path, ...] = (),
    sources: dict[str, Source] | None = None,
    progress: Progress = None,
) -> Audit:
    """Run the built-in rules and those in ``rule_dirs`` over any store; add coverage when texts are given."""
    audit = run_audit(store, load_rules(rule_dirs), progress=progress)
    if sources:
        audit.coverage = coverage(sources, audit.info)
    return audit


def build(
    project: Project,
    base: str = DEFAULT_BASE,
    rule_dirs: list[Path] | tuple[Path, ...] = (),
    progress: Progress = None,
    audit_progress: Progress = None,
) -> Build:
    """The claims graph of a project, audited, with the findings written into the graph."""
    graph = build_graph(project, base=base, progress=progress)
    # The rules are plain SPARQL: Oxigraph runs them 3-8x faster than rdflib with identical findings
    # (scripts/bench_audit.py), so the audit copies the graph into an in-memory Oxigraph.
    audit = audit_store(OxigraphStore.from_graph(graph), rule_dirs, project.sources, audit_progress)
    add_findings(graph, audit, base)
    return Build(project, graph, audit, base)


def write_build(
    result: Build, out: Path, fmt: str = "turtle", max_nodes: int = DEFAULT_MAX_NODES
) -> tuple[list[Path], str]:
    """Write the graph, audit.json, audit.md and claims.html; everything is rendered before anything is written.

    Returns the files written and a line about the page. A graph above ``max_nodes`` gets a short notice page
    instead of the drawing, so out/claims.html never shows an earlier build's graph.
    """
    try:
        page = build_page(result.graph, max_nodes=max_nodes)
        html, about = page.html, f"{page.nodes} nodes, {page.edges} edges"
    except TooLarge as err:
        html, about = _notice_page(str(err)), f"a notice only: {err}"
    files = {
        out / f"claims.{FORMATS[fmt][1]}": serialize(result.graph, fmt, name=Minter(result.base).dataset()),
        out / "audit.json": to_json(result.audit).encode("utf-8"),
        out / "audit.md": to_markdown(result.audit, result.project.sources).encode("utf-8"),
        out / "claims.html": html,
    }
    for path, data in files.items():
        write_atomic(path, data)
    return list(files), about


def _notice_page(reason: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>claimgraph</title></head><body>\n'
        f"<p>The graph is not drawn here: {escape(reason)}.</p>\n"
        "<p>Render part of it, for example: <code>claimgraph render --only flagged</code></p>\n</body></html>\n"
    ).encode()
