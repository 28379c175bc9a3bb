"""claimgraph: evidence-qualified claims as RDF, audited.

The library is the product; the ``claimgraph`` command line only wraps these calls.
"""

__version__ = "0.1.0"

from .claims import Claim
from .problems import InvalidInput, Problem
from .project import Project, load_project
from .rdf import build_graph, serialize

__all__ = ["Claim", "InvalidInput", "Problem", "Project", "__version__", "build_graph", "load_project", "serialize"]
