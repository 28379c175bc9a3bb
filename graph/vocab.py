"""Namespaces, the loaded ontology, claim predicates and the allowed qualifier values."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef

from .files import parse_rdf_file
from .problems import Problem

CG = Namespace("https://w3id.org/claimgraph/ns#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
MP = Namespace("http://purl.org/mp/")
OA = Namespace("http://www.w3.org/ns/oa#")
OBO = Namespace("http://purl.obolibrary.org/obo/")
DCTERMS = Namespace("http://purl.org/dc/terms/")

PREFIXES = {
    "cg": CG,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "prov": PROV,
    "schema": SCHEMA,
    "mp": MP,
    "oa": OA,
    "obo": OBO,
    "dcterms": DCTERMS,
}


@dataclass(frozen=True)
class Predicate:
    iri: URIRef
    name: str
    literal: bool  # True for a datatype property: the claim's object is a literal
    functional: bool
    datatype: URIRef | None
    aspects: frozenset[URIRef]


class Vocabulary:
    """The union of the loaded ontology files, with the lookups the tool needs."""

    def __init__(self, graph: Graph, complete: bool = True):
        self.graph = graph
        self.complete = complete  # False when a file failed to load: value checks would only add noise
        self.predicates = self._claim_predicates()
        self.polarity = self._values(CG.Polarity)
        self.certainty = self._values(CG.Certainty)
        self.evidence = self._values(CG.EvidenceKind)
        self.source_kinds = self._values(CG.SourceKind)

    def _values(self, cls: URIRef) -> dict[str, URIRef]:
        """Named individuals of a qualifier class, by their skos:notation."""
        return {
            str(self.graph.value(ind, SKOS.notation)): ind
            for ind in self.graph.subjects(RDF.type, cls)
            if self.graph.value(ind, SKOS.notation) is not None
        }

    def _claim_predicates(self) -> dict[str, list[Predicate]]:
        g = self.graph
        found: dict[str, list[Predicate]] = {}
        for root, literal in ((CG.claimRelation, False), (CG.claimAttribute, True)):
            for prop in g.transitive_subjects(RDFS.subPropertyOf, root):
                if prop == root or not isinstance(prop, URIRef):
                    continue
                name = local_name(prop)
                predicate = Predicate(
                    iri=prop,
                    name=name,
                    literal=literal,
                    functional=(prop, RDF.type, OWL.FunctionalProperty) in g,
                    datatype=g.value(prop, RDFS.range) if literal else None,
                    aspects=frozenset(g.objects(prop, CG.aspect)),
                )
                if predicate not in found.setdefault(name, []):
                    found[name].append(predicate)
        return found

    def resolve(self, name: str) -> tuple[Predicate | None, str | None]:
        """A predicate by local name, or None with the reason (unknown, with a suggestion, or ambiguous)."""
        candidates = self.predicates.get(name, [])
        if len(candidates) == 1:
            return candidates[0], None
        if candidates:
            iris = ", ".join(sorted(str(c.iri) for c in candidates))
            return None, f"predicate '{name}' is ambiguous: declared as {iris}"
        close = difflib.get_close_matches(name, self.predicates, n=1)
        if not close:
            lower = {n.lower(): n for n in self.predicates}
            close = [lower[name.lower()]] if name.lower() in lower else []
        hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(sorted(self.predicates))}"
        return None, f"unknown predicate '{name}'{hint}"

    def rank(self, individual: URIRef, prop: URIRef) -> int:
        value = self.graph.value(individual, prop)
        return int(value) if isinstance(value, Literal) else 0


def local_name(iri: URIRef) -> str:
    text = str(iri)
    return text[max(text.rfind("#"), text.rfind("/")) + 1 :]


def load_vocabulary(paths: list[Path], problems: list[Problem]) -> Vocabulary:
    """Load and merge ontology files; a syntax error is reported with the parser's line and column."""
    graph = Graph()
    before = len(problems)
    for path in paths:
        parse_rdf_file(Path(path), graph, problems)
    return Vocabulary(graph, complete=len(problems) == before)
