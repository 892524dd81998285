"""Domain errors raised by the indexer and the bundle reader, and the exit statuses the indexer's
command line translates them to (the admin API reads them back from its child processes)."""

from enum import IntEnum


class IndexerExit(IntEnum):
    """Exit statuses of `python -m indexer`."""

    OK = 0
    FAILED = 1
    USAGE = 2
    BUSY = 3  # another build holds the index directory's lock
    REJECTED = 4  # a file offered to the corpus is refused (a JSON line says why)
    NOT_FOUND = 5  # no document has this id


class RapporteurError(Exception):
    """Base class of every error the library raises on purpose.

    `public` is what may be told to a remote client: the message without server paths.
    """

    def __init__(self, message: str, public: str | None = None) -> None:
        super().__init__(message)
        self.public = public or message


class LoaderError(RapporteurError):
    """A corpus file cannot be read as text (empty, binary, undecodable, corrupt)."""


class RejectedFileError(RapporteurError):
    """A file offered to the corpus is refused; `reason` is a code (type, empty, bomb, pages, corrupt,
    name, exists), the message is in French for the person who sent it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class DocumentNotFoundError(RapporteurError):
    """No document of the corpus has this id."""


class OcrUnavailableError(LoaderError):
    """A page needs OCR but tesseract (or its language data) is not installed."""


class NothingToIndexError(RapporteurError):
    """No file of the corpus produced any indexable text."""


class CorpusManifestError(RapporteurError):
    """The corpus manifest is malformed."""


class BuildLockedError(RapporteurError):
    """Another build is running on the same index directory."""


class BuildWriteError(RapporteurError):
    """The index cannot be written (disk full, read-only, permissions)."""


class BuildError(RapporteurError):
    """A stage of the build failed (on a cluster: a worker's error, or the cluster itself)."""


class BundleError(RapporteurError):
    """An index bundle is missing, incomplete or inconsistent."""


class EmbedderError(RapporteurError):
    """An embedder cannot be created or does not match the bundle."""


class QueryTooLongError(RapporteurError):
    """A query holds more model tokens than one search may embed."""

    def __init__(self, tokens: int, limit: int) -> None:
        super().__init__(f"query of {tokens} tokens (at most {limit})")
        self.tokens = tokens
        self.limit = limit
