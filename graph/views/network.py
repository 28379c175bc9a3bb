"""The NetworkX projection of a built claims graph, its subgraphs, and GraphML/GEXF export.

Node ids are the RDF IRIs (claims, entities); a literal object becomes a value node whose id is
``value:`` plus the literal in N3, so two claims with the same literal value share it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import networkx as nx
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from ..vocab import CG, DCTERMS, OA, PROV, SCHEMA

UNAUDITED = "unaudited"
EXPORT_FORMATS = ("graphml", "gexf")
ONLY_CHOICES = ("flagged", "contradictions", "unsupported")
CLAIM, ENTITY, VALUE = "claim", "entity", "value"
HEDGED = ("probable", "possible", "doubtful")


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Project the RDF claims graph onto a directed multigraph.

    subject entity → claim → object (entity or value), both edges labelled with the predicate; claim → claim
    ``supports``; ``contradicts`` once per pair (it is symmetric in RDF), from the smaller id to the larger.
    Claim nodes carry qualifiers, quote, source, status, evidence level, the literature's verdict (``literature``:
    supports/contradicts/mixed/silent, or empty when the audit gave none) and findings as attributes.
    """
    notation = _Notations(graph)
    findings = _findings(graph)
    nxg = nx.MultiDiGraph(name="claimgraph")
    claims = sorted(graph.subjects(RDF.type, CG.Claim), key=_claim_sort_key(graph))
    rows = [(node, _claim_attributes(graph, node, notation, findings.get(node, []))) for node in claims]

    for _node, attrs in rows:  # add the entities first, in a stable order, so the node order is deterministic
        for term in (attrs.pop("_subject"), attrs["_object"]):
            if isinstance(term, URIRef) and str(term) not in nxg:
                nxg.add_node(str(term), kind=ENTITY, label=_label(graph, term), degree=0)
    for _node, attrs in rows:
        obj = attrs.pop("_object")
        if isinstance(obj, Literal) and _value_id(obj) not in nxg:
            nxg.add_node(_value_id(obj), kind=VALUE, label=str(obj), degree=0, datatype=str(obj.datatype or ""))
    for node, attrs in rows:
        nxg.add_node(str(node), **attrs)

    ids = {str(node): attrs["claim_id"] for node, attrs in rows}
    for node, attrs in rows:
        claim = str(node)
        subject = str(graph.value(node, RDF.subject))
        obj = graph.value(node, RDF.object)
        target = _value_id(obj) if isinstance(obj, Literal) else str(obj)
        label = attrs["predicate_label"]
        nxg.add_edge(subject, claim, key="subject", kind="subject", label=label, predicate=attrs["predicate"])
        nxg.add_edge(claim, target, key="object", kind="object", label=label, predicate=attrs["predicate"])
        for end in (subject, target):
            nxg.nodes[end]["degree"] += 1
        for other in sorted(str(o) for o in graph.objects(node, CG.supports)):
            if other in ids:
                nxg.add_edge(claim, other, key="supports", kind="supports", label="supports")
        for other in sorted(str(o) for o in graph.objects(node, CG.contradicts)):
            if other in ids and ids[claim] < ids[other]:
                nxg.add_edge(claim, other, key="contradicts", kind="contradicts", label="contradicts")
    return nxg


def select(nxg: nx.MultiDiGraph, focus: str | None = None, hops: int = 1, only: str | None = None) -> nx.MultiDiGraph:
    """A subgraph: claims matching ``only``, then the neighbourhood of entity ``focus`` within ``hops``.

    ``only``: flagged (any finding, or status contested/unsupported), contradictions (in a contradiction),
    unsupported (status unsupported or an ``unsupported`` finding). The entities and values the kept claims
    touch are kept with them. Raises LookupError when ``focus`` names no node.
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
    """The subgraph on ``keep``, nodes and edges in the projection's order.

    (``nxg.subgraph(...).copy()`` iterates a set, so its order — and the page built from it — changed with
    the hash seed.)
    """
    sub = nx.MultiDiGraph(**nxg.graph)
    sub.add_nodes_from((n, dict(a)) for n, a in nxg.nodes(data=True) if n in keep)
    sub.add_edges_from((u, v, k, dict(d)) for u, v, k, d in nxg.edges(keys=True, data=True) if u in keep and v in keep)
    return sub


def find_node(nxg: nx.MultiDiGraph, text: str) -> str | None:
    """The node whose label or claim id equals ``text`` (case and white space ignored), entities first."""
    wanted = " ".join(text.split()).casefold()
    found = None
    for node, attrs in nxg.nodes(data=True):
        names = {" ".join(str(attrs.get("label", "")).split()).casefold(), str(attrs.get("claim_id", "")).casefold()}
        if wanted in names:
            if attrs["kind"] == ENTITY:
                return node
            found = found or node
    return found


def export(nxg: nx.MultiDiGraph, fmt: str) -> bytes:
    """GraphML or GEXF bytes; list-valued attributes are flattened to text so Gephi and Cytoscape read them."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    flat = nx.MultiDiGraph(name=nxg.graph.get("name", "claimgraph"))
    for node, attrs in nxg.nodes(data=True):
        flat.add_node(node, **_flatten(attrs))
    for u, v, key, attrs in nxg.edges(keys=True, data=True):
        flat.add_edge(u, v, key=key, **_flatten(attrs))
    out = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(flat, out, encoding="utf-8", prettyprint=True)
    else:
        nx.write_gexf(flat, out, encoding="utf-8", prettyprint=True, version="1.2draft")
    return _strip_timestamp(out.getvalue())


def _strip_timestamp(data: bytes) -> bytes:
    """GEXF carries the write date in <meta lastmodifieddate>; drop it so the same graph gives the same bytes."""
    text = data.decode("utf-8")
    start = text.find(' lastmodifieddate="')
    if start >= 0:
        end = text.index('"', start + len(' lastmodifieddate="'))
        text = text[:start] + text[end + 1 :]
    return text.encode("utf-8")


def _flatten(attrs: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in attrs.items():
        if name == "findings":
            flat[name] = "\n".join(f"{f['kind']} ({f['severity']}): {f['message']}" for f in value)
        elif isinstance(value, list | tuple):
            flat[name] = "; ".join(str(v) for v in value)
        elif value is None:
            flat[name] = ""
        else:
            flat[name] = value
    return flat


def _matches(nxg: nx.MultiDiGraph, node: str, attrs: dict[str, Any], only: str) -> bool:
    kinds = set(attrs["finding_kinds"])
    if only == "flagged":
        return bool(kinds) or attrs["status"] in ("contested", "unsupported")
    if only == "unsupported":
        return attrs["status"] == "unsupported" or "unsupported" in kinds
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


class _Notations:
    """skos:notation of qualifier individuals (the CSV words), cached."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.cache: dict[Node, str] = {}

    def __call__(self, term: Node | None) -> str:
        if term is None:
            return ""
        if term not in self.cache:
            value = self.graph.value(term, SKOS.notation)
            self.cache[term] = str(value) if value is not None else _local(term)
        return self.cache[term]


def _findings(graph: Graph) -> dict[Node, list[dict[str, str]]]:
    """Every cg:Finding, listed under each claim it concerns, in a stable order."""
    found: dict[Node, list[dict[str, str]]] = {}
    for finding in sorted(graph.subjects(RDF.type, CG.Finding), key=str):
        record = {
            "id": str(finding),
            "rule": _text(graph, finding, CG.rule),
            "kind": _text(graph, finding, CG.findingKind),
            "severity": _text(graph, finding, CG.severity),
            "message": _text(graph, finding, CG.message),
        }
        for claim in graph.objects(finding, CG.concerns):
            found.setdefault(claim, []).append(record)
    return found


def _claim_attributes(
    graph: Graph, node: URIRef, notation: _Notations, findings: list[dict[str, str]]
) -> dict[str, Any]:
    subject = graph.value(node, RDF.subject)
    predicate = graph.value(node, RDF.predicate)
    obj = graph.value(node, RDF.object)
    source = graph.value(node, PROV.wasDerivedFrom)
    source_kind = graph.value(source, CG.sourceKind) if source is not None else None
    evidence = graph.value(node, CG.hasEvidence)
    agent = graph.value(node, PROV.wasAttributedTo)
    quote, prefix, suffix = _quote(graph, node)
    source_url = graph.value(source, SCHEMA.citation) if source is not None else None
    citation = graph.value(evidence, SCHEMA.citation) if evidence is not None else None
    return {
        "kind": CLAIM,
        "_subject": subject,
        "_object": obj,
        "claim_id": _text(graph, node, DCTERMS.identifier),
        "label": _text(graph, node, DCTERMS.identifier),
        "subject": _label(graph, subject),
        "predicate": _local(predicate),
        "predicate_label": _text(graph, predicate, RDFS.label) or _local(predicate),
        "object": _label(graph, obj),
        "object_is_value": isinstance(obj, Literal),
        "polarity": notation(graph.value(node, CG.polarity)) or "affirmed",
        "certainty": notation(graph.value(node, CG.certainty)) or "certain",
        "attribution": _text(graph, agent, RDFS.label),
        "evidence": notation(graph.value(evidence, CG.evidenceKind)) if evidence is not None else "none",
        "citation": str(citation) if citation is not None else "",
        "source": _text(graph, source, DCTERMS.identifier) or _local(source),
        "source_title": _text(graph, source, SCHEMA.name),
        "source_kind": notation(source_kind),
        "source_url": str(source_url) if source_url is not None else "",
        "evidence_source": bool(
            source_kind is not None and graph.value(source_kind, CG.isEvidenceSource) == Literal(True)
        ),
        "quote": quote,
        "quote_prefix": prefix,
        "quote_suffix": suffix,
        "note": _text(graph, node, CG.curatorNote),
        "hedge_cues": sorted(str(c) for c in graph.objects(node, CG.hedgeCue)),
        "status": _text(graph, node, CG.status) or UNAUDITED,
        "evidence_level": _text(graph, node, CG.evidenceLevel),
        "literature": _text(graph, node, CG.literature),  # the audit's verdict of the literature on this claim
        "findings": findings,
        "finding_kinds": sorted({f["kind"] for f in findings if f["kind"]}),
    }


def _quote(graph: Graph, claim: URIRef) -> tuple[str, str, str]:
    for annotation in sorted(graph.subjects(OA.hasBody, claim), key=str):
        for target in graph.objects(annotation, OA.hasTarget):
            for selector in sorted(graph.objects(target, OA.hasSelector), key=str):
                exact = graph.value(selector, OA.exact)
                if exact is not None:
                    return (str(exact), _text(graph, selector, OA.prefix), _text(graph, selector, OA.suffix))
    return "", "", ""


def _claim_sort_key(graph: Graph):
    def key(node: Node) -> tuple[str, str]:
        return (_text(graph, node, DCTERMS.identifier), str(node))

    return key


def _value_id(literal: Literal) -> str:
    return "value:" + literal.n3()


def _label(graph: Graph, term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return str(term)
    return _text(graph, term, RDFS.label) or _local(term)


def _text(graph: Graph, subject: Node | None, predicate: URIRef) -> str:
    if subject is None:
        return ""
    value = graph.value(subject, predicate)
    return str(value) if value is not None else ""


def _local(term: Node | None) -> str:
    if term is None:
        return ""
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
