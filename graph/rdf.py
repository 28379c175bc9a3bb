"""Claims → RDF triples (minting every IRI), and writing triples deterministically.

The triples are generated in a fixed order (build provenance, vocabulary, sources, agents, entities, then each
claim's block in id order), so the same inputs give the same bytes without sorting the graph, and a build of any
size streams into a store and into a file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from . import __version__
from .formats import RdfFormat
from .model import Claim, Source
from .read import Inputs
from .read.claims import entity_key
from .text import citation_iri, collapse, cues_in
from .vocab import CG, DCTERMS, OA, OWL, PREFIXES, PROV, RDF, RDFS, SCHEMA, XSD, Vocabulary, canonical_literal

DEFAULT_BASE = "https://w3id.org/claimgraph/id/"
SOFTWARE = ox.NamedNode("https://w3id.org/claimgraph/software")
_PLAIN = re.compile(r"^[a-z0-9]+(?: [a-z0-9]+)*$")


def slug(label: str) -> str:
    """An IRI-safe name for a label; distinct labels always give distinct slugs.

    Labels of lower-case letters, digits and single spaces map one-to-one (space → '-'); any other label gets
    a hash suffix, since '-' cannot occur in the first kind.
    """
    key = entity_key(label)
    if _PLAIN.match(key):
        return key.replace(" ", "-")
    readable = re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:40] or "x"
    return f"{readable}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"


class Minter:
    """Mints the IRIs of one build from its base."""

    def __init__(self, base: str):
        base = base if base.endswith(("/", "#")) else base + "/"
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", base):
            raise ValueError(f"--base {base!r} is not an absolute IRI (it needs a scheme such as https:)")
        try:
            ox.NamedNode(base)
        except ValueError as err:
            raise ValueError(f"--base {base!r} is not a valid IRI: {err}") from None
        if any(c in base for c in ' <>"{}|^`\\'):
            raise ValueError(f"--base {base!r} holds a character an IRI cannot (space or one of <>\"{{}}|^`\\)")
        self.base = base

    def claim(self, claim_id: str, part: str = "") -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}claim/{claim_id}" + (f"/{part}" if part else ""))

    def entity(self, label: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}entity/{slug(label)}")

    def source(self, key: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}source/{key}")

    def agent(self, name: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}agent/{slug(name)}")

    def dataset(self) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}dataset")

    def prefixes(self) -> dict[str, str]:
        return {
            **PREFIXES,
            "claim": self.base + "claim/",
            "entity": self.base + "entity/",
            "source": self.base + "source/",
            "agent": self.base + "agent/",
        }


def triples(inputs: Inputs, mint: Minter, progress: Callable[[int, int], None] | None = None) -> Iterator[ox.Triple]:
    """The graph of a project's claims: one reified, qualified, anchored node per claim, with the vocabulary."""
    return _Graph(inputs, mint).triples(progress)


def vocabulary_triples(vocab: Vocabulary) -> list[ox.Triple]:
    """The ontology, so the output can be queried and audited on its own; blank nodes get canonical labels."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in vocab.triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted((q.triple for q in dataset), key=str)


class _Graph:
    """One build's triples, in their fixed order."""

    def __init__(self, inputs: Inputs, mint: Minter):
        self.inputs = inputs
        self.vocab = inputs.vocab
        self.mint = mint
        self.labels: dict[str, str] = {}  # entity key → first spelling, so each entity has one label
        self.agents: dict[str, str] = {}  # agent IRI → first spelling, so each agent has one label
        self.contradicted_by: dict[str, set[str]] = {}  # contradicts is symmetric: written in both directions
        for claim in inputs.claims:
            predicate, _ = self.vocab.resolve(claim.predicate)
            # a literal object is a value, not an entity: its spelling never names an entity
            literal = predicate is not None and predicate.literal
            for label in (claim.subject,) if literal else (claim.subject, claim.object):
                self.labels.setdefault(entity_key(label), collapse(label))
            self.agents.setdefault(mint.agent(claim.attribution).value, claim.attribution)
            for target in claim.contradicts:
                self.contradicted_by.setdefault(target, set()).add(claim.id)

    def triples(self, progress: Callable[[int, int], None] | None = None) -> Iterator[ox.Triple]:
        T, mint = ox.Triple, self.mint
        dataset = mint.dataset()
        yield T(dataset, RDF.type, PROV.Entity)
        yield T(dataset, RDFS.label, ox.Literal("claimgraph build"))
        yield T(dataset, PROV.wasAttributedTo, SOFTWARE)
        yield T(SOFTWARE, RDF.type, PROV.SoftwareAgent)
        yield T(SOFTWARE, RDFS.label, ox.Literal(f"claimgraph {__version__}"))
        yield from vocabulary_triples(self.vocab)
        used = {c.source for c in self.inputs.claims}
        for key in sorted(self.inputs.sources):
            source = self.inputs.sources[key]
            if key in used or source.citation:
                yield from self._source(source)
        for node, name in sorted(self.agents.items()):
            yield T(ox.NamedNode(node), RDF.type, PROV.Agent)
            yield T(ox.NamedNode(node), RDFS.label, ox.Literal(name))
        for node, label in sorted(self._entities().items()):
            yield T(ox.NamedNode(node), RDF.type, CG.Entity)
            yield T(ox.NamedNode(node), RDFS.label, ox.Literal(label))
        total = len(self.inputs.claims)
        for done, claim in enumerate(sorted(self.inputs.claims, key=lambda c: c.id), start=1):
            yield from self._claim(claim)
            if progress and (done % 1000 == 0 or done == total):
                progress(done, total)

    def _entities(self) -> dict[str, str]:
        """Entity IRI → label, for every subject, and every object that is not a literal value."""
        found: dict[str, str] = {}
        for claim in self.inputs.claims:
            predicate, _ = self.vocab.resolve(claim.predicate)
            names = [claim.subject] if predicate.literal else [claim.subject, claim.object]
            for name in names:
                label = self.labels[entity_key(name)]
                found.setdefault(self.mint.entity(label).value, label)
        return found

    def _source(self, source: Source) -> Iterator[ox.Triple]:
        T = ox.Triple
        node = self.mint.source(source.key)
        yield T(node, RDF.type, CG.Source)
        yield T(node, DCTERMS.identifier, ox.Literal(source.key))
        if source.title:
            yield T(node, SCHEMA.name, ox.Literal(source.title))
        if source.kind in self.vocab.source_kinds:
            yield T(node, CG.sourceKind, self.vocab.source_kinds[source.kind].iri)
        if source.citation_iri:
            yield T(node, SCHEMA.citation, ox.NamedNode(source.citation_iri))
            yield T(node, OWL.sameAs, ox.NamedNode(source.citation_iri))
        if source.published:
            yield T(node, SCHEMA.datePublished, ox.Literal(source.published))
        if source.participants is not None:
            yield T(node, CG.participants, ox.Literal(str(source.participants), datatype=XSD.integer))
        for prop, value, values in (
            (CG.riskOfBias, source.risk_of_bias, self.vocab.values["RiskOfBias"]),
            (CG.conflictOfInterest, source.conflict_of_interest, self.vocab.values["ConflictOfInterest"]),
        ):
            if value in values:
                yield T(node, prop, values[value].iri)
        if source.text is not None:  # which version of the text the selectors' offsets refer to
            digest = hashlib.sha256(source.text.text.encode("utf-8")).hexdigest()
            yield T(node, SCHEMA.sha256, ox.Literal(digest))

    def _claim(self, claim: Claim) -> Iterator[ox.Triple]:
        T, mint, vocab = ox.Triple, self.mint, self.vocab
        predicate, _ = vocab.resolve(claim.predicate)
        node = mint.claim(claim.id)
        yield T(node, RDF.type, CG.Claim)
        yield T(node, DCTERMS.identifier, ox.Literal(claim.id))
        yield T(node, RDF.subject, mint.entity(self.labels[entity_key(claim.subject)]))
        yield T(node, RDF.predicate, predicate.iri)
        if predicate.literal:
            yield T(node, RDF.object, _literal(claim.object, predicate.datatype))
        else:
            yield T(node, RDF.object, mint.entity(self.labels[entity_key(claim.object)]))
        yield T(node, CG.polarity, vocab.polarity[claim.polarity].iri)
        yield T(node, CG.certainty, vocab.certainty[claim.certainty].iri)
        yield T(node, PROV.wasAttributedTo, mint.agent(claim.attribution))
        source = mint.source(claim.source)
        yield T(node, PROV.wasDerivedFrom, source)
        if claim.note:
            yield T(node, CG.curatorNote, ox.Literal(claim.note))
        evidence = mint.claim(claim.id, "evidence")
        yield T(node, CG.hasEvidence, evidence)
        for target in claim.supports:
            yield T(node, CG.supports, mint.claim(target))
        for target in sorted(set(claim.contradicts) | self.contradicted_by.get(claim.id, set())):
            yield T(node, CG.contradicts, mint.claim(target))
        for cue in cues_in(claim.quote):
            yield T(node, CG.hedgeCue, ox.Literal(cue))
        if claim.anchor is not None:
            yield T(node, PROV.wasQuotedFrom, source)
        kind = vocab.evidence[claim.evidence]
        yield T(evidence, RDF.type, CG.Evidence)
        for eco in vocab.eco_classes(kind):
            yield T(evidence, RDF.type, eco)
        yield T(evidence, CG.evidenceKind, kind.iri)
        if claim.citation:
            yield T(evidence, SCHEMA.citation, ox.NamedNode(citation_iri(claim.citation)))
        if claim.anchor is not None:
            yield from _anchor(mint, self.inputs.sources[claim.source], claim, node, source)


def _literal(text: str, datatype: ox.NamedNode | None) -> ox.Literal:
    if datatype is None or datatype == XSD.string:
        return ox.Literal(text)
    return canonical_literal(ox.Literal(text, datatype=datatype))


def _anchor(mint: Minter, source: Source, claim: Claim, node: ox.NamedNode, source_node: ox.NamedNode):
    """Where the quote stands: a W3C Web Annotation with quote and position selectors."""
    T = ox.Triple
    span = claim.anchor
    prefix, suffix = source.text.context(span)
    annotation = mint.claim(claim.id, "annotation")
    target = mint.claim(claim.id, "target")
    quote = mint.claim(claim.id, "quote-selector")
    position = mint.claim(claim.id, "position-selector")
    yield T(annotation, RDF.type, OA.Annotation)
    yield T(annotation, OA.motivatedBy, OA.identifying)
    yield T(annotation, OA.hasBody, node)
    yield T(annotation, OA.hasTarget, target)
    yield T(target, RDF.type, OA.SpecificResource)
    yield T(target, OA.hasSource, source_node)
    yield T(target, OA.hasSelector, quote)
    yield T(target, OA.hasSelector, position)
    yield T(quote, RDF.type, OA.TextQuoteSelector)
    yield T(quote, OA.exact, ox.Literal(source.text.text[span.start : span.end]))
    yield T(quote, OA.prefix, ox.Literal(prefix))
    yield T(quote, OA.suffix, ox.Literal(suffix))
    yield T(position, RDF.type, OA.TextPositionSelector)
    # xsd:integer, not the Web Annotation range xsd:nonNegativeInteger: stores keep only the former term for
    # term (the shapes require a value of 0 or more).
    yield T(position, OA.start, ox.Literal(str(span.start), datatype=XSD.integer))
    yield T(position, OA.end, ox.Literal(str(span.end), datatype=XSD.integer))


def write_rdf(statements: Iterable[ox.Triple], path: Path, fmt: RdfFormat, prefixes: dict[str, str],
              graph_name: ox.NamedNode | None = None) -> int:
    """Stream triples to a file in ``fmt`` (a dataset format puts them in the named graph ``graph_name``);
    returns how many were written."""
    count = [0]

    def counted(items: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
        for item in items:
            count[0] += 1
            yield item

    statements = counted(statements)
    if fmt.quads:
        name = graph_name or ox.DefaultGraph()
        items: Iterable = (ox.Quad(t.subject, t.predicate, t.object, name) for t in statements)
    else:
        items = statements
    options = {"prefixes": prefixes} if fmt.name in ("turtle", "trig") else {}
    ox.serialize(items, path, format=fmt.ox, **options)
    return count[0]
