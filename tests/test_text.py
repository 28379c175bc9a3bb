"""graph/text.py on the shipped article: the sentence splitter, cue words, quote anchoring and citations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.text import SourceText, citation_iri, collapse, cues_in, sentence_around, sentences, short
from tests.conftest import ARTICLE

TEXT = ARTICLE.read_text(encoding="utf-8")


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)]


def test_the_article_s_paragraphs_split_at_their_full_stops():
    split = texts(TEXT)
    assert split[:6] == [
        "Prolotherapy has been used to treat everything from back to joint pain for decades, but its efficacy is "
        "still hotly debated.",
        "Prolotherapy is a treatment that has been used for decades to help relieve pain and improve function in "
        "patients with various musculoskeletal conditions.",
        "This article will take a close look at prolotherapy, explaining how it works and what the potential benefits "
        "and dangers are.",
        "What is Prolotherapy?",
        "Prolotherapy, also known as sclerotherapy, is a treatment for connective tissue disorders, most commonly "
        "ligament and tendon injuries.",
        "It involves the injection of a solution into the injured area to promote healing.",
    ]
    # one paragraph, two sentences: a full stop followed by a capital ends a sentence
    assert "Usually, the solution has a mix of chemicals, such as sugar, water, alcohol, and painkillers." in split
    assert "Some people do say that their symptoms got better after they got treatment." in split
    assert len(split) == 38
    assert all(s == s.strip() and s for s in split)


def test_sentence_ends_and_what_does_not_end_a_sentence():
    assert texts("One. Two! Three? four") == ["One.", "Two!", "Three? four"]
    assert texts("Use e.g. saline. Then stop.") == ["Use e.g. saline.", "Then stop."]  # lower case goes on
    assert texts("A heading\nA line.  \n\n  Next") == ["A heading", "A line.", "Next"]
    assert texts("Dose 2.5 ml. Done.") == ["Dose 2.5 ml.", "Done."]
    assert texts("   ") == [] and texts("") == []
    assert sentences("  Lead.") == ((2, 7),)


def test_the_sentence_around_a_quote():
    text = "First one. The quoted words are here. Last one."
    start = text.index("quoted")
    assert text[slice(*sentence_around(text, start, start + len("quoted words")))] == (
        "The quoted words are here."
    )
    across = sentence_around(text, text.index("here"), text.index("Last") + 4)
    assert text[slice(*across)] == "The quoted words are here. Last one."
    assert sentence_around(text, 0, 3) == (0, 10)


def test_the_shipped_build_counts_the_article_s_sentences(shipped_build: Path):
    coverage = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))["coverage"]
    article = coverage["prolotherapy-article"]
    assert article["sentences"] == len(sentences(TEXT)) == 38
    for sentence in article["uncovered"]:
        assert (sentence["start"], sentence["end"]) in sentences(TEXT)


# --- cue words -------------------------------------------------------------------------------------------------


def test_cues_are_whole_words_only():
    assert cues_in("Many people who have undergone prolotherapy report significant pain relief") == []
    assert cues_in("It can help; patients may possibly improve.") == ["can", "may", "possibly"]
    assert cues_in("cancel the scan, canine mayhem, handsome, awesome") == []
    assert cues_in("non-possible, may-be, the can-opener") == []  # a hyphen joins a word
    assert cues_in("MIGHT and Might and might") == ["might"]


def test_a_cue_of_several_words_matches_across_white_space():
    assert cues_in("it is thought\n  to work") == ["thought to"]
    assert cues_in("it is thought about") == []


def test_claim_cues_come_from_their_own_list():
    hedges = cues_in("Prolotherapy is probably effective and improves function", "hedge-cues.txt")
    claims = cues_in("Prolotherapy is probably effective and improves function", "claim-cues.txt")
    assert hedges == ["probably"]
    assert claims == ["effective", "improves"]


def test_the_build_records_no_cue_inside_a_longer_word(shipped_build: Path):
    from rdflib import Graph, URIRef

    graph = Graph().parse(shipped_build / "claims.ttl")
    cues = {str(o) for o in graph.objects(None, URIRef("https://w3id.org/claimgraph/ns#hedgeCue"))}
    assert "might" in cues
    identifier = URIRef("http://purl.org/dc/terms/identifier")
    for claim_id in ("C19", "C20"):  # "… report significant pain relief …", relayed as certain
        node = next(s for s, o in graph.subject_objects(identifier) if str(o) == claim_id)
        assert list(graph.objects(node, URIRef("https://w3id.org/claimgraph/ns#hedgeCue"))) == []


def test_the_audit_sees_no_hedge_in_significant(shipped_build: Path):
    audit = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))
    for claim_id in ("C19", "C20"):
        assert not any(f.startswith("hedge-cue-but-certain:") for f in audit["claims"][claim_id]["findings"])


# --- quotes and white space -------------------------------------------------------------------------------------


def test_collapse_and_short():
    assert collapse("  a \n\t b  ") == "a b"
    assert short("word " * 20, 12) == "word word w…"
    assert short("a  b", 3) == "a b"


def test_find_reports_every_occurrence_and_its_offsets():
    text = SourceText("Say “it’s fine”.\nSay \"it's  fine\". End")
    span = text.find('"it\'s fine"')
    assert (span.start, span.end, span.occurrences) == (4, 15, 2)
    assert text.find("   ") is None and text.find("absent") is None
    assert text.find('"it\'s fine"') is span  # the same search is not repeated


@pytest.mark.parametrize(
    "citation,iri",
    [
        ("doi:10.1000/xyz", "https://doi.org/10.1000/xyz"),
        ("https://dx.doi.org/10.1000/xyz", "https://doi.org/10.1000/xyz"),
        ("DOI:10.1000/XYZ", "https://doi.org/10.1000/XYZ"),
        ("  10.1000/xyz  ", "https://doi.org/10.1000/xyz"),
        ("pmid: 123", "https://pubmed.ncbi.nlm.nih.gov/123/"),
        ("http://example.org/a", "http://example.org/a"),
        ("10.1000/x y", None),
        ("10.100/xyz", None),
        ("https://example.org/a b", None),
        ("https://example.org/<x>", None),
        ("ftp://example.org/a", None),
        ("javascript:alert(1)", None),
        ("PMID:12a", None),
    ],
)
def test_citation_iris(citation: str, iri: str | None):
    assert citation_iri(citation) == iri
