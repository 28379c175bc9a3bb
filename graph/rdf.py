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


def ntriples(inputs: Inputs, mint: Minter, progress: Callable[[int, int], None] | None = None) -> Iterator[str]:
    """The graph of a project's claims (one reified, qualified, anchored node per claim, with the vocabulary) as
    N-Triples text, in chunks of whole lines, in the fixed order.

    This is how a build makes its triples: Python formats text (a few times cheaper than making a pyoxigraph term
    per node), and Oxigraph parses it in bulk, into a store or on its way to a file.
    """
    return _Graph(inputs, mint).chunks(progress)


def vocabulary_triples(vocab: Vocabulary) -> list[ox.Triple]:
    """The ontology, so the output can be queried and audited on its own; blank nodes get canonical labels."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in vocab.triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted((q.triple for q in dataset), key=str)


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
CHUNK_CLAIMS = 20_000  # claims per chunk of text (a bulk load per chunk: fewer is cheaper, more holds more text)


def literal(text: str) -> str:
    """A simple literal in N-Triples syntax."""
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        text = text.translate(_ESCAPES)
    return f'"{text}"'


def _n(term: ox.NamedNode | ox.Literal) -> str:
    return str(term)


class _Graph:
    """One build's triples, in their fixed order, as N-Triples lines."""

    def __init__(self, inputs: Inputs, mint: Minter):
        self.inputs = inputs
        self.vocab = inputs.vocab
        self.mint = mint
        self.labels: dict[str, str] = {}  # entity key → first spelling, so each entity has one label
        self.keys: dict[str, str] = {}  # label as written → entity key (labels repeat: each is folded once)
        self.names: dict[str, None] = {}  # every label that names an entity, in order
        self.agents: dict[str, str] = {}  # agent IRI → first spelling, so each agent has one label
        self.contradicted_by: dict[str, set[str]] = {}  # contradicts is symmetric: written in both directions
        literal: dict[str, bool] = {}
        attributions: set[str] = set()
        for claim in inputs.claims:
            if claim.predicate not in literal:
                predicate, _ = self.vocab.resolve(claim.predicate)
                literal[claim.predicate] = predicate is not None and predicate.literal
            # a literal object is a value, not an entity: its spelling never names an entity
            for label in (claim.subject,) if literal[claim.predicate] else (claim.subject, claim.object):
                if label not in self.keys:
                    key = self.keys[label] = entity_key(label)
                    self.labels.setdefault(key, collapse(label))
                    self.names[label] = None
            if claim.attribution not in attributions:
                attributions.add(claim.attribution)
                self.agents.setdefault(mint.agent(claim.attribution).value, claim.attribution)
            for target in claim.contradicts:
                self.contradicted_by.setdefault(target, set()).add(claim.id)
        self.entity_iri: dict[str, str] = {}  # entity key → <IRI>
        self.citations: dict[str, str] = {}  # citation → <IRI>, validated once

    def chunks(self, progress: Callable[[int, int], None] | None = None) -> Iterator[str]:
        lines: list[str] = []
        T, mint = self._t, self.mint
        dataset = _n(mint.dataset())
        software = _n(SOFTWARE)
        T(lines, dataset, _n(RDF.type), _n(PROV.Entity))
        T(lines, dataset, _n(RDFS.label), literal("claimgraph build"))
        T(lines, dataset, _n(PROV.wasAttributedTo), software)
        T(lines, software, _n(RDF.type), _n(PROV.SoftwareAgent))
        T(lines, software, _n(RDFS.label), literal(f"claimgraph {__version__}"))
        lines += [f"{t} .\n" for t in vocabulary_triples(self.vocab)]
        used = {c.source for c in self.inputs.claims}
        for key in sorted(self.inputs.sources):
            source = self.inputs.sources[key]
            if key in used or source.citation:
                self._source(lines, source)
        for node, name in sorted(self.agents.items()):
            T(lines, f"<{node}>", _n(RDF.type), _n(PROV.Agent))
            T(lines, f"<{node}>", _n(RDFS.label), literal(name))
        for node, label in sorted(self._entities().items()):
            T(lines, f"<{node}>", _n(RDF.type), _n(CG.Entity))
            T(lines, f"<{node}>", _n(RDFS.label), literal(label))
        yield "".join(lines)
        lines = []
        claims = sorted(self.inputs.claims, key=lambda c: c.id)
        total = len(claims)
        terms = _Terms(self.vocab)
        for done, claim in enumerate(claims, start=1):
            self._claim(lines, claim, terms)
            if done % CHUNK_CLAIMS == 0 or done == total:
                yield "".join(lines)
                lines = []
                if progress:
                    progress(done, total)

    @staticmethod
    def _t(lines: list[str], s: str, p: str, o: str) -> None:
        lines.append(f"{s} {p} {o} .\n")

    def _entity(self, label: str) -> str:
        key = self.keys[label]
        iri = self.entity_iri.get(key)
        if iri is None:
            iri = self.entity_iri[key] = _n(self.mint.entity(self.labels[key]))
        return iri

    def _citation(self, citation: str) -> str:
        iri = self.citations.get(citation)
        if iri is None:
            iri = self.citations[citation] = _n(ox.NamedNode(citation_iri(citation)))
        return iri

    def _entities(self) -> dict[str, str]:
        """Entity IRI → label, for every subject, and every object that is not a literal value."""
        return {self._entity(name)[1:-1]: self.labels[self.keys[name]] for name in self.names}

    def _source(self, lines: list[str], source: Source) -> None:
        T = self._t
        node = _n(self.mint.source(source.key))
        T(lines, node, _n(RDF.type), _n(CG.Source))
        T(lines, node, _n(DCTERMS.identifier), literal(source.key))
        if source.title:
            T(lines, node, _n(SCHEMA.name), literal(source.title))
        if source.kind in self.vocab.source_kinds:
            T(lines, node, _n(CG.sourceKind), _n(self.vocab.source_kinds[source.kind].iri))
        if source.citation_iri:
            iri = _n(ox.NamedNode(source.citation_iri))
            T(lines, node, _n(SCHEMA.citation), iri)
            T(lines, node, _n(OWL.sameAs), iri)
        if source.published:
            T(lines, node, _n(SCHEMA.datePublished), literal(source.published))
        if source.participants is not None:
            T(lines, node, _n(CG.participants), f'"{source.participants}"^^{_n(XSD.integer)}')
        for prop, value, values in (
            (CG.riskOfBias, source.risk_of_bias, self.vocab.values["RiskOfBias"]),
            (CG.conflictOfInterest, source.conflict_of_interest, self.vocab.values["ConflictOfInterest"]),
        ):
            if value in values:
                T(lines, node, _n(prop), _n(values[value].iri))
        if source.text is not None:  # which version of the text the selectors' offsets refer to
            T(lines, node, _n(SCHEMA.sha256), literal(source.text.sha256))

    def _claim(self, lines: list[str], claim: Claim, t: _Terms) -> None:
        vocab, add = self.vocab, lines.append
        predicate, _ = vocab.resolve(claim.predicate)
        base = self.mint.base
        node = f"<{base}claim/{claim.id}>"
        add(f"{node} {t.type} {t.claim} .\n")
        add(f"{node} {t.identifier} {literal(claim.id)} .\n")
        add(f"{node} {t.subject} {self._entity(claim.subject)} .\n")
        add(f"{node} {t.predicate} {t.iri(predicate.iri)} .\n")
        if predicate.literal:
            add(f"{node} {t.object} {_n(_literal(claim.object, predicate.datatype))} .\n")
        else:
            add(f"{node} {t.object} {self._entity(claim.object)} .\n")
        add(f"{node} {t.polarity} {t.iri(vocab.polarity[claim.polarity].iri)} .\n")
        add(f"{node} {t.certainty} {t.iri(vocab.certainty[claim.certainty].iri)} .\n")
        add(f"{node} {t.attributed} {t.agent(self.mint, claim.attribution)} .\n")
        source = f"<{base}source/{claim.source}>"
        add(f"{node} {t.derived} {source} .\n")
        if claim.note:
            add(f"{node} {t.note} {literal(claim.note)} .\n")
        evidence = f"<{base}claim/{claim.id}/evidence>"
        add(f"{node} {t.has_evidence} {evidence} .\n")
        for target in claim.supports:
            add(f"{node} {t.supports} <{base}claim/{target}> .\n")
        for target in sorted(set(claim.contradicts) | self.contradicted_by.get(claim.id, set())):
            add(f"{node} {t.contradicts} <{base}claim/{target}> .\n")
        for cue in cues_in(claim.quote):
            add(f"{node} {t.hedge_cue} {literal(cue)} .\n")
        if claim.anchor is not None:
            add(f"{node} {t.quoted} {source} .\n")
        kind = vocab.evidence[claim.evidence]
        add(f"{evidence} {t.type} {t.evidence} .\n")
        for eco in t.eco(kind):
            add(f"{evidence} {t.type} {eco} .\n")
        add(f"{evidence} {t.evidence_kind} {t.iri(kind.iri)} .\n")
        if claim.citation:
            add(f"{evidence} {t.citation} {self._citation(claim.citation)} .\n")
        if claim.anchor is not None:
            _anchor(lines, self.inputs.sources[claim.source], claim, node, source, f"{base}claim/{claim.id}/", t)


class _Terms:
    """The N-Triples text of the terms every claim uses, made once."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self.type, self.claim, self.evidence = _n(RDF.type), _n(CG.Claim), _n(CG.Evidence)
        self.identifier, self.subject, self.predicate, self.object = (
            _n(DCTERMS.identifier), _n(RDF.subject), _n(RDF.predicate), _n(RDF.object)
        )  # fmt: skip
        self.polarity, self.certainty, self.note = _n(CG.polarity), _n(CG.certainty), _n(CG.curatorNote)
        self.attributed, self.derived, self.quoted = (
            _n(PROV.wasAttributedTo), _n(PROV.wasDerivedFrom), _n(PROV.wasQuotedFrom)
        )  # fmt: skip
        self.has_evidence, self.supports, self.contradicts = _n(CG.hasEvidence), _n(CG.supports), _n(CG.contradicts)
        self.hedge_cue, self.evidence_kind, self.citation = _n(CG.hedgeCue), _n(CG.evidenceKind), _n(SCHEMA.citation)
        self.annotation, self.motivated, self.identifying = _n(OA.Annotation), _n(OA.motivatedBy), _n(OA.identifying)
        self.body, self.target, self.specific = _n(OA.hasBody), _n(OA.hasTarget), _n(OA.SpecificResource)
        self.has_source, self.selector = _n(OA.hasSource), _n(OA.hasSelector)
        self.quote_selector, self.exact, self.prefix, self.suffix = (
            _n(OA.TextQuoteSelector), _n(OA.exact), _n(OA.prefix), _n(OA.suffix)
        )  # fmt: skip
        self.position_selector, self.start, self.end = _n(OA.TextPositionSelector), _n(OA.start), _n(OA.end)
        self.integer = _n(XSD.integer)
        self._iris: dict[str, str] = {}
        self._agents: dict[str, str] = {}
        self._eco: dict[str, list[str]] = {}

    def iri(self, node: ox.NamedNode) -> str:
        text = self._iris.get(node.value)
        if text is None:
            text = self._iris[node.value] = _n(node)
        return text

    def agent(self, mint: Minter, name: str) -> str:
        text = self._agents.get(name)
        if text is None:
            text = self._agents[name] = _n(mint.agent(name))
        return text

    def eco(self, kind) -> list[str]:
        found = self._eco.get(kind.iri.value)
        if found is None:
            found = self._eco[kind.iri.value] = [_n(c) for c in self.vocab.eco_classes(kind)]
        return found


def _literal(text: str, datatype: ox.NamedNode | None) -> ox.Literal:
    if datatype is None or datatype == XSD.string:
        return ox.Literal(text)
    return canonical_literal(ox.Literal(text, datatype=datatype))


def _anchor(lines: list[str], source: Source, claim: Claim, node: str, source_node: str, part: str, t: _Terms):
    """Where the quote stands: a W3C Web Annotation with quote and position selectors."""
    add = lines.append
    span = claim.anchor
    prefix, suffix = source.text.context(span)
    annotation = f"<{part}annotation>"
    target = f"<{part}target>"
    quote = f"<{part}quote-selector>"
    position = f"<{part}position-selector>"
    add(f"{annotation} {t.type} {t.annotation} .\n")
    add(f"{annotation} {t.motivated} {t.identifying} .\n")
    add(f"{annotation} {t.body} {node} .\n")
    add(f"{annotation} {t.target} {target} .\n")
    add(f"{target} {t.type} {t.specific} .\n")
    add(f"{target} {t.has_source} {source_node} .\n")
    add(f"{target} {t.selector} {quote} .\n")
    add(f"{target} {t.selector} {position} .\n")
    add(f"{quote} {t.type} {t.quote_selector} .\n")
    add(f"{quote} {t.exact} {literal(source.text.text[span.start : span.end])} .\n")
    add(f"{quote} {t.prefix} {literal(prefix)} .\n")
    add(f"{quote} {t.suffix} {literal(suffix)} .\n")
    add(f"{position} {t.type} {t.position_selector} .\n")
    # xsd:integer, not the Web Annotation range xsd:nonNegativeInteger: stores keep only the former term for
    # term (the shapes require a value of 0 or more).
    add(f'{position} {t.start} "{span.start}"^^{t.integer} .\n')
    add(f'{position} {t.end} "{span.end}"^^{t.integer} .\n')


def write_rdf(statements: Iterable[ox.Triple | ox.Quad], path: Path, fmt: RdfFormat, prefixes: dict[str, str],
              graph_name: ox.NamedNode | None = None) -> None:
    """Stream triples (or quads of the default graph, as a parser gives them) to a file in ``fmt``; a dataset
    format puts them in the named graph ``graph_name``."""
    if fmt.quads:
        name = graph_name or ox.DefaultGraph()
        items: Iterable = (ox.Quad(t.subject, t.predicate, t.object, name) for t in statements)
    else:
        items = statements  # handed to the serializer as they are: no Python step per triple
    options = {"prefixes": prefixes} if fmt.name in ("turtle", "trig") else {}
    ox.serialize(items, path, format=fmt.ox, **options)
