"""Prefect flows: the pipeline's entry points."""
