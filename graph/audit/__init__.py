"""The audit: rules as SPARQL files, run over any store; findings, verdicts, coverage and reports."""

from .coverage import coverage
from .findings import add_findings
from .report import to_csv, to_json, to_markdown
from .rules import KINDS, Rule, load_rules
from .runner import Audit, ClaimInfo, Finding, Verdict, run_audit

__all__ = [
    "KINDS",
    "Audit",
    "ClaimInfo",
    "Finding",
    "Rule",
    "Verdict",
    "add_findings",
    "coverage",
    "load_rules",
    "run_audit",
    "to_csv",
    "to_json",
    "to_markdown",
]
