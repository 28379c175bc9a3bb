"""Reading a project: claims.csv, sources/ and the ontology, every problem reported at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import Claim, Source
from ..problems import Problem, raise_if_errors
from ..vocab import Vocabulary
from .claims import read_claims
from .ontology import default_ontologies, load_vocabulary
from .sources import read_sources
from .waivers import read_waivers


@dataclass(frozen=True)
class Inputs:
    """Everything a build starts from, checked."""

    vocab: Vocabulary
    sources: dict[str, Source]
    claims: list[Claim]
    warnings: list[Problem]
    waivers: dict[str, str]  # finding or verdict id → the reviewer's reason (waivers.csv beside the claims)

    def texts(self) -> dict[str, str]:
        """The sources' texts by source key (a source without a text is left out)."""
        return {key: source.text.text for key, source in self.sources.items() if source.text is not None}


def read_inputs(
    claims: Path = Path("claims.csv"),
    ontologies: list[Path] | tuple[Path, ...] | None = None,
    sources: Path = Path("sources"),
    allow_empty: bool = False,
    waivers: Path | None = None,
) -> Inputs:
    """Load and check everything; raise InvalidInput listing every problem at once.

    ``waivers`` defaults to waivers.csv beside the claims table (no file, no waivers); a file named here must exist.
    """
    problems: list[Problem] = []
    vocab = load_vocabulary(list(ontologies or default_ontologies()), problems)
    source_map = read_sources(Path(sources), vocab if vocab.complete else None, problems)
    claim_list = read_claims(Path(claims), vocab, source_map, problems)
    if not claim_list and not allow_empty and not any(p.file == str(claims) for p in problems):
        problems.append(
            Problem(str(claims), 0, "", "the table holds no claims (give --allow-empty to build an empty graph)")
        )
    waived = read_waivers(waivers or Path(claims).parent / "waivers.csv", problems, required=waivers is not None)
    warnings = raise_if_errors(problems)
    return Inputs(vocab, source_map, claim_list, warnings, waived)


__all__ = ["Inputs", "read_inputs"]
