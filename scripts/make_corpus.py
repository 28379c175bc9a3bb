"""Generated claims projects of any size, with the audit findings they must produce, for tests and benchmarks.

    python scripts/make_corpus.py 10000 --out /tmp/c10k [--seed 0]    # then: cd /tmp/c10k && claimgraph build

Writes, under DIR: claims.csv, ontology.ttl (the bundled core ontology), sources/sources.csv, sources/article-NNN.txt
(texts that contain every article claim's quote, plus uncovered sentences, some of which look like claims) and
expected.json: the number of findings each audit rule must report and the coverage of each text.

The claims are drawn, with a seeded random generator, as *units* of one to three rows with a known audit outcome:
cited and uncited article claims, overclaims, anecdotes, uncited studies, hedging mismatches, literature claims that
support or contradict article claims, and planted contradictions (a statement affirmed and negated, stated as certain
and as possible, curated contradictions, conflicting values of a functional predicate). Every statement (subject,
predicate, object) is unique unless a unit plants it twice, so no finding arises by accident. The expected counts
are computed from the tally of units in one function, ``expected_findings``: when a rule's meaning changes, that
function is the one place to update. The same arguments always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
from collections import Counter
from pathlib import Path

from graph.files import write_atomic
from graph.read.claims import COLUMNS
from graph.read.ontology import bundled_ontology

HEADER = list(COLUMNS)
ONTOLOGY = bundled_ontology()
LITERATURE_KINDS = ("systematic-review", "rct", "observational", "guideline")  # source kind = evidence kind
PER_ARTICLE = 2500  # article claims per source text
ENTITIES_PER_CLAIM = 0.42  # about 1.45 page nodes per claim
EFFICACY = ("treats", "improves", "promotes", "recommendedFor")  # predicates of efficacy: they need evidence
PLAIN = ("contains", "involves", "usedOn", "hasProperty")  # predicates without an aspect: they need none
VERBS = {  # third person, and after "may"
    "treats": ("treats", "treat"),
    "improves": ("improves", "improve"),
    "promotes": ("promotes", "promote"),
    "recommendedFor": ("is recommended for", "be recommended for"),
    "contains": ("contains", "contain"),
    "hasProperty": ("has the property", "have the property"),
    "hasAdverseEffect": ("can lead to", "lead to"),
    "involves": ("involves", "involve"),
    "usedOn": ("is used on", "be used on"),
    "inUseFor": ("has been in use", "have been in use"),
}
# Sentences no claim quotes: one without any claim cue or digit, one that coverage lists as claim-like.
PLAIN_FILLER = "The clinic kept its doors open that week."
CLAIM_LIKE_FILLER = "Many visitors describe the treatment as effective."

# unit: (rows, weight). What each unit must make the audit report is in expected_findings below.
UNITS: dict[str, tuple[int, int]] = {
    "cited": (1, 10),  # article claim citing an RCT or review: no finding
    "bare": (1, 12),  # article claim without evidence about something that needs none (no aspect): no finding
    "unsupported": (1, 4),  # efficacy claim hedged with "may", no evidence, no citation
    "overclaim": (1, 5),  # efficacy claim stated as certain with no evidence
    "anecdote": (1, 4),  # hedged efficacy claim resting on an anecdote, no citation
    "expert": (1, 3),  # hedged efficacy claim resting on expert opinion, no citation
    "uncited-study": (1, 4),  # invokes an RCT without citing it (no aspect)
    "hedged": (1, 4),  # possible, the quote says "may" (cited): no finding
    "lit": (1, 12),  # a literature claim (cited, from an evidence source) linked to nothing
    "lit-supported": (2, 8),  # a certain, uncited efficacy claim + a literature claim that supports it
    "article-backed": (2, 3),  # a hedged, uncited efficacy claim + an uncited article claim that supports it
    "polarity": (2, 2),  # one statement, affirmed and negated (both cited)
    "curated": (2, 2),  # two cited article claims marked as contradicting
    "lit-contradicts": (2, 3),  # a cited article claim + a literature claim contradicting it
    "mixed": (3, 1),  # an uncited article claim, one literature claim for it, one against
    "lit-lit": (2, 1),  # two literature claims marked as contradicting: no finding about the texts
    "functional": (2, 1),  # one subject, two values of the functional predicate inUseFor (both cited)
    "omission": (2, 1),  # a cited article claim + a literature harm about its subject that no claim links to
    "near-duplicate": (2, 1),  # a cited article claim + a literature claim on its object's plural, unlinked
}


def expected_findings(units: Counter) -> dict[str, int]:
    """The findings per rule id that the planted units must produce, under the rules as they are now.

    Only this function knows the rules' meaning; update it together with a rule. Pair rules count pairs.
    """
    return {
        "contradicted-by-evidence": units["lit-contradicts"] + units["mixed"],
        "curated-contradiction": units["curated"],
        "functional-conflict": units["functional"],
        "link-suggestion": units["near-duplicate"],
        "omission": units["omission"],
        "overclaim": units["overclaim"],
        "polarity-conflict": units["polarity"],
        "uncited-evidence": units["uncited-study"],
        # a claim that needs evidence, cites none and no literature claim supports (an uncited article does not)
        "unsupported": units["unsupported"] + units["overclaim"] + units["anecdote"] + units["expert"]
        + units["article-backed"],
        "weak-evidence": units["anecdote"] + units["expert"],
    }


class _Corpus:
    def __init__(self, claims: int, seed: int, payload: str | None):
        self.rng = random.Random(seed)
        self.total = claims
        self.payload = payload
        self.width = max(5, len(str(claims)))
        self.rows: list[dict[str, str]] = []
        self.units: Counter = Counter()
        entities = max(4, round(claims * ENTITIES_PER_CLAIM))
        self.entities = [f"entity {i}" for i in range(entities)]
        self.hubs = self.entities[: max(1, entities // 20)]
        self.statements: set[tuple[str, str, str]] = set()
        self.literature = [f"lit-{i:03d}" for i in range(1, max(len(LITERATURE_KINDS), claims // 250) + 1)]
        self.article_claims = 0
        self.texts: dict[str, list[str]] = {}  # article key → sentences
        self.fillers: Counter = Counter()  # (article, "plain" | "claim-like") → sentences
        self.remedies = 0

    # ---- ids, statements, rows

    def next_id(self) -> str:
        return f"G{len(self.rows) + 1:0{self.width}d}"

    def statement(self, predicates: tuple[str, ...], subject: str = "") -> tuple[str, str, str]:
        """A (subject, predicate, object) no other claim makes."""
        fixed = subject
        while True:
            subject = fixed
            if not subject:
                subject = self.rng.choice(self.hubs) if self.rng.random() < 0.6 else self.rng.choice(self.entities)
            obj = self.rng.choice(self.entities)
            key = (subject, self.rng.choice(predicates), obj)
            if obj != subject and key not in self.statements:
                self.statements.add(key)
                return key

    def article(self, statement: tuple[str, str, str], certainty: str = "certain", polarity: str = "affirmed",
                evidence: str = "none", cited: bool = False, may: bool = False) -> str:
        """An article claim whose quote is written into the article's text; returns its id."""
        claim_id = self.next_id()
        subject, predicate, obj = statement
        if claim_id == f"G{1:0{self.width}d}" and self.payload:
            subject = f"entity {self.payload}"
        third, base = VERBS[predicate]
        verb = f"may {base}" if may else third
        negation = "it is not the case that " if polarity == "negated" else ""
        quote = f"Claim {claim_id} reports that {negation}{subject} {verb} {obj}"
        if claim_id == f"G{1:0{self.width}d}" and self.payload:
            quote += f" {self.payload}"
        key = f"article-{self.article_claims // PER_ARTICLE + 1:03d}"
        self.article_claims += 1
        sentences = self.texts.setdefault(key, [])
        sentences.append(quote + ".")
        roll = self.rng.random()
        if roll < 0.04:
            sentences.append(PLAIN_FILLER)
            self.fillers[key, "plain"] += 1
        elif roll < 0.08:
            sentences.append(CLAIM_LIKE_FILLER)
            self.fillers[key, "claim-like"] += 1
        self._row(claim_id, key, subject, predicate, obj, quote, polarity, certainty, "author", evidence,
                  f"10.5555/{key}.{claim_id}" if cited else "")
        return claim_id

    def literature_claim(self, statement: tuple[str, str, str], supports: str = "", contradicts: str = "") -> str:
        claim_id = self.next_id()
        index = self.rng.randrange(len(self.literature))
        key, kind = self.literature[index], LITERATURE_KINDS[index % len(LITERATURE_KINDS)]
        subject, predicate, obj = statement
        self._row(claim_id, key, subject, predicate, obj, "", "affirmed", "certain", key, kind,
                  f"10.5555/{key}.{claim_id}", supports=supports, contradicts=contradicts)
        return claim_id

    def _row(self, claim_id: str, source: str, subject: str, predicate: str, obj: str, quote: str, polarity: str,
             certainty: str, attribution: str, evidence: str, citation: str, supports: str = "",
             contradicts: str = "") -> None:
        note = f"generated claim {len(self.rows) + 1}"
        if len(self.rows) == 0 and self.payload:
            note += f" {self.payload}"
        self.rows.append({
            "id": claim_id, "source": source, "subject": subject, "predicate": predicate, "object": obj,
            "quote": quote, "polarity": polarity, "certainty": certainty, "attribution": attribution,
            "evidence": evidence, "citation": citation, "supports": supports, "contradicts": contradicts, "note": note,
        })  # fmt: skip

    def _link(self, row_id: str, column: str, target: str) -> None:
        number = int(row_id[1:]) - 1
        self.rows[number][column] = target

    # ---- units

    def add(self, unit: str) -> None:
        self.units[unit] += 1
        any_predicate = EFFICACY + PLAIN
        cited = {"evidence": "rct", "cited": True}
        hedged = {"certainty": "possible", "may": True}
        if unit == "cited":
            self.article(self.statement(any_predicate), evidence=self.rng.choice(("rct", "systematic-review")),
                         cited=True)  # fmt: skip
        elif unit == "bare":
            self.article(self.statement(PLAIN))
        elif unit == "unsupported":
            self.article(self.statement(EFFICACY), **hedged)
        elif unit == "overclaim":
            self.article(self.statement(EFFICACY))
        elif unit == "anecdote":
            self.article(self.statement(EFFICACY), evidence="anecdotal", **hedged)
        elif unit == "expert":
            self.article(self.statement(EFFICACY), evidence="expert-opinion", **hedged)
        elif unit == "uncited-study":
            self.article(self.statement(PLAIN), evidence="rct")
        elif unit == "hedged":
            self.article(self.statement(any_predicate), **hedged, **cited)
        elif unit == "lit":
            self.literature_claim(self.statement(any_predicate))
        elif unit == "lit-supported":
            claim = self.article(self.statement(EFFICACY))
            self.literature_claim(self.statement(EFFICACY), supports=claim)
        elif unit == "article-backed":
            claim = self.article(self.statement(EFFICACY), **hedged)
            backer = self.article(self.statement(PLAIN))
            self._link(backer, "supports", claim)
        elif unit == "polarity":
            statement = self.statement(any_predicate)
            self.article(statement, **cited)
            self.article(statement, polarity="negated", **cited)
        elif unit == "curated":
            first = self.article(self.statement(any_predicate), **cited)
            second = self.article(self.statement(any_predicate), **cited)
            self._link(second, "contradicts", first)
        elif unit == "lit-contradicts":
            claim = self.article(self.statement(any_predicate), **cited)
            self.literature_claim(self.statement(any_predicate), contradicts=claim)
        elif unit == "mixed":
            claim = self.article(self.statement(PLAIN))
            self.literature_claim(self.statement(PLAIN), supports=claim)
            self.literature_claim(self.statement(PLAIN), contradicts=claim)
        elif unit == "lit-lit":
            first = self.literature_claim(self.statement(any_predicate))
            self.literature_claim(self.statement(any_predicate), contradicts=first)
        elif unit == "functional":
            self.remedies += 1
            subject = f"remedy {self.remedies}"
            years = self.rng.sample(range(2, 400), 2)
            for value in years:
                self.article((subject, "inUseFor", f"for {value} years"), **cited)
        elif unit == "omission":
            subject, predicate, obj = self.statement(any_predicate)
            self.article((subject, predicate, obj), **cited)
            self.literature_claim(self.statement(("hasAdverseEffect",), subject=subject))
        elif unit == "near-duplicate":
            subject, predicate, obj = self.statement(any_predicate)
            self.article((subject, predicate, obj), **cited)
            self.statements.add((subject, predicate, f"{obj}s"))
            self.literature_claim((subject, predicate, f"{obj}s"))
        else:
            raise ValueError(f"unknown unit {unit!r}")

    def generate(self) -> None:
        names = list(UNITS)
        weights = [UNITS[n][1] for n in names]
        singles = [n for n in names if UNITS[n][0] == 1 and n != "lit"]
        if self.payload and self.total:
            self.add("bare")  # claim 1 carries the payload in its subject, quote and note
        while len(self.rows) < self.total:
            unit = self.rng.choices(names, weights)[0]
            if UNITS[unit][0] > self.total - len(self.rows):
                unit = self.rng.choice(singles)
            self.add(unit)


def generate_project(
    root: Path, claims: int, seed: int = 0, payload: str | None = None, ontology: Path = ONTOLOGY
) -> Path:
    """Write claims.csv, ontology.ttl, sources/ and expected.json for ``claims`` claims under ``root``; return it.

    ``payload`` (for escaping tests) is put into the first claim's subject label, quote and note; such a project
    gets no expected.json (the payload's words are not controlled).
    """
    corpus = _Corpus(claims, seed, payload)
    corpus.generate()
    root = Path(root)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(corpus.rows)
    write_atomic(root / "claims.csv", out.getvalue())
    sources = io.StringIO()
    listing = csv.writer(sources, lineterminator="\n")
    listing.writerow(["key", "title", "kind", "citation", "published"])
    for key in sorted(corpus.texts):
        listing.writerow([key, f"A generated article ({key})", "article", "", "2024"])
    for index, key in enumerate(corpus.literature):
        kind = LITERATURE_KINDS[index % len(LITERATURE_KINDS)]
        listing.writerow([key, f"A generated {kind} ({key})", kind, f"10.5555/{key}", str(2000 + index % 25)])
    write_atomic(root / "sources" / "sources.csv", sources.getvalue())
    for key, sentences in sorted(corpus.texts.items()):
        write_atomic(root / "sources" / f"{key}.txt", "\n".join(sentences) + "\n")
    shutil.copyfile(ontology, root / "ontology.ttl")
    expected = root / "expected.json"
    if payload is None:
        write_atomic(expected, json.dumps(_expected(corpus), indent=2, sort_keys=True) + "\n")
    else:
        expected.unlink(missing_ok=True)
    return root


def _expected(corpus: _Corpus) -> dict:
    coverage = {}
    for key, sentences in sorted(corpus.texts.items()):
        fillers = corpus.fillers[key, "plain"] + corpus.fillers[key, "claim-like"]
        coverage[key] = {
            "sentences": len(sentences),
            "covered": len(sentences) - fillers,
            "uncovered_claim_like": corpus.fillers[key, "claim-like"],
        }
    findings = expected_findings(corpus.units)
    return {
        "claims": len(corpus.rows),
        "units": dict(sorted(corpus.units.items())),
        "findings": findings,
        "total_findings": sum(findings.values()),
        "coverage": coverage,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/make_corpus.py", description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=int, help="number of claims")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the project into")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    generate_project(args.out, args.claims, args.seed)
    print(f"wrote {args.out}: {args.claims} claims, expected findings in {args.out / 'expected.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
