"""Answers: retrieve, pack a keyed context, ask a model (or extract), parse and check citations."""
