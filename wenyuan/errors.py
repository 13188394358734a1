"""All of wenyuan's exception classes, in one place."""

from __future__ import annotations


class WenyuanError(Exception):
    """Base class: every error the pipeline raises on purpose."""


class BadInputError(WenyuanError):
    """An input file cannot be processed (corrupt, wrong format, hostile); it is quarantined."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self):
        # Rebuilt from (path, reason) when it crosses a process boundary (Dask workers, Prefect results).
        return (type(self), (self.path, self.reason))


class NoInputError(WenyuanError):
    """A batch holds nothing to digitise: a path that does not exist, no page image, or only bad inputs."""


class BookConflictError(WenyuanError):
    """An output folder already holds another book."""


class ManifestError(WenyuanError):
    """A batch manifest cannot be read or has the wrong shape."""


class CorpusError(WenyuanError, ValueError):
    """A training or evaluation corpus file cannot be read or has the wrong shape (named, with the line)."""


class ModelLoadError(WenyuanError):
    """A model folder is missing or corrupt."""


class ValidationError(WenyuanError):
    """An export does not validate against its schema."""
