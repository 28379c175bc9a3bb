"""SPARQL for people and programs: named queries, result formats, the read-only endpoint, and push."""
