"""Exceptions the package raises on purpose; callers catch ``PolicyQAError`` to handle them all."""

from __future__ import annotations


class PolicyQAError(Exception):
    """Base class of every error policy-qa reports to the user."""


class UnreadableFileError(PolicyQAError):
    """A corpus file is binary, cannot be decoded, cannot be read or holds no text."""


class EmptyCorpusError(PolicyQAError):
    """The corpus folder is missing or holds no readable ``.txt``/``.md`` file."""


class InvalidQuestionError(PolicyQAError):
    """The question is empty, too long or otherwise unusable."""


class IndexBuildError(PolicyQAError):
    """The index could not be built or written."""


class IndexCorruptError(PolicyQAError):
    """A persisted index is missing parts, unreadable or inconsistent with its manifest."""


class StoreError(PolicyQAError):
    """The chunk store named by ``--store`` (``POLICY_QA_STORE``) is malformed, unreachable or failed to answer."""
