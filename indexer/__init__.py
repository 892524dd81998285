"""Offline indexer: turns a corpus of French reports into a search bundle."""

__version__ = "0.1.0"
