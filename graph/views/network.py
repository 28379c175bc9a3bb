"""The NetworkX projection of a built claims graph (from its claim views), and its subgraphs.

Node ids are the RDF IRIs (claims, entities); a literal object becomes a value node whose id is ``value:`` plus
the literal's datatype and text, so two claims with the same literal value share it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import networkx as nx

from ..model import ClaimView, Finding

ONLY_CHOICES = ("flagged", "contradictions", "unsupported")
CLAIM, ENTITY, VALUE = "claim", "entity", "value"
UNAUDITED, EVIDENCE = "unaudited", "evidence"  # the verdict shown for claims not judged: none yet / the literature
NEGATIVE = ("contradicted-by-evidence", "overstated", "unsupported", "inconsistent")


def to_networkx(views: list[ClaimView], findings: list[Finding] = ()) -> nx.MultiDiGraph:
    """Project the claims onto a directed multigraph.

    subject entity → claim → object (entity or value), both edges labelled with the predicate; claim → claim
    ``supports``; ``contradicts`` once per pair (it is symmetric in RDF), from the smaller id to the larger, for
    every conflict whether a curator linked it or a rule found it. A claim node's attributes are its claim view's
    fields, plus ``findings`` (the finding records about it).
    """
    about: dict[str, list[Finding]] = {}
    for finding in findings:
        for claim_id in finding.claims:
            about.setdefault(claim_id, []).append(finding)
    nxg = nx.MultiDiGraph(name="claimgraph")
    for view in views:  # entities and values first, in a stable order, so the node order is deterministic
        for node, kind, label in ((view.subject_iri, ENTITY, view.subject), (_object_id(view), *_object_kind(view))):
            if node not in nxg:
                nxg.add_node(node, kind=kind, label=label, degree=0)
    for view in views:
        nxg.add_node(view.iri, **claim_attributes(view, about.get(view.id, [])))
    iri = {v.id: v.iri for v in views}
    conflicts = {frozenset((v.id, o)) for v in views for o in v.contradicts}
    conflicts |= {frozenset(f.claims) for f in findings if f.kind == "contradiction" and len(f.claims) == 2}
    for view in views:
        target = _object_id(view)
        nxg.add_edge(view.subject_iri, view.iri, key="subject", kind="subject", label=view.predicate_label)
        nxg.add_edge(view.iri, target, key="object", kind="object", label=view.predicate_label)
        for end in (view.subject_iri, target):
            nxg.nodes[end]["degree"] += 1
        for other in view.supports:
            if other in iri:
                nxg.add_edge(view.iri, iri[other], key="supports", kind="supports", label="supports")
    for pair in sorted(tuple(sorted(p)) for p in conflicts):
        if all(claim in iri for claim in pair):
            nxg.add_edge(iri[pair[0]], iri[pair[1]], key="contradicts", kind="contradicts", label="contradicts")
    return nxg


def claim_attributes(view: ClaimView, findings: list[Finding]) -> dict[str, Any]:
    attrs = dataclasses.asdict(view)
    attrs.update(
        kind=CLAIM,
        label=short_label(view),
        verdict=view.verdict or (EVIDENCE if view.literature else UNAUDITED),
        findings=[dataclasses.asdict(f) for f in sorted(findings, key=lambda f: f.id)],
        finding_kinds=sorted({f.kind for f in findings}),
    )
    return attrs


def short_label(view: ClaimView, width: int = 30) -> str:
    """The claim in a few words for its node: 'C36 treats knee pain', '¬ L01 treats chronic low back pain'."""
    text = f"{'¬ ' if view.negated else ''}{view.id} {view.predicate_label} {view.object}"
    return text if len(text) <= width else text[: width - 1] + "…"


def _object_id(view: ClaimView) -> str:
    return view.object_iri or f"value:{view.object_datatype}:{view.object}"


def _object_kind(view: ClaimView) -> tuple[str, str]:
    return (ENTITY, view.object) if view.object_iri else (VALUE, view.object)


def select(nxg: nx.MultiDiGraph, focus: str | None = None, hops: int = 1, only: str | None = None) -> nx.MultiDiGraph:
    """A subgraph: claims matching ``only``, then the neighbourhood of entity ``focus`` within ``hops``.

    ``only``: flagged (a negative verdict or any finding), contradictions (in a contradiction), unsupported
    (verdict unsupported). The entities and values the kept claims touch are kept with them. Raises LookupError
    when ``focus`` names no node.
    """
    keep = set(nxg)
    if only:
        if only not in ONLY_CHOICES:
            raise ValueError(f"--only must be one of {', '.join(ONLY_CHOICES)}")
        claims = {n for n, a in nxg.nodes(data=True) if a["kind"] == CLAIM and _matches(nxg, n, a, only)}
        keep = _with_ends(nxg, claims)
    if focus is not None:
        start = find_node(nxg, focus)
        if start is None:
            raise LookupError(f"no entity or claim labelled {focus!r}")
        undirected = nxg.subgraph(keep | {start}).to_undirected(as_view=True)
        near = nx.single_source_shortest_path_length(undirected, start, cutoff=max(0, hops))
        claims = {n for n in near if nxg.nodes[n]["kind"] == CLAIM}
        keep = (_with_ends(nxg, claims) & keep) | {start}
    return _induced(nxg, keep)


def _induced(nxg: nx.MultiDiGraph, keep: set[str]) -> nx.MultiDiGraph:
    """The subgraph on ``keep``, nodes and edges in the projection's order (a subgraph view iterates a set,
    whose order changes with the hash seed)."""
    sub = nx.MultiDiGraph(**nxg.graph)
    sub.add_nodes_from((n, dict(a)) for n, a in nxg.nodes(data=True) if n in keep)
    sub.add_edges_from((u, v, k, dict(d)) for u, v, k, d in nxg.edges(keys=True, data=True) if u in keep and v in keep)
    return sub


def find_node(nxg: nx.MultiDiGraph, text: str) -> str | None:
    """The node whose label or claim id equals ``text`` (case and white space ignored), entities first."""
    wanted = " ".join(text.split()).casefold()
    found = None
    for node, attrs in nxg.nodes(data=True):
        names = {" ".join(str(attrs.get("label", "")).split()).casefold(), str(attrs.get("id", "")).casefold()}
        if wanted in names:
            if attrs["kind"] == ENTITY:
                return node
            found = found or node
    return found


def _matches(nxg: nx.MultiDiGraph, node: str, attrs: dict[str, Any], only: str) -> bool:
    kinds = set(attrs["finding_kinds"])
    if only == "flagged":
        return bool(kinds) or attrs["verdict"] in NEGATIVE
    if only == "unsupported":
        return attrs["verdict"] == "unsupported"
    in_contradiction = any(d["kind"] == "contradicts" for *_, d in nxg.in_edges(node, data=True)) or any(
        d["kind"] == "contradicts" for *_, d in nxg.out_edges(node, data=True)
    )
    return in_contradiction or "contradiction" in kinds


def _with_ends(nxg: nx.MultiDiGraph, claims: Iterable[str]) -> set[str]:
    """Claims plus the entities and values they relate."""
    keep = set(claims)
    for claim in list(keep):
        for u, _, d in nxg.in_edges(claim, data=True):
            if d["kind"] == "subject":
                keep.add(u)
        for _, v, d in nxg.out_edges(claim, data=True):
            if d["kind"] == "object":
                keep.add(v)
    return keep
