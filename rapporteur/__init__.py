"""Shared by the indexer and the service: what a bundle is (its data model and its files), how
French text is analysed, how texts are embedded, the domain errors and the settings.

May import third-party libraries and its own modules only: never `indexer`, `service` or `evals`,
nor the build pipeline's libraries (langchain, pypdfium2, python-docx, odfpy, selectolax), so that
serving never loads the build.
"""

__version__ = "0.1.0"
