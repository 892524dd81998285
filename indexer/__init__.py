"""The build pipeline: corpus files → cleaned documents → sections and chunks → embeddings → bundle.

May import `rapporteur` (the bundle format, text analysis, embedders) and the build's libraries
(langchain-text-splitters, pypdfium2, python-docx, odfpy, selectolax); never `service` or `evals`.
"""
