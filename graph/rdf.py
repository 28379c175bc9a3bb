"""Claims → RDF triples, and deterministic serialisation."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from rdflib import OWL, RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef

from . import __version__
from .claims import Claim, entity_key
from .cues import cues_in
from .project import Project
from .sources import Source, citation_iri
from .vocab import CG, DCTERMS, OA, OBO, PREFIXES, PROV, SCHEMA, SKOS, Vocabulary

DEFAULT_BASE = "https://w3id.org/claimgraph/id/"
FORMATS = {  # name: (rdflib format, file suffix)
    "turtle": ("turtle", "ttl"),
    "ntriples": ("nt", "nt"),
    "jsonld": ("json-ld", "jsonld"),
    "trig": ("trig", "trig"),
}
_PLAIN = re.compile(r"^[a-z0-9]+(?: [a-z0-9]+)*$")


def slug(label: str) -> str:
    """An IRI-safe name for a label; distinct labels always give distinct slugs.

    Labels of lower-case letters, digits and single spaces map one-to-one (space → '-');
    any other label gets a hash suffix, since '-' cannot occur in the first kind.
    """
    key = entity_key(label)
    if _PLAIN.match(key):
        return key.replace(" ", "-")
    readable = re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:40] or "x"
    return f"{readable}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"


class Minter:
    """Mints the IRIs of one build from its base."""

    def __init__(self, base: str):
        self.base = base if base.endswith(("/", "#")) else base + "/"

    def claim(self, claim_id: str, part: str = "") -> URIRef:
        return URIRef(f"{self.base}claim/{claim_id}" + (f"/{part}" if part else ""))

    def entity(self, label: str) -> URIRef:
        return URIRef(f"{self.base}entity/{slug(label)}")

    def source(self, key: str) -> URIRef:
        return URIRef(f"{self.base}source/{key}")

    def agent(self, name: str) -> URIRef:
        return URIRef(f"{self.base}agent/{slug(name)}")

    def dataset(self) -> URIRef:
        return URIRef(f"{self.base}dataset")


def build_graph(
    project: Project, base: str = DEFAULT_BASE, progress: Callable[[int, int], None] | None = None
) -> Graph:
    """The RDF graph of a project's claims: one reified, qualified, anchored node per claim."""
    mint = Minter(base)
    g = Graph(bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    g.bind("claim", mint.base + "claim/")
    g.bind("entity", mint.base + "entity/")
    g.bind("source", mint.base + "source/")
    g.bind("agent", mint.base + "agent/")

    dataset = mint.dataset()
    g.add((dataset, RDF.type, PROV.Entity))
    g.add((dataset, RDFS.label, Literal("claimgraph build")))
    tool = URIRef("https://w3id.org/claimgraph/software")
    g.add((dataset, PROV.wasAttributedTo, tool))
    g.add((tool, RDF.type, PROV.SoftwareAgent))
    g.add((tool, RDFS.label, Literal(f"claimgraph {__version__}")))

    used_sources = {c.source for c in project.claims}
    for source in project.sources.values():
        if source.key in used_sources or source.citation:
            _add_source(g, mint, project.vocab, source)

    labels: dict[str, str] = {}  # entity key → first spelling, so each entity has one label
    for claim in project.claims:
        for label in (claim.subject, claim.object):
            labels.setdefault(entity_key(label), " ".join(label.split()))
    g += project.vocab.graph  # the output carries its vocabulary, so it can be queried and audited alone
    total = len(project.claims)
    for done, claim in enumerate(project.claims, start=1):
        _add_claim(g, mint, project, claim, labels)
        if progress and (done % 500 == 0 or done == total):
            progress(done, total)
    return g


def _add_source(g: Graph, mint: Minter, vocab: Vocabulary, source: Source) -> None:
    node = mint.source(source.key)
    g.add((node, RDF.type, CG.Source))
    g.add((node, DCTERMS.identifier, Literal(source.key)))
    if source.title:
        g.add((node, SCHEMA.name, Literal(source.title)))
    if source.kind in vocab.source_kinds:
        g.add((node, CG.sourceKind, vocab.source_kinds[source.kind]))
    if source.citation_iri:
        g.add((node, SCHEMA.citation, URIRef(source.citation_iri)))
        g.add((node, OWL.sameAs, URIRef(source.citation_iri)))
    if source.published:
        g.add((node, SCHEMA.datePublished, Literal(source.published)))
    if source.text is not None:  # which version of the text the selectors' offsets refer to
        digest = hashlib.sha256(source.text.text.encode("utf-8")).hexdigest()
        g.add((node, SCHEMA.sha256, Literal(digest)))


def _add_claim(g: Graph, mint: Minter, project: Project, claim: Claim, labels: dict[str, str]) -> None:
    vocab = project.vocab
    predicate, _ = vocab.resolve(claim.predicate)
    node = mint.claim(claim.id)
    g.add((node, RDF.type, CG.Claim))
    g.add((node, DCTERMS.identifier, Literal(claim.id)))

    subject = _entity(g, mint, labels[entity_key(claim.subject)])
    g.add((node, RDF.subject, subject))
    g.add((node, RDF.predicate, predicate.iri))
    if predicate.literal:
        datatype = predicate.datatype if predicate.datatype not in (None, XSD.string) else None
        g.add((node, RDF.object, Literal(claim.object, datatype=datatype)))
    else:
        g.add((node, RDF.object, _entity(g, mint, labels[entity_key(claim.object)])))

    g.add((node, CG.polarity, vocab.polarity[claim.polarity]))
    g.add((node, CG.certainty, vocab.certainty[claim.certainty]))
    agent = mint.agent(claim.attribution)
    g.add((node, PROV.wasAttributedTo, agent))
    g.add((agent, RDF.type, PROV.Agent))
    g.add((agent, RDFS.label, Literal(claim.attribution)))
    source = mint.source(claim.source)
    g.add((node, PROV.wasDerivedFrom, source))
    if claim.note:
        g.add((node, CG.curatorNote, Literal(claim.note)))

    evidence = mint.claim(claim.id, "evidence")
    kind = vocab.evidence[claim.evidence]
    g.add((node, CG.hasEvidence, evidence))
    g.add((evidence, RDF.type, CG.Evidence))
    g.add((evidence, CG.evidenceKind, kind))
    for eco in _eco_classes(vocab, kind):
        g.add((evidence, RDF.type, eco))
    if claim.citation:
        g.add((evidence, SCHEMA.citation, URIRef(citation_iri(claim.citation))))

    for target in claim.supports:
        g.add((node, CG.supports, mint.claim(target)))
    for target in claim.contradicts:
        g.add((node, CG.contradicts, mint.claim(target)))
        g.add((mint.claim(target), CG.contradicts, node))

    for cue in cues_in(claim.quote):
        g.add((node, CG.hedgeCue, Literal(cue)))
    if claim.anchor is not None:
        _add_anchor(g, mint, project.sources[claim.source], claim, node, source)


def _eco_classes(vocab: Vocabulary, kind: URIRef) -> list[URIRef]:
    """The ECO classes an evidence kind maps to, exact matches first."""
    classes = [c for p in (SKOS.exactMatch, SKOS.broadMatch) for c in vocab.graph.objects(kind, p)]
    return sorted((c for c in classes if str(c).startswith(str(OBO))), key=str)


def _entity(g: Graph, mint: Minter, label: str) -> URIRef:
    node = mint.entity(label)
    g.add((node, RDF.type, CG.Entity))
    g.add((node, RDFS.label, Literal(label)))
    return node


def _add_anchor(g: Graph, mint: Minter, source: Source, claim: Claim, node: URIRef, source_node: URIRef) -> None:
    """Where the quote stands: a W3C Web Annotation with quote and position selectors."""
    span = claim.anchor
    prefix, suffix = source.text.context(span)
    annotation = mint.claim(claim.id, "annotation")
    target = mint.claim(claim.id, "target")
    quote_selector = mint.claim(claim.id, "quote-selector")
    position_selector = mint.claim(claim.id, "position-selector")
    g.add((node, PROV.wasQuotedFrom, source_node))
    g.add((annotation, RDF.type, OA.Annotation))
    g.add((annotation, OA.motivatedBy, OA.identifying))
    g.add((annotation, OA.hasBody, node))
    g.add((annotation, OA.hasTarget, target))
    g.add((target, RDF.type, OA.SpecificResource))
    g.add((target, OA.hasSource, source_node))
    g.add((target, OA.hasSelector, quote_selector))
    g.add((target, OA.hasSelector, position_selector))
    g.add((quote_selector, RDF.type, OA.TextQuoteSelector))
    g.add((quote_selector, OA.exact, Literal(source.text.text[span.start : span.end])))
    g.add((quote_selector, OA.prefix, Literal(prefix)))
    g.add((quote_selector, OA.suffix, Literal(suffix)))
    g.add((position_selector, RDF.type, OA.TextPositionSelector))
    g.add((position_selector, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
    g.add((position_selector, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))


def serialize(graph: Graph, fmt: str = "turtle", name: str = DEFAULT_BASE + "dataset") -> bytes:
    """Serialise deterministically: the same graph gives the same bytes, whatever the hash seed.

    rdflib's Turtle and TriG writers sort subjects, predicates and objects; N-Triples lines and JSON-LD arrays
    are sorted here. ``name`` is the named graph that holds the triples in TriG.
    """
    rdflib_format = FORMATS[fmt][0]
    if rdflib_format == "nt":
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        return ("\n".join(sorted(line for line in lines if line)) + "\n").encode("utf-8")
    if rdflib_format == "trig":
        dataset = Dataset()
        for prefix, ns in sorted(graph.namespaces()):
            dataset.bind(prefix, ns, override=True, replace=True)
        named = dataset.graph(URIRef(name))
        for triple in graph:
            named.add(triple)
        return dataset.serialize(format="trig", encoding="utf-8")
    if rdflib_format == "json-ld":  # rdflib's JSON-LD order follows hashing: sort it
        document = json.loads(graph.serialize(format="json-ld", encoding="utf-8"))
        return (json.dumps(_sorted_json(document), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    return graph.serialize(format=rdflib_format, encoding="utf-8")


def _sorted_json(value: object) -> object:
    """JSON-LD arrays are unordered (no @list is written), so they may be sorted."""
    if isinstance(value, dict):
        return {k: _sorted_json(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value
