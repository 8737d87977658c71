"""Evaluation of the engine against a hand-written QA set, with plain pipelines measured beside it."""
