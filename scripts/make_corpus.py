"""Generated claims projects of any size, so tests and benchmarks run real builds on large inputs.

    python scripts/make_corpus.py --claims 2000 /tmp/big     # then: cd /tmp/big && claimgraph build

The project is valid: every quote occurs in the generated article, evidence sources carry DOIs, and the
supports/contradicts links name existing claims. The same arguments always give the same files.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
from pathlib import Path

from graph.files import write_atomic
from graph.read.claims import COLUMNS
from graph.read.ontology import bundled_ontology

HEADER = list(COLUMNS)
RELATIONS = ("treats", "improves", "causes", "hasAdverseEffect", "contains", "involves", "recommendedFor")
EVIDENCE_SOURCES = (("gen-review", "systematic-review"), ("gen-trial", "rct"), ("gen-cohort", "observational"))
ARTICLE = "gen-article"
HEDGES = {"probable": "probably", "possible": "may", "doubtful": "unlikely"}
ONTOLOGY = bundled_ontology()


def generate_project(
    root: Path, claims: int, seed: int = 0, payload: str | None = None, ontology: Path = ONTOLOGY
) -> Path:
    """Write claims.csv, ontology.ttl and sources/ for ``claims`` claims under ``root``; return ``root``.

    Roughly one entity per two claims, so a page holds about 1.5 nodes per claim. ``payload`` (for escaping
    tests) is put into the first claim's subject label, quote and note.
    """
    rng = random.Random(seed)
    root = Path(root)
    entities = [f"entity {i}" for i in range(max(2, claims // 2))]
    hubs = entities[: max(1, len(entities) // 20)]
    rows: list[dict[str, str]] = []
    sentences: list[str] = []
    for number in range(1, claims + 1):
        claim_id = f"G{number:05d}"
        evidence_source = rng.random() < 0.25 and not (number == 1 and payload)  # the payload needs a quote
        subject = rng.choice(hubs) if rng.random() < 0.6 else rng.choice(entities)
        if number == 1 and payload:
            subject = f"entity {payload}"
        predicate = rng.choice(RELATIONS)
        obj = rng.choice([e for e in (rng.choice(entities), rng.choice(entities)) if e != subject] or ["entity x"])
        row = {
            "id": claim_id,
            "subject": subject,
            "predicate": predicate,
            "object": obj,
            "polarity": "negated" if rng.random() < 0.1 else "affirmed",
            "certainty": rng.choice(("certain", "certain", "probable", "possible", "doubtful")),
            "supports": "",
            "contradicts": "",
            "note": f"generated claim {number}" + (f" {payload}" if number == 1 and payload else ""),
        }
        if evidence_source:
            key, kind = rng.choice(EVIDENCE_SOURCES)
            row.update(source=key, quote="", attribution=key, evidence=kind, citation=f"10.5555/{key}.{number}")
        else:
            hedge = HEDGES.get(row["certainty"], "")  # a hedged claim's quote carries its hedge word
            quote = f"Claim {number} says that {subject} {hedge + ' ' if hedge else ''}{predicate} {obj}"
            if number == 1 and payload:
                quote += f" {payload}"
            sentences.append(quote + ".")
            evidence = rng.choice(("none", "none", "anecdotal", "expert-opinion", "rct", "systematic-review"))
            cited = evidence in ("rct", "systematic-review") and rng.random() < 0.5
            row.update(
                source=ARTICLE,
                quote=quote,
                attribution="author",
                evidence=evidence,
                citation=f"10.5555/article.{number}" if cited else "",
            )
        if number > 1 and rng.random() < 0.15:
            row["supports"] = f"G{rng.randrange(1, number):05d}"
        if number > 1 and rng.random() < 0.08:
            row["contradicts"] = f"G{rng.randrange(1, number):05d}"
        rows.append(row)

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(root / "claims.csv", out.getvalue())
    sources = io.StringIO()
    listing = csv.writer(sources, lineterminator="\n")
    listing.writerow(["key", "title", "kind", "citation", "published"])
    listing.writerow([ARTICLE, "A generated article", "article", "", "2024"])
    for key, kind in EVIDENCE_SOURCES:
        listing.writerow([key, f"A generated {kind} source", kind, f"10.5555/{key}", "2020"])
    write_atomic(root / "sources" / "sources.csv", sources.getvalue())
    write_atomic(root / "sources" / f"{ARTICLE}.txt", "\n".join(sentences or ["Nothing."]) + "\n")
    (root / "ontology.ttl").parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ontology, root / "ontology.ttl")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/make_corpus.py", description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="folder to write the project into")
    parser.add_argument("--claims", type=int, default=1000, help="number of claims (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    generate_project(args.root, args.claims, args.seed)
    print(f"wrote {args.root}: {args.claims} claims")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
