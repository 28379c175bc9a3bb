"""Namespaces, and the loaded ontology: claim predicates and every set of allowed values, from the ontology only.

The core ontology (``ontology.ttl``) declares each allowed value of a qualifier, status or finding kind as a
named individual of its class with a ``skos:notation`` (the word used in tables and reports), a label, a comment
(its meaning) and, where order matters, a rank. An extension ontology adds values by declaring more individuals;
nothing in the code lists them.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox


class Namespace(str):
    """An IRI prefix; ``NS.name`` or ``NS["name"]`` is the pyoxigraph NamedNode of a term in it."""

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        node = ox.NamedNode(self + name)
        setattr(self, name, node)  # made once: writing the audit's triples asked for 2.3 million at 100,000 claims
        return node

    def __getitem__(self, name: str) -> ox.NamedNode:  # type: ignore[override]
        return ox.NamedNode(self + name)


CG = Namespace("https://w3id.org/claimgraph/ns#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
MP = Namespace("http://purl.org/mp/")
OA = Namespace("http://www.w3.org/ns/oa#")
OBO = Namespace("http://purl.obolibrary.org/obo/")
DCTERMS = Namespace("http://purl.org/dc/terms/")

PREFIXES: dict[str, str] = {
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
TRUE = ox.Literal("true", datatype=XSD.boolean)


def local_name(iri: str | ox.NamedNode) -> str:
    text = iri.value if isinstance(iri, ox.NamedNode) else str(iri)
    return text[max(text.rfind("#"), text.rfind("/")) + 1 :]


@dataclass(frozen=True)
class Value:
    """One allowed value: an individual of a value class, known in tables by its notation."""

    iri: ox.NamedNode
    notation: str
    label: str
    comment: str
    rank: int | None
    properties: dict[str, ox.Literal | ox.NamedNode] = field(default_factory=dict, compare=False)

    def flag(self, name: str) -> bool:
        return self.properties.get(name) == TRUE

    def number(self, name: str, default: int = 0) -> int:
        term = self.properties.get(name)
        try:
            return int(term.value) if isinstance(term, ox.Literal) else default
        except ValueError:
            return default


class Values(dict[str, Value]):
    """The allowed values of one class by notation, in rank order (then by notation)."""

    def by_iri(self, iri: ox.NamedNode | str) -> Value | None:
        wanted = iri.value if isinstance(iri, ox.NamedNode) else iri
        return next((v for v in self.values() if v.iri.value == wanted), None)

    def words(self) -> str:
        return ", ".join(sorted(self))


@dataclass(frozen=True)
class Predicate:
    iri: ox.NamedNode
    name: str
    label: str
    literal: bool  # a datatype property: the claim's object is a literal
    functional: bool
    datatype: ox.NamedNode | None
    aspects: frozenset[str]  # notations of the cg:ClaimAspect individuals it speaks to


# Datatypes every store keeps term for term. Oxigraph (and Virtuoso) store derived integer types such as
# xsd:nonNegativeInteger as xsd:integer, so a claim attribute with another range would change on the way
# through a store.
KEPT_DATATYPES = frozenset(
    XSD + name
    for name in ("string", "integer", "decimal", "double", "float", "boolean", "date", "dateTime", "gYear", "anyURI")
)

_CANONICAL = ox.Store()
_ANY = ox.NamedNode("urn:claimgraph:canonical")


def canonical_literal(literal: ox.Literal) -> ox.Literal:
    """A typed literal in the lexical form Oxigraph keeps for its value (7 for 007, 2.5 for 2.50, 1000 for a
    1E3 double, true for 1): the build writes this form, so a store gives back the file's own terms, and answers
    from engines that spell values otherwise (Virtuoso's 1000.0) are mapped onto it. A literal Oxigraph does not
    read as a value comes back as it is."""
    _CANONICAL.add(ox.Quad(_ANY, _ANY, literal))
    stored = next(iter(_CANONICAL.quads_for_pattern(_ANY, _ANY, None))).object
    _CANONICAL.clear()
    return stored


VALUE_CLASSES = (
    "Polarity",
    "Certainty",
    "EvidenceKind",
    "SourceKind",
    "ClaimAspect",
    "RiskOfBias",
    "ConflictOfInterest",
    "Verdict",
    "GradeLevel",
    "FindingKind",
    "Severity",
)


class Vocabulary:
    """The union of the loaded ontology files, with the lookups the tool needs."""

    def __init__(self, triples: Iterable[ox.Triple], complete: bool = True):
        self.triples = list(dict.fromkeys(triples))
        self.complete = complete  # False when a file failed to load: value checks would only add noise
        self._index: dict[ox.NamedNode | ox.BlankNode, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for t in self.triples:
            self._index[t.subject][t.predicate.value].append(t.object)
        self.values = {name: self._values(CG[name]) for name in VALUE_CLASSES}
        self.predicates = self._claim_predicates()

    # the value sets the rest of the tool reads by name
    @property
    def polarity(self) -> Values:
        return self.values["Polarity"]

    @property
    def certainty(self) -> Values:
        return self.values["Certainty"]

    @property
    def evidence(self) -> Values:
        return self.values["EvidenceKind"]

    @property
    def source_kinds(self) -> Values:
        return self.values["SourceKind"]

    @property
    def verdicts(self) -> Values:
        return self.values["Verdict"]

    @property
    def grades(self) -> Values:
        """GRADE levels, by notation; ``grade(rank)`` gives the one of a rank."""
        return self.values["GradeLevel"]

    def grade(self, rank: int) -> Value | None:
        """The GRADE level of a rank (1 very low … 4 high); None for 0 (no evidence)."""
        return next((v for v in self.grades.values() if v.rank == rank), None)

    @property
    def finding_kinds(self) -> Values:
        return self.values["FindingKind"]

    @property
    def severities(self) -> Values:
        return self.values["Severity"]

    def _objects(self, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode) -> list:
        return self._index.get(subject, {}).get(predicate.value, [])

    def _text(self, subject: ox.NamedNode, predicate: ox.NamedNode) -> str:
        found = [o.value for o in self._objects(subject, predicate) if isinstance(o, ox.Literal)]
        english = [o.value for o in self._objects(subject, predicate) if isinstance(o, ox.Literal) and o.language]
        return min(english or found or [""])

    def _instances(self, cls: ox.NamedNode) -> list[ox.NamedNode]:
        classes = {cls.value} | {c.value for c in self._closure(cls, RDFS.subClassOf)}
        return sorted(
            {t.subject for t in self.triples if t.predicate == RDF.type and t.object.value in classes}
            - {cls},
            key=lambda n: n.value,
        )

    def _closure(self, node: ox.NamedNode, relation: ox.NamedNode) -> set[ox.NamedNode]:
        """Everything that reaches ``node`` through ``relation`` (its sub-classes or sub-properties)."""
        found: set[ox.NamedNode] = set()
        frontier = [node]
        while frontier:
            current = frontier.pop()
            for t in self.triples:
                named = isinstance(t.subject, ox.NamedNode)
                if named and t.predicate == relation and t.object == current and t.subject not in found:
                    found.add(t.subject)
                    frontier.append(t.subject)
        return found

    def _values(self, cls: ox.NamedNode) -> Values:
        found = []
        for individual in self._instances(cls):
            if not isinstance(individual, ox.NamedNode):
                continue
            notation = self._text(individual, SKOS.notation) or local_name(individual)
            properties = {
                local_name(p): objs[0]
                for p, objs in self._index[individual].items()
                if p.startswith(CG) and objs and isinstance(objs[0], ox.Literal | ox.NamedNode)
            }
            ranks = [t.value for name, t in sorted(properties.items()) if name.endswith(("rank", "Rank"))]
            rank = int(ranks[0]) if ranks and ranks[0].lstrip("-").isdigit() else None
            label = self._text(individual, RDFS.label) or notation
            found.append(Value(individual, notation, label, self._text(individual, RDFS.comment), rank, properties))
        found.sort(key=lambda v: (v.rank if v.rank is not None else 1_000, v.notation))
        return Values((v.notation, v) for v in found)

    def _claim_predicates(self) -> dict[str, list[Predicate]]:
        found: dict[str, list[Predicate]] = {}
        aspects = self.values["ClaimAspect"]
        for root, literal in ((CG.claimRelation, False), (CG.claimAttribute, True)):
            for prop in sorted(self._closure(root, RDFS.subPropertyOf), key=lambda n: n.value):
                ranges = self._objects(prop, RDFS.range)
                predicate = Predicate(
                    iri=prop,
                    name=local_name(prop),
                    label=self._text(prop, RDFS.label) or local_name(prop),
                    literal=literal,
                    functional=OWL.FunctionalProperty in self._objects(prop, RDF.type),
                    datatype=ranges[0] if literal and ranges else None,
                    aspects=frozenset(
                        v.notation for a in self._objects(prop, CG.aspect) if (v := aspects.by_iri(a)) is not None
                    ),
                )
                if predicate not in found.setdefault(predicate.name, []):
                    found[predicate.name].append(predicate)
        return found

    def resolve(self, name: str) -> tuple[Predicate | None, str | None]:
        """A predicate by local name, or None with the reason (unknown, with a suggestion, or ambiguous)."""
        candidates = self.predicates.get(name, [])
        if len(candidates) == 1:
            return candidates[0], None
        if candidates:
            iris = ", ".join(sorted(c.iri.value for c in candidates))
            return None, f"predicate '{name}' is ambiguous: declared as {iris}"
        close = difflib.get_close_matches(name, self.predicates, n=1)
        if not close:
            lower = {n.lower(): n for n in self.predicates}
            close = [lower[name.lower()]] if name.lower() in lower else []
        hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(sorted(self.predicates))}"
        return None, f"unknown predicate '{name}'{hint}"

    def eco_classes(self, kind: Value) -> list[ox.NamedNode]:
        """The Evidence & Conclusion Ontology classes an evidence kind maps to (exact and broad matches)."""
        classes = [c for p in (SKOS.exactMatch, SKOS.broadMatch) for c in self._objects(kind.iri, p)]
        return sorted((c for c in classes if isinstance(c, ox.NamedNode) and c.value.startswith(OBO)), key=str)

    def problems(self) -> list[str]:
        """What the ontology lacks for the tool to work: a value set the code reads that has no values."""
        needed = (
            "Polarity", "Certainty", "EvidenceKind", "SourceKind", "Verdict", "GradeLevel", "FindingKind", "Severity"
        )  # fmt: skip
        missing = [name for name in needed if not self.values[name]]
        return [f"the ontology declares no cg:{name} values" for name in missing]
