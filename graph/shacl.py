"""SHACL-core validation on a pyoxigraph Store: each constraint is one set-based SPARQL query.

pySHACL walks focus nodes one by one in Python, which takes minutes on a 100,000-claim graph. This engine
compiles every constraint of a shapes graph into one SPARQL query over *all* focus nodes at once, so Oxigraph
does the work with its indexes:

    from graph.shacl import validate
    for v in validate(store, shapes):          # store: pyoxigraph.Store, shapes: rdflib.Graph
        print(v.focus, v.path, v.component, v.message)

Supported (anything else in a shapes graph raises ValueError naming the shape and the feature):

* shapes found as pySHACL finds them; targets by ``sh:targetClass`` (instances via ``rdf:type/rdfs:subClassOf*``)
  or by a shape that is itself an ``rdfs:Class`` (implicit class target);
* ``sh:property`` with ``sh:path`` a single predicate IRI (property shapes may nest);
* ``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:nodeKind``, ``sh:class``, ``sh:in``, ``sh:pattern`` with
  ``sh:flags`` (``i``, ``m``), ``sh:minLength``, ``sh:maxLength``, ``sh:minInclusive``, ``sh:maxInclusive``,
  ``sh:minExclusive``, ``sh:maxExclusive``, ``sh:lessThan``, ``sh:node``, ``sh:qualifiedValueShape`` with
  ``sh:qualifiedMinCount``/``sh:qualifiedMaxCount``;
* ``sh:sparql`` SELECT constraints (``sh:select``, ``sh:prefixes``/``sh:declare``, ``sh:message`` with ``{$this}``,
  ``{?value}``… placeholders, ``sh:deactivated``);
* ``sh:message``, ``sh:severity``, ``sh:deactivated``; ``sh:name``, ``sh:description``, ``sh:order``, ``sh:group``
  and ``sh:defaultValue`` are accepted and ignored (they never change a result).

How the SHACL semantics map to queries, and where the result follows pySHACL rather than the letter of the spec:

* Focus nodes are never listed in a query: a shape's focus nodes are two SPARQL patterns, one listing them and
  one testing a bound node, and a nested shape (``sh:node``, ``sh:property``, ``sh:qualifiedValueShape``) wraps
  its parent's. A constraint scans its property once, tests only the failing rows for focus membership, and so
  costs one scan when it holds. Instances of a class are ``rdf:type/rdfs:subClassOf*``; the subclasses are read
  from the data once per run, so queries test ``rdf:type`` against a fixed list instead of walking the path.
* The ``sh:minCount 1`` constraints of one node shape's property shapes share one query (they share the focus
  nodes, and the per-node index lookups cost far more than a query); ``sh:maxCount`` first asks, with one
  aggregate, whether any node at all has two values of the property. Neither ever runs a query per node.
* ``sh:sparql``: ``$this`` and ``?this`` are the same SPARQL variable, so the SELECT runs once, unbound, and only
  rows whose ``this`` is a focus node of the shape are kept. This equals SHACL's pre-binding when every solution
  binds ``$this`` through the triple patterns of the WHERE clause's top-level group, so that FILTERs (also
  ``FILTER NOT EXISTS``) see it bound exactly as if pre-bound; the claimgraph constraints are written that way.
  Queries that could differ (MINUS, VALUES, SERVICE, sub-SELECTs, ``$shapesGraph``, ``$currentShape``) are
  refused with ValueError, as pySHACL refuses the first three. The SELECT must project ``$this``.
* ``sh:node``: one result per (focus, value) whose value fails the nested shape, as pySHACL reports it; the
  nested shape's own results are kept in ``Violation.details`` (pySHACL's ``sh:detail``). A value conforms only
  if the nested shape gives no result of any severity.
* ``sh:datatype`` applies the ill-typed-literal rule: a literal of a datatype with a known lexical space
  (integers and their subtypes with their ranges, decimal, float, double, boolean, date, time, dateTime, the
  durations) matches only if its lexical form is valid. Oxigraph stores such literals by value; one whose
  lexical form it cannot parse keeps its text, and casting it to its own datatype fails, which is the test used.
* ``sh:pattern`` reads only the flags ``i`` and ``m``, like pySHACL; other flags raise ValueError.
* ``sh:minLength 0`` passes every value (pySHACL skips it), blank nodes included.
* ``sh:lessThan`` compares IRIs and string literals by their text, as pySHACL does (SPARQL ``<`` would call an
  IRI incomparable, hence a violation); a string against a non-string is a violation.
* Order comparisons (``sh:minInclusive``…, ``sh:lessThan`` on other values) are SPARQL's, and a pair SPARQL
  cannot compare is a violation, as SHACL says. pySHACL instead falls back on rdflib's ORDER BY ordering (by
  datatype IRI, language tag, then lexical form), so it takes a duration for ">= 5.0" (``duration`` sorts after
  ``decimal``) and an ill-typed ``"twelve"^^xsd:integer`` for greater than 1; those cases differ on purpose.
* Cardinalities count distinct values in the default graph of the store.

What a pyoxigraph Store cannot tell apart (pySHACL on an rdflib Graph can), pinned in tests/test_shacl.py:
Oxigraph normalises literals when it stores them, so ``"5"^^xsd:nonNegativeInteger`` *is* ``"5"^^xsd:integer``
in the store (every integer subtype becomes xsd:integer), ``"01"`` is stored as ``"1"`` and ``5.0`` as ``5``.
``sh:datatype xsd:nonNegativeInteger`` is therefore checked as "an xsd:integer in the nonNegativeInteger range":
a negative value or a non-integer is found, but an in-range ``"5"^^xsd:integer`` where ``xsd:nonNegativeInteger``
is required, or ``"5"^^xsd:int`` where ``xsd:integer`` is required, is not; and ``sh:in ( 5 )`` takes ``"5"^^xsd:int``.
Lengths and patterns of numbers see the canonical form. Lexical forms are XSD's as Oxigraph parses them: 64-bit
integers, no spaces around a number; rdflib (Python's parsers) also takes ``1_000`` and other scripts' digits
as integers, ``1e5`` as a decimal, a dateTime without seconds, months in a dayTimeDuration, so those are
ill-typed only here. A simple literal and an xsd:string literal are one term in Oxigraph, two in rdflib.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

Term = ox.NamedNode | ox.BlankNode | ox.Literal
SH_NS = str(SH)
QUERY_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD)}


@dataclass(frozen=True)
class Violation:
    """One validation result, as pySHACL reports it in its sh:result list.

    ``path`` is None for node-level constraints, ``value`` None where SHACL reports no value (cardinalities,
    qualified counts). ``details`` holds, for sh:node, the nested shape's results on ``value`` (sh:detail).
    """

    focus: Term
    path: ox.NamedNode | None
    value: Term | None
    component: str
    message: str
    shape: ox.NamedNode | ox.BlankNode
    severity: ox.NamedNode
    details: tuple[Violation, ...] = ()


def validate(data: ox.Store, shapes: Graph) -> list[Violation]:
    """Every SHACL result of ``data`` (its default graph) against ``shapes``, sorted; ValueError if unsupported."""
    compiled = _Compiler(shapes).compile()
    run = _Run(data, shapes)
    found: set[Violation] = set()
    for shape in compiled:
        found.update(_evaluate(run, shape, _class_focus(run, shape.classes)))
    return sorted(found, key=_sort_key)


def _sort_key(v: Violation) -> tuple[str, ...]:
    return (str(v.focus), str(v.path or ""), str(v.value or ""), v.component, v.message, str(v.shape))


# --- The run: the store, and facts about its data computed once -----------------------------------------------


class _Run:
    """The store being validated, with per-run caches, and the prefixes that shorten IRIs in generic messages."""

    def __init__(self, store: ox.Store, shapes: Graph) -> None:
        self.store = store
        self.names = shapes.namespace_manager
        self.counter = 0
        self.closures: dict[URIRef, tuple[Term, ...]] = {}
        self.single_valued: dict[str, bool] = {}

    def select(self, query: str, prefixes: dict[str, str] = QUERY_PREFIXES) -> ox.QuerySolutions:
        solutions = self.store.query(query, prefixes=prefixes)
        assert isinstance(solutions, ox.QuerySolutions)
        return solutions

    def fresh(self) -> str:
        """A new helper variable, so that nested patterns never capture each other's variables."""
        self.counter += 1
        return f"?h{self.counter}"

    def show(self, term: Node | Term) -> str:
        if isinstance(term, URIRef):
            return term.n3(self.names)
        if isinstance(term, Node):
            return term.n3()
        return str(term)

    def instance(self, var: str, classes: Iterable[URIRef]) -> str:
        """A pattern matching when ``var`` (bound) is a SHACL instance of one of ``classes``.

        ``rdf:type/rdfs:subClassOf*`` is resolved once: the subclasses of each class are read from the data, so
        a query tests ``rdf:type`` against a fixed list rather than walking the path for every node.
        """
        closure = sorted({c for cls in classes for c in self._closure(cls)}, key=str)
        if any(not isinstance(c, ox.NamedNode) for c in closure):  # a blank-node subclass cannot be written
            return " UNION ".join(f"{{ {var} rdf:type/rdfs:subClassOf* {_iri(c)} }}" for c in classes)
        if len(closure) == 1:
            return f"{var} rdf:type {closure[0]} ."
        kind = self.fresh()
        return f"VALUES {kind} {{ {' '.join(str(c) for c in closure)} }} {var} rdf:type {kind} ."

    def _closure(self, cls: URIRef) -> tuple[Term, ...]:
        if cls not in self.closures:
            rows = self.select(f"SELECT DISTINCT ?c WHERE {{ ?c rdfs:subClassOf* {_iri(cls)} }}")
            self.closures[cls] = (ox.NamedNode(str(cls)), *(row["c"] for row in rows))
        return self.closures[cls]

    def one_value_each(self, pattern: str) -> bool:
        """True if no ``?this`` has two ``?value`` rows in ``pattern``, over the whole graph: then no maximum of
        one or more can be exceeded. One aggregate scan, instead of grouping values per focus node."""
        if pattern not in self.single_valued:
            query = f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?this) AS ?d) WHERE {{ {pattern} }}"
            row = next(iter(self.select(query)))
            self.single_valued[pattern] = row["n"] == row["d"]
        return self.single_valued[pattern]

    def focus_set(self, focus: _Focus) -> set[Term]:
        """The focus nodes themselves, listed once per focus (only sh:sparql needs them in Python)."""
        if not focus.listed:
            rows = self.select(f"SELECT DISTINCT ?this WHERE {{ {focus.enum('?this')} }}")
            focus.listed.append({row["this"] for row in rows})
        return focus.listed[0]


# --- Focus nodes: SPARQL patterns, composed rather than listed ------------------------------------------------


@dataclass(frozen=True)
class _Focus:
    """The focus nodes of a shape, never listed in a query but described by two patterns over a variable:

    ``enum(var)`` binds ``var`` to every focus node (a node may come twice; results are made DISTINCT), and
    ``member(var)`` matches when a bound ``var`` is a focus node. Queries find candidate values first and test
    ``member`` only on them, so a constraint that holds costs one scan of its property. A nested shape wraps
    its parent's patterns, so its constraints are still one query each over all its focus nodes.
    """

    enum: Callable[[str], str]
    member: Callable[[str], str]
    missing: dict[URIRef, set[Term]] = field(default_factory=dict, compare=False)  # see _prefetch_missing
    listed: list[set[Term]] = field(default_factory=list, compare=False)  # the nodes, once listed (_Run.focus_set)


def _class_focus(run: _Run, classes: tuple[URIRef, ...]) -> _Focus:
    return _Focus(lambda var: run.instance(var, classes), lambda var: run.instance(var, classes))


def _value_focus(run: _Run, focus: _Focus, path: URIRef) -> _Focus:
    """The values of ``path`` on ``focus``: the focus nodes of a shape nested under a property shape."""

    def enum(var: str) -> str:
        parent = run.fresh()
        return f"{focus.enum(parent)} {parent} {_iri(path)} {var} ."

    def member(var: str) -> str:
        parent = run.fresh()
        return f"{parent} {_iri(path)} {var} . {focus.member(parent)}"

    return _Focus(enum, member)


# --- Compiled shapes and their evaluation ---------------------------------------------------------------------


class _Constraint(Protocol):
    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]: ...


@dataclass(frozen=True)
class _Shape:
    node: URIRef | BNode
    name: str
    path: URIRef | None
    classes: tuple[URIRef, ...]
    severity: URIRef
    messages: tuple[str, ...]
    deactivated: bool
    constraints: tuple[_Constraint, ...]


def _values_of(run: _Run, shape: _Shape, focus: _Focus) -> _Focus:
    """The value nodes of ``shape`` as a focus: for a node shape, its focus nodes themselves."""
    return _value_focus(run, focus, shape.path) if shape.path is not None else focus


def _evaluate(run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
    if shape.deactivated:
        return []
    _prefetch_missing(run, shape, focus)
    found: list[Violation] = []
    for constraint in shape.constraints:
        found.extend(constraint.check(run, shape, focus))
    return found


def _prefetch_missing(run: _Run, shape: _Shape, focus: _Focus) -> None:
    """The property shapes of a node shape share its focus nodes, and ``sh:minCount 1`` is their most common
    constraint: one query lists the (focus node, property) pairs without a value for all of them at once, as
    the per-node index lookups cost far more than the query (still set-based, never a query per node)."""
    if shape.path is not None:  # a property shape's children each get their own value focus
        return
    children = [c.target for c in shape.constraints if isinstance(c, _Property) and not c.target.deactivated]
    paths = sorted({m.path for s in children for m in s.constraints if isinstance(m, _MinCount) and m.count == 1})
    if len(paths) < 2:
        return
    values = " ".join(_iri(p) for p in paths)
    where = f"{focus.enum('?this')} VALUES ?p {{ {values} }} FILTER NOT EXISTS {{ ?this ?p ?v }}"
    missing: dict[URIRef, set[Term]] = {p: set() for p in paths}
    for row in run.select(f"SELECT DISTINCT ?this ?p WHERE {{ {where} }}"):
        missing[URIRef(row["p"].value)].add(row["this"])
    focus.missing.update(missing)


def _result(
    shape: _Shape, component: str, focus: Term, value: Term | None, generic: str, details: tuple[Violation, ...] = ()
) -> Violation:
    """A result of ``shape``: with the shape's own sh:message when it has one (as pySHACL), else ``generic``."""
    return Violation(
        focus=focus,
        path=ox.NamedNode(str(shape.path)) if shape.path is not None else None,
        value=value,
        component=SH_NS + component,
        message="\n".join(shape.messages) if shape.messages else generic,
        shape=_shape_term(shape.node),
        severity=ox.NamedNode(str(shape.severity)),
        details=details,
    )


def _focus_results(run: _Run, shape: _Shape, component: str, query: str, generic: str) -> list[Violation]:
    """Results on focus nodes alone, with no sh:value (cardinalities, qualified counts): ``?this`` per row."""
    return [
        _result(shape, component, row["this"], None, generic.replace("{focus}", run.show(row["this"])))
        for row in run.select(query)
    ]


def _value_results(run: _Run, shape: _Shape, component: str, query: str, generic: str) -> list[Violation]:
    """Results on value nodes: ``?this`` and ``?value`` per row."""
    found = []
    for row in run.select(query):
        focus, value = row["this"], row["value"]
        text = generic.replace("{focus}", run.show(focus)).replace("{value}", run.show(value))
        found.append(_result(shape, component, focus, value, text))
    return found


def _if_member(focus: _Focus, condition: str) -> str:
    """A FILTER that tests focus membership only where ``condition`` holds: Oxigraph's IF evaluates one branch,
    where ``&&`` would test every row (the cheap condition first makes a passing constraint a plain scan)."""
    return f"FILTER(IF({condition}, EXISTS {{ {focus.member('?this')} }}, false))"


# --- Cardinality ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MinCount:
    path: URIRef
    count: int

    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
        if self.count == 0:  # pySHACL skips it: nothing has fewer than zero values
            return []
        generic = f"Less than {self.count} values on {{focus}}->{run.show(self.path)}"
        if self.count == 1 and self.path in focus.missing:  # found together with its siblings'
            nodes = focus.missing[self.path]
            return [
                _result(shape, "MinCountConstraintComponent", n, None, generic.replace("{focus}", run.show(n)))
                for n in nodes
            ]
        p = _iri(self.path)
        if self.count == 1:  # a NOT EXISTS on one triple pattern is an index lookup per focus node
            query = f"SELECT DISTINCT ?this WHERE {{ {focus.enum('?this')} FILTER NOT EXISTS {{ ?this {p} ?v }} }}"
        else:
            query = (
                f"SELECT ?this WHERE {{ {focus.enum('?this')} OPTIONAL {{ ?this {p} ?v }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {self.count})"
            )
        return _focus_results(run, shape, "MinCountConstraintComponent", query, generic)


@dataclass(frozen=True)
class _MaxCount:
    path: URIRef
    count: int

    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
        p = _iri(self.path)
        if self.count == 0:
            query = f"SELECT DISTINCT ?this WHERE {{ ?this {p} ?v {_if_member(focus, 'true')} }}"
        elif run.one_value_each(f"?this {p} ?value"):
            return []
        else:  # group the property's triples (not the focus nodes), then keep the focus nodes among the few left
            query = (
                f"SELECT ?this WHERE {{ {{ SELECT ?this WHERE {{ ?this {p} ?v }} GROUP BY ?this "
                f"HAVING (COUNT(DISTINCT ?v) > {self.count}) }} {_if_member(focus, 'true')} }}"
            )
        generic = f"More than {self.count} values on {{focus}}->{run.show(self.path)}"
        return _focus_results(run, shape, "MaxCountConstraintComponent", query, generic)


# --- Constraints that each value node passes or fails alone ---------------------------------------------------


class _Test(Protocol):
    """A constraint each value node passes or fails alone, as a SPARQL condition on ``?value``."""

    def condition(self, run: _Run) -> str: ...


def _check_values(run: _Run, shape: _Shape, focus: _Focus, component: str, ok: str, generic: str) -> list[Violation]:
    """One query for a value test. A condition raising an error (a string compared with a number, an ill-typed
    literal…) counts as failed, as SHACL says; hence the COALESCE."""
    failed = f"!COALESCE({ok}, false)"
    if shape.path is None:  # the value node is the focus node: list the focus nodes
        where = f"{focus.enum('?this')} BIND(?this AS ?value) FILTER({failed})"
    else:  # scan the property, test membership of the (few) failing rows only
        where = f"?this {_iri(shape.path)} ?value {_if_member(focus, failed)}"
    return _value_results(run, shape, component, f"SELECT DISTINCT ?this ?value WHERE {{ {where} }}", generic)


@dataclass(frozen=True)
class _ValueTest:
    component: str
    ok: str
    generic: str

    def condition(self, run: _Run) -> str:
        return self.ok

    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
        return _check_values(run, shape, focus, self.component, self.ok, self.generic)


@dataclass(frozen=True)
class _ClassTest:
    """sh:class: the value is an instance (rdf:type/rdfs:subClassOf*) of the class, resolved per run."""

    cls: URIRef
    generic: str

    def condition(self, run: _Run) -> str:
        return f"EXISTS {{ {run.instance('?value', (self.cls,))} }}"

    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
        return _check_values(run, shape, focus, "ClassConstraintComponent", self.condition(run), self.generic)


# pySHACL's sh:lessThan compares two "strings" (IRIs and literals whose rdflib value is a str) by their text.
_TEXTUAL_TYPES = ("xsd:string", "rdf:langString", "xsd:normalizedString", "xsd:token", "xsd:language", "xsd:anyURI")
_TEXTUAL = "(isIRI({x}) || (isLiteral({x}) && DATATYPE({x}) IN (" + ", ".join(_TEXTUAL_TYPES) + ")))"


@dataclass(frozen=True)
class _LessThan:
    path: URIRef
    other: URIRef

    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
        value, other = _TEXTUAL.format(x="?value"), _TEXTUAL.format(x="?other")
        ok = f"IF({value} && {other}, STR(?value) < STR(?other), IF({value} || {other}, false, ?value < ?other))"
        where = f"?this {_iri(self.path)} ?value . ?this {_iri(self.other)} ?other"
        query = f"SELECT DISTINCT ?this ?value WHERE {{ {where} {_if_member(focus, f'!COALESCE({ok}, false)')} }}"
        generic = f"Value of {{focus}}->{run.show(self.other)} <= {{value}}"
        return _value_results(run, shape, "LessThanConstraintComponent", query, generic)


# --- Nested shapes --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Property:
    """sh:property: the property shape validates the value nodes of this shape (the focus nodes, for a node shape)."""

    target: _Shape

    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
        return _evaluate(run, self.target, _values_of(run, shape, focus))


def _nonconforming(run: _Run, target: _Shape, focus: _Focus) -> dict[Term, list[Violation]]:
    """The nodes of ``focus`` that do not conform to ``target`` (a result of any severity), with those results."""
    failing: dict[Term, list[Violation]] = defaultdict(list)
    for found in _evaluate(run, target, focus):
        failing[found.focus].append(found)
    return failing


@dataclass(frozen=True)
class _NodeRef:
    """sh:node: one result per (focus node, value node) whose value fails the nested shape, its results as details."""

    target: _Shape

    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
        failing = _nonconforming(run, self.target, _values_of(run, shape, focus))
        generic = f"Value does not conform to Shape {run.show(self.target.node)}. See details for more information."
        return [
            _result(
                shape, "NodeConstraintComponent", this, value, generic, tuple(sorted(failing[value], key=_sort_key))
            )
            for this, value in self._pairs(run, shape, focus, failing)
        ]

    def _pairs(self, run: _Run, shape: _Shape, focus: _Focus, failing: dict[Term, list[Violation]]) -> set[tuple]:
        """The (focus node, value node) pairs whose value fails: the failing values are few, so they are named."""
        if not failing:
            return set()
        if shape.path is None:  # a node shape's value node is its focus node
            return {(node, node) for node in failing}
        named = [node for node in failing if not isinstance(node, ox.BlankNode)]
        where = f"?this {_iri(shape.path)} ?value {_if_member(focus, 'true')}"
        if len(named) == len(failing):  # data terms, written by pyoxigraph's N-Triples serializer (escaped)
            where = f"VALUES ?value {{ {' '.join(str(node) for node in named)} }} {where}"
        rows = run.select(f"SELECT DISTINCT ?this ?value WHERE {{ {where} }}")
        return {(row["this"], row["value"]) for row in rows if row["value"] in failing}


@dataclass(frozen=True)
class _Qualified:
    """sh:qualifiedValueShape: count, per focus node, the values that conform to the shape."""

    path: URIRef
    target: _Shape
    low: int | None
    high: int | None

    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
        conforms = _conformance(run, self.target)
        counts = self._counted_here(run, focus) if conforms is None else self._counted_by_sparql(run, focus, conforms)
        bounds = "".join(f" {k} {n}" for k, n in (("MinCount", self.low), ("MaxCount", self.high)) if n is not None)
        generic = f"Focus node does not conform to shape{bounds}: {run.show(self.target.node)}"
        found = []
        for node, count in counts.items():
            if self.high is not None and count > self.high:
                found.append(_result(shape, "QualifiedMaxCountConstraintComponent", node, None, generic))
            if self.low is not None and count < self.low:
                found.append(_result(shape, "QualifiedMinCountConstraintComponent", node, None, generic))
        return found

    def _counted_by_sparql(self, run: _Run, focus: _Focus, conforms: str) -> dict[Term, int]:
        """The shape is a SPARQL condition: count conforming values per focus node, only where out of bounds."""
        p = _iri(self.path)
        counts: dict[Term, int] = {}
        if self.low:
            if self.low == 1:
                where = f"{focus.enum('?this')} FILTER NOT EXISTS {{ ?this {p} ?value FILTER({conforms}) }}"
                query = f"SELECT DISTINCT ?this (0 AS ?n) WHERE {{ {where} }}"
            else:
                query = (
                    f"SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ {focus.enum('?this')} "
                    f"OPTIONAL {{ ?this {p} ?value FILTER({conforms}) }} }} GROUP BY ?this "
                    f"HAVING (COUNT(DISTINCT ?value) < {self.low})"
                )
            counts.update((row["this"], int(row["n"].value)) for row in run.select(query))
        if self.high is not None and not (
            self.high >= 1 and run.one_value_each(f"?this {p} ?value FILTER({conforms})")
        ):
            query = (
                f"SELECT ?this ?n WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ ?this {p} ?value "
                f"FILTER({conforms}) }} GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {self.high}) }} "
                f"{_if_member(focus, 'true')} }}"
            )
            counts.update((row["this"], int(row["n"].value)) for row in run.select(query))
        return counts

    def _counted_here(self, run: _Run, focus: _Focus) -> dict[Term, int]:
        """Any other shape: validate all the values at once, then count the (focus, value) pairs in Python."""
        failing = _nonconforming(run, self.target, _value_focus(run, focus, self.path))
        pairs = f"{focus.enum('?this')} OPTIONAL {{ ?this {_iri(self.path)} ?value }}"
        query = f"SELECT DISTINCT ?this ?value WHERE {{ {pairs} }}"
        counts: Counter[Term] = Counter()
        for row in run.select(query):
            value = row["value"]
            counts[row["this"]] += value is not None and value not in failing
        return counts


def _conformance(run: _Run, target: _Shape) -> str | None:
    """A SPARQL condition on ``?value`` for "conforms to ``target``", when the shape is a node shape made of value
    tests only (as qualified value shapes usually are); None otherwise."""
    if target.path is not None or not all(hasattr(c, "condition") for c in target.constraints):
        return None
    if target.deactivated:
        return "true"
    tests: list[_Test] = list(target.constraints)  # type: ignore[arg-type]
    return " && ".join(f"COALESCE({t.condition(run)}, false)" for t in tests) or "true"


# --- SPARQL-based constraints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sparql:
    """sh:sparql: the SELECT runs once, unbound; rows whose ``this`` is a focus node of the shape are results.

    Equal to SHACL's pre-binding of ``$this`` when the WHERE clause binds ``$this`` by its top-level triple
    patterns (see the module docstring); the compiler refuses the query forms where the two could differ.
    """

    node: URIRef | BNode
    select: str
    prefixes: tuple[tuple[str, str], ...]
    messages: tuple[str, ...]

    def check(self, run: _Run, shape: _Shape, focus: _Focus) -> list[Violation]:
        solutions = run.select(self._query(shape), prefixes=dict(self.prefixes))
        variables = solutions.variables
        if ox.Variable("this") not in variables:
            raise ValueError(f"{shape.name}: the sh:sparql query must select $this (graph.shacl runs it unbound)")
        rows = list(solutions)
        if not rows:  # the usual case: no need to list the focus nodes
            return []
        foci = run.focus_set(focus)
        return [self._result(run, shape, row, variables) for row in rows if row["this"] in foci]

    def _query(self, shape: _Shape) -> str:
        if shape.path is None:
            return self.select
        path = _iri(shape.path)
        return re.sub(r"([\s{}()])[$?]PATH\b", lambda m: m.group(1) + path, self.select)

    def _result(self, run: _Run, shape: _Shape, row: ox.QuerySolution, variables: list[ox.Variable]) -> Violation:
        this = row["this"]
        value = row["value"] if ox.Variable("value") in variables else None
        if value is None and shape.path is None:  # a node shape's value node is its focus node
            value = this
        bindings = {v.value: row[v] for v in variables if row[v] is not None} | {"this": this}
        if value is not None:
            bindings["value"] = value
        messages = sorted({*self.messages, *shape.messages})
        text = "\n".join(_fill(m, bindings) for m in messages) or f"SPARQL constraint {run.show(self.node)} failed"
        found = _result(shape, "SPARQLConstraintComponent", this, value, text)
        path = row["path"] if ox.Variable("path") in variables else None
        return replace(found, message=text, path=path if isinstance(path, ox.NamedNode) else found.path)


def _fill(message: str, bindings: dict[str, Term]) -> str:
    """Put the row's values in ``{$var}`` / ``{?var}`` placeholders (IRIs and literals as their plain text)."""
    return re.sub(
        r"\{[$?](\w+)\}", lambda m: bindings[m.group(1)].value if m.group(1) in bindings else m.group(0), message
    )


# --- Terms ----------------------------------------------------------------------------------------------------


def _iri(term: URIRef) -> str:
    """An IRI of the shapes graph in query text: pyoxigraph checks it and writes it in N-Triples form."""
    return str(ox.NamedNode(str(term)))


def _constant(term: Node, where: str) -> str:
    """An IRI or literal of the shapes graph in query text, escaped by pyoxigraph's N-Triples writer."""
    if isinstance(term, URIRef):
        return _iri(term)
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        datatype = ox.NamedNode(str(term.datatype)) if term.datatype is not None else None
        return str(ox.Literal(str(term), datatype=datatype))
    raise ValueError(f"{where}: a blank node cannot be compared with data nodes")


def _shape_term(node: URIRef | BNode) -> ox.NamedNode | ox.BlankNode:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    label = str(node)
    if not re.fullmatch(r"[A-Za-z0-9_]+", label):  # rdflib ids are usually valid N-Triples labels already
        label = "b" + hashlib.sha1(label.encode()).hexdigest()[:16]
    return ox.BlankNode(label)


# --- Value conditions -----------------------------------------------------------------------------------------

# Datatypes whose ill-typed literals rdflib (hence pySHACL) detects and Oxigraph parses. Oxigraph stores every
# integer subtype as xsd:integer, so a subtype is "an xsd:integer in range" (the ranges rdflib checks).
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "long": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "unsignedLong": (0, None),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}
_PARSED = ("decimal", "float", "double", "boolean", "date", "time", "dateTime", "duration")
_PARSED += ("dayTimeDuration", "yearMonthDuration")
# rdflib checks these lexical spaces too, Oxigraph does not parse them: refuse rather than miss ill-typed values.
_UNCHECKED = {XSD.hexBinary, XSD.base64Binary, RDF.XMLLiteral, RDF.HTML, RDFS.Datatype}


def _datatype_ok(datatype: URIRef, where: str, shown: str) -> str:
    """The SPARQL condition for ``sh:datatype``, with the ill-typed-literal rule (see the module docstring)."""
    if datatype == RDFS.Literal:
        return "isLiteral(?value)"
    if datatype == RDF.langString:
        return "(isLiteral(?value) && LANG(?value) != '')"
    if datatype in _UNCHECKED:
        raise ValueError(f"{where}: sh:datatype {shown} is not supported (ill-typed values would be missed)")
    name = str(datatype).removeprefix(str(XSD)) if str(datatype).startswith(str(XSD)) else ""
    if name in _INTEGER_RANGES:
        # A literal Oxigraph could not parse keeps its text, and casting it to its own datatype fails.
        low, high = _INTEGER_RANGES[name]
        ok = "sameTerm(DATATYPE(?value), xsd:integer) && sameTerm(xsd:integer(?value), ?value)"
        return (
            ok
            + (f" && ?value >= {low}" if low is not None else "")
            + (f" && ?value <= {high}" if high is not None else "")
        )
    if name in _PARSED:
        return f"sameTerm(DATATYPE(?value), xsd:{name}) && sameTerm(xsd:{name}(?value), ?value)"
    return f"sameTerm(DATATYPE(?value), {_iri(datatype)})"


_NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}

# sh:minInclusive… : the SPARQL operator that must hold between the value and the bound, and pySHACL's wording.
_RANGES = {
    SH.minInclusive: ("MinInclusiveConstraintComponent", ">=", "Value is not >= {}"),
    SH.maxInclusive: ("MaxInclusiveConstraintComponent", "<=", "Value is not <= {}"),
    SH.minExclusive: ("MinExclusiveConstraintComponent", ">", "Value is not > {}"),
    SH.maxExclusive: ("MaxExclusiveConstraintComponent", "<", "Value is not < {}"),
}


def _check_regex(pattern: str, flags: str, where: str) -> str:
    """The REGEX call for sh:pattern, tried on an empty store first so a pattern Oxigraph rejects is an error."""
    args = f"{_constant(Literal(pattern), where)}" + (f", {_constant(Literal(flags), where)}" if flags else "")
    call = f"REGEX(STR(?value), {args})"
    probe = ox.Store().query(f'SELECT ?ok WHERE {{ BIND("" AS ?value) BIND({call} AS ?ok) }}')
    assert isinstance(probe, ox.QuerySolutions)
    if next(iter(probe))["ok"] is None:
        raise ValueError(f"{where}: sh:pattern {pattern!r} is not a regular expression Oxigraph can run")
    return call


# --- Compiling a shapes graph ---------------------------------------------------------------------------------

_SHAPE_PARAMETERS = (
    "targetClass property path minCount maxCount datatype nodeKind class in pattern flags minLength maxLength "
    "minInclusive maxInclusive minExclusive maxExclusive lessThan node qualifiedValueShape qualifiedMinCount "
    "qualifiedMaxCount sparql message severity deactivated name description order group defaultValue"
)
_SHAPE_PREDICATES = {SH[name] for name in _SHAPE_PARAMETERS.split(" ")}
_SPARQL_PREDICATES = {SH.select, SH.prefixes, SH.message, SH.deactivated}
_KNOWN_PREDICATES = _SHAPE_PREDICATES | _SPARQL_PREDICATES | {SH.declare, SH.prefix, SH.namespace}
_KNOWN_TYPES = {SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint, SH.PropertyGroup}
_FORBIDDEN_IN_SPARQL = re.compile(r"(?<![\w:?$])(MINUS|VALUES|SERVICE)\b|[$?](shapesGraph|currentShape)\b", re.I)


def _shape_nodes(g: Graph) -> set[Node]:
    """Every node pySHACL takes for a shape: declared, with a target or constraint link, or the value of one."""
    nodes: set[Node] = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    for link in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.property, SH.node):
        nodes.update(g.subjects(link, None))
    for link in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
        nodes.update(g.objects(None, link))
    for link in (SH["and"], SH["or"], SH.xone):
        for members in g.objects(None, link):
            nodes.update(g.items(members))
    return nodes


class _Compiler:
    """Turns the shapes of an rdflib graph into _Shape trees; every unsupported feature is a ValueError."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.shapes = _shape_nodes(g)
        self.done: dict[Node, _Shape] = {}
        self.active: list[Node] = []

    def compile(self) -> list[_Shape]:
        self._check_vocabulary()
        shapes = [self.shape(node) for node in sorted(self.shapes, key=str)]
        return [shape for shape in shapes if shape.classes]

    def _check_vocabulary(self) -> None:
        """Refuse any SHACL term this engine does not implement, wherever it is in the shapes graph; the error
        names every such term and the shape (or node) that uses it, shapes first."""
        unsupported: set[tuple[Node, Node]] = set()
        for subject, predicate, obj in self.g:
            if str(predicate).startswith(SH_NS) and predicate not in _KNOWN_PREDICATES:
                unsupported.add((subject, predicate))
            elif predicate == RDF.type and str(obj).startswith(SH_NS) and obj not in _KNOWN_TYPES:
                unsupported.add((subject, obj))
        ordered = sorted(unsupported, key=lambda u: (u[0] not in self.shapes, self.name(u[0]), str(u[1])))
        if ordered:
            raise ValueError(
                "; ".join(
                    f"{self.name(node)}: {self.show(term)} is not supported by graph.shacl" for node, term in ordered
                )
            )

    def show(self, term: Node) -> str:
        return term.n3(self.g.namespace_manager)

    def name(self, node: Node) -> str:
        """How an error names a shape: its IRI, or for a blank node its path and the shape that holds it."""
        if not isinstance(node, BNode):
            return f"shape {self.show(node)}" if node in self.shapes else self.show(node)
        path = self.g.value(node, SH.path)
        parent = next(iter(self.g.subjects(None, node)), None)
        where = f" in {self.name(parent)}" if parent is not None and parent != node else ""
        if path is not None:
            return f"property shape on {self.show(path)}{where}"
        return ("node shape" if node in self.shapes else "blank node") + where

    def shape(self, node: Node) -> _Shape:
        if node in self.done:
            return self.done[node]
        if node in self.active:
            raise ValueError(f"{self.name(node)}: recursive shapes (a shape that reaches itself) are not supported")
        self.active.append(node)
        try:
            self.done[node] = self._build(node)
        finally:
            self.active.pop()
        return self.done[node]

    def _build(self, node: Node) -> _Shape:
        if not isinstance(node, URIRef | BNode):
            raise ValueError(f"{self.show(node)} is used as a shape but is a literal")
        name = self.name(node)
        path = self._path(node, name)
        constraints = tuple(c for parameter in _BUILDERS for c in _BUILDERS[parameter](self, node, name, path))
        return _Shape(
            node=node,
            name=name,
            path=path,
            classes=self._classes(node, name),
            severity=self._one_iri(node, SH.severity, name) or SH.Violation,
            messages=tuple(sorted(str(m) for m in self.g.objects(node, SH.message))),
            deactivated=self.flag(node, SH.deactivated, name),
            constraints=constraints,
        )

    def _path(self, node: Node, name: str) -> URIRef | None:
        path = self.one(node, SH.path, name)
        if path is None:
            return None
        if not isinstance(path, URIRef):
            raise ValueError(f"{name}: only a single predicate IRI is supported as sh:path, not a complex path")
        if (node, RDF.type, SH.NodeShape) in self.g:
            raise ValueError(f"{name}: a sh:NodeShape cannot have a sh:path")
        return path

    def _classes(self, node: Node, name: str) -> tuple[URIRef, ...]:
        classes = set(self.g.objects(node, SH.targetClass))
        class_types = {RDFS.Class, *self.g.subjects(RDFS.subClassOf, RDFS.Class)}
        if any(t in class_types for t in self.g.objects(node, RDF.type)):  # implicit class target, as pySHACL
            classes.add(node)
        for c in classes:
            if not isinstance(c, URIRef):
                raise ValueError(f"{name}: sh:targetClass must be an IRI")
        return tuple(sorted(classes))  # type: ignore[arg-type]

    def one(self, node: Node, predicate: URIRef, name: str) -> Node | None:
        values = list(self.g.objects(node, predicate))
        if len(values) > 1:
            raise ValueError(f"{name}: more than one {self.show(predicate)}")
        return values[0] if values else None

    def _one_iri(self, node: Node, predicate: URIRef, name: str) -> URIRef | None:
        value = self.one(node, predicate, name)
        if value is not None and not isinstance(value, URIRef):
            raise ValueError(f"{name}: {self.show(predicate)} must be an IRI")
        return value

    def integer(self, node: Node, predicate: URIRef, name: str) -> int | None:
        value = self.one(node, predicate, name)
        if value is None:
            return None
        if not (isinstance(value, Literal) and isinstance(value.value, int) and not isinstance(value.value, bool)):
            raise ValueError(f"{name}: {self.show(predicate)} must be an integer")
        if value.value < 0:
            raise ValueError(f"{name}: {self.show(predicate)} must not be negative")
        return value.value

    def flag(self, node: Node, predicate: URIRef, name: str) -> bool:
        value = self.one(node, predicate, name)
        if value is None:
            return False
        if not (isinstance(value, Literal) and isinstance(value.value, bool)):
            raise ValueError(f"{name}: {self.show(predicate)} must be true or false")
        return value.value

    def property_only(self, path: URIRef | None, predicate: URIRef, name: str) -> URIRef:
        if path is None:
            raise ValueError(f"{name}: {self.show(predicate)} is only supported on a property shape (with sh:path)")
        return path

    def sparql(self, node: Node, shape_name: str) -> _Sparql | None:
        name = f"the sh:sparql constraint of {shape_name}"
        for predicate in set(self.g.predicates(node, None)) - {RDF.type}:
            if predicate not in _SPARQL_PREDICATES:
                raise ValueError(f"{name}: {self.show(predicate)} is not supported by graph.shacl")
        select = self.one(node, SH.select, name)
        if not isinstance(select, Literal):
            raise ValueError(f"{name}: needs one sh:select (sh:ask is not supported)")
        text = str(select)
        if _FORBIDDEN_IN_SPARQL.search(text) or len(re.findall(r"\bSELECT\b", text, re.I)) > 1:
            raise ValueError(
                f"{name}: MINUS, VALUES, SERVICE, sub-SELECTs, $shapesGraph and $currentShape are not supported "
                "(the query runs unbound, which matches pre-binding only without them)"
            )
        if self.flag(node, SH.deactivated, name):
            return None
        prefixes = self.prefixes(node, name)
        try:  # parse it now, on an empty store, so that a typo is reported with the shape's name
            ox.Store().query(text.replace("$PATH", "<urn:path>"), prefixes=prefixes)
        except SyntaxError as err:
            raise ValueError(f"{name}: sh:select is not valid SPARQL: {err}") from None
        messages = tuple(sorted(str(m) for m in self.g.objects(node, SH.message)))
        return _Sparql(node, text, tuple(sorted(prefixes.items())), messages)  # type: ignore[arg-type]

    def prefixes(self, node: Node, name: str) -> dict[str, str]:
        """sh:prefixes → sh:declare; rdf, rdfs and owl are declared by default, as pySHACL does."""
        declared = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
        for holder in self.g.objects(node, SH.prefixes):
            for declaration in self.g.objects(holder, SH.declare):
                prefix = self.one(declaration, SH.prefix, name)
                namespace = self.one(declaration, SH.namespace, name)
                if prefix is None or namespace is None:
                    raise ValueError(f"{name}: every sh:declare needs one sh:prefix and one sh:namespace")
                if str(prefix) in declared and declared[str(prefix)] != str(namespace):
                    raise ValueError(f"{name}: prefix {prefix!s}: is declared with two namespaces")
                declared[str(prefix)] = str(namespace)
        return declared


# --- One builder per SHACL parameter: (compiler, shape node, shape name, path) -> constraints ---------------------

_Builder = Callable[[_Compiler, Node, str, URIRef | None], Iterable[_Constraint]]


def _build_property(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    for child in sorted(c.g.objects(node, SH.property), key=str):
        target = c.shape(child)
        if target.path is None:
            raise ValueError(f"{name}: the value of sh:property must be a property shape (with sh:path)")
        yield _Property(target)


def _build_counts(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    low, high = c.integer(node, SH.minCount, name), c.integer(node, SH.maxCount, name)
    if low is not None:
        yield _MinCount(c.property_only(path, SH.minCount, name), low)
    if high is not None:
        yield _MaxCount(c.property_only(path, SH.maxCount, name), high)


def _build_datatype(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    datatype = c._one_iri(node, SH.datatype, name)
    if datatype is not None:
        generic = f"Value is not Literal with datatype {c.show(datatype)}"
        ok = _datatype_ok(datatype, name, c.show(datatype))
        yield _ValueTest("DatatypeConstraintComponent", ok, generic)


def _build_node_kind(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    kind = c.one(node, SH.nodeKind, name)
    if kind is None:
        return
    if kind not in _NODE_KINDS:
        raise ValueError(f"{name}: unknown sh:nodeKind {c.show(kind)}")
    yield _ValueTest("NodeKindConstraintComponent", _NODE_KINDS[kind], f"Value is not of Node Kind {c.show(kind)}")


def _build_class(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    for cls in sorted(c.g.objects(node, SH["class"]), key=str):
        if not isinstance(cls, URIRef):
            raise ValueError(f"{name}: sh:class must be an IRI")
        yield _ClassTest(cls, f"Value does not have class {c.show(cls)}")


def _build_in(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    members = c.one(node, SH["in"], name)
    if members is None:
        return
    allowed = list(c.g.items(members))
    # sameTerm, not IN: sh:in compares terms, where = would also take 1 and 1.0 for the same value.
    ok = " || ".join(f"sameTerm(?value, {_constant(m, f'{name}: sh:in')})" for m in allowed) or "false"
    generic = "Value {value} not in list " + str([c.show(m) for m in allowed])
    yield _ValueTest("InConstraintComponent", f"({ok})", generic)


def _build_pattern(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    flags = str(c.one(node, SH.flags, name) or "")
    if set(flags) - set("im"):
        raise ValueError(f"{name}: sh:flags {flags!r}: only i and m are supported (pySHACL ignores the others)")
    for pattern in sorted(c.g.objects(node, SH.pattern), key=str):
        call = _check_regex(str(pattern), flags, name)
        generic = f"Value does not match pattern '{pattern}'"
        yield _ValueTest("PatternConstraintComponent", f"!isBlank(?value) && {call}", generic)


def _build_lengths(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    low, high = c.integer(node, SH.minLength, name), c.integer(node, SH.maxLength, name)
    if low:  # sh:minLength 0 passes everything, blank nodes included (as pySHACL)
        ok = f"!isBlank(?value) && STRLEN(STR(?value)) >= {low}"
        yield _ValueTest("MinLengthConstraintComponent", ok, f"String length not >= {low}")
    if high is not None:
        ok = f"!isBlank(?value) && STRLEN(STR(?value)) <= {high}"
        yield _ValueTest("MaxLengthConstraintComponent", ok, f"String length not <= {high}")


def _build_ranges(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    for parameter, (component, operator, wording) in _RANGES.items():
        for bound in sorted(c.g.objects(node, parameter), key=str):
            if not isinstance(bound, Literal):
                raise ValueError(f"{name}: {c.show(parameter)} must be a literal")
            ok = f"isLiteral(?value) && ?value {operator} {_constant(bound, name)}"
            yield _ValueTest(component, ok, wording.format(c.show(bound)))


def _build_less_than(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    for other in sorted(c.g.objects(node, SH.lessThan), key=str):
        if not isinstance(other, URIRef):
            raise ValueError(f"{name}: sh:lessThan must be a predicate IRI")
        yield _LessThan(c.property_only(path, SH.lessThan, name), other)


def _build_node(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    for ref in sorted(c.g.objects(node, SH.node), key=str):
        target = c.shape(ref)
        if target.path is not None:
            raise ValueError(f"{name}: the value of sh:node must be a node shape (without sh:path)")
        yield _NodeRef(target)


def _build_qualified(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    low, high = c.integer(node, SH.qualifiedMinCount, name), c.integer(node, SH.qualifiedMaxCount, name)
    for ref in sorted(c.g.objects(node, SH.qualifiedValueShape), key=str):
        if low is None and high is None:
            raise ValueError(f"{name}: sh:qualifiedValueShape needs sh:qualifiedMinCount or sh:qualifiedMaxCount")
        yield _Qualified(c.property_only(path, SH.qualifiedValueShape, name), c.shape(ref), low, high)


def _build_sparql(c: _Compiler, node: Node, name: str, path: URIRef | None) -> Iterator[_Constraint]:
    for constraint in sorted(c.g.objects(node, SH.sparql), key=str):
        compiled = c.sparql(constraint, name)
        if compiled is not None:
            yield compiled


_BUILDERS: dict[str, _Builder] = {
    "property": _build_property,
    "counts": _build_counts,
    "datatype": _build_datatype,
    "nodeKind": _build_node_kind,
    "class": _build_class,
    "in": _build_in,
    "pattern": _build_pattern,
    "lengths": _build_lengths,
    "ranges": _build_ranges,
    "lessThan": _build_less_than,
    "node": _build_node,
    "qualified": _build_qualified,
    "sparql": _build_sparql,
}
