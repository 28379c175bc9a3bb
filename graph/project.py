"""A claims project: the vocabulary, the sources and the claims, loaded and checked together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .claims import Claim, read_claims
from .problems import Problem, raise_if_errors
from .sources import Source, read_sources
from .vocab import Vocabulary, load_vocabulary


@dataclass(frozen=True)
class Project:
    vocab: Vocabulary
    sources: dict[str, Source]
    claims: list[Claim]
    warnings: list[Problem]


def load_project(
    claims: Path = Path("claims.csv"),
    ontologies: list[Path] | tuple[Path, ...] = (Path("ontology.ttl"),),
    sources: Path = Path("sources"),
) -> Project:
    """Load and check everything; raise InvalidInput listing every problem at once."""
    problems: list[Problem] = []
    vocab = load_vocabulary(list(ontologies), problems)
    source_map = read_sources(Path(sources), set(vocab.source_kinds) if vocab.complete else None, problems)
    claim_list = read_claims(Path(claims), vocab, source_map, problems)
    warnings = raise_if_errors(problems)
    return Project(vocab, source_map, claim_list, warnings)
