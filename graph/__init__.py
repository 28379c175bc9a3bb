"""claimgraph: evidence-qualified claims as RDF, audited.

The library is the product; the ``claimgraph`` command line only wraps these calls::

    from graph import Project, ClaimGraph
    project = Project.load("claims.csv")          # read and check the inputs (InvalidInput lists every problem)
    built = project.build()                       # RDF in an Oxigraph store, audited
    built.write("out")                            # claims.ttl, audit.json, audit.md, claims.html, all or nothing
    graph = ClaimGraph.open("out/claims.ttl")     # a built graph, from a file, a store or an endpoint
    graph.query("contradictions")                 # named queries, .rq files or SPARQL text

The names are imported on first use, so ``import graph`` (and ``claimgraph --version``) stays fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

_EXPORTS = {
    "Project": "graph.api",
    "Build": "graph.api",
    "ClaimGraph": "graph.api",
    "ClaimView": "graph.model",
    "Claim": "graph.model",
    "Finding": "graph.model",
    "Verdict": "graph.model",
    "Problem": "graph.problems",
    "InvalidInput": "graph.problems",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> object:  # (no typing import: ``claimgraph`` starts faster)
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'graph' has no attribute {name!r}")
