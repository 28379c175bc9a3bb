"""Limits that protect every command that runs a query, not only the endpoint: how deep a query may nest, and
how much of an answer is built before it is counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import claimgraph_process


def test_the_depth_check_also_protects_the_query_command(shipped_build: Path):
    """Before the check, `claimgraph query` with 5,000 nested parentheses died of SIGSEGV (exit -11)."""
    query = "ASK { FILTER (" + "(" * 5000 + "true" + ")" * 5000 + ") }"
    result = claimgraph_process("query", query, "--graph", str(shipped_build / "claims.ttl"))
    assert result.returncode == 2, result.stderr[-500:]
    assert "nests brackets 5002 deep; the limit is 256" in result.stderr and "Traceback" not in result.stderr


def test_the_memory_store_counts_a_construct_answer_as_it_builds_it(tmp_path: Path):
    """rdflib fills the whole answer graph before anyone can count it; the memory store stops at the limit."""
    import tracemalloc

    from graph.stores import StoreSpec, TooLarge, open_store

    graph = tmp_path / "g.nt"
    graph.write_text("".join(f"<urn:s{i}> <urn:p> <urn:o{i}> .\n" for i in range(300)), encoding="utf-8")
    store = open_store(StoreSpec(graph, "memory"))
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):  # 90,000 distinct triples asked for, 1,000 allowed
            store.query("CONSTRUCT { ?a <urn:near> ?b } WHERE { ?a <urn:p> ?x . ?b <urn:p> ?y }", limit=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"{peak / 1e6:.0f} MB traced while refusing"
    small = store.query("CONSTRUCT WHERE { ?a <urn:p> ?x }", limit=1000)
    assert len(small.triples) == 300
