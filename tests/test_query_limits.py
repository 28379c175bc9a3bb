"""Limits that protect every command that runs a query, not only the endpoint: how deep a query may nest, and
how much of an answer is built before it is counted."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import claimgraph_process


def test_the_depth_check_also_protects_the_query_command(shipped_build: Path):
    """Before the check, `claimgraph query` with 5,000 nested parentheses died of SIGSEGV (exit -11)."""
    query = "ASK { FILTER (" + "(" * 5000 + "true" + ")" * 5000 + ") }"
    result = claimgraph_process("query", query, "--graph", str(shipped_build / "claims.ttl"))
    assert result.returncode == 2, result.stderr[-500:]
    assert "nests brackets 5002 deep; the limit is 256" in result.stderr and "Traceback" not in result.stderr

