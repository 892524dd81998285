"""Retrieval evaluation: hand-built questions, metrics, and the report."""
