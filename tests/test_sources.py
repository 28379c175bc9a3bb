from graph.text import SourceText, citation_iri, normalise
from tests.conftest import ARTICLE


def test_quote_found_with_straight_apostrophe_and_other_white_space():
    text = SourceText(ARTICLE.read_text(encoding="utf-8"))
    span = text.find("stimulate the body's  natural\nhealing process")
    assert span is not None
    assert text.text[span.start : span.end] == "stimulate the body’s natural healing process"
    assert span.occurrences == 1


def test_quote_with_other_words_is_not_found():
    text = SourceText(ARTICLE.read_text(encoding="utf-8"))
    assert text.find("stimulate the body's natural healing processes quickly") is None
    assert text.find("PROLOTHERAPY appears safe") is None  # case is not ignored


def test_repeated_quote_reports_every_occurrence():
    text = SourceText(ARTICLE.read_text(encoding="utf-8"))
    span = text.find("to help relieve pain and improve function")
    assert span.occurrences == 1
    span = text.find("to promote healing")
    assert span.occurrences == 3


def test_context_is_the_text_around_the_span():
    text = SourceText("alpha beta gamma")
    span = text.find("beta")
    assert (span.start, span.end) == (6, 10)
    assert text.context(span) == ("alpha ", " gamma")


def test_citation_iris():
    assert citation_iri("10.1370/afm.1504") == "https://doi.org/10.1370/afm.1504"
    assert citation_iri("doi:10.1370/afm.1504") == "https://doi.org/10.1370/afm.1504"
    assert citation_iri("https://doi.org/10.1370/afm.1504") == "https://doi.org/10.1370/afm.1504"
    assert citation_iri("PMID:23690322") == "https://pubmed.ncbi.nlm.nih.gov/23690322/"
    assert citation_iri("https://example.org/paper") == "https://example.org/paper"
    assert citation_iri("Rabago 2013") is None
    assert citation_iri("javascript:alert(1)") is None


def test_normalise_folds_quote_marks_and_space():
    assert normalise("  “it’s”\t ok ") == '"it\'s" ok'
