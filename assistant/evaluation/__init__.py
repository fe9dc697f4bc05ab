"""Evaluations on public data: retrieval, citation support, summaries."""
