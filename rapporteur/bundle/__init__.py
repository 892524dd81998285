"""The bundle: the one contract between the indexer, which writes it, and the service, which reads it.

`model` holds what a bundle is made of (documents, chunks, citations, and the helpers that place an
offset in its page and section); `store` writes and reads bundles (format, checksums, CURRENT);
`lexical` and `dense` are its two search indexes. May import `rapporteur.text` and third-party
libraries only.
"""
