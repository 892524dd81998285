"""Domain errors raised by the indexer and the bundle reader."""


class RapporteurError(Exception):
    """Base class of every error the library raises on purpose."""


class LoaderError(RapporteurError):
    """A corpus file cannot be read as text (empty, binary, undecodable, corrupt)."""


class NothingToIndexError(RapporteurError):
    """No file of the corpus produced any indexable text."""


class CorpusManifestError(RapporteurError):
    """The corpus manifest is malformed."""


class BundleError(RapporteurError):
    """An index bundle is missing, incomplete or inconsistent."""


class EmbedderError(RapporteurError):
    """An embedder cannot be created or does not match the bundle."""
